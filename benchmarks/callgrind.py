"""Counting the CPU instructions of one request with valgrind's callgrind,
for :mod:`benchmarks.wsgi_instructions` and :mod:`benchmarks.asgi_instructions`.

A process is run twice under callgrind: once sending ``number`` requests
after its warm-up, once sending none; the difference over ``number`` is
what one request costs. Everything else the process does (start-up,
imports, building the app, the warm-up) is the same in both runs and drops
out. The load of the machine cannot move the count: only the code can, by
a few instructions per request from one memory layout to the next.

Standard library only.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import typing as t
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = [
    "ROOT",
    "collected",
    "count",
    "count_jobs",
    "counts_table",
    "have_valgrind",
    "per_request",
    "write_counts",
]

#: The repository's root: the counted processes run there.
ROOT = Path(__file__).resolve().parent.parent

_COLLECTED = re.compile(r"Collected : (\d+)")


def have_valgrind() -> bool:
    """valgrind is installed (Debian's package: ``apt-get install valgrind``)."""
    return shutil.which("valgrind") is not None


def collected(report: str) -> int | None:
    """The instructions callgrind counted, from its summary on stderr
    (``==123== Collected : 456789``); ``None`` if there is none.

    :param report: what callgrind wrote to stderr.
    """
    found = _COLLECTED.search(report)
    return None if found is None else int(found.group(1))


def count(
    module: str, send: Sequence[str], env: Mapping[str, str] | None = None
) -> int:
    """The instructions of ``python -m module --send SEND...`` under callgrind.

    :param module: the counter's module, whose ``--send`` sends the requests.
    :param send: the arguments of ``--send``.
    :param env: the process's environment (this one's when ``None``).
    :raise RuntimeError: the run failed or callgrind wrote no summary.
    """
    process = subprocess.Popen(
        [
            "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-m", module, "--send", *send,
        ],
        cwd=ROOT,
        env=None if env is None else dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    _RUNNING.add(process)
    try:
        _, report = process.communicate()
    finally:
        _RUNNING.discard(process)
    found = collected(report)
    if process.returncode != 0 or found is None:
        raise RuntimeError(f"{' '.join(send)}: {report[-2000:]}")
    return found


#: The callgrind runs under way, to stop if the count is interrupted.
_RUNNING: set[subprocess.Popen[str]] = set()


def per_request(
    module: str,
    send: Sequence[str],
    number: int,
    env: Mapping[str, str] | None = None,
) -> float:
    """Instructions per request: two runs' difference over ``number``.

    :param module: the counter's module.
    :param send: the arguments of ``--send`` before the number of requests.
    :param number: the requests of the counted run.
    :param env: the processes' environment.
    """
    sent = count(module, [*send, str(number)], env)
    idle = count(module, [*send, "0"], env)
    return (sent - idle) / number


Job = tuple[str, str]


def count_jobs(
    jobs: Sequence[Job],
    counter: Callable[[Job], float],
    parallel: int,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict[str, float]]:
    """Count every ``(peer, row)`` job, ``parallel`` at once; return the
    counts by row and peer.

    :param jobs: the jobs.
    :param counter: counts one job's instructions per request.
    :param parallel: callgrind runs at once.
    :param progress: told of each job done, if given.
    """

    def one(job: Job) -> float:
        value = counter(job)
        if progress is not None:
            progress(f"  {job[1]} / {job[0]}: {value:,.0f}")
        return value

    pool = ThreadPoolExecutor(parallel)
    try:
        values = list(pool.map(one, jobs))
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or a run failed: start no other run
        # and stop those under way, rather than wait minutes for them.
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list(_RUNNING):
            process.kill()
        raise
    pool.shutdown()
    counts: dict[str, dict[str, float]] = {}
    for (peer, row), value in zip(jobs, values, strict=True):
        counts.setdefault(row, {})[peer] = value
    return counts


def counts_table(
    counts: Mapping[str, Mapping[str, float]],
    peers: Sequence[str],
    reference: str,
    align: Callable[[list[tuple[str, ...]]], str],
    label: Callable[[str], str] = str,
    extra: tuple[str, str] | None = None,
) -> str:
    """Instructions per request by row and peer, each over the reference's
    in brackets, and optionally one more ratio column.

    :param counts: the counts by row and peer.
    :param peers: the columns, in order.
    :param reference: the peer every ratio divides by.
    :param align: lays rows out as a text table, the first the heading.
    :param label: a peer's name as the table writes it.
    :param extra: ``(peer, against)`` of a last column with their ratio.
    """
    header = ("row", *(label(peer) for peer in peers))
    if extra is not None:
        header += (f"{label(extra[0])}/{label(extra[1])}",)
    rows: list[tuple[str, ...]] = [header]
    for row, by_peer in counts.items():
        base = by_peer.get(reference)
        cells = [row]
        for peer in peers:
            value = by_peer.get(peer)
            if value is None:
                cells.append("-")
            elif peer == reference or not base:
                cells.append(f"{value:,.0f}")
            else:
                cells.append(f"{value:,.0f} ({value / base:.3f})")
        if extra is not None:
            ours, theirs = by_peer.get(extra[0]), by_peer.get(extra[1])
            cells.append("-" if ours is None or not theirs else f"{ours / theirs:.3f}")
        rows.append(tuple(cells))
    return align(rows)


def write_counts(
    path: Path,
    counts: Mapping[str, Mapping[str, float]],
    requests: int,
    reference: str,
    versions: Mapping[str, str],
    goals: Sequence[Mapping[str, t.Any]],
) -> None:
    """Write the counts as JSON, for ``benchmarks.run --instructions`` or
    ``benchmarks.asgi_run --instructions``.

    :param path: the file.
    :param counts: instructions per request by row and peer.
    :param requests: the requests of each counted run.
    :param reference: the peer the ratios divide by.
    :param versions: the versions the counts depend on.
    :param goals: the goals judged by instructions.
    """
    document = {
        "tool": "callgrind",
        "requests": requests,
        "reference": reference,
        "versions": dict(versions),
        "counts": {row: dict(by_peer) for row, by_peer in counts.items()},
        "ratio": {
            row: {
                peer: value / by_peer[reference]
                for peer, value in by_peer.items()
                if by_peer.get(reference)
            }
            for row, by_peer in counts.items()
        },
        "goals": list(goals),
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
