"""Benchmark ``framework`` against Flask, Falcon and Bottle, request by
request, in one process.

Each scenario is a small app. ``framework``'s and Flask's are written once,
as a function of the framework they are built with (Flask's API is
``framework``'s), so both apps are the same code; Falcon's and Bottle's are
written the way their own docs write them (:mod:`benchmarks.peers`). Before
anything is timed, every app's answer is compared with Flask's: a wrong
answer can be fast. The apps are called as raw WSGI callables, the way a
server calls them, in interleaved rounds; the results that matter are each
app's time over Flask's in the same run, and ``framework``'s over Falcon's,
never the times themselves.

Within a round the apps take turns slice by slice (ABAB..., not AAAA then
BBBB), so each app's round spans the same stretch of the machine's load as
the others'; each round gives one ratio, and a figure is the median of
those per-round ratios, printed with its interquartile range
(:mod:`benchmarks.spread`). ``--instructions`` adds callgrind's counts
(:mod:`benchmarks.wsgi_instructions`) to the goals table, which then judges
each goal by time and by instructions.

Run it from the repository root::

    python -m benchmarks.run
    python -m benchmarks.run --scenario hello --scenario json --rounds 10
    python -m benchmarks.run --check
    python -m benchmarks.run --instructions benchmarks/results/wsgi-instructions.json
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import platform
import statistics
import sys
import time
import typing as t
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import flask

import framework

from .goals import LEGEND, Counts, Goal, Verdict, format_verdicts, judge, read_counts
from .payloads import records
from .peers import flaskapi

# The scenarios' sizes and data, shared with the ASGI benchmarks.
from .shapes import (
    BENCHMARKS_ROOT,
    ECHO_DATA,
    FORM_BODY,
    JSON_RECORD_COUNT,
    ROUTE_COUNT,
    SESSION_DATA,
    SESSION_SECRET,
    TEMPLATE_ITEM_COUNT,
)
from .spread import Spread, round_ratios
from .wsgi_driver import (
    Call,
    Prepared,
    Reply,
    answer_problems,
    build_environ,
    call_once,
    prepare,
    time_apps,
)

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

#: The peer every ratio is taken against.
REFERENCE = "Flask"

#: The slices each round is cut into, the apps taking turns slice by slice:
#: 50 requests each by default, enough for an app's caches to warm up again
#: after a switch.
SLICES = 20

#: The issue's goals, ``(scenario or None for every scenario, peer,
#: against, most)``: the peer's time over the other's is at most ``most``.
GOALS: tuple[Goal, ...] = (
    ("hello", "framework", "Flask", 0.08),
    (None, "framework", "Falcon", 1.3),
    ("json-large-orjson", "framework", "Flask", 0.3),
    ("json-large-msgspec", "framework", "Flask", 0.3),
    ("session-write (redis)", "framework", "Flask", 1.0),
)


@dataclass(frozen=True)
class Kit:
    """What a scenario needs from one framework of Flask's API to build its
    app.

    :param name: the label printed in the results.
    :param app_class: :class:`framework.App` or :class:`flask.Flask`.
    :param g: that framework's ``g`` proxy.
    :param render_template: that framework's ``render_template``.
    :param jsonify: that framework's ``jsonify``.
    :param session: that framework's ``session`` proxy.
    :param request: that framework's ``request`` proxy.
    """

    name: str
    app_class: Callable[..., t.Any]
    g: t.Any
    render_template: Callable[..., str]
    jsonify: Callable[..., t.Any]
    session: t.Any
    request: t.Any


FRAMEWORK = Kit(
    "framework",
    framework.App,
    framework.g,
    framework.render_template,
    framework.jsonify,
    framework.session,
    framework.request,
)
FLASK = Kit(
    "Flask",
    flask.Flask,
    flask.g,
    flask.render_template,
    flask.jsonify,
    flask.session,
    flask.request,
)


@dataclass(frozen=True)
class Peer:
    """A framework whose apps are written in its own way, as a column.

    :param name: its label, and the name ``--peer`` selects it by.
    :param module: the module of :mod:`benchmarks.peers` holding its apps,
        in a map ``WSGI`` of scenario name to app builder.
    :param requires: the package it cannot do without.
    """

    name: str
    module: str
    requires: str

    def builders(self) -> dict[str, Callable[[], WSGIApplication]]:
        """Its app builders by scenario.

        :raise ImportError: the framework is not installed.
        """
        module = importlib.import_module(f"benchmarks.peers.{self.module}")
        return t.cast(dict[str, Callable[[], "WSGIApplication"]], module.WSGI)


#: The peers beside framework and Flask.
OTHER_PEERS: tuple[Peer, ...] = (
    Peer("Falcon", "falcon_wsgi_peer", "falcon"),
    Peer("Bottle", "bottle_peer", "bottle"),
)
#: Every column, in order.
PEER_NAMES: tuple[str, ...] = (
    FRAMEWORK.name,
    FLASK.name,
    *(peer.name for peer in OTHER_PEERS),
)


class Runner(t.Protocol):
    """How a scenario is checked and timed: :func:`run_peers`, or a
    scenario's own way (:func:`run_session_write`)."""

    def __call__(
        self,
        scenario: Scenario,
        rounds: int,
        number: int,
        peers: Sequence[str] = ...,
        *,
        parts: int = ...,
    ) -> list[Result]: ...


@dataclass(frozen=True)
class Scenario:
    """One app to build for each framework, and the request to send it.

    :param name: the name ``--scenario`` selects it by.
    :param summary: what the scenario measures, for ``--help``.
    :param build: builds framework's or Flask's app from a :class:`Kit`.
    :param call: the timed request.
    :param compare: what of a peer's answer must equal Flask's besides the
        status and media type: ``"body"`` byte for byte, ``"json"`` as a
        parsed document (spacing and key order are each framework's own),
        or ``"status"`` alone (a 404 page is each framework's own).
    :param headers: response headers every app must send as Flask does.
    :param run: how to check and time the scenario, when it is not the
        usual one of :func:`run_peers`.
    """

    name: str
    summary: str
    build: Callable[[Kit], WSGIApplication]
    call: Call = field(default_factory=Call)
    compare: str = "body"
    headers: tuple[str, ...] = ()
    run: Runner | None = None

    @property
    def path(self) -> str:
        """The requested URL path."""
        return self.call.path


@dataclass
class Result:
    """The timings of one scenario, in nanoseconds per request per round,
    by peer name."""

    scenario: str
    timings: dict[str, list[float]] = field(default_factory=dict)

    def median_us(self, peer: str) -> float | None:
        """The peer's median time per request in µs; ``None`` if not timed."""
        rounds = self.timings.get(peer)
        return statistics.median(rounds) / 1000 if rounds else None

    def spread(self, peer: str, against: str = REFERENCE) -> Spread | None:
        """The peer's time over ``against``'s, round by round: their median
        and spread; ``None`` if either was not timed.

        The two ran slice by slice within each round, so a round's ratio
        compares them under the same load.
        """
        ours, theirs = self.timings.get(peer), self.timings.get(against)
        if not ours or not theirs:
            return None
        return Spread.of(round_ratios(ours, theirs))

    def ratio(self, peer: str, against: str = REFERENCE) -> float | None:
        """The median of the peer's per-round time over ``against``'s;
        ``None`` if either is missing."""
        spread = self.spread(peer, against)
        return None if spread is None else spread.median


class MismatchError(AssertionError):
    """Two apps of a scenario answered the same request differently."""


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
    # Named once, as Falcon's and Bottle's hooks name theirs.
    name = f"X-After-{number}"

    def hook(response: t.Any) -> t.Any:
        response.headers[name] = "1"
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


def build_form(kit: Kit) -> WSGIApplication:
    """An app whose ``POST /`` reads two fields of an urlencoded form.

    :param kit: the framework to build it with.
    """
    return t.cast("WSGIApplication", flaskapi.build_form(kit.app_class, kit.request))


def build_json_echo(kit: Kit) -> WSGIApplication:
    """An app whose ``POST /`` answers with the JSON document it was sent.

    :param kit: the framework to build it with.
    """
    return t.cast(
        "WSGIApplication", flaskapi.build_json_echo(kit.app_class, kit.request)
    )


def build_json_large_msgspec(kit: Kit) -> WSGIApplication:
    """:func:`build_json_large_fast` with the msgspec provider,
    :class:`~framework.json.msgspec.MsgspecProvider`; Flask keeps its
    default provider, the reference.

    :param kit: the framework to build it with.
    """
    if kit is not FRAMEWORK:
        return build_json_large(kit)
    # Imported here: the other scenarios run without msgspec.
    from framework.json.msgspec import MsgspecProvider

    app = framework.App(__name__, json=MsgspecProvider())
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
    reply = call_once(app, build_environ(Call(path="/login")))
    for name, value in reply.headers:
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.partition(";")[0]
    raise MismatchError(f"/login set no session cookie: {reply}")


def check_session_replies(
    scenario: Scenario,
    apps: dict[str, Prepared],
    stored: Callable[[str, Reply], dict[str, t.Any]],
) -> None:
    """Raise :class:`MismatchError` unless every app answers the timed
    request alike and saved the same session.

    Status and body must be equal, and so must the header names; the
    session cookie itself differs (a signed id, or signed data with a time
    stamp), so what each app saved is read back and compared instead.

    :param scenario: the session scenario.
    :param apps: each app and its request, by name.
    :param stored: reads back the session an app saved, from its reply.
    """
    expected = {**SESSION_DATA, "last_page": "/"}
    replies = {name: call_once(*prepared) for name, prepared in apps.items()}
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
            f"scenario {scenario.name!r} ({scenario.call}):\n" + "\n".join(problems)
        )


#: The column of framework's Redis sessions in the session scenario.
REDIS_NAME = "framework+redis"


def run_session_write(
    scenario: Scenario,
    rounds: int,
    number: int,
    peers: Sequence[str] = (),
    *,
    parts: int = SLICES,
) -> list[Result]:
    """Time a session write with framework's cookie sessions, framework's
    Redis sessions and Flask's cookie sessions, and compare both framework
    variants with Flask. Falcon and Bottle have no sessions.

    A throwaway ``redis-server`` is started on 127.0.0.1 (the test suite's
    helper, ``tests/redis_server.py``) and stopped afterwards. Each app's
    client logs in first, so every timed request reads an existing session
    and writes it back.

    :param scenario: the session scenario.
    :param rounds: how many rounds each app runs; 0 only checks the apps.
    :param number: how many requests make one round.
    :param peers: unused: only framework and Flask have sessions.
    :param parts: the slices of each round the apps take turns in.
    :return: two results, ``(cookie)`` and ``(redis)``, each with the
        framework variant under ``framework``.
    :raise MismatchError: if the apps answer differently.
    """
    # Imported here: the other scenarios need neither redis nor the server.
    from framework_redis import RedisSessionInterface, RedisSessions

    from framework.sessions import SecureCookieSessionInterface
    from tests.redis_server import RedisServer

    with RedisServer() as server:
        redis_app = t.cast("framework.App", scenario.build(FRAMEWORK))
        # The client the extension builds from the config, as an app gets it
        # by default (its timeouts and retry policy included).
        redis_app.config["SESSION_REDIS_URL"] = server.url
        client = RedisSessions().init_app(redis_app).get_redis(redis_app)
        built = {
            FRAMEWORK.name: scenario.build(FRAMEWORK),
            REDIS_NAME: t.cast("WSGIApplication", redis_app),
            FLASK.name: scenario.build(FLASK),
        }
        apps = {
            name: (
                app,
                build_environ(scenario.call, {"Cookie": session_cookie(app)}),
                b"",
            )
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
            if name != REDIS_NAME:
                # Flask's cookie format is framework's: one serializer reads both.
                return t.cast(dict[str, t.Any], signing.loads(cookie))
            sid = id_signer.unsign(cookie).decode()
            raw = client.get(interface.session_key(sid))
            assert isinstance(raw, bytes)
            return t.cast(dict[str, t.Any], interface.serializer.loads(raw.decode()))

        try:
            check_session_replies(scenario, apps, stored)
            timings = time_apps(apps, rounds, number, parts) if rounds else {}
        finally:
            client.close()
    if not timings:
        return []
    flask_rounds = timings[FLASK.name]
    return [
        Result(
            f"{scenario.name} (cookie)",
            {FRAMEWORK.name: timings[FRAMEWORK.name], FLASK.name: flask_rounds},
        ),
        Result(
            f"{scenario.name} (redis)",
            {FRAMEWORK.name: timings[REDIS_NAME], FLASK.name: list(flask_rounds)},
        ),
    ]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("hello", "a view returning a plain string", build_hello),
    Scenario(
        "json", "a view returning a dict, sent as JSON", build_json, compare="json"
    ),
    Scenario(
        "routing",
        f"matching one of {ROUTE_COUNT} rules with an int converter",
        build_routing,
        Call(path=f"/r{ROUTE_COUNT // 2}/12345"),
    ),
    Scenario(
        "template",
        f"rendering a template file looping over {TEMPLATE_ITEM_COUNT} "
        "autoescaped items",
        build_template,
    ),
    Scenario(
        "form",
        "two fields of a POSTed urlencoded form",
        build_form,
        Call("POST", "/", FORM_BODY, "application/x-www-form-urlencoded"),
    ),
    Scenario(
        "json-echo",
        "a POSTed JSON document parsed and sent back",
        build_json_echo,
        Call("POST", "/", json.dumps(ECHO_DATA).encode(), "application/json"),
        compare="json",
    ),
    Scenario(
        "404",
        "a URL that matches none of a few rules",
        build_not_found,
        Call(path="/nope"),
        compare="status",
    ),
    Scenario(
        "hooks",
        "3 before_request and 3 after_request hooks",
        build_hooks,
        headers=("X-After-0", "X-After-1", "X-After-2"),
    ),
    Scenario(
        "json-large",
        f"a list of {JSON_RECORD_COUNT} dicts of 8 mixed-type keys sent as JSON",
        build_json_large,
        compare="json",
    ),
    Scenario(
        "json-large-orjson",
        "json-large with framework's fast provider (OrjsonProvider); the"
        " others with their default",
        build_json_large_fast,
        compare="json",
    ),
    Scenario(
        "json-large-msgspec",
        "json-large with framework's msgspec provider (MsgspecProvider); the"
        " others with their default",
        build_json_large_msgspec,
        compare="json",
    ),
    Scenario(
        "session-write",
        "a view writing to an existing session: framework with cookie sessions"
        " and with Redis sessions (a local redis-server), each against Flask's"
        " cookie sessions",
        build_session_write,
        run=run_session_write,
    ),
)
SCENARIO_NAMES = {scenario.name: scenario for scenario in SCENARIOS}


# -- Calling an app like a WSGI server ----------------------------------------


def check_same(scenario: Scenario, ours: Reply, theirs: Reply) -> None:
    """Raise :class:`MismatchError` unless framework's reply is Flask's,
    status, headers and body alike: the two apps are the same code.

    :param scenario: the scenario the apps were built for.
    :param ours: framework's reply.
    :param theirs: Flask's reply.
    """
    differences = [
        f"  {part}: framework={getattr(ours, part)!r}\n"
        f"  {' ' * len(part)}  Flask    ={getattr(theirs, part)!r}"
        for part in ("status", "headers", "body")
        if getattr(ours, part) != getattr(theirs, part)
    ]
    if differences:
        raise MismatchError(
            f"scenario {scenario.name!r} ({scenario.call}):\n" + "\n".join(differences)
        )


# -- Timing --------------------------------------------------------------------


def peer_builders(
    names: Sequence[str],
) -> tuple[dict[str, dict[str, Callable[[], WSGIApplication]]], list[str]]:
    """The app builders of the other peers among ``names``, by peer and
    scenario, and a line for each that is not installed.

    :param names: the peers wanted.
    """
    builders: dict[str, dict[str, Callable[[], WSGIApplication]]] = {}
    missing: list[str] = []
    for peer in OTHER_PEERS:
        if peer.name not in names:
            continue
        try:
            builders[peer.name] = peer.builders()
        except ImportError as error:
            missing.append(
                f"{peer.name}: not installed ({error}); pip install -e '.[bench]'"
            )
    return builders, missing


def run_peers(
    scenario: Scenario,
    rounds: int,
    number: int,
    peers: Sequence[str] = PEER_NAMES,
    *,
    parts: int = SLICES,
) -> list[Result]:
    """Build the scenario's app with each framework, check that each answers
    as Flask does, and time them.

    :param scenario: the scenario to run.
    :param rounds: how many rounds each app runs; 0 only checks the apps.
    :param number: how many requests make one round.
    :param peers: the peers to time besides Flask (framework always runs).
    :param parts: the slices of each round the apps take turns in.
    :raise MismatchError: if an app answers differently from Flask.
    """
    apps = {
        kit.name: prepare(scenario.build(kit), scenario.call)
        for kit in (FRAMEWORK, FLASK)
    }
    flask_reply = call_once(*apps[FLASK.name])
    check_same(scenario, call_once(*apps[FRAMEWORK.name]), flask_reply)
    builders, missing = peer_builders(peers)
    if missing:
        raise ImportError("; ".join(missing))
    problems: list[str] = []
    for name, by_scenario in builders.items():
        build = by_scenario.get(scenario.name)
        if build is None:
            continue
        prepared = prepare(build(), scenario.call)
        wrong = answer_problems(
            call_once(*prepared), flask_reply, scenario.compare, scenario.headers
        )
        if wrong:
            problems.append(f"  {name}: " + "; ".join(wrong))
        apps[name] = prepared
    if problems:
        raise MismatchError(
            f"scenario {scenario.name!r} ({scenario.call}):\n" + "\n".join(problems)
        )
    if not rounds:
        return []
    return [Result(scenario.name, time_apps(apps, rounds, number, parts))]


# -- Reporting -----------------------------------------------------------------


def versions() -> dict[str, str]:
    """The versions the results depend on."""
    found = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "framework": framework.__version__,
    }
    for name in ("flask", "werkzeug", "falcon", "bottle", "jinja2"):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def align_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as an aligned text table, the first row the heading; the first
    column left-aligned, the others (numbers) right-aligned."""
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


def _ratio_cell(spread: Spread | None) -> str:
    return "-" if spread is None else spread.cell()


def format_table(results: Sequence[Result], peers: Sequence[str] = PEER_NAMES) -> str:
    """Each scenario's Flask time, every other peer's time over Flask's, and
    framework's over Falcon's: the median of per-round ratios, with their
    interquartile range in brackets.

    :param results: the timed scenarios, in order.
    :param peers: the columns.
    """
    others = [name for name in peers if name != REFERENCE]
    header = ("scenario", "Flask µs", *others, "framework/Falcon")
    rows: list[tuple[str, ...]] = [header]
    for result in results:
        reference = result.median_us(REFERENCE)
        rows.append(
            (
                result.scenario,
                "-" if reference is None else f"{reference:.2f}",
                *(_ratio_cell(result.spread(name)) for name in others),
                _ratio_cell(result.spread(FRAMEWORK.name, "Falcon")),
            )
        )
    return align_table(rows)


def goal_rows(results: Sequence[Result], counts: Counts | None = None) -> list[Verdict]:
    """The issue's goals the run can judge, by time and, where ``counts``
    has them, by instructions.

    :param results: the timed scenarios (none: judge by instructions alone).
    :param counts: instructions per request by row and peer
        (:mod:`benchmarks.wsgi_instructions`), if counted.
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
    return format_verdicts(goal_rows(results, counts), align_table)


def to_json(
    results: Sequence[Result],
    rounds: int,
    number: int,
    parts: int = SLICES,
    counts: Counts | None = None,
) -> dict[str, t.Any]:
    """The results, with every round's timing, as a JSON document.

    :param results: the timed scenarios.
    :param rounds: the rounds each app ran.
    :param number: the requests per round.
    :param parts: the slices each round was cut into.
    :param counts: instructions per request by row and peer, if counted.
    """

    def spread_json(result: Result, peer: str, against: str) -> t.Any:
        spread = result.spread(peer, against)
        return None if spread is None else spread.as_json()

    return {
        "versions": versions(),
        "rounds": rounds,
        "number": number,
        "slices": parts,
        "reference": REFERENCE,
        "results": [
            {
                "scenario": result.scenario,
                "median_us": {name: result.median_us(name) for name in result.timings},
                "ratio": {name: result.ratio(name) for name in result.timings},
                "ratio_spread": {
                    name: spread_json(result, name, REFERENCE)
                    for name in result.timings
                },
                "framework_over": {
                    name: spread_json(result, FRAMEWORK.name, name)
                    for name in result.timings
                    if name != FRAMEWORK.name
                },
                "framework_over_falcon": result.ratio(FRAMEWORK.name, "Falcon"),
                "framework_over_falcon_spread": spread_json(
                    result, FRAMEWORK.name, "Falcon"
                ),
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
        description="Time framework against Flask, Falcon and Bottle on the "
        "same apps, in one process, and print each app's time over Flask's "
        "and framework's over Falcon's (lower is better).",
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
        help="instructions per request, as python -m benchmarks.wsgi_instructions"
        " --json wrote them: the goals table judges each goal by them too",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIO_NAMES),
        metavar="NAME",
        help="run only this scenario; repeat for several (default: all). "
        "Choices: " + ", ".join(SCENARIO_NAMES),
    )
    parser.add_argument(
        "--peer",
        action="append",
        choices=[peer.name for peer in OTHER_PEERS],
        metavar="NAME",
        help="time only this peer besides framework and Flask; repeat for "
        "several (default: all). Choices: "
        + ", ".join(peer.name for peer in OTHER_PEERS),
    )
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the results, with every round, as JSON to PATH",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only check that every app answers every scenario as Flask does;"
        " no timing",
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
    counts = None if args.instructions is None else read_counts(args.instructions)
    peers = (FRAMEWORK.name, FLASK.name, *(args.peer or PEER_NAMES[2:]))
    info = versions()
    print(
        f"{info['implementation']} {info['python']}; "
        + ", ".join(f"{name} {info[name]}" for name in list(info)[2:])
        + f"; {args.rounds} rounds x {args.number} requests in {args.slices}"
        " interleaved slices; median of per-round ratios [interquartile range]",
        flush=True,
    )
    rounds = 0 if args.check else args.rounds
    results: list[Result] = []
    failed = False
    for scenario in selected(args.scenario):
        run = scenario.run or run_peers
        started = time.monotonic()
        try:
            results.extend(run(scenario, rounds, args.number, peers, parts=args.slices))
        except (MismatchError, ImportError) as error:
            print(f"MISMATCH, not timed: {error}", file=sys.stderr, flush=True)
            failed = True
            continue
        if args.check:
            print(f"ok {scenario.name}", flush=True)
        else:
            print(f"  {scenario.name}: {time.monotonic() - started:.1f} s", flush=True)
    if args.check:
        return 1 if failed else 0
    print()
    print("time / Flask's time, in the same run (lower is better)")
    print(format_table(results, peers))
    print()
    print(format_goals(results, counts))
    print(LEGEND)
    if args.json is not None:
        document = to_json(results, args.rounds, args.number, args.slices, counts)
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
