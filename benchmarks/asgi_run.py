"""Benchmark ``framework`` under ASGI against Starlette, Quart, Falcon and
Flask through a2wsgi, request by request, in one process.

Every app is called as an ASGI callable with a prepared scope, by the same
small driver (:mod:`benchmarks.asgi_driver`), on one event loop, in
interleaved rounds. The result that matters is each app's time over
Starlette's (``async def`` endpoint) time in the same run, never the times
themselves.

Within a round the apps take turns slice by slice (ABAB..., not AAAA then
BBBB); each round gives one ratio, and a figure is the median of those
per-round ratios, printed with its interquartile range
(:mod:`benchmarks.spread`). ``--instructions`` adds callgrind's counts
(:mod:`benchmarks.asgi_instructions`) to the goals table, which then judges
each goal by time and by instructions.

Run it from the repository root::

    python -m benchmarks.asgi_run
    python -m benchmarks.asgi_run --scenario hello --peer framework --peer starlette
    python -m benchmarks.asgi_run --profile framework --scenario hello
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import functools
import importlib
import importlib.metadata
import json
import platform
import pstats
import statistics
import sys
import time
import typing as t
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .asgi_driver import ASGIApp, Lifespan, Reply, Request, call_once, time_round
from .goals import LEGEND, Counts, Goal, Verdict, format_verdicts, judge, read_counts
from .payloads import records
from .shapes import (
    ECHO_DATA,
    FORM_BODY,
    HELLO,
    JSON_DATA,
    JSON_RECORD_COUNT,
    ROUTE_COUNT,
    SESSION_DATA,
    TEMPLATES,
    template_items,
)
from .spread import Spread, round_ratios, slices

#: The peer every ratio is taken against.
REFERENCE = "starlette"


@dataclass(frozen=True)
class Peer:
    """One framework, or one way of writing views in it, as a column.

    :param name: the name ``--peer`` selects it by.
    :param label: the column's heading.
    :param module: the module of :mod:`benchmarks.peers` holding its apps.
    :param attribute: the module's map of scenario name to app builder.
    :param requires: the module it cannot do without, to tell whether it
        is installed.
    """

    name: str
    label: str
    module: str
    attribute: str
    requires: str

    def builders(self) -> dict[str, Callable[[], ASGIApp]]:
        """Its app builders by scenario.

        :raise ImportError: the framework is not installed.
        """
        module = importlib.import_module(f"benchmarks.peers.{self.module}")
        return t.cast(dict[str, Callable[[], ASGIApp]], getattr(module, self.attribute))


PEERS: tuple[Peer, ...] = (
    Peer("starlette", "Starlette", "starlette_peer", "ASYNC", "starlette"),
    Peer("framework", "framework", "framework_peer", "ASYNC", "framework"),
    Peer("framework-def", "framework def", "framework_peer", "SYNC", "framework"),
    Peer("starlette-def", "Starlette def", "starlette_peer", "SYNC", "starlette"),
    Peer("quart", "Quart", "quart_peer", "ASYNC", "quart"),
    Peer("falcon", "Falcon", "falcon_peer", "ASYNC", "falcon"),
    Peer("flask-a2wsgi", "Flask+a2wsgi", "flask_peer", "SYNC", "a2wsgi"),
)
PEER_NAMES = {peer.name: peer for peer in PEERS}


def check_status(reply: Reply, status: int) -> list[str]:
    """The problems of a reply whose status should be ``status``."""
    return [] if reply.status == status else [f"status {reply.status}, not {status}"]


def expect_body(body: bytes) -> Callable[[Reply], list[str]]:
    """A check that the reply is a 200 with exactly ``body``."""

    def check(reply: Reply) -> list[str]:
        problems = check_status(reply, 200)
        if reply.body != body:
            problems.append(f"body {reply.body[:200]!r}, not {body[:200]!r}")
        return problems

    return check


def expect_json(data: t.Any) -> Callable[[Reply], list[str]]:
    """A check that the reply is a 200 JSON document equal to ``data``
    (spacing is each framework's own)."""

    def check(reply: Reply) -> list[str]:
        problems = check_status(reply, 200)
        if not (reply.header("content-type") or "").startswith("application/json"):
            problems.append(f"content-type {reply.header('content-type')!r}")
        try:
            if json.loads(reply.body) != data:
                problems.append(f"JSON {reply.body!r}, not {data!r}")
        except ValueError:
            problems.append(f"not JSON: {reply.body!r}")
        return problems

    return check


def check_not_found(reply: Reply) -> list[str]:
    """A 404, whatever page each framework shows with it."""
    return check_status(reply, 404)


def check_hooks(reply: Reply) -> list[str]:
    """All three before hooks ran (the body says so) and all three after
    hooks left their header."""
    problems = expect_body(b"before_request hooks run: 3")(reply)
    missing = [f"X-After-{n}" for n in range(3) if reply.header(f"X-After-{n}") is None]
    if missing:
        problems.append(f"no header {', '.join(missing)}")
    return problems


def check_session(reply: Reply) -> list[str]:
    """The session was read (the body names its user) and written back (a
    new session cookie)."""
    problems = expect_body(f"user {SESSION_DATA['user_id']}".encode())(reply)
    cookie = reply.header("set-cookie") or ""
    if not cookie.startswith("session="):
        problems.append(f"no new session cookie: {reply.headers}")
    return problems


@functools.cache
def rendered_template() -> bytes:
    """``items.html`` rendered by Jinja2 alone, autoescaped: what every
    framework's answer must be."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("items.html").render(items=template_items()).encode()


def check_template(reply: Reply) -> list[str]:
    """The page of :func:`rendered_template`, exactly."""
    return expect_body(rendered_template())(reply)


@dataclass(frozen=True)
class Scenario:
    """One app shape, the request it gets, and how to tell a right answer.

    :param name: the name ``--scenario`` selects it by.
    :param summary: what it measures, for ``--help``.
    :param request: the timed request.
    :param check: the problems of a reply; empty when right.
    :param login: the client logs in first (``GET /login``) and sends the
        session cookie it got with every timed request.
    """

    name: str
    summary: str
    request: Request
    check: Callable[[Reply], list[str]]
    login: bool = False


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "hello",
        "a view returning a plain string",
        Request(),
        expect_body(HELLO.encode()),
    ),
    Scenario(
        "json",
        "a view returning a dict, sent as JSON",
        Request(),
        expect_json(JSON_DATA),
    ),
    Scenario(
        "json-echo",
        "a POSTed JSON document parsed and sent back",
        Request(
            "POST",
            "/",
            json.dumps(ECHO_DATA).encode(),
            (("Content-Type", "application/json"),),
        ),
        expect_json(ECHO_DATA),
    ),
    Scenario(
        "routing",
        f"matching one of {ROUTE_COUNT} rules with an int converter",
        Request(path=f"/r{ROUTE_COUNT // 2}/12345"),
        expect_body(f"route {ROUTE_COUNT // 2}, id 12345".encode()),
    ),
    Scenario(
        "404",
        "a URL that matches none of a few rules",
        Request(path="/nope"),
        check_not_found,
    ),
    Scenario("hooks", "3 before- and 3 after-request hooks", Request(), check_hooks),
    Scenario(
        "template",
        "rendering templates/items.html, 10 autoescaped items",
        Request(),
        check_template,
    ),
    Scenario(
        "form",
        "two fields of a POSTed urlencoded form",
        Request(
            "POST",
            "/",
            FORM_BODY,
            (("Content-Type", "application/x-www-form-urlencoded"),),
        ),
        expect_body(b"tea x 3"),
    ),
    Scenario(
        "json-large",
        f"a list of {JSON_RECORD_COUNT} dicts of 8 mixed-type keys sent as JSON",
        Request(),
        expect_json(records(JSON_RECORD_COUNT)),
    ),
    Scenario(
        "session",
        "a cookie session read and written",
        Request(),
        check_session,
        login=True,
    ),
)
SCENARIO_NAMES = {scenario.name: scenario for scenario in SCENARIOS}

#: The issue's goals: ``(scenario, peer, against, most)``: the peer's time
#: over the other's is at most ``most``.
GOALS: tuple[Goal, ...] = (
    *((s.name, "framework", "starlette", 1.0) for s in SCENARIOS),
    *((s.name, "framework-def", "starlette-def", 1.0) for s in SCENARIOS),
)


class MismatchError(AssertionError):
    """An app answered its scenario's request wrongly."""


@dataclass
class Result:
    """The timings of one scenario, in nanoseconds per request per round,
    by peer name."""

    scenario: str
    timings: dict[str, list[float]] = field(default_factory=dict)
    #: The requests in each of a peer's rounds.
    numbers: dict[str, int] = field(default_factory=dict)

    def median_us(self, peer: str) -> float | None:
        """The peer's median time per request in µs; ``None`` if not timed."""
        rounds = self.timings.get(peer)
        return statistics.median(rounds) / 1000 if rounds else None

    def spread(self, peer: str, against: str = REFERENCE) -> Spread | None:
        """The peer's time over ``against``'s, round by round: their median
        and spread; ``None`` if either was not timed."""
        ours, theirs = self.timings.get(peer), self.timings.get(against)
        if not ours or not theirs:
            return None
        return Spread.of(round_ratios(ours, theirs))

    def ratio(self, peer: str, against: str = REFERENCE) -> float | None:
        """The median of the peer's per-round time over ``against``'s;
        ``None`` if either is missing."""
        spread = self.spread(peer, against)
        return None if spread is None else spread.median


# -- Running ---------------------------------------------------------------------


def login_cookie(loop: asyncio.AbstractEventLoop, app: ASGIApp) -> str:
    """Log in (``GET /login``) and return the ``Cookie`` value carrying the
    new session.

    :param loop: the event loop of the run.
    :param app: an app of the session scenario.
    """
    reply = loop.run_until_complete(call_once(app, Request(path="/login")))
    cookie = reply.header("set-cookie") or ""
    if reply.status != 200 or not cookie.startswith("session="):
        raise MismatchError(f"/login set no session cookie: {reply}")
    return cookie.partition(";")[0]


@dataclass
class Started:
    """One peer's app of a scenario, running and checked.

    :param app: the app, its lifespan started.
    :param lifespan: its lifespan, to shut down at the end.
    :param request: the timed request (with the session cookie, if the
        scenario logs in).
    """

    app: ASGIApp
    lifespan: Lifespan
    request: Request

    @classmethod
    def start(
        cls,
        loop: asyncio.AbstractEventLoop,
        scenario: Scenario,
        build: Callable[[], ASGIApp],
    ) -> Started:
        """Build the app, start its lifespan, log in if the scenario says
        so, and check its answer to the scenario's request.

        :param loop: the event loop every app runs on.
        :param scenario: the scenario.
        :param build: the peer's builder of the scenario's app.
        :raise MismatchError: the app answered wrongly (its lifespan is
            shut down first).
        """
        app = build()
        lifespan = Lifespan(app)
        loop.run_until_complete(lifespan.startup())
        started = cls(app, lifespan, scenario.request)
        try:
            if scenario.login:
                request = scenario.request
                started.request = dataclasses.replace(
                    request,
                    headers=(*request.headers, ("Cookie", login_cookie(loop, app))),
                )
            reply = loop.run_until_complete(call_once(app, started.request))
            problems = scenario.check(reply)
            if problems:
                raise MismatchError("; ".join(problems))
        except BaseException:
            started.stop(loop)
            raise
        return started

    def stop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Shut the app's lifespan down.

        :param loop: the event loop the app runs on.
        """
        loop.run_until_complete(self.lifespan.shutdown())


#: The slices each round is cut into, the apps taking turns slice by slice:
#: with rounds of 25 ms, slices of half a millisecond, well under a
#: scheduler's time slice, so most run uninterrupted on a busy machine.
SLICES = 50

#: Requests in each warm-up round; the second one's time per request sizes
#: the timed rounds.
WARMUP_REQUESTS = 20


def round_size(mean_ns: float, round_ms: float) -> int:
    """How many requests of ``mean_ns`` each fill a round of ``round_ms``.

    :param mean_ns: an app's time per request, measured in its warm-up.
    :param round_ms: the wanted length of a round, in milliseconds.
    """
    return max(5, min(100_000, round(round_ms * 1e6 / max(mean_ns, 1.0))))


def run_scenario(
    loop: asyncio.AbstractEventLoop,
    scenario: Scenario,
    peers: dict[str, Callable[[], ASGIApp]],
    rounds: int,
    number: int | None = None,
    round_ms: float = 25.0,
    parts: int = SLICES,
    checks: Mapping[str, Callable[[Reply], list[str]]] | None = None,
) -> tuple[Result, list[str]]:
    """Build, check and time each peer's app of ``scenario``.

    A peer whose app cannot be built or answers wrongly is reported and
    left untimed; the others are still timed.

    Unless ``number`` is given, each app's rounds are sized to last about
    ``round_ms``, from its warm-up: an app 50 times slower than another
    then does not spend 50 times as long on the clock in each round, so the
    apps take turns often and all meet the machine's load alike (on a
    shared machine the load changes from second to second). Each round is
    cut into ``parts`` slices and the apps take turns slice by slice, so
    their rounds span the same stretch of time and a round's ratio of two
    apps compares them under the same load. A round's figure for an app is
    the median of its slices' means, so a slice the scheduler interrupted
    is an outlier, not a tenth of the round.

    :param loop: the event loop every app runs on.
    :param scenario: the scenario.
    :param peers: each peer's builder of the scenario's app, by name.
    :param rounds: rounds per app.
    :param number: requests per round, the same for every app; ``None`` to
        size each app's rounds by ``round_ms``.
    :param round_ms: the length of a round, in milliseconds.
    :param parts: how many slices make one round: with rounds sized by
        ``round_ms``, each app's slices last about the same time.
    :param checks: a peer's own check of its reply, by name, where it is
        not the scenario's (each framework's status for a validation error).
    :return: the timings, and one line per peer that failed.
    """
    started: dict[str, Started] = {}
    failures: list[str] = []
    try:
        for name, build in peers.items():
            mine = scenario
            if checks is not None and name in checks:
                mine = dataclasses.replace(scenario, check=checks[name])
            try:
                started[name] = Started.start(loop, mine, build)
            except Exception as error:
                failures.append(
                    f"{scenario.name} / {name}: {type(error).__name__}: {error}"
                )
        result = Result(scenario.name, {name: [] for name in started})
        prepared = {
            name: (one.app, one.request.scope(), one.request.message())
            for name, one in started.items()
        }
        order = list(prepared)
        means: dict[str, float] = {}
        for name in order:  # warm-up, off the clock
            app, scope, message = prepared[name]
            for _ in range(2):
                means[name] = loop.run_until_complete(
                    time_round(app, scope, message, WARMUP_REQUESTS)
                )
            result.numbers[name] = number or round_size(means[name], round_ms)
        sizes = {name: slices(result.numbers[name], parts) for name in order}
        for _ in range(rounds):
            slice_means: dict[str, list[float]] = {name: [] for name in order}
            for index in range(parts):
                for name in list(order):
                    if index >= len(sizes[name]):
                        continue
                    app, scope, message = prepared[name]
                    slice_means[name].append(
                        loop.run_until_complete(
                            time_round(app, scope, message, sizes[name][index])
                        )
                    )
                # Which app goes first rotates, so none always runs on the
                # caches or CPU frequency another left behind.
                order.append(order.pop(0))
            # The median slice: one the scheduler interrupted is an outlier.
            for name, values in slice_means.items():
                result.timings[name].append(statistics.median(values))
    finally:
        for one in started.values():
            one.stop(loop)
    return result, failures


def profile_peer(
    loop: asyncio.AbstractEventLoop,
    scenario: Scenario,
    build: Callable[[], ASGIApp],
    number: int,
    limit: int,
) -> None:
    """Print where one app's requests spend their time, under cProfile.

    cProfile sees the thread it is started in: the loop's. What an app runs
    in a thread pool shows as the wait for it.

    :param loop: the event loop of the run.
    :param scenario: the scenario to profile.
    :param build: the app's builder.
    :param number: how many requests to profile.
    :param limit: how many functions each listing shows.
    """
    started = Started.start(loop, scenario, build)
    try:
        scope, message = started.request.scope(), started.request.message()
        loop.run_until_complete(
            time_round(started.app, scope, message, max(1, number // 10))
        )
        profiler = cProfile.Profile()
        profiler.enable()
        loop.run_until_complete(time_round(started.app, scope, message, number))
        profiler.disable()
    finally:
        started.stop(loop)
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.strip_dirs()
    print(f"\n== {scenario.name}: {number} requests, by own time ==")
    stats.sort_stats("tottime").print_stats(limit)
    print(f"== {scenario.name}: by cumulative time ==")
    stats.sort_stats("cumulative").print_stats(limit)


# -- Reporting --------------------------------------------------------------------


def versions() -> dict[str, str]:
    """The versions the results depend on."""
    found = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }
    for name in (
        "framework",
        "starlette",
        "anyio",
        "quart",
        "falcon",
        "flask",
        "a2wsgi",
    ):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def align_table(rows: list[tuple[str, ...]]) -> str:
    """Rows as an aligned text table, the first row the heading."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def format_table(results: Sequence[Result], peers: Sequence[Peer]) -> str:
    """Each scenario's Starlette time and every peer's ratio to it: the
    median of per-round ratios, with their interquartile range in brackets.

    :param results: the timed scenarios.
    :param peers: the columns, the reference first.
    """
    others = [peer for peer in peers if peer.name != REFERENCE]
    header = ("scenario", "Starlette µs", *(peer.label for peer in others))
    rows: list[tuple[str, ...]] = [header]
    for result in results:
        reference = result.median_us(REFERENCE)
        cells = [result.scenario, "-" if reference is None else f"{reference:.2f}"]
        for peer in others:
            spread = result.spread(peer.name)
            cells.append("-" if spread is None else spread.cell())
        rows.append(tuple(cells))
    return align_table(rows)


def goal_rows(results: Sequence[Result], counts: Counts | None = None) -> list[Verdict]:
    """The issue's goals that the run can judge, by time and, where
    ``counts`` has them, by instructions.

    :param results: the timed scenarios (none: judge by instructions alone).
    :param counts: instructions per request by scenario and peer
        (:mod:`benchmarks.asgi_instructions`), if counted.
    """
    by_name = {result.scenario: result for result in results}
    rows = list(by_name)
    rows += [row for row in counts or {} if row not in by_name]

    def time(scenario: str, peer: str, against: str) -> Spread | None:
        result = by_name.get(scenario)
        return None if result is None else result.spread(peer, against)

    return judge(GOALS, rows, time, counts)


def format_goals(results: Sequence[Result], counts: Counts | None = None) -> str:
    """The goals table: each goal's ratio and whether the run met it, by
    time and by instructions."""
    labels = {peer.name: peer.label for peer in PEERS}
    return format_verdicts(
        goal_rows(results, counts), align_table, lambda name: labels[name]
    )


def write_json(
    path: Path,
    results: Sequence[Result],
    args: argparse.Namespace,
    counts: Counts | None = None,
) -> None:
    """Write the results, every round included, as JSON.

    :param path: the file to write.
    :param results: the timed scenarios.
    :param args: the command line's options.
    :param counts: instructions per request by scenario and peer, if counted.
    """

    def spread_json(result: Result, peer: str) -> t.Any:
        spread = result.spread(peer)
        return None if spread is None else spread.as_json()

    document = {
        "versions": versions(),
        "rounds": args.rounds,
        "number": args.number,
        "round_ms": args.round_ms,
        "slices": args.slices,
        "reference": REFERENCE,
        "results": [
            {
                "scenario": result.scenario,
                "median_us": {name: result.median_us(name) for name in result.timings},
                "requests_per_round": result.numbers,
                "ratio": {name: result.ratio(name) for name in result.timings},
                "ratio_spread": {
                    name: spread_json(result, name) for name in result.timings
                },
                "instructions": dict((counts or {}).get(result.scenario, {})),
                "rounds_us": {
                    name: [ns / 1000 for ns in rounds_ns]
                    for name, rounds_ns in result.timings.items()
                },
            }
            for result in results
        ],
        "goals": [verdict.as_json() for verdict in goal_rows(results, counts)],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


# -- Command line ----------------------------------------------------------------


def positive_int(text: str) -> int:
    """Parse a command-line integer that must be at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.asgi_run",
        description="Time framework's ASGI callable against Starlette, Quart, "
        "Falcon and Flask through a2wsgi, in one process, and print each "
        "app's time over Starlette's (lower is better).",
        epilog="scenarios: " + "; ".join(f"{s.name}: {s.summary}" for s in SCENARIOS),
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=40,
        help="rounds per app and scenario (default: 40)",
    )
    parser.add_argument(
        "--number",
        type=positive_int,
        help="requests per round, the same for every app (default: as many "
        "as fill --round-ms; with --profile, 1000)",
    )
    parser.add_argument(
        "--round-ms",
        type=float,
        default=25.0,
        help="the length of each app's rounds, in milliseconds, when "
        "--number is not given (default: 25)",
    )
    parser.add_argument(
        "--slices",
        type=positive_int,
        default=SLICES,
        help="slices each round is cut into, the apps taking turns slice by"
        f" slice (default: {SLICES})",
    )
    parser.add_argument(
        "--instructions",
        type=Path,
        metavar="PATH",
        help="instructions per request, as python -m benchmarks.asgi_instructions"
        " --json wrote them: the goals table judges each goal by them too",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIO_NAMES),
        metavar="NAME",
        help="run only this scenario; repeat for several (default: "
        "all). Choices: " + ", ".join(SCENARIO_NAMES),
    )
    parser.add_argument(
        "--peer",
        action="append",
        choices=list(PEER_NAMES),
        metavar="NAME",
        help="time only this app; repeat for several (default: all;"
        " Starlette is always timed). Choices: " + ", ".join(PEER_NAMES),
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results, with every round, as JSON",
    )
    parser.add_argument(
        "--profile",
        choices=list(PEER_NAMES),
        metavar="NAME",
        help="instead of timing, profile this app's requests of "
        "each selected scenario with cProfile (--number of them)",
    )
    parser.add_argument(
        "--profile-limit",
        type=positive_int,
        default=30,
        help="functions per profile listing (default: 30)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that every app answers its scenarios right; no timing",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ASGI benchmarks and return the exit status: 1 if an app
    answered wrongly or could not be built, else 0.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    args = parse_args(argv)
    scenarios = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    wanted = set(args.peer or PEER_NAMES) | {REFERENCE}
    peers = [peer for peer in PEERS if peer.name in wanted]
    loop = asyncio.new_event_loop()
    try:
        if args.profile:
            builders = PEER_NAMES[args.profile].builders()
            for scenario in scenarios:
                if scenario.name in builders:
                    profile_peer(
                        loop,
                        scenario,
                        builders[scenario.name],
                        args.number or 1000,
                        args.profile_limit,
                    )
            return 0
        if args.check:
            return check_all(loop, scenarios, peers)
        return run(loop, args, scenarios, peers)
    finally:
        loop.close()


def check_all(
    loop: asyncio.AbstractEventLoop,
    scenarios: Sequence[Scenario],
    peers: Sequence[Peer],
) -> int:
    """Check every app's answer to every scenario, one line each (``ok``,
    ``none``: the framework has no such app, or ``WRONG`` and why); return
    1 if an app answered wrongly or a framework is not installed.

    :param loop: the event loop the apps run on.
    :param scenarios: the scenarios.
    :param peers: the frameworks.
    """
    failed = False
    for peer in peers:
        try:
            builders = peer.builders()
        except ImportError as error:
            print(f"{peer.name}: not installed ({error})")
            failed = True
            continue
        for scenario in scenarios:
            build = builders.get(scenario.name)
            if build is None:
                print(f"none {peer.name} {scenario.name}")
                continue
            try:
                Started.start(loop, scenario, build).stop(loop)
            except Exception as error:
                print(f"WRONG {peer.name} {scenario.name}: {error!r}")
                failed = True
            else:
                print(f"ok {peer.name} {scenario.name}")
    return 1 if failed else 0


def run(
    loop: asyncio.AbstractEventLoop,
    args: argparse.Namespace,
    scenarios: Sequence[Scenario],
    peers: Sequence[Peer],
) -> int:
    """Time the scenarios, print the tables, return the exit status."""
    info = versions()
    print(
        f"{info['implementation']} {info['python']}; "
        + ", ".join(f"{name} {info[name]}" for name in list(info)[2:])
        + f"; {args.rounds} rounds of "
        + (f"{args.number} requests" if args.number else f"~{args.round_ms:g} ms")
        + f" per app in {args.slices} interleaved slices; median of per-round"
        " ratios [interquartile range]",
        flush=True,
    )
    failed = False
    builders: dict[str, dict[str, Callable[[], ASGIApp]]] = {}
    timed: list[Peer] = []
    for peer in peers:
        try:
            builders[peer.name] = peer.builders()
        except ImportError as error:
            print(
                f"{peer.label}: not installed ({error}); pip install -e '.[bench]'",
                file=sys.stderr,
                flush=True,
            )
            failed = True
            continue
        timed.append(peer)
    results: list[Result] = []
    for scenario in scenarios:
        started = time.monotonic()
        result, failures = run_scenario(
            loop,
            scenario,
            {
                p.name: builders[p.name][scenario.name]
                for p in timed
                if scenario.name in builders[p.name]
            },
            args.rounds,
            args.number,
            args.round_ms,
            args.slices,
        )
        for failure in failures:
            print(f"WRONG ANSWER, not timed: {failure}", file=sys.stderr, flush=True)
            failed = True
        results.append(result)
        print(f"  {scenario.name}: {time.monotonic() - started:.1f} s", flush=True)
    print()
    print("time / Starlette's async endpoint's time, in the same run (lower is better)")
    print(format_table(results, timed))
    print()
    counts = None if args.instructions is None else read_counts(args.instructions)
    print(format_goals(results, counts))
    print(LEGEND)
    if args.json is not None:
        write_json(args.json, results, args, counts)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
