"""CPU instructions per request of the WSGI benchmarks' apps, counted by
valgrind's callgrind: every row of :mod:`benchmarks.run` for framework,
Flask, Falcon and Bottle, a figure the machine's load cannot move.

On a shared machine the timed ratios of :mod:`benchmarks.run` move by
tenths from run to run; the instruction count of the same request moves by
a few instructions. It is not time (cache misses, branch mispredictions, a
dict materialised by reading an instance's ``__dict__`` are not counted),
so the goals table shows it beside the timed verdict, not instead of it.

Each app is built and checked as the timed run checks it (its answer
compared with Flask's), then run twice under callgrind, sending
``--requests`` requests after its warm-up and sending none; the
difference over the number of requests is one request
(:mod:`benchmarks.callgrind`). The apps are called by the timed run's own
loop (:func:`benchmarks.wsgi_driver.time_round`). The Redis session row
talks to a throwaway ``redis-server`` started once, outside callgrind.

Run it from the repository root (valgrind must be installed)::

    python -m benchmarks.wsgi_instructions
    python -m benchmarks.wsgi_instructions --scenario hello --peer Falcon
    python -m benchmarks.wsgi_instructions --json wsgi-instructions.json
    python -m benchmarks.run --instructions wsgi-instructions.json
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import typing as t
from collections.abc import Iterator, Sequence
from pathlib import Path

from . import callgrind

if t.TYPE_CHECKING:
    from .wsgi_driver import Prepared

#: The rows the session scenario gives, and the app framework answers with.
SESSION_ROWS = {
    "session-write (cookie)": "cookie",
    "session-write (redis)": "redis",
}
#: Where the Redis session row finds its server.
REDIS_URL = "BENCH_REDIS_URL"
#: Requests before the counted ones (first-request setup, lazy imports).
WARMUP = 200


def rows_of(scenario: str) -> list[str]:
    """The rows of the timed run a scenario gives.

    :param scenario: a scenario of :data:`benchmarks.run.SCENARIOS`.
    """
    if scenario == "session-write":
        return list(SESSION_ROWS)
    return [scenario]


def scenario_of(row: str) -> str:
    """The scenario a row comes from.

    :param row: a row of the timed run's table.
    """
    return "session-write" if row in SESSION_ROWS else row


def jobs(scenarios: Sequence[str], peers: Sequence[str]) -> list[tuple[str, str]]:
    """Every ``(peer, row)`` to count: each peer that has an app of the
    scenario. Flask's session app is counted once, for the cookie row (the
    Redis row compares with the same Flask cookie sessions).

    :param scenarios: the scenarios.
    :param peers: the peers, framework and Flask included.
    """
    from . import run

    builders, missing = run.peer_builders(peers)
    if missing:
        raise ImportError("; ".join(missing))
    found = []
    for scenario in scenarios:
        for row in rows_of(scenario):
            for peer in peers:
                if peer in (run.FRAMEWORK.name, run.FLASK.name):
                    if peer == run.FLASK.name and SESSION_ROWS.get(row) == "redis":
                        continue
                    found.append((peer, row))
                elif scenario in builders.get(peer, {}):
                    found.append((peer, row))
    return found


@contextlib.contextmanager
def prepared(peer: str, row: str) -> Iterator[Prepared]:
    """``peer``'s app of ``row`` with the request the timed run sends it,
    the session cookie of a login included.

    :param peer: framework, Flask, Falcon or Bottle.
    :param row: a row of the timed run.
    """
    from . import run
    from .wsgi_driver import build_environ, prepare

    scenario = run.SCENARIO_NAMES[scenario_of(row)]
    if peer not in (run.FRAMEWORK.name, run.FLASK.name):
        builders, _ = run.peer_builders([peer])
        yield prepare(builders[peer][scenario.name](), scenario.call)
        return
    kit = run.FRAMEWORK if peer == run.FRAMEWORK.name else run.FLASK
    app: t.Any = scenario.build(kit)
    client = None
    if SESSION_ROWS.get(row) == "redis":
        from framework_redis import RedisSessions

        app.config["SESSION_REDIS_URL"] = os.environ[REDIS_URL]
        client = RedisSessions().init_app(app).get_redis(app)
    try:
        if row in SESSION_ROWS:
            cookie = run.session_cookie(app)
            yield app, build_environ(scenario.call, {"Cookie": cookie}), b""
        else:
            yield prepare(app, scenario.call)
    finally:
        if client is not None:
            client.close()


def send_requests(peer: str, row: str, number: int) -> None:
    """Warm one app up, then send it ``number`` requests: what callgrind
    counts.

    :param peer: the app's framework.
    :param row: the row.
    :param number: how many requests after the warm-up.
    """
    from .wsgi_driver import time_round

    with prepared(peer, row) as app:
        time_round(*app, WARMUP)
        if number:
            time_round(*app, number)


def check(scenarios: Sequence[str], peers: Sequence[str]) -> None:
    """Check every app's answers as the timed run does (each compared with
    Flask's) before anything is counted.

    :param scenarios: the scenarios.
    :param peers: the peers.
    :raise benchmarks.run.MismatchError: an app answered differently.
    """
    from . import run

    for name in scenarios:
        scenario = run.SCENARIO_NAMES[name]
        (scenario.run or run.run_peers)(scenario, 0, 1, peers)


@contextlib.contextmanager
def redis_if_needed(needed: bool) -> Iterator[dict[str, str]]:
    """The environment of the counted processes, with a throwaway
    ``redis-server``'s URL when a Redis row is counted.

    :param needed: a Redis row is among the jobs.
    """
    env = dict(os.environ)
    if not needed:
        yield env
        return
    from tests.redis_server import RedisServer

    with RedisServer() as server:
        env[REDIS_URL] = server.url
        yield env


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    from . import run

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.wsgi_instructions",
        description="Count the CPU instructions of one request of each WSGI "
        "app with callgrind; print each over Flask's and framework's over "
        "Falcon's, and the goals judged by instructions.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(run.SCENARIO_NAMES),
        metavar="NAME",
        help="count this scenario; repeat for several (default: all). "
        "Choices: " + ", ".join(run.SCENARIO_NAMES),
    )
    parser.add_argument(
        "--peer",
        action="append",
        choices=[peer.name for peer in run.OTHER_PEERS],
        metavar="NAME",
        help="count only this peer besides framework and Flask; repeat for "
        "several (default: all)",
    )
    parser.add_argument(
        "--requests",
        type=run.positive_int,
        default=2000,
        help="requests in the counted run (default: 2000)",
    )
    parser.add_argument(
        "--jobs",
        type=run.positive_int,
        default=2,
        help="callgrind runs at once (default: 2)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the counts as JSON (for benchmarks.run --instructions)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only build every app that would be counted, check its answers "
        "and send each a few requests, without valgrind",
    )
    parser.add_argument("--send", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Count and print the tables; 1 if valgrind is missing, an app
    answered wrongly or a run failed.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    args = parse_args(argv)
    if args.send:
        peer, row, number = args.send
        send_requests(peer, row, int(number))
        return 0
    from . import run

    scenarios = args.scenario or list(run.SCENARIO_NAMES)
    peers = [run.FRAMEWORK.name, run.FLASK.name, *(args.peer or run.PEER_NAMES[2:])]
    if not args.check and not callgrind.have_valgrind():
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    try:
        check(scenarios, peers)
        todo = jobs(scenarios, peers)
    except (run.MismatchError, ImportError) as error:
        print(f"MISMATCH, not counted: {error}", file=sys.stderr)
        return 1
    needs_redis = any(SESSION_ROWS.get(row) == "redis" for _, row in todo)
    # Stopped with SIGTERM, still stop the throwaway redis-server on the way
    # out, as the context manager does for Ctrl-C.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    with redis_if_needed(needs_redis) as env:
        if args.check:
            saved = dict(os.environ)
            os.environ.update(env)
            try:
                for peer, row in todo:
                    send_requests(peer, row, 2)
                    print(f"ok {row} / {peer}", flush=True)
            finally:
                os.environ.clear()
                os.environ.update(saved)
            return 0
        print(
            f"counting {len(todo)} apps, {args.requests} requests each, "
            f"{args.jobs} at once (minutes: callgrind runs Python ~50x slower)",
            flush=True,
        )
        counts = callgrind.count_jobs(
            todo,
            lambda job: callgrind.per_request(
                "benchmarks.wsgi_instructions", list(job), args.requests, env
            ),
            args.jobs,
            lambda line: print(line, flush=True),
        )
    # The Redis row compares with Flask's cookie sessions, counted once.
    flask_cookie = counts.get("session-write (cookie)", {}).get(run.FLASK.name)
    if "session-write (redis)" in counts and flask_cookie is not None:
        counts["session-write (redis)"][run.FLASK.name] = flask_cookie
    ordered = {
        row: counts[row]
        for scenario in scenarios
        for row in rows_of(scenario)
        if row in counts
    }
    print()
    print(
        f"instructions per request (callgrind, {args.requests} requests);"
        " in brackets: over Flask's"
    )
    print(
        callgrind.counts_table(
            ordered,
            peers,
            run.REFERENCE,
            run.align_table,
            extra=(run.FRAMEWORK.name, "Falcon"),
        )
    )
    print()
    verdicts = run.goal_rows([], ordered)
    print(run.format_goals([], ordered))
    if args.json is not None:
        callgrind.write_counts(
            args.json,
            ordered,
            args.requests,
            run.REFERENCE,
            run.versions(),
            [verdict.as_json() for verdict in verdicts],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
