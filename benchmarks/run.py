"""Benchmark ``framework`` against Flask, request by request, in one process.

Each scenario is a small app written once, as a function of the framework it
is built with, so both apps are the same code. Both are called as raw WSGI
callables, the way a server calls them, in alternating rounds; the result
that matters is the ratio of the two times, never the times themselves.

Run it from the repository root::

    python -m benchmarks.run
    python -m benchmarks.run --scenario hello --scenario json --rounds 10
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import platform
import statistics
import sys
import time
import typing as t
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import flask
from werkzeug.test import EnvironBuilder

import framework

from .payloads import records

# The scenarios' sizes and data, shared with the ASGI benchmarks.
from .shapes import (
    BENCHMARKS_ROOT,
    ROUTE_COUNT,
    SESSION_DATA,
    SESSION_SECRET,
    TEMPLATE_ITEM_COUNT,
)

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

#: The project's target for every framework/Flask ratio.
GOAL_RATIO = 0.6

#: How many records the large JSON scenario sends.
JSON_RECORD_COUNT = 50


@dataclass(frozen=True)
class Kit:
    """What a scenario needs from one framework to build its app.

    :param name: the label printed in the results.
    :param app_class: :class:`framework.App` or :class:`flask.Flask`.
    :param g: that framework's ``g`` proxy.
    :param render_template: that framework's ``render_template``.
    :param jsonify: that framework's ``jsonify``.
    :param session: that framework's ``session`` proxy.
    """

    name: str
    app_class: Callable[..., t.Any]
    g: t.Any
    render_template: Callable[..., str]
    jsonify: Callable[..., t.Any]
    session: t.Any


FRAMEWORK = Kit(
    "framework",
    framework.App,
    framework.g,
    framework.render_template,
    framework.jsonify,
    framework.session,
)
FLASK = Kit(
    "Flask",
    flask.Flask,
    flask.g,
    flask.render_template,
    flask.jsonify,
    flask.session,
)


@dataclass(frozen=True)
class Scenario:
    """One app to build for each framework, and the request to send it.

    :param name: the name ``--scenario`` selects it by.
    :param summary: what the scenario measures, for ``--help``.
    :param build: builds the app from a :class:`Kit`.
    :param path: the requested URL path.
    :param run: how to check and time the scenario, when it is not the
        usual framework/Flask pair of :func:`run_pair`.
    """

    name: str
    summary: str
    build: Callable[[Kit], WSGIApplication]
    path: str
    run: Callable[[Scenario, int, int], list[Result]] | None = None


@dataclass(frozen=True)
class Reply:
    """What a WSGI app sent back for one request."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass
class Result:
    """The timings of one scenario, in nanoseconds per request per round."""

    scenario: str
    framework_ns: list[float] = field(default_factory=list)
    flask_ns: list[float] = field(default_factory=list)

    @property
    def framework_us(self) -> float:
        """The median time per request of ``framework``, in microseconds."""
        return statistics.median(self.framework_ns) / 1000

    @property
    def flask_us(self) -> float:
        """The median time per request of Flask, in microseconds."""
        return statistics.median(self.flask_ns) / 1000

    @property
    def ratio(self) -> float:
        """``framework`` time over Flask time: lower is better."""
        return self.framework_us / self.flask_us


class MismatchError(AssertionError):
    """The two apps of a scenario answered the same request differently."""


# -- Scenarios ---------------------------------------------------------------


def build_hello(kit: Kit) -> WSGIApplication:
    """An app whose only view returns a plain string.

    :param kit: the framework to build it with.
    """
    app = kit.app_class(__name__)

    def hello() -> str:
        return "Hello, World!"

    app.add_url_rule("/", view_func=hello)
    return t.cast("WSGIApplication", app)


def build_json(kit: Kit) -> WSGIApplication:
    """An app whose only view returns a dict, serialized as JSON.

    :param kit: the framework to build it with.
    """
    app = kit.app_class(__name__)

    def data() -> dict[str, t.Any]:
        return {"hello": "world", "n": 42}

    app.add_url_rule("/", view_func=data)
    return t.cast("WSGIApplication", app)


def _numbered_view(number: int) -> Callable[[int], str]:
    """A view that names its route, so a wrong match changes the body.

    :param number: the number of the route the view serves.
    """

    def view(id: int) -> str:
        return f"route {number}, id {id}"

    return view


def build_routing(kit: Kit) -> WSGIApplication:
    """An app of :data:`ROUTE_COUNT` rules, each with an ``int`` converter.

    :param kit: the framework to build it with.
    """
    app = kit.app_class(__name__)
    for number in range(ROUTE_COUNT):
        app.add_url_rule(
            f"/r{number}/<int:id>",
            endpoint=f"r{number}",
            view_func=_numbered_view(number),
        )
    return t.cast("WSGIApplication", app)


def build_not_found(kit: Kit) -> WSGIApplication:
    """An app of a few routes, none of which the request will match.

    :param kit: the framework to build it with.
    """
    app = kit.app_class(__name__)
    for number, rule in enumerate(("/", "/about", "/users/<int:id>", "/contact")):
        app.add_url_rule(rule, endpoint=f"e{number}", view_func=lambda **_: "found")
    return t.cast("WSGIApplication", app)


def _count_before(g: t.Any) -> Callable[[], None]:
    """A ``before_request`` hook that counts, on ``g``, the hooks that ran.

    :param g: the framework's ``g`` proxy.
    """

    def hook() -> None:
        g.hooks_run = g.get("hooks_run", 0) + 1

    return hook


def _mark_after(number: int) -> Callable[[t.Any], t.Any]:
    """An ``after_request`` hook that adds a header naming itself.

    :param number: the number of the hook, put in the header's name.
    """

    def hook(response: t.Any) -> t.Any:
        response.headers[f"X-After-{number}"] = "1"
        return response

    return hook


def build_hooks(kit: Kit) -> WSGIApplication:
    """An app with 3 ``before_request`` and 3 ``after_request`` hooks.

    The view reports how many ``before_request`` hooks ran and every
    ``after_request`` hook leaves a header, so the sanity check sees any hook
    that was skipped.

    :param kit: the framework to build it with.
    """
    app = kit.app_class(__name__)
    g = kit.g
    for number in range(3):
        app.before_request(_count_before(g))
        app.after_request(_mark_after(number))

    def index() -> str:
        return f"before_request hooks run: {g.hooks_run}"

    app.add_url_rule("/", view_func=index)
    return t.cast("WSGIApplication", app)


def build_template(kit: Kit) -> WSGIApplication:
    """An app rendering ``templates/items.html``, a small page of escaped items.

    Both apps get :data:`BENCHMARKS_ROOT` as ``root_path``, so they load the
    same template file. Every item holds ``<``, ``>`` and ``&``, so the body
    shows whether autoescaping ran.

    :param kit: the framework to build it with.
    """
    app = kit.app_class(__name__, root_path=BENCHMARKS_ROOT)
    render_template = kit.render_template
    items = [f"<b>item {i} & co</b>" for i in range(TEMPLATE_ITEM_COUNT)]

    def page() -> str:
        return render_template("items.html", items=items)

    app.add_url_rule("/", view_func=page)
    return t.cast("WSGIApplication", app)


def large_payload() -> list[dict[str, t.Any]]:
    """:data:`JSON_RECORD_COUNT` records: see :func:`benchmarks.payloads.records`."""
    return records(JSON_RECORD_COUNT)


def build_json_large(kit: Kit) -> WSGIApplication:
    """An app whose only view sends :func:`large_payload` with ``jsonify``.

    :param kit: the framework to build it with.
    """
    app = kit.app_class(__name__)
    jsonify = kit.jsonify
    payload = large_payload()

    def data() -> t.Any:
        return jsonify(payload)

    app.add_url_rule("/", view_func=data)
    return t.cast("WSGIApplication", app)


def build_json_large_fast(kit: Kit) -> WSGIApplication:
    """:func:`build_json_large` with framework's fast JSON provider,
    :class:`~framework.json.orjson.OrjsonProvider`, switched on as the
    manual says; Flask keeps its default provider, the reference.

    :param kit: the framework to build it with.
    """
    if kit is not FRAMEWORK:
        return build_json_large(kit)
    # Imported here: the other scenarios run without orjson.
    from framework.json.orjson import OrjsonProvider

    app = framework.App(__name__, json=OrjsonProvider())
    jsonify = kit.jsonify
    payload = large_payload()

    def data() -> t.Any:
        return jsonify(payload)

    app.add_url_rule("/", view_func=data)
    return t.cast("WSGIApplication", app)


# -- The session scenario ---------------------------------------------------------


def build_session_write(kit: Kit) -> WSGIApplication:
    """An app whose timed view reads the session and writes to it; ``/login``
    puts :data:`SESSION_DATA` in a new session, for the client's cookie.

    :param kit: the framework to build it with.
    """
    app = kit.app_class(__name__)
    app.secret_key = SESSION_SECRET
    session = kit.session

    def login() -> str:
        session.update(SESSION_DATA)
        return "logged in"

    def visit() -> str:
        session["last_page"] = "/"
        return f"user {session['user_id']}"

    app.add_url_rule("/login", view_func=login)
    app.add_url_rule("/", view_func=visit)
    return t.cast("WSGIApplication", app)


def session_cookie(app: WSGIApplication) -> str:
    """Log in to ``app`` (``GET /login``) and return the ``Cookie`` header
    value that carries the new session.

    :param app: an app of :func:`build_session_write`.
    """
    reply = call_once(app, build_environ("/login"))
    for name, value in reply.headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.partition(";")[0]
    raise MismatchError(f"/login set no session cookie: {reply}")


def check_session_replies(
    scenario: Scenario,
    apps: dict[str, tuple[WSGIApplication, WSGIEnvironment]],
    stored: Callable[[str, Reply], dict[str, t.Any]],
) -> None:
    """Raise :class:`MismatchError` unless every app answers the timed
    request alike and saved the same session.

    Status and body must be equal, and so must the header names; the
    session cookie itself differs (a signed id, or signed data with a time
    stamp), so what each app saved is read back and compared instead.

    :param scenario: the session scenario.
    :param apps: each app and the environ of its request, by name.
    :param stored: reads back the session an app saved, from its reply.
    """
    expected = {**SESSION_DATA, "last_page": "/"}
    replies = {name: call_once(app, environ) for name, (app, environ) in apps.items()}
    problems: list[str] = []
    first_name, first = next(iter(replies.items()))
    for name, reply in replies.items():
        if (reply.status, reply.body) != (first.status, first.body):
            problems.append(
                f"  {name}: {reply.status} {reply.body!r}, but {first_name}:"
                f" {first.status} {first.body!r}"
            )
        names = sorted(header for header, _ in reply.headers)
        first_names = sorted(header for header, _ in first.headers)
        if names != first_names:
            problems.append(f"  {name} headers {names}, {first_name} {first_names}")
        saved = stored(name, reply)
        if saved != expected:
            problems.append(f"  {name} saved {saved!r}, not {expected!r}")
    if problems:
        raise MismatchError(
            f"scenario {scenario.name!r} (GET {scenario.path}):\n" + "\n".join(problems)
        )


def run_session_write(scenario: Scenario, rounds: int, number: int) -> list[Result]:
    """Time a session write with framework's cookie sessions, framework's
    Redis sessions and Flask's cookie sessions, and compare both framework
    variants with Flask.

    A throwaway ``redis-server`` is started on 127.0.0.1 (the test suite's
    helper, ``tests/redis_server.py``) and stopped afterwards. Each app's
    client logs in first, so every timed request reads an existing session
    and writes it back.

    :param scenario: the session scenario.
    :param rounds: how many rounds each app runs.
    :param number: how many requests make one round.
    :raise MismatchError: if the apps answer differently.
    """
    # Imported here: the other scenarios need neither redis nor the server.
    from framework_redis import RedisSessionInterface, RedisSessions

    from framework.sessions import SecureCookieSessionInterface
    from tests.redis_server import RedisServer

    redis_name = "framework+redis"
    with RedisServer() as server:
        redis_app = t.cast("framework.App", scenario.build(FRAMEWORK))
        # The client the extension builds from the config, as an app gets it
        # by default (its timeouts and retry policy included).
        redis_app.config["SESSION_REDIS_URL"] = server.url
        client = RedisSessions().init_app(redis_app).get_redis(redis_app)
        built = {
            FRAMEWORK.name: scenario.build(FRAMEWORK),
            redis_name: t.cast("WSGIApplication", redis_app),
            FLASK.name: scenario.build(FLASK),
        }
        apps = {
            name: (app, build_environ(scenario.path, {"Cookie": session_cookie(app)}))
            for name, app in built.items()
        }
        cookie_app = t.cast("framework.App", built[FRAMEWORK.name])
        signing = SecureCookieSessionInterface().get_signing_serializer(cookie_app)
        interface = t.cast(RedisSessionInterface, redis_app.session_interface)
        id_signer = interface.get_signer(redis_app)
        assert signing is not None and id_signer is not None

        def stored(name: str, reply: Reply) -> dict[str, t.Any]:
            cookie = next(
                value.partition(";")[0].partition("=")[2]
                for header, value in reply.headers
                if header.lower() == "set-cookie"
            )
            if name != redis_name:
                # Flask's cookie format is framework's: one serializer reads both.
                return t.cast(dict[str, t.Any], signing.loads(cookie))
            sid = id_signer.unsign(cookie).decode()
            raw = client.get(interface.session_key(sid))
            assert isinstance(raw, bytes)
            return t.cast(dict[str, t.Any], interface.serializer.loads(raw.decode()))

        try:
            check_session_replies(scenario, apps, stored)
            timings = time_apps(apps, rounds, number)
        finally:
            client.close()
    return [
        Result(
            f"{scenario.name} (cookie)", timings[FRAMEWORK.name], timings[FLASK.name]
        ),
        Result(
            f"{scenario.name} (redis)", timings[redis_name], list(timings[FLASK.name])
        ),
    ]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("hello", "a view returning a plain string", build_hello, "/"),
    Scenario("json", "a view returning a dict, sent as JSON", build_json, "/"),
    Scenario(
        "routing",
        f"matching one of {ROUTE_COUNT} rules with an int converter",
        build_routing,
        f"/r{ROUTE_COUNT // 2}/12345",
    ),
    Scenario("404", "a URL that matches none of a few rules", build_not_found, "/nope"),
    Scenario("hooks", "3 before_request and 3 after_request hooks", build_hooks, "/"),
    Scenario(
        "template",
        f"rendering a template file looping over {TEMPLATE_ITEM_COUNT} "
        "autoescaped items",
        build_template,
        "/",
    ),
    Scenario(
        "json-large",
        f"jsonify of a list of {JSON_RECORD_COUNT} dicts of 8 mixed-type keys",
        build_json_large,
        "/",
    ),
    Scenario(
        "json-large-orjson",
        "json-large with framework's fast provider (OrjsonProvider); Flask"
        " with its default",
        build_json_large_fast,
        "/",
    ),
    Scenario(
        "session-write",
        "a view writing to an existing session: framework with cookie sessions"
        " and with Redis sessions (a local redis-server), each against Flask's"
        " cookie sessions",
        build_session_write,
        "/",
        run=run_session_write,
    ),
)


# -- Calling an app like a WSGI server ----------------------------------------


def _ignore_start_response(
    status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
) -> Callable[[bytes], object]:
    """A ``start_response`` that keeps nothing, so it costs both apps alike."""
    return _ignore_write


def _ignore_write(data: bytes) -> None:
    """The ``write`` callable of :func:`_ignore_start_response`."""


def build_environ(path: str, headers: dict[str, str] | None = None) -> WSGIEnvironment:
    """The environ of a plain ``GET`` of ``path``, built once per scenario.

    :param path: the requested URL path.
    :param headers: request headers to send, e.g. ``Cookie``.
    """
    builder = EnvironBuilder(path=path, method="GET", headers=headers)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _finish(body: Iterable[bytes]) -> bytes:
    """Consume a WSGI body and close it, as a server must.

    :param body: the iterable a WSGI app returned.
    """
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def call_once(app: WSGIApplication, environ: WSGIEnvironment) -> Reply:
    """Send one request and record the whole reply, for the sanity check.

    :param app: the WSGI app.
    :param environ: the prebuilt environ; a copy is sent.
    """
    sent: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> Callable[[bytes], object]:
        sent.append((status, headers))
        return _ignore_write

    body = _finish(app(dict(environ), start_response))
    status, headers = sent[-1]
    return Reply(status, tuple(headers), body)


def check_same(scenario: Scenario, apps: dict[str, WSGIApplication]) -> None:
    """Raise :class:`MismatchError` unless both apps reply identically.

    A broken app can be fast; comparing status, headers and body with Flask's
    keeps it from looking good.

    :param scenario: the scenario the apps were built for.
    :param apps: the apps, by :attr:`Kit.name`.
    """
    environ = build_environ(scenario.path)
    ours = call_once(apps[FRAMEWORK.name], environ)
    theirs = call_once(apps[FLASK.name], environ)
    differences = [
        f"  {part}: framework={getattr(ours, part)!r}\n"
        f"  {' ' * len(part)}  Flask    ={getattr(theirs, part)!r}"
        for part in ("status", "headers", "body")
        if getattr(ours, part) != getattr(theirs, part)
    ]
    if differences:
        raise MismatchError(
            f"scenario {scenario.name!r} (GET {scenario.path}):\n"
            + "\n".join(differences)
        )


# -- Timing --------------------------------------------------------------------


def time_round(app: WSGIApplication, environ: WSGIEnvironment, number: int) -> float:
    """Send ``number`` requests and return the mean nanoseconds per request.

    The loop is inlined rather than calling :func:`_finish` so the harness
    adds as little as possible to both sides; GC is off so a collection
    triggered by one app's garbage is not billed to the other.

    :param app: the WSGI app.
    :param environ: the prebuilt environ; each request gets a copy.
    :param number: how many requests to send.
    """
    start_response = _ignore_start_response
    copy = environ.copy
    gc.disable()
    try:
        start = time.perf_counter_ns()
        for _ in range(number):
            body = app(copy(), start_response)
            for _chunk in body:
                pass
            close = getattr(body, "close", None)
            if close is not None:
                close()
        elapsed = time.perf_counter_ns() - start
    finally:
        gc.enable()
    return elapsed / number


def time_apps(
    apps: dict[str, tuple[WSGIApplication, WSGIEnvironment]],
    rounds: int,
    number: int,
) -> dict[str, list[float]]:
    """Time several apps in interleaved rounds; return each one's round
    means, in nanoseconds per request.

    Which app goes first rotates every round, so none always runs on the
    caches or CPU frequency another left behind.

    :param apps: each app and the environ of its request, by name.
    :param rounds: how many rounds each app runs.
    :param number: how many requests make one round.
    """
    timings: dict[str, list[float]] = {name: [] for name in apps}
    order = list(apps)
    # Warm every app up (first-request setup, lazy imports) off the clock.
    for name in order:
        app, environ = apps[name]
        time_round(app, environ, max(1, number // 10))
    for _ in range(rounds):
        for name in order:
            app, environ = apps[name]
            timings[name].append(time_round(app, environ, number))
        order.append(order.pop(0))
    return timings


def time_scenario(
    scenario: Scenario,
    apps: dict[str, WSGIApplication],
    rounds: int,
    number: int,
) -> Result:
    """Time both apps of a scenario in alternating rounds.

    :param scenario: the scenario to time.
    :param apps: the apps, by :attr:`Kit.name`.
    :param rounds: how many rounds each app runs.
    :param number: how many requests make one round.
    """
    environ = build_environ(scenario.path)
    timings = time_apps(
        {name: (apps[name], environ) for name in (FRAMEWORK.name, FLASK.name)},
        rounds,
        number,
    )
    return Result(scenario.name, timings[FRAMEWORK.name], timings[FLASK.name])


def run_pair(scenario: Scenario, rounds: int, number: int) -> list[Result]:
    """Build the scenario's app with each framework, check that they answer
    alike, and time them.

    :param scenario: the scenario to run.
    :param rounds: how many rounds each app runs.
    :param number: how many requests make one round.
    :raise MismatchError: if the apps answer differently.
    """
    apps = {kit.name: scenario.build(kit) for kit in (FRAMEWORK, FLASK)}
    check_same(scenario, apps)
    return [time_scenario(scenario, apps, rounds, number)]


# -- Reporting -----------------------------------------------------------------


def versions() -> dict[str, str]:
    """The versions the results depend on."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "framework": framework.__version__,
        "flask": importlib.metadata.version("flask"),
        "werkzeug": importlib.metadata.version("werkzeug"),
    }


def format_table(results: Sequence[Result]) -> str:
    """The results as an aligned text table.

    :param results: the timed scenarios, in order.
    """
    header = ("scenario", "framework µs", "Flask µs", "ratio", f"<= {GOAL_RATIO}")
    rows = [
        (
            result.scenario,
            f"{result.framework_us:.2f}",
            f"{result.flask_us:.2f}",
            f"{result.ratio:.3f}",
            "yes" if result.ratio <= GOAL_RATIO else "no",
        )
        for result in results
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = [
        "  ".join(
            # The scenario name reads best left-aligned, numbers right-aligned.
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in (header, *rows)
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def write_json(path: Path, results: Sequence[Result], rounds: int, number: int) -> None:
    """Write the results, with every round's timing, as JSON.

    :param path: the file to write.
    :param results: the timed scenarios.
    :param rounds: the rounds each app ran.
    :param number: the requests per round.
    """
    document = {
        "versions": versions(),
        "rounds": rounds,
        "number": number,
        "goal_ratio": GOAL_RATIO,
        "results": [
            {
                "scenario": result.scenario,
                "framework_us": result.framework_us,
                "flask_us": result.flask_us,
                "ratio": result.ratio,
                "framework_rounds_us": [ns / 1000 for ns in result.framework_ns],
                "flask_rounds_us": [ns / 1000 for ns in result.flask_ns],
            }
            for result in results
        ],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


# -- Command line ----------------------------------------------------------------


def positive_int(text: str) -> int:
    """Parse a command-line integer that must be at least 1.

    :param text: the argument as typed.
    """
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Time framework against Flask on the same apps, in one "
        "process, and print the framework/Flask ratios (lower is better).",
        epilog="scenarios: " + "; ".join(f"{s.name}: {s.summary}" for s in SCENARIOS),
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=20,
        help="rounds per app and scenario; the median round counts (default: 20)",
    )
    parser.add_argument(
        "--number",
        type=positive_int,
        default=1000,
        help="requests per round (default: 1000)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=[s.name for s in SCENARIOS],
        metavar="NAME",
        help="run only this scenario; repeat for several (default: all). "
        "Choices: " + ", ".join(s.name for s in SCENARIOS),
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results, with every round, as JSON to PATH",
    )
    return parser.parse_args(argv)


def selected(names: Sequence[str] | None) -> list[Scenario]:
    """The scenarios to run, in the suite's order, each once.

    :param names: the names given with ``--scenario``; all when ``None``.
    """
    if not names:
        return list(SCENARIOS)
    return [scenario for scenario in SCENARIOS if scenario.name in names]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks and return the process exit status.

    A scenario whose apps disagree is reported and left untimed; the run
    goes on with the others and exits with status 1.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    args = parse_args(argv)
    info = versions()
    print(
        f"{info['implementation']} {info['python']}, framework {info['framework']}, "
        f"Flask {info['flask']}, Werkzeug {info['werkzeug']}; "
        f"{args.rounds} rounds x {args.number} requests, median of round means",
        flush=True,
    )
    results: list[Result] = []
    failed = False
    for scenario in selected(args.scenario):
        run = scenario.run or run_pair
        try:
            results.extend(run(scenario, args.rounds, args.number))
        except MismatchError as error:
            print(f"MISMATCH, not timed: {error}", file=sys.stderr, flush=True)
            failed = True
    print()
    print(format_table(results))
    if args.json is not None:
        write_json(args.json, results, args.rounds, args.number)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
