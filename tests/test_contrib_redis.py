"""framework_redis: server-side sessions against a real ``redis-server``
(started on 127.0.0.1 on a free port for this module, see
``tests/redis_server.py``), through the test client and through gunicorn
with two workers."""

from __future__ import annotations

import contextlib
import gc
import http.cookiejar
import json
import logging
import pathlib
import subprocess
import sys
import textwrap
import threading
import time
import typing as t
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from framework_redis import (
    DEFAULTS,
    RedisSession,
    RedisSessionInterface,
    RedisSessions,
    SessionUnavailable,
    UnavailableSession,
    create_client,
    new_session_id,
    regenerate_session,
)
from itsdangerous import Signer, TimestampSigner
from itsdangerous.encoding import base64_decode
from markupsafe import Markup
from processes import free_port
from redis_server import RedisServer
from servers import ServerProcess, server_environment
from werkzeug.test import TestResponse

from framework import App, Response, send_file, session
from framework.json.tag import TaggedJSONSerializer
from framework.testing import AppClient

#: Every test runs through both the WSGI and the ASGI transport.
pytestmark = pytest.mark.usefixtures("transport")

SECRET = "redis-tests-secret-key"
LIFETIME = timedelta(minutes=10)
LIFETIME_S = int(LIFETIME.total_seconds())


# -- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_url() -> t.Iterator[str]:
    """A real redis-server for this module, stopped afterwards."""
    with RedisServer() as server:
        yield server.url


@pytest.fixture
def store(redis_url: str) -> t.Iterator[redis.Redis]:
    """A client of the module's server, emptied before each test."""
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    client.config_resetstat()
    try:
        yield client
    finally:
        client.close()


#: The Redis clients the apps of the current test made; closed after it, so
#: that no socket is left for the garbage collector to warn about.
_CLIENTS: list[redis.Redis] = []


def track(app: App) -> App:
    """Close ``app``'s Redis client after the test."""
    client = app.extensions["redis_sessions"].redis_client
    if client is not None:
        _CLIENTS.append(client)
    return app


@pytest.fixture(autouse=True)
def close_clients() -> t.Iterator[None]:
    yield
    while _CLIENTS:
        _CLIENTS.pop().close()


@pytest.fixture
def private_server() -> t.Iterator[RedisServer]:
    """A redis-server of the test's own, for tests that stop or freeze it."""
    with RedisServer() as server:
        yield server


def make_app(url: str, **config: t.Any) -> App:
    app = App(__name__)
    app.testing = True
    app.secret_key = SECRET
    app.config["PERMANENT_SESSION_LIFETIME"] = LIFETIME
    app.config["SESSION_REDIS_URL"] = url
    app.config.update(config)
    RedisSessions(app)

    @app.post("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "set"

    @app.get("/get/<key>")
    def get_value(key: str) -> str:
        return str(session.get(key, ""))

    @app.post("/incr")
    def incr() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.post("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["user"] = "ann"
        return "permanent"

    @app.post("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.post("/login")
    def login() -> str:
        regenerate_session()
        session["user"] = "ann"
        return "welcome"

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    return track(app)


@pytest.fixture
def app(store: redis.Redis, redis_url: str) -> App:
    return make_app(redis_url)


@pytest.fixture
def client(app: App) -> AppClient:
    return app.test_client()


def cookie_value(client: AppClient, name: str = "session") -> str:
    cookie = client.get_cookie(name)
    assert cookie is not None, "no session cookie"
    return cookie.value


def sid_of(value: str) -> str:
    """The session id in a signed cookie value ``id.timestamp.signature``."""
    return value.partition(".")[0]


class Backdated(TimestampSigner):
    """Signs as if it were ``age`` seconds ago: the cookie a browser keeps
    from an earlier response."""

    def __init__(self, signer: TimestampSigner, age: float) -> None:
        super().__init__(
            signer.secret_keys[-1],
            salt=signer.salt,
            key_derivation=signer.key_derivation,
            digest_method=signer.digest_method,
        )
        self.age = age

    def get_timestamp(self) -> int:
        return int(time.time() - self.age)


def signed(app: App, sid: str, age: float = 0) -> str:
    """The cookie value for ``sid``, signed ``age`` seconds ago."""
    interface = app.session_interface
    assert isinstance(interface, RedisSessionInterface)
    signer = interface.get_signer(app)
    assert signer is not None
    return Backdated(signer, age).sign(sid).decode()


def calls(store: redis.Redis, command: str) -> int:
    """How many times the server ran ``command`` since the stats reset."""
    stats = store.info("commandstats")
    return int(stats.get(f"cmdstat_{command}", {}).get("calls", 0))


def commands(store: redis.Redis) -> dict[str, int]:
    """Every command the server ran since the stats reset, with how many
    times, but the reset itself and the tests' own ``INFO`` (see
    :func:`round_trips`)."""
    stats = store.info("commandstats")
    return {
        name.removeprefix("cmdstat_"): int(value["calls"])
        for name, value in stats.items()
        if name not in ("cmdstat_config|resetstat", "cmdstat_info")
    }


def session_keys(store: redis.Redis) -> set[str]:
    """The keys of sessions in Redis, not those that remember a moved id."""
    return {key.decode() for key in store.scan_iter() if not key.endswith(b":moved")}


def signed_at(value: str) -> float:
    """When the cookie value was signed (a Unix time)."""
    _, _, rest = value.partition(".")
    return float(int.from_bytes(base64_decode(rest.partition(".")[0]), "big"))


def messages(caplog: pytest.LogCaptureFixture, app: App, level: int) -> list[str]:
    """The messages ``app.logger`` logged at ``level``."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == app.logger.name and r.levelno == level
    ]


class Gate:
    """Where a view, in a request sent from another thread, waits until the
    test opens the gate."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def wait(self) -> None:
        """Called by the view: tell the test it is here, then wait."""
        self.reached.set()
        if not self.opened.wait(10):
            raise RuntimeError("the test never opened the gate")


@contextlib.contextmanager
def held_request(
    client: AppClient, gate: Gate, method: str, path: str
) -> t.Iterator[list[TestResponse]]:
    """Send a request from another thread and enter the block once its view
    waits at ``gate``: the requests of the block overlap it. Leaving the
    block opens the gate and waits for the response, which is then the
    yielded list's one item."""
    responses: list[TestResponse] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            responses.append(client.open(path, method=method))
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=send)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not gate.reached.wait(0.01):
            assert thread.is_alive(), f"the request ended first: {errors or responses}"
            assert time.monotonic() < deadline, "the view never reached the gate"
        yield responses
    finally:
        gate.opened.set()
        thread.join(10)
    assert not thread.is_alive(), "the held request never finished"
    assert not errors, errors


def error_lines(caplog: pytest.LogCaptureFixture, app: App) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == app.logger.name and r.levelno >= logging.ERROR
    ]


# -- setting it up ----------------------------------------------------------------


def test_extension_registered(app: App) -> None:
    interface = app.extensions["redis_sessions"]
    assert isinstance(interface, RedisSessionInterface)
    assert app.session_interface is interface
    assert isinstance(interface.redis_client, redis.Redis)
    assert interface.key_prefix == "session:"
    assert app.config["SESSION_REDIS_KEY_PREFIX"] == "session:"
    assert app.config["SESSION_REDIS_TIMEOUT"] == 1.0
    assert DEFAULTS["SESSION_REDIS_URL"] == "redis://127.0.0.1:6379/0"


def test_init_app_factory(store: redis.Redis, redis_url: str) -> None:
    sessions = RedisSessions()
    app = App(__name__)
    app.secret_key = SECRET
    app.config.update(SESSION_REDIS_URL=redis_url, SESSION_REDIS_KEY_PREFIX="shop:")
    interface = sessions.init_app(app)
    track(app)
    app.add_url_rule("/", "index", lambda: session.setdefault("a", "1"))

    client = app.test_client()
    assert client.get("/").text == "1"
    assert app.extensions["redis_sessions"] is interface
    (key,) = store.scan_iter()
    assert key.decode() == "shop:" + sid_of(cookie_value(client))


def test_given_client_is_used(store: redis.Redis, redis_url: str) -> None:
    own = redis.Redis.from_url(redis_url)
    _CLIENTS.append(own)
    app = App(__name__)
    app.secret_key = SECRET
    # The URL is wrong on purpose: the given client wins.
    app.config["SESSION_REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    RedisSessions(app, redis_client=own)
    app.add_url_rule("/", "index", lambda: session.setdefault("a", "1"))

    assert app.test_client().get("/").status_code == 200
    assert app.extensions["redis_sessions"].redis_client is own
    assert store.dbsize() == 1


def test_interface_alone_builds_client_from_config(
    store: redis.Redis, redis_url: str
) -> None:
    app = App(__name__)
    app.secret_key = SECRET
    app.config["SESSION_REDIS_URL"] = redis_url
    interface = RedisSessionInterface(key_prefix="alone:")
    app.session_interface = interface
    app.add_url_rule("/", "index", lambda: session.setdefault("a", "1"))

    assert interface.redis_client is None
    client = app.test_client()
    assert client.get("/").text == "1"
    assert interface.redis_client is not None
    _CLIENTS.append(interface.redis_client)
    assert store.exists("alone:" + sid_of(cookie_value(client)))


def test_create_client_options(redis_url: str) -> None:
    client = create_client(
        {"SESSION_REDIS_URL": redis_url, "SESSION_REDIS_TIMEOUT": 0.3}
    )
    _CLIENTS.append(client)
    kwargs = client.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == 0.3
    assert kwargs["socket_connect_timeout"] == 0.3
    assert client.get_retry().get_retries() == 1
    assert kwargs["port"] == int(redis_url.rsplit(":", 1)[1].split("/")[0])
    assert client.ping() is True


# -- round trips and what is stored -------------------------------------------------


def test_round_trip(client: AppClient) -> None:
    assert client.post("/set/user/ann").text == "set"
    assert client.get("/get/user").text == "ann"
    assert client.post("/incr").text == "1"
    assert client.post("/incr").text == "2"
    assert client.get("/get/user").text == "ann"


def test_cookie_holds_only_the_signed_id(client: AppClient, store: redis.Redis) -> None:
    secret_value = "the-data-never-goes-in-the-cookie"
    client.post(f"/set/note/{secret_value}")
    value = cookie_value(client)
    sid, stamp, signature = value.split(".")
    assert secret_value not in value
    assert len(sid) == 43 and stamp and signature
    assert abs(signed_at(value) - time.time()) < 5
    assert store.keys() == [f"session:{sid}".encode()]
    stored = store.get(f"session:{sid}")
    assert stored is not None and secret_value.encode() in stored


def test_types_round_trip(store: redis.Redis, redis_url: str) -> None:
    app = make_app(redis_url)
    now = datetime(2024, 5, 17, 12, 30, tzinfo=UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    values = {
        "tuple": (1, "two"),
        "bytes": b"\x00\xff",
        "markup": Markup("<b>hi</b>"),
        "uuid": ident,
        "when": now,
        "nested": {"list": [1, 2.5, None, True]},
    }

    @app.post("/types")
    def write_types() -> str:
        session.update(values)
        return "ok"

    @app.get("/types")
    def read_types() -> str:
        assert {key: session[key] for key in values} == values
        assert type(session["markup"]) is Markup
        return "same"

    client = app.test_client()
    client.post("/types")
    assert client.get("/types").text == "same"


def test_new_empty_session_writes_nothing(
    client: AppClient, store: redis.Redis
) -> None:
    response = client.get("/get/user")
    assert response.text == ""
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"
    assert store.dbsize() == 0
    assert calls(store, "set") == 0


def test_untouched_session_costs_nothing(client: AppClient, store: redis.Redis) -> None:
    response = client.get("/plain")
    assert "Set-Cookie" not in response.headers
    assert "Vary" not in response.headers
    assert calls(store, "get") == calls(store, "getex") == 0


def test_only_changed_sessions_are_written(
    client: AppClient, store: redis.Redis
) -> None:
    client.post("/set/user/ann")
    assert calls(store, "set") == 1
    response = client.get("/get/user")
    assert response.text == "ann"
    assert calls(store, "set") == 1
    # A browser session that was only read needs no new cookie either.
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"
    client.post("/set/user/bob")
    assert calls(store, "set") == 2


def test_session_transaction(client: AppClient, store: redis.Redis) -> None:
    with client.session_transaction() as sess:
        sess["user"] = "ann"
    assert client.get("/get/user").text == "ann"
    with client.session_transaction() as sess:
        assert isinstance(sess, RedisSession)
        assert sess["user"] == "ann"
    assert store.dbsize() == 1


def test_sid_visible_in_view(app: App, client: AppClient) -> None:
    @app.post("/sid")
    def sid() -> str:
        session["x"] = 1
        assert isinstance(session, RedisSession)
        return session.sid

    assert client.post("/sid").text == sid_of(cookie_value(client))


# -- expiry and refresh ----------------------------------------------------------------


def test_ttl_is_the_lifetime(client: AppClient, store: redis.Redis) -> None:
    client.post("/set/user/ann")
    key = "session:" + sid_of(cookie_value(client))
    assert LIFETIME_S - 5 <= store.ttl(key) <= LIFETIME_S


def test_browser_session_cookie_has_no_expiry(client: AppClient) -> None:
    response = client.post("/set/user/ann")
    header = response.headers["Set-Cookie"]
    assert "Expires" not in header and "Max-Age" not in header


def test_permanent_session_cookie_expires_with_lifetime(
    client: AppClient, store: redis.Redis
) -> None:
    response = client.post("/permanent")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    remaining = cookie.expires - datetime.now(UTC)
    assert LIFETIME - timedelta(seconds=5) <= remaining <= LIFETIME
    assert "Expires=" in response.headers["Set-Cookie"]
    key = "session:" + sid_of(cookie.value)
    assert LIFETIME_S - 5 <= store.ttl(key) <= LIFETIME_S


# -- round trips and work per request -----------------------------------------


def reads(store: redis.Redis) -> int:
    """How many reads from its clients' sockets the server has processed:
    one per round trip of small commands, a pipeline's commands included,
    and one for this very ``INFO``."""
    return int(store.info("stats")["total_reads_processed"])


@contextlib.contextmanager
def round_trips(store: redis.Redis) -> t.Iterator[list[int]]:
    """Count the round trips to the server of the block's requests: the
    list it gives holds the count once the block is done."""
    counted: list[int] = []
    before = reads(store)
    yield counted
    counted.append(reads(store) - before - 1)


class CountingSerializer(TaggedJSONSerializer):
    """The sessions' serializer, counting its calls."""

    def __init__(self) -> None:
        super().__init__()
        self.dumped = 0
        self.loaded = 0

    def dumps(self, value: t.Any) -> str:
        self.dumped += 1
        return super().dumps(value)

    def loads(self, value: str | bytes) -> t.Any:
        self.loaded += 1
        return super().loads(value)


def test_a_session_read_costs_one_round_trip_and_no_serialization(
    app: App, client: AppClient, store: redis.Redis
) -> None:
    serializer = app.extensions["redis_sessions"].serializer = CountingSerializer()
    client.post("/set/user/ann")
    store.config_resetstat()
    with round_trips(store) as counted:
        response = client.get("/get/user")
    assert response.text == "ann"
    assert counted == [1]
    assert commands(store) == {"getex": 1}
    # Read once; an unchanged session is never written back, nor serialized.
    assert (serializer.loaded, serializer.dumped) == (1, 1)


def test_a_session_write_costs_one_round_trip_to_open_and_one_to_save(
    client: AppClient, store: redis.Redis
) -> None:
    client.post("/incr")
    store.config_resetstat()
    with round_trips(store) as counted:
        assert client.post("/incr").text == "2"
    assert counted == [2]
    assert commands(store) == {"getex": 1, "set": 1}


def test_a_write_of_what_the_session_holds_is_not_saved(
    client: AppClient, store: redis.Redis
) -> None:
    client.post("/set/user/ann")
    key = "session:" + sid_of(cookie_value(client))
    stored = store.get(key)
    store.expire(key, 50)
    store.config_resetstat()
    with round_trips(store) as counted:
        response = client.post("/set/user/ann")
    # Marked modified, but it serializes to what Redis holds: the read
    # renewed its time to live, and there is nothing to write or send.
    assert counted == [1]
    assert commands(store) == {"getex": 1}
    assert "Set-Cookie" not in response.headers
    assert store.get(key) == stored
    assert store.ttl(key) > LIFETIME_S - 5
    # A different value is written, as always.
    store.config_resetstat()
    assert "Set-Cookie" in client.post("/set/user/bob").headers
    assert commands(store) == {"getex": 1, "set": 1}
    assert client.get("/get/user").text == "bob"


def test_a_write_of_what_the_session_holds_renews_it_without_refresh_on_read(
    store: redis.Redis, redis_url: str
) -> None:
    # Without SESSION_REFRESH_EACH_REQUEST the read renews nothing, so a
    # changed session is written, as the cookie session sends its cookie.
    app = make_app(redis_url, SESSION_REFRESH_EACH_REQUEST=False)
    client = app.test_client()
    client.post("/set/user/ann")
    key = "session:" + sid_of(cookie_value(client))
    store.expire(key, 50)
    store.config_resetstat()
    response = client.post("/set/user/ann")
    assert commands(store) == {"get": 1, "set": 1}
    assert "Set-Cookie" in response.headers
    assert store.ttl(key) > LIFETIME_S - 5


def test_a_write_of_what_a_permanent_session_holds_refreshes_an_old_cookie(
    app: App, client: AppClient, store: redis.Redis
) -> None:
    client.post("/permanent")
    sid = sid_of(cookie_value(client))
    client.set_cookie("session", signed(app, sid, age=61))
    store.config_resetstat()
    with round_trips(store) as counted:
        response = client.post("/permanent")
    assert counted == [2]
    assert commands(store) == {"getex": 1, "expire": 1}
    assert "Expires=" in response.headers["Set-Cookie"]
    assert sid_of(cookie_value(client)) == sid
    assert abs(signed_at(cookie_value(client)) - time.time()) < 5


def test_a_new_session_for_a_stale_cookie_is_saved_in_one_round_trip(
    client: AppClient, store: redis.Redis
) -> None:
    client.post("/set/user/ann")
    old = sid_of(cookie_value(client))
    store.delete("session:" + old)  # expired
    store.config_resetstat()
    with round_trips(store) as counted:
        response = client.post("/set/user/eve")
    # The read finds nothing; the write asks whether the old id was moved
    # by a log in in the same round trip.
    assert counted == [2]
    assert commands(store) == {"getex": 1, "exists": 1, "set": 1}
    new = sid_of(cookie_value(client))
    assert new != old and "Set-Cookie" in response.headers
    assert session_keys(store) == {f"session:{new}"}
    assert client.get("/get/user").text == "eve"


def test_the_cookie_refresh_interval_is_read_once(
    store: redis.Redis, redis_url: str
) -> None:
    app = make_app(redis_url, SESSION_REDIS_COOKIE_REFRESH_INTERVAL=60)
    client = app.test_client()
    client.post("/permanent")
    sid = sid_of(cookie_value(client))
    # The first request that needs the interval reads it...
    assert "Set-Cookie" not in client.get("/get/user").headers
    # ...and later changes to the config are not read per request.
    app.config["SESSION_REDIS_COOKIE_REFRESH_INTERVAL"] = 0
    client.set_cookie("session", signed(app, sid, age=10))
    assert "Set-Cookie" not in client.get("/get/user").headers
    client.set_cookie("session", signed(app, sid, age=61))
    assert "Set-Cookie" in client.get("/get/user").headers


def test_refresh_of_a_young_cookie_sends_nothing_and_costs_no_command(
    client: AppClient, store: redis.Redis
) -> None:
    client.post("/permanent")
    key = "session:" + sid_of(cookie_value(client))
    store.expire(key, 50)
    store.config_resetstat()
    response = client.get("/get/user")
    assert response.text == "ann"
    # The read renewed the time to live; the cookie, just sent, is not sent
    # again, and nothing runs in Redis but the read.
    assert "Set-Cookie" not in response.headers
    assert response.headers["Vary"] == "Cookie"
    assert commands(store) == {"getex": 1}
    assert store.ttl(key) > LIFETIME_S - 5


def test_refresh_of_an_old_cookie_sends_it_with_a_new_expiry_after_one_expire(
    app: App, client: AppClient, store: redis.Redis
) -> None:
    client.post("/permanent")
    sid = sid_of(cookie_value(client))
    client.set_cookie("session", signed(app, sid, age=61))
    store.config_resetstat()
    response = client.get("/get/user")
    assert response.text == "ann"
    assert commands(store) == {"getex": 1, "expire": 1}
    assert "Expires=" in response.headers["Set-Cookie"]
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.expires is not None
    assert sid_of(cookie.value) == sid
    assert abs(signed_at(cookie.value) - time.time()) < 5
    remaining = cookie.expires - datetime.now(UTC)
    assert LIFETIME - timedelta(seconds=5) <= remaining <= LIFETIME
    # Young again: the next request sends nothing.
    assert "Set-Cookie" not in client.get("/get/user").headers


def test_refresh_of_an_old_cookie_of_an_ended_session_sends_nothing(
    app: App, client: AppClient, store: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/read-then-end")
    def read_then_end() -> str:
        user = str(session["user"])
        assert isinstance(session, RedisSession)
        store.delete("session:" + session.sid)  # another request's log out
        return user

    client.post("/permanent")
    old_value = signed(app, sid_of(cookie_value(client)), age=3600)
    client.set_cookie("session", old_value)
    store.config_resetstat()
    with caplog.at_level(logging.DEBUG, logger=app.logger.name):
        response = client.get("/read-then-end")
    assert response.text == "ann"
    assert "Set-Cookie" not in response.headers
    assert commands(store) == {"getex": 1, "del": 1, "expire": 1}
    assert cookie_value(client) == old_value
    (line,) = messages(caplog, app, logging.DEBUG)
    assert "its cookie is not sent again" in line


def test_refresh_of_a_browser_session_sends_nothing_whatever_its_age(
    app: App, client: AppClient, store: redis.Redis
) -> None:
    client.post("/set/user/ann")
    client.set_cookie("session", signed(app, sid_of(cookie_value(client)), age=3600))
    store.config_resetstat()
    response = client.get("/get/user")
    assert response.text == "ann"
    assert "Set-Cookie" not in response.headers
    assert commands(store) == {"getex": 1}


@pytest.mark.parametrize(
    ("setting", "seconds"),
    [
        (None, 60.0),
        (5, 5.0),
        (2.5, 2.5),
        (timedelta(seconds=30), 30.0),
        (0, 0.0),
        # Never more than a tenth of the lifetime (10 minutes here).
        (3600, LIFETIME_S / 10),
    ],
)
def test_cookie_refresh_interval_setting(
    store: redis.Redis,
    redis_url: str,
    setting: float | timedelta | None,
    seconds: float,
) -> None:
    key = "SESSION_REDIS_COOKIE_REFRESH_INTERVAL"
    app = make_app(redis_url, **({} if setting is None else {key: setting}))
    interface = app.extensions["redis_sessions"]
    assert interface.get_cookie_refresh_interval(app) == seconds
    client = app.test_client()
    client.post("/permanent")
    sid = sid_of(cookie_value(client))
    # A cookie a little younger than the interval is kept, a little older
    # one is sent again.
    if seconds >= 2:
        client.set_cookie("session", signed(app, sid, age=seconds - 2))
        assert "Set-Cookie" not in client.get("/get/user").headers
    client.set_cookie("session", signed(app, sid, age=seconds + 2))
    assert sid_of(client.get("/get/user").headers["Set-Cookie"][8:]) == sid


def test_cookie_refresh_interval_of_an_interface_used_alone(
    store: redis.Redis, redis_url: str
) -> None:
    app = App(__name__)
    app.secret_key = SECRET
    assert RedisSessionInterface().get_cookie_refresh_interval(app) == 60.0


@pytest.mark.parametrize("setting", ["60", -1, float("nan"), float("inf"), True, None])
def test_bad_cookie_refresh_interval_fails_at_setup(
    redis_url: str, setting: object
) -> None:
    app = App(__name__)
    app.config["SESSION_REDIS_COOKIE_REFRESH_INTERVAL"] = setting
    with pytest.raises(
        ValueError,
        match=r"SESSION_REDIS_COOKIE_REFRESH_INTERVAL must be a number of"
        r" seconds of 0 or more \(or a timedelta\), not ",
    ):
        RedisSessions(app)


def test_refresh_of_a_request_that_does_not_use_the_session(
    client: AppClient, store: redis.Redis
) -> None:
    client.post("/set/user/ann")
    key = "session:" + sid_of(cookie_value(client))
    store.expire(key, 50)
    assert client.get("/plain").text == "plain"
    assert store.ttl(key) > LIFETIME_S - 5


def test_no_refresh(store: redis.Redis, redis_url: str) -> None:
    app = make_app(redis_url, SESSION_REFRESH_EACH_REQUEST=False)
    client = app.test_client()
    client.post("/permanent")
    key = "session:" + sid_of(cookie_value(client))
    store.expire(key, 50)
    store.config_resetstat()

    response = client.get("/get/user")
    assert response.text == "ann"
    assert "Set-Cookie" not in response.headers
    assert store.ttl(key) <= 50
    client.get("/plain")
    assert calls(store, "getex") == 0 and calls(store, "get") == 1
    # A change writes the data, and so its time to live, again.
    client.post("/set/x/1")
    assert store.ttl(key) > LIFETIME_S - 5


def test_expired_session_starts_over(client: AppClient, store: redis.Redis) -> None:
    client.post("/set/user/ann")
    old = sid_of(cookie_value(client))
    store.delete("session:" + old)  # what the TTL does in the end
    assert client.get("/get/user").text == ""
    client.post("/set/user/bob")
    assert sid_of(cookie_value(client)) != old


# -- ids the client sends ------------------------------------------------------------


def test_tampered_cookie_gives_new_session_with_new_id(
    client: AppClient, store: redis.Redis
) -> None:
    client.post("/set/user/ann")
    value = cookie_value(client)
    sid, stamp, signature = value.split(".")

    def flip(text: str, index: int) -> str:
        return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]

    # Not the signature's last character: its low bits are base64 padding.
    for tampered in (
        f"{flip(sid, 5)}.{stamp}.{signature}",
        f"{sid}.{flip(stamp, 0)}.{signature}",
        f"{sid}.{stamp}.{flip(signature, 0)}",
    ):
        client.set_cookie("session", tampered)
        assert client.get("/get/user").text == ""
    client.post("/set/user/eve")
    assert sid_of(cookie_value(client)) != sid_of(value)
    assert store.dbsize() == 2


def test_unsigned_id_of_a_real_session_is_refused(
    client: AppClient, store: redis.Redis
) -> None:
    client.post("/set/user/ann")
    sid = sid_of(cookie_value(client))
    for forged in (sid, f"{sid}.", f"{sid}.bad-signature"):
        other = client.application.test_client()
        other.set_cookie("session", forged)
        assert other.get("/get/user").text == ""


def test_cookie_signed_without_a_time_gives_new_session(
    client: AppClient, store: redis.Redis
) -> None:
    # The format of this package before cookies carried the signing time.
    client.post("/set/user/ann")
    sid = sid_of(cookie_value(client))
    untimed = Signer(
        SECRET,
        salt=RedisSessionInterface.salt,
        key_derivation="hmac",
        digest_method=RedisSessionInterface.digest_method,
    ).sign(sid)
    client.set_cookie("session", untimed.decode())
    response = client.get("/get/user")
    assert response.status_code == 200
    assert response.text == ""


def test_unknown_id_is_not_adopted(
    app: App, client: AppClient, store: redis.Redis
) -> None:
    # A correctly signed id that Redis does not have (expired, or one an
    # attacker kept from an old session of their own) is never reused.
    chosen = new_session_id()
    client.set_cookie("session", signed(app, chosen))
    assert client.get("/get/user").text == ""
    client.post("/set/user/ann")
    assert sid_of(cookie_value(client)) != chosen
    assert not store.exists("session:" + chosen)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "a.b",
        ".",
        "x" * 4000,
        "%ff%fe",
        "\u00e9t\u00e9.sig",
    ],
)
def test_garbage_cookie_gives_new_session(client: AppClient, value: str) -> None:
    client.set_cookie("session", value)
    response = client.get("/get/user")
    assert response.status_code == 200
    assert response.text == ""


def test_secret_key_fallbacks(store: redis.Redis, redis_url: str) -> None:
    app = make_app(redis_url)
    client = app.test_client()
    client.post("/set/user/ann")
    old_value = cookie_value(client)
    app.config.update(SECRET_KEY="new key", SECRET_KEY_FALLBACKS=[SECRET])
    assert client.get("/get/user").text == "ann"
    client.post("/set/user/bob")
    new_value = cookie_value(client)
    assert sid_of(new_value) == sid_of(old_value)
    assert new_value != old_value
    TimestampSigner(
        "new key",
        salt=RedisSessionInterface.salt,
        key_derivation="hmac",
        digest_method=RedisSessionInterface.digest_method,
    ).unsign(new_value)
    app.config["SECRET_KEY_FALLBACKS"] = []
    client.set_cookie("session", old_value)
    assert client.get("/get/user").text == ""


def test_signer_is_kept_until_the_keys_change(app: App) -> None:
    interface = app.extensions["redis_sessions"]
    signer = interface.get_signer(app)
    assert signer is not None
    assert interface.get_signer(app) is signer
    app.config["SECRET_KEY_FALLBACKS"] = ["older key"]
    rotated = interface.get_signer(app)
    assert rotated is not None and rotated is not signer
    assert rotated.secret_keys == [b"older key", SECRET.encode()]
    # Its signatures are itsdangerous's own, keys derived once or not.
    value = rotated.sign("an id")
    plain = TimestampSigner(
        SECRET,
        salt=RedisSessionInterface.salt,
        key_derivation="hmac",
        digest_method=RedisSessionInterface.digest_method,
    )
    assert plain.unsign(value) == b"an id"
    assert rotated.unsign(plain.sign("an id")) == b"an id"
    app.secret_key = None
    assert interface.get_signer(app) is None


def test_without_secret_key_session_is_null(store: redis.Redis, redis_url: str) -> None:
    app = make_app(redis_url, SECRET_KEY=None)
    client = app.test_client()
    assert client.get("/get/user").text == ""
    with pytest.raises(RuntimeError, match="secret key"):
        client.post("/set/user/ann")
    assert store.dbsize() == 0


# -- clearing and regenerating -------------------------------------------------------


def test_clear_deletes_key_and_cookie(client: AppClient, store: redis.Redis) -> None:
    client.post("/set/user/ann")
    assert store.dbsize() == 1
    response = client.post("/clear")
    assert store.dbsize() == 0
    header = response.headers["Set-Cookie"]
    assert header.startswith("session=;")
    assert "Expires=Thu, 01 Jan 1970" in header
    assert client.get_cookie("session") is None
    assert response.headers["Vary"] == "Cookie"


def test_regenerate_moves_data_to_new_id(client: AppClient, store: redis.Redis) -> None:
    client.post("/set/cart/tea")
    old_value = cookie_value(client)
    response = client.post("/login")
    assert response.text == "welcome"
    new_value = cookie_value(client)
    old, new = sid_of(old_value), sid_of(new_value)
    assert new != old
    assert not store.exists("session:" + old)
    assert session_keys(store) == {f"session:{new}"}
    assert client.get("/get/cart").text == "tea"
    assert client.get("/get/user").text == "ann"
    assert LIFETIME_S - 5 <= store.ttl("session:" + new) <= LIFETIME_S
    # The old id is worthless now.
    attacker = client.application.test_client()
    attacker.set_cookie("session", old_value)
    assert attacker.get("/get/user").text == ""


def test_regenerate_a_new_session(client: AppClient, store: redis.Redis) -> None:
    client.post("/login")
    assert store.dbsize() == 1
    assert client.get("/get/user").text == "ann"


def test_regenerate_without_changes_still_moves(
    app: App, client: AppClient, store: redis.Redis
) -> None:
    @app.post("/rotate")
    def rotate() -> str:
        regenerate_session()
        return "rotated"

    client.post("/set/user/ann")
    old = sid_of(cookie_value(client))
    client.post("/rotate")
    new = sid_of(cookie_value(client))
    assert new != old
    assert session_keys(store) == {f"session:{new}"}
    assert client.get("/get/user").text == "ann"


def test_regenerate_then_clear_deletes_old_key(
    app: App, client: AppClient, store: redis.Redis
) -> None:
    @app.post("/rotate-and-clear")
    def rotate_and_clear() -> str:
        regenerate_session()
        session.clear()
        return "gone"

    client.post("/set/user/ann")
    response = client.post("/rotate-and-clear")
    assert store.dbsize() == 0
    assert client.get_cookie("session") is None
    assert "Expires=Thu, 01 Jan 1970" in response.headers["Set-Cookie"]


def test_regenerate_session_needs_redis_sessions() -> None:
    app = App(__name__)
    app.secret_key = SECRET
    with app.test_request_context(), pytest.raises(TypeError, match="RedisSessions"):
        regenerate_session()


def test_regenerate_session_without_a_usable_session() -> None:
    app = closed_port_app()

    @app.post("/login-while-down")
    def login_while_down() -> str:
        with contextlib.suppress(SessionUnavailable):
            session.get("user")
        regenerate_session()
        return "logged in?"

    assert with_cookie(app).post("/login-while-down").status_code == 503

    no_key = App(__name__)
    RedisSessions(no_key)
    track(no_key)
    with no_key.test_request_context(), pytest.raises(RuntimeError, match="secret"):
        regenerate_session()


def test_regenerate_session_needs_a_request() -> None:
    with pytest.raises(RuntimeError, match="current request"):
        regenerate_session()


def test_logout_elsewhere_is_not_undone(
    app: App, client: AppClient, store: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    # A request that read the session while another request deleted it
    # (logged out) must not bring it back when it saves.
    @app.post("/slow-write")
    def slow_write() -> str:
        assert session["user"] == "ann"
        assert isinstance(session, RedisSession)
        store.delete("session:" + session.sid)  # the other request's logout
        session["cart"] = "tea"
        return "written?"

    client.post("/set/user/ann")
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        response = client.post("/slow-write")
    assert response.status_code == 200
    assert store.dbsize() == 0
    assert "Set-Cookie" not in response.headers
    assert any("ended by another request" in r.getMessage() for r in caplog.records)


def test_logout_elsewhere_is_not_undone_by_regenerate(
    app: App, client: AppClient, store: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    # The same race when this request gives the session a new id: the move
    # must not bring the ended session back under the new id (nor undo a
    # server-side revocation of it).
    @app.post("/slow-rotate")
    def slow_rotate() -> str:
        assert session["user"] == "ann"
        assert isinstance(session, RedisSession)
        store.delete("session:" + session.sid)  # the other request's logout
        regenerate_session()
        return "rotated?"

    client.post("/set/user/ann")
    before = cookie_value(client)
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        response = client.post("/slow-rotate")
    assert response.status_code == 200
    assert session_keys(store) == set()
    assert "Set-Cookie" not in response.headers
    assert cookie_value(client) == before
    assert any("ended by another request" in r.getMessage() for r in caplog.records)


def seeded_browser(app: App, permanent: bool = False, age: float = 0) -> AppClient:
    """A browser with an anonymous session holding a cart, its cookie
    signed ``age`` seconds ago."""
    browser = app.test_client()
    with browser.session_transaction() as seeded:
        seeded.permanent = permanent
        seeded["cart"] = "tea"
    browser.set_cookie("session", signed(app, sid_of(cookie_value(browser)), age))
    return browser


def assert_logged_in_with(browser: AppClient, sid: str) -> None:
    """The browser's cookie names ``sid``, the logged-in session with the
    cart it had before."""
    assert sid_of(cookie_value(browser)) == sid
    assert browser.get("/get/user").text == "ann"
    assert browser.get("/get/cart").text == "tea"


@pytest.mark.parametrize("age", [0, 3600], ids=["young-cookie", "old-cookie"])
def test_refresh_overlapping_a_log_in_keeps_the_new_id(
    app: App, store: redis.Redis, age: float
) -> None:
    # A permanent session's request (a page's parallel fetch) that read the
    # session before a log in gave it a new id, and ends after it: sending
    # its cookie again would put the dead old id back in the browser.
    gate = Gate()

    @app.get("/slow-read")
    def slow_read() -> str:
        cart = str(session.get("cart", ""))
        gate.wait()
        return cart

    browser = seeded_browser(app, permanent=True, age=age)
    old = sid_of(cookie_value(browser))
    with held_request(browser, gate, "GET", "/slow-read") as held:
        assert browser.post("/login").text == "welcome"
        new = sid_of(cookie_value(browser))
    (response,) = held
    assert response.text == "tea"
    assert "Set-Cookie" not in response.headers
    assert new != old
    assert_logged_in_with(browser, new)


def test_write_overlapping_a_log_in_keeps_the_new_id(
    app: App, store: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    # The request started before the log in, but opens the session after it
    # (sessions open on first use): the old id is gone, and its write must
    # not start a new session whose cookie replaces the new id.
    gate = Gate()

    @app.post("/slow-write")
    def slow_write() -> str:
        gate.wait()
        session["seen"] = "yes"
        return "written?"

    browser = seeded_browser(app)
    with (
        caplog.at_level(logging.WARNING, logger=app.logger.name),
        held_request(browser, gate, "POST", "/slow-write") as held,
    ):
        browser.post("/login")
        new = sid_of(cookie_value(browser))
    (response,) = held
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert_logged_in_with(browser, new)
    assert session_keys(store) == {f"session:{new}"}
    (line,) = messages(caplog, app, logging.WARNING)
    assert "given a new id by another request" in line


def test_clear_overlapping_a_log_in_keeps_the_new_id(
    app: App, store: redis.Redis
) -> None:
    # Emptying a session that a log in moved meanwhile deletes nothing,
    # and so not the browser's new cookie either.
    gate = Gate()

    @app.post("/slow-clear")
    def slow_clear() -> str:
        session.get("cart")
        gate.wait()
        session.clear()
        return "cleared?"

    browser = seeded_browser(app)
    with held_request(browser, gate, "POST", "/slow-clear") as held:
        browser.post("/login")
        new = sid_of(cookie_value(browser))
    (response,) = held
    assert response.text == "cleared?"
    assert "Set-Cookie" not in response.headers
    assert_logged_in_with(browser, new)


def test_log_in_with_a_cookie_another_log_in_moved_logs_in(
    app: App, store: redis.Redis
) -> None:
    # A log in sent twice (a double click): the first one moved the session,
    # and the browser may never have seen its answer. The second one, with
    # the old cookie, is a log in of its own and gets a session and cookie.
    browser = seeded_browser(app)
    first = app.test_client()
    first.set_cookie("session", cookie_value(browser))
    first.post("/login")
    response = browser.post("/login")
    assert response.text == "welcome"
    new = sid_of(cookie_value(browser))
    assert new != sid_of(cookie_value(first))
    assert browser.get("/get/user").text == "ann"
    # The cart stayed with the first log in's session.
    assert browser.get("/get/cart").text == ""


def test_moved_id_is_remembered_briefly_without_data(
    app: App, store: redis.Redis
) -> None:
    browser = seeded_browser(app)
    old_value = cookie_value(browser)
    browser.post("/login")
    interface = app.extensions["redis_sessions"]
    moved = interface.moved_key(sid_of(old_value))
    assert moved == f"session:{sid_of(old_value)}:moved"
    assert store.get(moved) == b""
    assert 0 < store.ttl(moved) <= interface.moved_key_ttl == 300
    # Once it is forgotten, the old cookie starts a new session as any
    # expired one does.
    store.delete(moved)
    late = app.test_client()
    late.set_cookie("session", old_value)
    late.post("/set/user/eve")
    assert sid_of(cookie_value(late)) not in (
        sid_of(old_value),
        sid_of(cookie_value(browser)),
    )
    assert late.get("/get/user").text == "eve"


def test_regenerate_move_applied_before_its_retry_is_kept(
    app: App, client: AppClient, store: redis.Redis
) -> None:
    # A connection error after Redis ran the move, before its answer came
    # back, makes redis-py send the move again: it then finds the old id
    # gone and the new one there, its own first run, which is a success.
    @app.post("/rotate-twice")
    def rotate_twice() -> str:
        assert isinstance(session, RedisSession)
        old = session.sid
        regenerate_session()
        store.rename("session:" + old, "session:" + session.sid)  # the 1st run
        return "rotated"

    client.post("/set/user/ann")
    old = sid_of(cookie_value(client))
    assert client.post("/rotate-twice").text == "rotated"
    new = sid_of(cookie_value(client))
    assert new != old
    assert session_keys(store) == {f"session:{new}"}
    assert client.get("/get/user").text == "ann"


def test_undecodable_data_gives_new_session(
    app: App, client: AppClient, store: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    client.post("/set/user/ann")
    key = "session:" + sid_of(cookie_value(client))
    for raw in (b"\xff\xfe", b"not json", b"[1, 2]"):
        store.set(key, raw)
        with caplog.at_level(logging.WARNING, logger=app.logger.name):
            response = client.get("/get/user")
        assert response.status_code == 200
        assert response.text == ""
    warnings = [
        r.getMessage() for r in caplog.records if "does not decode" in r.getMessage()
    ]
    assert len(warnings) == 2  # the JSON list decodes; it is just not a dict
    assert not any(key.removeprefix("session:") in w for w in warnings)


# -- cookie settings ----------------------------------------------------------------


def test_cookie_settings_honoured(store: redis.Redis, redis_url: str) -> None:
    app = make_app(
        redis_url,
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/shop",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_HTTPONLY=False,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )
    client = app.test_client()
    response = client.post("/set/user/ann", base_url="https://shop.example.test")
    header = response.headers["Set-Cookie"]
    assert header.startswith("sid=")
    for part in (
        "Domain=example.test",
        "Path=/shop",
        "Secure",
        "SameSite=Lax",
        "Partitioned",
    ):
        assert part in header
    assert "HttpOnly" not in header
    assert store.dbsize() == 1


# -- Redis unavailable ----------------------------------------------------------------


def closed_port_app(**config: t.Any) -> App:
    app = make_app(f"redis://127.0.0.1:{free_port()}/0", **config)
    return app


def with_cookie(app: App) -> AppClient:
    client = app.test_client()
    client.set_cookie("session", signed(app, new_session_id()))
    return client


@pytest.mark.parametrize("testing", [True, False])
def test_outage_when_reading_gives_503_and_one_log_line(
    testing: bool, caplog: pytest.LogCaptureFixture
) -> None:
    app = closed_port_app(TESTING=testing)
    client = with_cookie(app)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = client.get("/get/user")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "session store is unavailable" in response.text
    assert "Set-Cookie" not in response.headers
    (line,) = error_lines(caplog, app)
    assert "failed while reading the session" in line
    assert "ConnectionError" in line
    assert "\n" not in line
    assert all(r.exc_info is None for r in caplog.records)


@pytest.mark.parametrize("testing", [True, False])
def test_outage_when_saving_gives_503_and_one_log_line(
    testing: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # A new session needs no Redis to open: the failure comes at save time.
    app = closed_port_app(TESTING=testing)
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = client.post("/set/user/ann")
    assert response.status_code == 503
    assert response.text != "set"
    assert "Set-Cookie" not in response.headers
    (line,) = error_lines(caplog, app)
    assert "failed while saving the session" in line


@pytest.mark.parametrize(("retry_after", "header"), [(30, "30"), (None, None)])
def test_outage_retry_after_is_configurable(
    retry_after: int | None, header: str | None
) -> None:
    app = closed_port_app(SESSION_REDIS_RETRY_AFTER=retry_after)
    response = with_cookie(app).get("/get/user")
    assert response.status_code == 503
    assert response.headers.get("Retry-After") == header


@pytest.mark.parametrize("bad", [0, -1, 2.5, "5", True])
def test_a_bad_retry_after_fails_at_setup(bad: object) -> None:
    with pytest.raises(ValueError, match="SESSION_REDIS_RETRY_AFTER must be a whole"):
        closed_port_app(SESSION_REDIS_RETRY_AFTER=bad)


def test_outage_goes_to_503_handler() -> None:
    app = closed_port_app()
    seen: list[int] = []

    @app.errorhandler(503)
    def unavailable(e: SessionUnavailable) -> tuple[dict[str, str], int]:
        assert isinstance(e, SessionUnavailable)
        return {"error": "try again"}, 503

    @app.after_request
    def record(response: Response) -> Response:
        seen.append(response.status_code)
        return response

    reading = with_cookie(app).get("/get/user")
    assert reading.status_code == 503 and reading.json == {"error": "try again"}
    saving = app.test_client().post("/set/user/ann")
    assert saving.status_code == 503 and saving.json == {"error": "try again"}
    # The hooks saw the answer that went out.
    assert seen[-1] == 503


def test_outage_on_refresh_only_request() -> None:
    app = closed_port_app()
    assert with_cookie(app).get("/plain").status_code == 503
    # Without refresh, a page that does not use the session needs no Redis.
    calm = closed_port_app(SESSION_REFRESH_EACH_REQUEST=False)
    assert with_cookie(calm).get("/plain").text == "plain"


def test_view_that_swallows_the_error_cannot_write() -> None:
    app = closed_port_app()
    results: list[str] = []

    @app.post("/stubborn")
    def stubborn() -> str:
        try:
            session.get("user")
        except SessionUnavailable:
            results.append("first read failed")
        results.append(f"then reads {dict(session)!r}")
        session["user"] = "ann"  # refused: nothing may be silently lost
        return "saved?"

    response = with_cookie(app).post("/stubborn")
    assert response.status_code == 503
    assert results == ["first read failed", "then reads {}"]


def test_after_a_save_failure_the_handler_sees_the_data_and_nothing_is_saved(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = closed_port_app()

    @app.errorhandler(SessionUnavailable)
    def unavailable(e: SessionUnavailable) -> tuple[str, int]:
        session["note"] = "from the handler"  # not saved, Redis not tried
        return f"sorry {session['user']}", 503

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().post("/set/user/ann")
    assert response.status_code == 503
    assert response.text == "sorry ann"
    assert "Set-Cookie" not in response.headers
    (line,) = error_lines(caplog, app)
    assert "failed while saving the session" in line


def test_unavailable_session_refuses_in_place_union() -> None:
    # dict's own |= does not go through update(): refused all the same, or
    # the change would be silently lost and the session no longer empty.
    unavailable = UnavailableSession()
    with pytest.raises(SessionUnavailable):
        unavailable |= {"user": "ann"}
    assert dict(unavailable) == {}


def test_outage_after_a_view_error_is_still_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The view failed first: the answer is the 500, the session save that
    # fails while it is finished is logged, and nothing propagates.
    app = closed_port_app(TESTING=False)

    @app.post("/crash")
    def crash() -> str:
        session["user"] = "ann"
        raise LookupError("the view's own bug")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().post("/crash")
    assert response.status_code == 500
    assert "Set-Cookie" not in response.headers
    lines = error_lines(caplog, app)
    assert any("failed while saving the session" in line for line in lines)
    assert any("the session save" in line for line in lines)


def test_outage_on_a_file_response_closes_the_file(tmp_path: pathlib.Path) -> None:
    # The 503 replaces the file response when the session is refreshed;
    # the file it had opened must be closed, not left to the collector.
    app = closed_port_app()
    path = tmp_path / "report.txt"
    path.write_text("report")
    opened: list[t.IO[bytes]] = []

    @app.get("/report")
    def report() -> Response:
        opened.append(path.open("rb"))
        return send_file(opened[0], mimetype="text/plain")

    assert with_cookie(app).get("/report").status_code == 503
    assert opened and opened[0].closed


def test_server_stopped_then_restarted(
    private_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(private_server.url)
    client = app.test_client()
    client.post("/set/user/ann")
    assert client.get("/get/user").text == "ann"

    private_server.stop()
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        assert client.get("/get/user").status_code == 503
        assert client.post("/set/user/bob").status_code == 503
    assert len(error_lines(caplog, app)) == 2

    # The pooled connections died with the server; the first request after
    # the restart reconnects instead of failing. The data is gone (no
    # persistence here), so the session starts over.
    private_server.restart()
    caplog.clear()
    assert client.get("/get/user").text == ""
    assert client.post("/set/user/bob").text == "set"
    assert client.get("/get/user").text == "bob"
    assert error_lines(caplog, app) == []


def test_outage_between_read_and_save(
    private_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(private_server.url)

    @app.post("/read-then-write")
    def read_then_write() -> str:
        user = session["user"]
        private_server.stop()  # Redis goes away while the view runs
        session["user"] = user + "!"
        return "written"

    client = app.test_client()
    client.post("/set/user/ann")
    before = cookie_value(client)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = client.post("/read-then-write")
    assert response.status_code == 503
    assert "Set-Cookie" not in response.headers
    assert cookie_value(client) == before
    (line,) = error_lines(caplog, app)
    assert "saving" in line


def test_hung_server_times_out(
    private_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(private_server.url, SESSION_REDIS_TIMEOUT=1.0)
    client = app.test_client()
    client.post("/set/user/ann")
    private_server.pause()
    try:
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger=app.logger.name):
            response = client.get("/get/user")
        elapsed = time.monotonic() - started
    finally:
        private_server.resume()
    assert response.status_code == 503
    # One timeout, not retried: a retry would take 2 s or more. The upper
    # bound leaves a loaded machine almost a second of slack.
    assert 1.0 <= elapsed < 1.95
    (line,) = error_lines(caplog, app)
    assert "TimeoutError" in line
    assert client.get("/get/user").text == "ann"


# -- several worker processes ----------------------------------------------------------

WORKER_APP = textwrap.dedent(
    """
    import os
    import time
    from pathlib import Path

    from framework import App, session
    from framework_redis import RedisSessions

    HERE = Path(__file__).parent

    app = App(__name__)
    app.secret_key = "gunicorn-test-secret"
    app.config["SESSION_REDIS_URL"] = os.environ["TEST_REDIS_URL"]
    RedisSessions(app)
    # A connection made at import: with --preload it is made in the master
    # and inherited by both workers, which must not share it.
    app.extensions["redis_sessions"].redis_client.ping()


    @app.get("/pid")
    def pid():
        return str(os.getpid())


    @app.get("/hold")
    def hold():
        # Keeps this (sync) worker busy until the test creates "release", so
        # that the next request must be served by the other worker.
        (HERE / "holding").write_text(str(os.getpid()))
        deadline = time.monotonic() + 20
        while not (HERE / "release").exists():
            if time.monotonic() > deadline:
                return "never released", 500
            time.sleep(0.01)
        return str(os.getpid())


    @app.post("/incr")
    def incr():
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"], "pid": os.getpid()}
    """
)

CLIENTS = 6
INCREMENTS = 25


class Gunicorn(ServerProcess):
    """``gunicorn --workers=2`` (sync workers) serving ``WORKER_APP``,
    imported in each worker or, with ``preload``, once before the fork."""

    def __init__(
        self, folder: pathlib.Path, redis_url: str, preload: bool = False
    ) -> None:
        (folder / "workerapp.py").write_text(WORKER_APP, encoding="utf-8")
        port = free_port()
        argv = [
            *(sys.executable, "-m", "gunicorn", "--workers=2", "--worker-class=sync"),
            *(f"--bind=127.0.0.1:{port}", "--graceful-timeout=3"),
            *(f"--chdir={folder}", "workerapp:app"),
            *(["--preload"] if preload else []),
        ]
        env = server_environment(folder, TEST_REDIS_URL=redis_url)
        super().__init__(argv, port=port, folder=folder, env=env, name="gunicorn")

    def get(self, path: str) -> str:
        reply = self.request("GET", path, timeout=20)
        assert reply.status == 200, reply
        return reply.body.decode()

    def wait_until_both_workers_serve(self) -> None:
        """Return once each worker has answered a request: one is held busy
        on ``/hold`` while the other must answer ``/pid``."""
        self.wait_ready("/pid")
        held: list[str] = []
        holder = threading.Thread(target=lambda: held.append(self.get("/hold")))
        holder.start()
        try:
            holding = self.folder / "holding"
            deadline = time.monotonic() + 20
            while not holding.exists():
                if time.monotonic() > deadline:
                    pytest.fail(f"/hold was not served:\n{self.output()}")
                time.sleep(0.01)
            other = self.get("/pid")
            assert other != holding.read_text()
        finally:
            (self.folder / "release").touch()
            holder.join(30)
        assert held, "the held request did not finish"


def count_up(port: int) -> tuple[list[int], set[int]]:
    """One browser (its own cookie jar) incrementing its counter
    ``INCREMENTS`` times, one request after the other; returns the counter
    values it saw and the pids that served it."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    seen: list[int] = []
    pids: set[int] = set()
    for _ in range(INCREMENTS):
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/incr", data=b"", method="POST"
        )
        with opener.open(request, timeout=10) as response:
            reply = json.loads(response.read())
        seen.append(reply["n"])
        pids.add(reply["pid"])
    return seen, pids


@pytest.mark.parametrize("preload", [False, True], ids=["import-in-worker", "preload"])
def test_two_gunicorn_workers_keep_exact_counters(
    tmp_path: pathlib.Path, store: redis.Redis, redis_url: str, preload: bool
) -> None:
    server = Gunicorn(tmp_path, redis_url, preload=preload)
    try:
        server.wait_until_both_workers_serve()
        results: dict[int, tuple[list[int], set[int]]] = {}
        errors: list[BaseException] = []

        def run_client(number: int) -> None:
            try:
                results[number] = count_up(server.port)
            except BaseException as e:
                errors.append(e)

        threads = [
            threading.Thread(target=run_client, args=(i,)) for i in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        pids: set[int] = set()
        for number in range(CLIENTS):
            seen, served_by = results[number]
            assert seen == list(range(1, INCREMENTS + 1)), number
            pids |= served_by
        assert len(pids) == 2, f"one worker served every request: {pids}"
        assert store.dbsize() == CLIENTS
    finally:
        server.stop()


# -- the test server -------------------------------------------------------------


def test_test_server_refuses_a_port_another_server_holds(
    redis_url: str, store: redis.Redis
) -> None:
    # Another suite's server on the port answers PING too: starting must
    # fail instead of handing that server out (to be flushed, then shut).
    taken = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    with pytest.raises(RuntimeError, match="did not start"):
        RedisServer(port=taken).start()
    assert store.ping()


def test_test_server_stop_never_shuts_down_another_server(
    redis_url: str, store: redis.Redis
) -> None:
    # A server of ours that never took its port (hung at start) is ended by
    # its process id; SHUTDOWN would reach whoever holds the port.
    stuck = RedisServer(port=int(redis_url.rsplit(":", 1)[1].split("/")[0]))
    stuck.process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"]
    )
    process = stuck.process
    stuck.stop()
    assert process.poll() is not None
    assert store.ping()


# -- the docs ----------------------------------------------------------------------


def test_docs_page_examples_run(
    store: redis.Redis, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tests/test_docs.py runs the top-level pages only; this page is in
    # docs/contrib/. Its examples read the server's URL from REDIS_URL.
    from test_docs import python_blocks

    monkeypatch.setenv("REDIS_URL", redis_url)
    page = pathlib.Path(__file__).resolve().parent.parent / "docs/contrib/redis.rst"
    blocks = python_blocks(page)
    assert blocks
    namespace: dict[str, object] = {"__name__": "docs_contrib_redis"}
    try:
        for line, code in blocks:
            exec(compile(code, f"redis.rst:{line}", "exec"), namespace)
    finally:
        # The examples rebind ``app`` as they go; find every client they made.
        _CLIENTS.extend(
            obj
            for obj in gc.get_objects()
            if isinstance(obj, redis.Redis) and obj is not store
        )
