"""The deployment recipes of docs/deployment.rst, run for real: gunicorn (two
workers) and waitress are started as subprocesses on 127.0.0.1 and spoken to
over HTTP, so a change that breaks the framework under a production WSGI
server fails here rather than in someone's deployment."""

from __future__ import annotations

import sys
import textwrap
import typing as t
import uuid
from pathlib import Path

import pytest
from processes import free_port
from servers import ServerProcess, server_environment
from werkzeug.exceptions import NotFound

# Written to a temporary folder and served as ``deployapp:app``.
APP_SOURCE = textwrap.dedent(
    '''
    """The app the deployment tests serve."""

    import os
    import time
    from pathlib import Path

    from werkzeug.middleware.proxy_fix import ProxyFix

    from framework import App, request, session, stream_with_context

    HERE = Path(__file__).parent

    app = App(__name__)
    app.secret_key = "deployment-tests-secret-key"


    @app.get("/health")
    def health():
        return "ok"


    @app.get("/")
    def index():
        return "Hello from a real server"


    @app.get("/json")
    def data():
        return {"answer": 42, "items": [1, 2, 3], "text": "caf\\u00e9"}


    @app.post("/echo")
    def echo():
        return {"received": request.get_json(), "method": request.method}


    @app.get("/stream")
    def stream():
        token = request.args["token"]

        @stream_with_context
        def generate():
            # The request context is active while the body is generated.
            yield f"first for {request.args['name']}\\n"
            # Hold the rest back until the client has read the first line,
            # which proves the body is sent as it is produced.
            go = HERE / f"go-{token}"
            deadline = time.monotonic() + 5
            while not go.exists():
                if time.monotonic() > deadline:
                    yield "timed out\\n"
                    return
                time.sleep(0.01)
            yield f"second, path {request.path}\\n"

        return generate()


    @app.post("/count")
    def count():
        session["count"] = session.get("count", 0) + 1
        return {"count": session["count"], "pid": os.getpid()}


    @app.get("/where")
    def where():
        return {
            "url": request.url,
            "scheme": request.scheme,
            "host": request.host,
            "remote_addr": request.remote_addr,
        }


    # One proxy in front sets X-Forwarded-For, -Proto and -Host.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    '''
)


def serve(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    argv: t.Callable[[Path, int], list[str]],
) -> t.Iterator[ServerProcess]:
    """Write the app to a new folder, start ``python -m <argv(folder,
    port)>`` there, wait until it answers, and stop it afterwards."""
    folder = tmp_path_factory.mktemp(name)
    (folder / "deployapp.py").write_text(APP_SOURCE, encoding="utf-8")
    port = free_port()
    server = ServerProcess(
        [sys.executable, "-m", *argv(folder, port)],
        port=port,
        folder=folder,
        env=server_environment(folder),
        name=name,
    )
    try:
        server.wait_ready("/health", body=b"ok")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[ServerProcess]:
    def argv(folder: Path, port: int) -> list[str]:
        return [
            "gunicorn",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--graceful-timeout=3",
            f"--chdir={folder}",
            "deployapp:app",
        ]

    yield from serve(tmp_path_factory, "gunicorn", argv)


@pytest.fixture(scope="module")
def waitress(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[ServerProcess]:
    def argv(folder: Path, port: int) -> list[str]:
        # By default waitress deletes X-Forwarded-* headers; the docs' recipe
        # names the proxy it may trust them from.
        return [
            "waitress",
            f"--listen=127.0.0.1:{port}",
            "--trusted-proxy=127.0.0.1",
            "--trusted-proxy-headers=x-forwarded-for x-forwarded-host"
            " x-forwarded-proto",
            "deployapp:app",
        ]

    yield from serve(tmp_path_factory, "waitress", argv)


# gunicorn ------------------------------------------------------------------


def test_gunicorn_text(gunicorn: ServerProcess) -> None:
    reply = gunicorn.request("GET", "/")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.body == b"Hello from a real server"
    assert reply.headers["Content-Length"] == str(len(reply.body))
    assert reply.headers["Server"].startswith("gunicorn")


def test_gunicorn_json(gunicorn: ServerProcess) -> None:
    reply = gunicorn.request("GET", "/json")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.json() == {"answer": 42, "items": [1, 2, 3], "text": "café"}


def test_gunicorn_post_json(gunicorn: ServerProcess) -> None:
    sent = {"name": "tea", "sizes": [1, 2], "nested": {"ok": True}}
    reply = gunicorn.post_json("/echo", sent)
    assert reply.status == 200
    assert reply.json() == {"received": sent, "method": "POST"}


def test_gunicorn_not_found(gunicorn: ServerProcess) -> None:
    reply = gunicorn.request("GET", "/missing")
    assert reply.status == 404
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.body == NotFound().get_body().encode()


def test_gunicorn_method_not_allowed(gunicorn: ServerProcess) -> None:
    reply = gunicorn.request("DELETE", "/echo")
    assert reply.status == 405
    # The order follows a set's, which varies with the worker's hash seed.
    assert set(reply.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def test_gunicorn_streams_as_produced(gunicorn: ServerProcess) -> None:
    stream_is_incremental(gunicorn)


def test_gunicorn_session_round_trip(gunicorn: ServerProcess) -> None:
    # Two workers, no shared state: the signed cookie carries the session,
    # whichever worker answers.
    cookie = None
    for expected in range(1, 5):
        headers = {"Cookie": cookie} if cookie else {}
        reply = gunicorn.request("POST", "/count", headers=headers)
        assert reply.status == 200
        assert reply.json()["count"] == expected
        set_cookie = reply.headers["Set-Cookie"]
        assert set_cookie.startswith("session=")
        assert "HttpOnly" in set_cookie
        assert "Path=/" in set_cookie
        assert reply.headers["Vary"] == "Cookie"
        cookie = set_cookie.split(";", 1)[0]

    # Without the cookie, or with a forged one, a new session starts.
    assert gunicorn.request("POST", "/count").json()["count"] == 1
    assert cookie is not None
    forged = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    reply = gunicorn.request("POST", "/count", headers={"Cookie": forged})
    assert reply.json()["count"] == 1


def test_gunicorn_behind_proxy(gunicorn: ServerProcess) -> None:
    direct = gunicorn.request("GET", "/where?x=1")
    assert direct.status == 200
    assert direct.json() == {
        "url": f"http://127.0.0.1:{gunicorn.port}/where?x=1",
        "scheme": "http",
        "host": f"127.0.0.1:{gunicorn.port}",
        "remote_addr": "127.0.0.1",
    }

    proxied = gunicorn.request(
        "GET",
        "/where?x=1",
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "www.example.com",
        },
    )
    assert proxied.status == 200
    assert proxied.json() == {
        "url": "https://www.example.com/where?x=1",
        "scheme": "https",
        "host": "www.example.com",
        "remote_addr": "203.0.113.7",
    }

    # x_for=1 trusts one proxy: of a chain, only the last hop is believed.
    chained = gunicorn.request(
        "GET", "/where", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
    )
    assert chained.json()["remote_addr"] == "203.0.113.7"


# waitress ------------------------------------------------------------------


def test_waitress_text_json_and_not_found(waitress: ServerProcess) -> None:
    reply = waitress.request("GET", "/")
    assert reply.status == 200
    assert reply.body == b"Hello from a real server"
    assert reply.headers["Server"] == "waitress"

    sent = {"name": "tea", "sizes": [1, 2]}
    reply = waitress.post_json("/echo", sent)
    assert reply.status == 200
    assert reply.json() == {"received": sent, "method": "POST"}

    reply = waitress.request("GET", "/missing")
    assert reply.status == 404
    assert reply.body == NotFound().get_body().encode()


def test_waitress_session_and_proxy(waitress: ServerProcess) -> None:
    first = waitress.request("POST", "/count")
    cookie = first.headers["Set-Cookie"].split(";", 1)[0]
    second = waitress.request("POST", "/count", headers={"Cookie": cookie})
    assert (first.json()["count"], second.json()["count"]) == (1, 2)

    proxied = waitress.request(
        "GET",
        "/where",
        headers={
            "X-Forwarded-For": "203.0.113.7",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "example.org",
        },
    )
    assert proxied.status == 200
    assert proxied.json() == {
        "url": "https://example.org/where",
        "scheme": "https",
        "host": "example.org",
        "remote_addr": "203.0.113.7",
    }


def test_waitress_streams_as_produced(waitress: ServerProcess) -> None:
    stream_is_incremental(waitress)


# shared --------------------------------------------------------------------


def stream_is_incremental(server: ServerProcess) -> None:
    """The first line arrives while the view's generator is still waiting
    for the client to say "go"; the second only after it did."""
    token = uuid.uuid4().hex
    connection = server.connect()
    try:
        connection.request("GET", f"/stream?name=ada&token={token}")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("Content-Length") is None
        assert response.readline() == b"first for ada\n"
        (server.folder / f"go-{token}").touch()
        assert response.read() == b"second, path /stream\n"
    finally:
        connection.close()
