"""CPU instructions per request of the API benchmarks' apps
(:mod:`benchmarks.api_run`), counted by valgrind's callgrind: a figure the
machine's load cannot move, to A/B a change of ``framework_api`` or of the
core's request path.

Each app is built and its answer checked as the timed run checks it, then
run twice under callgrind, sending ``--requests`` requests after a warm-up
and sending none; the difference over the number of requests is one
request (:mod:`benchmarks.callgrind`). ASGI apps are driven by
:func:`benchmarks.asgi_driver.time_round` on one loop, WSGI apps by
:func:`benchmarks.wsgi_driver.time_round`. Instructions are not time (a
thread hop's wait is not counted), so they complement the timed run.

By default framework and the floor of each interface are counted
(Starlette+msgspec under ASGI, Flask+msgspec under WSGI) with APIFlask,
the WSGI goal's reference.

Run it from the repository root (valgrind must be installed)::

    python -m benchmarks.api_instructions
    python -m benchmarks.api_instructions --scenario create --peer framework
    python -m benchmarks.api_instructions --check
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from . import api_run, asgi_driver, callgrind, wsgi_driver
from .asgi_run import align_table, positive_int

#: The apps counted unless ``--peer`` says otherwise.
DEFAULT_PEERS = (
    "framework",
    "starlette-msgspec",
    "framework-wsgi",
    "flask-msgspec",
    "apiflask",
)
#: Requests before the counted ones (first-request setup, lazy imports).
WARMUP = 200


def send_requests(peer: str, scenario: str, number: int) -> None:
    """Warm one app up, then send it ``number`` requests: what callgrind
    counts.

    :param peer: a peer name of :data:`benchmarks.api_run.PEER_NAMES`.
    :param scenario: a scenario name of :data:`benchmarks.api_run.SCENARIO_NAMES`.
    :param number: how many requests after the warm-up.
    """
    which = api_run.PEER_NAMES[peer]
    build = which.builders()[scenario]
    request = api_run.SCENARIO_NAMES[scenario]
    if which.interface == "wsgi":
        app, environ, body = wsgi_driver.prepare(build(), request.wsgi_call())
        wsgi_driver.time_round(app, environ, body, WARMUP)
        if number:
            wsgi_driver.time_round(app, environ, body, number)
        return
    loop = asyncio.new_event_loop()
    asgi_app = build()
    lifespan = asgi_driver.Lifespan(asgi_app)
    loop.run_until_complete(lifespan.startup())
    sent = request.asgi_request()
    scope, message = sent.scope(), sent.message()
    loop.run_until_complete(asgi_driver.time_round(asgi_app, scope, message, WARMUP))
    if number:
        loop.run_until_complete(
            asgi_driver.time_round(asgi_app, scope, message, number)
        )
    loop.run_until_complete(lifespan.shutdown())
    loop.close()


def per_request(peer: str, scenario: str, number: int) -> float:
    """Instructions per request: two runs' difference over ``number``."""
    return callgrind.per_request(
        "benchmarks.api_instructions", [peer, scenario], number
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.api_instructions",
        description="Count the CPU instructions of one request of each API app"
        " with callgrind, and framework's over each other app's.",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(api_run.SCENARIO_NAMES),
        metavar="NAME",
        help="count this scenario; repeat for several (default: all)",
    )
    parser.add_argument(
        "--peer",
        action="append",
        choices=list(api_run.PEER_NAMES),
        metavar="NAME",
        help="count this app; repeat for several (default: "
        + ", ".join(DEFAULT_PEERS)
        + ")",
    )
    parser.add_argument(
        "--requests",
        type=positive_int,
        default=1000,
        help="requests in the counted run (default: 1000)",
    )
    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=2,
        help="callgrind runs at once (default: 2)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only build every app that would be counted and check its answers,"
        " without valgrind",
    )
    parser.add_argument("--send", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Check the apps, count, print one table per interface; 1 if valgrind
    is missing or an app answered wrongly.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    args = parse_args(argv)
    if args.send:
        peer, scenario, number = args.send
        send_requests(peer, scenario, int(number))
        return 0
    if not args.check and not callgrind.have_valgrind():
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    scenarios = [
        s for s in api_run.SCENARIOS if not args.scenario or s.name in args.scenario
    ]
    peers = [api_run.PEER_NAMES[name] for name in args.peer or DEFAULT_PEERS]
    builders, missing = api_run.load(peers)
    loop = asyncio.new_event_loop()
    try:
        right = api_run.check_all(loop, scenarios, peers, builders)
    finally:
        loop.close()
    if missing or not right:
        print("\n".join(missing), file=sys.stderr)
        return 1
    if args.check:
        return 0
    jobs = [(peer.name, s.name) for s in scenarios for peer in peers]
    counts = callgrind.count_jobs(
        jobs,
        lambda job: per_request(*job, args.requests),
        args.jobs,
        lambda line: print(line, flush=True),
    )
    for interface in api_run.INTERFACES:
        mine = [peer.name for peer in peers if peer.interface == interface]
        if not mine:
            continue
        ours = api_run.FRAMEWORK[interface]
        others = [name for name in mine if name != ours]
        by_row = {row: counts[row] for row in counts}
        print()
        print(
            f"{interface.upper()}: instructions per request (callgrind,"
            f" {args.requests} requests); last columns: framework's over each"
        )
        rows: list[tuple[str, ...]] = [
            (
                "scenario",
                *(api_run.LABELS[name] for name in mine),
                *(f"framework/{api_run.LABELS[name]}" for name in others),
            )
        ]
        for row, by_peer in by_row.items():
            mine_here = by_peer.get(ours)
            rows.append(
                (
                    row,
                    *(f"{by_peer[name]:,.0f}" for name in mine),
                    *(
                        "-" if mine_here is None else f"{mine_here / by_peer[name]:.3f}"
                        for name in others
                    ),
                )
            )
        print(align_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
