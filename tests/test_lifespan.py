"""framework.lifespan: the serving hooks (before_serving, while_serving,
after_serving), run from ASGI lifespan events, at the first request when a
server sends none, at a WSGI server's first request and exit, and around
``framework serve``'s workers; real uvicorn, waitress and gunicorn
processes for the last ones."""

from __future__ import annotations

import asyncio
import functools
import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
import typing as t

import pytest
from asgi_scopes import http_scope
from processes import free_port, wait_until
from servers import ServerProcess, server_environment

from framework import App, current_app, g, lifespan

Message = dict[str, t.Any]
F = t.TypeVar("F", bound=t.Callable[..., t.Coroutine[t.Any, t.Any, None]])


def in_loop(f: F) -> t.Callable[..., None]:
    """A test that runs the coroutine function ``f`` in a new event loop."""

    @functools.wraps(f)
    def test(*args: t.Any, **kwargs: t.Any) -> None:
        asyncio.run(f(*args, **kwargs))

    return test


# In-process ASGI --------------------------------------------------------------


class LifespanServer:
    """What an ASGI server does for lifespan: one call of the app with a
    ``lifespan`` scope, fed the events one at a time."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.events: asyncio.Queue[Message] = asyncio.Queue()
        self.sent: list[Message] = []
        self.task: asyncio.Task[None] | None = None

    async def receive(self) -> Message:
        return await self.events.get()

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    async def event(self, kind: str) -> Message:
        """Send ``kind`` and return the app's answer."""
        if self.task is None:
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
            self.task = asyncio.create_task(
                self.app.asgi(scope, self.receive, self.send)
            )
        count = len(self.sent)
        await self.events.put({"type": kind})
        for _ in range(500):
            if len(self.sent) > count:
                return self.sent[-1]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no answer to {kind}")

    async def ended(self) -> None:
        assert self.task is not None
        await asyncio.wait_for(self.task, 5)


def events_app(log: list[t.Any]) -> App:
    """An app with hooks of each kind that write to ``log``."""
    app = App(__name__)

    @app.before_serving
    def first() -> None:
        log.append(("before sync", current_app.name))

    @app.before_serving
    async def second() -> None:
        log.append("before async")

    @app.while_serving
    async def resource() -> t.AsyncIterator[None]:
        log.append("while: open")
        yield
        log.append("while: close")

    @app.while_serving
    async def other() -> t.AsyncIterator[None]:
        log.append("other: open")
        yield
        log.append("other: close")

    @app.after_serving
    def early() -> None:
        log.append("after early")

    @app.after_serving
    async def late() -> None:
        log.append("after late")

    return app


@in_loop
async def test_lifespan_events_run_the_hooks_in_order() -> None:
    log: list[t.Any] = []
    app = events_app(log)
    server = LifespanServer(app)

    assert await server.event("lifespan.startup") == {
        "type": "lifespan.startup.complete"
    }
    assert log == [
        ("before sync", app.name),
        "before async",
        "while: open",
        "other: open",
    ]
    assert app.serving_hooks.started
    log.clear()
    assert await server.event("lifespan.shutdown") == {
        "type": "lifespan.shutdown.complete"
    }
    await server.ended()
    assert log == ["after late", "after early", "other: close", "while: close"]
    assert not app.serving_hooks.started


@in_loop
async def test_sync_hooks_run_in_a_thread_and_async_ones_on_the_loop() -> None:
    app = App(__name__)
    threads: dict[str, threading.Thread] = {}

    @app.before_serving
    def blocking() -> None:
        threads["sync"] = threading.current_thread()
        g.set_in_sync = True

    @app.before_serving
    async def awaiting() -> None:
        threads["async"] = threading.current_thread()

    server = LifespanServer(app)
    await server.event("lifespan.startup")
    assert threads["async"] is threading.current_thread()
    assert threads["sync"] is not threading.current_thread()
    await server.event("lifespan.shutdown")


@in_loop
async def test_hooks_share_one_app_context_per_phase() -> None:
    app = App(__name__)
    seen: list[object] = []

    @app.before_serving
    def set_value() -> None:
        g.value = "set at startup"

    @app.before_serving
    async def read_value() -> None:
        seen.append(g.get("value"))

    @app.after_serving
    def read_at_shutdown() -> None:
        seen.append(g.get("value"))

    server = LifespanServer(app)
    await server.event("lifespan.startup")
    await server.event("lifespan.shutdown")
    # The same g across startup's hooks; shutdown has its own context.
    assert seen == ["set at startup", None]


@in_loop
async def test_a_failing_startup_hook_fails_startup_with_a_clear_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("failing")
    log: list[str] = []

    @app.before_serving
    def first() -> None:
        log.append("first hook")

    @app.while_serving
    async def pool() -> t.AsyncIterator[None]:
        log.append("pool opened")
        try:
            yield
        finally:
            log.append("pool closed")

    app.while_serving(_raises_at_start)

    @app.after_serving
    def never() -> None:
        log.append("after_serving ran")

    server = LifespanServer(app)
    answer = await server.event("lifespan.startup")
    await server.ended()
    assert answer == {
        "type": "lifespan.startup.failed",
        "message": "Startup of app 'failing' failed: _raises_at_start raised"
        " ConnectionError: db.invalid refused the connection. The app does"
        " not serve until its startup succeeds.",
    }
    # The generator started before the failure was closed; no shutdown ran.
    assert log == ["first hook", "pool opened", "pool closed"]
    assert not app.serving_hooks.started
    assert "Startup of 'failing' failed in _raises_at_start" in caplog.text
    assert "ConnectionError" in caplog.text


async def _raises_at_start() -> t.AsyncIterator[None]:
    raise ConnectionError("db.invalid refused the connection")
    yield  # pragma: no cover


@in_loop
async def test_a_failing_shutdown_hook_lets_the_others_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("shaky")
    log: list[str] = []

    @app.while_serving
    async def resource() -> t.AsyncIterator[None]:
        yield
        log.append("resource closed")

    @app.after_serving
    def flush() -> None:
        log.append("flushed")

    @app.after_serving
    def broken() -> None:
        raise RuntimeError("disk full")

    server = LifespanServer(app)
    await server.event("lifespan.startup")
    answer = await server.event("lifespan.shutdown")
    await server.ended()
    assert answer == {
        "type": "lifespan.shutdown.failed",
        "message": "Shutdown of app 'shaky': "
        "test_a_failing_shutdown_hook_lets_the_others_run.<locals>.broken failed"
        " (see the log above); the other hooks ran.",
    }
    assert log == ["flushed", "resource closed"]
    assert "disk full" in caplog.text


@in_loop
async def test_a_while_serving_generator_must_yield_exactly_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("gens")

    @app.while_serving
    async def never_yields() -> t.AsyncIterator[None]:
        if False:  # pragma: no cover
            yield

    server = LifespanServer(app)
    answer = await server.event("lifespan.startup")
    assert answer["type"] == "lifespan.startup.failed"
    assert "never_yields raised RuntimeError" in answer["message"]
    assert "ended without yielding" in answer["message"]

    app = App("gens")
    closed: list[bool] = []

    @app.while_serving
    async def yields_twice() -> t.AsyncIterator[None]:
        try:
            yield
            yield
        finally:
            closed.append(True)

    server = LifespanServer(app)
    await server.event("lifespan.startup")
    answer = await server.event("lifespan.shutdown")
    assert answer["type"] == "lifespan.shutdown.failed"
    assert "yields_twice" in answer["message"]
    assert "yielded more than once" in caplog.text
    assert closed == [True]


@in_loop
async def test_messages_of_other_types_are_ignored() -> None:
    app = events_app([])
    server = LifespanServer(app)
    await server.events.put({"type": "lifespan.something.new"})
    answer = await server.event("lifespan.startup")
    assert answer == {"type": "lifespan.startup.complete"}
    await server.event("lifespan.shutdown")
    await server.ended()


@in_loop
async def test_without_lifespan_events_startup_runs_once_at_the_first_request() -> None:
    app = App(__name__)
    calls: list[str] = []

    @app.before_serving
    async def slow() -> None:
        calls.append("start")
        await asyncio.sleep(0.05)

    assert not app.serving_hooks.started
    # Concurrent first requests: one startup, and all wait for it.
    await asyncio.gather(*(lifespan.ensure_started(app) for _ in range(10)))
    assert calls == ["start"]
    assert app.serving_hooks.started


@in_loop
async def test_a_failed_first_request_startup_is_tried_again() -> None:
    app = App(__name__)
    attempts: list[int] = []

    @app.before_serving
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("not yet")

    with pytest.raises(lifespan.StartupFailed, match="flaky raised OSError: not yet"):
        await lifespan.ensure_started(app)
    assert not app.serving_hooks.started
    await lifespan.ensure_started(app)
    assert app.serving_hooks.started
    assert len(attempts) == 2


@in_loop
async def test_an_app_without_hooks_is_started_at_once() -> None:
    app = App(__name__)
    await lifespan.ensure_started(app)
    assert app.serving_hooks.started
    server = LifespanServer(App(__name__))
    assert await server.event("lifespan.startup") == {
        "type": "lifespan.startup.complete"
    }
    assert await server.event("lifespan.shutdown") == {
        "type": "lifespan.shutdown.complete"
    }


# Registration ---------------------------------------------------------------


def test_while_serving_refuses_a_plain_function() -> None:
    app = App(__name__)

    def plain() -> None: ...

    with pytest.raises(TypeError, match="async generator function"):
        app.while_serving(plain)  # type: ignore[arg-type]

    async def coroutine() -> None: ...

    with pytest.raises(TypeError, match="use before_serving or after_serving"):
        app.while_serving(coroutine)  # type: ignore[arg-type]


def test_the_decorators_return_the_function_and_fill_the_registries() -> None:
    app = App(__name__)

    def before() -> None: ...

    async def after() -> None: ...

    async def around() -> t.AsyncIterator[None]:
        yield

    assert app.before_serving(before) is before
    assert app.after_serving(after) is after
    assert app.while_serving(around) is around
    assert app.before_serving_funcs == [before]
    assert app.after_serving_funcs == [after]
    assert app.while_serving_gens == [around]


def test_hooks_cant_be_registered_after_the_first_request() -> None:
    app = App(__name__)
    app.add_url_rule("/", "index", lambda: "hi")
    app.test_client().get("/")
    for decorator in (app.before_serving, app.after_serving):
        with pytest.raises(AssertionError, match="already handled its first request"):
            decorator(lambda: None)

    async def around() -> t.AsyncIterator[None]:
        yield

    with pytest.raises(AssertionError, match="already handled its first request"):
        app.while_serving(around)


# WSGI -------------------------------------------------------------------------


def test_a_wsgi_server_runs_startup_at_the_first_request() -> None:
    log: list[t.Any] = []
    app = events_app(log)
    app.add_url_rule("/", "index", lambda: "hi")
    client = app.test_client()
    assert log == []
    assert client.get("/").data == b"hi"
    assert log == [
        ("before sync", app.name),
        "before async",
        "while: open",
        "other: open",
    ]
    client.get("/")
    assert len(log) == 4
    lifespan.run_shutdown(app)
    assert log[4:] == ["after late", "after early", "other: close", "while: close"]


def test_a_failed_first_request_startup_serves_nothing_and_is_tried_again() -> None:
    app = App(__name__)
    attempts: list[int] = []

    @app.before_serving
    def flaky() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("not yet")

    app.add_url_rule("/", "index", lambda: "hi")
    client = app.test_client()
    with pytest.raises(lifespan.StartupFailed, match="not serve until"):
        client.get("/")
    assert not app.got_first_request
    assert client.get("/").data == b"hi"
    assert len(attempts) == 2


APP_SOURCE = """
import os
import pathlib
import time

from framework import App

app = App("lifeapp")
EVENTS = pathlib.Path(os.environ["LIFE_EVENTS"])


def record(what):
    with EVENTS.open("a") as f:
        f.write(f"{os.getpid()} {what}\\n")


@app.before_serving
def connect():
    if os.environ.get("LIFE_SLOW"):
        record("starting")
        time.sleep(1)
    if os.environ.get("LIFE_FAIL"):
        raise ConnectionError("db.invalid refused the connection")
    record("before")


@app.while_serving
async def pool():
    record("while: open")
    yield
    record("while: close")


@app.after_serving
async def disconnect():
    record("after")


@app.route("/health")
def health():
    return "ok"


@app.route("/pid")
def pid():
    return str(os.getpid())


def slow_task():
    time.sleep(0.5)
    record("task")


@app.route("/task")
def task():
    app.add_background_task(slow_task)
    return str(os.getpid())
"""


@pytest.fixture
def folder(tmp_path: pathlib.Path) -> pathlib.Path:
    (tmp_path / "lifeapp.py").write_text(APP_SOURCE, encoding="utf-8")
    return tmp_path


def events(folder: pathlib.Path) -> list[tuple[int, str]]:
    path = folder / "events.log"
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [(int(pid), what) for pid, _, what in (li.partition(" ") for li in lines)]


def env(folder: pathlib.Path, **extra: str) -> dict[str, str]:
    return server_environment(
        folder,
        FRAMEWORK_SKIP_DOTENV="1",
        LIFE_EVENTS=str(folder / "events.log"),
        **extra,
    )


def serve_argv(server: str, port: int, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "framework.cli",
        "--app",
        "lifeapp",
        "serve",
        "--server",
        server,
        "--port",
        str(port),
        *options,
    ]


def test_a_wsgi_process_runs_shutdown_at_exit(folder: pathlib.Path) -> None:
    script = textwrap.dedent(
        """
        from lifeapp import app
        print(app.test_client().get("/health").data)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=folder,
        env=env(folder),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [what for _, what in events(folder)] == [
        "before",
        "while: open",
        "after",
        "while: close",
    ]


@pytest.mark.parametrize("server", ["waitress", "gunicorn"])
def test_framework_serve_runs_the_hooks_around_each_worker(
    folder: pathlib.Path, server: str
) -> None:
    port = free_port()
    process = ServerProcess(
        serve_argv(server, port, "--workers", "2"),
        port=port,
        folder=folder,
        env=env(folder, FRAMEWORK_SERVE_GRACEFUL_TIMEOUT="10"),
        name=f"framework serve --server {server}",
    )
    try:
        process.wait_ready("/health", body=b"ok")
        # Each worker started before it served anything.
        assert wait_until(
            lambda: sum(what == "while: open" for _, what in events(folder)) == 2,
            process.process,
            10,
        ), (events(folder), process.output())
        worker = int(process.request("GET", "/task").body)
    finally:
        status = process.stop()
    assert status == 0, process.output()
    workers = {pid for pid, _ in events(folder)}
    assert len(workers) == 2, events(folder)
    for pid in workers:
        # Shutdown waits for the running background task.
        task = ["task"] if pid == worker else []
        assert [what for p, what in events(folder) if p == pid] == [
            "before",
            "while: open",
            *task,
            "after",
            "while: close",
        ], process.output()
    assert "Traceback" not in process.output()


def test_a_stop_signal_during_startup_still_runs_shutdown(
    folder: pathlib.Path,
) -> None:
    """SIGTERM while the startup hooks run: the worker serves nothing, and
    the shutdown hooks of what started still run (the default action of the
    signal would have ended the process between the two)."""
    port = free_port()
    process = subprocess.Popen(
        serve_argv("waitress", port),
        cwd=folder,
        env=env(folder, LIFE_SLOW="1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: "starting" in events_of(folder), process, 20)
        process.send_signal(signal.SIGTERM)
        status = process.wait(20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert status == 0
    assert events_of(folder) == [
        "starting",
        "before",
        "while: open",
        "after",
        "while: close",
    ]


def events_of(folder: pathlib.Path) -> list[str]:
    return [what for _, what in events(folder)]


@pytest.mark.parametrize(
    ("server", "workers"), [("waitress", "1"), ("waitress", "2"), ("gunicorn", "2")]
)
def test_a_failed_startup_stops_framework_serve(
    folder: pathlib.Path, server: str, workers: str
) -> None:
    done = subprocess.run(
        serve_argv(server, free_port(), "--workers", workers),
        cwd=folder,
        env=env(folder, LIFE_FAIL="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    assert (
        "Startup of app 'lifeapp' failed: connect raised ConnectionError:"
        " db.invalid refused the connection. The app does not serve until its"
        " startup succeeds."
    ) in done.stderr
    assert events(folder) == []


# uvicorn ----------------------------------------------------------------------


def uvicorn_argv(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "lifeapp:app.asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def test_uvicorn_runs_startup_and_shutdown(folder: pathlib.Path) -> None:
    port = free_port()
    process = ServerProcess(
        uvicorn_argv(port), port=port, folder=folder, env=env(folder), name="uvicorn"
    )
    try:
        process.wait_ready("/health", body=b"ok")
        assert events_of(folder) == ["before", "while: open"]
    finally:
        status = process.stop()
    # uvicorn shuts down, then ends itself with the signal it was sent.
    assert status in (0, -signal.SIGTERM), process.output()
    assert events_of(folder) == ["before", "while: open", "after", "while: close"]
    assert "Application shutdown complete" in process.output()


def test_a_failed_startup_stops_uvicorn_with_the_reason(folder: pathlib.Path) -> None:
    done = subprocess.run(
        uvicorn_argv(free_port()),
        cwd=folder,
        env=env(folder, LIFE_FAIL="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 3, output
    assert (
        "Startup of app 'lifeapp' failed: connect raised ConnectionError:"
        " db.invalid refused the connection." in output
    )
    assert "Application startup failed. Exiting." in output
    assert events(folder) == []


async def asgi_get(app: App, path: str) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app.asgi(http_scope(path), receive, send)
    return sent


@in_loop
async def test_asgi_without_lifespan_events_starts_at_the_first_request() -> None:
    log: list[str] = []
    app = App(__name__)
    attempts: list[int] = []

    @app.before_serving
    async def connect() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("database not up yet")
        log.append("started")

    @app.route("/")
    def index() -> str:
        log.append("view")
        return "ok"

    # The first request's startup fails: the server answers it with its
    # own 500; nothing of the app ran.
    with pytest.raises(lifespan.StartupFailed, match="database not up yet"):
        await asgi_get(app, "/")
    assert log == []
    sent = await asyncio.gather(*(asgi_get(app, "/") for _ in range(5)))
    assert [m[0]["status"] for m in sent] == [200] * 5
    assert log == ["started", *["view"] * 5]
    assert len(attempts) == 2


def test_the_app_is_found_behind_wsgi_wrappers() -> None:
    from framework.serving.access_log import with_access_log

    log: list[t.Any] = []
    app = events_app(log)
    wrapped = with_access_log(app)
    assert lifespan.find_app(wrapped) is app
    assert lifespan.find_app(lambda environ, start_response: []) is None
    with lifespan.serving(wrapped):
        assert len(log) == 4
    assert log[4:] == ["after late", "after early", "other: close", "while: close"]
    # A callable that is no app of ours is served without hooks.
    with lifespan.serving(lambda environ, start_response: []):
        pass
