"""Response bodies produced by async code.

Layer 1. A view may return an async iterator (an ``async def`` generator)
as a streamed body. :class:`AsyncBody` carries it in a response:

- under ASGI the adapter iterates it on the server's loop, in the request's
  task, and cancels it when the client goes away;
- under WSGI the server iterates it as a plain iterator: one task on the
  process's :class:`~framework.concurrency.BackgroundLoop` produces the
  chunks, handing each over as the server asks for it, so the generator
  runs in one task from its start to its end (a context it pushes is popped
  in the same context).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    import asyncio

__all__ = ["AsyncBody", "drain", "draining", "encoded", "on_activity", "resume"]

_DONE = object()

#: Called, from any thread, each time a long-lived body (an
#: :class:`~framework.sse.EventStream`) sends something, so that a server
#: that restarts a worker it has not heard from for a while sees the stream
#: as activity. ``framework serve`` sets it under gunicorn, whose ``sync``
#: worker would otherwise be restarted while it streams for longer than
#: its ``timeout``; ``None`` elsewhere.
on_activity: t.Callable[[], object] | None = None

# Set once the server stops; the futures of the streams waiting for it.
_draining = False
_drain_waiters: set[asyncio.Future[None]] = set()


def drain() -> None:
    """Tell every long-lived body (an :class:`~framework.sse.EventStream`)
    of this process that the server is stopping: each ends, as if its
    source had, so the server's drain does not wait out its whole grace
    period for streams that never finish, and the browsers reconnect to
    the next server. ``framework serve`` calls it when the server begins
    to stop. Safe from any thread and from a signal handler: it only sets
    a flag and schedules callbacks on the streams' loops.
    """
    global _draining
    _draining = True
    # A copy: a stream on another thread may come or go meanwhile.
    for waiter in tuple(_drain_waiters):
        # RuntimeError: that loop is closed, its stream gone.
        with contextlib.suppress(RuntimeError):
            waiter.get_loop().call_soon_threadsafe(_wake, waiter)


def resume() -> None:
    """Undo :func:`drain` for the streams that start from now on: a server
    starts serving in this process (after another one stopped in it, as
    when servers are run in-process). ``framework serve``'s runners call
    it as they start."""
    global _draining
    _draining = False


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


@contextlib.contextmanager
def draining() -> t.Iterator[asyncio.Future[None]]:
    """A future of the running loop, done once :func:`drain` is called
    (at once if it was): what a long-lived body waits on beside its own
    work. Forgotten when the block ends."""
    # Imported here: a running loop has loaded asyncio already, and a WSGI
    # app that streams nothing async never needs it.
    import asyncio

    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    _drain_waiters.add(waiter)
    if _draining:
        waiter.set_result(None)
    try:
        yield waiter
    finally:
        _drain_waiters.discard(waiter)
        waiter.cancel()


class AsyncBody:
    """A streamed response body made by async code; see the module docstring.

    :param iterable: an async iterable of ``str`` (encoded as UTF-8) or
        ``bytes`` chunks.
    """

    def __init__(self, iterable: t.AsyncIterable[str | bytes]) -> None:
        self.iterable = iterable
        self._pump: _Pump | None = None

    async def __aiter__(self) -> t.AsyncIterator[bytes]:
        async for chunk in self.iterable:
            yield encoded(chunk)

    async def aclose(self) -> None:
        """Close the async iterable, running its ``finally`` blocks."""
        aclose = getattr(self.iterable, "aclose", None)
        if aclose is not None:
            await aclose()

    def __iter__(self) -> t.Iterator[bytes]:
        pump = self._pump = _Pump(self)
        return pump.chunks()

    def close(self) -> None:
        """Stop the body from sync code (a WSGI server closing it): cancel
        the task producing it and wait for the generator to finish."""
        if self._pump is not None:
            self._pump.stop()
        # Otherwise never iterated, or closed already by the ASGI adapter:
        # an async generator that never started has nothing to finish.


def encoded(chunk: str | bytes) -> bytes:
    """A body chunk as bytes: a string as UTF-8, as werkzeug encodes."""
    return chunk.encode() if isinstance(chunk, str) else chunk


class _Pump:
    """Produces an :class:`AsyncBody`'s chunks in one task of the background
    loop, one chunk each time the sync consumer asks for one."""

    def __init__(self, body: AsyncBody) -> None:
        from .concurrency import BackgroundLoop

        self.body = body
        self.loop = BackgroundLoop.shared().loop
        self.out: queue.SimpleQueue[t.Any] = queue.SimpleQueue()
        self.task: t.Any = None
        self.wanted: t.Any = None  # an asyncio.Event, made on the loop
        self.finished = threading.Event()

    def chunks(self) -> t.Iterator[bytes]:
        import asyncio
        import contextvars

        context = contextvars.copy_context()
        started = threading.Event()

        def start() -> None:
            self.wanted = asyncio.Event()
            self.task = self.loop.create_task(self._produce(), context=context)
            started.set()

        self.loop.call_soon_threadsafe(start)
        started.wait()
        while True:
            self.loop.call_soon_threadsafe(self.wanted.set)
            item = self.out.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                if isinstance(item, asyncio.CancelledError):
                    return
                raise item
            yield item

    async def _produce(self) -> None:
        try:
            iterator = aiter(self.body.iterable)
            while True:
                await self.wanted.wait()
                self.wanted.clear()
                try:
                    chunk = await anext(iterator)
                except StopAsyncIteration:
                    break
                self.out.put(encoded(chunk))
            self.out.put(_DONE)
        except BaseException as error:
            self.out.put(error)
            if not isinstance(error, Exception):
                raise
        finally:
            try:
                await self.body.aclose()
            finally:
                self.finished.set()

    def stop(self) -> None:
        task = self.task
        if task is not None and not self.finished.is_set():
            self.loop.call_soon_threadsafe(task.cancel)
            self.finished.wait(5)
