"""framework.concurrency: classifying callables, ThreadHop, LoopBridge and
BackgroundLoop."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import os
import signal
import sys
import threading
import time
import traceback
import typing as t

import pytest

from framework import App
from framework.concurrency import (
    BackgroundLoop,
    CallKind,
    LoopBridge,
    ThreadHop,
    ThreadHopFull,
    classify,
    loop_safe,
    run_coroutine,
)
from framework.ctx import _cv_context
from framework.views import MethodView, View

var: contextvars.ContextVar[str] = contextvars.ContextVar("test_concurrency.var")
other: contextvars.ContextVar[str] = contextvars.ContextVar("test_concurrency.other")

T = t.TypeVar("T")


def run(coro: t.Coroutine[t.Any, t.Any, T]) -> T:
    """Run a test coroutine in a fresh context, so tests don't share vars."""
    return contextvars.Context().run(asyncio.run, coro)


# --------------------------------------------------------------------------
# classify


def plain() -> str:
    return "plain"


async def coroutine_function() -> str:
    return "async"


async def async_generator() -> t.AsyncIterator[bytes]:
    yield b"chunk"


def sync_decorator(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    @functools.wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        return f(*args, **kwargs)

    return wrapper


class AsyncCallable:
    async def __call__(self) -> str:
        return "called"


class SyncCallable:
    def __call__(self) -> str:
        return "called"


class LoopSafeCallable:
    @loop_safe
    def __call__(self) -> str:
        return "called"


def test_classify_plain_and_async_functions() -> None:
    assert classify(plain) is CallKind.SYNC
    assert classify(coroutine_function) is CallKind.ASYNC


def test_classify_lambda_and_builtin_are_sync() -> None:
    assert classify(lambda: 1) is CallKind.SYNC
    assert classify(len) is CallKind.SYNC
    assert classify(dict) is CallKind.SYNC


def test_classify_partials() -> None:
    assert classify(functools.partial(plain)) is CallKind.SYNC
    assert classify(functools.partial(coroutine_function)) is CallKind.ASYNC
    nested = functools.partial(functools.partial(coroutine_function))
    assert classify(nested) is CallKind.ASYNC


def test_classify_wraps_decorated_async_function_is_async() -> None:
    decorated = sync_decorator(sync_decorator(coroutine_function))
    assert not asyncio.iscoroutinefunction(decorated)
    assert classify(decorated) is CallKind.ASYNC


def test_classify_wraps_decorated_sync_function_is_sync() -> None:
    assert classify(sync_decorator(plain)) is CallKind.SYNC


def test_classify_wrapper_around_loop_safe_function_is_sync() -> None:
    # The wrapper's own code may block; the mark is not inherited through
    # functools.wraps copying __dict__.
    inner = loop_safe(lambda: 1)
    assert classify(inner) is CallKind.INLINE
    assert classify(sync_decorator(inner)) is CallKind.SYNC
    assert classify(loop_safe(sync_decorator(inner))) is CallKind.INLINE


def test_classify_wrapped_cycle_ends() -> None:
    def f() -> None: ...

    f.__wrapped__ = f  # type: ignore[attr-defined]
    assert classify(f) is CallKind.SYNC


def test_classify_callable_objects() -> None:
    assert classify(AsyncCallable()) is CallKind.ASYNC
    assert classify(SyncCallable()) is CallKind.SYNC
    assert classify(LoopSafeCallable()) is CallKind.INLINE
    assert classify(AsyncCallable) is CallKind.SYNC  # calling it constructs


def test_classify_bound_methods() -> None:
    class Thing:
        async def a(self) -> None: ...

        def s(self) -> None: ...

        @loop_safe
        def i(self) -> None: ...

    thing = Thing()
    assert classify(thing.a) is CallKind.ASYNC
    assert classify(thing.s) is CallKind.SYNC
    assert classify(thing.i) is CallKind.INLINE


def test_classify_asgiref_wrappers_by_what_they_do() -> None:
    asgiref_sync = pytest.importorskip("asgiref.sync")
    # async_to_sync(f) is a sync callable object wrapping f.
    assert classify(asgiref_sync.async_to_sync(coroutine_function)) is CallKind.SYNC
    assert classify(asgiref_sync.sync_to_async(plain)) is CallKind.ASYNC


def test_classify_async_generator_function_is_inline() -> None:
    # Calling it runs none of its code: it makes an async iterator.
    assert classify(async_generator) is CallKind.INLINE


def test_loop_safe_marks_and_returns_the_function() -> None:
    def hook() -> None: ...

    assert loop_safe(hook) is hook
    assert classify(hook) is CallKind.INLINE
    assert classify(functools.partial(hook)) is CallKind.INLINE


def test_loop_safe_refuses_async_functions() -> None:
    with pytest.raises(TypeError, match="is async"):
        loop_safe(coroutine_function)


class SyncView(View):
    def dispatch_request(self, **kwargs: t.Any) -> str:
        return "sync"


class AsyncView(View):
    async def dispatch_request(self, **kwargs: t.Any) -> str:  # type: ignore[override]
        return "async"


class DecoratedAsyncView(View):
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = [sync_decorator]

    async def dispatch_request(self, **kwargs: t.Any) -> str:  # type: ignore[override]
        return "async"


class AsyncMethods(MethodView):
    async def get(self) -> str:
        return "get"

    async def post(self) -> str:
        return "post"


class MixedMethods(MethodView):
    def get(self) -> str:
        return "get"

    async def post(self) -> str:
        return "post"

    @loop_safe
    def put(self) -> str:
        return "put"


def test_classify_view_class_by_dispatch_request() -> None:
    assert classify(SyncView.as_view("s")) is CallKind.SYNC
    assert classify(AsyncView.as_view("a")) is CallKind.ASYNC
    assert classify(AsyncView.as_view("a"), "GET") is CallKind.ASYNC


def test_classify_view_class_with_decorators_is_sync() -> None:
    assert classify(DecoratedAsyncView.as_view("d")) is CallKind.SYNC


def test_classify_method_view_by_method() -> None:
    view = MixedMethods.as_view("m")
    assert classify(view, "GET") is CallKind.SYNC
    assert classify(view, "head") is CallKind.SYNC  # falls back to get
    assert classify(view, "POST") is CallKind.ASYNC
    assert classify(view, "put") is CallKind.INLINE
    assert classify(view, "DELETE") is CallKind.SYNC  # no handler: 405 path
    assert classify(view) is CallKind.SYNC  # mixed: ask per method


def test_classify_method_view_all_async() -> None:
    view = AsyncMethods.as_view("m")
    assert classify(view) is CallKind.ASYNC
    assert classify(view, "HEAD") is CallKind.ASYNC


def test_classify_loop_safe_as_view_function_is_inline() -> None:
    assert classify(loop_safe(SyncView.as_view("s"))) is CallKind.INLINE


# --------------------------------------------------------------------------
# ThreadHop


def test_hop_runs_in_another_thread_and_returns() -> None:
    async def main() -> tuple[int, int]:
        hop = ThreadHop(2)
        try:
            return threading.get_ident(), await hop.run(threading.get_ident)
        finally:
            await hop.shutdown(5)

    here, there = run(main())
    assert here != there


def test_hop_passes_keyword_arguments() -> None:
    async def main() -> str:
        hop = ThreadHop(1)
        try:
            return await hop.run("{a}-{b}".format, a=1, b=2)
        finally:
            await hop.shutdown(5)

    assert run(main()) == "1-2"


def test_hop_copies_context_in_and_changes_back() -> None:
    def inside() -> str:
        seen = var.get()
        var.set("set inside")
        return seen

    async def main() -> tuple[str, str]:
        hop = ThreadHop(1)
        var.set("set by caller")
        try:
            seen = await hop.run(inside)
            return seen, var.get()
        finally:
            await hop.shutdown(5)

    assert run(main()) == ("set by caller", "set inside")


def test_hop_copies_back_a_variable_first_set_inside() -> None:
    async def main() -> str:
        hop = ThreadHop(1)
        try:
            await hop.run(other.set, "new")
            return other.get("unset")
        finally:
            await hop.shutdown(5)

    assert run(main()) == "new"


def test_hop_excluded_variable_is_not_copied_back() -> None:
    def inside() -> None:
        var.set("inside")
        other.set("inside")

    async def main() -> tuple[str, str]:
        hop = ThreadHop(1, exclude={var})
        var.set("outside")
        other.set("outside")
        try:
            await hop.run(inside)
            return var.get(), other.get()
        finally:
            await hop.shutdown(5)

    assert run(main()) == ("outside", "inside")


def test_hop_does_not_copy_back_the_framework_context() -> None:
    app = App(__name__)

    def push() -> bool:
        # Left pushed on purpose, as a stream would.
        app.app_context().push()
        return _cv_context.get(None) is not None

    async def main() -> tuple[bool, bool]:
        hop = ThreadHop(1)
        try:
            pushed = await hop.run(push)
            return pushed, _cv_context.get(None) is None
        finally:
            await hop.shutdown(5)

    assert run(main()) == (True, True)


def test_hop_copies_back_changes_made_before_an_exception() -> None:
    def fail() -> None:
        var.set("before the error")
        raise KeyError("boom")

    async def main() -> str:
        hop = ThreadHop(1)
        try:
            with pytest.raises(KeyError, match="boom"):
                await hop.run(fail)
            return var.get()
        finally:
            await hop.shutdown(5)

    assert run(main()) == "before the error"


def test_hop_exception_keeps_the_threads_traceback() -> None:
    def failing_in_thread() -> None:
        raise ValueError("from the thread")

    async def main() -> BaseException:
        hop = ThreadHop(1)
        try:
            await hop.run(failing_in_thread)
        except ValueError as error:
            return error
        finally:
            await hop.shutdown(5)
        raise AssertionError("no error")

    error = run(main())
    frames = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
    assert "failing_in_thread" in frames
    assert "main" in frames


def test_hop_stop_iteration_becomes_runtime_error() -> None:
    async def main() -> None:
        hop = ThreadHop(1)
        try:
            await hop.run(next, iter(()))
        finally:
            await hop.shutdown(5)

    with pytest.raises(RuntimeError, match="StopIteration"):
        run(main())


def test_hop_raises_full_past_max_pending() -> None:
    release = threading.Event()

    async def main() -> None:
        hop = ThreadHop(1, max_pending=1)
        busy = asyncio.ensure_future(hop.run(release.wait, 10))
        await asyncio.sleep(0.05)  # the one thread takes it
        queued = asyncio.ensure_future(hop.run(lambda: "queued"))
        await asyncio.sleep(0)
        try:
            with pytest.raises(ThreadHopFull, match="max_pending=1"):
                await hop.run(lambda: "one too many")
        finally:
            release.set()
        assert await busy is True
        assert await queued == "queued"
        # Room again once the queue drained.
        assert await hop.run(lambda: "after") == "after"
        assert await hop.shutdown(5)

    run(main())


def test_hop_max_pending_zero_refuses_when_all_threads_busy() -> None:
    release = threading.Event()

    async def main() -> None:
        hop = ThreadHop(2, max_pending=0)
        busy = [asyncio.ensure_future(hop.run(release.wait, 10)) for _ in range(2)]
        await asyncio.sleep(0.05)
        with pytest.raises(ThreadHopFull):
            await hop.run(lambda: None)
        release.set()
        assert await asyncio.gather(*busy) == [True, True]
        assert await hop.shutdown(5)

    run(main())


def test_hop_never_starts_more_than_max_threads() -> None:
    seen: set[int] = set()
    lock = threading.Lock()

    def work() -> None:
        with lock:
            seen.add(threading.get_ident())
        time.sleep(0.01)

    async def main() -> int:
        hop = ThreadHop(3, max_pending=100)
        await asyncio.gather(*(hop.run(work) for _ in range(30)))
        threads = hop.threads
        await hop.shutdown(5)
        return threads

    assert run(main()) <= 3
    assert 1 < len(seen) <= 3


def test_hop_cancelled_while_running_discards_the_outcome() -> None:
    started = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    def slow() -> None:
        started.set()
        release.wait(10)
        var.set("changed after cancel")
        finished.set()
        raise ValueError("nobody sees this")

    async def main() -> str:
        hop = ThreadHop(1)
        loop = asyncio.get_running_loop()
        errors: list[dict[str, t.Any]] = []
        loop.set_exception_handler(lambda _, context: errors.append(context))
        var.set("before")
        task = asyncio.ensure_future(hop.run(slow))
        await asyncio.to_thread(started.wait, 10)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The thread keeps running the call to its end...
        release.set()
        await asyncio.to_thread(finished.wait, 10)
        await asyncio.sleep(0.05)
        # ...and the pool still works.
        assert await hop.run(lambda: 7) == 7
        assert await hop.shutdown(5)
        assert errors == []
        return var.get()

    assert run(main()) == "before"


def test_hop_cancelled_while_queued_is_never_run() -> None:
    release = threading.Event()
    ran: list[str] = []

    async def main() -> None:
        hop = ThreadHop(1)
        busy = asyncio.ensure_future(hop.run(release.wait, 10))
        await asyncio.sleep(0.05)
        queued = asyncio.ensure_future(hop.run(ran.append, "queued"))
        await asyncio.sleep(0)
        queued.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued
        release.set()
        await busy
        assert await hop.shutdown(5)

    run(main())
    assert ran == []


def test_hop_shutdown_runs_queued_calls_then_refuses() -> None:
    async def main() -> list[int]:
        hop = ThreadHop(1)
        results = [asyncio.ensure_future(hop.run(abs, n)) for n in range(5)]
        await asyncio.sleep(0)
        assert await hop.shutdown(5)
        assert hop.threads == 0
        with pytest.raises(RuntimeError, match="shut down"):
            await hop.run(lambda: None)
        return list(await asyncio.gather(*results))

    assert run(main()) == [0, 1, 2, 3, 4]


def test_hop_shutdown_times_out_on_a_stuck_call() -> None:
    release = threading.Event()

    async def main() -> None:
        hop = ThreadHop(1)
        stuck = asyncio.ensure_future(hop.run(release.wait, 10))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        assert await hop.shutdown(0.1) is False
        assert time.monotonic() - started < 5
        release.set()
        assert await stuck is True

    run(main())


def test_hop_shutdown_without_threads() -> None:
    async def main() -> bool:
        return await ThreadHop(1).shutdown(1)

    assert run(main()) is True


def test_hop_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError, match="max_threads"):
        ThreadHop(0)
    with pytest.raises(ValueError, match="max_pending"):
        ThreadHop(1, max_pending=-1)


def test_hop_default_size() -> None:
    hop = ThreadHop()
    assert hop.max_threads == max(40, (os.cpu_count() or 1) + 4)
    assert hop.max_pending == 8 * hop.max_threads


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* multi-threaded:DeprecationWarning")
def test_hop_after_fork_starts_new_threads() -> None:
    hop = ThreadHop(2)

    async def in_parent() -> int:
        return await hop.run(threading.get_ident)

    async def in_child() -> str:
        var.set("set in the child")
        return await hop.run(var.get)

    assert run(in_parent()) != threading.get_ident()
    assert hop.threads == 1
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            signal.alarm(10)  # a hang ends the child too
            if hop.threads == 0 and run(in_child()) == "set in the child":
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's pool is untouched.
    assert hop.threads == 1
    assert run(hop.shutdown(5))


# --------------------------------------------------------------------------
# LoopBridge and run_coroutine


def test_bridge_runs_coroutines_on_the_hops_loop() -> None:
    async def where() -> int:
        var.set("set by coroutine")
        return threading.get_ident()

    def in_thread() -> tuple[int, str]:
        bridge = LoopBridge.current()
        assert bridge is not None
        ident = bridge.run(where())
        return ident, var.get()

    async def main() -> None:
        hop = ThreadHop(1)
        try:
            ident, seen = await hop.run(in_thread)
        finally:
            await hop.shutdown(5)
        assert ident == threading.get_ident()
        assert seen == "set by coroutine"
        # Copied back twice: coroutine -> hop thread -> caller.
        assert var.get() == "set by coroutine"

    run(main())


def test_bridge_is_none_outside_a_hop() -> None:
    assert LoopBridge.current() is None


def test_bridge_refuses_to_run_on_its_own_loop() -> None:
    async def main() -> None:
        bridge = LoopBridge(asyncio.get_running_loop())
        coro = coroutine_function()
        with pytest.raises(RuntimeError, match="its own loop"):
            bridge.run(coro)
        # Closed, so no "never awaited" warning.
        assert inspect.getcoroutinestate(coro) == inspect.CORO_CLOSED

    run(main())


def test_run_coroutine_uses_the_hops_loop_inside_a_hop() -> None:
    async def main() -> None:
        hop = ThreadHop(1)
        try:
            ident = await hop.run(run_coroutine, _ident())
        finally:
            await hop.shutdown(5)
        assert ident == threading.get_ident()

    run(main())


def test_run_coroutine_uses_the_background_loop_elsewhere() -> None:
    assert run_coroutine(_ident()) == BackgroundLoop.shared().run(_ident())
    assert run_coroutine(_ident()) != threading.get_ident()


async def _ident() -> int:
    return threading.get_ident()


# --------------------------------------------------------------------------
# BackgroundLoop


@pytest.fixture
def background() -> t.Iterator[BackgroundLoop]:
    loop = BackgroundLoop(name="test-loop")
    yield loop
    loop.close(5)


def test_background_returns_the_result(background: BackgroundLoop) -> None:
    assert background.run(coroutine_function()) == "async"


def test_background_loop_persists(background: BackgroundLoop) -> None:
    first = background.run(_ident())
    assert first != threading.get_ident()
    assert background.run(_ident()) == first


def test_background_starts_lazily() -> None:
    before = {thread.name for thread in threading.enumerate()}
    loop = BackgroundLoop(name="test-lazy-loop")
    assert "test-lazy-loop" not in before | {
        thread.name for thread in threading.enumerate()
    }
    loop.run(coroutine_function())
    assert "test-lazy-loop" in {thread.name for thread in threading.enumerate()}
    loop.close(5)


def test_background_exception_propagates(background: BackgroundLoop) -> None:
    async def failing_on_loop() -> None:
        await asyncio.sleep(0)
        raise LookupError("from the loop")

    with pytest.raises(LookupError, match="from the loop") as info:
        background.run(failing_on_loop())
    names = [frame.name for frame in traceback.extract_tb(info.value.__traceback__)]
    assert "failing_on_loop" in names


def test_background_context_in_and_out(background: BackgroundLoop) -> None:
    async def inside() -> str:
        seen = var.get()
        var.set("set on the loop")
        other.set("also set")
        return seen

    def main() -> tuple[str, str, str]:
        var.set("set by caller")
        seen = background.run(inside())
        return seen, var.get(), other.get()

    assert contextvars.Context().run(main) == (
        "set by caller",
        "set on the loop",
        "also set",
    )


def test_background_does_not_copy_back_the_framework_context(
    background: BackgroundLoop,
) -> None:
    app = App(__name__)

    async def push() -> None:
        app.app_context().push()

    def main() -> bool:
        background.run(push())
        return _cv_context.get(None) is None

    assert contextvars.Context().run(main)


def test_background_many_threads_at_once(background: BackgroundLoop) -> None:
    barrier = threading.Barrier(20)
    results: dict[int, tuple[int, str]] = {}
    errors: list[BaseException] = []

    async def work(n: int) -> tuple[int, str]:
        # All 20 are in flight together on the one loop.
        await asyncio.sleep(0.05)
        var.set(f"thread {n}")
        return n, var.get()

    def caller(n: int) -> None:
        try:
            barrier.wait(10)
            results[n] = background.run(work(n))
            assert var.get() == f"thread {n}"
        except BaseException as error:  # reported below
            errors.append(error)

    started = time.monotonic()
    threads = [
        threading.Thread(target=contextvars.Context().run, args=(caller, n))
        for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert results == {n: (n, f"thread {n}") for n in range(20)}
    # Concurrent on the loop, not one after another (20 x 0.05 s).
    assert time.monotonic() - started < 0.9


def test_background_refuses_its_own_loop_thread(background: BackgroundLoop) -> None:
    async def nested() -> str:
        inner = coroutine_function()
        try:
            background.run(inner)
        except RuntimeError as error:
            return str(error)
        return "no error"

    message = background.run(nested())
    assert "its own loop" in message
    assert "await" in message


def test_background_refuses_a_running_loop_in_the_caller() -> None:
    loop = BackgroundLoop(name="test-refuse-loop")

    async def main() -> None:
        with pytest.raises(RuntimeError, match="a running event loop"):
            loop.run(coroutine_function())

    run(main())
    loop.close(5)


def test_background_cancelled_coroutine_raises_cancelled(
    background: BackgroundLoop,
) -> None:
    async def cancelled() -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        background.run(cancelled())


def test_background_close_then_run_starts_again(background: BackgroundLoop) -> None:
    first = background.run(_ident())
    background.close(5)
    assert first not in {thread.ident for thread in threading.enumerate()}
    assert background.run(coroutine_function()) == "async"


def test_shared_is_one_per_process() -> None:
    assert BackgroundLoop.shared() is BackgroundLoop.shared()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore:This process .* multi-threaded:DeprecationWarning")
def test_background_after_fork_starts_a_new_loop(background: BackgroundLoop) -> None:
    parent_ident = background.run(_ident())
    # Forking a process with threads is what servers do (gunicorn's
    # preload); the warning Python 3.12 gives for it is expected (filtered).
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            # A hang (the dead parent thread's loop) ends the child too.
            signal.alarm(10)
            var.set("set in the child")
            if background.run(_read_var()) == "set in the child":
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's loop is untouched.
    assert background.run(_ident()) == parent_ident


async def _read_var() -> str:
    return var.get("unset")


def test_hop_result_keeps_the_functions_type() -> None:
    async def main() -> int:
        hop = ThreadHop(1)
        try:
            # ParamSpec: mypy checks the arguments against int's signature.
            value: int = await hop.run(int, "5")
            return value
        finally:
            await hop.shutdown(5)

    assert run(main()) == 5


if sys.version_info >= (3, 12):  # pragma: no cover - documents the marker

    def test_classify_reads_markcoroutinefunction() -> None:
        def returns_coroutine() -> t.Any:
            return coroutine_function()

        marked = inspect.markcoroutinefunction(returns_coroutine)
        assert classify(marked) is CallKind.ASYNC


def test_idle_threads_end_and_come_back_when_calls_do() -> None:
    hop = ThreadHop(max_threads=2, idle_timeout=0.05)

    async def main() -> tuple[int, int, int]:
        await asyncio.gather(hop.run(time.sleep, 0.01), hop.run(time.sleep, 0.01))
        busy = hop.threads
        deadline = time.monotonic() + 5
        while hop.threads and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        idle = hop.threads
        assert await hop.run(lambda: 42) == 42
        return busy, idle, hop.threads

    busy, idle, again = asyncio.run(main())
    assert busy == 2
    assert idle == 0
    assert again == 1
