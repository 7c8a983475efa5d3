"""WebSocket routes (``@app.websocket``), the ``websocket`` global, their
hooks, signals and limits (framework/websockets.py,
framework/asgi_websocket.py), through the async test client and a real
uvicorn, hypercorn and granian on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import pathlib
import sys
import typing as t

import pytest
from asgi_scopes import websocket_scope
from processes import free_port
from servers import ServerProcess, server_environment

from framework import (
    App,
    Blueprint,
    WebSocketDisconnect,
    g,
    got_websocket_exception,
    request,
    session,
    url_for,
    websocket,
    websocket_finished,
    websocket_started,
)
from framework.testing_websocket import WebSocketRejected

Message = dict[str, t.Any]


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.secret_key = "test secret"
    return app


def run(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    return asyncio.run(coro)


# -- routing and the conversation ---------------------------------------------


def test_an_echo_handler_with_a_url_converter(app: App) -> None:
    @app.websocket("/ws/<room>/<int:n>")
    async def echo(room: str, n: int) -> None:
        await websocket.accept()
        while True:
            message = await websocket.receive()
            await websocket.send(f"{room}/{n + 1}: {message}")

    async def main() -> list[str | bytes]:
        async with app.async_test_client().websocket("/ws/lobby/1") as ws:
            await ws.send("hi")
            first = await ws.receive()
            await ws.send(b"\x00bytes")
            second = await ws.receive()
        return [first, second]

    assert run(main()) == ["lobby/2: hi", "lobby/2: b'\\x00bytes'"]


def test_json_both_ways_and_bad_json_leaves_the_connection_open(app: App) -> None:
    @app.websocket("/ws")
    async def numbers() -> None:
        while True:
            try:
                value = await websocket.receive_json()
            except ValueError:
                await websocket.send_json({"error": "not JSON"})
            else:
                await websocket.send_json({"double": value["n"] * 2})

    async def main() -> list[t.Any]:
        async with app.async_test_client().websocket("/ws") as ws:
            await ws.send("{not json")
            answers = [await ws.receive_json()]
            await ws.send_json({"n": 21})
            answers.append(await ws.receive_json())
        return answers

    assert run(main()) == [{"error": "not JSON"}, {"double": 42}]


def test_blueprint_websocket_routes_take_the_prefix_and_build_urls(app: App) -> None:
    bp = Blueprint("chat", __name__, url_prefix="/chat")

    @bp.websocket("/rooms/<room>")
    async def room(room: str) -> None:
        await websocket.send(url_for("chat.room", room=room + "-next"))

    app.register_blueprint(bp)

    async def main() -> str | bytes:
        async with app.async_test_client().websocket("/chat/rooms/a") as ws:
            return await ws.receive()

    # werkzeug builds a WebSocket rule's URL whole: a browser needs ws://.
    assert run(main()) == "ws://localhost/chat/rooms/a-next"


def test_the_handshake_request_g_and_a_read_only_session(app: App) -> None:
    @app.get("/login")
    def login() -> str:
        session["user"] = "ann"
        return "in"

    @app.websocket("/ws")
    async def who() -> None:
        g.seen = request.args["x"]
        await websocket.send_json(
            {
                "user": session.get("user"),
                "x": g.seen,
                "token": websocket.headers["X-Token"],
                "path": websocket.path,
            }
        )

    async def main() -> t.Any:
        client = app.async_test_client()
        await client.get("/login")
        async with client.websocket("/ws?x=1", headers={"X-Token": "t"}) as ws:
            return await ws.receive_json()

    assert run(main()) == {"user": "ann", "x": "1", "token": "t", "path": "/ws"}


def test_subprotocol_and_accept_headers(app: App) -> None:
    @app.websocket("/ws")
    async def chat() -> None:
        offered = websocket.requested_subprotocols
        await websocket.accept(subprotocol=offered[-1], headers={"X-Hello": "1"})
        await websocket.send("ok")

    async def main() -> tuple[t.Any, ...]:
        client = app.async_test_client()
        async with client.websocket("/ws", subprotocols=["a", "b"]) as ws:
            return ws.subprotocol, ws.headers["x-hello"], await ws.receive()

    assert run(main()) == ("b", "1", "ok")


def test_a_handler_that_returns_closes_with_1000(app: App) -> None:
    @app.websocket("/ws")
    async def once() -> None:
        await websocket.send("bye")

    async def main() -> tuple[t.Any, ...]:
        async with app.async_test_client().websocket("/ws") as ws:
            first = await ws.receive()
            with pytest.raises(WebSocketDisconnect):
                await ws.receive()
            return first, ws.close_code

    assert run(main()) == ("bye", 1000)


def test_a_sync_handler_is_refused_at_registration(app: App) -> None:
    with pytest.raises(TypeError, match="must be an 'async def' function"):

        @app.websocket("/ws")
        def sync() -> None:  # pragma: no cover - never registered
            pass


def test_the_websocket_global_outside_a_connection_says_so(app: App) -> None:
    @app.get("/")
    def index() -> str:
        with pytest.raises(RuntimeError, match="outside of a WebSocket"):
            websocket.path  # noqa: B018
        # The methods the proxy forwards directly say the same.
        with pytest.raises(RuntimeError, match="outside of a WebSocket"):
            websocket.receive  # noqa: B018
        return "ok"

    assert app.test_client().get("/").data == b"ok"


# -- refusing the handshake ---------------------------------------------------


def test_no_matching_route_refuses_the_handshake_with_404(app: App) -> None:
    @app.get("/ws")
    def plain() -> str:
        return "http only"

    async def main() -> None:
        async with app.async_test_client().websocket("/nowhere"):
            pass

    with pytest.raises(WebSocketRejected) as refused:
        run(main())
    assert refused.value.status == 404


def test_before_websocket_refuses_with_its_response(app: App) -> None:
    @app.before_websocket
    async def login_required() -> t.Any:
        if "token" not in websocket.args:
            return "log in first", 403
        return None

    @app.websocket("/ws")
    async def chat() -> None:
        await websocket.send("welcome")

    async def main(path: str) -> t.Any:
        async with app.async_test_client().websocket(path) as ws:
            return await ws.receive()

    with pytest.raises(WebSocketRejected) as refused:
        run(main("/ws"))
    assert (refused.value.status, refused.value.body) == (403, b"log in first")
    assert run(main("/ws?token=1")) == "welcome"


def test_without_the_denial_extension_a_refusal_closes_before_accept(
    app: App,
) -> None:
    @app.before_websocket
    def refuse() -> str:
        return "no"

    @app.websocket("/ws")
    async def chat() -> None:  # pragma: no cover - refused before it
        pass

    sent = run(raw_exchange(app, "/ws", [{"type": "websocket.connect"}]))
    # The server answers the handshake with 403 when the app closes first.
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


# -- hooks, teardown and signals ----------------------------------------------


def test_hooks_teardown_and_signals_in_order(app: App) -> None:
    events: list[str] = []
    bp = Blueprint("bp", __name__)

    @app.before_websocket
    def app_before() -> None:
        events.append("app before")

    @bp.before_websocket
    async def bp_before() -> None:
        events.append("bp before")

    @bp.websocket("/ws")
    async def handler() -> None:
        events.append("handler")
        await websocket.receive()

    @bp.after_websocket
    async def bp_after(rv: t.Any) -> None:
        events.append(f"bp after {rv}")

    @app.after_websocket
    def app_after(rv: t.Any) -> None:
        events.append("app after")

    @bp.teardown_websocket
    def bp_teardown(exc: BaseException | None) -> None:
        events.append(f"bp teardown {exc!r}")

    @app.teardown_appcontext
    def app_teardown(exc: BaseException | None) -> None:
        events.append("appcontext teardown")

    def started(sender: App) -> None:
        events.append("started")

    def finished(sender: App) -> None:
        events.append("finished")

    app.register_blueprint(bp)

    async def main() -> None:
        async with app.async_test_client().websocket("/ws") as ws:
            await ws.send("go")
            with pytest.raises(WebSocketDisconnect):
                await ws.receive()

    with (
        websocket_started.connected_to(started, app),
        websocket_finished.connected_to(finished, app),
    ):
        run(main())
    assert events == [
        "started",
        "app before",
        "bp before",
        "handler",
        "bp after None",
        "app after",
        "finished",
        "bp teardown None",
        "appcontext teardown",
    ]


def test_a_client_gone_mid_handler_raises_and_teardown_runs(app: App) -> None:
    events: list[str] = []

    @app.websocket("/ws")
    async def handler() -> None:
        try:
            await websocket.receive()
        except WebSocketDisconnect as gone:
            events.append(f"gone {gone.code}")
            raise

    @app.teardown_websocket
    def teardown(exc: BaseException | None) -> None:
        events.append(f"teardown {exc!r}")

    async def main() -> None:
        async with app.async_test_client().websocket("/ws") as ws:
            await ws.close(1001)

    def finished(sender: App) -> None:
        events.append("finished")

    with websocket_finished.connected_to(finished, app):
        run(main())
    # A client going away is no error: the connection finished, and
    # teardown gets None.
    assert events == ["gone 1001", "finished", "teardown None"]


def test_an_error_closes_with_1011_is_logged_and_signalled(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    reported: list[str] = []

    @app.websocket("/ws")
    async def broken() -> None:
        await websocket.accept()
        raise RuntimeError("boom")

    @app.teardown_websocket
    def teardown(exc: BaseException | None) -> None:
        reported.append(f"teardown {exc!r}")

    def receiver(sender: App, exception: Exception) -> None:
        reported.append(repr(exception))

    async def main() -> int | None:
        async with app.async_test_client().websocket("/ws") as ws:
            with pytest.raises(WebSocketDisconnect):
                await ws.receive()
            return ws.close_code

    with (
        caplog.at_level(logging.ERROR),
        got_websocket_exception.connected_to(receiver, app),
    ):
        assert run(main()) == 1011
    assert reported == ["RuntimeError('boom')", "teardown RuntimeError('boom')"]
    assert "Exception in WebSocket handler /ws" in caplog.text


def test_an_error_before_accepting_refuses_the_handshake_with_500(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.websocket("/ws")
    async def broken() -> None:
        raise RuntimeError("before accept")

    async def main() -> None:
        async with app.async_test_client().websocket("/ws"):
            pass  # pragma: no cover - refused

    with pytest.raises(WebSocketRejected) as refused:
        run(main())
    assert refused.value.status == 500
    assert "Exception in WebSocket handler /ws" in caplog.text


def test_under_testing_the_error_reaches_the_test(app: App) -> None:
    app.testing = True

    @app.websocket("/ws")
    async def broken() -> None:
        await websocket.accept()
        raise LookupError("propagated")

    async def main() -> None:
        async with app.async_test_client().websocket("/ws") as ws:
            with pytest.raises(WebSocketDisconnect):
                await ws.receive()

    with pytest.raises(LookupError, match="propagated"):
        run(main())


# -- limits -------------------------------------------------------------------


def test_a_message_over_the_limit_closes_with_1009(app: App) -> None:
    app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 10
    seen: list[str] = []

    @app.websocket("/ws")
    async def handler() -> None:
        while True:
            seen.append(t.cast(str, await websocket.receive()))

    async def main() -> int | None:
        async with app.async_test_client().websocket("/ws") as ws:
            await ws.send("short")
            await ws.send("é" * 6)  # 6 characters, 12 bytes of UTF-8
            with pytest.raises(WebSocketDisconnect):
                await ws.receive()
            return ws.close_code

    assert run(main()) == 1009
    assert seen == ["short"]


def test_an_idle_client_is_closed_with_1001(app: App) -> None:
    app.config["WEBSOCKET_IDLE_TIMEOUT"] = 0.2

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.receive()

    async def main() -> int | None:
        async with app.async_test_client().websocket("/ws") as ws:
            with pytest.raises(WebSocketDisconnect):
                await ws.receive()
            return ws.close_code

    assert run(main()) == 1001


# -- under WSGI -----------------------------------------------------------------


def test_a_wsgi_server_answers_the_handshake_with_426(app: App) -> None:
    @app.websocket("/ws")
    async def handler() -> None:  # pragma: no cover - WSGI can't run it
        pass

    client = app.test_client()
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
    response = client.get("/ws", headers=upgrade)
    assert response.status_code == 426
    # A hop-by-hop header, which WSGI servers refuse from an app.
    assert "Upgrade" not in response.headers
    assert b"served only through ASGI" in response.data
    # A plain request to a WebSocket route is a 400, not the handler.
    assert client.get("/ws").status_code == 400


def test_a_sync_view_on_a_websocket_rule_still_runs_under_wsgi(app: App) -> None:
    # WSGI websocket libraries (Flask-Sock) register a sync view on a
    # websocket rule and take the socket over themselves: not a 426.
    def take_over() -> str:
        return "taken over"

    app.add_url_rule("/sock", view_func=take_over, websocket=True)
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
    response = app.test_client().get("/sock", headers=upgrade)
    assert (response.status_code, response.data) == (200, b"taken over")


def test_framework_routes_marks_websocket_routes(app: App) -> None:
    @app.websocket("/live")
    async def live() -> None:  # pragma: no cover - only listed
        pass

    @app.get("/page")
    def page() -> str:  # pragma: no cover - only listed
        return "page"

    from framework.cli import routes_command

    output = app.test_cli_runner().invoke(routes_command).output
    lines = {line.split()[0]: line.split()[1] for line in output.splitlines()[2:]}
    assert lines["live"] == "WEBSOCKET"
    assert lines["page"] == "GET"


def test_the_servers_get_the_apps_message_limit(app: App) -> None:
    from framework.serving.limits import websocket_max_size

    app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 4096
    assert websocket_max_size(app.asgi) == 4096
    app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = None
    assert websocket_max_size(app.asgi) is None
    assert websocket_max_size(object()) is None  # not this framework's app


# -- helpers --------------------------------------------------------------------


async def raw_exchange(app: App, path: str, inbox: list[Message]) -> list[Message]:
    """Call ``app.asgi`` with a websocket scope offering no extensions, the
    messages of ``inbox`` then silence; what the app sent."""
    scope = websocket_scope(path)
    sent: list[Message] = []

    async def receive() -> Message:
        if inbox:
            return inbox.pop(0)
        await asyncio.Event().wait()
        raise AssertionError

    async def send(message: Message) -> None:
        sent.append(message)

    await asyncio.wait_for(app.asgi(scope, receive, send), 5)
    return sent


# -- a real server ----------------------------------------------------------------

APP_SOURCE = """
from framework import App, websocket

app = App(__name__)
app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 1000


@app.get("/health")
def health() -> str:
    return "ok"


@app.websocket("/echo/<name>")
async def echo(name):
    while True:
        message = await websocket.receive()
        await websocket.send(f"{name}: {message}")
"""


@pytest.fixture(scope="module", params=["uvicorn", "hypercorn", "granian"])
def real_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> t.Iterator[ServerProcess]:
    """``framework serve --server NAME`` of the echo app, one per server."""
    folder = tmp_path_factory.mktemp("websockets")
    (folder / "wsapp.py").write_text(APP_SOURCE, encoding="utf-8")
    port = free_port()
    process = ServerProcess(
        [
            sys.executable,
            *("-m", "framework.cli", "--app", "wsapp", "serve"),
            *("--server", request.param, "--port", str(port)),
        ],
        port=port,
        folder=pathlib.Path(folder),
        env=server_environment(folder, FRAMEWORK_SKIP_DOTENV="1"),
        name=request.param,
    )
    process.wait_ready("/health", body=b"ok")
    yield process
    assert process.stop() == 0, process.output()
    assert "Traceback" not in process.output(), process.output()


@pytest.fixture(scope="module", params=["waitress", "gunicorn"])
def wsgi_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> t.Iterator[ServerProcess]:
    """``framework serve --server NAME`` of the echo app under a WSGI
    server, chosen outright (the default would pick an ASGI one)."""
    folder = tmp_path_factory.mktemp("websockets-wsgi")
    (folder / "wsapp.py").write_text(APP_SOURCE, encoding="utf-8")
    port = free_port()
    process = ServerProcess(
        [
            sys.executable,
            *("-m", "framework.cli", "--app", "wsapp", "serve"),
            *("--server", request.param, "--workers", "1", "--port", str(port)),
        ],
        port=port,
        folder=pathlib.Path(folder),
        env=server_environment(folder, FRAMEWORK_SKIP_DOTENV="1"),
        name=request.param,
    )
    process.wait_ready("/health", body=b"ok")
    yield process
    assert process.stop() == 0, process.output()
    assert "Traceback" not in process.output(), process.output()


def test_a_real_wsgi_server_answers_the_handshake_with_426(
    wsgi_server: ServerProcess,
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    async def main() -> None:
        async with connect(f"ws://127.0.0.1:{wsgi_server.port}/echo/ann"):
            pass  # pragma: no cover - refused

    with pytest.raises(InvalidStatus) as refused:
        run(main())
    response = refused.value.response
    assert response.status_code == 426
    assert b"served only through ASGI" in response.body
    assert "upgrade" not in response.headers.get("Connection", "").lower()


def test_a_real_server_serves_the_route_to_a_websockets_client(
    real_server: ServerProcess,
) -> None:
    from websockets.asyncio.client import connect

    async def main() -> list[str | bytes]:
        url = f"ws://127.0.0.1:{real_server.port}/echo/ann"
        async with connect(url) as ws:
            await ws.send("one")
            first = await ws.recv()
            await ws.send(json.dumps({"two": 2}))
            second = await ws.recv()
        return [first, second]

    assert run(main()) == ["ann: one", 'ann: {"two": 2}']


def test_a_real_server_refuses_an_unknown_path(
    real_server: ServerProcess,
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    async def main() -> None:
        async with connect(f"ws://127.0.0.1:{real_server.port}/nowhere"):
            pass  # pragma: no cover - refused

    with pytest.raises(InvalidStatus) as refused:
        run(main())
    # All three offer the denial-response extension: the app's own 404.
    assert refused.value.response.status_code == 404


def test_a_real_server_closes_on_a_message_over_the_apps_limit(
    real_server: ServerProcess,
) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async def main() -> int | None:
        url = f"ws://127.0.0.1:{real_server.port}/echo/ann"
        async with connect(url) as ws:
            await ws.send("x" * 5000)
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        return closed.value.rcvd.code if closed.value.rcvd else None

    assert run(main()) == 1009
