"""``framework serve`` and :func:`framework.serving.serve`, run for real:
gunicorn and waitress are started as subprocesses on 127.0.0.1 and spoken to
over HTTP; concurrent requests held at a barrier prove how many worker
processes and threads serve. The error paths run the real command and check
for one clean line and a non-zero status."""

from __future__ import annotations

import concurrent.futures
import contextlib
import errno
import logging
import os
import pathlib
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import typing as t
import uuid

import pytest
from processes import free_port
from servers import STOP_TIMEOUT, ServerProcess, server_environment

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

#: ``python -c`` prefix that makes gunicorn (and optionally waitress)
#: unimportable the way Python documents: a ``None`` entry in sys.modules.
WITHOUT = "import sys\nfor name in {names!r}: sys.modules[name] = None\n"


def environment(folder: pathlib.Path, **extra: str) -> dict[str, str]:
    """A server's environment (see :func:`servers.server_environment`),
    without the .env files of the folder the tests run from."""
    return server_environment(folder, FRAMEWORK_SKIP_DOTENV="1", **extra)


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


class Server(ServerProcess):
    """A server subprocess serving ``serveapp`` (see :func:`start`)."""

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

    def hold_in_turn(self, n: int) -> list[dict[str, int]]:
        """Like :meth:`hold`, but each request is sent only once the one
        before it is being served: the server has seen each one busy
        before the next arrives."""
        token = uuid.uuid4().hex
        arrived = self.folder.glob
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            futures = []
            for i in range(n):
                futures.append(
                    pool.submit(self.request, "GET", f"/hold?token={token}&n={n}")
                )
                deadline = time.monotonic() + 5
                while len(list(arrived(f"arrived-{token}-*"))) <= i:
                    assert time.monotonic() < deadline, "the request never arrived"
                    time.sleep(0.01)
            replies = [future.result() for future in futures]
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

    def access_log_line(self, marker: str, agent: str) -> str:
        """The access log line of a ``GET /?from=marker`` sent with
        ``agent`` as its User-Agent."""
        self.request("GET", f"/?from={marker}", headers={"User-Agent": agent})
        output = self.wait_for_output(f'"GET /?from={marker} HTTP/1.1" 200')
        return next(li for li in output.splitlines() if f"/?from={marker}" in li)


@contextlib.contextmanager
def running_server(
    folder: pathlib.Path, argv: t.Callable[[int], list[str]], **env: str
) -> t.Iterator[Server]:
    """Start ``argv(port)`` on a free port in ``folder``, wait until it
    answers, and on exit check that it stops cleanly on SIGTERM."""
    port = free_port()
    server = Server(
        argv(port), port=port, folder=folder, env=environment(folder, **env)
    )
    # A server that never answered was killed, and failed the test already.
    server.wait_ready("/health", body=b"ok")
    try:
        yield server
    finally:
        status = server.stop()
        assert status == 0, server.output()
        assert "Traceback" not in server.output()


def running(pid: int) -> bool:
    """Whether process ``pid`` runs: not gone, and not a zombie waiting for
    a parent (an init that never reaps, in a container) to reap it."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


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
    # The worker count and the graceful timeout come from environment
    # variables, like every option.
    with running_server(
        folder,
        lambda port: cli_argv(
            "--app",
            "serveapp",
            "serve",
            "--server",
            "gunicorn",
            "--port",
            str(port),
            "--access-log",
        ),
        FRAMEWORK_SERVE_WORKERS="2",
        FRAMEWORK_SERVE_GRACEFUL_TIMEOUT="5",
    ) as server:
        yield server


def test_gunicorn_serves_requests(gunicorn: Server) -> None:
    reply = gunicorn.request("GET", "/")
    assert reply.status == 200
    assert reply.body == b"Hello from framework serve"
    assert reply.headers["Server"].startswith("gunicorn")

    sent = {"name": "tea", "sizes": [1, 2]}
    reply = gunicorn.post_json("/echo", sent)
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
    line = gunicorn.access_log_line("test", "serve-test")
    assert line.startswith("127.0.0.1 - - [")
    assert line.endswith('"-" "serve-test"')


# framework serve with waitress ---------------------------------------------


@pytest.fixture(scope="module")
def waitress(folder: pathlib.Path) -> t.Iterator[Server]:
    # waitress is the default server: no --server.
    with running_server(
        folder,
        lambda port: cli_argv(
            "--app",
            "serveapp:app",
            "serve",
            "--port",
            str(port),
            "--threads",
            "3",
            "--access-log",
        ),
    ) as server:
        yield server


def test_waitress_serves_requests(waitress: Server) -> None:
    reply = waitress.request("GET", "/")
    assert reply.status == 200
    assert reply.body == b"Hello from framework serve"
    assert reply.headers["Server"] == "waitress"
    assert waitress.request("GET", "/missing").status == 404
    assert "with waitress on http://127.0.0.1:" in waitress.output()
    assert (
        "one process, 3 threads, up to 1000 connections, request headers"
        " within 10 s" in waitress.output()
    )


def test_waitress_runs_the_requested_threads(waitress: Server) -> None:
    answers = waitress.hold(3)
    assert {answer["pid"] for answer in answers} == {waitress.process.pid}
    assert len({answer["thread"] for answer in answers}) == 3


def test_waitress_access_log_escapes_what_clients_send(waitress: Server) -> None:
    line = waitress.access_log_line("waitress", 'evil" 200\\ agent')
    assert line.startswith("127.0.0.1 - - [")
    # A client can't end the quoted field and forge the fields after it.
    assert line.endswith('"-" "evil\\" 200\\\\ agent"')


# waitress with worker processes ------------------------------------------------


@pytest.fixture(scope="module")
def waitress_workers(folder: pathlib.Path) -> t.Iterator[Server]:
    with running_server(
        folder,
        lambda port: cli_argv(
            "--app",
            "serveapp",
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--threads",
            "1",
        ),
    ) as server:
        yield server


def test_waitress_workers_serve_from_several_processes(
    waitress_workers: Server,
) -> None:
    assert (
        "2 worker processes (app loaded in each worker), 1 thread each"
        in waitress_workers.output()
    )
    # On two single-threaded workers, a worker with its thread taken leaves
    # the next connection to the other: every time.
    for _ in range(3):
        answers = waitress_workers.hold_in_turn(2)
        pids = {answer["pid"] for answer in answers}
        assert len(pids) == 2
        assert children_of(waitress_workers.process.pid) == pids
        assert all(answer["loaded_in"] == answer["pid"] for answer in answers)


def test_a_waitress_worker_that_dies_is_replaced(waitress_workers: Server) -> None:
    before = children_of(waitress_workers.process.pid)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    # A worker killed within 2 s of its start is replaced after 2 s (one
    # dying at once, over and over, must not spin): room for a busy machine.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        now = children_of(waitress_workers.process.pid)
        if len(now) == 2 and victim not in now:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"no worker replaced {victim}:\n{waitress_workers.output()}")
    waitress_workers.wait_for_output(f"Worker {victim} exited with status -9")
    assert len({answer["pid"] for answer in waitress_workers.hold_in_turn(2)}) == 2


def test_waitress_workers_stop_when_their_supervisor_is_killed(
    folder: pathlib.Path,
) -> None:
    """Killed (out of memory, SIGKILL), the first process cannot stop its
    workers: each notices within about a second, drains and exits, rather
    than hold the port with no one to stop it."""
    port = free_port()
    argv = cli_argv("--app", "serveapp", "serve", "--port", str(port), "--workers", "2")
    server = Server(argv, port=port, folder=folder, env=environment(folder))
    server.wait_ready("/health", body=b"ok")
    workers = children_of(server.process.pid)
    assert len(workers) == 2
    server.kill()
    deadline = time.monotonic() + 15
    while any(running(pid) for pid in workers):
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.05)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), 1).close()
    assert server.output().count("is gone: this worker stops") == 2


def test_waitress_workers_that_cannot_load_the_app_stop_the_server(
    folder: pathlib.Path,
) -> None:
    port = str(free_port())
    result = run_cli(
        folder, "--app", "serveapp:nothing", "serve", "--workers", "2", "-p", port
    )
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    assert "Error: Module 'serveapp' has no attribute 'nothing'.\n" in result.stderr
    assert "exited with status 4 as it started: stopping" in result.stderr


# both servers ----------------------------------------------------------------


@pytest.mark.parametrize("server_name", ["gunicorn", "waitress"])
def test_passes_proxy_headers_to_the_app(
    server_name: str, request: pytest.FixtureRequest
) -> None:
    # Plain waitress deletes X-Forwarded-* headers; served like this, the
    # app's ProxyFix decides, as under gunicorn.
    server: Server = request.getfixturevalue(server_name)
    reply = server.request(
        "GET",
        "/where",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
    )
    assert reply.json() == {"remote_addr": "203.0.113.7", "scheme": "https"}


# serve() from Python -------------------------------------------------------


def python_argv(code: str) -> t.Callable[[int], list[str]]:
    return lambda port: [sys.executable, "-c", code.replace("PORT", str(port))]


def test_serve_function_gunicorn_threads_and_preload(folder: pathlib.Path) -> None:
    with running_server(
        folder,
        python_argv(
            "from framework.serving import serve\n"
            "serve('serveapp:app', server='gunicorn', port=PORT, workers=1,"
            " threads=2, preload=True, graceful_timeout=5)"
        ),
    ) as server:
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


def test_serve_function_app_object_falls_back_to_gunicorn(
    folder: pathlib.Path,
) -> None:
    # Without waitress, "auto" picks gunicorn; an app object is preloaded.
    with running_server(
        folder,
        python_argv(
            WITHOUT.format(names=("waitress",)) + "from serveapp import app\n"
            "from framework.serving import serve\n"
            "serve(app, port=PORT, workers=1, graceful_timeout=5)"
        ),
    ) as server:
        reply = server.request("GET", "/")
        assert (reply.status, reply.body) == (200, b"Hello from framework serve")
        assert reply.headers["Server"].startswith("gunicorn")
        assert "Serving app 'serveapp' with gunicorn" in server.output()
        assert "app loaded before forking" in server.output()


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
    with pytest.raises(ServeError, match="idle_timeout must be at least 1"):
        serve(app, idle_timeout=0)
    with pytest.raises(ServeError, match="connection_limit must be at least 1"):
        serve(app, connection_limit=0)
    with pytest.raises(ServeError, match="timeout: only gunicorn has this"):
        serve(app, server="waitress", workers=2, timeout=10)
    with pytest.raises(
        ServeError, match="connection_limit, header_timeout: gunicorn has no such"
    ):
        serve(app, server="gunicorn", connection_limit=10, header_timeout=5)
    with pytest.raises(ServeError, match="not 42"):
        serve(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"server": "gunicorn"}, "gunicorn must run in the main thread"),
        ({"workers": 2}, "Worker processes must run in the main thread"),
    ],
    ids=["gunicorn", "waitress-workers"],
)
def test_serve_function_refuses_to_fork_outside_the_main_thread(
    options: dict[str, t.Any], message: str
) -> None:
    """Whatever looks after worker processes handles signals, which Python
    allows only in the main thread: a clear error instead of a ValueError."""
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            serve(App("threaded"), port=free_port(), **options)
        except BaseException as e:
            outcome.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(STOP_TIMEOUT)
    assert not thread.is_alive()
    assert len(outcome) == 1
    assert isinstance(outcome[0], ServeError)
    assert str(outcome[0]).startswith(message)


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
        " 'gunicorn', 'waitress', 'uvicorn', 'hypercorn', 'granian'."
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
        folder,
        "--app",
        "serveapp:nothing",
        "serve",
        "--server",
        "gunicorn",
        "-w",
        "1",
        "-p",
        port,
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
    # waitress is the default: --timeout needs --server gunicorn.
    result = run_cli(folder, "--app", "serveapp", "serve", "--timeout", "5")
    assert result.returncode == 1
    assert one_error_line(result) == (
        "Error: timeout: only gunicorn has this; waitress closes a connection"
        " past its deadlines instead (see --idle-timeout and --header-timeout)."
    )


def test_cli_waitress_options_with_gunicorn(folder: pathlib.Path) -> None:
    result = run_cli(
        folder,
        "--app",
        "serveapp",
        "serve",
        "--server",
        "gunicorn",
        "--header-timeout",
        "5",
    )
    assert result.returncode == 1
    assert one_error_line(result) == (
        "Error: header_timeout: gunicorn has no such limit; it reads requests"
        " in its workers and needs a buffering proxy in front against slow"
        " clients."
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
        "Error: gunicorn is not installed: pip install gunicorn (the 'serve' extra)."
    )


def test_cli_no_server_installed(folder: pathlib.Path) -> None:
    result = run_cli(
        folder,
        "--app",
        "serveapp",
        "serve",
        without=("gunicorn", "waitress", "uvicorn", "hypercorn", "granian"),
    )
    assert result.returncode == 1
    assert one_error_line(result).startswith(
        "Error: No production server is installed: pip install waitress"
    )


def test_cli_refuses_debug_mode(folder: pathlib.Path) -> None:
    result = run_cli(folder, "--app", "serveapp", "--debug", "serve")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: 'serve' is for production and refuses debug mode: remove"
        " --debug or unset FRAMEWORK_DEBUG (use 'run' to develop)."
    )


def test_once_per_lets_one_record_through_per_interval() -> None:
    from framework.serving.waitress_server import OncePer

    record = logging.LogRecord("waitress.queue", logging.WARNING, "", 0, "x", (), None)
    once = OncePer(0.2)
    assert [once.filter(record) for _ in range(50)] == [True] + [False] * 49
    time.sleep(0.25)
    assert once.filter(record)


def test_a_replacement_that_fails_as_it_starts_is_retried_later(
    folder: pathlib.Path,
) -> None:
    """Once the app has served, a replacement worker that cannot load it (a
    dependency down) does not stop the others: it is retried after a wait
    that grows, and the workers that run go on serving."""
    (folder / "flakyapp.py").write_text(
        "import pathlib\n"
        "if (pathlib.Path(__file__).parent / 'BROKEN').exists():\n"
        "    raise RuntimeError('the database is down')\n"
        "from serveapp import app\n",
        encoding="utf-8",
    )
    broken = folder / "BROKEN"
    broken.unlink(missing_ok=True)
    port = free_port()
    argv = cli_argv("--app", "flakyapp", "serve", "--port", str(port), "--workers", "2")
    server = Server(argv, port=port, folder=folder, env=environment(folder))
    server.wait_ready("/health", body=b"ok")
    try:
        time.sleep(2.5)  # both workers are past their start
        broken.touch()
        victim = min(children_of(server.process.pid))
        os.kill(victim, signal.SIGKILL)
        server.wait_for_output("as it started: another in 2 s")
        assert server.process.poll() is None, server.output()
        assert server.request("GET", "/").status == 200
    finally:
        broken.unlink()
        # The worker that could not load the app logged why, with its
        # traceback; the stop is clean.
        assert server.stop() == 0, server.output()
    assert "RuntimeError: the database is down" in server.output()


def test_fit_open_files_raises_the_soft_limit_and_counts_three_per_connection() -> None:
    code = (
        "import resource\n"
        "from framework.serving.waitress_server import fit_open_files\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (100, 364))\n"
        "print(fit_open_files(1000), resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
        "print(fit_open_files(10), resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    # Raised to the hard limit, 364: (364 - 64 spare) // 3 connections fit.
    # Ten fit at once, with nothing to raise.
    assert result.stdout.split("\n")[:2] == ["100 364", "10 364"]
