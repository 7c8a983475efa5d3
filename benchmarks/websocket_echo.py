"""A WebSocket echo over loopback on one uvicorn worker.

Starts ``uvicorn benchmarks.echo_apps:<app>`` (one process, one event
loop) for each app on a free port of 127.0.0.1, checks that each echoes a
known message, then drives them from this process in interleaved rounds
(each round times every app in turn, the order turning from round to
round, so a busy spell on the machine falls on all of them):

- **echo**: over one connection, send a text message and await its echo,
  ``--messages`` times: sequential round trips, messages per second;
- **pipelined**: the same messages sent ``--window`` at a time before
  reading their echoes: the server's throughput more than the round trip's
  latency;
- **handshake**: ``--handshakes`` times, open a connection and close it
  (the opening handshake, the app's setup and teardown of a connection,
  the closing handshake): time per connection.

Each figure is compared with Starlette's in the same round; the table
shows the median over the rounds. The goal (issue 19): framework's echo
rate at least 0.95 of Starlette's.

On a busy machine the rates swing with the scheduler (the client and the
server wait on each other at every round trip), so the benchmark also
reads each server's CPU time (``/proc/<pid>/stat``, on Linux) before and
after each measure: the server's CPU per message and per handshake, summed
over the rounds, is what the app costs, whatever else the machine does.

The client is the ``websockets`` package's asyncio client (it comes with
``uvicorn[standard]``), on uvloop when installed, without compression or
keepalive pings, so the bytes and the work per message are the same for
every app.

Run it from the repository root::

    python -m benchmarks.websocket_echo
    python -m benchmarks.websocket_echo --app framework --app starlette --rounds 20
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import statistics
import sys
import time
import typing as t
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.concurrency import (
    Server,
    ServerError,
    add_uvicorn_options,
    align_table,
    client_runner,
    uvicorn_flavour,
)

#: What ``uvicorn`` serves for each ``--app``.
TARGETS = {
    "framework": "benchmarks.echo_apps:framework_app.asgi",
    "starlette": "benchmarks.echo_apps:starlette_app",
    "quart": "benchmarks.echo_apps:quart_app",
}

#: The app the others are compared with.
REFERENCE = "starlette"

#: The issue's goal: framework's echo rate / Starlette's, at least.
GOAL_RATIO = 0.95

#: The measures, in the table's order: ``(key, heading, unit, higher is
#: better)``.
MEASURES = (
    ("echo", "echo", "msg/s", True),
    ("pipelined", "pipelined", "msg/s", True),
    ("handshake", "handshake", "µs", False),
)


class WrongAnswer(RuntimeError):
    """An app did not echo the message it was sent."""


@dataclass
class Rounds:
    """One app's figures, one per round of each measure.

    :param app: the ``--app`` name.
    :param echo: messages per second, sequential round trips.
    :param pipelined: messages per second, ``--window`` in flight.
    :param handshake: microseconds per connection opened and closed.
    :param cpu_us: the server's CPU time per message (echo, pipelined) or
        per connection (handshake) over all the rounds, in microseconds;
        empty where the process's CPU time can't be read.
    """

    app: str
    echo: list[float] = field(default_factory=list)
    pipelined: list[float] = field(default_factory=list)
    handshake: list[float] = field(default_factory=list)
    cpu_us: dict[str, float] = field(default_factory=dict)

    def figures(self, measure: str) -> list[float]:
        """The rounds of one measure.

        :param measure: a key of :data:`MEASURES`.
        """
        figures: list[float] = getattr(self, measure)
        return figures


def cpu_seconds(pid: int | None) -> float | None:
    """The user and system CPU time a process has used, in seconds, from
    ``/proc/<pid>/stat``; ``None`` where that can't be read (not Linux).

    :param pid: the process id.
    """
    if pid is None:
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    # After the command name, in parentheses: the state is field 3, utime
    # and stime fields 14 and 15, in clock ticks.
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- The client ------------------------------------------------------------------


def connect(port: int, window: int = 1) -> t.Any:
    """An ``async with``-able connection to ``/echo``: no compression, no
    keepalive pings, no proxy; room for ``window`` unread echoes.

    :param port: the server's port on 127.0.0.1.
    :param window: how many echoes may wait unread.
    """
    from websockets.asyncio.client import connect as ws_connect

    return ws_connect(
        f"ws://127.0.0.1:{port}/echo",
        compression=None,
        ping_interval=None,
        proxy=None,
        max_queue=max(16, 2 * window),
        open_timeout=30,
        close_timeout=30,
    )


def expect(answer: str | bytes, sent: str) -> None:
    """Raise :class:`WrongAnswer` unless ``answer`` is ``sent``."""
    if answer != sent:
        raise WrongAnswer(f"sent {sent[:40]!r}, got back {answer[:40]!r}")


async def check(port: int) -> None:
    """One known message and a second one on the same connection, each
    echoed: the app works before it is timed.

    :raise WrongAnswer: it answered something else.
    """
    async with connect(port) as ws:
        for message in ("hello, echo", "é" * 10):
            await ws.send(message)
            expect(await ws.recv(), message)


async def echo_rate(port: int, messages: int, payload: str) -> float:
    """Messages per second of sequential round trips over one connection
    (its handshake is not timed).

    :param port: the server's port on 127.0.0.1.
    :param messages: how many round trips.
    :param payload: the text sent each time.
    """
    async with connect(port) as ws:
        start = time.perf_counter()
        for _ in range(messages):
            await ws.send(payload)
            expect(await ws.recv(), payload)
        elapsed = time.perf_counter() - start
    return messages / elapsed


async def pipelined_rate(port: int, messages: int, payload: str, window: int) -> float:
    """Messages per second when ``window`` messages are sent before their
    echoes are read.

    :param port: the server's port on 127.0.0.1.
    :param messages: how many messages in all.
    :param payload: the text sent each time.
    :param window: how many messages are in flight at once.
    """
    async with connect(port, window) as ws:
        start = time.perf_counter()
        left = messages
        while left:
            burst = min(window, left)
            for _ in range(burst):
                await ws.send(payload)
            for _ in range(burst):
                expect(await ws.recv(), payload)
            left -= burst
        elapsed = time.perf_counter() - start
    return messages / elapsed


async def handshake_time(port: int, handshakes: int) -> float:
    """Microseconds per connection opened and closed (both handshakes).

    :param port: the server's port on 127.0.0.1.
    :param handshakes: how many connections, one after the other.
    """
    start = time.perf_counter()
    for _ in range(handshakes):
        async with connect(port):
            pass
    return (time.perf_counter() - start) / handshakes * 1e6


async def measure(
    ports: dict[str, int],
    pids: dict[str, int | None],
    rounds: int,
    messages: int,
    window: int,
    handshakes: int,
    payload: str,
) -> list[Rounds]:
    """Check every app, warm it up, then time the rounds.

    :param ports: each app's server port, in the order of the table.
    :param pids: each app's server process, to read its CPU time.
    :param rounds: how many rounds.
    :param messages: messages per round of echo and of pipelined.
    :param window: messages in flight in pipelined.
    :param handshakes: connections per round of handshake.
    :param payload: the text each message carries.
    """
    apps = list(ports)
    for app, port in ports.items():
        try:
            await check(port)
        except WrongAnswer as error:
            raise WrongAnswer(f"{app}: {error}") from None
        # The first connections pay for imports and caches: not the rounds'.
        await echo_rate(port, min(messages, 200), payload)
        await handshake_time(port, min(handshakes, 5))
    results = {app: Rounds(app) for app in apps}
    cpu = {app: {key: 0.0 for key, *_ in MEASURES} for app in apps}
    readable = all(cpu_seconds(pid) is not None for pid in pids.values())

    async def timed(app: str, key: str, run: t.Awaitable[float]) -> None:
        before = cpu_seconds(pids[app]) if readable else None
        results[app].figures(key).append(await run)
        if before is not None:
            cpu[app][key] += (cpu_seconds(pids[app]) or before) - before

    for number in range(rounds):
        turn = number % len(apps)
        for app in apps[turn:] + apps[:turn]:
            port = ports[app]
            await timed(app, "echo", echo_rate(port, messages, payload))
            await timed(
                app, "pipelined", pipelined_rate(port, messages, payload, window)
            )
            await timed(app, "handshake", handshake_time(port, handshakes))
    if readable:
        for app in apps:
            per = {"echo": messages, "pipelined": messages, "handshake": handshakes}
            results[app].cpu_us = {
                key: spent / (per[key] * rounds) * 1e6
                for key, spent in cpu[app].items()
            }
    return [results[app] for app in apps]


# -- Reporting -------------------------------------------------------------------


def ratio(results: Sequence[Rounds], app: str, measure: str) -> float | None:
    """The median over the rounds of ``app``'s figure / Starlette's in the
    same round; ``None`` when Starlette was not run.

    :param results: every app's rounds.
    :param app: the app compared.
    :param measure: a key of :data:`MEASURES`.
    """
    by_app = {result.app: result for result in results}
    if REFERENCE not in by_app or app not in by_app:
        return None
    pairs = zip(
        by_app[app].figures(measure),
        by_app[REFERENCE].figures(measure),
        strict=True,
    )
    return statistics.median(mine / theirs for mine, theirs in pairs)


def format_table(results: Sequence[Rounds]) -> str:
    """Each app's medians, and their ratios to Starlette's.

    :param results: every app's rounds.
    """
    header = ["app"]
    for _, heading, unit, _ in MEASURES:
        header += [f"{heading} {unit}", "/ Starlette"]
    rows = [tuple(header)]
    for result in results:
        cells = [result.app]
        for key, _, _, _ in MEASURES:
            cells.append(f"{statistics.median(result.figures(key)):,.0f}")
            share = ratio(results, result.app, key)
            cells.append("-" if share is None else f"{share:.3f}")
        rows.append(tuple(cells))
    return align_table(rows)


def format_cpu(results: Sequence[Rounds]) -> str:
    """Each server's CPU time per message and per handshake over all the
    rounds, and its ratio to Starlette's; empty where it was not read.

    :param results: every app's rounds.
    """
    by_app = {result.app: result for result in results}
    reference = by_app.get(REFERENCE)
    header = ["app"]
    for _, heading, _, _ in MEASURES:
        header += [f"{heading} µs", "/ Starlette"]
    rows = [tuple(header)]
    for result in results:
        if not result.cpu_us:
            return ""
        cells = [result.app]
        for key, _, _, _ in MEASURES:
            mine = result.cpu_us[key]
            cells.append(f"{mine:.1f}")
            theirs = reference.cpu_us.get(key) if reference else None
            cells.append(f"{mine / theirs:.3f}" if theirs else "-")
        rows.append(tuple(cells))
    return align_table(rows)


def goal_rows(results: Sequence[Rounds], goal: float) -> list[tuple[str, float, bool]]:
    """The goal the run can judge: ``(goal, ratio, met)`` for framework's
    echo rate and, beside it, its pipelined rate.

    :param results: every app's rounds.
    :param goal: the least ratio that meets the goal.
    """
    rows = []
    for key in ("echo", "pipelined"):
        share = ratio(results, "framework", key)
        if share is not None:
            what = f"{key}: framework / Starlette rate >= {goal:g}"
            rows.append((what, share, share >= goal))
    return rows


def format_goals(results: Sequence[Rounds], goal: float) -> str:
    """The goals table: each goal's ratio and whether the run met it.

    :param results: every app's rounds.
    :param goal: the least ratio that meets the goal.
    """
    rows = [("goal", "ratio", "met")]
    for what, share, met in goal_rows(results, goal):
        rows.append((what, f"{share:.3f}", "yes" if met else "no"))
    return align_table(rows)


def positive_int(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not at least 1")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.websocket_echo",
        description="Time a WebSocket echo (messages per second, and the "
        "handshake) on one uvicorn worker per app, against Starlette's.",
    )
    parser.add_argument(
        "--app",
        action="append",
        choices=list(TARGETS),
        help="serve this app; repeat for several (default: all three)",
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=20,
        help="rounds of each measure per app (default: 20)",
    )
    parser.add_argument(
        "--messages",
        type=positive_int,
        default=2000,
        help="messages per round of echo and pipelined (default: 2000)",
    )
    parser.add_argument(
        "--window",
        type=positive_int,
        default=50,
        help="messages in flight in pipelined (default: 50)",
    )
    parser.add_argument(
        "--handshakes",
        type=positive_int,
        default=200,
        help="connections per round of handshake (default: 200)",
    )
    parser.add_argument(
        "--size",
        type=positive_int,
        default=64,
        help="characters per message (ASCII; default: 64)",
    )
    parser.add_argument(
        "--goal",
        type=float,
        default=GOAL_RATIO,
        help="the least framework / Starlette echo rate that "
        f"meets the goal (default: {GOAL_RATIO})",
    )
    add_uvicorn_options(parser)
    parser.add_argument(
        "--ws",
        choices=["auto", "websockets", "websockets-sansio", "wsproto"],
        default="auto",
        help="uvicorn's --ws (default: auto)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results, every round included, as JSON",
    )
    return parser.parse_args(argv)  # fmt: skip


def ws_flavour(ws: str) -> str:
    """Which WebSocket implementation uvicorn uses, ``auto`` resolved as
    uvicorn resolves it, with the ``websockets`` package's version.

    :param ws: uvicorn's ``--ws``.
    """
    if ws == "auto":
        try:
            import websockets  # noqa: F401
        except ImportError:
            ws = "wsproto"
        else:
            ws = "websockets-sansio"
    try:
        version = importlib.metadata.version("websockets")
    except importlib.metadata.PackageNotFoundError:
        version = "not installed"
    return f"ws {ws}, websockets {version}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rounds; return 0 if every app answered right and framework
    met the goal, 1 otherwise.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    args = parse_args(argv)
    apps = list(dict.fromkeys(args.app or TARGETS))
    server = f"{uvicorn_flavour(args.loop, args.http)}, {ws_flavour(args.ws)}"
    options = ["--loop", args.loop, "--http", args.http, "--ws", args.ws]
    client_loop, run = client_runner()
    payload = "x" * args.size
    print(
        f"WebSocket echo of {args.size}-character text messages, {args.rounds} "
        f"rounds of {args.messages} messages (pipelined: {args.window} in "
        f"flight) and {args.handshakes} handshakes per app; one worker of "
        f"{server} on 127.0.0.1 per app; client: websockets on {client_loop}, "
        "in another process",
        flush=True,
    )
    servers: dict[str, Server] = {}
    with contextlib.ExitStack() as stack:
        try:
            for app in apps:
                servers[app] = stack.enter_context(Server(TARGETS[app], options))
            results = run(
                measure(
                    {app: s.port for app, s in servers.items()},
                    {app: s.pid for app, s in servers.items()},
                    args.rounds,
                    args.messages,
                    args.window,
                    args.handshakes,
                    payload,
                )
            )
        except (ServerError, WrongAnswer, OSError) as error:
            print(f"failed: {type(error).__name__}: {error}", file=sys.stderr)
            for app, started in servers.items():
                if not started.alive():
                    print(f"{app} exited:\n{started.log()}", file=sys.stderr)
            return 1
    print()
    print(
        "medians over the rounds; rates in messages per second (higher is "
        "better), handshake in µs per connection opened and closed (lower is "
        "better); / Starlette: the median of each round's ratio"
    )
    print(format_table(results))
    cpu_table = format_cpu(results)
    if cpu_table:
        print()
        print(
            "the servers' CPU time (user + system) per message and per "
            "handshake, over all the rounds (lower is better)"
        )
        print(cpu_table)
    goals = goal_rows(results, args.goal)
    if goals:
        print()
        print(format_goals(results, args.goal))
    if args.json is not None:
        document = {
            "size": args.size,
            "rounds": args.rounds,
            "messages": args.messages,
            "window": args.window,
            "handshakes": args.handshakes,
            "server": server,
            "client_loop": client_loop,
            "results": [asdict(result) for result in results],
            "goals": [
                {"goal": what, "ratio": share, "met": met} for what, share, met in goals
            ],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    echo_goal = [met for what, _, met in goals if what.startswith("echo")]
    return 0 if all(echo_goal) else 1


if __name__ == "__main__":
    sys.exit(main())
