"""Soak ``framework serve``: many mixed requests, and the serving processes'
memory watched throughout.

It starts ``framework --app benchmarks.soak_app serve`` on 127.0.0.1 (a
free port), once with serve's defaults (a WSGI server) and once with
``--server uvicorn`` (ASGI), or with the servers and options given; sends
it 300,000 requests of a realistic mix (see :data:`MIX`) from load
generators in processes of their own, over keep-alive connections; and
reads the resident memory (``VmRSS``) of every process that serves
requests (gunicorn's workers, or waitress's one process) every half
second. It fails when a process's memory grows by more than 5 MB after the
warm-up, when a request gets an answer other than the one its kind
expects, or when a connection fails.

Run it from the repository root (Linux: it reads ``/proc``)::

    python -m benchmarks.soak
    python -m benchmarks.soak --server waitress --requests 100000 --json soak.json
    python -m benchmarks.soak --server gunicorn --server granian

``benchmarks/README.md`` says how to read what it prints.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.metadata
import json
import multiprocessing
import os
import platform
import queue
import re
import signal
import subprocess
import sys
import tempfile
import time
import typing as t
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.soak_app import LARGE_JSON_RECORDS, STREAM_CHUNK_SIZE, STREAM_CHUNKS
from tests.processes import wait_or_kill, wait_until

if t.TYPE_CHECKING:
    from multiprocessing.sharedctypes import SynchronizedArray
    from types import FrameType

#: The repository's root: the server runs there, so ``benchmarks.soak_app``
#: imports.
ROOT = Path(__file__).resolve().parent.parent

#: The soak app, in the ``--app`` syntax.
APP = "benchmarks.soak_app"

#: The file ``/static/items.html`` sends (see ``benchmarks/soak_app.py``).
STATIC_FILE = ROOT / "benchmarks" / "templates" / "items.html"

#: How long the server may take to start answering.
START_TIMEOUT = 30.0
#: How long it may take to exit after SIGTERM before it is killed (gunicorn
#: gives running requests 30 s).
STOP_TIMEOUT = 40.0
#: How long one request may wait for its answer.
REQUEST_TIMEOUT = 30.0

KB_PER_MB = 1024


# -- The mix -------------------------------------------------------------------


class Answer(t.NamedTuple):
    """A response, read in full, for a body check."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass(frozen=True)
class Kind:
    """One kind of request of the mix, and the answer it must get.

    :param name: what the results call it.
    :param method: the HTTP method.
    :param path: the path, with its query string.
    :param status: the only status that counts as right.
    :param weight: how many of each :data:`CYCLE` are of this kind.
    :param body: the request body, if any.
    :param content_type: the body's ``Content-Type``.
    :param check: whether a response of the right status has the right
        body and headers; ``None`` checks the status only.
    """

    name: str
    method: str
    path: str
    status: int
    weight: int
    body: bytes | None = None
    content_type: str | None = None
    check: Callable[[Answer], bool] | None = None


def _json_count_is_3(answer: Answer) -> bool:
    return bool(json.loads(answer.body) == {"echo": JSON_IN, "count": 3})


def _goes_home(answer: Answer) -> bool:
    return urlsplit(answer.headers.get("Location", "")).path == "/"


def _hides_the_error(answer: Answer) -> bool:
    # Debug is off: the generic page, never the exception or a traceback.
    return b"DeliberateError" not in answer.body and b"Traceback" not in answer.body


def _all_records(answer: Answer) -> bool:
    return len(json.loads(answer.body)) == LARGE_JSON_RECORDS


JSON_IN = {"items": [1, 2, 3], "name": "soak"}
STATIC_BODY = STATIC_FILE.read_bytes()
STREAMED = b"y" * (STREAM_CHUNKS * STREAM_CHUNK_SIZE)

#: What the load generators send, and what each kind must get back. The
#: session kind is special: each connection keeps its session cookie and
#: checks that the counter it holds goes up by one per request.
MIX: tuple[Kind, ...] = (
    Kind("hello", "GET", "/", 200, 4, check=lambda a: a.body == b"Hello, World!"),
    Kind(
        "json",
        "POST",
        "/json",
        200,
        2,
        json.dumps(JSON_IN).encode(),
        "application/json",
        _json_count_is_3,
    ),
    Kind(
        "template",
        "GET",
        "/template",
        200,
        2,
        check=lambda a: b"<li>&lt;b&gt;item 9 &amp; co&lt;/b&gt;</li>" in a.body,
    ),
    Kind("session", "GET", "/session", 200, 2),
    Kind(
        "form",
        "POST",
        "/form",
        200,
        1,
        b"name=tea&quantity=3",
        "application/x-www-form-urlencoded",
        lambda a: a.body == b"tea x 3",
    ),
    Kind("redirect", "GET", "/redirect", 302, 1, check=_goes_home),
    Kind(
        "static",
        "GET",
        "/static/items.html",
        200,
        1,
        check=lambda a: a.body == STATIC_BODY,
    ),
    Kind("stream", "GET", "/stream?fill=y", 200, 1, check=lambda a: a.body == STREAMED),
    Kind("large-json", "GET", "/large-json", 200, 1, check=_all_records),
    Kind("not-found", "GET", "/missing", 404, 1),
    Kind("raise", "GET", "/raise", 500, 1, check=_hides_the_error),
    Kind(
        "bad-json",
        "POST",
        "/json",
        400,
        1,
        b'{"items": [1, 2,',
        "application/json",
    ),
)


def make_cycle(mix: Sequence[Kind]) -> list[int]:
    """The order the load generators send the kinds in, as indexes into
    ``mix``: each kind as often as its weight, spread evenly rather than in
    runs (a smooth weighted round robin).

    :param mix: the kinds.
    """
    total = sum(kind.weight for kind in mix)
    credit = [0] * len(mix)
    cycle = []
    for _ in range(total):
        for index, kind in enumerate(mix):
            credit[index] += kind.weight
        chosen = max(range(len(mix)), key=credit.__getitem__)
        credit[chosen] -= total
        cycle.append(chosen)
    return cycle


CYCLE = make_cycle(MIX)


# -- The load generators -------------------------------------------------------


@dataclass
class Tally:
    """What one load generator (or all of them) saw.

    :param statuses: answers by kind name, then status.
    :param wrong: answers of the right status with a wrong body, by kind.
    :param errors: requests that got no answer, by the exception's name.
    :param examples: a few of the problems, described, to print.
    """

    statuses: dict[str, Counter[int]] = field(default_factory=dict)
    wrong: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    #: How many problems :attr:`examples` keeps.
    MAX_EXAMPLES: t.ClassVar[int] = 5

    def note(self, problem: str) -> None:
        """Keep ``problem`` as an example, unless there are enough or the
        same one is there."""
        if len(self.examples) < self.MAX_EXAMPLES and problem not in self.examples:
            self.examples.append(problem)

    def add(self, other: Tally) -> None:
        """Add the counts of ``other`` to this one."""
        for name, counts in other.statuses.items():
            self.statuses.setdefault(name, Counter()).update(counts)
        self.wrong.update(other.wrong)
        self.errors.update(other.errors)
        for example in other.examples:
            self.note(example)


def drive(
    port: int,
    count: int,
    offset: int,
    progress: SynchronizedArray[int],
    slot: int,
    results: multiprocessing.Queue[Tally],
) -> None:
    """Send ``count`` requests of the mix to the server, one at a time over
    one keep-alive connection (opened again whenever the server closes
    it), and put what was seen on ``results``. Runs in a process of its own.

    :param port: the server's port on 127.0.0.1.
    :param count: how many requests to send.
    :param offset: where in :data:`CYCLE` to start, so that the load
        generators do not send the same kind at the same time.
    :param progress: each generator's count of requests done so far.
    :param slot: this generator's index in ``progress``.
    :param results: where the :class:`Tally` goes at the end.
    """
    # terminate() must end a load generator, not raise in it (see main).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    tally = Tally()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    cookie: str | None = None
    visits = 0
    for done in range(count):
        kind = MIX[CYCLE[(offset + done) % len(CYCLE)]]
        headers = {"Content-Type": kind.content_type} if kind.content_type else {}
        if kind.name == "session" and cookie is not None:
            headers["Cookie"] = cookie
        try:
            connection.request(kind.method, kind.path, kind.body, headers)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        except (OSError, http.client.HTTPException) as e:
            tally.errors[type(e).__name__] += 1
            tally.note(f"{kind.method} {kind.path}: {type(e).__name__}: {e}")
            # The next request opens a new connection.
            connection.close()
            continue
        finally:
            progress[slot] = done + 1
        tally.statuses.setdefault(kind.name, Counter())[answer.status] += 1
        if answer.status != kind.status:
            tally.note(
                f"{kind.method} {kind.path}: {answer.status} instead of"
                f" {kind.status}: {answer.body[:200]!r}"
            )
            continue
        if kind.name == "session":
            right = answer.body == str(visits + 1).encode()
            visits = int(answer.body) if answer.body.isdigit() else visits
            set_cookie = answer.headers.get("Set-Cookie")
            if set_cookie is None:
                right = False
            else:
                cookie = set_cookie.partition(";")[0]
        else:
            right = check_answer(kind, answer)
        if not right:
            tally.wrong[kind.name] += 1
            tally.note(
                f"{kind.method} {kind.path}: wrong answer: {answer.status}"
                f" {dict(answer.headers)} {answer.body[:200]!r}"
            )
    connection.close()
    results.put(tally)


def check_answer(kind: Kind, answer: Answer) -> bool:
    """Whether ``answer``, of the right status, has the body and headers
    ``kind`` expects; a body that is not even what the check can parse is
    wrong too (and does not end the load generator).

    :param kind: the kind of the request.
    :param answer: what the server answered.
    """
    if kind.check is None:
        return True
    try:
        return kind.check(answer)
    except (ValueError, LookupError, TypeError):
        return False


# -- The server and its memory -------------------------------------------------


def server_environment() -> dict[str, str]:
    """This process's environment for the server, without the framework's
    or gunicorn's settings of the shell, with the repository importable."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "GUNICORN_CMD_ARGS" and not key.startswith("FRAMEWORK_")
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env


def serve_command(
    server: str | None, workers: int | None, threads: int | None
) -> list[str]:
    """The command that serves the soak app on a free port of 127.0.0.1.

    :param server: ``--server``; serve's default when ``None``.
    :param workers: ``--workers``; serve's default when ``None``.
    :param threads: ``--threads``; serve's default when ``None``.
    """
    argv = [sys.executable, "-m", "framework", "--app", APP, "serve"]
    argv += ["--host", "127.0.0.1", "--port", "0"]
    for option, value in (
        ("server", server),
        ("workers", workers),
        ("threads", threads),
    ):
        if value is not None:
            argv += [f"--{option}", str(value)]
    return argv


class Server:
    """``framework serve`` in a subprocess, its output in a log file.

    :param argv: the command (see :func:`serve_command`).
    :param log_path: where its output goes.
    """

    #: The address in serve's banner, and the server's name before it.
    BANNER = re.compile(r"(?:with (\w+) )?on http://127\.0\.0\.1:(\d+)")

    def __init__(self, argv: list[str], log_path: Path) -> None:
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=server_environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.port = 0
        self.name = "unknown"

    def output(self, last_lines: int | None = None) -> str:
        """What the server wrote, or its last lines."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        if last_lines is None:
            return text
        return "\n".join(text.splitlines()[-last_lines:])

    def wait_ready(self) -> None:
        """Wait for the banner's port, then for ``GET /`` to answer 200.

        :raises RuntimeError: the server exited or did not answer in time.
        """

        def announced() -> bool:
            match = self.BANNER.search(self.output())
            if match is None:
                return False
            self.name = match.group(1) or "unknown"
            self.port = int(match.group(2))
            return True

        def answers() -> bool:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            try:
                connection.request("GET", "/")
                return connection.getresponse().status == 200
            except OSError:
                return False
            finally:
                connection.close()

        if not (
            wait_until(announced, self.process, START_TIMEOUT)
            and wait_until(answers, self.process, START_TIMEOUT)
        ):
            state = (
                f"exited with {self.process.returncode}"
                if self.process.poll() is not None
                else f"did not answer within {START_TIMEOUT:.0f} s"
            )
            self.stop()
            raise RuntimeError(f"the server {state}:\n{self.output(40)}")

    def serving_pids(self) -> list[int]:
        """The processes that serve requests: the leaves of the server's
        process tree (gunicorn's workers; waitress's one process)."""
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                text = stat.read_text()
            except OSError:  # the process has just exited
                continue
            # The name, in parentheses, may hold spaces: count from after it.
            parent = int(text.rpartition(")")[2].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
        leaves: list[int] = []
        pending = [self.process.pid]
        while pending:
            pid = pending.pop()
            if pid in children:
                pending.extend(children[pid])
            else:
                leaves.append(pid)
        return sorted(leaves)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after :data:`STOP_TIMEOUT`."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            wait_or_kill(self.process, STOP_TIMEOUT)


def rss_kb(pid: int) -> int | None:
    """The resident memory of process ``pid`` in KiB (``VmRSS``), or
    ``None`` when it has exited."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Sample:
    """The memory of the serving processes at one moment.

    :param elapsed: seconds since the load started.
    :param done: requests done by then, all load generators together.
    :param rss_kb: each serving process's resident memory, in KiB.
    """

    elapsed: float
    done: int
    rss_kb: Mapping[int, int]


def take_sample(server: Server, start: float, done: int) -> Sample:
    """Read the memory of every process serving for ``server`` now."""
    rss = {pid: kb for pid in server.serving_pids() if (kb := rss_kb(pid)) is not None}
    return Sample(time.monotonic() - start, done, rss)


# -- The memory check ----------------------------------------------------------


@dataclass(frozen=True)
class ProcessMemory:
    """One serving process's resident memory over the run, in KiB.

    :param pid: its process id.
    :param start_kb: at its first sample.
    :param warmup_kb: at the end of the warm-up (the first sample after
        it); ``None`` when the process started after the warm-up.
    :param max_kb: the most from the warm-up's end on (from its start,
        when it started later).
    :param end_kb: at the last sample, after the last request; ``None``
        when the process had exited by then.
    """

    pid: int
    start_kb: int
    warmup_kb: int | None
    max_kb: int
    end_kb: int | None

    @property
    def growth_kb(self) -> int | None:
        """How far it rose above its warm-up level: the peak, not the end,
        so that memory given back at the very end hides nothing."""
        return None if self.warmup_kb is None else self.max_kb - self.warmup_kb


def memory_by_process(samples: Sequence[Sample], warmup: int) -> list[ProcessMemory]:
    """Each serving process's memory over ``samples``.

    :param samples: in time order; the last is taken after the load.
    :param warmup: the requests of the warm-up: the first sample with at
        least that many done is the warm-up's end.
    """
    baseline = next(
        (i for i, sample in enumerate(samples) if sample.done >= warmup),
        len(samples) - 1,
    )
    pids = sorted({pid for sample in samples for pid in sample.rss_kb})
    processes = []
    for pid in pids:
        seen = [(i, s.rss_kb[pid]) for i, s in enumerate(samples) if pid in s.rss_kb]
        warmup_kb = samples[baseline].rss_kb.get(pid)
        later = [kb for i, kb in seen if i >= baseline] or [seen[-1][1]]
        processes.append(
            ProcessMemory(
                pid=pid,
                start_kb=seen[0][1],
                warmup_kb=warmup_kb,
                max_kb=max(later),
                end_kb=samples[-1].rss_kb.get(pid),
            )
        )
    return processes


def memory_failures(
    processes: Sequence[ProcessMemory], max_growth_kb: int
) -> list[str]:
    """Why the memory of the serving processes fails the soak, if it does. A
    process that started and exited within the warm-up does not count.

    :param processes: see :func:`memory_by_process`.
    :param max_growth_kb: the most a process may grow after the warm-up.
    """
    failures = []
    for process in processes:
        if process.warmup_kb is None:
            if process.end_kb is not None:
                failures.append(
                    f"process {process.pid} started after the warm-up: a new"
                    " worker replaced one, and its memory was not watched"
                )
            continue
        if process.end_kb is None:
            failures.append(
                f"process {process.pid} exited before the end: a restarted"
                " worker hides what its memory would have grown to"
            )
        growth = process.growth_kb
        if growth is not None and growth > max_growth_kb:
            failures.append(
                f"process {process.pid} grew by {growth / KB_PER_MB:.1f} MB after"
                f" the warm-up (at most {max_growth_kb / KB_PER_MB:g} MB)"
            )
    if not any(p.warmup_kb is not None for p in processes):
        failures.append("no serving process was found")
    return failures


def answer_failures(tally: Tally) -> list[str]:
    """Why the answers fail the soak: a status a kind must not get, a wrong
    body, a request without an answer."""
    failures = []
    for kind in MIX:
        counts = tally.statuses.get(kind.name, Counter())
        unexpected = {s: n for s, n in counts.items() if s != kind.status}
        if unexpected:
            failures.append(
                f"{kind.name}: {_statuses(unexpected)} instead of {kind.status}"
            )
        if tally.wrong[kind.name]:
            failures.append(f"{kind.name}: {tally.wrong[kind.name]} wrong answers")
    for name, count in sorted(tally.errors.items()):
        failures.append(f"{count} requests got no answer: {name}")
    return failures


def _statuses(counts: Mapping[int, int]) -> str:
    return ", ".join(f"{status} x {n}" for status, n in sorted(counts.items()))


# -- The run -------------------------------------------------------------------


@dataclass
class Run:
    """Everything one soak measured."""

    server: str
    command: list[str]
    requests: int
    clients: int
    warmup: int
    max_growth_kb: int
    elapsed: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    processes: list[ProcessMemory] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def requests_per_second(self) -> float:
        """Answered and unanswered requests alike, over the load's time."""
        return self.requests / self.elapsed if self.elapsed else 0.0


def run_load(server: Server, run: Run, interval: float) -> None:
    """Send the run's requests from its load generators, sampling the
    serving processes' memory every ``interval`` seconds meanwhile."""
    context = multiprocessing.get_context("fork")
    progress = context.Array("q", run.clients, lock=False)
    results: multiprocessing.Queue[Tally] = context.Queue()
    share, extra = divmod(run.requests, run.clients)
    generators = [
        context.Process(
            target=drive,
            args=(
                server.port,
                share + (i < extra),
                i * len(CYCLE) // run.clients,
                progress,
                i,
                results,
            ),
            name=f"soak load generator {i}",
        )
        for i in range(run.clients)
    ]
    received = 0
    start = time.monotonic()
    for generator in generators:
        generator.start()
    try:
        run.samples.append(take_sample(server, start, 0))
        next_sample = start + interval
        while received < run.clients:
            wait = max(0.0, next_sample - time.monotonic())
            try:
                run.tally.add(results.get(timeout=wait))
                received += 1
            except queue.Empty:
                # One that failed sends no tally: stop waiting for it.
                if any(g.exitcode not in (None, 0) for g in generators):
                    break
            if time.monotonic() >= next_sample:
                run.samples.append(take_sample(server, start, sum(progress)))
                next_sample += interval
        run.elapsed = time.monotonic() - start
        run.samples.append(take_sample(server, start, sum(progress)))
    finally:
        # Interrupted, or one failed: the others have nothing left to do.
        for generator in generators:
            if generator.exitcode is None and received < run.clients:
                generator.terminate()
            generator.join()
    crashed = [g.name for g in generators if g.exitcode != 0]
    if crashed:
        run.failures.append(f"load generators failed: {', '.join(crashed)}")


def soak(
    *,
    requests: int,
    warmup: int,
    clients: int,
    max_growth_mb: float,
    interval: float,
    server: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
) -> Run:
    """Serve the soak app, send it the requests, and check what happened.

    :param requests: how many requests to send in all.
    :param warmup: how many of them are the warm-up.
    :param clients: how many load generators send them, at once.
    :param max_growth_mb: the most a serving process may grow after the
        warm-up.
    :param interval: seconds between two memory samples.
    :param server: ``framework serve``'s ``--server``; its default when
        ``None``; likewise ``workers`` and ``threads``.
    :raises RuntimeError: the server did not start.
    """
    command = serve_command(server, workers, threads)
    run = Run(
        server=server or "default",
        command=command,
        requests=requests,
        clients=clients,
        warmup=warmup,
        max_growth_kb=round(max_growth_mb * KB_PER_MB),
    )
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        process = Server(command, Path(folder) / "server.log")
        try:
            process.wait_ready()
            run.server = process.name
            run_load(process, run, interval)
            if process.process.poll() is not None:
                run.failures.append(
                    f"the server exited with {process.process.returncode}"
                    " during the run"
                )
        finally:
            process.stop()
        run.processes = memory_by_process(run.samples, warmup)
        run.failures += memory_failures(run.processes, run.max_growth_kb)
        run.failures += answer_failures(run.tally)
        if run.failures:
            run.failures.append(f"the server's last lines:\n{process.output(20)}")
    return run


# -- Output --------------------------------------------------------------------


def versions(server: str) -> dict[str, str]:
    """The versions the results depend on."""
    found = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }
    for package in ("framework", "werkzeug", server):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found[package] = importlib.metadata.version(package)
    return found


def _mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / KB_PER_MB:.1f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def format_report(run: Run) -> str:
    """What a run measured, as text: the memory table, the answers table,
    then PASS or FAIL and why."""
    limit = f"<= {run.max_growth_kb / KB_PER_MB:g} MB"
    lines = [
        f"{run.requests} requests from {run.clients} load generators in"
        f" {run.elapsed:.1f} s: {run.requests_per_second:.0f} req/s;"
        f" {run.server}, {len(run.processes)} serving"
        f" process{'es' if len(run.processes) != 1 else ''};"
        f" warm-up: the first {run.warmup} requests",
        "",
    ]
    lines += _table(
        ("process", "start MB", "warm-up MB", "max MB", "end MB", "growth MB", limit),
        [
            (
                str(p.pid),
                _mb(p.start_kb),
                _mb(p.warmup_kb),
                _mb(p.max_kb),
                _mb(p.end_kb),
                _mb(p.growth_kb),
                "-"
                if p.growth_kb is None
                else ("yes" if p.growth_kb <= run.max_growth_kb else "NO"),
            )
            for p in run.processes
        ],
    )
    lines.append("")
    lines += _table(
        ("request", "expected", "answers", "wrong body"),
        [
            (
                f"{kind.name} ({kind.method} {kind.path})",
                str(kind.status),
                _statuses(run.tally.statuses.get(kind.name, Counter())) or "none",
                str(run.tally.wrong[kind.name]),
            )
            for kind in MIX
        ],
    )
    if run.tally.errors:
        lines.append(f"no answer: {dict(run.tally.errors)}")
    if run.tally.examples:
        lines += ["", "first problems:", *(f"  {e}" for e in run.tally.examples)]
    lines.append("")
    if run.failures:
        lines += ["FAIL", *(f"- {failure}" for failure in run.failures)]
    else:
        lines.append("PASS")
    return "\n".join(lines)


def to_json(run: Run) -> dict[str, t.Any]:
    """A run as a JSON document, every memory sample included."""
    return {
        "versions": versions(run.server),
        "server": run.server,
        "command": run.command,
        "requests": run.requests,
        "clients": run.clients,
        "warmup": run.warmup,
        "max_growth_mb": run.max_growth_kb / KB_PER_MB,
        "elapsed_s": run.elapsed,
        "requests_per_second": run.requests_per_second,
        "processes": [
            {
                "pid": p.pid,
                "start_mb": p.start_kb / KB_PER_MB,
                "warmup_mb": None if p.warmup_kb is None else p.warmup_kb / KB_PER_MB,
                "max_mb": p.max_kb / KB_PER_MB,
                "end_mb": None if p.end_kb is None else p.end_kb / KB_PER_MB,
                "growth_mb": None if p.growth_kb is None else p.growth_kb / KB_PER_MB,
            }
            for p in run.processes
        ],
        "statuses": {
            name: {str(status): n for status, n in sorted(counts.items())}
            for name, counts in run.tally.statuses.items()
        },
        "wrong": dict(run.tally.wrong),
        "errors": dict(run.tally.errors),
        "samples": [
            {
                "elapsed_s": round(s.elapsed, 3),
                "done": s.done,
                "rss_kb": {str(pid): kb for pid, kb in s.rss_kb.items()},
            }
            for s in run.samples
        ],
        "failures": run.failures,
        "passed": not run.failures,
    }


# -- Command line --------------------------------------------------------------


def positive_int(text: str) -> int:
    """A command-line integer that must be at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def positive_float(text: str) -> float:
    """A command-line number that must be above 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description="Serve benchmarks/soak_app.py with framework serve, send it"
        " many mixed requests, and fail if a serving process's memory grows"
        " after the warm-up or an answer is wrong.",
    )
    parser.add_argument(
        "--requests",
        type=positive_int,
        default=300_000,
        help="requests in all (default: 300000)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        metavar="N",
        help="the first N requests are the warm-up (default: 10%% of --requests)",
    )
    parser.add_argument(
        "--max-growth-mb",
        type=positive_float,
        default=5.0,
        metavar="MB",
        help="the most a serving process's memory may grow after the warm-up,"
        " in MiB (default: 5)",
    )
    parser.add_argument(
        "--clients",
        type=positive_int,
        default=4,
        help="load generator processes, each with one keep-alive connection"
        " (default: 4)",
    )
    parser.add_argument(
        "--interval",
        type=positive_float,
        default=0.5,
        metavar="SECONDS",
        help="seconds between two memory samples (default: 0.5)",
    )
    parser.add_argument(
        "--server",
        action="append",
        choices=SERVERS,
        help="framework serve's --server; repeat it to soak under several,"
        " one after the other (default: " + " and ".join(DEFAULT_SERVERS) + ")",
    )
    parser.add_argument(
        "--workers", type=positive_int, help="framework serve's --workers"
    )
    parser.add_argument(
        "--threads", type=positive_int, help="framework serve's --threads"
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results, every memory sample included, as JSON",
    )
    args = parser.parse_args(argv)
    if args.warmup is None:
        args.warmup = args.requests // 10
    if not 0 <= args.warmup < args.requests:
        parser.error(f"--warmup must be 0 to {args.requests - 1}, not {args.warmup}")
    return args


#: The servers ``--server`` takes: ``framework serve``'s.
SERVERS = ("auto", "gunicorn", "waitress", "uvicorn", "hypercorn", "granian")
#: The servers soaked by default: serve's own choice for this sync app (a
#: WSGI server), and uvicorn, serving the same app through ASGI.
DEFAULT_SERVERS = ("auto", "uvicorn")


def _interrupt(signum: int, frame: FrameType | None) -> t.NoReturn:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak; the exit status is 0 when it passes, 1 when it fails.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    if not Path("/proc/self/status").exists():
        print("the soak reads /proc: it runs on Linux only", file=sys.stderr)
        return 1
    args = parse_args(argv)
    # Stopped by SIGTERM (a CI timeout, kill), still stop the server and
    # the load generators on the way out.
    signal.signal(signal.SIGTERM, _interrupt)
    runs: list[Run] = []
    failed = False
    try:
        for server in args.server or DEFAULT_SERVERS:
            try:
                run = soak(
                    requests=args.requests,
                    warmup=args.warmup,
                    clients=args.clients,
                    max_growth_mb=args.max_growth_mb,
                    interval=args.interval,
                    server=None if server == "auto" else server,
                    workers=args.workers,
                    threads=args.threads,
                )
            except RuntimeError as e:
                print(f"FAIL ({server}): {e}", file=sys.stderr)
                failed = True
                continue
            print(format_report(run), flush=True)
            runs.append(run)
            failed = failed or bool(run.failures)
    except KeyboardInterrupt:
        print("interrupted: the server and the load generators are stopped")
        return 130
    if args.json is not None:
        document = {"passed": not failed, "runs": [to_json(run) for run in runs]}
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
