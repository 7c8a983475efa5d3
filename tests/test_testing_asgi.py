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
import threading
import typing as t

import pytest

from framework import App
from framework.testing import (
    AppClient,
    ASGITransport,
    ClientDisconnected,
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


# -- the scope ---------------------------------------------------------------------


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


# -- the request body ----------------------------------------------------------------


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


# -- the response ----------------------------------------------------------------------


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


# -- errors ----------------------------------------------------------------------------


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


# -- the client around it: cookies, redirects, the transport switch -------------


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
