"""``framework run --asgi``: the app under uvicorn, its reloader, and in
debug mode a read-only traceback page for an unhandled exception. Servers
run for real in subprocesses on 127.0.0.1; the options refused with
``--asgi`` are checked in-process, where nothing starts."""

from __future__ import annotations

import asyncio
import os
import pathlib
import shutil
import socket
import ssl
import subprocess
import sys
import time
import typing as t

import pytest
from click.testing import CliRunner
from processes import free_port
from servers import Reply, ServerProcess, server_environment

from framework.cli import cli
from framework.cli.commands.run import debugger_exposure_warning
from framework.devserver_asgi import DebugTracebackMiddleware, traceback_page

pytest.importorskip("uvicorn")

_ENV = (
    *("FRAMEWORK_APP", "FRAMEWORK_DEBUG", "FRAMEWORK_RUN_FROM_CLI"),
    *("FLASK_APP", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI", "FLASK_SKIP_DOTENV"),
)

SERVED_APP = """
import asyncio

from framework import App

app = App(__name__)


@app.get("/")
def index():
    return "sync hello"


@app.get("/async")
async def async_hello():
    await asyncio.sleep(0)
    return "async hello"


@app.get("/fail")
def fail():
    raise LookupError("the sync view failed on purpose")


@app.get("/async-fail")
async def async_fail():
    raise LookupError("the async view failed on purpose")


@app.get("/stream-fail")
def stream_fail():
    def chunks():
        yield "first chunk;"
        raise LookupError("the stream failed on purpose")

    return chunks()
"""

FACTORY_APP = """
import message

from framework import App


def create_app(prefix):
    app = App(__name__)

    @app.get("/")
    def index():
        return prefix + message.TEXT

    return app
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENV:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("FRAMEWORK_SKIP_DOTENV", "1")


def start(folder: pathlib.Path, app: str, *args: str) -> ServerProcess:
    """``framework --app APP ARGS`` (ending in ``run --asgi ...``) in a
    subprocess, once ``/`` answers 200."""
    port = free_port()
    argv = [sys.executable, "-m", "framework", "--app", app, *args]
    argv += ["--port", str(port)]
    env = {k: v for k, v in server_environment(folder).items() if k not in _ENV}
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    server = ServerProcess(argv, port=port, folder=folder, env=env)
    server.wait_ready("/")
    return server


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("asgi_run")
    (folder / "asgi_app.py").write_text(SERVED_APP)
    return folder


@pytest.fixture(scope="module")
def debug_server(app_folder: pathlib.Path) -> t.Iterator[ServerProcess]:
    server = start(app_folder, "asgi_app", "--debug", "run", "--asgi")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def plain_server(app_folder: pathlib.Path) -> t.Iterator[ServerProcess]:
    server = start(app_folder, "asgi_app", "run", "--asgi")
    yield server
    server.stop()


def source_line(text: str) -> int:
    """The line number of ``text`` in the served app's module."""
    return next(i for i, line in enumerate(SERVED_APP.splitlines(), 1) if text in line)


# -- serving -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"), [("/", b"sync hello"), ("/async", b"async hello")]
)
def test_sync_and_async_views_are_served(
    debug_server: ServerProcess, path: str, body: bytes
) -> None:
    reply = debug_server.request("GET", path)
    assert (reply.status, reply.body) == (200, body)
    # uvicorn answered, not werkzeug's server.
    assert reply.headers["server"] == "uvicorn"


def test_banner_is_printed_once_and_uvicorn_reloads_in_debug_mode(
    debug_server: ServerProcess,
) -> None:
    output = debug_server.output()
    assert output.count(" * Serving framework app 'asgi_app'") == 1
    assert output.count(" * Debug mode: on") == 1
    assert "Started reloader process" in output


def test_without_debug_mode_there_is_no_reloader(plain_server: ServerProcess) -> None:
    output = plain_server.output()
    assert " * Debug mode: off" in output
    assert "reloader" not in output
    assert plain_server.request("GET", "/async").body == b"async hello"


# -- errors ----------------------------------------------------------------------


def assert_read_only_page(reply: Reply) -> str:
    assert reply.status == 500
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    page = reply.body.decode()
    # Nothing of the interactive debugger: no script, no console resources,
    # no PIN prompt.
    assert "<script" not in page
    assert "__debugger__" not in page
    assert "PIN" not in page
    assert "console" not in page.lower()
    return page


@pytest.mark.parametrize(
    ("path", "message", "view"),
    [
        ("/fail", "the sync view failed on purpose", "fail"),
        ("/async-fail", "the async view failed on purpose", "async_fail"),
    ],
)
def test_debug_mode_error_shows_a_traceback_page(
    debug_server: ServerProcess, path: str, message: str, view: str
) -> None:
    page = assert_read_only_page(debug_server.request("GET", path))
    assert f"LookupError: {message}" in page
    # The frame of the view: its file, line, name and source line.
    filename = str(debug_server.folder / "asgi_app.py")
    assert f'<cite class="filename">"{filename}"</cite>' in page
    assert f'<em class="line">{source_line(message)}</em>' in page
    assert f'<code class="function">{view}</code>' in page
    assert f"raise LookupError(&quot;{message}&quot;)" in page
    # The server's output has the traceback too.
    assert f"Error on GET {path}" in debug_server.output()


def test_error_after_the_response_started_closes_the_connection(
    debug_server: ServerProcess,
) -> None:
    with socket.create_connection(("127.0.0.1", debug_server.port), timeout=15) as s:
        s.sendall(b"GET /stream-fail HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while data := s.recv(65536):
            received += data
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert b"first chunk;" in body
    # Cut off: no last chunk, no page.
    assert not body.endswith(b"0\r\n\r\n")
    assert b"Traceback" not in body
    # The traceback is in the server's output.
    deadline = time.monotonic() + 5
    while "LookupError: the stream failed on purpose" not in debug_server.output():
        assert time.monotonic() < deadline, debug_server.output()
        time.sleep(0.05)


def test_without_debug_mode_an_error_is_a_plain_500(
    plain_server: ServerProcess,
) -> None:
    reply = plain_server.request("GET", "/fail")
    assert reply.status == 500
    assert b"Internal Server Error" in reply.body
    assert b"LookupError" not in reply.body
    assert b"raise" not in reply.body


def test_debug_mode_without_the_debugger_is_a_plain_500(
    app_folder: pathlib.Path,
) -> None:
    server = start(
        app_folder,
        "asgi_app",
        "--debug",
        "run",
        "--asgi",
        "--no-debugger",
        "--no-reload",
    )
    try:
        reply = server.request("GET", "/fail")
        assert reply.status == 500
        assert b"LookupError" not in reply.body
        assert b"<html" not in reply.body
        # The exception went on to uvicorn, which logged it.
        assert "Exception in ASGI application" in server.output()
    finally:
        server.stop()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_cert_and_key_serve_https(app_folder: pathlib.Path) -> None:
    cert, key = app_folder / "cert.pem", app_folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-nodes"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert), "-days", "1"),
            *("-subj", "/CN=127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    port = free_port()
    argv = [sys.executable, "-m", "framework", "--app", "asgi_app", "run", "--asgi"]
    argv += ["--port", str(port), "--cert", str(cert), "--key", str(key)]
    env = {k: v for k, v in server_environment(app_folder).items() if k not in _ENV}
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    server = ServerProcess(argv, port=port, folder=app_folder, env=env)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False

    def https_get() -> bytes:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as plain,
            context.wrap_socket(plain) as sock,
        ):
            sock.sendall(b"GET /async HTTP/1.0\r\n\r\n")
            return sock.makefile("rb").read()

    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                answer = https_get()
                break
            except OSError:
                assert server.process.poll() is None, server.output()
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.1)
        assert answer.startswith(b"HTTP/1.1 200 ")
        assert answer.endswith(b"\r\n\r\nasync hello")
    finally:
        server.stop()


# -- the reloader ------------------------------------------------------------------


def wait_for_body(
    server: ServerProcess, expected: bytes, touched: pathlib.Path, timeout: float = 30
) -> Reply:
    """The first reply to ``GET /`` whose body holds ``expected``. Each
    second without it, ``touched`` gets a later time stamp: a change made
    while the reloader took its first look is seen only by the next. The
    timeout is generous because a restart on a loaded machine re-imports
    everything; a passing wait returns as soon as the body appears."""
    deadline = time.monotonic() + timeout
    bump = time.monotonic() + 1
    bumps = 0
    reply: Reply | None = None
    while time.monotonic() < deadline:
        try:
            reply = server.request("GET", "/", timeout=2)
        except OSError:  # the child is restarting
            reply = None
        if reply is not None and expected in reply.body:
            return reply
        if time.monotonic() > bump:
            bumps += 1
            later = time.time() + bumps
            os.utime(touched, (later, later))
            bump += 1
        time.sleep(0.1)
    pytest.fail(f"no {expected!r} in time, last {reply!r}:\n{server.output()}")


def test_reloader_serves_changed_code_and_a_broken_module_as_a_page(
    tmp_path: pathlib.Path,
) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / "factory_app.py").write_text(FACTORY_APP)
    message = project / "message.py"
    message.write_text("TEXT = 'before'\n")
    # Run from another folder: the reloader watches the app's folder too. A
    # factory called with arguments: uvicorn's child has to call it too.
    app = "../project/factory_app.py:create_app('v1: ')"
    server = start(elsewhere, app, "--debug", "run", "--asgi")
    try:
        assert server.request("GET", "/").body == b"v1: before"
        message.write_text("TEXT = 'after'\n")
        assert wait_for_body(server, b"v1: after", message).status == 200
        # Broken code: the child serves the import error as the page.
        message.write_text("TEXT = (\n")
        page = assert_read_only_page(wait_for_body(server, b"SyntaxError", message))
        assert "message.py" in page
        message.write_text("TEXT = 'fixed'\n")
        assert wait_for_body(server, b"v1: fixed", message).status == 200
    finally:
        server.stop()


WATCHING_APP = """
import ignored
from pathlib import Path

from framework import App

app = App(__name__)
SETTINGS = Path(__file__).with_name("settings.toml").read_text()


@app.get("/")
def index():
    return f"{SETTINGS.strip()} {ignored.TEXT}"
"""


def test_reloader_watches_extra_files_and_skips_excluded_patterns(
    tmp_path: pathlib.Path,
) -> None:
    """--extra-files and --exclude-patterns work as under WSGI: a change to
    the non-Python file given restarts the server; a change to a module
    that matches the pattern does not, though it is in the app's folder."""
    (tmp_path / "watching_app.py").write_text(WATCHING_APP)
    settings = tmp_path / "settings.toml"
    settings.write_text("v1")
    ignored = tmp_path / "ignored.py"
    ignored.write_text("TEXT = 'a'\n")
    server = start(
        tmp_path,
        "watching_app",
        *("--debug", "run", "--asgi"),
        *("--extra-files", str(settings), "--exclude-patterns", "*/ignored.py"),
    )
    try:
        assert server.request("GET", "/").body == b"v1 a"
        assert "werkzeug's stat reloader" in server.output()
        # Two of the reloader's one-second looks, each seeing a later time
        # on the excluded module: no restart.
        ignored.write_text("TEXT = 'b'\n")
        for bump in range(1, 3):
            time.sleep(1)
            later = time.time() + bump
            os.utime(ignored, (later, later))
        assert server.request("GET", "/").body == b"v1 a"
        assert "detected changes" not in server.output()
        # The extra file restarts it: the new process loads both changes.
        settings.write_text("v2")
        assert wait_for_body(server, b"v2 b", settings).status == 200
        assert "settings.toml" in server.output()
        assert "ignored.py" not in server.output()
    finally:
        server.stop()


# -- options and messages, in-process ------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--without-threads"], "--without-threads has no meaning with --asgi"),
        (["--cert", "adhoc"], "'adhoc' and SSLContext import paths are werkzeug's"),
    ],
)
def test_options_uvicorn_has_no_equivalent_for_are_refused(
    args: list[str], message: str
) -> None:
    result = CliRunner().invoke(cli, ["--app", "nowhere", "run", "--asgi", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Serving" not in result.output


def test_missing_uvicorn_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes `import uvicorn` fail as if not installed.
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = CliRunner().invoke(cli, ["--app", "nowhere", "run", "--asgi"])
    assert result.exit_code == 1
    assert "pip install 'framework[uvicorn]'" in result.output


def test_exposure_warning_of_the_traceback_page() -> None:
    assert debugger_exposure_warning("127.0.0.1", interactive=False) is None
    warning = debugger_exposure_warning("0.0.0.0", interactive=False)
    assert warning is not None
    assert "traceback page is reachable on 0.0.0.0" in warning
    assert "PIN" not in warning


def test_middleware_passes_other_scopes_through() -> None:
    events: list[str] = []

    async def lifespan_app(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        events.append(scope["type"])

    asyncio.run(
        DebugTracebackMiddleware(lifespan_app)({"type": "lifespan"}, None, None)
    )  # type: ignore[arg-type]
    assert events == ["lifespan"]


def test_middleware_lets_an_error_after_the_start_go_on_to_the_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The app logs its own streaming errors; an app or middleware that lets
    # one escape after the start gets no page: the server closes the
    # connection.
    sent: list[t.Any] = []

    async def streaming_app(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise LookupError("midway")

    async def send(message: t.Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/streamed"}
    middleware = DebugTracebackMiddleware(streaming_app)
    with pytest.raises(LookupError, match="midway"):
        asyncio.run(middleware(scope, None, send))  # type: ignore[arg-type]
    assert [m["type"] for m in sent] == ["http.response.start"]
    assert "Error on GET /streamed after its response had started" in caplog.text


def test_traceback_page_names_chained_exceptions() -> None:
    try:
        try:
            {}["missing"]
        except KeyError as e:
            raise RuntimeError("while handling it") from e
    except RuntimeError as e:
        page = traceback_page(e)
    assert "KeyError: &#x27;missing&#x27;" in page
    assert "RuntimeError: while handling it" in page
    assert "The above exception was the direct cause" in page


def test_with_the_reloader_a_client_as_early_as_the_banner_is_served(
    tmp_path: pathlib.Path,
) -> None:
    # The child loads the app after the banner; an app slow to import
    # (here a second) must not see its first visitor refused meanwhile.
    (tmp_path / "slowapp.py").write_text(
        "import time\n"
        "from framework import App\n"
        "time.sleep(1)\n"
        "app = App(__name__)\n"
        "app.get('/')(lambda: 'ready')\n",
        encoding="utf-8",
    )
    port = free_port()
    argv = [sys.executable, "-m", "framework", "--app", "slowapp", "run"]
    argv += ["--asgi", "--debug", "--port", str(port)]
    env = {k: v for k, v in server_environment(tmp_path).items() if k not in _ENV}
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    server = ServerProcess(argv, port=port, folder=tmp_path, env=env)
    try:
        deadline = time.monotonic() + 30
        while "Uvicorn running on" not in server.output():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.02)
        # One try, no retry: a refused connection fails here.
        reply = server.request("GET", "/", timeout=30)
        assert (reply.status, reply.body) == (200, b"ready")
    finally:
        server.stop()
