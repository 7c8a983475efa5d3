"""The ASGI adapter (framework/asgi.py), driven in-process with hand-made
``receive`` and ``send``: what a server does, message by message."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import time
import typing as t

import pytest
from asgi_scopes import http_scope
from werkzeug.middleware.proxy_fix import ProxyFix

from framework import (
    App,
    after_this_request,
    g,
    got_request_exception,
    redirect,
    request,
    request_finished,
    request_started,
    send_file,
    session,
    stream_with_context,
)
from framework.bodies import stream_body
from framework.concurrency import cancel_on_disconnect, loop_safe
from framework.sessions import SecureCookieSessionInterface
from framework.views import MethodView, View

Message = dict[str, t.Any]


class Exchange:
    """One request sent to an ASGI app, and what the app sent back."""

    def __init__(self, messages: list[Message], received: int) -> None:
        self.messages = messages
        #: How many times the app called ``receive``.
        self.received = received

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def headers(self) -> dict[str, str]:
        return {
            name.decode(): value.decode() for name, value in self.messages[0]["headers"]
        }

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.messages[1:])


def scope(
    method: str = "GET",
    path: str = "/",
    headers: t.Sequence[tuple[bytes, bytes]] = (),
    query: bytes = b"",
) -> Message:
    """:func:`asgi_scopes.http_scope`, the method first (most tests here
    vary it)."""
    return http_scope(path, method, headers, query)


async def exchange(
    app: App,
    the_scope: Message,
    chunks: t.Sequence[bytes] = (),
    *,
    complete: bool = True,
    send_hook: t.Callable[[Message], t.Awaitable[None]] | None = None,
) -> Exchange:
    """Send ``the_scope`` with a body in ``chunks``, and collect the answer;
    with ``complete=False`` the body never ends. After the body the client
    stays connected and silent, as a real one does."""
    messages: list[Message] = []
    queue: list[Message] = [
        {"type": "http.request", "body": c, "more_body": True} for c in chunks
    ]
    if complete:
        queue.append({"type": "http.request", "body": b"", "more_body": False})
    received = 0

    async def receive() -> Message:
        nonlocal received
        received += 1
        if queue:
            return queue.pop(0)
        await asyncio.Event().wait()  # never
        raise AssertionError

    async def send(message: Message) -> None:
        messages.append(message)
        if send_hook is not None:
            await send_hook(message)

    await app.asgi(the_scope, receive, send)
    return Exchange(messages, received)


def call(app: App, *args: t.Any, **kwargs: t.Any) -> Exchange:
    return asyncio.run(exchange(app, *args, **kwargs))


@pytest.fixture
def app() -> App:
    return App(__name__)


# -- the entry point --------------------------------------------------------------


def test_app_asgi_is_detected_as_an_asgi3_app(app: App) -> None:
    # uvicorn and hypercorn tell ASGI 3 from WSGI by a coroutine __call__.
    assert inspect.iscoroutinefunction(type(app.asgi).__call__)
    assert not inspect.iscoroutinefunction(type(app).__call__)


def test_asgi_app_is_the_middleware_wrap_point(app: App) -> None:
    @app.get("/")
    def index() -> str:
        return "inner"

    inner = app.asgi_app
    seen: list[str] = []

    async def middleware(scope: Message, receive: t.Any, send: t.Any) -> None:
        seen.append(scope["path"])
        await inner(scope, receive, send)

    app.asgi_app = middleware  # type: ignore[method-assign]
    assert call(app, scope()).body == b"inner"
    assert seen == ["/"]


# -- where code runs ----------------------------------------------------------------


def test_sync_view_runs_in_one_pool_thread_with_its_hooks(app: App) -> None:
    threads: list[str] = []

    @app.before_request
    def before() -> None:
        threads.append(threading.current_thread().name)

    @app.get("/")
    def index() -> str:
        threads.append(threading.current_thread().name)
        return "sync"

    @app.after_request
    def after(response: t.Any) -> t.Any:
        threads.append(threading.current_thread().name)
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        threads.append(threading.current_thread().name)

    result = call(app, scope())
    assert (result.status, result.body) == (200, b"sync")
    assert len(threads) == 4
    assert len(set(threads)) == 1
    assert threads[0].startswith("framework-asgi")


def test_async_view_runs_on_the_servers_loop(app: App) -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    @app.get("/")
    async def index() -> str:
        loops.append(asyncio.get_running_loop())
        await asyncio.sleep(0)
        return "async"

    async def main() -> tuple[Exchange, asyncio.AbstractEventLoop]:
        return await exchange(app, scope()), asyncio.get_running_loop()

    result, server_loop = asyncio.run(main())
    assert result.body == b"async"
    assert loops == [server_loop]


_var: contextvars.ContextVar[str] = contextvars.ContextVar("_var")


def test_context_is_carried_from_hooks_to_view_and_teardown(app: App) -> None:
    seen: list[str] = []

    @app.before_request
    def before() -> None:
        g.user = "ada"
        _var.set("set in before_request")

    @app.get("/")
    async def index() -> str:
        seen.append(_var.get())
        _var.set("set in the async view")
        return f"{g.user} {request.path}"

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(_var.get())

    assert call(app, scope()).body == b"ada /"
    assert seen == ["set in before_request", "set in the async view"]


# -- bodies -----------------------------------------------------------------------


def test_json_and_form_bodies_are_read_before_the_view(app: App) -> None:
    @app.post("/")
    def index() -> t.Any:
        return {"json": request.get_json(silent=True), "form": request.form.to_dict()}

    body = b'{"a": [1, 2]}'
    result = call(
        app,
        scope(
            "POST",
            headers=[
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        ),
        [body[:5], body[5:]],
    )
    assert result.status == 200
    assert b'"json":{"a":[1,2]}' in result.body

    form = b"name=ada&lang=py"
    result = call(
        app,
        scope(
            "POST",
            headers=[
                (b"content-type", b"application/x-www-form-urlencoded"),
                (b"content-length", str(len(form)).encode()),
            ],
        ),
        [form],
    )
    assert b'"form":{"lang":"py","name":"ada"}' in result.body


def test_declared_body_over_the_limit_is_413_without_reading_it(app: App) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def index() -> str:
        return request.get_data(as_text=True)

    result = call(
        app, scope("POST", headers=[(b"content-length", b"1000")]), [b"x" * 1000]
    )
    assert result.status == 413
    assert result.received == 0


def test_chunked_body_over_the_limit_is_413(app: App) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def index() -> str:
        return request.get_data(as_text=True)

    result = call(
        app,
        scope("POST", headers=[(b"transfer-encoding", b"chunked")]),
        [b"x" * 8, b"x" * 8, b"x" * 8],
    )
    assert result.status == 413


def test_view_that_ignores_an_oversized_body_still_answers(app: App) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    def index() -> str:
        return "not read"

    result = call(app, scope("POST", headers=[(b"content-length", b"1000")]))
    assert (result.status, result.body) == (200, b"not read")


def test_body_that_never_arrives_is_408(app: App) -> None:
    app.config["ASGI_BODY_TIMEOUT"] = 0.1

    @app.post("/")
    def index() -> str:
        return request.get_data(as_text=True)

    result = call(
        app,
        scope("POST", headers=[(b"content-length", b"100")]),
        [b"only some"],
        complete=False,
    )
    assert result.status == 408


def test_client_gone_mid_body_runs_no_view_and_gets_a_400_if_still_there(
    app: App,
) -> None:
    calls: list[str] = []

    @app.post("/")
    def index() -> str:
        calls.append("view")
        return "never"

    messages: list[Message] = []
    inbox = [
        {"type": "http.request", "body": b"abc", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return inbox.pop(0)

    async def send(message: Message) -> None:
        messages.append(message)

    asyncio.run(
        app.asgi(scope("POST", headers=[(b"content-length", b"100")]), receive, send)
    )
    # granian reports a cut-short body this way while its client waits; a
    # server whose client did leave drops the answer.
    assert messages[0]["status"] == 400
    assert calls == []


def test_large_body_is_spooled_and_read_whole(app: App) -> None:
    app.config["ASGI_BODY_SPOOL_SIZE"] = 1024

    @app.post("/")
    def index() -> str:
        return str(len(request.get_data()))

    chunks = [b"y" * 1000] * 10
    result = call(app, scope("POST", headers=[(b"content-length", b"10000")]), chunks)
    assert result.body == b"10000"


# -- responses ------------------------------------------------------------------------


def test_streamed_response_is_sent_chunk_by_chunk(app: App) -> None:
    @app.get("/")
    def index() -> t.Any:
        @stream_with_context
        def generate() -> t.Iterator[str]:
            yield "a"
            yield request.path
            yield "c"

        return generate()

    result = call(app, scope())
    bodies = [m["body"] for m in result.messages[1:]]
    assert bodies == [b"a", b"/", b"c", b""]
    assert [m.get("more_body", False) for m in result.messages[1:]] == [
        True,
        True,
        True,
        False,
    ]


def test_stream_is_closed_when_the_client_goes_away(app: App) -> None:
    closed = threading.Event()

    @app.get("/")
    def index() -> t.Any:
        def generate() -> t.Iterator[str]:
            try:
                while True:
                    yield "tick"
            finally:
                closed.set()

        return generate()

    sent = 0

    async def hook(message: Message) -> None:
        nonlocal sent
        sent += 1
        if sent > 3:
            raise OSError("client disconnected")

    call(app, scope(), send_hook=hook)
    assert closed.is_set()


def test_head_has_headers_and_no_body(app: App) -> None:
    @app.get("/")
    def index() -> str:
        return "hello"

    result = call(app, scope("HEAD"))
    assert result.status == 200
    assert result.headers["content-length"] == "5"
    assert result.body == b""


def test_not_found_goes_through_the_apps_handler(app: App) -> None:
    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        return "custom missing", 404

    result = call(app, scope(path="/nope"))
    assert (result.status, result.body) == (404, b"custom missing")


# -- faults -------------------------------------------------------------------------


def test_malformed_scope_is_400(app: App) -> None:
    @app.get("/")
    def index() -> str:
        return "never"

    bad = scope()
    bad["headers"] = [(b"host", "not bytes")]
    assert call(app, bad).status == 400
    bad = scope()
    bad["path"] = None
    assert call(app, bad).status == 400


def test_full_pool_answers_503(app: App) -> None:
    app.config.update(ASGI_THREADS=1, ASGI_MAX_PENDING=0)
    release = threading.Event()

    @app.get("/")
    def index() -> str:
        release.wait(5)
        return "done"

    async def main() -> list[Exchange]:
        first = asyncio.create_task(exchange(app, scope()))
        await asyncio.sleep(0.2)  # the first holds the only thread
        second = await exchange(app, scope())
        release.set()
        return [await first, second]

    first, second = asyncio.run(main())
    assert first.status == 200
    assert second.status == 503


def test_wsgi_middleware_on_wsgi_app_still_applies(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]

    @app.get("/")
    def index() -> str:
        return str(request.remote_addr)

    result = call(app, scope(headers=[(b"x-forwarded-for", b"203.0.113.9")]))
    assert result.body == b"203.0.113.9"
    assert caplog.text.count("wrapped by WSGI middleware") == 1
    call(app, scope())
    assert caplog.text.count("wrapped by WSGI middleware") == 1  # once


def test_websocket_to_a_path_without_a_websocket_route_is_refused(
    app: App,
) -> None:
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        messages.append(message)

    ws = scope()
    ws["type"] = "websocket"
    asyncio.run(app.asgi(ws, receive, send))
    # Closed before accepting: the server answers the handshake with 403.
    assert messages == [{"type": "websocket.close", "code": 1008, "reason": ""}]


def test_plain_request_never_builds_a_wsgi_environ(app: App) -> None:
    seen: list[t.Any] = []

    @app.get("/")
    def index() -> str:
        return "hello"

    @app.teardown_request
    def keep(exc: BaseException | None) -> None:
        seen.append(request._get_current_object())  # type: ignore[attr-defined]

    # The first request from a host binds the URL map to it, from the whole
    # environ; later ones find the binding by the few values they carry.
    call(app, scope())
    seen.clear()
    assert call(app, scope(headers=[(b"cookie", b"a=1")])).body == b"hello"
    assert call(app, scope(path="/missing")).status == 404
    assert [("environ" in r.__dict__) for r in seen] == [False, False]


def test_environ_is_made_for_code_that_asks(app: App) -> None:
    @app.post("/x")
    def index() -> t.Any:
        environ = request.environ
        return {
            "path": environ["PATH_INFO"],
            "host": environ["HTTP_HOST"],
            "body": environ["wsgi.input"].read().decode(),
        }

    result = call(app, scope("POST", "/x", [(b"content-length", b"2")]), [b"hi"])
    assert result.status == 200
    assert b'"body":"hi"' in result.body
    assert b'"host":"testserver"' in result.body


# -- requests that never leave the loop ---------------------------------------------


def _where() -> str:
    """Where the caller runs: on the test's loop thread, or in a pool."""
    on_loop = threading.current_thread() is threading.main_thread()
    return "loop-thread" if on_loop else "pool"


def test_all_async_request_makes_no_thread_hop(app: App) -> None:
    places: list[str] = []

    @app.before_request
    async def before() -> None:
        places.append(f"before {_where()}")

    @app.get("/")
    async def index() -> str:
        places.append(f"view {_where()}")
        return "on the loop"

    @app.after_request
    async def after(response: t.Any) -> t.Any:
        places.append(f"after {_where()}")
        return response

    @app.teardown_request
    @loop_safe
    def teardown(exc: BaseException | None) -> None:
        places.append(f"teardown {_where()}")

    assert call(app, scope()).body == b"on the loop"
    assert places == [
        "before loop-thread",
        "view loop-thread",
        "after loop-thread",
        "teardown loop-thread",
    ]


def test_one_sync_hook_puts_the_whole_request_in_one_hop(app: App) -> None:
    places: list[str] = []

    @app.before_request
    def before() -> None:
        places.append(f"before {_where()}")

    @app.get("/")
    async def index() -> str:
        places.append(f"view {_where()}")
        return "bridged"

    @app.teardown_request
    @loop_safe
    def teardown(exc: BaseException | None) -> None:
        places.append(f"teardown {_where()}")

    assert call(app, scope()).body == b"bridged"
    # The async view still runs on the server's loop, awaited from the hop.
    assert places == ["before pool", "view loop-thread", "teardown pool"]


def test_session_store_that_may_block_keeps_requests_off_the_loop(app: App) -> None:
    class StoredSessions(SecureCookieSessionInterface):
        """A subclass, as one storing sessions in a database would be."""

    app.session_interface = StoredSessions()
    places: list[str] = []

    @app.before_request
    @loop_safe
    def before() -> None:
        places.append(_where())

    @app.get("/")
    async def index() -> str:
        return "ok"

    call(app, scope())
    assert places == ["pool"]


def test_flask_style_override_keeps_requests_off_the_loop() -> None:
    class Custom(App):
        def process_response(self, response: t.Any) -> t.Any:
            response.headers["X-Custom"] = _where()
            return super().process_response(response)

    app = Custom(__name__)

    @app.get("/")
    async def index() -> str:
        return "ok"

    assert call(app, scope()).headers["x-custom"] == "pool"


def test_async_error_handlers_and_after_this_request_on_the_loop(app: App) -> None:
    @app.get("/")
    async def index() -> str:
        @after_this_request
        async def stamp(response: t.Any) -> t.Any:
            response.headers["X-Stamp"] = _where()
            return response

        raise KeyError("missing")

    @app.errorhandler(KeyError)
    async def handle(e: KeyError) -> tuple[str, int]:
        return f"handled on {_where()}", 409

    result = call(app, scope())
    assert (result.status, result.body) == (409, b"handled on loop-thread")


def test_sync_error_handler_of_a_loop_request_runs_off_the_loop(app: App) -> None:
    @app.get("/")
    async def index() -> str:
        raise KeyError("missing")

    @app.errorhandler(KeyError)
    def handle(e: KeyError) -> tuple[str, int]:
        return f"{request.path} handled in {_where()}", 409

    result = call(app, scope())
    assert (result.status, result.body) == (409, b"/ handled in pool")


def test_unhandled_error_on_the_loop_is_a_logged_500(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    reported: list[str] = []

    def receiver(sender: App, exception: Exception) -> None:
        reported.append(repr(exception))

    @app.get("/")
    async def index() -> str:
        raise RuntimeError("boom")

    with got_request_exception.connected_to(receiver, app):
        result = call(app, scope())
    assert result.status == 500
    assert b"boom" not in result.body
    assert reported == ["RuntimeError('boom')"]
    assert "Exception on / [GET]" in caplog.text


def test_session_written_on_the_loop(app: App) -> None:
    app.secret_key = "test secret"

    @app.get("/")
    async def index() -> str:
        session["visits"] = session.get("visits", 0) + 1
        return "counted"

    result = call(app, scope())
    assert result.headers["set-cookie"].startswith("session=")


# -- a view with nothing around it (the bare lane) ---------------------------------


def test_bare_view_runs_its_after_this_request_callback(app: App) -> None:
    @app.get("/")
    async def index() -> str:
        @after_this_request
        def stamp(response: t.Any) -> t.Any:
            response.headers["X-Stamp"] = "stamped"
            return response

        return "hello"

    result = call(app, scope())
    assert (result.status, result.headers["x-stamp"]) == (200, "stamped")


def test_bare_view_renews_a_session_it_never_touched(app: App) -> None:
    app.secret_key = "test secret"

    @app.get("/login")
    async def login() -> str:
        session.permanent = True
        session["user"] = "ann"
        return "in"

    @app.get("/")
    async def index() -> str:
        return "hello"

    cookie = call(app, scope(path="/login")).headers["set-cookie"].split(";")[0]
    result = call(app, scope(headers=[(b"cookie", cookie.encode())]))
    # SESSION_REFRESH_EACH_REQUEST renews a permanent session's cookie on
    # every request that carries it, even when the view never reads it.
    assert result.headers["set-cookie"].startswith("session=")
    assert "Expires=" in result.headers["set-cookie"]
    assert "set-cookie" not in call(app, scope()).headers


def test_bare_view_returning_none_is_a_logged_500(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/")
    async def index() -> None:
        return None

    result = call(app, scope())
    assert result.status == 500
    assert "returned None" in caplog.text


def test_bare_view_errors_go_through_the_apps_handlers(app: App) -> None:
    @app.get("/")
    async def index() -> str:
        raise LookupError("no such thing")

    @app.errorhandler(LookupError)
    async def handle(e: LookupError) -> tuple[str, int]:
        return f"handled: {e}", 404

    result = call(app, scope())
    assert (result.status, result.body) == (404, b"handled: no such thing")


def test_receivers_connected_after_the_first_request_are_sent(app: App) -> None:
    sent: list[str] = []

    @app.get("/")
    async def index() -> str:
        return "hello"

    assert call(app, scope()).body == b"hello"

    def started(sender: App, **extra: t.Any) -> None:
        sent.append("started")

    def finished(sender: App, response: t.Any, **extra: t.Any) -> None:
        sent.append(f"finished {response.status_code}")

    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
    ):
        assert call(app, scope()).body == b"hello"
    assert sent == ["started", "finished 200"]
    # Disconnected again: the next request sends nothing.
    assert call(app, scope()).body == b"hello"
    assert sent == ["started", "finished 200"]


def test_teardown_callbacks_of_a_loop_request_run(app: App) -> None:
    torn_down: list[str] = []

    @app.get("/")
    async def index() -> str:
        return "hello"

    @app.teardown_appcontext
    @loop_safe
    def forget(exc: BaseException | None) -> None:
        torn_down.append(_where())

    assert call(app, scope()).body == b"hello"
    assert torn_down == ["loop-thread"]


def test_hooks_and_signals_fire_in_the_same_order_under_both_protocols(
    app: App,
) -> None:
    log: list[str] = []

    @app.before_request
    async def before() -> None:
        log.append("before_request")

    @app.get("/")
    async def index() -> str:
        log.append("view")
        return "ok"

    @app.after_request
    async def after(response: t.Any) -> t.Any:
        log.append("after_request")
        return response

    @app.teardown_request
    @loop_safe
    def teardown(exc: BaseException | None) -> None:
        log.append("teardown_request")

    def started(sender: App, **kw: t.Any) -> None:
        log.append("request_started")

    def finished(sender: App, **kw: t.Any) -> None:
        log.append("request_finished")

    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
    ):
        app.test_client().get("/")
        wsgi_log = log[:]
        log.clear()
        call(app, scope())
    assert log == wsgi_log
    assert wsgi_log == [
        "request_started",
        "before_request",
        "view",
        "after_request",
        "request_finished",
        "teardown_request",
    ]


# -- bodies produced by async code --------------------------------------------------


def test_async_generator_streams_chunk_by_chunk_on_the_loop(app: App) -> None:
    @app.get("/")
    async def index() -> t.Any:
        async def generate() -> t.AsyncIterator[str]:
            for part in ("a", "b", "c"):
                await asyncio.sleep(0)
                yield part

        return generate(), {"X-Kind": "async"}

    result = call(app, scope())
    assert result.headers["x-kind"] == "async"
    assert [m["body"] for m in result.messages[1:]] == [b"a", b"b", b"c", b""]


def test_async_generator_streams_under_wsgi_too(app: App) -> None:
    @app.get("/")
    async def index() -> t.Any:
        async def generate() -> t.AsyncIterator[bytes]:
            yield b"x"
            await asyncio.sleep(0)
            yield b"y"

        return generate()

    assert app.test_client().get("/").data == b"xy"


def test_async_stream_is_cancelled_when_the_client_goes_away(app: App) -> None:
    cancelled = threading.Event()
    finished: list[str] = []

    @app.get("/")
    async def index() -> t.Any:
        async def generate() -> t.AsyncIterator[str]:
            try:
                yield "first"
                await asyncio.sleep(30)  # the client leaves meanwhile
                yield "never"
            except asyncio.CancelledError:
                cancelled.set()
                raise
            finally:
                finished.append("finally")

        return generate()

    async def main() -> list[Message]:
        messages: list[Message] = []
        gone = asyncio.Event()

        async def receive() -> Message:
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            messages.append(message)
            if message.get("body") == b"first":
                gone.set()

        await asyncio.wait_for(app.asgi(scope(), receive, send), 5)
        return messages

    messages = asyncio.run(main())
    assert [m.get("body") for m in messages[1:]] == [b"first"]
    assert cancelled.is_set()
    assert finished == ["finally"]


def test_head_of_an_async_stream_sends_no_body(app: App) -> None:
    @app.get("/")
    async def index() -> t.Any:
        async def generate() -> t.AsyncIterator[str]:
            yield "body"

        return generate()

    result = call(app, scope("HEAD"))
    assert result.status == 200
    assert result.body == b""


def test_stream_with_context_on_an_async_generator(app: App) -> None:
    torn_down: list[str] = []

    @app.get("/")
    async def index() -> t.Any:
        @stream_with_context
        async def generate() -> t.AsyncIterator[str]:
            yield request.path
            await asyncio.sleep(0)
            yield request.args.get("q", "")

        return generate()

    @app.teardown_request
    @loop_safe
    def teardown(exc: BaseException | None) -> None:
        torn_down.append("teardown")

    result = call(app, scope(query=b"q=hi"))
    assert result.body == b"/hi"
    # Once when the view returned, once when the stream ended, as in Flask.
    assert torn_down == ["teardown", "teardown"]
    # And the same bytes through WSGI, produced in one background task.
    torn_down.clear()
    assert app.test_client().get("/?q=hi").data == b"/hi"
    assert torn_down == ["teardown", "teardown"]


# -- class-based views ---------------------------------------------------------------


def test_async_method_view_runs_on_the_loop_and_sync_method_in_a_hop(
    app: App,
) -> None:
    class Items(MethodView):
        async def get(self) -> str:
            return f"get on {_where()}"

        def post(self) -> str:
            return f"post in {_where()}"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert call(app, scope(path="/items")).body == b"get on loop-thread"
    assert call(app, scope("POST", "/items")).body == b"post in pool"
    assert call(app, scope("HEAD", "/items")).status == 200
    assert app.test_client().get("/items").data == b"get on pool"


def test_async_view_class_with_shared_instance(app: App) -> None:
    class Counter(View):
        init_every_request = False

        def __init__(self) -> None:
            self.count = 0

        async def dispatch_request(self) -> str:
            self.count += 1
            return f"{self.count} on {_where()}"

    app.add_url_rule("/", view_func=Counter.as_view("counter"))
    assert call(app, scope()).body == b"1 on loop-thread"
    assert call(app, scope()).body == b"2 on loop-thread"


# -- views that read their body themselves -------------------------------------------


def test_stream_body_view_reads_chunks_as_they_arrive(app: App) -> None:
    seen: list[tuple[int, bytes]] = []
    received_before_view: list[int] = []

    @app.post("/upload")
    @stream_body
    async def upload() -> str:
        received_before_view.append(received)
        async for chunk in request.aiter_body():
            seen.append((received, chunk))
        return str(sum(len(c) for _, c in seen))

    chunks_sent = [b"a" * 10, b"b" * 10, b"c" * 10]
    inbox: list[Message] = [
        {"type": "http.request", "body": c, "more_body": True} for c in chunks_sent
    ] + [{"type": "http.request", "body": b"", "more_body": False}]
    messages: list[Message] = []
    received = 0

    async def receive() -> Message:
        nonlocal received
        received += 1
        if inbox:
            return inbox.pop(0)
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: Message) -> None:
        messages.append(message)

    upload_scope = scope("POST", "/upload", [(b"content-length", b"30")])
    asyncio.run(app.asgi(upload_scope, receive, send))
    assert messages[1]["body"] == b"30"
    assert received_before_view == [0]  # nothing was read ahead
    assert [c for _, c in seen] == chunks_sent
    assert [n for n, _ in seen] == [1, 2, 3]  # one message per chunk


def test_stream_body_refuses_sync_access_with_a_clear_error(app: App) -> None:
    @app.post("/upload")
    @stream_body
    async def upload() -> str:
        try:
            request.get_data()
        except RuntimeError as e:
            return str(e)
        return "read"

    result = call(app, scope("POST", "/upload", [(b"content-length", b"3")]), [b"abc"])
    assert b"aiter_body()" in result.body


def test_stream_body_keeps_the_size_limit(app: App) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 15

    @app.post("/upload")
    @stream_body
    async def upload() -> str:
        size = 0
        async for chunk in request.aiter_body():
            size += len(chunk)
        return str(size)

    declared = call(
        app, scope("POST", "/upload", [(b"content-length", b"100")]), [b"x" * 100]
    )
    assert declared.status == 413
    chunked = call(
        app,
        scope("POST", "/upload", [(b"transfer-encoding", b"chunked")]),
        [b"x" * 10, b"x" * 10],
    )
    assert chunked.status == 413


def test_aiter_body_reads_the_stream_under_wsgi(app: App) -> None:
    @app.post("/upload")
    @stream_body
    async def upload() -> str:
        parts = [chunk async for chunk in request.aiter_body(chunk_size=4)]
        return "|".join(p.decode() for p in parts)

    assert app.test_client().post("/upload", data=b"abcdefghij").data == b"abcd|efgh|ij"


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_error_mid_stream_is_logged_and_the_response_left_incomplete(
    app: App, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    if kind == "sync":

        @app.get("/")
        def index() -> t.Any:
            def generate() -> t.Iterator[str]:
                yield "partial"
                raise ValueError("broken stream")

            return generate()

    else:

        @app.get("/")
        async def index() -> t.Any:
            async def generate() -> t.AsyncIterator[str]:
                yield "partial"
                raise ValueError("broken stream")

            return generate()

    result = call(app, scope())
    assert result.status == 200
    assert [m.get("body") for m in result.messages[1:]] == [b"partial"]
    assert result.messages[-1]["more_body"] is True  # never completed
    assert "Producing the response body failed" in caplog.text
    assert "broken stream" in caplog.text


# -- files ---------------------------------------------------------------------------


def test_send_file_uses_pathsend_where_the_server_offers_it(
    app: App, tmp_path: t.Any
) -> None:
    target = tmp_path / "report.txt"
    target.write_bytes(b"file body " * 1000)

    @app.get("/file")
    def download() -> t.Any:
        return send_file(target)

    offered = scope(path="/file")
    offered["extensions"] = {"http.response.pathsend": {}}
    result = call(app, offered)
    assert result.status == 200
    assert result.headers["content-length"] == "10000"
    assert result.messages[1] == {
        "type": "http.response.pathsend",
        "path": str(target),
    }
    # Without the extension the file is sent in chunks.
    plain = call(app, scope(path="/file"))
    assert plain.body == b"file body " * 1000
    assert all(m["type"] == "http.response.body" for m in plain.messages[1:])


# -- cancellation -------------------------------------------------------------------


def test_view_marked_cancel_on_disconnect_is_cancelled(app: App) -> None:
    events: list[str] = []

    @app.get("/slow")
    @cancel_on_disconnect
    async def slow() -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        return "never"

    @app.teardown_request
    @loop_safe
    def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown {type(exc).__name__}")

    async def main() -> list[Message]:
        messages: list[Message] = []
        calls = 0

        async def receive() -> Message:
            nonlocal calls
            calls += 1
            if calls == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(0.05)
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            messages.append(message)

        await asyncio.wait_for(app.asgi(scope(path="/slow"), receive, send), 5)
        return messages

    assert asyncio.run(main()) == []
    assert events == ["cancelled", "teardown CancelledError"]


def test_unmarked_view_finishes_after_a_disconnect(app: App) -> None:
    @app.get("/slow")
    async def slow() -> str:
        await asyncio.sleep(0.1)
        return "finished"

    async def main() -> list[Message]:
        messages: list[Message] = []

        async def receive() -> Message:
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            messages.append(message)

        await app.asgi(scope(path="/slow"), receive, send)
        return messages

    assert asyncio.run(main())[1]["body"] == b"finished"


def test_http2_body_without_length_headers_is_read(app: App) -> None:
    @app.post("/")
    def index() -> str:
        return request.get_data(as_text=True)

    h2 = scope("POST")
    h2["http_version"] = "2"
    assert call(app, h2, [b"framed ", b"by h2"]).body == b"framed by h2"


def test_spooled_body_file_is_closed_after_the_request(app: App) -> None:
    app.config["ASGI_BODY_SPOOL_SIZE"] = 100
    files: list[t.Any] = []

    @app.post("/")
    def index() -> str:
        files.append(request._asgi_body.content)  # type: ignore[attr-defined]
        return str(len(request.get_data()))

    result = call(
        app, scope("POST", headers=[(b"content-length", b"1000")]), [b"z" * 1000]
    )
    assert result.body == b"1000"
    assert not isinstance(files[0], bytes)  # went to a temporary file
    assert files[0].closed


def test_lifespan_shutdown_stops_the_thread_pool(app: App) -> None:
    @app.get("/")
    def index() -> str:
        return threading.current_thread().name

    async def main() -> tuple[bytes, list[Message], bool]:
        inbox: asyncio.Queue[Message] = asyncio.Queue()
        sent: list[Message] = []

        async def receive() -> Message:
            return await inbox.get()

        async def send(message: Message) -> None:
            sent.append(message)

        life = asyncio.ensure_future(
            app.asgi({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
        )
        await inbox.put({"type": "lifespan.startup"})
        answer = await exchange(app, scope())
        pool = app._http_adapter.hop  # type: ignore[union-attr]
        await inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(life, 5)
        return answer.body, sent, pool.threads == 0

    body, sent, stopped = asyncio.run(main())
    assert body.startswith(b"framework-asgi")
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert stopped


def test_an_app_that_served_asgi_is_freed_without_the_cycle_collector() -> None:
    import gc
    import weakref

    app = App(__name__)

    @app.get("/")
    def index() -> str:
        return "ok"

    assert call(app, scope()).body == b"ok"
    ref = weakref.ref(app)
    gc.disable()
    try:
        del app
        assert ref() is None
    finally:
        gc.enable()


def test_sync_stream_stops_on_disconnect_even_when_send_succeeds(app: App) -> None:
    closed = threading.Event()

    @app.get("/")
    def index() -> t.Any:
        def generate() -> t.Iterator[str]:
            try:
                while True:
                    time.sleep(0.01)
                    yield "tick"
            finally:
                closed.set()

        return generate()

    async def main() -> int:
        sent = 0
        gone = asyncio.Event()

        async def receive() -> Message:
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            nonlocal sent
            sent += 1  # accepted silently, as some servers do after a disconnect
            if sent == 3:
                gone.set()

        await asyncio.wait_for(app.asgi(scope(), receive, send), 5)
        return sent

    sent = asyncio.run(main())
    assert closed.is_set()
    assert sent < 50


def test_response_class_that_reads_the_environ_gets_the_real_one(app: App) -> None:
    class AbsoluteLocations(app.response_class):  # type: ignore[name-defined, misc]
        autocorrect_location_header = True

    app.response_class = AbsoluteLocations

    @app.get("/go")
    def go() -> t.Any:
        return redirect("/there")

    for _ in range(2):  # the class is judged once, then remembered
        result = call(app, scope(path="/go"))
        assert result.status == 302
        assert result.headers["location"] == "http://testserver/there"


def test_unmatched_requests_of_an_app_without_hooks(app: App) -> None:
    """With nothing around the views, a 404 is handled where it is found,
    and a 405 or a slash redirect still goes the whole way."""

    @app.get("/items/")
    async def items() -> str:
        return "items"

    missing = call(app, scope(path="/nope"))
    assert missing.status == 404
    assert b"Not Found" in missing.body
    wrong = call(app, scope("POST", path="/items/"))
    assert wrong.status == 405
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    slash = call(app, scope(path="/items"))
    assert slash.status == 308
    assert slash.headers["location"].endswith("/items/")
