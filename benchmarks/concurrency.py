"""Many slow requests at once on one uvicorn worker.

Starts ``uvicorn benchmarks.sleep_apps:<app>`` (one process, one event loop)
on a free port of 127.0.0.1, then sends it ``--requests`` requests at the
same moment, each to a view that awaits ``asyncio.sleep(--sleep)``, and
reports how long the whole batch took. An app that keeps the loop free
answers them all in about one sleep; one that serialises them, or runs them
in a bounded thread pool, takes a multiple of it.

The client is this process (the server is another one): plain asyncio
streams, one connection per request, ``Connection: close``, so the client
costs as little as it can and nothing is shared between requests.

Run it from the repository root::

    python -m benchmarks.concurrency
    python -m benchmarks.concurrency --app framework --app starlette --requests 1000
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import importlib.util
import json
import os
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The issue's goal for framework: 1,000 requests of a 1 s sleep in < 2 s.
GOAL_SECONDS = 2.0

#: What ``uvicorn`` serves for each ``--app``.
TARGETS = {
    "framework": "benchmarks.sleep_apps:framework_app.asgi",
    "starlette": "benchmarks.sleep_apps:starlette_app",
    "quart": "benchmarks.sleep_apps:quart_app",
    "falcon": "benchmarks.sleep_apps:falcon_app",
}

_RUNNING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class Batch:
    """One app's batch: the wall time and each request's outcome.

    :param app: the ``--app`` name.
    :param requests: how many requests were sent at once.
    :param wall_s: seconds from the first connection attempt to the last
        answer.
    :param latencies_s: each answered request's time, connection included.
    :param errors: what went wrong with the others, by description.
    """

    app: str
    requests: int
    wall_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        """Requests answered ``200 slept``."""
        return len(self.latencies_s)


class ServerError(RuntimeError):
    """The server did not start, or died."""


# -- The server ------------------------------------------------------------------


def uvicorn_flavour(loop: str = "auto", http: str = "auto") -> str:
    """Which event loop and HTTP parser uvicorn uses, its ``auto`` choices
    resolved as uvicorn resolves them (uvloop and httptools when installed).

    :param loop: uvicorn's ``--loop``.
    :param http: uvicorn's ``--http``.
    """
    if loop == "auto":
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    if http == "auto":
        http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"uvicorn {importlib.metadata.version('uvicorn')}, loop {loop}, http {http}"


def client_runner() -> tuple[str, Callable[[Coroutine[t.Any, t.Any, t.Any]], t.Any]]:
    """The client's event loop: uvloop's when installed (the client should
    cost as little as it can), else asyncio's; and how to run a coroutine
    on a new one."""
    try:
        import uvloop
    except ImportError:
        return "asyncio", asyncio.run
    return "uvloop", uvloop.run


class Server:
    """``uvicorn <target>`` on a free port of 127.0.0.1, as a context manager.

    uvicorn binds port 0 itself and logs the port it got; the log goes to a
    temporary file, read for that line and shown when something fails.

    :param target: the ``module:attribute`` to serve.
    :param options: more uvicorn options (``--loop``, ``--http``).
    :param timeout: seconds to wait for the server to start.
    :param env: more environment variables for the server (the apps'
        settings, such as ``BENCH_SLEEP_SECONDS``).
    """

    def __init__(
        self,
        target: str,
        options: Sequence[str] = (),
        timeout: float = 30,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.target = target
        self.options = list(options)
        self.timeout = timeout
        self.env = dict(env or {})
        self.port = 0
        # Closed by __exit__: the server writes to it for the whole block.
        self._log = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self._process: subprocess.Popen[bytes] | None = None

    def log(self) -> str:
        """The server's output so far."""
        self._log.seek(0)
        return self._log.read()

    def __enter__(self) -> Server:
        command = [
            sys.executable, "-m", "uvicorn", self.target,
            "--host", "127.0.0.1", "--port", "0",
            "--no-access-log", "--log-level", "info", *self.options,
        ]  # fmt: skip
        env = {**os.environ, **self.env}
        self._process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            found = _RUNNING.search(self.log())
            if found:
                self.port = int(found.group(1))
                return self
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        log = self.log()
        self.__exit__(None, None, None)
        raise ServerError(f"uvicorn {self.target} did not start:\n{log}")

    def __exit__(self, *exc_info: object) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._log.close()

    @property
    def pid(self) -> int | None:
        """The server's process id, once started."""
        return None if self._process is None else self._process.pid

    def alive(self) -> bool:
        """Whether the server process is still running."""
        return self._process is not None and self._process.poll() is None


# -- The client ------------------------------------------------------------------


async def get(port: int, path: str, timeout: float) -> tuple[int, bytes]:
    """``GET path`` on a new connection; return the status and body.

    :param port: the server's port on 127.0.0.1.
    :param path: the path to request.
    :param timeout: seconds for the whole exchange.
    """

    async def exchange() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Connection: close\r\n\r\n".encode("ascii")
            )
            raw = await reader.read()
        finally:
            writer.close()
        head, _, body = raw.partition(b"\r\n\r\n")
        status_line = head.split(b"\r\n", 1)[0].split()
        if len(status_line) < 2:
            raise ConnectionError(f"no status line: {raw[:80]!r}")
        return int(status_line[1]), body

    return await asyncio.wait_for(exchange(), timeout)


async def fire(batch: Batch, port: int, timeout: float) -> None:
    """Send ``batch.requests`` requests to ``/sleep`` at once and record
    each one's outcome and the whole batch's time.

    :param batch: where the results go.
    :param port: the server's port on 127.0.0.1.
    :param timeout: seconds each request may take at most.
    """

    async def one() -> None:
        start = time.perf_counter()
        try:
            status, body = await get(port, "/sleep", timeout)
        except (OSError, TimeoutError) as error:
            what = type(error).__name__
            batch.errors[what] = batch.errors.get(what, 0) + 1
            return
        if (status, body) != (200, b"slept"):
            what = f"{status} {body[:40]!r}"
            batch.errors[what] = batch.errors.get(what, 0) + 1
            return
        batch.latencies_s.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(batch.requests)))
    batch.wall_s = time.perf_counter() - start


def raise_open_files_limit(needed: int) -> None:
    """Let this process, and the server it starts, hold ``needed`` sockets
    more than a default soft limit of 1,024 allows, up to the hard limit.

    :param needed: how many sockets the batch opens.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = needed + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        new = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def run_batch(
    app: str,
    requests: int,
    sleep: float,
    timeout: float,
    options: Sequence[str] = (),
) -> Batch:
    """Serve ``app`` with uvicorn and send it one batch.

    :param app: an ``--app`` name.
    :param requests: how many requests at once.
    :param sleep: seconds the view sleeps.
    :param timeout: seconds each request may take at most.
    :param options: more uvicorn options.
    :raise ServerError: the server did not start or died during the batch.
    """
    batch = Batch(app, requests)
    _, run = client_runner()
    env = {"BENCH_SLEEP_SECONDS": str(sleep)}
    with Server(TARGETS[app], options, env=env) as server:
        # One request first: the app's first-request setup is not the batch's.
        status, _ = run(get(server.port, "/", timeout))
        if status != 200:
            raise ServerError(f"GET / answered {status}:\n{server.log()}")
        run(fire(batch, server.port, timeout))
        if not server.alive():
            raise ServerError(f"uvicorn exited during the batch:\n{server.log()}")
    return batch


# -- Reporting -------------------------------------------------------------------


def format_table(batches: Sequence[Batch], goal: float) -> str:
    """The batches as an aligned table.

    :param batches: the results.
    :param goal: the wall time in seconds a batch must stay under.
    """
    header = (
        "app",
        "wall s",
        "fastest s",
        "median s",
        "slowest s",
        "failed",
        f"< {goal} s",
    )
    rows = [header]
    for batch in batches:
        lat = sorted(batch.latencies_s)
        stats = (
            (f"{lat[0]:.3f}", f"{statistics.median(lat):.3f}", f"{lat[-1]:.3f}")
            if lat
            else ("-", "-", "-")
        )
        met = batch.ok == batch.requests and batch.wall_s < goal
        rows.append(
            (batch.app, f"{batch.wall_s:.3f}", *stats,
             str(batch.requests - batch.ok), "yes" if met else "no")
        )  # fmt: skip
    return align_table(rows)


def align_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as an aligned text table, the first row the heading: the first
    column left-aligned, the figures right-aligned.

    :param rows: the cells, the heading first.
    """
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def add_uvicorn_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--loop`` and ``--http``, passed on to the uvicorn started.

    :param parser: the benchmark's parser.
    """
    parser.add_argument(
        "--loop",
        choices=["auto", "asyncio", "uvloop"],
        default="auto",
        help="uvicorn's --loop (default: auto)",
    )
    parser.add_argument(
        "--http",
        choices=["auto", "h11", "httptools"],
        default="auto",
        help="uvicorn's --http (default: auto)",
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.concurrency",
        description="Send many requests at once to an async view that sleeps, "
        "served by one uvicorn worker, and report the batch's wall time.",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=1000,
        help="requests sent at once (default: 1000)",
    )
    parser.add_argument(
        "--sleep",
        type=float,
        default=1.0,
        help="seconds the view awaits asyncio.sleep (default: 1)",
    )
    parser.add_argument(
        "--app",
        action="append",
        choices=list(TARGETS),
        help="serve this app; repeat for several (default: framework and starlette)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        help="seconds a request may take at most (default: 60)",
    )
    parser.add_argument(
        "--goal",
        type=float,
        default=None,
        help="wall time a batch must stay under, in seconds "
        f"(default: {GOAL_SECONDS} x --sleep)",
    )
    add_uvicorn_options(parser)
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results, every latency included, as JSON",
    )
    return parser.parse_args(argv)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the batches; return 0 if framework's met the goal (every request
    answered within it), 1 otherwise.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    args = parse_args(argv)
    apps = args.app or ["framework", "starlette"]
    goal = args.goal if args.goal is not None else GOAL_SECONDS * args.sleep
    raise_open_files_limit(args.requests)
    server = uvicorn_flavour(args.loop, args.http)
    options = ["--loop", args.loop, "--http", args.http]
    print(
        f"{args.requests} requests at once to a view awaiting "
        f"asyncio.sleep({args.sleep:g}); one worker of {server} on 127.0.0.1; "
        f"client: asyncio streams on {client_runner()[0]}, in another process",
        flush=True,
    )
    batches: list[Batch] = []
    failed = False
    for app in apps:
        try:
            batch = run_batch(app, args.requests, args.sleep, args.timeout, options)
        except ServerError as error:
            print(f"{app}: {error}", file=sys.stderr, flush=True)
            failed = True
            continue
        batches.append(batch)
        for what, count in batch.errors.items():
            print(f"{app}: {count} x {what}", file=sys.stderr, flush=True)
        if app == "framework" and (batch.ok < batch.requests or batch.wall_s >= goal):
            failed = True
    print()
    print(format_table(batches, goal))
    if args.json is not None:
        document = {
            "requests": args.requests,
            "sleep_s": args.sleep,
            "goal_s": goal,
            "server": server,
            "client_loop": client_runner()[0],
            "batches": [asdict(batch) for batch in batches],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
