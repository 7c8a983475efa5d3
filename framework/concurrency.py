"""Where code runs: on an event loop, or in a thread, and how to get there.

Layer 1. The building blocks the protocol adapters use to serve sync and
async code from one pipeline (DESIGN.md, "One pipeline, two protocols"):

- :func:`classify` tells, once at setup, whether a view or hook is
  :attr:`CallKind.ASYNC` (await it on the loop), :attr:`CallKind.SYNC`
  (run it in a thread) or :attr:`CallKind.INLINE` (sync, but marked with
  :func:`loop_safe`, so it may run on the loop).
- :class:`ThreadHop` runs a sync function from async code in a bounded pool
  of threads, inside a copy of the caller's context, and copies the context
  variables it changed back to the caller.
- :class:`LoopBridge` runs a coroutine on the loop that started a hop, from
  the hop's thread.
- :class:`BackgroundLoop` runs a coroutine from sync code (async views
  under a WSGI server) on one persistent event loop thread per process,
  instead of a new event loop per call.
- :func:`run_coroutine` picks between the last two.

Nothing here knows about requests; the adapters decide what to hop.
"""

from __future__ import annotations

import _thread
import asyncio
import asyncio.coroutines
import contextlib
import contextvars
import enum
import functools
import inspect
import os
import queue
import threading
import typing as t
import weakref

from .ctx import _cv_context, _cv_request_below

__all__ = [
    "CANCEL_ON_DISCONNECT",
    "FRAMEWORK_VARS",
    "ON_LOOP",
    "BackgroundLoop",
    "CallKind",
    "LoopBridge",
    "ThreadHop",
    "ThreadHopFull",
    "as_coroutine_function",
    "cancel_on_disconnect",
    "classify",
    "loop_safe",
    "run_coroutine",
]

P = t.ParamSpec("P")
R = t.TypeVar("R")
F = t.TypeVar("F", bound=t.Callable[..., t.Any])


# --------------------------------------------------------------------------
# Classifying callables


class CallKind(enum.Enum):
    """How a view, hook or handler must be called."""

    #: A plain function: it may block, so under ASGI it runs in a thread.
    SYNC = "sync"
    #: A coroutine function (or something that returns its coroutine):
    #: awaited on the event loop.
    ASYNC = "async"
    #: A sync function that never blocks (marked with :func:`loop_safe`),
    #: or an async generator function: called directly on the event loop.
    INLINE = "inline"


#: The attribute of a class-based view function (``View.as_view``) holding
#: its async entry: a coroutine function the ASGI adapter awaits instead of
#: calling the view, for a request that never leaves the loop.
ON_LOOP = "__framework_on_loop__"

#: The attribute :func:`loop_safe` sets; its value is the marked function
#: itself, so that a decorator copying ``__dict__`` (``functools.wraps``)
#: does not pass the mark on to a wrapper whose own code may block.
_LOOP_SAFE = "__framework_loop_safe__"

#: asgiref's and Python 3.11's marker for functions that return a
#: coroutine without being ``async def`` (``inspect.markcoroutinefunction``
#: replaces it from 3.12, and ``inspect.iscoroutinefunction`` reads that).
_COROUTINE_MARK: object = getattr(asyncio.coroutines, "_is_coroutine", object())

#: Where to stop following ``__wrapped__`` chains (a cycle would loop).
_MAX_UNWRAP = 100

_HTTP_METHODS = ("get", "post", "head", "options", "delete", "put", "trace", "patch")


#: The attribute :func:`cancel_on_disconnect` sets on a view.
CANCEL_ON_DISCONNECT = "__framework_cancel_on_disconnect__"


def cancel_on_disconnect(view: F) -> F:
    """Mark an async view to be cancelled when its client disconnects:
    under ASGI, while such a request runs on the loop, the adapter watches
    for the client going away and cancels the request's task
    (``asyncio.CancelledError`` is raised where the view awaits; teardown
    callbacks still run, with that error). Nothing is sent.

    Off by default because watching costs a task per request. It applies
    to requests that run on the loop (the view and its hooks async or
    loop-safe) and not to views marked
    :func:`~framework.bodies.stream_body`, which read ``receive``
    themselves. Streamed responses are always cancelled on disconnect.
    """
    setattr(view, CANCEL_ON_DISCONNECT, True)
    return view


def loop_safe(f: F) -> F:
    """Mark a sync function safe to call on the event loop: it does no
    blocking IO and finishes quickly (a CORS ``after_request`` hook, a
    header check). Under ASGI it is then called inline instead of making a
    request's whole chain run in a thread.

    :param f: the function to mark; returned unchanged.
    :raise TypeError: ``f`` is a coroutine function, which needs no mark.
    """
    if _is_coroutine_function(f):
        raise TypeError(
            f"{_name(f)} is async: loop_safe marks sync functions; async ones"
            " already run on the loop."
        )
    setattr(f, _LOOP_SAFE, f)
    return f


def classify(f: t.Callable[..., t.Any], method: str | None = None) -> CallKind:
    """How to call ``f``: decided once, when it is registered or at the
    first request, never per call.

    - ``async def`` functions, ``functools.partial`` objects over them,
      bound methods, and objects whose class has an ``async def __call__``
      are :attr:`~CallKind.ASYNC`.
    - Functions marked with :func:`loop_safe` are :attr:`~CallKind.INLINE`.
    - Async generator functions are :attr:`~CallKind.INLINE`: calling one
      runs none of its code, it only makes an async iterator (a streaming
      response body), which is then iterated on the loop.
    - A plain function with a ``__wrapped__`` chain (a ``functools.wraps``
      decorator) is :attr:`~CallKind.ASYNC` when the function at the end of
      the chain is: a sync wrapper around a coroutine function returns its
      coroutine, which only a loop can run. Such a wrapper may also return a
      plain value instead (a login check answering with a redirect), so
      callers of ASYNC functions await the result only if it is awaitable.
      A sync wrapper around a :func:`loop_safe` function is
      :attr:`~CallKind.SYNC`: the wrapper's own code may block; mark it too.
      Callable objects are judged by their ``__call__`` alone, so asgiref's
      ``async_to_sync(f)`` (an object wrapping ``f``) is SYNC, as it is.
    - A class-based view's ``as_view`` function is judged by its
      ``view_class``: ``dispatch_request``, or, for a ``MethodView`` that
      keeps the stock ``dispatch_request``, the handler for ``method``
      (``head`` falls back to ``get``). Without ``method`` a MethodView is
      the kind all its handlers share, and SYNC when they differ (ask per
      method then). A class with ``decorators`` is SYNC: they wrap a sync
      function. Note that the ``as_view`` function itself runs async
      handlers through the app's ``ensure_sync``; an adapter that awaits
      them must call the handler, not that function.
    - Everything else is :attr:`~CallKind.SYNC`.

    :param f: a view, hook or handler.
    :param method: for class-based views, the request method (any case).
    """
    view_class = getattr(f, "view_class", None)
    if isinstance(view_class, type) and not _marked(f):
        return _classify_view_class(view_class, method)
    return _classify(f)


def _classify(f: t.Callable[..., t.Any]) -> CallKind:
    behind_wrapper = False
    kind = CallKind.SYNC
    for _ in range(_MAX_UNWRAP):
        if _marked(f):
            kind = CallKind.INLINE
        elif _is_coroutine_function(f):
            kind = CallKind.ASYNC
        elif inspect.isasyncgenfunction(f):
            kind = CallKind.INLINE
        elif isinstance(f, functools.partial):
            f = f.func
            continue
        elif inspect.ismethod(f):
            f = f.__func__
            continue
        elif inspect.isfunction(f):
            inner = getattr(f, "__wrapped__", None)
            if inner is not None:
                behind_wrapper = True
                f = inner
                continue
        elif callable(f) and not isinstance(f, type):
            # A callable object: its class's __call__ says. (Calling a class
            # constructs an instance: sync.)
            call = type(f).__call__
            if _is_coroutine_function(call):
                kind = CallKind.ASYNC
            elif _marked(call):
                kind = CallKind.INLINE
        break
    if behind_wrapper and kind is not CallKind.ASYNC:
        return CallKind.SYNC
    return kind


def _classify_view_class(cls: type, method: str | None) -> CallKind:
    if getattr(cls, "decorators", None):
        return CallKind.SYNC
    dispatch = getattr(cls, "dispatch_request", None)
    if dispatch is None:
        return CallKind.SYNC
    if not _is_stock_method_dispatch(dispatch):
        return _classify(dispatch)
    # A MethodView: framework.views (layer 3) can't be imported from here,
    # so it is recognised by its dispatch_request.
    if method is not None:
        name = method.lower()
        if not hasattr(cls, name) and name == "head":
            name = "get"
        handler = getattr(cls, name, None)
        return CallKind.SYNC if handler is None else _classify(handler)
    kinds = {
        _classify(getattr(cls, name))
        for name in _HTTP_METHODS
        if callable(getattr(cls, name, None))
    }
    return kinds.pop() if len(kinds) == 1 else CallKind.SYNC


def _is_stock_method_dispatch(dispatch: t.Any) -> bool:
    return (
        getattr(dispatch, "__module__", None) == "framework.views"
        and getattr(dispatch, "__qualname__", None) == "MethodView.dispatch_request"
    )


def _marked(f: object) -> bool:
    return getattr(f, _LOOP_SAFE, None) is getattr(f, "__func__", f)


def _is_coroutine_function(f: object) -> bool:
    return inspect.iscoroutinefunction(f) or (
        getattr(f, "_is_coroutine", None) is _COROUTINE_MARK
    )


def _name(f: object) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


# --------------------------------------------------------------------------
# Context variables across threads

#: The framework's own variables: never copied back after a hop, so that a
#: context pushed (and, by a stream, left pushed) in a worker thread does
#: not become the active one in the loop's task.
FRAMEWORK_VARS: frozenset[contextvars.ContextVar[t.Any]] = frozenset(
    {_cv_context, _cv_request_below}
)


def _copy_back(
    context: contextvars.Context,
    exclude: t.Container[contextvars.ContextVar[t.Any]],
) -> None:
    """Set, in the current context, each variable whose value in
    ``context`` differs from the current one. Compared by identity: a
    user's ``__eq__`` must not run (nor fail) here. A variable reset to
    unset in ``context`` stays set: a ContextVar can't be unset without its
    token."""
    missing = _MISSING
    for var, value in context.items():
        if var.get(missing) is not value and var not in exclude:
            var.set(value)


_MISSING: t.Any = object()


class _ForkAware(t.Protocol):
    def _after_fork(self) -> None: ...


def _forget_after_fork(instance: _ForkAware) -> None:
    """Call ``instance._after_fork()`` in the child after each
    :func:`os.fork`, for as long as ``instance`` lives."""
    ref = weakref.ref(instance)

    def after_in_child() -> None:
        alive = ref()
        if alive is not None:
            alive._after_fork()

    os.register_at_fork(after_in_child=after_in_child)


# --------------------------------------------------------------------------
# ThreadHop: sync code from async code


class ThreadHopFull(RuntimeError):
    """A :class:`ThreadHop` has ``max_pending`` calls waiting for a thread
    already; the ASGI adapter answers 503 Service Unavailable."""


#: Set in the context a hop's function runs in: the bridge to the loop
#: that awaits it.
_cv_bridge: contextvars.ContextVar[LoopBridge] = contextvars.ContextVar(
    "framework.loop_bridge"
)


#: What a bridged coroutine's changes never overwrite in the hop thread.
_NOT_BRIDGED_BACK: frozenset[contextvars.ContextVar[t.Any]] = FRAMEWORK_VARS | {
    _cv_bridge
}


class _Call:
    """One queued call of :meth:`ThreadHop.run`."""

    __slots__ = ("args", "cancelled", "context", "fn", "future", "loop")

    def __init__(
        self,
        fn: t.Callable[..., t.Any],
        args: tuple[t.Any, ...],
        context: contextvars.Context,
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[t.Any],
    ) -> None:
        self.fn = fn
        self.args = args
        self.context = context
        self.loop = loop
        self.future = future
        # Written by the loop when the awaiting task is cancelled before a
        # thread takes the call: the thread then skips it.
        self.cancelled = False


def _default_threads() -> int:
    cpus = os.cpu_count() or 1
    return max(40, cpus + 4)


class ThreadHop:
    """A bounded pool of threads that async code hands sync functions to.

    Each call runs in a copy of the caller's :class:`contextvars.Context`;
    when it returns (or raises), the variables it changed are set in the
    caller's context, except ``exclude`` (by default the framework's own
    context variable, which a hop pushes and pops itself). In a child
    process made by :func:`os.fork` the pool starts empty and makes new
    threads as calls come.

    :param max_threads: the most threads running calls at once. The default
        is 40 (``ASGI_THREADS``), or the CPU count plus 4 on machines with
        more than 36 CPUs. The threads run sync views, which mostly wait on
        IO (a database, an HTTP API) holding no GIL, so the bound is about
        how many slow requests may wait at once, not about cores: 40 is
        what Starlette and FastAPI users get from anyio, so a sync view is
        no less concurrent here; a thread that waits costs little memory.
        ``min(32, cpus + 4)``, asyncio's default, would be 6 on a 2-core
        machine: six slow requests would stall every other sync one.
    :param max_pending: how many calls may wait for a free thread before
        :meth:`run` raises :class:`ThreadHopFull`; default 8 times
        ``max_threads``, so that a burst queues but an overload is answered
        quickly with 503 instead of piling up timeouts.
    :param exclude: context variables never copied back to the caller.
    :param name: the prefix of the threads' names.
    :param idle_timeout: seconds a thread waits for a call before it ends
        (a new one starts when calls come again), so that a pool nobody
        uses any more, or a burst that is over, holds no threads.
    """

    def __init__(
        self,
        max_threads: int | None = None,
        max_pending: int | None = None,
        *,
        exclude: t.Iterable[contextvars.ContextVar[t.Any]] = FRAMEWORK_VARS,
        name: str = "framework-hop",
        idle_timeout: float = 30.0,
    ) -> None:
        if max_threads is None:
            max_threads = _default_threads()
        if max_threads < 1:
            raise ValueError(f"max_threads must be at least 1, not {max_threads}")
        if max_pending is None:
            max_pending = 8 * max_threads
        if max_pending < 0:
            raise ValueError(f"max_pending must be 0 or more, not {max_pending}")
        self.max_threads = max_threads
        self.max_pending = max_pending
        self.exclude = frozenset(exclude) | {_cv_bridge}
        self.name = name
        self.idle_timeout = idle_timeout
        self._lock = threading.Lock()
        # PERF: a SimpleQueue (C) wakes a waiting thread faster than a
        # threading.Condition; the counters below are kept under _lock.
        self._work: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()
        self._queued = 0
        self._threads: set[threading.Thread] = set()
        self._idle = 0
        self._closed = False
        self._all_exited = threading.Event()
        self._all_exited.set()
        self._bridges: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, LoopBridge
        ] = weakref.WeakKeyDictionary()
        _forget_after_fork(self)

    def _after_fork(self) -> None:
        # In a forked child the pool's threads are gone, its queued calls
        # belong to the parent's loop, and the lock may be held by a thread
        # that is gone: start over, empty (and, if shut down, still shut).
        self._lock = threading.Lock()
        self._work = queue.SimpleQueue()
        self._queued = 0
        self._threads.clear()
        self._idle = 0
        self._all_exited = threading.Event()
        self._all_exited.set()
        self._bridges = weakref.WeakKeyDictionary()

    @property
    def pending(self) -> int:
        """How many calls wait for a thread now."""
        return self._queued

    @property
    def threads(self) -> int:
        """How many threads the pool has started and not yet ended."""
        return len(self._threads)

    async def run(
        self, fn: t.Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Call ``fn(*args, **kwargs)`` in a thread of the pool and return
        its result, or raise its exception (with the thread's traceback).

        If the awaiting task is cancelled, the call is dropped if no thread
        has taken it yet; otherwise the thread keeps running it to the end
        (Python can't stop a thread), and its result or error is discarded,
        its context changes not copied back.

        :raise ThreadHopFull: ``max_pending`` calls are already waiting.
        :raise RuntimeError: the pool is shut down.
        """
        loop = asyncio.get_running_loop()
        if kwargs:
            fn = functools.partial(fn, **kwargs)
        context = contextvars.copy_context()
        context.run(_cv_bridge.set, self._bridge(loop))
        future: asyncio.Future[R] = loop.create_future()
        call = _Call(fn, args, context, loop, future)
        with self._lock:
            if self._closed:
                raise RuntimeError("This ThreadHop is shut down.")
            # Calls that neither an idle thread nor a new one will take.
            waiting = (
                self._queued - self._idle - (self.max_threads - len(self._threads))
            )
            if waiting >= self.max_pending:
                raise ThreadHopFull(
                    f"{waiting} calls already wait for one of {self.max_threads}"
                    f" busy threads (max_pending={self.max_pending})"
                )
            self._queued += 1
            if self._queued > self._idle and len(self._threads) < self.max_threads:
                self._start_thread()
            # Under the lock, so that shutdown's end markers come after it.
            self._work.put(call)
        try:
            result = await future
        except asyncio.CancelledError:
            call.cancelled = True
            raise
        except BaseException:
            _copy_back(context, self.exclude)
            # The error's traceback holds this frame: without the future
            # (and the call holding it) that holds the error, the frame and
            # the error are no reference cycle, freed without the collector.
            del future, call
            raise
        _copy_back(context, self.exclude)
        return result

    def _bridge(self, loop: asyncio.AbstractEventLoop) -> LoopBridge:
        bridge = self._bridges.get(loop)
        if bridge is None:
            bridge = self._bridges[loop] = LoopBridge(loop)
        return bridge

    def _start_thread(self) -> None:
        # Called with the lock held. The new thread counts as idle from now,
        # so that the next call doesn't start another one for the same work.
        thread = threading.Thread(
            target=self._worker,
            name=f"{self.name}-{len(self._threads)}",
            daemon=True,
        )
        self._threads.add(thread)
        self._idle += 1
        self._all_exited.clear()
        thread.start()

    def _worker(self) -> None:
        # Daemon threads: a view stuck forever must not keep the process
        # from exiting; shutdown() waits for them, with a timeout.
        lock, work, idle_timeout = self._lock, self._work, self.idle_timeout
        try:
            while True:
                try:
                    call = work.get(timeout=idle_timeout)
                except queue.Empty:
                    with lock:
                        # Calls are queued under the lock: none is waiting
                        # for this thread if none is queued now.
                        if self._queued == 0:
                            self._idle -= 1
                            return
                    continue
                with lock:
                    self._queued -= 1
                    self._idle -= 1
                if call is None:
                    return
                if not call.cancelled:
                    _execute(call)
                del call
                with lock:
                    self._idle += 1
        finally:
            with lock:
                self._threads.discard(threading.current_thread())
                if not self._threads:
                    self._all_exited.set()

    async def shutdown(self, timeout: float | None = None) -> bool:
        """Refuse new calls, let the queued ones run, end the threads.

        :param timeout: seconds to wait for the threads; ``None`` waits as
            long as they run.
        :return: whether every thread ended in time. Threads still running
            a call are daemon threads: they don't keep the process alive.
        """
        with self._lock:
            self._closed = True
            for _ in range(len(self._threads)):
                self._queued += 1
                self._work.put(None)
        if self._all_exited.is_set():
            return True
        loop = asyncio.get_running_loop()
        # A short-lived thread waits, so that the loop stays free.
        waiter = loop.create_future()

        def wait() -> None:
            done = self._all_exited.wait(timeout)
            # The loop may have closed meanwhile: nobody waits then.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, waiter, True, done)

        threading.Thread(target=wait, name=f"{self.name}-shutdown", daemon=True).start()
        return bool(await waiter)


def _execute(call: _Call) -> None:
    """Run a call in this thread and hand its outcome to its loop."""
    ok = True
    fn, args = call.fn, call.args
    # Dropped before the outcome is handed over, so that once the awaiting
    # task resumes this thread holds nothing of the call (a request
    # context, and through it the app) while it waits for the next one.
    call.args = ()
    try:
        value: t.Any = call.context.run(fn, *args)
    except StopIteration as error:
        # A Future refuses StopIteration (it would end a generator).
        ok, value = False, RuntimeError(f"{_name(fn)} raised StopIteration")
        value.__cause__ = error
    except BaseException as error:  # handed to the awaiting task
        ok, value = False, error
    del fn, args
    # A closed loop has nobody waiting for this outcome any more.
    with contextlib.suppress(RuntimeError):
        call.loop.call_soon_threadsafe(_settle, call.future, ok, value)


def _settle(future: asyncio.Future[t.Any], ok: bool, value: t.Any) -> None:
    # Runs on the loop. A cancelled waiter has gone: drop the outcome.
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


# --------------------------------------------------------------------------
# Coroutines from sync code


class LoopBridge:
    """Runs coroutines on an event loop from another thread, and waits.

    A :class:`ThreadHop` makes one per loop and sets it in the context of
    the functions it runs, so that an async view or hook met inside a hop
    runs on the server's loop: :meth:`current` finds it.

    :param loop: the loop coroutines run on.
    """

    __slots__ = ("__weakref__", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    @staticmethod
    def current() -> LoopBridge | None:
        """The bridge to the loop that started the running hop, or ``None``
        outside a hop."""
        return _cv_bridge.get(None)

    def run(self, coro: t.Awaitable[R], /) -> R:
        """Run ``coro`` on the loop in a copy of the current context, wait,
        copy its context changes back, and return its result. Any awaitable
        is accepted: an ASGI server's ``send`` may return one that is not a
        coroutine (granian's does).

        :raise RuntimeError: called on the loop's own thread (it would wait
            for itself forever).
        """
        return _run_on(self.loop, coro, _NOT_BRIDGED_BACK)


async def _awaited(awaitable: t.Awaitable[R]) -> R:
    return await awaitable


def _run_on(
    loop: asyncio.AbstractEventLoop,
    coro: t.Awaitable[R],
    exclude: t.Container[contextvars.ContextVar[t.Any]],
) -> R:
    """Run ``coro`` as a task of ``loop`` (running in another thread) and
    block this thread until it ends."""
    if not asyncio.iscoroutine(coro):
        # A task needs a coroutine; a Future or custom awaitable is awaited
        # by one.
        coro = _awaited(coro)
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None:
        coro.close()
        where = "its own loop" if running is loop else "a running event loop"
        raise RuntimeError(
            f"Can't block on a coroutine from {where}: the loop would wait for"
            " itself. From async code, 'await' the coroutine instead."
        )
    context = contextvars.copy_context()
    # A bare lock is the cheapest thing a thread can block on.
    done = _thread.allocate_lock()
    done.acquire()
    box: list[asyncio.Task[R]] = []

    def start() -> None:
        task = loop.create_task(coro, context=context)
        box.append(task)
        task.add_done_callback(lambda _: done.release())

    try:
        loop.call_soon_threadsafe(start)
    except RuntimeError:
        coro.close()
        raise
    try:
        done.acquire()
    except BaseException:
        # Interrupted (KeyboardInterrupt in the main thread): stop the task.
        if box:
            loop.call_soon_threadsafe(box[0].cancel)
        raise
    task = box.pop()
    try:
        return task.result()
    finally:
        if not task.cancelled():
            _copy_back(context, exclude)
        # A raised error's traceback holds this frame, and the task holds
        # the error: no cycle once the frame lets go of the task.
        del task


class BackgroundLoop:
    """One event loop in a daemon thread, started on first use, that sync
    code hands coroutines to: async views and hooks under a WSGI server.

    A new loop per call (asgiref's ``async_to_sync``) costs several hundred
    microseconds; a loop that stays costs a thread switch. Any number of
    threads may call :meth:`run` at once: their coroutines run concurrently
    on the one loop. After :func:`os.fork` the child has no loop thread, so
    the first call there starts a new one.

    :param name: the loop thread's name.
    """

    _shared: t.ClassVar[BackgroundLoop | None] = None
    _shared_lock: t.ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, name: str = "framework-loop") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0
        _forget_after_fork(self)

    @classmethod
    def shared(cls) -> BackgroundLoop:
        """The process's background loop, made on first use."""
        instance = cls._shared
        if instance is None:
            with cls._shared_lock:
                instance = cls._shared
                if instance is None:
                    instance = cls._shared = cls()
        return instance

    def _after_fork(self) -> None:
        # In the child only the forking thread exists: the loop thread is
        # gone and the lock may have been held by a thread that is gone too.
        # The old loop is dropped, not closed: it still looks running.
        self._lock = threading.Lock()
        self._loop = None
        self._thread = None
        self._pid = 0

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop, started if it is not running in this process."""
        loop = self._loop
        if loop is not None and self._pid == os.getpid():
            return loop
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._start()
            assert self._loop is not None
            return self._loop

    def _start(self) -> None:
        loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(started.set)
            try:
                loop.run_forever()
            finally:
                loop.close()

        thread = threading.Thread(target=serve, name=self.name, daemon=True)
        thread.start()
        started.wait()
        self._loop, self._thread, self._pid = loop, thread, os.getpid()

    def run(self, coro: t.Coroutine[t.Any, t.Any, R], /) -> R:
        """Run ``coro`` on the loop in a copy of the current context, wait
        for it, copy its context changes back, and return its result or
        raise its exception.

        :raise RuntimeError: called from a thread running an event loop
            (the loop's own thread, or async code elsewhere): it would block
            that loop, or wait for itself forever. Await the coroutine there.
        """
        return _run_on(self.loop, coro, FRAMEWORK_VARS)

    def close(self, timeout: float | None = None) -> None:
        """Stop the loop and wait for its thread; a later :meth:`run` starts
        a new one.

        :param timeout: seconds to wait for the thread.
        """
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None or self._pid != os.getpid():
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)


def as_coroutine_function(
    func: t.Callable[..., R],
) -> t.Callable[..., t.Coroutine[t.Any, t.Any, R]]:
    """A coroutine function that calls the sync ``func`` on the loop: what
    blinker's ``send_async`` takes to send a signal to sync receivers from
    async code (the receivers run on the loop, so a slow one blocks it)."""

    async def call(*args: t.Any, **kwargs: t.Any) -> R:
        return func(*args, **kwargs)

    return call


def run_coroutine(coro: t.Coroutine[t.Any, t.Any, R], /) -> R:
    """Run ``coro`` to completion from sync code: on the server's loop when
    called inside a :class:`ThreadHop` call, else on the process's
    :class:`BackgroundLoop`.

    :raise RuntimeError: called from a thread running an event loop.
    """
    bridge = _cv_bridge.get(None)
    if bridge is not None and not bridge.loop.is_closed():
        return bridge.run(coro)
    return BackgroundLoop.shared().run(coro)
