"""The serving lifespan: code that runs once when a server starts serving
the app, and once when it stops.

Layer 2, a feature built on the contexts and :mod:`framework.concurrency`.
The app registers the hooks (:meth:`App.before_serving
<framework.App.before_serving>`, :meth:`~framework.App.after_serving`,
:meth:`~framework.App.while_serving`) into a :class:`ServingHooks`; this
module runs them:

- under an ASGI server, from its lifespan events (:func:`handle_lifespan`),
  or, when the server sends none, at the first request
  (:func:`ensure_started`, awaited by the ASGI adapter while
  :attr:`ServingHooks.started` is false);
- under a WSGI server, at the first request (:func:`start_at_first_request`,
  from ``App._freeze``) and at exit (:mod:`atexit`); ``framework serve``
  runs them around each worker process instead (:func:`serving`).

Startup and shutdown are written once, as coroutines; sync code runs them
on the process's :class:`~framework.concurrency.BackgroundLoop`. Sync hooks
run in a thread, never on a loop, so that they may block.

This module imports :mod:`asyncio` and :mod:`framework.concurrency` only
when a hook runs: an app without hooks loads nothing for them.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import typing as t
import weakref

if t.TYPE_CHECKING:  # pragma: no cover
    import asyncio
    from collections.abc import Awaitable, Iterator

    from .background import BackgroundTasks
    from .ctx import AppContext

__all__ = [
    "ServingCallable",
    "ServingHooks",
    "ShutdownFailed",
    "StartupFailed",
    "WhileServingCallable",
    "check_while_serving",
    "ensure_started",
    "find_app",
    "handle_lifespan",
    "run_shutdown",
    "run_startup",
    "serving",
    "shutdown",
    "start_at_first_request",
    "start_serving",
    "startup",
    "stop_serving",
]

#: A ``before_serving`` or ``after_serving`` function: takes nothing, sync
#: or async.
ServingCallable = t.Callable[[], object] | t.Callable[[], t.Awaitable[object]]
#: A ``while_serving`` function: an async generator function that yields
#: once.
WhileServingCallable = t.Callable[[], t.AsyncIterator[None]]

#: How deep :func:`find_app` follows ``__wrapped__`` chains.
_MAX_UNWRAP = 32


class ServingApp(t.Protocol):
    """What this module needs from the app: its serving hooks, a way to
    make an app context, and its logger and name for messages."""

    @property
    def serving_hooks(self) -> ServingHooks: ...
    @property
    def background_tasks_state(self) -> BackgroundTasks: ...
    @property
    def config(self) -> t.Any: ...
    @property
    def name(self) -> str: ...
    @property
    def logger(self) -> t.Any: ...
    def app_context(self) -> AppContext: ...


class StartupFailed(RuntimeError):
    """A serving startup hook raised; the message names it and says what
    happens next. The hook's exception is the ``__cause__``."""


class ShutdownFailed(RuntimeError):
    """One or more serving shutdown hooks raised (each was logged); the
    others ran all the same."""


class ServingHooks:
    """An app's serving hooks, and whether they ran in this process.

    :attr:`started` is what the request path reads (a plain attribute):
    true once startup has run, or when there was nothing to run.
    """

    __slots__ = (
        "__weakref__",
        "_async_lock",
        "_exit_registered",
        "_generators",
        "_lock",
        "after_serving_funcs",
        "before_serving_funcs",
        "started",
        "while_serving_gens",
    )

    def __init__(self) -> None:
        #: Run at startup, in registration order.
        self.before_serving_funcs: list[ServingCallable] = []
        #: Run at shutdown, in the reverse order of registration.
        self.after_serving_funcs: list[ServingCallable] = []
        #: Run to their ``yield`` at startup (after the ``before_serving``
        #: functions), resumed at shutdown (after the ``after_serving``
        #: functions), in reverse order.
        self.while_serving_gens: list[WhileServingCallable] = []
        #: Whether startup has run and shutdown not yet.
        self.started = False
        # The generators the last startup left at their yield.
        self._generators: list[t.AsyncGenerator[None, None]] = []
        # One startup or shutdown at a time, across threads and loops.
        self._lock = threading.Lock()
        self._async_lock: asyncio.Lock | None = None
        self._exit_registered = False

    def __bool__(self) -> bool:
        """Whether any hook is registered."""
        return bool(
            self.before_serving_funcs
            or self.after_serving_funcs
            or self.while_serving_gens
        )


# --------------------------------------------------------------------------
# Startup and shutdown, once


def check_while_serving(f: object) -> None:
    """Refuse what can't be a ``while_serving`` function.

    :raise TypeError: ``f`` is not an async generator function.
    """
    if not inspect.isasyncgenfunction(f):
        raise TypeError(
            "while_serving takes an async generator function ('async def'"
            f" with one 'yield'), not {f!r}; use before_serving or"
            " after_serving for a plain function."
        )


def _name(f: object) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


async def _call(f: ServingCallable) -> None:
    """Call a hook: a coroutine function (or one marked loop-safe) on the
    running loop, any other function in a thread of its own."""
    from .concurrency import CallKind, ThreadHop, classify

    if classify(f) is CallKind.SYNC:
        # A pool of one, for this call: hooks run once per process, and a
        # sync hook that calls async code (app.async_to_sync) reaches this
        # loop through the hop's bridge.
        hop = ThreadHop(1, name="framework-lifespan")
        try:
            await hop.run(f)
        finally:
            await hop.shutdown()
        return
    result = f()
    if inspect.isawaitable(result):
        await result


async def startup(app: ServingApp) -> None:
    """Run the app's startup hooks in an app context, unless they ran
    already: every ``before_serving`` function, in registration order,
    then every ``while_serving`` generator up to its ``yield``.

    If one raises, the generators already started are closed (their
    ``finally`` blocks run), no ``after_serving`` function runs, and
    startup may be tried again.

    :raise StartupFailed: a hook raised; logged on ``app.logger`` first.
    """
    hooks = app.serving_hooks
    if hooks.started:
        return
    ctx = app.app_context()
    ctx.push()
    step: object = None
    try:
        for func in hooks.before_serving_funcs:
            step = func
            await _call(func)
        for make in hooks.while_serving_gens:
            step = make
            generator = make()
            if not inspect.isasyncgen(generator):
                raise TypeError(
                    f"while_serving function {_name(make)} returned"
                    f" {type(generator).__name__}, not an async generator:"
                    " write it as 'async def' with one 'yield'."
                )
            hooks._generators.append(t.cast("t.AsyncGenerator[None, None]", generator))
            try:
                await generator.__anext__()
            except StopAsyncIteration:
                hooks._generators.pop()
                raise RuntimeError(
                    f"while_serving function {_name(make)} ended without"
                    " yielding: it must yield once, where serving happens."
                ) from None
    except Exception as error:
        app.logger.error(
            "Startup of %r failed in %s", app.name, _name(step), exc_info=error
        )
        await _close_generators(app, hooks)
        raise StartupFailed(
            f"Startup of app {app.name!r} failed: {_name(step)} raised"
            f" {type(error).__name__}: {error}. The app does not serve"
            " until its startup succeeds."
        ) from error
    finally:
        ctx.pop()
    hooks.started = True


async def _close_generators(app: ServingApp, hooks: ServingHooks) -> None:
    """Close the started generators, last first (their ``finally`` blocks
    and ``async with`` exits run); log what they raise."""
    while hooks._generators:
        generator = hooks._generators.pop()
        try:
            await generator.aclose()
        except Exception:
            app.logger.exception("Closing a while_serving generator failed")


async def shutdown(app: ServingApp) -> None:
    """Run the app's shutdown hooks in an app context, if startup ran:
    wait for running background tasks (see :mod:`framework.background`),
    then every ``after_serving`` function in the reverse order of
    registration, then resume every ``while_serving`` generator after its
    ``yield``, last started first. Every hook runs even when one raises.

    :raise ShutdownFailed: a hook raised; each error is logged on
        ``app.logger``.
    """
    hooks = app.serving_hooks
    if not hooks.started:
        return
    hooks.started = False
    from . import background

    await background.wait_async(app)
    failed: list[str] = []
    ctx = app.app_context()
    ctx.push()
    try:
        for func in reversed(hooks.after_serving_funcs):
            try:
                await _call(func)
            except Exception:
                app.logger.exception("after_serving function %s failed", _name(func))
                failed.append(_name(func))
        while hooks._generators:
            generator = hooks._generators.pop()
            try:
                await generator.__anext__()
            except StopAsyncIteration:
                continue
            except Exception:
                app.logger.exception(
                    "while_serving generator %s failed after its yield",
                    _name(generator),
                )
                failed.append(_name(generator))
                continue
            # A second yield: close it rather than leave it half done.
            failed.append(_name(generator))
            app.logger.error(
                "while_serving generator %s yielded more than once; closed",
                _name(generator),
            )
            with contextlib.suppress(Exception):
                await generator.aclose()
    finally:
        ctx.pop()
    if failed:
        raise ShutdownFailed(
            f"Shutdown of app {app.name!r}: {', '.join(failed)} failed (see"
            " the log above); the other hooks ran."
        )


# --------------------------------------------------------------------------
# ASGI


async def handle_lifespan(
    app: ServingApp,
    scope: t.MutableMapping[str, t.Any],
    receive: t.Callable[[], Awaitable[t.MutableMapping[str, t.Any]]],
    send: t.Callable[[t.MutableMapping[str, t.Any]], Awaitable[None]],
) -> None:
    """Serve an ASGI ``lifespan`` scope: run startup on
    ``lifespan.startup`` and shutdown on ``lifespan.shutdown``, and answer
    each with ``.complete``, or ``.failed`` with the reason (the server then
    stops, or, at startup, does not start).

    :param app: the app.
    :param scope: the lifespan scope.
    :param receive: the server's ``receive``.
    :param send: the server's ``send``.
    """
    while True:
        message = await receive()
        kind = message.get("type")
        if kind == "lifespan.startup":
            try:
                await _start_once(app)
            except StartupFailed as error:
                await send({"type": "lifespan.startup.failed", "message": str(error)})
                return
            await send({"type": "lifespan.startup.complete"})
        elif kind == "lifespan.shutdown":
            try:
                await shutdown(app)
            except ShutdownFailed as error:
                await send({"type": "lifespan.shutdown.failed", "message": str(error)})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return
        # Anything else is not for us (the spec has no other messages).


async def ensure_started(app: ServingApp) -> None:
    """Run startup once, however many requests ask at the same time: the
    ASGI adapter awaits it while ``app.serving_hooks.started`` is false,
    that is, at the first request when the server sent no lifespan event.

    :raise StartupFailed: a hook raised; a later call tries again.
    """
    hooks = app.serving_hooks
    if hooks.started:
        return
    if not hooks:
        hooks.started = True
        return
    await _start_once(app)
    # No lifespan events: none will say when serving ends either.
    _shut_down_at_exit(app)


async def _start_once(app: ServingApp) -> None:
    import asyncio

    hooks = app.serving_hooks
    lock = hooks._async_lock
    if lock is None:
        lock = hooks._async_lock = asyncio.Lock()
    async with lock:
        await startup(app)


# --------------------------------------------------------------------------
# WSGI: sync code


def run_startup(app: ServingApp) -> None:
    """Run :func:`startup` from sync code (on the process's background
    loop), unless it ran already.

    :raise StartupFailed: a hook raised.
    :raise RuntimeError: called from a thread running an event loop: await
        :func:`startup` there.
    """
    from .concurrency import BackgroundLoop

    hooks = app.serving_hooks
    with hooks._lock:
        if hooks.started:
            return
        if not hooks:
            # Nothing to run: no loop thread for it either.
            hooks.started = True
            return
        BackgroundLoop.shared().run(startup(app))


def run_shutdown(app: ServingApp) -> None:
    """Run :func:`shutdown` from sync code, if startup ran.

    :raise ShutdownFailed: a hook raised.
    """
    from . import background
    from .concurrency import BackgroundLoop

    hooks = app.serving_hooks
    with hooks._lock:
        if not hooks.started:
            return
        if not hooks:
            hooks.started = False
            background.wait(app)
            return
        BackgroundLoop.shared().run(shutdown(app))


def start_at_first_request(app: ServingApp) -> None:
    """Run startup at a WSGI server's first request, and shutdown when the
    process exits; nothing when startup ran already, or when called on a
    thread running an event loop (the ASGI adapter awaits
    :func:`ensure_started` instead).

    :raise StartupFailed: a hook raised; the next request tries again.
    """
    import asyncio

    hooks = app.serving_hooks
    if hooks.started:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return
    if not hooks:
        hooks.started = True
        return
    run_startup(app)
    _shut_down_at_exit(app)


def _shut_down_at_exit(app: ServingApp) -> None:
    """Run shutdown when the interpreter exits normally, for servers that
    tell the app nothing. The app is held weakly: one collected has
    nothing to shut down."""
    import atexit

    hooks = app.serving_hooks
    if hooks._exit_registered:
        return
    hooks._exit_registered = True
    ref = weakref.ref(app)

    def at_exit() -> None:
        alive = ref()
        if alive is None:
            return
        with contextlib.suppress(ShutdownFailed):
            run_shutdown(alive)

    atexit.register(at_exit)


def find_app(wsgi_app: object) -> ServingApp | None:
    """The app behind a WSGI callable: ``wsgi_app`` itself when it has
    serving hooks, else the first such object along its ``__wrapped__``
    chain (middleware made with :func:`functools.wraps`), else ``None``.

    :param wsgi_app: what a server was given to serve.
    """
    candidate = wsgi_app
    for _ in range(_MAX_UNWRAP):
        if isinstance(getattr(candidate, "serving_hooks", None), ServingHooks):
            return t.cast("ServingApp", candidate)
        candidate = getattr(candidate, "__wrapped__", None)
        if candidate is None:
            return None
    return None


def start_serving(wsgi_app: object) -> ServingApp | None:
    """Run startup for the app behind ``wsgi_app`` (see :func:`find_app`)
    as a worker process starts serving it: ``framework serve`` calls it
    before waitress serves, and in gunicorn's ``post_worker_init``.

    :param wsgi_app: the callable the server serves.
    :return: the app, for :func:`stop_serving`; ``None`` for a callable
        that is no app of ours.
    :raise StartupFailed: a startup hook raised; the worker must not serve.
    """
    app = find_app(wsgi_app)
    if app is not None:
        run_startup(app)
    return app


def stop_serving(app: ServingApp | None) -> None:
    """Run shutdown for an app :func:`start_serving` started, as the worker
    stops; a failure is logged on the app's logger (the process ends
    anyway).

    :param app: what :func:`start_serving` returned.
    """
    if app is None:
        return
    try:
        run_shutdown(app)
    except ShutdownFailed as error:
        app.logger.error("%s", error)


@contextlib.contextmanager
def serving(wsgi_app: object) -> Iterator[None]:
    """Run :func:`start_serving` before the block and :func:`stop_serving`
    after it (also when it raises).

    :param wsgi_app: the callable the server serves.
    :raise StartupFailed: a startup hook raised; the block does not run.
    """
    app = start_serving(wsgi_app)
    try:
        yield
    finally:
        stop_serving(app)
