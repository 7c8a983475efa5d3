"""Sessions: the signed-cookie interface through the app and the test
client, hostile cookies, configuration keys, signals and laziness."""

from __future__ import annotations

import hashlib
import typing as t
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from markupsafe import Markup
from werkzeug.exceptions import ServiceUnavailable

from framework import App, session
from framework.globals import request_ctx
from framework.sessions import (
    NullSession,
    SecureCookieSession,
    SecureCookieSessionInterface,
    SessionInterface,
)
from framework.signals import session_opened, session_saved
from framework.testing import AppClient


@pytest.fixture
def app() -> App:
    app = App("session_app")
    app.testing = True
    app.secret_key = "test secret"

    @app.post("/set/<key>/<value>")
    def set_value(key: str, value: str) -> str:
        session[key] = value
        return "set"

    @app.get("/get/<key>")
    def get_value(key: str) -> str:
        return str(session.get(key, "<missing>"))

    @app.post("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.get("/plain")
    def plain() -> str:
        return "no session here"

    @app.post("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["user"] = "ann"
        return "permanent"

    return app


@pytest.fixture
def client(app: App) -> AppClient:
    return app.test_client()


def set_cookie_headers(response: t.Any) -> list[str]:
    return [v for k, v in response.headers.items() if k.lower() == "set-cookie"]


def test_values_persist_across_requests(client: AppClient) -> None:
    assert client.post("/set/user/ann").data == b"set"
    assert client.get("/get/user").data == b"ann"
    assert client.get("/get/other").data == b"<missing>"


def test_cookie_flags_from_config(app: App, client: AppClient) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="sid",
        SESSION_COOKIE_DOMAIN="example.test",
        SESSION_COOKIE_PATH="/app",
        SESSION_COOKIE_SECURE=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PARTITIONED=True,
    )
    response = client.post("/set/a/b")
    (cookie,) = set_cookie_headers(response)
    assert cookie.startswith("sid=")
    for part in (
        "Domain=example.test",
        "Path=/app",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Partitioned",
    ):
        assert part in cookie
    assert "Expires" not in cookie


def test_httponly_can_be_turned_off_and_path_defaults_to_application_root(
    app: App, client: AppClient
) -> None:
    app.config.update(SESSION_COOKIE_HTTPONLY=False, APPLICATION_ROOT="/root")
    (cookie,) = set_cookie_headers(client.post("/set/a/b"))
    assert "HttpOnly" not in cookie
    assert "Path=/root" in cookie


def test_permanent_session_gets_an_expiry(app: App, client: AppClient) -> None:
    app.permanent_session_lifetime = timedelta(hours=2)
    before = datetime.now(UTC)
    (cookie,) = set_cookie_headers(client.post("/permanent"))
    expires = cookie.split("Expires=")[1].split(";")[0]
    when = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    assert (
        timedelta(hours=1, minutes=59) < when - before <= timedelta(hours=2, seconds=2)
    )


def test_permanent_session_is_refreshed_even_by_requests_that_do_not_use_it(
    app: App, client: AppClient
) -> None:
    client.post("/permanent")
    response = client.get("/plain")
    assert set_cookie_headers(response), "the permanent session cookie is renewed"
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    assert not set_cookie_headers(client.get("/plain"))
    assert not set_cookie_headers(client.get("/get/user"))


def test_a_non_permanent_session_is_not_resent_when_unchanged(
    client: AppClient,
) -> None:
    client.post("/set/a/b")
    assert not set_cookie_headers(client.get("/get/a"))


def test_emptied_session_deletes_the_cookie(client: AppClient) -> None:
    client.post("/set/a/b")
    response = client.post("/clear")
    (cookie,) = set_cookie_headers(response)
    assert "Expires=Thu, 01 Jan 1970" in cookie
    assert "Cookie" in response.vary
    assert client.get("/get/a").data == b"<missing>"


@pytest.mark.parametrize(
    "action",
    [
        lambda: session.get("x"),
        lambda: "x" in session,
        lambda: len(session),
        lambda: list(session),
        lambda: session.setdefault("x", 1),
    ],
    ids=["get", "in", "len", "iter", "setdefault"],
)
def test_any_read_of_the_session_adds_vary_cookie(
    app: App, action: t.Callable[[], t.Any]
) -> None:
    @app.get("/read")
    def read() -> str:
        action()
        return "read"

    response = app.test_client().get("/read")
    assert "Cookie" in response.vary


def test_a_request_that_does_not_touch_the_session_has_no_vary_and_no_cookie(
    client: AppClient,
) -> None:
    response = client.get("/plain")
    assert "Vary" not in response.headers
    assert not set_cookie_headers(response)


def test_the_session_is_opened_only_when_used(app: App, client: AppClient) -> None:
    opened: list[t.Any] = []
    with session_opened.connected_to(
        lambda sender, **kw: opened.append(kw["session"]), app
    ):
        client.get("/plain")
        assert opened == []
        client.get("/get/a")
        assert len(opened) == 1
        assert isinstance(opened[0], SecureCookieSession)


def test_session_saved_signal(app: App, client: AppClient) -> None:
    saved: list[dict[str, t.Any]] = []
    with session_saved.connected_to(
        lambda sender, **kw: saved.append(dict(kw["session"])), app
    ):
        client.post("/set/k/v")
    assert saved == [{"k": "v"}]


@pytest.mark.parametrize(
    "cookie",
    [
        "garbage",
        "",
        "a.b.c",
        "eyJ4IjoxfQ.AAAAAA.forgedsignature",
        "\u00e9\u00e9\u00e9",
        "x" * 4000,
    ],
    ids=["garbage", "empty", "three-parts", "forged", "non-ascii", "huge"],
)
def test_bad_cookies_give_an_empty_session(
    app: App, client: AppClient, cookie: str
) -> None:
    client.set_cookie("session", cookie)
    response = client.get("/get/user")
    assert response.status_code == 200
    assert response.data == b"<missing>"


def test_tampered_cookie_gives_an_empty_session(app: App, client: AppClient) -> None:
    client.post("/set/user/ann")
    value = client.get_cookie("session")
    assert value is not None
    payload, _, rest = value.value.partition(".")
    client.set_cookie("session", payload[:-2] + "xx." + rest)
    assert client.get("/get/user").data == b"<missing>"


def test_cookie_signed_with_another_key_is_ignored(app: App, client: AppClient) -> None:
    other = App("other")
    other.secret_key = "another secret"
    forged = SecureCookieSessionInterface().get_signing_serializer(other)
    assert forged is not None
    client.set_cookie("session", forged.dumps({"user": "mallory"}))
    assert client.get("/get/user").data == b"<missing>"


def test_expired_cookie_gives_an_empty_session(app: App, client: AppClient) -> None:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    old = serializer.dumps({"user": "ann"})
    app.permanent_session_lifetime = timedelta(seconds=-1)
    client.set_cookie("session", old)
    assert client.get("/get/user").data == b"<missing>"


def test_a_signed_payload_that_is_not_an_object_gives_an_empty_session(
    app: App, client: AppClient
) -> None:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    client.set_cookie("session", serializer.dumps(["not", "a", "dict"]))
    assert client.get("/get/user").data == b"<missing>"


def test_secret_key_fallbacks_verify_old_cookies_and_new_cookies_use_the_current_key(
    app: App, client: AppClient
) -> None:
    client.post("/set/user/ann")
    app.config["SECRET_KEY_FALLBACKS"] = ["test secret"]
    app.secret_key = "rotated secret"
    assert client.get("/get/user").data == b"ann"
    client.post("/set/user/bob")
    current = SecureCookieSessionInterface().get_signing_serializer(app)
    assert current is not None
    cookie = client.get_cookie("session")
    assert cookie is not None
    only_new_key = URLSafeTimedSerializer(
        "rotated secret",
        salt="cookie-session",
        serializer=SecureCookieSessionInterface.serializer,
        signer_kwargs={
            "key_derivation": "hmac",
            "digest_method": SecureCookieSessionInterface.digest_method,
        },
    )
    assert only_new_key.loads(cookie.value)["user"] == "bob"


def test_dropping_a_fallback_key_on_a_running_app_rejects_its_cookies(
    app: App, client: AppClient
) -> None:
    """The interface reuses its serializer; a change of keys must still
    take effect at the next request."""
    client.post("/set/user/ann")
    app.config["SECRET_KEY_FALLBACKS"] = ["test secret"]
    app.secret_key = "rotated secret"
    assert client.get("/get/user").data == b"ann"
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert client.get("/get/user").data == b"<missing>"


def test_without_a_secret_key_reads_are_empty_and_writes_name_secret_key() -> None:
    app = App("no_key")

    @app.get("/read")
    def read() -> str:
        assert isinstance(session._get_current_object(), NullSession)  # type: ignore[attr-defined]
        return str(session.get("x", "empty"))

    @app.get("/write")
    def write() -> str:
        session["x"] = 1
        return "written"

    client = app.test_client()
    assert client.get("/read").data == b"empty"
    app2 = App("no_key_testing")
    app2.testing = True
    app2.add_url_rule("/write", "write", write)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        app2.test_client().get("/write")
    response = client.get("/write")
    assert response.status_code == 500
    assert b"SECRET_KEY" not in response.data


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda s: s.__setitem__("x", 1), id="setitem"),
        pytest.param(lambda s: s.update(x=1), id="update"),
        pytest.param(lambda s: s.setdefault("x", 1), id="setdefault"),
        pytest.param(lambda s: s.__ior__({"x": 1}), id="in-place union"),
    ],
)
def test_a_null_session_refuses_every_write(write: t.Callable[[t.Any], t.Any]) -> None:
    null = NullSession()
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        write(null)
    assert dict(null) == {}


def test_tagged_types_round_trip_through_the_cookie(app: App) -> None:
    value_id = uuid.uuid4()
    when = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)

    @app.post("/store")
    def store() -> str:
        session["tuple"] = (1, "two")
        session["bytes"] = b"\x00\xff"
        session["markup"] = Markup("<b>bold</b>")
        session["uuid"] = value_id
        session["when"] = when
        session["odd"] = {" t": ["looks", "tagged"]}
        return "stored"

    @app.get("/load")
    def load() -> str:
        assert session["tuple"] == (1, "two")
        assert session["bytes"] == b"\x00\xff"
        assert session["markup"] == Markup("<b>bold</b>")
        assert isinstance(session["markup"], Markup)
        assert session["uuid"] == value_id
        assert session["when"] == when
        assert session["odd"] == {" t": ["looks", "tagged"]}
        return "loaded"

    client = app.test_client()
    client.post("/store")
    assert client.get("/load").data == b"loaded"


def test_session_flags_new_modified_accessed(app: App) -> None:
    seen: dict[str, t.Any] = {}

    @app.get("/flags")
    def flags() -> str:
        raw = request_ctx._session
        seen["before"] = (raw.new, raw.modified, raw.accessed)
        seen["new"] = session.new
        # As in Flask, any use of the session proxy counts as access.
        seen["used"] = (session.modified, session.accessed)
        session["x"] = 1
        seen["after"] = (session.modified, session.accessed)
        return "ok"

    client = app.test_client()
    client.get("/flags")
    assert seen == {
        "before": (True, False, False),
        "new": True,
        "used": (False, True),
        "after": (True, True),
    }
    client.get("/flags")
    assert seen["new"] is False


def test_session_transaction_reads_and_writes_the_clients_session(
    client: AppClient,
) -> None:
    with client.session_transaction() as sess:
        sess["user"] = "from test"
    assert client.get("/get/user").data == b"from test"
    client.post("/set/user/from-view")
    with client.session_transaction() as sess:
        assert sess["user"] == "from-view"


def test_session_transaction_needs_cookies(app: App) -> None:
    client = app.test_client(use_cookies=False)
    with pytest.raises(TypeError, match="use_cookies"), client.session_transaction():
        pass


def test_follow_redirects_keeps_the_final_session_state(app: App) -> None:
    @app.post("/login")
    def login() -> t.Any:
        session["user"] = "ann"
        from framework import redirect

        return redirect("/whoami")

    @app.get("/whoami")
    def whoami() -> str:
        session["seen"] = True
        return str(session["user"])

    client = app.test_client()
    response = client.post("/login", follow_redirects=True)
    assert response.data == b"ann"
    with client.session_transaction() as sess:
        assert sess["user"] == "ann"
        assert sess["seen"] is True


def test_a_subclass_digest_method_signs_the_cookie(app: App) -> None:
    """The default SHA-1 is swapped for OpenSSL's own constructor; a digest
    method of the user's is used as given (FIPS builds set SHA-256)."""

    class Sha256Sessions(SecureCookieSessionInterface):
        digest_method = staticmethod(hashlib.sha256)

    app.session_interface = Sha256Sessions()
    client = app.test_client()
    client.post("/set/user/ann")
    cookie = client.get_cookie("session")
    assert cookie is not None
    sha256 = URLSafeTimedSerializer(
        "test secret",
        salt="cookie-session",
        serializer=SecureCookieSessionInterface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
    assert sha256.loads(cookie.value)["user"] == "ann"
    assert client.get("/get/user").data == b"ann"


def test_a_custom_session_interface_is_used(app: App) -> None:
    store: dict[str, dict[str, t.Any]] = {}

    class MemoryInterface(SessionInterface):
        def open_session(self, app: App, request: t.Any) -> t.Any:
            return SecureCookieSession(store.get("only", {}))

        def save_session(self, app: App, session: t.Any, response: t.Any) -> None:
            if session.modified:
                store["only"] = dict(session)

    app.session_interface = MemoryInterface()
    client = app.test_client()
    client.post("/set/a/b")
    assert store == {"only": {"a": "b"}}
    assert client.get("/get/a").data == b"b"


class FailingStore(SessionInterface):
    """A session store that is down: the interface answers 503 when it
    needs the store, which is what a server-side store's interface does."""

    def __init__(self, fail_open: bool, fail_save: bool) -> None:
        self.fail_open = fail_open
        self.fail_save = fail_save

    def open_session(self, app: App, request: t.Any) -> t.Any:
        if self.fail_open:
            raise ServiceUnavailable("the session store is down")
        return SecureCookieSession()

    def save_session(self, app: App, session: t.Any, response: t.Any) -> None:
        if self.fail_save and session.modified:
            raise ServiceUnavailable("the session store is down")


@pytest.mark.parametrize("testing", [True, False])
def test_an_http_error_when_saving_the_session_goes_to_the_error_handlers(
    app: App, testing: bool
) -> None:
    app.testing = testing
    app.session_interface = FailingStore(fail_open=False, fail_save=True)

    @app.errorhandler(503)
    def unavailable(e: ServiceUnavailable) -> tuple[str, int]:
        return f"handled: {e.description}", 503

    response = app.test_client().post("/set/a/b")
    assert response.status_code == 503
    assert response.data == b"handled: the session store is down"


def test_an_http_error_when_opening_the_session_only_to_refresh_it(
    app: App,
) -> None:
    # The view never touches the session; the app opens it after the view,
    # to renew the cookie, and the store is down.
    app.session_interface = FailingStore(fail_open=True, fail_save=False)
    client = app.test_client()
    client.set_cookie("session", "some-id")
    response = client.get("/plain")
    assert response.status_code == 503
    assert b"the session store is down" in response.data


def test_copied_request_context_shares_the_session(app: App) -> None:
    from framework import copy_current_request_context

    @app.get("/copy")
    def copy() -> str:
        session["x"] = "original"

        @copy_current_request_context
        def other() -> str:
            return str(session["x"])

        return other()

    assert app.test_client().get("/copy").data == b"original"


def test_a_cookie_header_over_the_browser_limit_is_still_just_bad_data(
    app: App, client: AppClient
) -> None:
    response = client.get("/get/user", headers={"Cookie": "session=" + "y" * 20_000})
    assert response.status_code == 200
    assert response.data == b"<missing>"


def test_a_validly_signed_but_malformed_payload_gives_an_empty_session(
    app: App, client: AppClient
) -> None:
    interface = SecureCookieSessionInterface()
    serializer = interface.get_signing_serializer(app)
    assert serializer is not None
    # Signed correctly, but the tagged JSON inside is broken: a bytes tag
    # holding something that is not base64.
    signer = serializer.make_signer(serializer.salt)
    payload = base64_encode(b'{"x":{" b":"!!"}}')
    client.set_cookie("session", signer.sign(payload).decode())
    assert client.get("/get/x").data == b"<missing>"


def test_key_caching_signer_signs_like_itsdangerous_and_checks_every_key() -> None:
    from itsdangerous import BadSignature, TimestampSigner

    from framework.sessions import KeyCachingSigner

    ours = KeyCachingSigner(["old key", "new key"], salt="s")
    theirs = TimestampSigner(["old key", "new key"], salt="s")
    for _ in range(2):  # the second round uses the derived keys it kept
        assert theirs.unsign(ours.sign("value")) == b"value"
        assert ours.unsign(theirs.sign("value")) == b"value"
        assert ours.unsign(TimestampSigner("old key", salt="s").sign("v")) == b"v"
        with pytest.raises(BadSignature):
            ours.unsign(TimestampSigner("other key", salt="s").sign("v"))


def _itsdangerous_serializer(*keys: str) -> URLSafeTimedSerializer:
    """The serializer Flask signs session cookies with, for comparison."""
    return URLSafeTimedSerializer(
        list(keys),
        salt="cookie-session",
        serializer=SecureCookieSessionInterface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


@pytest.mark.parametrize(
    "data",
    [
        {"user": "ann"},
        {},
        # Compressible: written zlib-compressed, behind a dot.
        {"csrf_token": "0123456789abcdef" * 4},
        {"t": (1, 2), "b": b"\x00\xff", "u": uuid.UUID(int=7), "m": Markup("<b>")},
        {"text": "\u00e9\u4e2d" * 30, "n": [1.5, None, True]},
    ],
)
def test_session_serializer_writes_and_reads_itsdangerous_format_exactly(
    app: App, data: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    # The same second for both: the timestamp is part of the cookie.
    monkeypatch.setattr(time, "time", lambda: 1_700_000_000.5)
    app.config["SECRET_KEY_FALLBACKS"] = ["old secret"]
    ours = SecureCookieSessionInterface().get_signing_serializer(app)
    assert ours is not None
    theirs = _itsdangerous_serializer("old secret", "test secret")
    written = ours.dumps(data)
    assert written == theirs.dumps(data)
    assert ours.loads(written, max_age=60) == data
    assert ours.loads(theirs.dumps(data), max_age=60) == data
    old = _itsdangerous_serializer("old secret").dumps(data)
    assert ours.loads(old, max_age=60) == theirs.loads(old, max_age=60)


def test_session_serializer_raises_as_itsdangerous_does_for_bad_cookies(
    app: App,
) -> None:
    from itsdangerous import BadPayload, BadSignature, SignatureExpired

    ours = SecureCookieSessionInterface().get_signing_serializer(app)
    assert ours is not None
    theirs = _itsdangerous_serializer("test secret")
    good = theirs.dumps({"user": "ann"})
    with pytest.raises(BadSignature):
        ours.loads(good[:-2] + "xx", max_age=60)
    with pytest.raises(BadSignature):
        ours.loads(_itsdangerous_serializer("other").dumps({"a": 1}), max_age=60)
    with pytest.raises(SignatureExpired):
        ours.loads(good, max_age=-1)
    with pytest.raises(BadSignature):
        ours.loads("no-dots-at-all", max_age=60)
    with pytest.raises(BadSignature):
        ours.loads("caf\u00e9.x.y", max_age=60)
    signer = theirs.make_signer()
    with pytest.raises(BadPayload):  # signed, but not JSON
        ours.loads(signer.sign(base64_encode(b"{not json")).decode(), max_age=60)
    with pytest.raises(BadPayload):  # signed, marked compressed, but not zlib
        ours.loads(signer.sign(b"." + base64_encode(b"plain")).decode(), max_age=60)


def test_session_serializer_reads_what_itsdangerous_reads_leniently(
    app: App,
) -> None:
    ours = SecureCookieSessionInterface().get_signing_serializer(app)
    assert ours is not None
    theirs = _itsdangerous_serializer("test secret")
    good = theirs.dumps({"user": "ann"})
    payload, stamp, signature = good.split(".")
    # itsdangerous skips non-ASCII characters in the signature; the short
    # way leaves such a cookie to it.
    odd = f"{payload}.{stamp}.{signature[:5]}\u00e9{signature[5:]}"
    assert theirs.loads(odd, max_age=60) == {"user": "ann"}
    assert ours.loads(odd, max_age=60) == {"user": "ann"}


def test_a_custom_digest_still_signs_through_itsdangerous(app: App) -> None:
    class Sha256Sessions(SecureCookieSessionInterface[App]):
        digest_method = staticmethod(hashlib.sha256)

    ours = Sha256Sessions().get_signing_serializer(app)
    assert ours is not None
    theirs = URLSafeTimedSerializer(
        "test secret",
        salt="cookie-session",
        serializer=SecureCookieSessionInterface.serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
    )
    assert theirs.loads(ours.dumps({"a": 1})) == {"a": 1}
    assert ours.loads(theirs.dumps({"a": 1}), max_age=60) == {"a": 1}


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"SESSION_COOKIE_DOMAIN": "example.com", "SESSION_COOKIE_SECURE": True},
        {"SESSION_COOKIE_SAMESITE": "Lax", "SESSION_COOKIE_HTTPONLY": False},
        {"SESSION_COOKIE_PARTITIONED": True, "SESSION_COOKIE_PATH": "/app"},
        {"SESSION_COOKIE_NAME": "sid", "PERMANENT": True},
    ],
)
def test_session_cookie_header_is_werkzeugs(app: App, config: dict[str, t.Any]) -> None:
    from werkzeug.http import dump_cookie

    permanent = config.pop("PERMANENT", False)
    app.config.update(config)

    @app.post("/login")
    def login() -> str:
        session.permanent = permanent
        session["user"] = "ann"
        return "ok"

    response = app.test_client().post("/login")
    header = response.headers["Set-Cookie"]
    name, _, rest = header.partition("=")
    value = rest.partition(";")[0]
    expires = None
    if permanent:
        expires = rest.partition("Expires=")[2].partition(";")[0]
        assert expires
    interface = app.session_interface
    assert isinstance(interface, SecureCookieSessionInterface)
    assert header == dump_cookie(
        interface.get_cookie_name(app),
        value,
        expires=expires,
        **interface._cookie_options(app),
    )
    assert name == interface.get_cookie_name(app)


def test_session_cookie_over_the_size_limit_still_warns(app: App) -> None:
    app.config["MAX_COOKIE_SIZE"] = 50

    @app.post("/big")
    def big() -> str:
        session["data"] = "x" * 100
        return "ok"

    with pytest.warns(UserWarning, match="cookie"):
        response = app.test_client().post("/big")
    assert "session=" in response.headers["Set-Cookie"]


def test_session_adds_cookie_to_an_existing_vary_header(app: App) -> None:
    @app.get("/vary")
    def vary() -> t.Any:
        session.get("x")
        return "ok", {"Vary": "Accept-Encoding"}

    response = app.test_client().get("/vary")
    assert response.headers["Vary"] == "Accept-Encoding, Cookie"


# -- session.accessed and Vary: Cookie, as Flask sets them ------------------------


def test_vary_cookie_exactly_when_the_session_was_used(app: App) -> None:
    @app.post("/")
    def store() -> str:
        session["value"] = "42"
        return "stored"

    @app.get("/")
    def read() -> str:
        return str(session.get("value", "None"))

    @app.get("/nothing")
    def nothing() -> str:
        return ""

    client = app.test_client()
    with client:
        response = client.get("/nothing")
        assert "cookie" not in response.vary
        # The context keeps the session (opened now, for the test), unused.
        assert not request_ctx._session.accessed
        assert not request_ctx._session.modified
    with client:
        response = client.post("/")
        assert "cookie" in response.vary
        assert request_ctx._session.accessed and request_ctx._session.modified
    with client:
        response = client.get("/")
        assert response.data == b"42"
        assert "cookie" in response.vary
        assert request_ctx._session.accessed
        assert not request_ctx._session.modified
    with client:
        # The cookie is sent and the session renewed, but never used.
        response = client.get("/nothing")
        assert "cookie" not in response.vary
        assert not request_ctx._session.accessed


def test_saving_the_session_does_not_count_as_a_use(app: App) -> None:
    interface = app.session_interface
    with app.test_request_context("/"):
        opened = interface.open_session(app, request_ctx.request)
        assert opened is not None
        opened.update(a=1)  # modified and accessed
        opened.accessed = False
        response = app.response_class()
        interface.save_session(app, opened, response)
        assert "Set-Cookie" in response.headers
        assert not opened.accessed  # reading it to save was not a use
        assert "cookie" in response.vary  # the cookie changed


def test_session_json_serializer_is_the_cookie_serializer() -> None:
    from framework.sessions import SecureCookieSessionInterface, session_json_serializer

    assert SecureCookieSessionInterface.serializer is session_json_serializer
    dumped = session_json_serializer.dumps({"when": datetime(2020, 1, 2, tzinfo=UTC)})
    assert session_json_serializer.loads(dumped) == {
        "when": datetime(2020, 1, 2, tzinfo=UTC)
    }


@pytest.mark.parametrize("key", [b"", b"k" * 20, b"long" * 40])
def test_sha1_mac_is_hmac_sha1(key: bytes) -> None:
    import hmac

    from framework.sessions import _Sha1Mac

    mac = _Sha1Mac(key)
    for message in (b"", b"payload.stamp", b"x" * 200):
        assert mac.digest(message) == hmac.digest(key, message, "sha1")
