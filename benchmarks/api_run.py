"""Benchmark ``framework_api``, framework's typed APIs, against FastAPI,
Litestar, APIFlask and flask-smorest, request by request, in one process.

Three scenarios, the same models everywhere (:mod:`benchmarks.api_shapes`):
``create``, a POST of a nested JSON order validated into a model and
answered 201 with the created order; ``list``, a GET with typed query
parameters answered with a list of models; ``invalid``, the POST with a body
that breaks three constraints, answered 422 (framework: RFC 9457 problem
details listing every bad field; each peer: its own error answer).

Under ASGI the apps are ``async def`` endpoints on one event loop, driven
by :mod:`benchmarks.asgi_driver` and timed by
:func:`benchmarks.asgi_run.run_scenario`: framework, FastAPI (pydantic v2),
Litestar (msgspec Structs) and Starlette with msgspec by hand, the floor.
Under WSGI they are ``def`` views called by :mod:`benchmarks.wsgi_driver`
and timed by its :func:`~benchmarks.wsgi_driver.time_apps`: framework,
APIFlask, flask-smorest and Flask with msgspec by hand, the WSGI floor.
Both interleave the apps slice by slice within each round; a figure is the
median of the per-round ratios with their interquartile range
(:mod:`benchmarks.spread`), and the goals of issue 21 are judged as the
other suites judge theirs (:mod:`benchmarks.goals`).

Every app answers every scenario once before anything is timed, and a
wrong answer leaves that app untimed and the run's status 1: a broken app
can be fast.

Run it from the repository root::

    python -m benchmarks.api_run
    python -m benchmarks.api_run --interface asgi --scenario create
    python -m benchmarks.api_run --check
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.metadata
import json
import platform
import sys
import time
import typing as t
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import asgi_driver, wsgi_driver
from .api_shapes import (
    CREATED_LOCATION,
    INVALID_ORDER,
    LIST_QUERY,
    ORDER,
    created_order,
    order_summaries,
)
from .asgi_run import Result, align_table, positive_int, run_scenario
from .asgi_run import Scenario as AsgiScenario
from .goals import LEGEND, Goal, Verdict, format_verdicts, judge
from .spread import Spread

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

#: Either driver's reply: both have ``status``, ``header()`` and ``body``.
AnyReply = asgi_driver.Reply | wsgi_driver.Reply

#: The interfaces, in the order they run.
INTERFACES = ("asgi", "wsgi")


@dataclass(frozen=True)
class Peer:
    """One framework's apps, as a column.

    :param name: the name ``--peer`` selects it by (unique across both
        interfaces).
    :param label: the column's heading.
    :param module: the module of :mod:`benchmarks.peers` holding its apps.
    :param interface: ``"asgi"`` (its ``ASGI`` map) or ``"wsgi"`` (its
        ``WSGI`` map of scenario name to app builder).
    :param invalid_status: the status it answers a body that fails
        validation with, as its docs say (Litestar: 400).
    :param problem_details: it must answer invalid input with RFC 9457
        problem details listing every bad field (framework).
    """

    name: str
    label: str
    module: str
    interface: str
    invalid_status: int = 422
    problem_details: bool = False

    def builders(self) -> dict[str, Callable[[], t.Any]]:
        """Its app builders by scenario.

        :raise ImportError: the framework is not installed.
        """
        module = importlib.import_module(f"benchmarks.peers.{self.module}")
        return t.cast(
            dict[str, Callable[[], t.Any]], getattr(module, self.interface.upper())
        )


FRAMEWORK_ASGI = Peer(
    "framework", "framework", "framework_api_app", "asgi", problem_details=True
)
FRAMEWORK_WSGI = Peer(
    "framework-wsgi", "framework", "framework_api_app", "wsgi", problem_details=True
)
PEERS: tuple[Peer, ...] = (
    Peer("fastapi", "FastAPI", "fastapi_api_app", "asgi"),
    FRAMEWORK_ASGI,
    Peer("litestar", "Litestar", "litestar_api_app", "asgi", invalid_status=400),
    Peer("starlette-msgspec", "Starlette+msgspec", "starlette_msgspec_api_app", "asgi"),
    Peer("apiflask", "APIFlask", "apiflask_api_app", "wsgi"),
    FRAMEWORK_WSGI,
    Peer("flask-smorest", "flask-smorest", "smorest_api_app", "wsgi"),
    Peer("flask-msgspec", "Flask+msgspec", "flask_msgspec_api_app", "wsgi"),
)
PEER_NAMES = {peer.name: peer for peer in PEERS}
LABELS = {peer.name: peer.label for peer in PEERS}

#: Every ratio of an interface's table is taken against this peer.
REFERENCE = {"asgi": "fastapi", "wsgi": "apiflask"}
#: framework's column of each interface.
FRAMEWORK = {"asgi": FRAMEWORK_ASGI.name, "wsgi": FRAMEWORK_WSGI.name}
#: The peers framework's time is also divided by, in a column each.
AGAINST = {
    "asgi": ("litestar", "starlette-msgspec", "fastapi"),
    "wsgi": ("apiflask", "flask-msgspec"),
}

#: Issue 21's goals, ``(scenario or None for all, peer, against, most)``:
#: under ASGI at most Litestar's time in every scenario, and within 1.5
#: times the floor's for the two valid requests (the floor's 422 reports
#: msgspec's first error; framework's finds every bad field, a second
#: pass by design); under WSGI at most a fifth of APIFlask's time.
GOALS: dict[str, tuple[Goal, ...]] = {
    "asgi": (
        (None, "framework", "litestar", 1.0),
        ("create", "framework", "starlette-msgspec", 1.5),
        ("list", "framework", "starlette-msgspec", 1.5),
    ),
    "wsgi": ((None, "framework-wsgi", "apiflask", 0.2),),
}


@dataclass(frozen=True)
class Scenario:
    """One request, sent to every peer under both interfaces, and what a
    right answer is.

    :param name: the name ``--scenario`` selects it by.
    :param summary: what it measures, for ``--help``.
    :param method: the HTTP method.
    :param path: the URL path.
    :param query: the query string, without ``?``.
    :param body: the JSON document sent, if any.
    :param status: the status of a right answer (``invalid``: the peer's
        :attr:`Peer.invalid_status`).
    :param expected: the JSON document of a right answer; ``None`` for an
        error answer, whose body is each framework's own.
    :param location: the ``Location`` a right answer carries, if any.
    """

    name: str
    summary: str
    method: str
    path: str
    query: str = ""
    body: t.Any = None
    status: int = 200
    expected: t.Any = None
    location: str | None = None

    def encoded_body(self) -> bytes:
        """The body as sent: compact JSON, or nothing."""
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode()

    def asgi_request(self) -> asgi_driver.Request:
        """The request as :mod:`benchmarks.asgi_driver` sends it."""
        body = self.encoded_body()
        headers = (("Content-Type", "application/json"),) if body else ()
        return asgi_driver.Request(self.method, self.path, body, headers, self.query)

    def wsgi_call(self) -> wsgi_driver.Call:
        """The request as :mod:`benchmarks.wsgi_driver` sends it."""
        body = self.encoded_body()
        return wsgi_driver.Call(
            self.method,
            f"{self.path}?{self.query}" if self.query else self.path,
            body,
            "application/json" if body else None,
        )

    def check(self, peer: Peer) -> Callable[[t.Any], list[str]]:
        """What is wrong with a reply of ``peer``'s app: empty when right.

        :param peer: the app's framework (its error status and format).
        """

        def check(reply: AnyReply) -> list[str]:
            return reply_problems(self, peer, reply)

        return check


def media_type(reply: AnyReply) -> str:
    """The reply's media type, without parameters, lower case."""
    return (reply.header("Content-Type") or "").partition(";")[0].strip().lower()


def status_code(reply: AnyReply) -> int:
    """The reply's status as a number (WSGI gives ``"201 CREATED"``)."""
    return int(str(reply.status).split()[0])


#: Where framework's problem details must point for :data:`INVALID_ORDER`:
#: its three bad fields, every one of them.
INVALID_POINTERS = frozenset(
    {"#/customer/name", "#/items/0/quantity", "#/items/1/unit_price"}
)


def problem_details_problems(document: t.Any) -> list[str]:
    """What RFC 9457 problem details for :data:`INVALID_ORDER` lack: a 422
    ``status`` and one error per bad field, each pointing at it.

    :param document: the parsed body.
    """
    if not isinstance(document, dict):
        return [f"problem details are not an object: {document!r}"]
    problems = []
    if document.get("status") != 422:
        problems.append(f"problem status {document.get('status')!r}, not 422")
    errors = document.get("errors")
    pointers = (
        {error.get("pointer") for error in errors if isinstance(error, dict)}
        if isinstance(errors, list)
        else set()
    )
    if pointers != INVALID_POINTERS:
        problems.append(
            f"errors point at {sorted(map(str, pointers))}, not"
            f" {sorted(INVALID_POINTERS)}"
        )
    return problems


def reply_problems(scenario: Scenario, peer: Peer, reply: AnyReply) -> list[str]:
    """What is wrong with ``peer``'s reply to ``scenario``: empty when right.

    A right answer has the scenario's status and, for a valid request, the
    expected JSON document (parsed: spacing and key order are each
    framework's own) as ``application/json``, with the ``Location`` the
    scenario names. An error answer has the peer's status and a JSON media
    type (``application/json`` or ``application/...+json``); framework's
    must be problem details listing every bad field.

    :param scenario: the request sent.
    :param peer: the app's framework.
    :param reply: what the app sent back.
    """
    problems: list[str] = []
    error = scenario.expected is None
    status = peer.invalid_status if error else scenario.status
    if status_code(reply) != status:
        problems.append(f"status {reply.status}, not {status}")
    kind = media_type(reply)
    if error:
        wanted = "application/problem+json" if peer.problem_details else None
        if wanted is not None and kind != wanted:
            problems.append(f"content-type {kind!r}, not {wanted!r}")
        elif kind != "application/json" and not (
            kind.startswith("application/") and kind.endswith("+json")
        ):
            problems.append(f"content-type {kind!r}, not JSON")
    elif kind != "application/json":
        problems.append(f"content-type {kind!r}, not 'application/json'")
    try:
        document = json.loads(reply.body)
    except ValueError:
        return [*problems, f"not JSON: {reply.body[:200]!r}"]
    if not error and document != scenario.expected:
        problems.append(f"JSON {reply.body[:300]!r}, not {scenario.expected!r}")
    if error and peer.problem_details:
        problems.extend(problem_details_problems(document))
    if scenario.location is not None:
        location = reply.header("Location") or ""
        # An absolute URL of the same path is as right as the path.
        if not location.endswith(scenario.location):
            problems.append(f"Location {location!r}, not {scenario.location!r}")
    return problems


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "create",
        "a POSTed nested JSON order validated into a model, answered 201 with"
        " the created order",
        "POST",
        "/orders",
        body=ORDER,
        status=201,
        expected=created_order(),
        location=CREATED_LOCATION,
    ),
    Scenario(
        "list",
        "a GET with typed query parameters (bounded int, bool, optional str,"
        " a list), answered with a list of models",
        "GET",
        "/orders",
        query=LIST_QUERY,
        expected=order_summaries(),
    ),
    Scenario(
        "invalid",
        "the POST with three fields out of bounds, answered 422 (each"
        " framework's own error body)",
        "POST",
        "/orders",
        body=INVALID_ORDER,
    ),
)
SCENARIO_NAMES = {scenario.name: scenario for scenario in SCENARIOS}


# -- Loading the apps -------------------------------------------------------------


def load(
    peers: Sequence[Peer],
) -> tuple[dict[str, dict[str, Callable[[], t.Any]]], list[str]]:
    """Each peer's app builders, by name; the peers that cannot run.

    :param peers: the peers wanted.
    :return: the builders; one line per peer missing (not installed),
        which fails the run.
    """
    builders: dict[str, dict[str, Callable[[], t.Any]]] = {}
    missing: list[str] = []
    for peer in peers:
        try:
            builders[peer.name] = peer.builders()
        except ImportError as error:
            missing.append(
                f"{peer.name}: not installed ({error}); pip install -e '.[bench]'"
            )
    return builders, missing


# -- Checking ---------------------------------------------------------------------


def check_asgi(
    loop: asyncio.AbstractEventLoop, build: Callable[[], t.Any], request: t.Any
) -> AnyReply:
    """One ASGI app's reply to one request, its lifespan started and shut
    down around it."""
    app = build()
    lifespan = asgi_driver.Lifespan(app)
    loop.run_until_complete(lifespan.startup())
    try:
        return loop.run_until_complete(asgi_driver.call_once(app, request))
    finally:
        loop.run_until_complete(lifespan.shutdown())


def check_all(
    loop: asyncio.AbstractEventLoop,
    scenarios: Sequence[Scenario],
    peers: Sequence[Peer],
    builders: dict[str, dict[str, Callable[[], t.Any]]],
) -> bool:
    """Send every scenario's request to every app once and print one line
    each: ``ok PEER SCENARIO``, or ``WRONG PEER SCENARIO: why``.

    :return: whether every app answered right.
    """
    right = True
    for peer in peers:
        if peer.name not in builders:
            continue
        for scenario in scenarios:
            build = builders[peer.name][scenario.name]
            try:
                if peer.interface == "asgi":
                    reply = check_asgi(loop, build, scenario.asgi_request())
                else:
                    app = build()
                    call = scenario.wsgi_call()
                    reply = wsgi_driver.call_once(*wsgi_driver.prepare(app, call))
                problems = scenario.check(peer)(reply)
            except Exception as error:
                problems = [f"{type(error).__name__}: {error}"]
            if problems:
                right = False
                print(f"WRONG {peer.name} {scenario.name}: " + "; ".join(problems))
            else:
                print(f"ok {peer.name} {scenario.name}")
    return right


# -- Timing -----------------------------------------------------------------------


def time_asgi(
    loop: asyncio.AbstractEventLoop,
    scenario: Scenario,
    peers: Sequence[Peer],
    builders: dict[str, dict[str, Callable[[], t.Any]]],
    args: argparse.Namespace,
) -> tuple[Result, list[str]]:
    """Check and time the ASGI apps of ``scenario`` with
    :func:`benchmarks.asgi_run.run_scenario`: rounds sized by time, slices
    taken in turn.

    :return: the timings, and one line per app that answered wrongly.
    """
    timed = [peer for peer in peers if peer.name in builders]
    as_asgi = AsgiScenario(
        scenario.name,
        scenario.summary,
        scenario.asgi_request(),
        scenario.check(timed[0]) if timed else lambda reply: [],
    )
    return run_scenario(
        loop,
        as_asgi,
        {peer.name: builders[peer.name][scenario.name] for peer in timed},
        args.rounds,
        args.number,
        args.round_ms,
        args.slices,
        checks={peer.name: scenario.check(peer) for peer in timed},
    )


def time_wsgi(
    scenario: Scenario,
    peers: Sequence[Peer],
    builders: dict[str, dict[str, Callable[[], t.Any]]],
    args: argparse.Namespace,
) -> tuple[Result, list[str]]:
    """Check and time the WSGI apps of ``scenario`` with
    :func:`benchmarks.wsgi_driver.time_apps`; an app that answers wrongly
    is left untimed.

    :return: the timings, and one line per app that answered wrongly.
    """
    call = scenario.wsgi_call()
    apps: dict[str, wsgi_driver.Prepared] = {}
    failures: list[str] = []
    for peer in peers:
        if peer.name not in builders:
            continue
        try:
            app: WSGIApplication = builders[peer.name][scenario.name]()
            prepared = wsgi_driver.prepare(app, call)
            problems = scenario.check(peer)(wsgi_driver.call_once(*prepared))
        except Exception as error:
            problems = [f"{type(error).__name__}: {error}"]
        if problems:
            failures.append(f"{scenario.name} / {peer.name}: " + "; ".join(problems))
            continue
        apps[peer.name] = prepared
    number = args.number or WSGI_NUMBER
    result = Result(scenario.name)
    if apps:
        result.timings = wsgi_driver.time_apps(apps, args.rounds, number, args.slices)
        result.numbers = dict.fromkeys(apps, number)
    return result, failures


#: Requests per WSGI round when ``--number`` is not given: with APIFlask
#: about ten times framework's time, a round of every app lasts a few
#: tens of milliseconds.
WSGI_NUMBER = 400


# -- Reporting --------------------------------------------------------------------


def versions() -> dict[str, str]:
    """The versions the results depend on."""
    found = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
    }
    for name in (
        "framework",
        "msgspec",
        "fastapi",
        "pydantic",
        "litestar",
        "starlette",
        "flask",
        "apiflask",
        "flask-smorest",
        "marshmallow",
    ):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _cell(spread: Spread | None) -> str:
    return "-" if spread is None else spread.cell()


def format_table(
    interface: str, results: Sequence[Result], peers: Sequence[Peer]
) -> str:
    """Each scenario's reference time, every peer's time over it, and
    framework's over each peer of :data:`AGAINST`: the median of per-round
    ratios, with their interquartile range.

    :param interface: ``"asgi"`` or ``"wsgi"``.
    :param results: the timed scenarios.
    :param peers: the interface's columns.
    """
    reference, ours = REFERENCE[interface], FRAMEWORK[interface]
    others = [peer for peer in peers if peer.name != reference]
    header = (
        "scenario",
        f"{LABELS[reference]} µs",
        *(peer.label for peer in others),
        *(f"framework/{LABELS[name]}" for name in AGAINST[interface]),
    )
    rows: list[tuple[str, ...]] = [header]
    for result in results:
        reference_us = result.median_us(reference)
        rows.append(
            (
                result.scenario,
                "-" if reference_us is None else f"{reference_us:.2f}",
                *(_cell(result.spread(peer.name, reference)) for peer in others),
                *(_cell(result.spread(ours, name)) for name in AGAINST[interface]),
            )
        )
    return align_table(rows)


def goal_rows(interface: str, results: Sequence[Result]) -> list[Verdict]:
    """The interface's goals the run can judge (by time: the API scenarios
    have no instruction counts).

    :param interface: ``"asgi"`` or ``"wsgi"``.
    :param results: the timed scenarios.
    """
    by_name = {result.scenario: result for result in results}

    def spread(scenario: str, peer: str, against: str) -> Spread | None:
        return by_name[scenario].spread(peer, against)

    return judge(GOALS[interface], list(by_name), spread)


def interface_json(interface: str, results: Sequence[Result]) -> dict[str, t.Any]:
    """One interface's results, every round included, as JSON."""
    reference, ours = REFERENCE[interface], FRAMEWORK[interface]

    def spread_json(value: Spread | None) -> t.Any:
        return None if value is None else value.as_json()

    return {
        "reference": reference,
        "framework": ours,
        "labels": {name: LABELS[name] for r in results for name in r.timings},
        "results": [
            {
                "scenario": result.scenario,
                "median_us": {name: result.median_us(name) for name in result.timings},
                "requests_per_round": result.numbers,
                "ratio": {
                    name: result.ratio(name, reference) for name in result.timings
                },
                "ratio_spread": {
                    name: spread_json(result.spread(name, reference))
                    for name in result.timings
                },
                "framework_over": {
                    name: spread_json(result.spread(ours, name))
                    for name in result.timings
                    if name != ours
                },
                "rounds_us": {
                    name: [ns / 1000 for ns in rounds_ns]
                    for name, rounds_ns in result.timings.items()
                },
            }
            for result in results
        ],
        "goals": [verdict.as_json() for verdict in goal_rows(interface, results)],
    }


# -- Command line -----------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.api_run",
        description="Time framework's typed APIs against FastAPI, Litestar and"
        " Starlette+msgspec under ASGI, and against APIFlask, flask-smorest and"
        " Flask+msgspec under WSGI, in one process; print each app's time over"
        " FastAPI's (ASGI) or APIFlask's (WSGI), and framework's over its"
        " rivals' (lower is better).",
        epilog="scenarios: " + "; ".join(f"{s.name}: {s.summary}" for s in SCENARIOS),
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=30,
        help="rounds per app and scenario (default: 30)",
    )
    parser.add_argument(
        "--number",
        type=positive_int,
        help="requests per round, the same for every app (default: ASGI rounds"
        f" sized by --round-ms, WSGI rounds of {WSGI_NUMBER})",
    )
    parser.add_argument(
        "--round-ms",
        type=float,
        default=25.0,
        help="the length of each ASGI app's rounds, in milliseconds, when"
        " --number is not given (default: 25)",
    )
    parser.add_argument(
        "--slices",
        type=positive_int,
        default=20,
        help="slices each round is cut into, the apps taking turns slice by"
        " slice (default: 20)",
    )
    parser.add_argument(
        "--interface",
        action="append",
        choices=INTERFACES,
        help="run only this interface's apps; repeat for both (default: both)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIO_NAMES),
        metavar="NAME",
        help="run only this scenario; repeat for several (default: all)."
        " Choices: " + ", ".join(SCENARIO_NAMES),
    )
    parser.add_argument(
        "--peer",
        action="append",
        choices=list(PEER_NAMES),
        metavar="NAME",
        help="time only this app besides framework and the reference (FastAPI,"
        " APIFlask); repeat for several (default: all). Choices: "
        + ", ".join(PEER_NAMES),
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results, with every round, as JSON",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that every app answers every scenario right; no timing",
    )
    return parser.parse_args(argv)


def selected_peers(args: argparse.Namespace) -> list[Peer]:
    """The peers of the chosen interfaces: framework and the references
    always, the others as ``--peer`` says."""
    interfaces = args.interface or INTERFACES
    always = {*REFERENCE.values(), *FRAMEWORK.values()}
    wanted = set(args.peer or PEER_NAMES) | always
    return [p for p in PEERS if p.interface in interfaces and p.name in wanted]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the API benchmarks; return the exit status: 1 if an app answered
    wrongly or a peer is not installed, else 0.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    args = parse_args(argv)
    scenarios = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    peers = selected_peers(args)
    builders, missing = load(peers)
    for line in missing:
        print(line, file=sys.stderr, flush=True)
    loop = asyncio.new_event_loop()
    try:
        if args.check:
            right = check_all(loop, scenarios, peers, builders)
            return 0 if right and not missing else 1
        return run(loop, args, scenarios, peers, builders, failed=bool(missing))
    finally:
        loop.close()


def run(
    loop: asyncio.AbstractEventLoop,
    args: argparse.Namespace,
    scenarios: Sequence[Scenario],
    peers: Sequence[Peer],
    builders: dict[str, dict[str, Callable[[], t.Any]]],
    failed: bool = False,
) -> int:
    """Time the scenarios under each interface, print the tables, write
    the JSON; return the exit status."""
    info = versions()
    print(
        f"{info['implementation']} {info['python']}; "
        + ", ".join(f"{name} {info[name]}" for name in list(info)[2:])
        + f"; {args.rounds} rounds, {args.slices} interleaved slices each;"
        " median of per-round ratios [interquartile range]",
        flush=True,
    )
    document: dict[str, t.Any] = {
        "versions": info,
        "rounds": args.rounds,
        "number": args.number,
        "round_ms": args.round_ms,
        "slices": args.slices,
    }
    for interface in args.interface or INTERFACES:
        mine = [peer for peer in peers if peer.interface == interface]
        results: list[Result] = []
        for scenario in scenarios:
            started = time.monotonic()
            if interface == "asgi":
                result, failures = time_asgi(loop, scenario, mine, builders, args)
            else:
                result, failures = time_wsgi(scenario, mine, builders, args)
            for failure in failures:
                print(f"WRONG ANSWER, not timed: {failure}", file=sys.stderr)
                failed = True
            results.append(result)
            print(
                f"  {interface} {scenario.name}: {time.monotonic() - started:.1f} s",
                flush=True,
            )
        reference = LABELS[REFERENCE[interface]]
        print()
        print(
            f"{interface.upper()}: time / {reference}'s time, in the same run"
            " (lower is better)"
        )
        print(format_table(interface, results, mine))
        print()
        verdicts = goal_rows(interface, results)
        if verdicts:
            print(format_verdicts(verdicts, align_table, LABELS.__getitem__))
            print(LEGEND)
        else:
            print(f"{interface.upper()} goals: not judged, framework was not timed")
        print()
        document[interface] = interface_json(interface, results)
    if args.json is not None:
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
