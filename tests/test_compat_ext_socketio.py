"""Flask-SocketIO, unmodified, on an App through ``framework.compat.flask``:
threading mode, driven by its own test client (with and without the app's
test client for cookies).

One app for the whole module (the alias is installed for the module: see
tests/compat_alias.py).
"""

from __future__ import annotations

import typing as t

import pytest
from compat_alias import load

from framework import App

pytestmark = pytest.mark.usefixtures("flask_alias_for_module")


class _SocketApp(t.NamedTuple):
    app: App
    socketio: t.Any


@pytest.fixture(scope="module")
def socket_app() -> _SocketApp:
    """``connect`` greets with the session's user and refuses a client
    without one when ``?strict=1``; ``echo`` answers through an ack;
    ``join`` and ``say`` talk to a room; ``/login`` sets the session."""
    flask = load("flask")
    flask_socketio = load("flask_socketio")

    app = flask.Flask(__name__)
    app.secret_key = "socketio-key"
    socketio = flask_socketio.SocketIO(app, async_mode="threading")

    @socketio.on("connect")
    def connect(auth: t.Any) -> bool:
        user = flask.session.get("user")
        if flask.request.args.get("strict") and user is None:
            return False
        flask_socketio.emit(
            "welcome", {"user": user, "sid_known": bool(flask.request.sid)}
        )
        return True

    @socketio.on("echo")
    def echo(data: t.Any) -> dict[str, t.Any]:
        return {"echo": data, "event": flask.request.event["message"]}

    @socketio.on("join")
    def join(room: str) -> None:
        flask_socketio.join_room(room)

    @socketio.on("say")
    def say(data: dict[str, str]) -> None:
        flask_socketio.emit("said", data["text"], to=data["room"])

    @socketio.on("echo", namespace="/chat")
    def chat_echo(data: t.Any) -> None:
        flask_socketio.emit("chat", data)

    @app.get("/login/<user>")
    def login(user: str) -> str:
        flask.session["user"] = user
        return "ok"

    return _SocketApp(app, socketio)


def test_flask_socketio_connects_and_emits(socket_app: _SocketApp) -> None:
    client = socket_app.socketio.test_client(socket_app.app)
    assert client.is_connected()
    assert client.get_received() == [
        {
            "name": "welcome",
            "args": [{"user": None, "sid_known": True}],
            "namespace": "/",
        }
    ]
    client.disconnect()


def test_flask_socketio_ack_carries_the_handlers_answer(
    socket_app: _SocketApp,
) -> None:
    client = socket_app.socketio.test_client(socket_app.app)
    assert client.emit("echo", {"n": 1}, callback=True) == {
        "echo": {"n": 1},
        "event": "echo",
    }
    client.disconnect()


def test_flask_socketio_rooms(socket_app: _SocketApp) -> None:
    inside = socket_app.socketio.test_client(socket_app.app)
    outside = socket_app.socketio.test_client(socket_app.app)
    inside.emit("join", "lobby")
    inside.get_received()
    outside.get_received()
    outside.emit("say", {"room": "lobby", "text": "hi"})
    assert [m["args"] for m in inside.get_received()] == [["hi"]]
    assert outside.get_received() == []
    inside.disconnect()
    outside.disconnect()


def test_flask_socketio_namespace(socket_app: _SocketApp) -> None:
    client = socket_app.socketio.test_client(socket_app.app, namespace="/chat")
    client.get_received("/chat")
    client.emit("echo", "ping", namespace="/chat")
    assert client.get_received("/chat") == [
        {"name": "chat", "args": ["ping"], "namespace": "/chat"}
    ]
    client.disconnect(namespace="/chat")


def test_flask_socketio_shares_the_http_session(socket_app: _SocketApp) -> None:
    http = socket_app.app.test_client()
    http.get("/login/ann")
    client = socket_app.socketio.test_client(socket_app.app, flask_test_client=http)
    assert client.get_received()[0]["args"] == [{"user": "ann", "sid_known": True}]
    client.disconnect()


def test_flask_socketio_connect_handler_can_refuse(socket_app: _SocketApp) -> None:
    client = socket_app.socketio.test_client(socket_app.app, query_string="strict=1")
    assert not client.is_connected()
    # The handler's own decision (it read the query and the session), not
    # an error in it: with a user in the session, the same query connects.
    http = socket_app.app.test_client()
    http.get("/login/ann")
    client = socket_app.socketio.test_client(
        socket_app.app, query_string="strict=1", flask_test_client=http
    )
    assert client.is_connected()
    client.disconnect()
