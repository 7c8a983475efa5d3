"""Background tasks: work a request hands off, to run after its response
is sent (:meth:`App.add_background_task <framework.App.add_background_task>`).

Layer 2, a feature built on the contexts and :mod:`framework.concurrency`.

- During a request, a task waits on the request context until the
  protocol adapter says the response is out: under WSGI when the server
  closes the response iterable (:func:`attach`), under ASGI after the last
  body message (:func:`start_pending`). Outside a request it starts at once.
- A sync task runs in a thread of the app's own pool of at most
  ``BACKGROUND_TASK_THREADS`` threads, started as needed; past that, tasks
  wait in order for a free thread. An async one runs on the serving loop
  under ASGI, on the process's
  :class:`~framework.concurrency.BackgroundLoop` under WSGI.
- Each runs in a new app context of the app, in a copy of the context
  variables of the code that added it (an extension's own variables carry
  over; the request does not).
- What a task raises is logged on ``app.logger``, never lost.
- At shutdown, :func:`wait` (or :func:`wait_async`) gives running and
  waiting tasks up to ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT`` seconds.

In-process tasks die with the process: work that must survive a restart
belongs in a task queue (see the manual's recipe with RQ).
"""

from __future__ import annotations

import collections
import contextvars
import functools
import inspect
import os
import threading
import typing as t
import weakref

from .ctx import RequestContext, _cv_context, _cv_request_below

if t.TYPE_CHECKING:  # pragma: no cover
    import asyncio

    from werkzeug.wrappers import Response

    from .ctx import AppContext

__all__ = [
    "DEFAULT_SHUTDOWN_TIMEOUT",
    "DEFAULT_THREADS",
    "BackgroundTasks",
    "add",
    "attach",
    "start_pending",
    "wait",
    "wait_async",
]

#: Seconds shutdown waits for running tasks when the app's config has no
#: ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT``.
DEFAULT_SHUTDOWN_TIMEOUT = 5.0

#: Threads for sync tasks when the app's config has no
#: ``BACKGROUND_TASK_THREADS``: the standard library's thread pool default,
#: enough for tasks that mostly wait (mail, HTTP calls) without letting a
#: burst of them start a thread each.
DEFAULT_THREADS = min(32, (os.cpu_count() or 1) + 4)

#: Seconds an idle thread of the pool waits for a task before it ends: a
#: burst's threads do not stay for good.
_IDLE_THREAD_TIMEOUT = 30.0

#: Whether any app of this process has added a background task: until
#: then, the protocol adapters look for no request's pending tasks.
in_use = False

#: The key of a request context's pending tasks in its ``__dict__``: a
#: list until the response is out, then ``None`` (later tasks start at
#: once).
_PENDING = "framework.background_tasks"


class TaskApp(t.Protocol):
    """What this module needs from the app."""

    @property
    def background_tasks_state(self) -> BackgroundTasks: ...
    @property
    def config(self) -> t.Any: ...
    @property
    def logger(self) -> t.Any: ...
    def app_context(self) -> AppContext: ...


class _Task:
    __slots__ = ("args", "context", "fn", "kwargs")

    def __init__(
        self,
        fn: t.Callable[..., t.Any],
        args: tuple[t.Any, ...],
        kwargs: dict[str, t.Any],
        context: contextvars.Context,
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.context = context


class BackgroundTasks:
    """An app's background tasks, counted so that shutdown can wait for
    them, and the bounded pool of threads that runs its sync ones."""

    __slots__ = (
        "__weakref__",
        "_exit_registered",
        "_idle",
        "_limit",
        "_queue",
        "_running",
        "_tasks",
        "_threads",
        "_waiting",
        "_work",
    )

    def __init__(self) -> None:
        self._idle = threading.Condition(threading.Lock())
        self._running = 0
        # Strong references to the asyncio tasks: the loop keeps only weak ones.
        self._tasks: set[asyncio.Task[None]] = set()
        self._exit_registered = False
        # The sync pool: tasks not yet taken by a thread, the threads there
        # are, and how many of them wait for a task.
        self._work = threading.Condition(threading.Lock())
        self._queue: collections.deque[tuple[TaskApp, _Task]] = collections.deque()
        self._threads = 0
        self._waiting = 0
        self._limit: int | None = None
        _states.add(self)

    @property
    def running(self) -> int:
        """How many tasks were started and have not ended, those waiting
        for a thread included."""
        return self._running

    @property
    def threads(self) -> int:
        """How many threads the sync pool has now."""
        return self._threads

    @property
    def queued(self) -> int:
        """How many sync tasks wait for a free thread."""
        return len(self._queue)

    def _submit(self, app: TaskApp, task: _Task) -> None:
        """Hand a sync task to the pool: to a waiting thread, to a new one
        while there are fewer than the limit, or else to the queue."""
        with self._work:
            if self._limit is None:
                self._limit = _thread_limit(app)
            self._queue.append((app, task))
            # A waiting thread that was told takes one task; more tasks
            # than such threads need one of their own.
            if len(self._queue) > self._waiting and self._threads < self._limit:
                self._threads += 1
                try:
                    threading.Thread(
                        target=self._serve,
                        name=f"framework-background-{self._threads}",
                        daemon=True,
                    ).start()
                except BaseException:
                    self._threads -= 1
                    self._queue.pop()
                    raise
            else:
                self._work.notify()

    def _serve(self) -> None:
        """A pool thread: run queued tasks, in order, until none has come
        for :data:`_IDLE_THREAD_TIMEOUT` seconds."""
        while True:
            with self._work:
                while not self._queue:
                    self._waiting += 1
                    told = self._work.wait(_IDLE_THREAD_TIMEOUT)
                    self._waiting -= 1
                    if not told and not self._queue:
                        self._threads -= 1
                        return
                app, task = self._queue.popleft()
            try:
                task.context.run(_run_sync, app, task)
            except BaseException:
                # A task that raised SystemExit, say: in a thread of its
                # own it would have ended only that thread; here the pool
                # would lose one, and its queue might wait for ever.
                _log_failure(app, task)
            # Not kept while waiting: the app may go away meanwhile.
            del app, task

    def _after_fork(self) -> None:
        # A forked child has none of the parent's threads or tasks.
        self._idle = threading.Condition(threading.Lock())
        self._work = threading.Condition(threading.Lock())
        self._running = self._threads = self._waiting = 0
        self._queue.clear()
        self._tasks.clear()

    def _begin(self) -> None:
        with self._idle:
            self._running += 1

    def _end(self) -> None:
        with self._idle:
            self._running -= 1
            if not self._running:
                self._idle.notify_all()


#: Every app's pool, so that a forked child can reset them.
_states: weakref.WeakSet[BackgroundTasks] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for state in list(_states):
        state._after_fork()


if hasattr(os, "register_at_fork"):  # pragma: no branch - not on Windows
    os.register_at_fork(after_in_child=_reset_after_fork)


def _thread_limit(app: TaskApp) -> int:
    value = app.config.get("BACKGROUND_TASK_THREADS")
    if value is None:
        return DEFAULT_THREADS
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    app.logger.warning(
        "BACKGROUND_TASK_THREADS must be a whole number, 1 or more, or None"
        " (%d), not %r: using %d threads",
        DEFAULT_THREADS,
        value,
        DEFAULT_THREADS,
    )
    return DEFAULT_THREADS


def _name(f: object) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


def _task_context() -> contextvars.Context:
    """A copy of the current context without the framework's own
    variables: the task sees the caller's other variables, and pushes its
    own app context."""
    context = contextvars.copy_context()
    # The Context's own run() sets the variables in the copy only.
    context.run(_cv_context.set, None)  # type: ignore[arg-type]
    context.run(_cv_request_below.set, None)
    return context


def add(
    app: TaskApp, fn: t.Callable[..., t.Any], /, *args: t.Any, **kwargs: t.Any
) -> None:
    """Run ``fn(*args, **kwargs)`` in the background; see
    :meth:`App.add_background_task <framework.App.add_background_task>`.

    :raise TypeError: ``fn`` is not callable.
    """
    if not callable(fn):
        raise TypeError(f"add_background_task() takes a function to call, not {fn!r}.")
    global in_use
    in_use = True
    task = _Task(fn, args, kwargs, _task_context())
    ctx = _cv_context.get(None)
    if isinstance(ctx, RequestContext) and t.cast("object", ctx.app) is app:
        pending = ctx.__dict__.get(_PENDING, ())
        if pending is not None:
            if not pending:
                pending = ctx.__dict__[_PENDING] = []
            t.cast("list[_Task]", pending).append(task)
            return
    _start(app, task)


def attach(ctx: RequestContext, response: Response) -> None:
    """Under WSGI: start the request's pending tasks when the server closes
    the response iterable. Call it before calling ``response`` as a WSGI
    app (the hook must be in place when its iterable is made); tasks added
    later, up to the close (in teardown, by a stream), are included.

    :param ctx: the request's context.
    :param response: its response.
    """
    response.call_on_close(functools.partial(start_pending, ctx))


def start_pending(ctx: AppContext) -> None:
    """Start the tasks waiting for this request's response; tasks added to
    it from now on start at once. The ASGI adapter calls it after the
    response's last body message.

    :param ctx: the request's context.
    """
    pending = ctx.__dict__.get(_PENDING)
    ctx.__dict__[_PENDING] = None
    if pending:
        app = t.cast("TaskApp", ctx.app)
        for task in pending:
            _start(app, task)


def _is_async(fn: t.Callable[..., t.Any]) -> bool:
    from .concurrency import CallKind, classify

    return classify(fn) is CallKind.ASYNC


def _start(app: TaskApp, task: _Task) -> None:
    state = app.background_tasks_state
    if not state._exit_registered:
        _wait_at_exit(app)
    state._begin()
    try:
        if _is_async(task.fn):
            _start_async(app, task)
        else:
            state._submit(app, task)
    except BaseException:
        state._end()
        raise


def _start_async(app: TaskApp, task: _Task) -> None:
    """Start an async task on the running loop, on the serving loop from a
    hop's thread, or on the background loop from a WSGI thread."""
    import asyncio

    from .concurrency import BackgroundLoop, LoopBridge

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        bridge = LoopBridge.current()
        loop = (
            bridge.loop
            if bridge is not None and not bridge.loop.is_closed()
            else BackgroundLoop.shared().loop
        )
        loop.call_soon_threadsafe(_create_task, app, task, loop)
    else:
        _create_task(app, task, loop)


def _create_task(app: TaskApp, task: _Task, loop: asyncio.AbstractEventLoop) -> None:
    tasks = app.background_tasks_state._tasks
    running = loop.create_task(_run_async(app, task), context=task.context)
    tasks.add(running)
    running.add_done_callback(tasks.discard)


def _run_sync(app: TaskApp, task: _Task) -> None:
    try:
        ctx = app.app_context()
        ctx.push()
        try:
            result = task.fn(*task.args, **task.kwargs)
            if inspect.isawaitable(result):
                from .concurrency import BackgroundLoop

                # A sync wrapper that returned a coroutine after all.
                BackgroundLoop.shared().run(_await(result))
        finally:
            ctx.pop()
    except Exception:
        _log_failure(app, task)
    finally:
        app.background_tasks_state._end()


async def _await(awaitable: t.Awaitable[t.Any]) -> None:
    await awaitable


async def _run_async(app: TaskApp, task: _Task) -> None:
    try:
        ctx = app.app_context()
        ctx.push()
        try:
            result = task.fn(*task.args, **task.kwargs)
            if inspect.isawaitable(result):
                await result
        finally:
            ctx.pop()
    except Exception:
        _log_failure(app, task)
    finally:
        app.background_tasks_state._end()


def _log_failure(app: TaskApp, task: _Task) -> None:
    app.logger.exception("Background task %s failed", _name(task.fn))


def _timeout(app: TaskApp) -> float | None:
    value = app.config.get("BACKGROUND_TASK_SHUTDOWN_TIMEOUT", DEFAULT_SHUTDOWN_TIMEOUT)
    if value is None:
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if not seconds >= 0:
        app.logger.warning(
            "BACKGROUND_TASK_SHUTDOWN_TIMEOUT must be a number of seconds, 0"
            " or more, or None (wait as long as tasks run), not %r: waiting"
            " %g s",
            value,
            DEFAULT_SHUTDOWN_TIMEOUT,
        )
        return DEFAULT_SHUTDOWN_TIMEOUT
    return seconds


def wait(app: TaskApp, timeout: float | t.Literal["config"] | None = "config") -> bool:
    """Wait until the app's running background tasks end, or the timeout
    passes; a warning is logged for tasks still running then (they are
    left to the process's exit).

    :param app: the app.
    :param timeout: seconds; ``None`` waits as long as they run; by
        default the app's ``BACKGROUND_TASK_SHUTDOWN_TIMEOUT``.
    :return: whether every task ended.
    """
    state = app.background_tasks_state
    if not state._running:
        return True
    if timeout == "config":
        timeout = _timeout(app)
    with state._idle:
        done = state._idle.wait_for(lambda: not state._running, timeout)
        left = state._running
    if not done:
        queued = state.queued
        app.logger.warning(
            "%d background task(s) still running after %g s%s; not waiting"
            " any longer (BACKGROUND_TASK_SHUTDOWN_TIMEOUT)",
            left,
            timeout,
            f" ({queued} of them never started: no thread was free)" if queued else "",
        )
    return done


async def wait_async(
    app: TaskApp, timeout: float | t.Literal["config"] | None = "config"
) -> bool:
    """:func:`wait`, from async code: the loop stays free meanwhile, so
    that async tasks on it can end."""
    import asyncio

    if not app.background_tasks_state._running:
        return True
    return await asyncio.to_thread(wait, app, timeout)


def _wait_at_exit(app: TaskApp) -> None:
    """Give running tasks their time when the interpreter exits normally
    (their threads are daemons: they would be cut short). The app is held
    weakly."""
    import atexit

    state = app.background_tasks_state
    state._exit_registered = True
    ref = weakref.ref(app)

    def at_exit() -> None:
        alive = ref()
        if alive is not None and alive.background_tasks_state._running:
            wait(alive)

    atexit.register(at_exit)
