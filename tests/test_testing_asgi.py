"""The ASGI side of the test clients (``framework/testing.py``): the
:class:`~framework.testing.ASGITransport` that sends an
:class:`~framework.testing.AppClient`'s requests through an ASGI callable,
and :class:`~framework.testing.AsyncAppClient`.

The transport's own behaviour (the scope it builds, the body it feeds, the
messages it collects, disconnects) is tested against small hand-written
ASGI apps, so that what is checked is the transport, not the framework's
adapter; the same behaviours through ``app.asgi`` are covered by the core
modules run on both transports (see ``tests/conftest.py``).
"""

from __future__ import annotations

import asyncio
import gc
import pathlib
import threading
import time
import typing as t
from contextlib import ExitStack

import pytest

from framework import (
    App,
    Response,
    abort,
    after_this_request,
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    got_request_exception,
    redirect,
    request,
    request_finished,
    request_started,
    request_tearing_down,
    send_file,
    session,
    stream_with_context,
)
from framework.concurrency import loop_safe
from framework.signals import request_matched, session_opened
from framework.testing import (
    AppClient,
    ASGITransport,
    AsyncAppClient,
    ClientDisconnected,
    LifespanFailed,
    WSGITransport,
    environ_to_scope,
)

Message = dict[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]


def client_of(
    app: App, asgi: t.Callable[..., t.Awaitable[None]], **options: t.Any
) -> AppClient:
    """``app``'s test client, sending its requests to ``asgi``: ``app``
    only gives the config the requests are built from."""
    return app.test_client(transport=ASGITransport(asgi, **options))


async def send_text(send: Send, text: str, status: int = 200, **headers: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain"),
                *(
                    (k.replace("_", "-").encode(), v.encode())
                    for k, v in headers.items()
                ),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text.encode()})


class Recorder:
    """An ASGI app that keeps each scope and the messages ``receive`` gave,
    and answers ``"ok"``."""

    def __init__(self) -> None:
        self.scopes: list[dict[str, t.Any]] = []
        self.received: list[Message] = []

    async def __call__(
        self, scope: dict[str, t.Any], receive: Receive, send: Send
    ) -> None:
        self.scopes.append(scope)
        while True:
            message = await receive()
            self.received.append(message)
            if not message.get("more_body"):
                break
        await send_text(send, "ok")


# -- the scope ----------------------------------------------------------------------


def test_scope_is_built_from_the_request(app: App) -> None:
    app.config["APPLICATION_ROOT"] = "/root"
    recorder = Recorder()
    client = client_of(app, recorder)
    client.set_cookie("flavor", "oat")
    response = client.post(
        "/a%20b/%C3%BC?x=1&y=%20",
        data=b"body",
        content_type="application/octet-stream",
        headers={"X-Token": "secret"},
    )
    assert response.status_code == 200
    scope = recorder.scopes[0]
    assert scope["type"] == "http"
    assert scope["asgi"]["version"] == "3.0"
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "POST"
    assert scope["scheme"] == "http"
    # The ASGI spec's path includes the root path, and is decoded text.
    assert scope["root_path"] == "/root"
    assert scope["path"] == "/root/a b/ü"
    assert scope["raw_path"] == b"/root/a%20b/%C3%BC"
    assert scope["query_string"] == b"x=1&y=%20"
    assert scope["client"] == ("127.0.0.1", 0)
    assert scope["server"] == ("localhost", 80)
    headers = scope["headers"]
    assert all(name == name.lower() for name, _ in headers)
    assert all(isinstance(n, bytes) and isinstance(v, bytes) for n, v in headers)
    found = dict(headers)
    assert found[b"host"] == b"localhost"
    assert found[b"x-token"] == b"secret"
    assert found[b"cookie"] == b"flavor=oat"
    assert found[b"content-type"] == b"application/octet-stream"
    assert found[b"content-length"] == b"4"
    assert found[b"user-agent"].startswith(b"Werkzeug/")


def test_scope_scheme_server_and_environ_base(app: App) -> None:
    recorder = Recorder()
    client = client_of(app, recorder)
    client.environ_base.update(REMOTE_ADDR="10.0.0.7", HTTP_X_FROM_BASE="yes")
    client.get("https://example.org:8443/p", environ_base={"REMOTE_PORT": "5555"})
    scope = recorder.scopes[0]
    assert scope["scheme"] == "https"
    assert scope["server"] == ("example.org", 8443)
    assert scope["client"] == ("10.0.0.7", 5555)
    assert dict(scope["headers"])[b"x-from-base"] == b"yes"
    assert dict(scope["headers"])[b"host"] == b"example.org:8443"


def test_scope_raw_path_follows_an_overridden_path(app: App) -> None:
    recorder = Recorder()
    client_of(app, recorder).get("/sent", environ_overrides={"PATH_INFO": "/a b"})
    assert recorder.scopes[0]["path"] == "/a b"
    assert recorder.scopes[0]["raw_path"] == b"/a%20b"


def test_environ_to_scope_without_client_or_body_headers() -> None:
    scope = environ_to_scope(
        {
            "REQUEST_METHOD": "get",
            "PATH_INFO": "/",
            "SERVER_NAME": "h",
            "SERVER_PORT": "",
            "CONTENT_LENGTH": "",
            "SERVER_PROTOCOL": "HTTP/2",
        }
    )
    assert scope["method"] == "GET"
    assert scope["client"] is None
    assert scope["server"] == ("h", None)
    assert scope["headers"] == []
    assert scope["http_version"] == "2"


# -- the request body ---------------------------------------------------------------


def test_body_comes_in_chunks_then_disconnect_once_the_response_is_done(
    app: App,
) -> None:
    seen: list[Message] = []

    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            seen.append(message)
            if not message["more_body"]:
                break
        # A server says the client is gone only when it is: not while the
        # response is still being sent.
        watcher = asyncio.ensure_future(receive())
        await asyncio.sleep(0.01)
        assert not watcher.done()
        await send_text(send, "read")
        seen.append(await watcher)

    client = client_of(app, asgi, chunk_size=4)
    assert client.post("/", data=b"0123456789").text == "read"
    assert seen == [
        {"type": "http.request", "body": b"0123", "more_body": True},
        {"type": "http.request", "body": b"4567", "more_body": True},
        {"type": "http.request", "body": b"89", "more_body": False},
        {"type": "http.disconnect"},
    ]


def test_empty_body_is_one_message(app: App) -> None:
    recorder = Recorder()
    client_of(app, recorder).get("/")
    assert recorder.received == [
        {"type": "http.request", "body": b"", "more_body": False}
    ]


def test_chunked_body_is_read_to_its_end(app: App) -> None:
    recorder = Recorder()
    client = client_of(app, recorder, chunk_size=3)
    client.post(
        "/",
        input_stream=__import__("io").BytesIO(b"abcdefg"),
        headers={"Transfer-Encoding": "chunked"},
    )
    assert b"".join(m["body"] for m in recorder.received) == b"abcdefg"
    assert dict(recorder.scopes[0]["headers"])[b"transfer-encoding"] == b"chunked"


# -- the response -------------------------------------------------------------------


def test_status_headers_and_body(app: App) -> None:
    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        await send_text(send, "made", status=201, x_one="1")

    response = client_of(app, asgi).get("/")
    assert response.status == "201 CREATED"
    assert response.headers["X-One"] == "1"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.data == b"made"


def streaming_app(log: list[str], chunks: int = 3) -> t.Any:
    """An ASGI app that streams ``chunks`` chunks, logging each as sent,
    and logs how it ended."""

    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            for i in range(chunks):
                log.append(f"sent {i}")
                await send(
                    {
                        "type": "http.response.body",
                        "body": str(i).encode(),
                        "more_body": True,
                    }
                )
            await send({"type": "http.response.body", "body": b""})
            log.append("complete")
        except ClientDisconnected:
            log.append("client gone")
            assert await receive() == {"type": "http.disconnect"}
            raise
        finally:
            log.append("finally")

    return asgi


def test_streamed_chunks_come_as_the_test_reads(app: App) -> None:
    log: list[str] = []
    response = client_of(app, streaming_app(log)).get("/")
    assert response.status_code == 200
    # The first chunk was sent; the app waits for the test to read it.
    assert log == ["sent 0"]
    chunks = iter(response.response)
    assert next(chunks) == b"0"
    assert log == ["sent 0"]
    assert next(chunks) == b"1"
    assert log == ["sent 0", "sent 1"]
    assert list(chunks) == [b"2"]
    assert log == ["sent 0", "sent 1", "sent 2", "complete", "finally"]


def test_closing_a_streamed_response_early_is_a_disconnect(app: App) -> None:
    log: list[str] = []
    response = client_of(app, streaming_app(log)).get("/")
    assert next(iter(response.response)) == b"0"
    response.close()
    # close() returns once the app finished.
    assert log == ["sent 0", "client gone", "finally"]


def test_a_streamed_response_dropped_unread_lets_the_app_finish(app: App) -> None:
    log: list[str] = []
    response = client_of(app, streaming_app(log)).get("/")
    del response
    gc.collect()
    deadline = time.monotonic() + 5
    while "finally" not in log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert log == ["sent 0", "client gone", "finally"]


def test_buffered_reads_the_whole_stream(app: App) -> None:
    log: list[str] = []
    response = client_of(app, streaming_app(log)).get("/", buffered=True)
    assert log[-2:] == ["complete", "finally"]
    assert response.data == b"012"


def test_response_data_reads_the_whole_stream(app: App) -> None:
    log: list[str] = []
    response = client_of(app, streaming_app(log, chunks=5)).get("/")
    assert response.data == b"01234"
    assert log[-1] == "finally"


# -- errors -------------------------------------------------------------------------


def test_error_before_the_response_reaches_the_test(app: App) -> None:
    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        client_of(app, asgi).get("/")


def test_error_mid_stream_is_raised_while_reading(app: App) -> None:
    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})
        raise ValueError("mid-stream")

    response = client_of(app, asgi).get("/")
    chunks = iter(response.response)
    assert next(chunks) == b"a"
    with pytest.raises(ValueError, match="mid-stream"):
        next(chunks)


def test_a_base_exception_reaches_the_test_and_the_loop_goes_on(app: App) -> None:
    async def interrupted(
        scope: dict[str, t.Any], receive: Receive, send: Send
    ) -> None:
        raise KeyboardInterrupt

    # Raised in the test, as under WSGI; the loop every client shares
    # keeps serving.
    with pytest.raises(KeyboardInterrupt):
        client_of(app, interrupted).get("/")
    assert client_of(app, Recorder()).get("/").text == "ok"


def test_a_response_the_app_left_incomplete_is_a_connection_error(
    app: App,
) -> None:
    async def cut(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        if scope["path"] == "/stream":
            await send({"type": "http.response.body", "body": b"a", "more_body": True})

    client = client_of(app, cut)
    with pytest.raises(ConnectionError, match="before the response was complete"):
        client.get("/")
    response = client.get("/stream")
    chunks = iter(response.response)
    assert next(chunks) == b"a"
    with pytest.raises(ConnectionError, match="body is cut off"):
        next(chunks)


def test_app_returning_without_a_response_is_an_error(app: App) -> None:
    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        return

    with pytest.raises(RuntimeError, match=r"without sending 'http\.response\.start'"):
        client_of(app, asgi).get("/")


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        (
            [{"type": "http.response.body", "body": b"x"}],
            "before 'http.response.start'",
        ),
        (
            [{"type": "http.response.start", "status": 200, "headers": []}] * 2,
            "sent 'http.response.start' twice",
        ),
        (
            [
                {"type": "http.response.start", "status": 200, "headers": []},
                {"type": "http.response.body", "body": b""},
                {"type": "http.response.body", "body": b""},
            ],
            "after the response ended",
        ),
        ([{"type": "http.response.pathsend", "path": "/x"}], "unexpected"),
    ],
)
def test_messages_out_of_order_are_errors(
    app: App, messages: list[Message], error: str
) -> None:
    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    with pytest.raises(RuntimeError, match=error):
        client_of(app, asgi).get("/", buffered=True)


def test_an_app_that_hangs_fails_the_test_instead(app: App) -> None:
    cancelled = threading.Event()

    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError, match=r"sent nothing for 0\.2 seconds"):
        client_of(app, asgi, timeout=0.2).get("/")
    assert cancelled.wait(5)


def test_transport_refuses_to_run_on_its_own_loop(app: App) -> None:
    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        raise AssertionError("not reached")  # pragma: no cover

    async def inside() -> None:
        transport = ASGITransport(asgi, loop=asyncio.get_running_loop())
        client = app.test_client(transport=transport)
        with pytest.raises(RuntimeError, match="its own event loop"):
            client.get("/")

    asyncio.run(inside())


# -- the client around it: cookies, redirects, the transport switch -----------------


def test_cookies_and_redirects_through_an_asgi_app(app: App) -> None:
    async def asgi(scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        cookie = dict(scope["headers"]).get(b"cookie", b"").decode()
        if scope["path"] == "/login":
            await send_text(
                send, "", status=302, location="/home", set_cookie="user=ann"
            )
        else:
            await send_text(send, f"home of {cookie}")

    client = client_of(app, asgi)
    response = client.get("/login", follow_redirects=True)
    assert response.text == "home of user=ann"
    assert [r.status_code for r in response.history] == [302]
    assert client.get_cookie("user") is not None


def test_transport_names(app: App) -> None:
    assert isinstance(app.test_client().transport, WSGITransport)
    assert isinstance(app.test_client(transport="wsgi").transport, WSGITransport)
    transport = app.test_client(transport="asgi").transport
    assert isinstance(transport, ASGITransport)
    with pytest.raises(ValueError, match="Unknown transport 'http2'"):
        app.test_client(transport="http2")


def test_default_transport_is_a_class_setting(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(AppClient, "default_transport", "asgi")
    assert isinstance(app.test_client().transport, ASGITransport)
    assert isinstance(app.test_client(transport="wsgi").transport, WSGITransport)


# -- ordering parity: the same scenario through both transports ---------------------


def _ordering_app(
    log: list[str], signals: ExitStack, kind: str, threads: list[str]
) -> App:
    """An app that logs every hook, signal and teardown it runs, in order;
    its signal receivers stay connected until ``signals`` closes. With
    ``kind`` ``"async"``, the views, hooks and handlers are coroutine
    functions and the rest loop-safe, so that under ASGI the whole request
    runs on the loop; else all are plain functions (under ASGI, in one
    thread hop). ``threads`` gets the name of the thread the first hook
    ran in."""
    app = App("ordering")
    app.secret_key = "ordering"

    def note(name: str) -> t.Callable[..., None]:
        def record(*args: t.Any, **kwargs: t.Any) -> None:
            error = kwargs.get("exception", kwargs.get("exc"))
            log.append(name if error is None else f"{name}({error!r})")

        return record

    sent_by_contexts = (
        appcontext_pushed,
        request_matched,
        request_tearing_down,
        appcontext_tearing_down,
        appcontext_popped,
    )
    sent_by_the_pipeline = (
        request_started,
        request_finished,
        got_request_exception,
        session_opened,
    )
    # The contexts send theirs from sync code: a receiver of one keeps the
    # request off the loop, so the async scenario listens to the others.
    for signal in (
        sent_by_the_pipeline
        if kind == "async"
        else sent_by_contexts + sent_by_the_pipeline
    ):
        signals.enter_context(signal.connected_to(note(f"signal {signal.name}"), app))

    def made(func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """``func`` as it is, or as a coroutine function doing the same."""
        if kind == "sync":
            return func

        async def run(*args: t.Any, **kwargs: t.Any) -> t.Any:
            await asyncio.sleep(0)
            return func(*args, **kwargs)

        # Not functools.wraps: its __wrapped__ would show the sync function
        # to the adapter's classify(), which plans by what is unwrapped.
        run.__name__ = func.__name__
        return run

    # Flask's url value preprocessors are sync only; this one may run on
    # the loop.
    @app.url_value_preprocessor
    @loop_safe
    def values(endpoint: str | None, view_args: dict[str, t.Any] | None) -> None:
        log.append(f"url_value_preprocessor {endpoint}")

    def before() -> None:
        log.append("before_request")
        session["seen"] = True
        threads.append(threading.current_thread().name)

    def after(response: Response) -> Response:
        log.append(f"after_request {response.status_code}")
        return response

    def teardown(error: BaseException | None) -> None:
        log.append(f"teardown_request {error!r}")

    def teardown_app(error: BaseException | None) -> None:
        log.append(f"teardown_appcontext {error!r}")

    def lookup(error: LookupError) -> tuple[str, int]:
        log.append(f"errorhandler {error!r}")
        return "handled", 409

    def later(response: Response) -> Response:
        log.append("after_this_request")
        return response

    def ok() -> str:
        log.append("view ok")
        after_this_request(made(later))
        return "ok"

    def handled() -> str:
        log.append("view handled")
        raise KeyError("k")

    def unhandled() -> str:
        log.append("view unhandled")
        raise RuntimeError("r")

    def aborted() -> str:
        log.append("view abort")
        abort(403)

    def stream() -> Response:
        log.append("view stream")

        @stream_with_context
        def generate() -> t.Iterator[str]:
            log.append(f"generate {request.path}")
            yield "a"
            log.append("generate more")
            yield "b"

        return Response(generate())

    app.before_request(made(before))
    app.after_request(made(after))
    # Teardown callbacks run on the loop only when loop-safe sync functions.
    app.teardown_request(loop_safe(teardown) if kind == "async" else teardown)
    app.teardown_appcontext(
        loop_safe(teardown_app) if kind == "async" else teardown_app
    )
    app.register_error_handler(LookupError, made(lookup))
    for path, view in [
        ("/ok", ok),
        ("/handled", handled),
        ("/unhandled", unhandled),
        ("/abort", aborted),
        ("/stream", stream),
    ]:
        app.add_url_rule(path, view.__name__, made(view))
    return app


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize(
    "path", ["/ok", "/handled", "/unhandled", "/abort", "/stream", "/missing"]
)
def test_hooks_signals_and_teardown_run_in_the_same_order_on_both(
    path: str, kind: str
) -> None:
    logs: dict[str, list[str]] = {}
    bodies: dict[str, tuple[int, bytes]] = {}
    for name in ("wsgi", "asgi"):
        log = logs[name] = []
        threads: list[str] = []
        with ExitStack() as signals:
            app = _ordering_app(log, signals, kind, threads)
            client = app.test_client(transport=name)
            response = client.get(path)
            bodies[name] = response.status_code, response.get_data()
            response.close()
            log.append("response closed")
        if name == "asgi":
            # Under ASGI the async scenario runs on the loop (the async
            # twin of the pipeline), the sync one in a thread of the pool.
            on_loop = threads == ["framework-test-client"]
            assert on_loop is (kind == "async")
    assert bodies["wsgi"] == bodies["asgi"]
    assert logs["wsgi"] == logs["asgi"]
    # The scenario did run: every request goes through the hooks.
    assert "before_request" in logs["wsgi"]
    assert any(e.startswith("teardown_appcontext") for e in logs["wsgi"])


# -- through the app: streaming and sessions on both transports ---------------------


@pytest.mark.parametrize("name", ["wsgi", "asgi"])
def test_a_streamed_view_is_read_as_it_produces(app: App, name: str) -> None:
    produced: list[str] = []
    go_on = threading.Event()

    @app.get("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            produced.append("first")
            yield "first"
            # Only once the test read the first chunk: a client that
            # collected the whole body first would wait here, then fail.
            go_on.wait(5)
            produced.append("second")
            yield "second"

        return generate()

    response = app.test_client(transport=name).get("/stream")
    chunks = iter(response.response)
    assert next(chunks) == b"first"
    assert produced == ["first"]
    go_on.set()
    assert next(chunks) == b"second"
    assert produced == ["first", "second"]
    assert list(chunks) == []


@pytest.mark.parametrize("name", ["wsgi", "asgi"])
def test_a_followed_308_sends_the_body_again(app: App, name: str) -> None:
    @app.post("/items/")
    def items() -> str:
        return request.form.get("name", "none")

    # Routing answers /items with a 308 to /items/, which keeps the body.
    response = app.test_client(transport=name).post(
        "/items", data={"name": "x"}, follow_redirects=True
    )
    assert [r.status_code for r in response.history] == [308]
    assert response.data == b"x"


@pytest.mark.parametrize("pathsend", [False, True], ids=["chunks", "pathsend"])
def test_send_file_with_and_without_the_pathsend_extension(
    app: App, tmp_path: pathlib.Path, pathsend: bool
) -> None:
    target = tmp_path / "data.bin"
    target.write_bytes(b"0123456789" * 1000)
    sent: list[str] = []
    inner = app.asgi_app

    async def spy(scope: t.Any, receive: Receive, send: Send) -> None:
        async def recorded(message: Message) -> None:
            sent.append(message["type"])
            await send(message)

        await inner(scope, receive, recorded)

    app.asgi_app = spy  # type: ignore[method-assign]
    app.get("/file")(lambda: send_file(target))
    client = app.test_client(transport=ASGITransport(app.asgi, pathsend=pathsend))
    response = client.get("/file")
    assert response.data == target.read_bytes()
    assert ("http.response.pathsend" in sent) is pathsend


@pytest.mark.parametrize("name", ["wsgi", "asgi"])
def test_session_transaction_and_environ_base_on_both(app: App, name: str) -> None:
    app.secret_key = "test"

    @app.get("/whoami")
    def whoami() -> str:
        return f"{session.get('user')} from {request.remote_addr}"

    client = app.test_client(transport=name)
    client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    with client.session_transaction() as stored:
        stored["user"] = "ann"
    assert client.get("/whoami").text == "ann from 10.1.2.3"


# -- the async client ---------------------------------------------------------------


def test_async_client_requests(app: App) -> None:
    app.secret_key = "test"
    loops: list[asyncio.AbstractEventLoop] = []

    @app.post("/login")
    def login() -> str:
        session["user"] = request.get_json()["user"]
        return "in"

    @app.get("/me")
    async def me() -> dict[str, t.Any]:
        loops.append(asyncio.get_running_loop())
        return {"user": session.get("user")}

    @app.get("/go")
    def go() -> t.Any:
        return redirect("/me")

    async def scenario() -> None:
        client = app.async_test_client()
        assert isinstance(client, AsyncAppClient)
        response = await client.post("/login", json={"user": "ann"})
        assert response.text == "in"
        response = await client.get("/go", follow_redirects=True)
        assert response.json == {"user": "ann"}
        assert [r.status_code for r in response.history] == [302]
        # The async view ran on the test's own loop.
        assert loops == [asyncio.get_running_loop()]
        assert client.get_cookie("session") is not None

    asyncio.run(scenario())


def test_async_client_concurrent_requests(app: App) -> None:
    arrived = 0
    everyone = asyncio.Event()
    count = 12

    @app.get("/meet")
    async def meet() -> str:
        nonlocal arrived
        arrived += 1
        if arrived == count:
            everyone.set()
        # Each request waits for all the others: they must all run at once.
        await asyncio.wait_for(everyone.wait(), 5)
        return "met"

    async def scenario() -> None:
        client = app.async_test_client()
        responses = await asyncio.gather(*(client.get("/meet") for _ in range(count)))
        assert [r.text for r in responses] == ["met"] * count

    asyncio.run(scenario())


def test_async_client_stream(app: App) -> None:
    produced: list[str] = []
    go_on = threading.Event()

    @app.get("/stream")
    def stream() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            produced.append("first")
            yield "first"
            go_on.wait(5)
            produced.append("second")
            yield "second"

        return generate()

    async def scenario() -> None:
        client = app.async_test_client()
        async with client.stream("/stream") as response:
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/html")
            chunks = aiter(response)
            assert await anext(chunks) == b"first"
            assert produced == ["first"]
            go_on.set()
            assert await response.read() == b"second"

    asyncio.run(scenario())


def test_async_client_stream_left_early_closes_the_generator(app: App) -> None:
    closed = threading.Event()

    @app.get("/endless")
    def endless() -> t.Iterator[str]:
        def generate() -> t.Iterator[str]:
            try:
                while True:
                    yield "x"
            finally:
                closed.set()

        return generate()

    async def scenario() -> None:
        async with app.async_test_client().stream("/endless") as response:
            async for chunk in response:
                assert chunk == b"x"
                break
        assert closed.is_set()

    asyncio.run(scenario())


def test_async_client_session_transaction(app: App) -> None:
    app.secret_key = "test"

    @app.get("/me")
    def me() -> str:
        return str(session.get("user"))

    async def scenario() -> None:
        client = app.async_test_client()
        with client.session_transaction() as stored:
            stored["user"] = "bob"
        assert (await client.get("/me")).text == "bob"

    asyncio.run(scenario())


class LifespanMiddleware:
    """ASGI middleware around ``app.asgi_app`` that answers the lifespan
    protocol itself: what an app's lifespan handling looks like to the
    client, whoever implements it."""

    def __init__(self, inner: t.Any, log: list[str], fail: str | None = None) -> None:
        self.inner = inner
        self.log = log
        self.fail = fail
        self.http_states: list[t.Any] = []

    async def __call__(self, scope: t.Any, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            self.http_states.append(scope.get("state"))
            await self.inner(scope, receive, send)
            return
        while True:
            message = await receive()
            phase = message["type"].rpartition(".")[2]
            self.log.append(phase)
            if self.fail == phase:
                await send({"type": f"lifespan.{phase}.failed", "message": "no db"})
            else:
                if phase == "startup":
                    scope["state"]["db"] = "connected"
                await send({"type": f"lifespan.{phase}.complete"})
            if phase == "shutdown" or self.fail == phase:
                return


def test_async_client_runs_lifespan_around_the_block(app: App) -> None:
    log: list[str] = []
    middleware = LifespanMiddleware(app.asgi_app, log)
    app.asgi_app = middleware  # type: ignore[method-assign]

    @app.get("/")
    def index() -> str:
        log.append("request")
        return "ok"

    async def scenario() -> None:
        async with app.async_test_client() as client:
            assert log == ["startup"]
            assert (await client.get("/")).text == "ok"
        assert log == ["startup", "request", "shutdown"]

    asyncio.run(scenario())
    # Each request got a copy of the state lifespan startup filled.
    assert middleware.http_states == [{"db": "connected"}]


def test_async_client_without_async_with_runs_no_lifespan(app: App) -> None:
    log: list[str] = []
    middleware = LifespanMiddleware(app.asgi_app, log)
    app.asgi_app = middleware  # type: ignore[method-assign]
    app.get("/")(lambda: "ok")

    async def scenario() -> None:
        assert (await app.async_test_client().get("/")).text == "ok"
        async with app.async_test_client(lifespan=False) as client:
            assert (await client.get("/")).text == "ok"

    asyncio.run(scenario())
    assert log == []
    assert middleware.http_states == [None, None]


@pytest.mark.parametrize("phase", ["startup", "shutdown"])
def test_async_client_lifespan_failure_is_raised(app: App, phase: str) -> None:
    log: list[str] = []
    app.asgi_app = LifespanMiddleware(app.asgi_app, log, fail=phase)  # type: ignore[method-assign]
    ran: list[str] = []

    async def scenario() -> None:
        async with app.async_test_client():
            ran.append("block")

    with pytest.raises(LifespanFailed, match="no db"):
        asyncio.run(scenario())
    assert ran == ([] if phase == "startup" else ["block"])


def test_async_client_lifespan_of_a_plain_app(app: App) -> None:
    app.get("/")(lambda: "ok")

    async def scenario() -> None:
        async with app.async_test_client() as client:
            assert (await client.get("/")).text == "ok"

    asyncio.run(scenario())


def test_async_client_lifespan_app_that_raises(app: App) -> None:
    async def broken(scope: t.Any, receive: Receive, send: Send) -> None:
        raise LookupError("lifespan not supported here")

    app.asgi_app = broken  # type: ignore[method-assign]

    async def scenario() -> None:
        async with app.async_test_client():
            raise AssertionError("not reached")  # pragma: no cover

    with pytest.raises(LookupError, match="not supported here"):
        asyncio.run(scenario())
