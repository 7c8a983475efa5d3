"""The development server's idle timeout (``framework run --idle-timeout``,
``App.run(idle_timeout=...)``) and its warning without threads: the option
parsed in-process, the behaviour against real servers in subprocesses on
127.0.0.1."""

from __future__ import annotations

import inspect
import io
import math
import pathlib
import shutil
import socket
import ssl
import subprocess
import sys
import time
import typing as t

import click
import pytest
from processes import free_port
from servers import ServerProcess, server_environment
from werkzeug.serving import WSGIRequestHandler

from framework import App
from framework.cli import cli, run_command
from framework.devserver import (
    DEFAULT_IDLE_TIMEOUT,
    idle_timeout_handler,
    single_thread_warning,
)

#: The idle timeout of the servers started here, short to keep tests fast.
TIMEOUT = 1.0
#: How much later than the timeout a closed connection may be seen to close
#: on a busy machine.
MARGIN = 4.0

_ENV = (
    *("FRAMEWORK_APP", "FRAMEWORK_DEBUG", "FRAMEWORK_RUN_FROM_CLI"),
    *("FLASK_APP", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI", "FLASK_SKIP_DOTENV"),
    *("FRAMEWORK_RUN_IDLE_TIMEOUT", "FLASK_RUN_IDLE_TIMEOUT"),
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither spelling of the variables ``run`` reads comes from the shell
    that runs the tests; the CLI's writes to os.environ are undone."""
    for name in _ENV:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("FRAMEWORK_SKIP_DOTENV", "1")


def run_params(*args: str) -> dict[str, t.Any]:
    """The parameters ``framework run ARGS`` would run with (environment
    variables included), no server started."""
    parent = cli.make_context("framework", ["run"])
    return run_command.make_context("run", list(args), parent=parent).params


# -- the option -------------------------------------------------------------------


def test_idle_timeout_default_is_the_same_for_run_and_app_run() -> None:
    assert DEFAULT_IDLE_TIMEOUT == 5.0
    assert run_params()["idle_timeout"] == DEFAULT_IDLE_TIMEOUT
    default = inspect.signature(App.run).parameters["idle_timeout"].default
    assert default == DEFAULT_IDLE_TIMEOUT


@pytest.mark.parametrize(("value", "expected"), [("2.5", 2.5), ("0", None)])
def test_idle_timeout_option(value: str, expected: float | None) -> None:
    # 0 is no timeout at all, werkzeug's own behaviour.
    assert run_params("--idle-timeout", value)["idle_timeout"] == expected


@pytest.mark.parametrize("prefix", ["FRAMEWORK_RUN_", "FLASK_RUN_"])
def test_idle_timeout_from_either_spelling(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    monkeypatch.setenv(f"{prefix}IDLE_TIMEOUT", "7")
    assert run_params()["idle_timeout"] == 7.0
    assert run_params("--idle-timeout", "3")["idle_timeout"] == 3.0


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_idle_timeout_that_is_no_duration_is_a_usage_error(value: str) -> None:
    with pytest.raises(click.BadParameter) as caught:
        run_params("--idle-timeout", value)
    assert caught.value.format_message() == (
        f"Invalid value for '--idle-timeout': {value} is not a timeout: give a"
        " positive number of seconds, or 0 for none."
    )


def test_idle_timeout_that_is_no_number_is_a_usage_error() -> None:
    with pytest.raises(click.BadParameter, match="'soon' is not a valid float"):
        run_params("--idle-timeout", "soon")


@pytest.mark.parametrize("value", [-1, math.nan, math.inf])
def test_app_run_refuses_a_bad_idle_timeout_before_serving(value: float) -> None:
    # Refused before werkzeug is asked for a server: nothing listens on the
    # port afterwards, and the test does not hang.
    with pytest.raises(ValueError, match="idle_timeout must be a positive number"):
        App(__name__).run(port=free_port(), load_dotenv=False, idle_timeout=value)


def test_idle_timeout_handler_adds_the_timeout_to_a_given_class() -> None:
    class Mine(WSGIRequestHandler):
        marker = "mine"

    handler = idle_timeout_handler(2, Mine)
    assert issubclass(handler, Mine)
    assert handler.timeout == 2.0
    # No timeout: the class itself, werkzeug's by default.
    assert idle_timeout_handler(0, Mine) is Mine
    assert idle_timeout_handler(None) is WSGIRequestHandler


def test_single_thread_warning_names_the_timeout() -> None:
    assert "an idle one for up to the idle timeout, 5 s" in single_thread_warning(5.0)
    assert "no idle timeout" in single_thread_warning(None)
    assert "no idle timeout" in single_thread_warning(0)


# -- real servers -------------------------------------------------------------------

SERVED_APP = """
from framework import App, request

app = App(__name__)


@app.get("/")
def index():
    return "hello"


@app.post("/upload")
def upload():
    return str(len(request.get_data()))


@app.get("/big")
def big():
    return b"x" * int(request.args["size"])


@app.route("/upgrade", websocket=True)
def upgrade():
    # Takes the connection over, as a websocket library does: answers 101,
    # then echoes one message that comes after a pause.
    sock = request.environ["werkzeug.socket"]
    sock.sendall(b"HTTP/1.1 101 Switching Protocols\\r\\n\\r\\n")
    sock.sendall(b"echo:" + sock.recv(100))
    return ""
"""


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("idle")
    (folder / "idle_app.py").write_text(SERVED_APP)
    return folder


def run_server(folder: pathlib.Path, *args: str) -> ServerProcess:
    """``framework --app idle_app run --idle-timeout 1 ARGS`` in a
    subprocess, once it answers."""
    port = free_port()
    argv = [sys.executable, "-m", "framework", "--app", "idle_app", "run"]
    argv += ["--port", str(port), "--idle-timeout", str(TIMEOUT), *args]
    env = {k: v for k, v in server_environment(folder).items() if k not in _ENV}
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    server = ServerProcess(argv, port=port, folder=folder, env=env)
    server.wait_ready("/")
    return server


@pytest.fixture(scope="module")
def threaded(app_folder: pathlib.Path) -> t.Iterator[ServerProcess]:
    server = run_server(app_folder)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def single(app_folder: pathlib.Path) -> t.Iterator[ServerProcess]:
    server = run_server(app_folder, "--without-threads")
    yield server
    server.stop()


def connect(server: ServerProcess) -> socket.socket:
    return socket.create_connection(
        ("127.0.0.1", server.port), timeout=TIMEOUT + MARGIN
    )


def seconds_until_closed(sock: socket.socket) -> float:
    """How long until the server closes ``sock``, reading what it sends."""
    start = time.monotonic()
    while sock.recv(65536):
        pass
    return time.monotonic() - start


def wait_for_output(server: ServerProcess, text: str) -> str:
    deadline = time.monotonic() + MARGIN
    while text not in (output := server.output()):
        assert time.monotonic() < deadline, output
        time.sleep(0.05)
    return output


def assert_quiet(output: str) -> None:
    """No traceback, no werkzeug error line, no http.server ERROR line."""
    for noise in ("Traceback", "Error on request", "Request timed out"):
        assert noise not in output


def test_connection_that_sends_nothing_is_closed_silently(
    threaded: ServerProcess,
) -> None:
    with connect(threaded) as sock:
        elapsed = seconds_until_closed(sock)
    assert TIMEOUT - 0.2 < elapsed < TIMEOUT + MARGIN
    threaded.wait_ready("/")
    output = threaded.output()
    assert "Closed a connection" not in output
    assert_quiet(output)


def test_connection_stalled_in_its_headers_is_closed_with_one_line(
    threaded: ServerProcess,
) -> None:
    with connect(threaded) as sock:
        sock.sendall(b"GET /stalled-headers HTTP/1.1\r\nHost: x\r\n")
        elapsed = seconds_until_closed(sock)
    assert TIMEOUT - 0.2 < elapsed < TIMEOUT + MARGIN
    line = "Closed a connection idle for 1 s in its request headers (the idle timeout)"
    output = wait_for_output(threaded, line)
    assert output.count(line) == 1
    assert_quiet(output)


def test_slow_but_steady_upload_is_received(threaded: ServerProcess) -> None:
    # Pauses well under the timeout, for twice the timeout in all.
    pieces = 8
    with connect(threaded) as sock:
        head = (
            f"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: {pieces * 5}\r\n\r\n"
        )
        sock.sendall(head.encode())
        for _ in range(pieces):
            time.sleep(2 * TIMEOUT / pieces)
            sock.sendall(b"piece")
        answer = sock.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(b"\r\n\r\n40")


def test_upload_that_stops_is_a_400_without_a_traceback(
    threaded: ServerProcess,
) -> None:
    with connect(threaded) as sock:
        sock.sendall(
            b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this"
        )
        answer = sock.recv(12)
        # Done sending at once: werkzeug then drains the rest of the request
        # from the socket whose read timed out, and closes it.
        sock.shutdown(socket.SHUT_WR)
        seconds_until_closed(sock)
    assert answer == b"HTTP/1.1 400"
    assert_quiet(wait_for_output(threaded, '"POST /upload HTTP/1.1" 400'))


def test_reader_that_timed_out_reads_as_ended() -> None:
    # What werkzeug's drain meets after a timed-out body read; a plain
    # socket reader would raise OSError ("cannot read from timed out object").
    from framework.devserver import _EndsAtTimeout

    ours, theirs = socket.socketpair()
    ours.settimeout(0.05)
    raw = _EndsAtTimeout(ours.makefile("rb", buffering=0))
    with ours, theirs, io.BufferedReader(raw) as reader:
        with pytest.raises(TimeoutError):
            reader.read(10)
        theirs.sendall(b"late")
        assert reader.read(10) == b""


def test_slow_but_steady_reader_gets_a_large_answer(threaded: ServerProcess) -> None:
    # One write of 12 MiB, read at a few MiB/s with tiny pauses: longer than
    # the timeout in all (a single sendall would time out), never idle.
    size = 12 << 20
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
        sock.settimeout(TIMEOUT + MARGIN)
        sock.connect(("127.0.0.1", threaded.port))
        sock.sendall(f"GET /big?size={size} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        received = 0
        start = time.monotonic()
        while data := sock.recv(64 << 10):
            received += len(data)
            time.sleep(0.01)
        elapsed = time.monotonic() - start
    assert received > size
    assert elapsed > 1.5 * TIMEOUT  # the scenario really outlasted the timeout


def test_reader_that_stops_reading_is_dropped_quietly(threaded: ServerProcess) -> None:
    size = 64 << 20
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 10)
        sock.settimeout(TIMEOUT + MARGIN)
        sock.connect(("127.0.0.1", threaded.port))
        sock.sendall(f"GET /big?size={size} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        sock.recv(100)
        time.sleep(TIMEOUT + 0.5)
        received = 0
        try:
            while data := sock.recv(1 << 20):
                received += len(data)
        except ConnectionResetError:
            pass
    assert received < size
    line = "Closed a connection idle for 1 s mid-request (the idle timeout)"
    assert_quiet(wait_for_output(threaded, line))


def test_upgraded_connection_has_no_idle_timeout(threaded: ServerProcess) -> None:
    with connect(threaded) as sock:
        sock.sendall(
            b"GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
            b"Upgrade: websocket\r\n\r\n"
        )
        reader = sock.makefile("rb")
        switching = b"HTTP/1.1 101 Switching Protocols\r\n\r\n"
        assert reader.read(len(switching)) == switching
        time.sleep(TIMEOUT + 0.5)
        sock.sendall(b"ping")
        assert reader.read(9) == b"echo:ping"


def test_without_threads_an_idle_client_delays_others_only_until_the_timeout(
    single: ServerProcess,
) -> None:
    with connect(single):
        time.sleep(0.3)  # accepted first: the server now waits on it
        start = time.monotonic()
        reply = single.request("GET", "/", timeout=TIMEOUT + MARGIN)
        elapsed = time.monotonic() - start
    assert (reply.status, reply.body) == (200, b"hello")
    # It did wait for the idle client, and no longer than the timeout.
    assert TIMEOUT - 0.5 < elapsed < TIMEOUT + MARGIN


def test_without_threads_run_warns(single: ServerProcess) -> None:
    warning = single_thread_warning(TIMEOUT)
    assert warning in single.output()
    assert "blocks every other client" in warning


def test_with_threads_run_does_not_warn(threaded: ServerProcess) -> None:
    assert "Warning: threads are off" not in threaded.output()


def test_app_run_takes_the_timeout_and_warns_without_threads(
    app_folder: pathlib.Path,
) -> None:
    port = free_port()
    script = app_folder / "run_directly.py"
    script.write_text(
        "from idle_app import app\n"
        f"app.run(port={port}, load_dotenv=False, threaded=False,"
        f" idle_timeout={TIMEOUT})\n"
    )
    env = {k: v for k, v in server_environment(app_folder).items() if k not in _ENV}
    server = ServerProcess(
        [sys.executable, str(script)], port=port, folder=app_folder, env=env
    )
    try:
        server.wait_ready("/")
        assert single_thread_warning(TIMEOUT) in server.output()
        with connect(server) as sock:
            elapsed = seconds_until_closed(sock)
        assert TIMEOUT - 0.2 < elapsed < TIMEOUT + MARGIN
    finally:
        server.stop()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_https_client_that_sends_nothing_holds_no_one(app_folder: pathlib.Path) -> None:
    # werkzeug's TLS socket shakes hands while accepting, in the one thread
    # that accepts, with no timeout: a silent client held every other one.
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
    argv = [sys.executable, "-m", "framework", "--app", "idle_app", "run"]
    argv += ["--port", str(port), "--idle-timeout", str(TIMEOUT)]
    argv += ["--cert", str(cert), "--key", str(key)]
    env = {k: v for k, v in server_environment(app_folder).items() if k not in _ENV}
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    server = ServerProcess(argv, port=port, folder=app_folder, env=env)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False

    def https_get() -> bytes:
        with (
            connect(server) as plain,
            context.wrap_socket(plain) as sock,
        ):
            sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
            return sock.makefile("rb").read()

    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                https_get()
                break
            except OSError:
                assert server.process.poll() is None, server.output()
                assert time.monotonic() < deadline, server.output()
                time.sleep(0.1)
        with connect(server) as idle:
            time.sleep(0.3)  # accepted: the server has it
            assert https_get().endswith(b"\r\n\r\nhello")
            elapsed = seconds_until_closed(idle)
        assert elapsed < TIMEOUT + MARGIN
        assert_quiet(server.output())
    finally:
        server.stop()
