"""CPU instructions per request of the ASGI benchmarks' apps, counted by
valgrind's callgrind: a figure the machine's load cannot move.

On a shared machine the timed ratios of :mod:`benchmarks.asgi_run` move by
tenths from run to run; the instruction count of the same request moves by
a few instructions. It is not time (cache misses, branch mispredictions and
the thread pool's waits are not counted, so a ``def`` view's thread hop
looks cheap), so it complements the timed run for the apps that stay on
the loop, where it is the tool to A/B a change of the request path.

Every scenario of :mod:`benchmarks.asgi_run` is counted by default, for
Starlette (the reference), framework and Falcon; each app is built and its
answer checked as the timed run does (:class:`benchmarks.asgi_run.Started`),
then run twice under callgrind, sending ``--requests`` requests after its
warm-up and sending none; the difference over the number of requests is
what one request costs (:mod:`benchmarks.callgrind`). The goals of
:data:`benchmarks.asgi_run.GOALS` are then judged by instructions.

Run it from the repository root (valgrind must be installed)::

    python -m benchmarks.asgi_instructions
    python -m benchmarks.asgi_instructions --scenario hello --peer framework
    python -m benchmarks.asgi_instructions --json asgi-instructions.json
    python -m benchmarks.asgi_run --instructions asgi-instructions.json
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from . import asgi_run, callgrind
from .asgi_driver import time_round

#: The apps counted unless ``--peer`` says otherwise: those that never leave
#: the loop, for which instructions are a fair measure.
DEFAULT_PEERS = ("starlette", "framework", "falcon")


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


def per_request(peer: str, scenario: str, number: int) -> float:
    """Instructions per request: two runs' difference over ``number``."""
    return callgrind.per_request(
        "benchmarks.asgi_instructions", [peer, scenario], number
    )


def check(
    scenarios: Sequence[str], peers: Sequence[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Build every app to count and check its answer, as the timed run
    does: the ``(peer, scenario)`` jobs of the apps that answered right,
    and a line for each that did not.

    :param scenarios: the scenarios.
    :param peers: the peers.
    """
    jobs: list[tuple[str, str]] = []
    wrong: list[str] = []
    loop = asyncio.new_event_loop()
    try:
        for scenario in scenarios:
            for peer in peers:
                build = asgi_run.PEER_NAMES[peer].builders().get(scenario)
                if build is None:
                    continue
                try:
                    started = asgi_run.Started.start(
                        loop, asgi_run.SCENARIO_NAMES[scenario], build
                    )
                except Exception as error:
                    wrong.append(f"{scenario} / {peer}: {error!r}")
                    continue
                started.stop(loop)
                jobs.append((peer, scenario))
    finally:
        loop.close()
    return jobs, wrong


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
        help="count this scenario; repeat for several (default: all)",
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
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the counts as JSON (for benchmarks.asgi_run --instructions)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only build every app that would be counted and check its answer,"
        " without valgrind",
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
    scenarios = args.scenario or list(asgi_run.SCENARIO_NAMES)
    peers = [asgi_run.REFERENCE] + [
        name for name in args.peer or DEFAULT_PEERS if name != asgi_run.REFERENCE
    ]
    if not args.check and not callgrind.have_valgrind():
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    jobs, wrong = check(scenarios, peers)
    for line in wrong:
        print(f"WRONG ANSWER, not counted: {line}", file=sys.stderr)
    if args.check:
        for peer, scenario in jobs:
            print(f"ok {scenario} / {peer}")
        return 1 if wrong else 0
    print(
        f"counting {len(jobs)} apps, {args.requests} requests each, "
        f"{args.jobs} at once (minutes: callgrind runs Python ~50x slower)",
        flush=True,
    )
    counts = callgrind.count_jobs(
        jobs,
        lambda job: per_request(*job, args.requests),
        args.jobs,
        lambda line: print(line, flush=True),
    )
    ordered = {name: counts[name] for name in scenarios if name in counts}
    labels = {peer.name: peer.label for peer in asgi_run.PEERS}
    print()
    print(
        f"instructions per request (callgrind, {args.requests} requests); "
        "in brackets: over Starlette's"
    )
    print(
        callgrind.counts_table(
            ordered,
            peers,
            asgi_run.REFERENCE,
            asgi_run.align_table,
            lambda name: labels[name],
        )
    )
    print()
    verdicts = asgi_run.goal_rows([], ordered)
    print(asgi_run.format_goals([], ordered))
    if args.json is not None:
        callgrind.write_counts(
            args.json,
            ordered,
            args.requests,
            asgi_run.REFERENCE,
            asgi_run.versions(),
            [verdict.as_json() for verdict in verdicts],
        )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
