"""``framework serve`` with the ASGI servers, run for real: uvicorn,
hypercorn and granian each started once as a subprocess on 127.0.0.1 and
spoken to over HTTP (a sync view and an async view, a slow client, a client
that goes away), stopped with SIGTERM while requests are in flight; the
module-level ``asgi = app.asgi`` form under uvicorn's and granian's own
command lines; and :mod:`framework.serving.choice`, which decides when the
default server is an ASGI one."""

from __future__ import annotations

import concurrent.futures
import pathlib
import signal
import socket
import sys
import textwrap
import time
import typing as t
import uuid

import pytest
from processes import free_port
from servers import ServerProcess, read_to_end, server_environment

from framework import App, Blueprint
from framework.concurrency import loop_safe
from framework.serving import ServeError, serve
from framework.serving.choice import (
    _has_websocket_routes,
    async_functions,
    wants_asgi,
)
from framework.views import MethodView

ASGI_SERVERS = ("uvicorn", "hypercorn", "granian")

# Written to a temporary folder and served as ``asgiapp``.
APP_SOURCE = textwrap.dedent(
    '''
    """The app the ASGI serve tests run."""

    import asyncio
    import os
    import threading
    import time
    from pathlib import Path

    from framework import App, request, stream_with_context

    HERE = Path(__file__).parent
    LOADED_IN = os.getpid()

    app = App(__name__)


    @app.get("/health")
    def health():
        return "ok"


    @app.get("/sync")
    def sync_view():
        return {"kind": "sync", "thread": threading.get_ident(), "pid": os.getpid()}


    @app.get("/async")
    async def async_view():
        await asyncio.sleep(0)
        return {"kind": "async", "loaded_in": LOADED_IN, "pid": os.getpid()}


    @app.post("/echo")
    def echo():
        return {"received": request.get_json(), "length": request.content_length}


    @app.get("/slow")
    async def slow():
        await asyncio.sleep(float(request.args["seconds"]))
        return "slow done"


    @app.get("/slow-sync")
    def slow_sync():
        time.sleep(float(request.args["seconds"]))
        return "slow sync done"


    @app.get("/stream")
    def stream():
        token = request.args["token"]

        def chunks():
            sent = 0
            try:
                for sent in range(1, 61):
                    yield b"x" * 1024
                    time.sleep(0.05)
            finally:
                (HERE / f"closed-{token}").write_text(str(sent))

        return app.response_class(stream_with_context(chunks()))


    # For servers that load a name, not an expression (gunicorn's
    # uvicorn worker, granian): the app's ASGI callable.
    asgi = app.asgi
    '''
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("serve-asgi")
    (path / "asgiapp.py").write_text(APP_SOURCE, encoding="utf-8")
    return path


def environment(folder: pathlib.Path) -> dict[str, str]:
    return server_environment(folder, FRAMEWORK_SKIP_DOTENV="1")


def start(
    folder: pathlib.Path, argv: list[str], name: str, *, port: int | None = None
) -> ServerProcess:
    """``argv`` (given ``--port``) started in ``folder``, once it answers."""
    port = port or free_port()
    process = ServerProcess(
        [*argv, "--port", str(port)],
        port=port,
        folder=folder,
        env=environment(folder),
        name=name,
    )
    process.wait_ready("/health", body=b"ok")
    return process


def serve_argv(*options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "framework.cli",
        "--app",
        "asgiapp",
        "serve",
        *options,
    ]


def stopped_cleanly(process: ServerProcess) -> None:
    assert process.stop() == 0, process.output()
    assert "Traceback" not in process.output(), process.output()


@pytest.fixture(scope="module", params=ASGI_SERVERS)
def server(
    request: pytest.FixtureRequest, folder: pathlib.Path
) -> t.Iterator[ServerProcess]:
    """``framework --app asgiapp serve --server NAME``, three threads for
    sync views, with its access log; stopped cleanly at the end."""
    options = ["--server", request.param, "--threads", "3", "--access-log"]
    process = start(folder, serve_argv(*options), request.param)
    yield process
    stopped_cleanly(process)


def test_sync_and_async_views_are_served(server: ServerProcess) -> None:
    reply = server.request("GET", "/sync")
    assert reply.status == 200
    assert reply.json()["kind"] == "sync"
    reply = server.request("GET", "/async")
    assert reply.status == 200
    assert reply.json()["kind"] == "async"
    # One process: the app was loaded where it serves.
    assert reply.json()["loaded_in"] == reply.json()["pid"]
    sent = {"name": "tea", "sizes": [1, 2]}
    reply = server.post_json("/echo", sent)
    assert reply.status == 200
    assert reply.json()["received"] == sent
    assert server.request("GET", "/missing").status == 404
    banner = f"through ASGI with {server.name} on http://127.0.0.1:{server.port}"
    assert banner in server.output()
    assert "sync views in ASGI_THREADS=3" in server.output()


def test_sync_views_run_in_the_thread_pool(server: ServerProcess) -> None:
    """--threads sizes the app's pool: three sync requests held at once run
    on at most three threads, in the server's one process."""
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda _: server.request("GET", "/sync"), range(6)))
    answers = [r.json() for r in replies]
    assert {a["pid"] for a in answers} == {answers[0]["pid"]}
    assert 1 <= len({a["thread"] for a in answers}) <= 3


def test_the_access_log_has_a_line_per_request(server: ServerProcess) -> None:
    # In the path: hypercorn's and granian's lines leave the query out.
    path = f"/missing-{uuid.uuid4().hex}"
    assert server.request("GET", path).status == 404
    deadline = time.monotonic() + 5
    while path not in server.output():
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)
    line = next(li for li in server.output().splitlines() if path in li)
    assert f"GET {path}" in line
    assert " 404" in line


def test_a_slow_client_does_not_hold_up_the_others(server: ServerProcess) -> None:
    """A client that sends its headers, then its body a byte every 0.2 s,
    costs the server a socket: others are answered meanwhile, and the slow
    one gets its answer, whole, once its body is in."""
    body = b'{"a": 123}'
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as slow:
        slow.sendall(
            b"POST /echo HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json"
            b"\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        answered = []
        for byte in body:
            slow.sendall(bytes([byte]))
            started = time.monotonic()
            reply = server.request("GET", "/async", timeout=5)
            answered.append(reply.status == 200 and time.monotonic() - started < 1)
            time.sleep(0.2)
        answer = read_to_end(slow)
    assert all(answered), answered
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert answer.endswith(b'"received":{"a":123}}\n'), answer


def test_a_client_that_goes_away_mid_stream(server: ServerProcess) -> None:
    """A client that reads the start of a streamed answer and closes its
    connection: the stream's generator is closed early (its ``finally``
    runs, the request is torn down), nothing is logged as an error, and the
    server goes on serving."""
    seen = len(server.output())
    token = uuid.uuid4().hex
    closed = server.folder / f"closed-{token}"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"GET /stream?token={token} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
        received = sock.recv(4096)
        assert received.startswith(b"HTTP/1.1 200")
        # Leave once a chunk came: before it, the generator may not have
        # started, and one that never started has no finally to run.
        while b"xxxx" not in received:
            received += sock.recv(4096)
    # 60 chunks 0.05 s apart take 3 s: the generator stops well before.
    deadline = time.monotonic() + 15
    while not closed.exists():
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)
    produced = int(closed.read_text() or 0)
    assert produced < 60, f"the stream ran to its end: {server.output()}"
    assert "Traceback" not in server.output()[seen:]
    assert server.request("GET", "/async").status == 200


def test_a_client_that_goes_away_before_the_answer(server: ServerProcess) -> None:
    """The client closes its connection while an async view and a sync view
    are still working on its answer: no error is logged, and the server
    goes on serving."""
    seen = len(server.output())
    for path in (b"/slow?seconds=0.5", b"/slow-sync?seconds=0.5"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: a\r\n\r\n")
            time.sleep(0.1)
    time.sleep(0.8)
    assert "Traceback" not in server.output()[seen:]
    assert " ERROR " not in server.output()[seen:]
    assert server.request("GET", "/sync").status == 200


@pytest.mark.parametrize("name", ASGI_SERVERS)
def test_sigterm_lets_requests_in_flight_finish(
    folder: pathlib.Path, name: str
) -> None:
    """SIGTERM with an async and a sync request running: both are answered
    in full, the listener closes, and the server exits with status 0."""
    server = start(folder, serve_argv("--server", name), f"stopping {name}")
    requests = [b"/slow?seconds=1.5", b"/slow-sync?seconds=1.5"] * 2
    clients = []
    for path in requests:
        client = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        client.sendall(
            b"GET " + path + b" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        )
        clients.append(client)
    time.sleep(0.5)
    server.process.send_signal(signal.SIGTERM)
    refused = False
    deadline = time.monotonic() + 10
    while not refused and time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", server.port), 1).close()
        except ConnectionRefusedError:
            refused = True
        time.sleep(0.05)
    answers = []
    for client in clients:
        with client:
            answers.append(read_to_end(client))
    assert refused, "the listener stayed open after SIGTERM"
    assert all(a.startswith(b"HTTP/1.1 200") for a in answers), answers
    assert [a.rpartition(b"\r\n\r\n")[2] for a in answers] == [
        b"slow done",
        b"slow sync done",
    ] * 2
    assert server.process.wait(15) == 0, server.output()
    assert "Traceback" not in server.output()


@pytest.mark.parametrize("name", ("uvicorn", "hypercorn"))
def test_workers_serve_from_several_processes(folder: pathlib.Path, name: str) -> None:
    """--workers 2: two processes, each of which imported the app itself
    (the supervisor never does), answer; SIGTERM stops both."""
    server = start(folder, serve_argv("--server", name, "--workers", "2"), name)
    try:
        pids = set()
        deadline = time.monotonic() + 10
        while len(pids) < 2 and time.monotonic() < deadline:
            answer = server.request("GET", "/async").json()
            assert answer["loaded_in"] == answer["pid"]
            pids.add(answer["pid"])
        assert len(pids) == 2
        assert server.process.pid not in pids
        assert "2 worker processes (app loaded in each worker)" in server.output()
    finally:
        stopped_cleanly(server)


def test_granian_runs_its_own_workers(folder: pathlib.Path) -> None:
    server = start(folder, serve_argv("--server", "granian", "--workers", "2"), "g2")
    try:
        pids = set()
        deadline = time.monotonic() + 10
        while len(pids) < 2 and time.monotonic() < deadline:
            pids.add(server.request("GET", "/async").json()["pid"])
        assert len(pids) == 2
        assert server.process.pid not in pids
    finally:
        stopped_cleanly(server)


# The default server ------------------------------------------------------------


def test_auto_serves_an_app_with_async_views_through_uvicorn(
    folder: pathlib.Path,
) -> None:
    server = start(folder, serve_argv(), "auto")
    try:
        assert "through ASGI with uvicorn" in server.output()
        assert server.request("GET", "/async").status == 200
    finally:
        stopped_cleanly(server)


def test_auto_with_workers_decides_without_importing_the_app_in_the_supervisor(
    folder: pathlib.Path,
) -> None:
    server = start(folder, serve_argv("--workers", "2"), "auto workers")
    try:
        assert "through ASGI with uvicorn" in server.output()
        answer = server.request("GET", "/async").json()
        assert answer["loaded_in"] == answer["pid"] != server.process.pid
    finally:
        stopped_cleanly(server)


def test_auto_serves_a_sync_app_with_waitress(folder: pathlib.Path) -> None:
    (folder / "syncapp.py").write_text(
        "from framework import App\napp = App(__name__)\n"
        "@app.get('/health')\ndef health():\n    return 'ok'\n",
        encoding="utf-8",
    )
    argv = [sys.executable, "-m", "framework.cli", "--app", "syncapp", "serve"]
    server = start(folder, argv, "auto sync")
    try:
        assert "with waitress on" in server.output()
    finally:
        stopped_cleanly(server)


# The module-level ``asgi = app.asgi``, under the servers' own commands ------


def test_uvicorn_command_line_serves_app_asgi(folder: pathlib.Path) -> None:
    # uvicorn loads attribute paths: both forms work.
    for target in ("asgiapp:asgi", "asgiapp:app.asgi"):
        argv = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1"]
        server = start(folder, argv, f"uvicorn {target}")
        try:
            assert server.request("GET", "/async").json()["kind"] == "async"
            assert server.request("GET", "/sync").json()["kind"] == "sync"
        finally:
            # uvicorn's own command drains, then ends killed by the SIGTERM
            # it raises again (framework serve exits with 0 instead).
            assert server.stop() == -signal.SIGTERM, server.output()
        assert "Application shutdown complete." in server.output()
        assert "Traceback" not in server.output()


def test_granian_command_line_serves_the_module_level_asgi(
    folder: pathlib.Path,
) -> None:
    argv = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "asgiapp:asgi",
    ]
    server = start(folder, argv, "granian asgiapp:asgi")
    try:
        assert server.request("GET", "/async").json()["kind"] == "async"
        assert server.request("GET", "/sync").json()["kind"] == "sync"
    finally:
        stopped_cleanly(server)


# serve()'s refusals ------------------------------------------------------------


def test_serve_refuses_options_a_server_has_no_equivalent_for() -> None:
    app = App("refused")
    with pytest.raises(ServeError, match="header_timeout: gunicorn has no such"):
        serve(app, server="gunicorn", header_timeout=10)
    with pytest.raises(ServeError, match="idle_timeout: granian has no idle timeout"):
        serve(app, server="granian", idle_timeout=10)
    with pytest.raises(ServeError, match="timeout: only gunicorn has this; uvicorn"):
        serve(app, server="uvicorn", timeout=10)


def test_serve_refuses_a_plain_wsgi_app_for_an_asgi_server() -> None:
    def wsgi_only(environ: t.Any, start_response: t.Any) -> list[bytes]:
        return []

    with pytest.raises(ServeError, match="uvicorn serves ASGI applications"):
        serve(wsgi_only, server="uvicorn", port=free_port())


def test_cli_refuses_idle_timeout_for_granian(folder: pathlib.Path) -> None:
    import subprocess

    result = subprocess.run(
        serve_argv("--server", "granian", "--idle-timeout", "5"),
        cwd=folder,
        env=environment(folder),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: idle_timeout: granian has no idle timeout; a connection that"
        " sends nothing stays open (put a proxy in front that closes them)."
    )


# framework.serving.choice ---------------------------------------------------------


def sync_app() -> App:
    app = App("sync")

    @app.get("/")
    def index() -> str:
        return "sync"

    @app.before_request
    def before() -> None:
        pass

    @app.errorhandler(404)
    def missing(e: Exception) -> tuple[str, int]:
        return "missing", 404

    return app


def test_a_sync_app_wants_a_wsgi_server() -> None:
    app = sync_app()
    assert list(async_functions(app)) == []
    assert not wants_asgi(app)


def test_a_plain_wsgi_callable_wants_a_wsgi_server() -> None:
    assert not wants_asgi(lambda environ, start_response: [])


def test_an_async_view_wants_an_asgi_server() -> None:
    app = sync_app()

    @app.get("/a")
    async def a() -> str:
        return "a"

    assert list(async_functions(app)) == [a]
    assert wants_asgi(app)


@pytest.mark.parametrize(
    "register",
    [
        lambda app, f: app.before_request(f),
        lambda app, f: app.after_request(f),
        lambda app, f: app.teardown_request(f),
        lambda app, f: app.teardown_appcontext(f),
        lambda app, f: app.url_value_preprocessor(f),
        lambda app, f: app.errorhandler(500)(f),
    ],
    ids=[
        "before_request",
        "after_request",
        "teardown_request",
        "teardown_appcontext",
        "url_value_preprocessor",
        "errorhandler",
    ],
)
def test_an_async_hook_wants_an_asgi_server(
    register: t.Callable[[App, t.Callable[..., t.Any]], object],
) -> None:
    app = sync_app()

    async def hook(*args: t.Any) -> t.Any:
        return args[0] if args else None

    register(app, hook)
    assert list(async_functions(app)) == [hook]
    assert wants_asgi(app)


def test_a_blueprint_async_hook_wants_an_asgi_server() -> None:
    app = sync_app()
    blueprint = Blueprint("bp", __name__)

    @blueprint.before_request
    async def hook() -> None:
        pass

    app.register_blueprint(blueprint)
    assert wants_asgi(app)


def test_a_method_view_with_one_async_method_wants_an_asgi_server() -> None:
    class Items(MethodView):
        def get(self) -> str:
            return "items"

        async def post(self) -> str:
            return "posted"

    app = sync_app()
    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert wants_asgi(app)


def test_an_async_generator_view_wants_an_asgi_server() -> None:
    app = sync_app()

    @app.get("/stream")
    async def stream() -> t.AsyncIterator[bytes]:
        yield b"x"

    assert wants_asgi(app)


def test_loop_safe_sync_hooks_do_not_count() -> None:
    app = sync_app()

    @app.after_request
    @loop_safe
    def cors(response: t.Any) -> t.Any:
        return response

    assert not wants_asgi(app)


def test_websocket_routes_want_asgi_and_wsgi_socket_views_do_not() -> None:
    app = sync_app()
    # Flask-Sock's way: a sync view on a websocket rule, under WSGI.
    app.add_url_rule("/sock", view_func=lambda: "", websocket=True)
    assert not wants_asgi(app)

    @app.websocket("/live")
    async def live() -> None:  # pragma: no cover - only looked at
        pass

    assert wants_asgi(app)
    assert _has_websocket_routes(app)


def test_looking_does_not_freeze_the_app() -> None:
    # serve() looks before the app has served anything: routes may still be
    # added afterwards, and count.
    app = sync_app()
    assert not wants_asgi(app)

    @app.get("/later")
    async def later() -> str:
        return "later"

    assert wants_asgi(app)
