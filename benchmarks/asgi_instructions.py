"""CPU instructions per request of the ASGI benchmarks' apps, counted by
valgrind's callgrind: a figure the machine's load cannot move.

On a shared machine the timed ratios of :mod:`benchmarks.asgi_run` move by
tenths from run to run; the instruction count of the same request moves by
a few instructions. It is not time (cache misses, branch mispredictions and
the thread pool's waits are not counted, so a ``def`` view's thread hop
looks cheap), so it complements the timed run for the apps that stay on
the loop, where it is the tool to A/B a change of the request path.

Each app runs twice under callgrind, once sending ``--requests`` requests
after its warm-up and once sending none; the difference over the number of
requests is what one request costs.

Run it from the repository root (valgrind must be installed)::

    python -m benchmarks.asgi_instructions
    python -m benchmarks.asgi_instructions --scenario hello --peer framework
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import asgi_run
from .asgi_driver import time_round

ROOT = Path(__file__).resolve().parent.parent

#: The apps counted unless ``--peer`` says otherwise: those that never leave
#: the loop, for which instructions are a fair measure.
DEFAULT_PEERS = ("starlette", "framework", "falcon")

_COLLECTED = re.compile(r"Collected : (\d+)")


def send_requests(peer: str, scenario: str, number: int) -> None:
    """Warm one app up, then send it ``number`` requests: what callgrind
    counts.

    :param peer: a peer name of :data:`benchmarks.asgi_run.PEERS`.
    :param scenario: a scenario name.
    :param number: how many requests after the warm-up.
    """
    loop = asyncio.new_event_loop()
    started = asgi_run.Started.start(
        loop,
        asgi_run.SCENARIO_NAMES[scenario],
        asgi_run.PEER_NAMES[peer].builders()[scenario],
    )
    scope, message = started.request.scope(), started.request.message()
    loop.run_until_complete(time_round(started.app, scope, message, 200))
    if number:
        loop.run_until_complete(time_round(started.app, scope, message, number))
    started.stop(loop)
    loop.close()


def count(peer: str, scenario: str, number: int) -> int:
    """The instructions of a process that sends ``number`` requests.

    :raise RuntimeError: callgrind's summary is missing (the run failed).
    """
    done = subprocess.run(
        [
            "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
            sys.executable, "-m", "benchmarks.asgi_instructions",
            "--send", peer, scenario, str(number),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{peer} {scenario}: {done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(peer: str, scenario: str, number: int) -> float:
    """Instructions per request: two runs' difference over ``number``."""
    return (count(peer, scenario, number) - count(peer, scenario, 0)) / number


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.asgi_instructions",
        description="Count the CPU instructions of one request of each app "
        "with callgrind, and each app's count over Starlette's.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(asgi_run.SCENARIO_NAMES),
        metavar="NAME",
        help="count this scenario; repeat for several (default: hello, json)",
    )
    parser.add_argument(
        "--peer",
        action="append",
        choices=list(asgi_run.PEER_NAMES),
        metavar="NAME",
        help="count this app; repeat for several (default: "
        + ", ".join(DEFAULT_PEERS)
        + "; Starlette is always counted)",
    )
    parser.add_argument(
        "--requests",
        type=asgi_run.positive_int,
        default=2000,
        help="requests in the counted run (default: 2000)",
    )
    parser.add_argument(
        "--jobs",
        type=asgi_run.positive_int,
        default=2,
        help="callgrind runs at once (default: 2)",
    )
    parser.add_argument("--send", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Count, print the table; 1 if valgrind is missing or a run failed.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    args = parse_args(argv)
    if args.send:
        peer, scenario, number = args.send
        send_requests(peer, scenario, int(number))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    scenarios = args.scenario or ["hello", "json"]
    peers = [asgi_run.REFERENCE] + [
        name for name in args.peer or DEFAULT_PEERS if name != asgi_run.REFERENCE
    ]
    jobs = [
        (peer, scenario)
        for scenario in scenarios
        for peer in peers
        if scenario in asgi_run.PEER_NAMES[peer].builders()
    ]
    with ThreadPoolExecutor(args.jobs) as pool:
        counts = dict(
            zip(
                jobs,
                pool.map(lambda job: per_request(*job, args.requests), jobs),
                strict=True,
            )
        )
    header = ("scenario", *(f"{asgi_run.PEER_NAMES[p].label}" for p in peers))
    rows: list[tuple[str, ...]] = [header]
    for scenario in scenarios:
        reference = counts.get((asgi_run.REFERENCE, scenario))
        cells = [scenario]
        for peer in peers:
            value = counts.get((peer, scenario))
            if value is None:
                cells.append("-")
            elif peer == asgi_run.REFERENCE or reference is None:
                cells.append(f"{value:,.0f}")
            else:
                cells.append(f"{value:,.0f} ({value / reference:.3f})")
        rows.append(tuple(cells))
    print(
        f"instructions per request (callgrind, {args.requests} requests); "
        "in brackets: over Starlette's"
    )
    print(asgi_run.align_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
