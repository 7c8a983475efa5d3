"""framework.background: ``app.add_background_task``, under WSGI (the test
client, which closes the response iterable as a server does) and under
ASGI (``app.asgi`` driven with a hand-made receive and send); and the
manual's recipe for durable work, with a real Redis and a real ``rq
worker`` process."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import pathlib
import subprocess
import sys
import textwrap
import threading
import time
import typing as t

import pytest
from asgi_scopes import http_scope
from processes import wait_until
from redis_server import RedisServer
from servers import server_environment

from framework import App, current_app, g, has_request_context, lifespan
from framework import background as background_module

Message = dict[str, t.Any]

#: How long a test waits for something that should happen.
WAIT = 5.0


async def asgi_get(app: App, path: str, log: list[t.Any]) -> None:
    """GET ``path`` through ``app.asgi``; what the app sends goes to
    ``log`` as ``("sent", type, more_body)``."""

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        # A server yields to the loop while it writes.
        await asyncio.sleep(0)
        log.append(("sent", message["type"], message.get("more_body", False)))

    await app.asgi(http_scope(path), receive, send)


def recording_app(log: list[t.Any], done: threading.Event) -> App:
    app = App("tasks")

    def sync_task(value: str, *, extra: str) -> None:
        log.append(
            (
                "sync task",
                value,
                extra,
                current_app.name,
                has_request_context(),
                threading.current_thread().name,
            )
        )
        done.set()

    async def async_task(value: str) -> None:
        log.append(
            (
                "async task",
                value,
                current_app.name,
                has_request_context(),
                threading.current_thread().name,
            )
        )
        done.set()

    @app.route("/sync")
    def add_sync() -> str:
        app.add_background_task(sync_task, "from view", extra="kw")
        log.append("view returned")
        return "ok"

    @app.route("/async")
    def add_async() -> str:
        app.add_background_task(async_task, "from view")
        return "ok"

    @app.route("/stream")
    def stream() -> t.Any:
        app.add_background_task(sync_task, "after stream", extra="")

        def chunks() -> t.Iterator[str]:
            yield "a"
            yield "b"

        return chunks()

    @app.route("/teardown")
    def in_teardown() -> str:
        return "ok"

    @app.teardown_request
    def add_in_teardown(exc: BaseException | None) -> None:
        from framework import request

        if request.path == "/teardown":
            app.add_background_task(sync_task, "from teardown", extra="")

    return app


# WSGI -----------------------------------------------------------------------


def test_wsgi_task_starts_when_the_server_closes_the_response() -> None:
    log: list[t.Any] = []
    done = threading.Event()
    app = recording_app(log, done)
    response = app.test_client().get("/sync")
    assert response.data == b"ok"
    # The response is not closed yet: the task waits.
    assert not done.wait(0.2)
    response.close()
    assert done.wait(WAIT)
    view, task = log
    assert view == "view returned"
    name, value, extra, app_name, in_request, thread = task
    assert (name, value, extra, app_name, in_request) == (
        "sync task",
        "from view",
        "kw",
        "tasks",
        False,
    )
    assert thread != threading.current_thread().name


def test_wsgi_async_task_runs_on_the_background_loop() -> None:
    log: list[t.Any] = []
    done = threading.Event()
    app = recording_app(log, done)
    app.test_client().get("/async", buffered=True)
    assert done.wait(WAIT)
    assert log == [("async task", "from view", "tasks", False, "framework-loop")]


def test_wsgi_task_of_a_streamed_response_starts_after_the_last_chunk() -> None:
    log: list[t.Any] = []
    done = threading.Event()
    app = recording_app(log, done)
    response = app.test_client().get("/stream")
    assert not done.wait(0.2)
    assert response.data == b"ab"
    response.close()
    assert done.wait(WAIT)
    assert log[0][:2] == ("sync task", "after stream")


def test_tasks_added_in_teardown_run_too() -> None:
    log: list[t.Any] = []
    done = threading.Event()
    app = recording_app(log, done)
    app.test_client().get("/teardown", buffered=True)
    assert done.wait(WAIT)
    assert log[0][:2] == ("sync task", "from teardown")


def test_outside_a_request_a_task_starts_at_once() -> None:
    app = App(__name__)
    seen: list[t.Any] = []
    done = threading.Event()

    def task() -> None:
        seen.append((current_app.name, g.get("marker")))
        done.set()

    with app.app_context():
        g.marker = "outer g"
        app.add_background_task(task)
        assert done.wait(WAIT)
    # A new app context: the caller's g is not the task's.
    assert seen == [(app.name, None)]

    done.clear()
    app.add_background_task(task)
    assert done.wait(WAIT)


def test_a_task_sees_the_callers_context_variables() -> None:
    app = App(__name__)
    var: contextvars.ContextVar[str] = contextvars.ContextVar("trace_id")
    seen: list[str] = []
    done = threading.Event()

    def task() -> None:
        seen.append(var.get("unset"))
        done.set()

    @app.route("/")
    def index() -> str:
        var.set("trace-42")
        app.add_background_task(task)
        return "ok"

    app.test_client().get("/", buffered=True)
    assert done.wait(WAIT)
    assert seen == ["trace-42"]


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_failing_task_is_logged_on_the_apps_logger(
    caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    app = App("failing_tasks")
    done = threading.Event()

    def broken_sync() -> None:
        done.set()
        raise LookupError("no such user")

    async def broken_async() -> None:
        done.set()
        raise LookupError("no such user")

    with caplog.at_level(logging.ERROR, logger="failing_tasks"):
        app.add_background_task(broken_sync if kind == "sync" else broken_async)
        assert done.wait(WAIT)
        assert background_module.wait(app, WAIT)
    (record,) = [r for r in caplog.records if r.name == "failing_tasks"]
    name = "broken_sync" if kind == "sync" else "broken_async"
    assert record.getMessage().startswith("Background task ")
    assert record.getMessage().endswith(f"<locals>.{name} failed")
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], LookupError)


def test_add_background_task_refuses_what_it_cannot_call() -> None:
    app = App(__name__)
    with pytest.raises(TypeError, match="takes a function to call, not 'send_mail'"):
        app.add_background_task("send_mail")  # type: ignore[arg-type]


# The pool of sync tasks -----------------------------------------------------------


class Gate:
    """Tasks that wait at a gate until the test opens it, noting how many
    run at once, the thread each ran on, and the order they started in."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.lock = threading.Lock()
        self.now = self.most = 0
        self.started: list[int] = []
        self.threads: set[int] = set()

    def task(self, number: int) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.started.append(number)
            self.threads.add(threading.get_ident())
        try:
            self.open.wait(WAIT)
        finally:
            with self.lock:
                self.now -= 1


def wait_for(condition: t.Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_sync_tasks_past_the_thread_limit_wait_for_a_free_thread() -> None:
    app = App("pooled")
    app.config["BACKGROUND_TASK_THREADS"] = 2
    state = app.background_tasks_state
    gate = Gate()
    for number in range(5):
        app.add_background_task(gate.task, number)
    wait_for(lambda: gate.now == 2)
    # Two threads run two tasks; three wait, none on a thread of its own.
    time.sleep(0.1)
    assert (gate.now, state.threads, state.queued, state.running) == (2, 2, 3, 5)
    gate.open.set()
    assert background_module.wait(app, WAIT)
    assert gate.most == 2
    assert len(gate.threads) == 2
    # In the order they were added.
    assert sorted(gate.started[:2]) == [0, 1]
    assert gate.started[2:] == [2, 3, 4]
    assert state.queued == 0


def test_the_default_thread_limit() -> None:
    import os

    assert min(32, (os.cpu_count() or 1) + 4) == background_module.DEFAULT_THREADS
    app = App("default_pool")
    gate = Gate()
    for number in range(background_module.DEFAULT_THREADS + 3):
        app.add_background_task(gate.task, number)
    wait_for(lambda: gate.now == background_module.DEFAULT_THREADS)
    state = app.background_tasks_state
    assert (state.threads, state.queued) == (background_module.DEFAULT_THREADS, 3)
    gate.open.set()
    assert background_module.wait(app, WAIT)


def test_a_failing_task_leaves_its_thread_to_the_next(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("one_thread")
    app.config["BACKGROUND_TASK_THREADS"] = 1
    ran: list[int] = []

    def broken() -> None:
        raise LookupError("no such user")

    with caplog.at_level(logging.ERROR, logger="one_thread"):
        app.add_background_task(broken)
        app.add_background_task(ran.append, threading.get_ident())
        app.add_background_task(lambda: ran.append(threading.get_ident()))
        assert background_module.wait(app, WAIT)
    assert len(ran) == 2
    assert app.background_tasks_state.threads == 1
    (record,) = [r for r in caplog.records if r.name == "one_thread"]
    assert "broken failed" in record.getMessage()


def test_a_task_that_raises_system_exit_keeps_the_pools_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("system_exit")
    app.config["BACKGROUND_TASK_THREADS"] = 1
    done = threading.Event()
    with caplog.at_level(logging.ERROR, logger="system_exit"):
        app.add_background_task(sys.exit, 3)
        app.add_background_task(done.set)
        assert done.wait(WAIT)
        assert background_module.wait(app, WAIT)
    assert app.background_tasks_state.threads == 1
    (record,) = [r for r in caplog.records if r.name == "system_exit"]
    assert "Background task exit failed" in record.getMessage()


def test_shutdown_counts_the_tasks_that_never_got_a_thread(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("queued_at_shutdown")
    app.config["BACKGROUND_TASK_THREADS"] = 1
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = 0.1
    gate = Gate()
    app.add_background_task(gate.task, 0)
    app.add_background_task(gate.task, 1)
    wait_for(lambda: gate.now == 1)
    with caplog.at_level(logging.WARNING, logger="queued_at_shutdown"):
        assert background_module.wait(app) is False
    assert (
        "2 background task(s) still running after 0.1 s (1 of them never"
        " started: no thread was free)" in caplog.text
    )
    # Given the time, the waiting one runs too.
    gate.open.set()
    assert background_module.wait(app, WAIT) is True
    assert gate.started == [0, 1]


@pytest.mark.parametrize("value", ["many", 0, -2, 2.5, True])
def test_a_bad_thread_limit_is_reported_and_the_default_used(
    caplog: pytest.LogCaptureFixture, value: object
) -> None:
    app = App("bad_threads")
    app.config["BACKGROUND_TASK_THREADS"] = value
    with caplog.at_level(logging.WARNING, logger="bad_threads"):
        app.add_background_task(time.sleep, 0)
        assert background_module.wait(app, WAIT)
    assert (
        "BACKGROUND_TASK_THREADS must be a whole number, 1 or more, or None"
        f" ({background_module.DEFAULT_THREADS}), not {value!r}" in caplog.text
    )


def test_idle_threads_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background_module, "_IDLE_THREAD_TIMEOUT", 0.05)
    app = App("idle_threads")
    done = threading.Event()
    app.add_background_task(done.set)
    assert done.wait(WAIT)
    state = app.background_tasks_state
    wait_for(lambda: state.threads == 0)
    # A new task gets a new thread.
    done.clear()
    app.add_background_task(done.set)
    assert done.wait(WAIT)


def test_a_forked_child_starts_with_no_tasks_and_a_pool_of_its_own() -> None:
    import os
    import warnings

    app = App("forked")
    gate = Gate()
    app.add_background_task(gate.task, 0)
    wait_for(lambda: gate.now == 1)
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a process with threads may deadlock.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        status = 1
        try:
            state = app.background_tasks_state
            if (state.running, state.threads) == (0, 0):
                done = threading.Event()
                app.add_background_task(done.set)
                if done.wait(WAIT) and background_module.wait(app, WAIT):
                    status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    gate.open.set()
    assert os.waitstatus_to_exitcode(status) == 0
    assert background_module.wait(app, WAIT)


# Shutdown ---------------------------------------------------------------------


def test_wait_gives_running_tasks_the_configured_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("slow_tasks")
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = 0.1
    release = threading.Event()
    app.add_background_task(release.wait)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="slow_tasks"):
        assert background_module.wait(app) is False
    assert time.monotonic() - started < 2
    assert "1 background task(s) still running after 0.1 s" in caplog.text
    release.set()
    assert background_module.wait(app, WAIT) is True
    assert app.background_tasks_state.running == 0


def test_a_bad_shutdown_timeout_is_reported_and_the_default_used(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("bad_timeout")
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = "soon"
    app.add_background_task(time.sleep, 0.1)
    with caplog.at_level(logging.WARNING, logger="bad_timeout"):
        # The default, 5 s, is time enough.
        assert background_module.wait(app) is True
    assert "BACKGROUND_TASK_SHUTDOWN_TIMEOUT must be a number of seconds" in (
        caplog.text
    )


def test_shutdown_waits_for_tasks_before_the_after_serving_hooks() -> None:
    app = App(__name__)
    log: list[str] = []

    def slow() -> None:
        time.sleep(0.3)
        log.append("task done")

    @app.after_serving
    def closing() -> None:
        log.append("after_serving")

    lifespan.run_startup(app)
    app.add_background_task(slow)
    lifespan.run_shutdown(app)
    assert log == ["task done", "after_serving"]


# ASGI -------------------------------------------------------------------------


def test_asgi_sync_task_starts_after_the_last_body_message() -> None:
    log: list[t.Any] = []
    done = threading.Event()
    app = recording_app(log, done)

    async def main() -> None:
        await asgi_get(app, "/sync", log)
        assert await asyncio.to_thread(done.wait, WAIT)

    asyncio.run(main())
    assert log[:3] == [
        "view returned",
        ("sent", "http.response.start", False),
        ("sent", "http.response.body", False),
    ]
    assert log[3][:5] == ("sync task", "from view", "kw", "tasks", False)


def test_asgi_async_task_runs_on_the_serving_loop() -> None:
    log: list[t.Any] = []
    done = threading.Event()
    app = recording_app(log, done)

    async def main() -> None:
        await asgi_get(app, "/async", log)
        assert await asyncio.to_thread(done.wait, WAIT)

    asyncio.run(main())
    assert log == [
        ("sent", "http.response.start", False),
        ("sent", "http.response.body", False),
        ("async task", "from view", "tasks", False, threading.current_thread().name),
    ]


@pytest.mark.parametrize("path", ["/sync", "/async"])
def test_asgi_tasks_run_when_the_client_left_before_the_response(path: str) -> None:
    # The view ran, so the work it queued runs, as under WSGI, where the
    # server closes the response of a client that went away.
    log: list[t.Any] = []
    done = threading.Event()
    app = recording_app(log, done)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        raise OSError("the client went away")

    async def main() -> None:
        with pytest.raises(OSError):
            await app.asgi(http_scope(path), receive, send)
        assert await asyncio.to_thread(done.wait, WAIT)

    asyncio.run(main())
    assert any(entry[0] in ("sync task", "async task") for entry in log)


def test_asgi_task_of_a_streamed_response_starts_after_the_last_chunk() -> None:
    log: list[t.Any] = []
    done = threading.Event()
    app = recording_app(log, done)

    async def main() -> None:
        await asgi_get(app, "/stream", log)
        assert await asyncio.to_thread(done.wait, WAIT)

    asyncio.run(main())
    sent = [entry for entry in log if entry[0] == "sent"]
    assert sent[-1] == ("sent", "http.response.body", False)
    assert log.index(sent[-1]) < next(
        i for i, entry in enumerate(log) if entry[0] == "sync task"
    )


def test_asgi_lifespan_shutdown_waits_for_running_tasks() -> None:
    app = App(__name__)
    log: list[str] = []

    async def slow() -> None:
        await asyncio.sleep(0.3)
        log.append("task done")

    @app.route("/")
    def index() -> str:
        app.add_background_task(slow)
        return "ok"

    @app.after_serving
    def closing() -> None:
        log.append("after_serving")

    async def main() -> None:
        events: asyncio.Queue[Message] = asyncio.Queue()
        answers: list[Message] = []

        async def send(message: Message) -> None:
            answers.append(message)

        lifespan_call = asyncio.create_task(
            app.asgi({"type": "lifespan"}, events.get, send)
        )
        await events.put({"type": "lifespan.startup"})
        await asgi_get(app, "/", [])
        await events.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(lifespan_call, WAIT)
        assert answers[-1] == {"type": "lifespan.shutdown.complete"}

    asyncio.run(main())
    assert log == ["task done", "after_serving"]


# The recipe for durable work: RQ -------------------------------------------------

RQ_APP = '''
import functools
import os

from redis import Redis
from rq import Queue

from framework import App, current_app

app = App("shop")
app.config["GREETING"] = "Welcome aboard"
redis = Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
queue = Queue("mail", connection=redis)


def in_app_context(f):
    """Run the job inside an app context of this app, in the worker."""

    @functools.wraps(f)
    def job(*args, **kwargs):
        with app.app_context():
            return f(*args, **kwargs)

    return job


@in_app_context
def send_welcome(name):
    return f"{current_app.config['GREETING']}, {name} (from {current_app.name})"


@app.post("/signup/<name>")
def signup(name):
    job = queue.enqueue(send_welcome, name)
    return {"job": job.id}, 202
'''


@pytest.fixture(scope="module")
def redis_url() -> t.Iterator[str]:
    with RedisServer() as server:
        yield server.url


def test_rq_recipe_runs_the_job_in_an_app_context_in_a_real_worker(
    tmp_path: pathlib.Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from redis import Redis
    from rq.job import Job

    (tmp_path / "shop.py").write_text(RQ_APP, encoding="utf-8")
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.syspath_prepend(str(tmp_path))
    import shop  # type: ignore[import-not-found]

    try:
        reply = shop.app.test_client().post("/signup/Ada")
        assert reply.status_code == 202
        job_id = reply.get_json()["job"]
        # A real worker process, as the manual starts it.
        log = tmp_path / "worker.log"
        with log.open("wb") as output:
            worker = subprocess.Popen(
                [sys.executable, "-m", "rq.cli", "worker", "--url", redis_url, "mail"],
                cwd=tmp_path,
                env=server_environment(tmp_path, REDIS_URL=redis_url),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        connection = Redis.from_url(redis_url)
        try:
            job = Job.fetch(job_id, connection=connection)
            # Not --burst and a wait for the exit: rq 3.0 with redis-py 8.2
            # takes up to a minute to stop its pubsub thread when it quits.
            assert wait_until(
                lambda: job.get_status(refresh=True) in ("finished", "failed"),
                worker,
                30,
            ), log.read_text()
            assert job.get_status() == "finished", log.read_text()
            assert job.return_value() == "Welcome aboard, Ada (from shop)"
        finally:
            worker.kill()
            worker.wait()
            connection.close()
    finally:
        # Closed here, not whenever the collector finds them: an open
        # socket it finds later fails another test with a ResourceWarning.
        shop.redis.close()
        sys.modules.pop("shop", None)


def test_rq_recipe_is_the_one_in_the_manual() -> None:
    manual = pathlib.Path(__file__).parent.parent / "docs" / "lifespan.rst"
    text = manual.read_text(encoding="utf-8")
    for line in textwrap.dedent(RQ_APP).strip().splitlines():
        if line.strip():
            assert line in text, f"docs/lifespan.rst lacks: {line!r}"
