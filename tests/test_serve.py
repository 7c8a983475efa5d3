"""``framework serve`` and :func:`framework.serving.serve`, run for real:
gunicorn and waitress are started as subprocesses on 127.0.0.1 and spoken to
over HTTP; concurrent requests held at a barrier prove how many worker
processes and threads serve. The error paths run the real command and check
for one clean line and a non-zero status."""

from __future__ import annotations

import concurrent.futures
import errno
import http.client
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import textwrap
import time
import typing as t
import uuid

import pytest

from framework import App, serving
from framework.cli import NoAppException, ScriptInfo
from framework.serving import MAX_DEFAULT_WORKERS, ServeError, default_workers, serve

# Written to a temporary folder and served as ``serveapp:app``.
APP_SOURCE = textwrap.dedent(
    '''
    """The app the serve tests run."""

    import os
    import threading
    import time
    from pathlib import Path

    from werkzeug.middleware.proxy_fix import ProxyFix

    from framework import App, request

    HERE = Path(__file__).parent
    # Which process imported the app: a worker, or the master before the fork.
    LOADED_IN = os.getpid()

    app = App(__name__)


    @app.get("/health")
    def health():
        return "ok"


    @app.get("/")
    def index():
        return "Hello from framework serve"


    @app.post("/echo")
    def echo():
        return {"received": request.get_json()}


    @app.get("/where")
    def where():
        return {"remote_addr": request.remote_addr, "scheme": request.scheme}


    @app.get("/hold")
    def hold():
        # Answer only once n requests of this token are being served at the
        # same time, each by its own process or thread.
        token, n = request.args["token"], int(request.args["n"])
        me = f"{os.getpid()}-{threading.get_ident()}"
        (HERE / f"arrived-{token}-{me}").touch()
        deadline = time.monotonic() + 10
        while len(list(HERE.glob(f"arrived-{token}-*"))) < n:
            if time.monotonic() > deadline:
                return {"error": "the other requests never came"}, 504
            time.sleep(0.01)
        return {
            "pid": os.getpid(),
            "thread": threading.get_ident(),
            "loaded_in": LOADED_IN,
        }


    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    '''
)

START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0

#: ``python -c`` prefix that makes gunicorn (and optionally waitress)
#: unimportable the way Python documents: a ``None`` entry in sys.modules.
WITHOUT = "import sys\nfor name in {names!r}: sys.modules[name] = None\n"


class Reply(t.NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> t.Any:
        return json.loads(self.body)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(folder: pathlib.Path, **extra: str) -> dict[str, str]:
    """The test process's environment without framework or gunicorn
    settings, with ``folder`` importable."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "GUNICORN_CMD_ARGS" and not key.startswith("FRAMEWORK_")
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(folder), *filter(None, [env.get("PYTHONPATH")])]
    )
    env["PYTHONUNBUFFERED"] = "1"
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    env.update(extra)
    return env


def cli_argv(*args: str, without: tuple[str, ...] = ()) -> list[str]:
    """``python -m framework.cli ARGS``, or the same through ``-c`` with the
    ``without`` packages made unimportable."""
    if not without:
        return [sys.executable, "-m", "framework.cli", *args]
    code = WITHOUT.format(names=without) + "from framework.cli import main\nmain()"
    return [sys.executable, "-c", code, *args]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("serve")
    (path / "serveapp.py").write_text(APP_SOURCE, encoding="utf-8")
    return path


class Server:
    """A server subprocess started with ``argv`` in ``folder``."""

    def __init__(
        self, folder: pathlib.Path, argv: list[str], port: int, **env: str
    ) -> None:
        self.folder = folder
        self.port = port
        self.log_path = folder / f"server-{uuid.uuid4().hex}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=folder,
                env=environment(folder, **env),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self) -> None:
        """Return once ``/health`` answers; fail with the output when the
        server exits or does not answer in time."""
        deadline = time.monotonic() + START_TIMEOUT
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(
                    f"the server exited with {self.process.returncode} before"
                    f" serving:\n{self.output()}"
                )
            try:
                reply = self.request("GET", "/health", timeout=2)
            except OSError as e:
                last_error = e
                time.sleep(0.05)
                continue
            if reply.status == 200 and reply.body == b"ok":
                return
            last_error = AssertionError(f"/health answered {reply}")
            time.sleep(0.05)
        self.kill()
        pytest.fail(
            f"no answer on 127.0.0.1:{self.port} within {START_TIMEOUT}s"
            f" ({last_error!r}):\n{self.output()}"
        )

    def stop(self) -> int:
        """SIGTERM, then wait; return the exit status. A server that ignores
        SIGTERM is killed and fails the test."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                pytest.fail(
                    f"the server ignored SIGTERM for {STOP_TIMEOUT}s:\n{self.output()}"
                )
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 15,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def hold(self, n: int) -> list[dict[str, int]]:
        """Send ``n`` requests at once that are answered only when all ``n``
        are being served: what each process and thread answered."""
        token = uuid.uuid4().hex
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            replies = list(
                pool.map(
                    lambda _: self.request("GET", f"/hold?token={token}&n={n}"),
                    range(n),
                )
            )
        assert [r.status for r in replies] == [200] * n, replies
        return [r.json() for r in replies]

    def wait_for_output(self, text: str) -> str:
        """The output once it contains ``text`` (servers write their access
        log lines after the response is sent)."""
        deadline = time.monotonic() + 5
        while text not in (output := self.output()):
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} never appeared in:\n{output}")
            time.sleep(0.02)
        return output


def start(
    folder: pathlib.Path, argv: t.Callable[[int], list[str]], **env: str
) -> Server:
    port = free_port()
    server = Server(folder, argv(port), port, **env)
    server.wait_ready()
    return server


def stopped_cleanly(server: Server) -> None:
    status = server.stop()
    assert status == 0, server.output()
    assert "Traceback" not in server.output()


def children_of(pid: int) -> set[int]:
    """The processes whose parent is ``pid``, from Linux's /proc."""
    children = set()
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        # "pid (name) state ppid ...": the name may hold spaces and parens.
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            children.add(int(entry.name))
    return children


# framework serve with gunicorn ---------------------------------------------


@pytest.fixture(scope="module")
def gunicorn(folder: pathlib.Path) -> t.Iterator[Server]:
    # The default server on Linux is gunicorn; the worker count and the
    # graceful timeout come from environment variables, like every option.
    server = start(
        folder,
        lambda port: cli_argv(
            "--app", "serveapp", "serve", "--port", str(port), "--access-log"
        ),
        FRAMEWORK_SERVE_WORKERS="2",
        FRAMEWORK_SERVE_GRACEFUL_TIMEOUT="5",
    )
    try:
        yield server
    finally:
        stopped_cleanly(server)


def test_gunicorn_serves_requests(gunicorn: Server) -> None:
    reply = gunicorn.request("GET", "/")
    assert reply.status == 200
    assert reply.body == b"Hello from framework serve"
    assert reply.headers["Server"].startswith("gunicorn")

    sent = {"name": "tea", "sizes": [1, 2]}
    reply = gunicorn.request(
        "POST",
        "/echo",
        body=json.dumps(sent).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert (reply.status, reply.json()) == (200, {"received": sent})

    assert gunicorn.request("GET", "/missing").status == 404
    output = gunicorn.output()
    assert "Serving 'serveapp' with gunicorn on http://127.0.0.1:" in output
    assert "2 workers, 1 thread each, app loaded in each worker" in output


def test_gunicorn_runs_the_requested_workers(gunicorn: Server) -> None:
    answers = gunicorn.hold(2)
    pids = {answer["pid"] for answer in answers}
    # Two requests served at once by sync workers: two processes, both
    # workers of the master, and no more workers than asked for.
    assert len(pids) == 2
    assert children_of(gunicorn.process.pid) == pids
    # Each worker imported the app itself, after the fork.
    assert all(answer["loaded_in"] == answer["pid"] for answer in answers)


def test_gunicorn_access_log(gunicorn: Server) -> None:
    gunicorn.request("GET", "/?from=test", headers={"User-Agent": "serve-test"})
    output = gunicorn.wait_for_output('"GET /?from=test HTTP/1.1" 200')
    line = next(li for li in output.splitlines() if "/?from=test" in li)
    assert line.startswith("127.0.0.1 - - [")
    assert line.endswith('"-" "serve-test"')


def test_gunicorn_passes_proxy_headers_to_the_app(gunicorn: Server) -> None:
    reply = gunicorn.request(
        "GET",
        "/where",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    assert reply.json() == {"remote_addr": "203.0.113.7", "scheme": "https"}


# framework serve with waitress ---------------------------------------------


@pytest.fixture(scope="module")
def waitress(folder: pathlib.Path) -> t.Iterator[Server]:
    server = start(
        folder,
        lambda port: cli_argv(
            "--app",
            "serveapp:app",
            "serve",
            "--server",
            "waitress",
            "--port",
            str(port),
            "--threads",
            "3",
            "--access-log",
        ),
    )
    try:
        yield server
    finally:
        stopped_cleanly(server)


def test_waitress_serves_requests(waitress: Server) -> None:
    reply = waitress.request("GET", "/")
    assert reply.status == 200
    assert reply.body == b"Hello from framework serve"
    assert reply.headers["Server"] == "waitress"
    assert waitress.request("GET", "/missing").status == 404
    assert "with waitress on http://127.0.0.1:" in waitress.output()
    assert "one process, 3 threads" in waitress.output()


def test_waitress_runs_the_requested_threads(waitress: Server) -> None:
    answers = waitress.hold(3)
    assert {answer["pid"] for answer in answers} == {waitress.process.pid}
    assert len({answer["thread"] for answer in answers}) == 3


def test_waitress_access_log_escapes_what_clients_send(waitress: Server) -> None:
    agent = 'evil" 200\\ agent'
    waitress.request("GET", "/?from=waitress", headers={"User-Agent": agent})
    output = waitress.wait_for_output('"GET /?from=waitress HTTP/1.1" 200')
    line = next(li for li in output.splitlines() if "/?from=waitress" in li)
    assert line.startswith("127.0.0.1 - - [")
    # A client can't end the quoted field and forge the fields after it.
    assert line.endswith('"-" "evil\\" 200\\\\ agent"')


def test_waitress_passes_proxy_headers_to_the_app(waitress: Server) -> None:
    # Plain waitress deletes X-Forwarded-* headers; served like this, the
    # app's ProxyFix decides, as under gunicorn.
    reply = waitress.request(
        "GET",
        "/where",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    assert reply.json() == {"remote_addr": "203.0.113.7", "scheme": "https"}


# serve() from Python -------------------------------------------------------


def python_argv(code: str) -> t.Callable[[int], list[str]]:
    return lambda port: [sys.executable, "-c", code.replace("PORT", str(port))]


def test_serve_function_gunicorn_threads_and_preload(folder: pathlib.Path) -> None:
    server = start(
        folder,
        python_argv(
            "from framework.serving import serve\n"
            "serve('serveapp:app', server='gunicorn', port=PORT, workers=1,"
            " threads=2, preload=True, graceful_timeout=5)"
        ),
    )
    try:
        answers = server.hold(2)
        # One worker with two threads serves both requests at once; the app
        # was imported by the master, before the fork.
        (pid,) = {answer["pid"] for answer in answers}
        assert children_of(server.process.pid) == {pid}
        assert len({answer["thread"] for answer in answers}) == 2
        assert {answer["loaded_in"] for answer in answers} == {server.process.pid}
        assert server.request("GET", "/").headers["Server"].startswith("gunicorn")
        assert "1 worker, 2 threads each, app loaded before forking" in server.output()
        assert "Using worker: gthread" in server.output()
    finally:
        stopped_cleanly(server)


def test_serve_function_app_object_falls_back_to_waitress(
    folder: pathlib.Path,
) -> None:
    # Without gunicorn, "auto" picks waitress.
    server = start(
        folder,
        python_argv(
            WITHOUT.format(names=("gunicorn",)) + "from serveapp import app\n"
            "from framework.serving import serve\n"
            "serve(app, port=PORT, threads=2)"
        ),
    )
    try:
        reply = server.request("GET", "/")
        assert (reply.status, reply.body) == (200, b"Hello from framework serve")
        assert reply.headers["Server"] == "waitress"
        assert "Serving app 'serveapp' with waitress" in server.output()
    finally:
        stopped_cleanly(server)


def test_serve_function_refuses_bad_arguments_before_serving() -> None:
    app = App("refused")
    with pytest.raises(ServeError, match="Unknown server 'nginx'"):
        serve(app, server="nginx")  # type: ignore[arg-type]
    with pytest.raises(ServeError, match="Port 70000 does not exist"):
        serve(app, port=70000)
    with pytest.raises(ServeError, match="workers must be at least 1, not 0"):
        serve(app, workers=0)
    with pytest.raises(ServeError, match="threads must be at least 1"):
        serve(app, threads=0)
    with pytest.raises(ServeError, match="timeout must be at least 0"):
        serve(app, timeout=-1)
    with pytest.raises(ServeError, match="workers, timeout: only gunicorn"):
        serve(app, server="waitress", workers=2, timeout=10)
    with pytest.raises(ServeError, match="not 42"):
        serve(42)  # type: ignore[arg-type]


def test_serve_function_reports_a_busy_port() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(ServeError) as info:
            serve(App("busy"), server="waitress", port=port)
    assert info.value.message.startswith(
        f"Can't listen on http://127.0.0.1:{port}: Address already in use"
    )
    assert "choose another port" in info.value.message


def test_serve_function_reports_an_invalid_host_name() -> None:
    # getaddrinfo raises UnicodeError, not socket.gaierror, for a name that
    # can't be encoded.
    with pytest.raises(ServeError) as info:
        serve(App("bad-host"), server="waitress", host="a..b", port=0)
    assert info.value.message == (
        "Can't listen on 'a..b': not a valid host name. Give an IP address of"
        " this machine, or a name that resolves to one."
    )


def test_checked_port_is_held_until_the_server_takes_it() -> None:
    # serve() checks the address by opening the socket the server then
    # uses. A socket that is only bound would let another program bound
    # with SO_REUSEADDR (as servers are) share the port, and the server
    # would fail later, inside gunicorn or waitress.
    sock = serving._listen("127.0.0.1", 0)
    try:
        with socket.socket() as other:
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with pytest.raises(OSError) as info:
                other.bind(sock.getsockname())
        assert info.value.errno == errno.EADDRINUSE
    finally:
        sock.close()


def test_serve_function_reports_a_missing_app_before_serving(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    with pytest.raises(NoAppException, match="No module named 'no_such_app'"):
        serve("no_such_app:app", server="gunicorn")
    with pytest.raises(NoAppException, match="No module named 'no_such_app'"):
        serve("no_such_app:app", server="waitress")


def test_default_workers() -> None:
    cores = len(os.sched_getaffinity(0))
    assert default_workers() == min(2 * cores + 1, MAX_DEFAULT_WORKERS)
    assert 3 <= default_workers() <= 12


# ScriptInfo.find_app_module -------------------------------------------------


def test_find_app_module_does_not_import(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    (tmp_path / "found_not_imported.py").write_text("raise SystemExit('imported')")
    info = ScriptInfo(app_import_path="found_not_imported:create_app('x')")
    assert info.find_app_module() == "found_not_imported"
    assert "found_not_imported" not in sys.modules
    assert str(tmp_path) in sys.path

    (tmp_path / "wsgi.py").write_text("raise SystemExit('imported')")
    assert ScriptInfo().find_app_module() == "wsgi"
    assert "wsgi" not in sys.modules

    assert ScriptInfo(create_app=lambda: App("made")).find_app_module() is None


def test_find_app_module_errors(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    with pytest.raises(NoAppException, match="Could not locate an app"):
        ScriptInfo().find_app_module()
    with pytest.raises(NoAppException) as info:
        ScriptInfo(app_import_path="missing.sub:app").find_app_module()
    assert info.value.format_message() == (
        f"Could not import 'missing.sub' (searched from {tmp_path}):"
        " No module named 'missing'."
    )


# errors of the command ------------------------------------------------------


def run_cli(
    folder: pathlib.Path, *args: str, without: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_argv(*args, without=without),
        cwd=folder,
        env=environment(folder),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The command failed with a single ``Error: ...`` line on stderr."""
    assert result.returncode != 0
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_cli_unknown_server(folder: pathlib.Path) -> None:
    result = run_cli(folder, "--app", "serveapp", "serve", "--server", "nginx")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Invalid value for '--server': 'nginx' is not one of 'auto',"
        " 'gunicorn', 'waitress'."
    )


@pytest.mark.parametrize("server", ["gunicorn", "waitress"])
def test_cli_missing_module(folder: pathlib.Path, server: str) -> None:
    result = run_cli(folder, "--app", "no_such_app", "serve", "--server", server)
    assert result.returncode == 2
    assert one_error_line(result) == (
        f"Error: Could not import 'no_such_app' (searched from {folder}):"
        " No module named 'no_such_app'."
    )


def test_cli_no_app(tmp_path: pathlib.Path) -> None:
    result = run_cli(tmp_path, "serve")
    assert result.returncode == 2
    assert one_error_line(result).startswith("Error: Could not locate an app")


def test_cli_missing_attribute_waitress(folder: pathlib.Path) -> None:
    result = run_cli(
        folder, "--app", "serveapp:nothing", "serve", "--server", "waitress"
    )
    assert result.returncode == 2
    assert one_error_line(result) == (
        "Error: Module 'serveapp' has no attribute 'nothing'."
    )


def test_cli_missing_attribute_gunicorn(folder: pathlib.Path) -> None:
    # The master does not import the app, so the worker finds out; gunicorn
    # then stops with its "app failed to load" status, 4.
    port = str(free_port())
    result = run_cli(
        folder, "--app", "serveapp:nothing", "serve", "-w", "1", "-p", port
    )
    assert result.returncode == 4
    assert "Traceback" not in result.stderr
    assert "Error: Module 'serveapp' has no attribute 'nothing'.\n" in result.stderr
    assert "Reason: App failed to load." in result.stderr


def test_cli_busy_port(folder: pathlib.Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(folder, "--app", "serveapp", "serve", "--port", str(port))
    assert result.returncode == 1
    assert one_error_line(result).startswith(
        f"Error: Can't listen on http://127.0.0.1:{port}: Address already in use"
    )


def test_cli_address_not_on_this_machine(folder: pathlib.Path) -> None:
    # 192.0.2.0/24 is reserved for documentation: no interface has it.
    result = run_cli(folder, "--app", "serveapp", "serve", "--host", "192.0.2.1")
    assert result.returncode == 1
    assert "no network interface of this machine" in one_error_line(result)


def test_cli_invalid_host_name(folder: pathlib.Path) -> None:
    result = run_cli(folder, "--app", "serveapp", "serve", "--host", "a..b")
    assert result.returncode == 1
    assert one_error_line(result).startswith(
        "Error: Can't listen on 'a..b': not a valid host name."
    )


def test_cli_bad_port(folder: pathlib.Path) -> None:
    result = run_cli(folder, "--app", "serveapp", "serve", "--port", "70000")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "70000 is not in the range 0<=x<=65535" in result.stderr


def test_cli_gunicorn_options_with_waitress(folder: pathlib.Path) -> None:
    result = run_cli(
        folder, "--app", "serveapp", "serve", "--server", "waitress", "-w", "4"
    )
    assert result.returncode == 1
    assert one_error_line(result) == (
        "Error: workers: only gunicorn has this; waitress serves from one"
        " process with threads (set threads, or use gunicorn)."
    )


def test_cli_server_not_installed(folder: pathlib.Path) -> None:
    result = run_cli(
        folder,
        "--app",
        "serveapp",
        "serve",
        "--server",
        "gunicorn",
        without=("gunicorn",),
    )
    assert result.returncode == 1
    assert one_error_line(result) == (
        "Error: gunicorn is not installed: pip install 'framework[serve]'."
    )


def test_cli_no_server_installed(folder: pathlib.Path) -> None:
    result = run_cli(
        folder, "--app", "serveapp", "serve", without=("gunicorn", "waitress")
    )
    assert result.returncode == 1
    assert one_error_line(result).startswith(
        "Error: No production server is installed: pip install 'framework[serve]'"
    )


def test_cli_refuses_debug_mode(folder: pathlib.Path) -> None:
    result = run_cli(folder, "--app", "serveapp", "--debug", "serve")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: 'serve' is for production and refuses debug mode: remove"
        " --debug or unset FRAMEWORK_DEBUG (use 'run' to develop)."
    )
