"""Server-sent events: :class:`EventStream`, a response whose body is the
``text/event-stream`` encoding of a stream of events, under WSGI and ASGI.

Layer 2. The body is always produced by one async generator (the encoder)
wrapped in an :class:`~framework.streams.AsyncBody`, so both protocols
already know how to send it and stop it:

- under ASGI the adapter iterates it on the server's loop, in the request's
  task, and cancels that task when the client goes away;
- under WSGI the server thread takes the chunks from a task on the
  process's background loop, and closing the response (the server does when
  the client went away, or the stream ended) cancels that task.

The encoder waits for the next event with a timeout, and sends a comment
(``: keep-alive``) each time the timeout passes with no event, so proxies
and clients do not take a quiet stream for a dead one. How it waits depends
on the source of the events:

- an **async** iterable: its ``__anext__`` runs in a task, which the
  encoder waits for with :func:`asyncio.wait` and a timeout. After a
  keep-alive it waits again for the *same* task: cancelling ``__anext__``
  half-way would throw into the generator at whatever it awaits and end
  it. Every step runs in one :class:`contextvars.Context`, so a generator
  that pushes a context (:func:`~framework.stream_with_context`) pops it in
  the same one. The pending task is cancelled only when the stream stops,
  and awaited, so no task outlives the response.
- a **sync** iterable: ``next()`` may block for as long as it likes, and
  nothing can interrupt it, so it cannot run on the loop and cannot share
  a thread with the keep-alives. It runs in a producer thread of its own,
  started on the first event, which calls ``next()`` only when the encoder
  asks for an event (one in flight, never a queue filling up behind a slow
  client) and hands each over to the loop. The whole generator runs in
  that one thread and one context, from its start to its ``close()``. When
  the stream stops, the producer is told to stop: it closes the generator
  at once if it is waiting to be asked, or right after the ``next()`` it is
  in returns (a generator blocked for good keeps its thread: wait with a
  timeout, e.g. ``queue.get(timeout=...)``, or use an async generator).
  A dedicated thread rather than the loop's executor: that pool is small
  (the CPU count plus 4), and each stream would hold one of its threads
  for its whole life.

Each event and keep-alive also calls
:data:`framework.streams.on_activity`: under gunicorn, ``framework serve``
points it at the worker's heartbeat, so the ``sync`` worker streaming for
longer than its ``timeout`` is not restarted while keep-alives flow.

When the server stops, ``framework serve`` calls
:func:`framework.streams.drain`: every stream ends as if its source had
(the generator is closed, teardown runs), so the server's drain is not
held up for its whole grace period, and browsers reconnect to the next
server with ``Last-Event-ID``.

What a stream costs: under WSGI, a server thread for the stream's whole
life (plus the producer thread for a sync source), so a deployment holds at
most threads times worker processes streams at once; under ASGI, a task on the
loop (plus the producer thread for a sync source), no pool thread at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import re
import threading
import typing as t

import attrs

from . import streams
from .ctx import _cv_context
from .streams import AsyncBody
from .wrappers import Response

__all__ = ["KEEPALIVE", "Event", "EventStream", "encode_event", "last_event_id"]

_log = logging.getLogger("framework.sse")

#: The comment sent when no event came for the keep-alive interval.
KEEPALIVE = b": keep-alive\n\n"

#: ``SSE_KEEPALIVE_INTERVAL`` when there is no app to ask.
DEFAULT_KEEPALIVE = 15.0

#: Seconds a stream ended by the server's stop waits for its sync
#: generator to be closed (the ``next()`` it is in must return first)
#: before the response ends.
CLOSE_WAIT = 5.0

_NEWLINE = re.compile(r"[\r\n]")
#: Line ends in data: the event-stream format ends a line at any of them.
_LINES = re.compile(r"\r\n|\r|\n")


def _no_newline(
    instance: Event, attribute: attrs.Attribute[t.Any], value: t.Any
) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"An event's {attribute.name} must be a string, not {value!r}.")
    if _NEWLINE.search(value) is not None or "\0" in value:
        raise ValueError(
            f"An event's {attribute.name} must not contain CR, LF or NUL: {value!r}."
        )


def _retry(instance: Event, attribute: attrs.Attribute[t.Any], value: t.Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"An event's retry must be a whole number of milliseconds, 0 or more,"
            f" not {value!r}."
        )


@attrs.frozen
class Event:
    """One server-sent event.

    :param data: the event's data: a string (several lines become several
        ``data:`` lines, joined again by the browser), or anything the app's
        JSON provider can dump (a dict, a list...), sent as JSON.
    :param event: the event's type (``addEventListener(type, ...)`` in the
        browser); ``None`` for ``message``.
    :param id: the event's id, which the browser sends back as the
        ``Last-Event-ID`` header when it reconnects (:func:`last_event_id`).
    :param retry: milliseconds the browser waits before reconnecting.
    :raises ValueError: when ``event`` or ``id`` contains CR, LF or NUL, or
        ``retry`` is not a whole number, 0 or more: they could end the
        event early or start another.
    """

    data: t.Any = None
    event: str | None = attrs.field(default=None, validator=_no_newline)
    id: str | None = attrs.field(default=None, validator=_no_newline)
    retry: int | None = attrs.field(default=None, validator=_retry)


#: What an :class:`EventStream` takes: events, strings (data only), or
#: JSON data (a dict or list).
EventLike: t.TypeAlias = "Event | str | dict[str, t.Any] | list[t.Any]"


def encode_event(item: EventLike) -> bytes:
    """The ``text/event-stream`` encoding of one event.

    :param item: an :class:`Event`, a string (the data), or a dict or list
        (the data, as JSON).
    :raises TypeError: for anything else.
    """
    event = item if isinstance(item, Event) else Event(item)
    data = event.data
    if not isinstance(data, str):
        if isinstance(item, Event) or isinstance(data, dict | list):
            data = _dumps(data)
        else:
            raise TypeError(
                "An event stream takes Event objects, strings, dicts and lists,"
                f" not {type(item).__name__}."
            )
    lines = []
    if event.event is not None:
        lines.append(f"event: {event.event}\n")
    if event.id is not None:
        lines.append(f"id: {event.id}\n")
    if event.retry is not None:
        lines.append(f"retry: {event.retry}\n")
    lines.extend(f"data: {line}\n" for line in _LINES.split(data))
    lines.append("\n")
    return "".join(lines).encode()


def _dumps(data: t.Any) -> str:
    ctx = _cv_context.get(None)
    if ctx is not None:
        dumped: str = ctx.app.json.dumps(data)
        return dumped
    return json.dumps(data)


def last_event_id() -> str | None:
    """The ``Last-Event-ID`` header of the current request: the id of the
    last event the browser received, sent when it reconnects to a stream;
    ``None`` on a first connection.

    :raises RuntimeError: outside a request.
    """
    from .proxies import request

    return request.headers.get("Last-Event-ID")


class EventStream(Response):
    """A response streaming server-sent events, under WSGI or ASGI; see the
    module's description for how it runs.

    :param events: a sync or async iterable of :class:`Event` objects,
        strings (data only), or dicts and lists (JSON data). A generator is
        closed (sync) or cancelled (async) when the client goes away.
    :param keepalive: seconds without an event after which a keep-alive
        comment is sent; ``None`` takes the app's
        ``SSE_KEEPALIVE_INTERVAL`` (15 outside an app), ``0`` sends none.
    :param status: the status, 200 by default.
    :param headers: more headers.
    :raises ValueError: for a negative or non-numeric ``keepalive`` (or
        ``SSE_KEEPALIVE_INTERVAL``).
    """

    default_mimetype = "text/event-stream"

    def __init__(
        self,
        events: t.Iterable[EventLike] | t.AsyncIterable[EventLike],
        *,
        keepalive: float | None = None,
        status: int | None = None,
        headers: t.Mapping[str, str] | None = None,
    ) -> None:
        interval = _interval(keepalive)
        super().__init__(
            AsyncBody(_encoded(events, interval)),
            status=status,
            headers=headers,
            content_type="text/event-stream; charset=utf-8",
        )
        self.headers["Cache-Control"] = "no-cache"
        # nginx buffers responses unless told not to; events would wait.
        self.headers["X-Accel-Buffering"] = "no"
        #: Seconds between keep-alives (``None``: none).
        self.keepalive = interval


def _interval(keepalive: float | None) -> float | None:
    name = "keepalive"
    if keepalive is None:
        ctx = _cv_context.get(None)
        if ctx is None:
            return DEFAULT_KEEPALIVE
        keepalive = ctx.app.config.get("SSE_KEEPALIVE_INTERVAL", DEFAULT_KEEPALIVE)
        name = "SSE_KEEPALIVE_INTERVAL"
        if keepalive is None:
            return None
    if isinstance(keepalive, bool) or not isinstance(keepalive, int | float):
        raise ValueError(f"{name} must be a number of seconds, not {keepalive!r}.")
    if not keepalive >= 0:  # NaN too
        raise ValueError(
            f"{name} must be 0 (no keep-alives) or more, not {keepalive!r}."
        )
    return float(keepalive) or None


_END = object()


async def _encoded(
    events: t.Iterable[EventLike] | t.AsyncIterable[EventLike],
    keepalive: float | None,
) -> t.AsyncIterator[bytes]:
    """The encoded events, with keep-alives between them."""
    source: _Source = (
        _AsyncSource(events) if hasattr(events, "__aiter__") else _SyncSource(events)  # type: ignore[arg-type]
    )
    pending: asyncio.Future[t.Any] | None = None
    drained = False
    try:
        with streams.draining() as stopping:
            while True:
                if pending is None:
                    pending = source.next()
                done, _ = await asyncio.wait(
                    {pending, stopping},
                    timeout=keepalive,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                if stopping in done:
                    # The server is stopping: end here, and the browser
                    # reconnects to the next one.
                    drained = True
                    return
                if not done:
                    _active()
                    yield KEEPALIVE
                    continue
                item = pending.result()
                pending = None
                if item is _END:
                    return
                _active()
                yield encode_event(item)
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
        await source.stop(pending, drained)


def _active() -> None:
    """Tell the server the stream is alive (see
    :data:`framework.streams.on_activity`)."""
    beat = streams.on_activity
    if beat is not None:
        beat()


class _Source:
    """Where the events come from: :meth:`next` starts getting one."""

    def next(self) -> asyncio.Future[t.Any]:
        """A future of the next event, or of ``_END``."""
        raise NotImplementedError

    async def stop(self, pending: asyncio.Future[t.Any] | None, drained: bool) -> None:
        """Stop the source, closing the iterable.

        :param drained: the server is stopping (see
            :func:`framework.streams.drain`), and the process may end as
            soon as the response does.
        """
        raise NotImplementedError


class _AsyncSource(_Source):
    def __init__(self, events: t.AsyncIterable[EventLike]) -> None:
        self.iterator = aiter(events)
        # Every step of the generator runs in this one context.
        self.context = contextvars.copy_context()

    def next(self) -> asyncio.Future[t.Any]:
        loop = asyncio.get_running_loop()
        return loop.create_task(self._step(), context=self.context)

    async def _step(self) -> t.Any:
        try:
            return await anext(self.iterator)
        except StopAsyncIteration:
            return _END

    async def stop(self, pending: asyncio.Future[t.Any] | None, drained: bool) -> None:
        if pending is not None:
            # Cancelled above: let it end, running the generator's finally.
            await asyncio.wait({pending})
        aclose = getattr(self.iterator, "aclose", None)
        if aclose is not None:
            loop = asyncio.get_running_loop()
            await loop.create_task(aclose(), context=self.context)


class _SyncSource(_Source):
    def __init__(self, events: t.Iterable[EventLike]) -> None:
        self.producer = _Producer(events)

    def next(self) -> asyncio.Future[t.Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[t.Any] = loop.create_future()

        def deliver(item: t.Any) -> None:
            # RuntimeError: the loop closed, nobody waits for the event.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_settle, future, item)

        self.producer.ask(deliver)
        return future

    async def stop(self, pending: asyncio.Future[t.Any] | None, drained: bool) -> None:
        self.producer.stop()
        if not drained:
            return
        # The server exits once the response ends, which would cut the
        # producer thread short: wait a bounded while for the generator's
        # close, so that its finally blocks run. (Not when the client left:
        # a WSGI server thread closing the response would wait too.)
        loop = asyncio.get_running_loop()
        closed: asyncio.Future[t.Any] = loop.create_future()

        def settle() -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed
                loop.call_soon_threadsafe(_settle, closed, None)

        self.producer.when_finished(settle)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closed, CLOSE_WAIT)


def _settle(future: asyncio.Future[t.Any], item: t.Any) -> None:
    if future.done():
        return
    if isinstance(item, BaseException):
        future.set_exception(item)
    else:
        future.set_result(item)


class _Producer:
    """Iterates a sync iterable in a thread of its own, one item each time
    it is asked for one; see the module's description."""

    def __init__(self, iterable: t.Iterable[t.Any]) -> None:
        self.iterable = iterable
        self.condition = threading.Condition()
        self.wanted: t.Callable[[t.Any], None] | None = None
        self.stopping = False
        self.thread: threading.Thread | None = None
        #: Set once the iterable is closed.
        self.finished = threading.Event()
        self.finished_callbacks: list[t.Callable[[], None]] = []

    def ask(self, deliver: t.Callable[[t.Any], None]) -> None:
        """Get the next item, and pass it (or ``_END``, or the exception
        ``next()`` raised) to ``deliver``, from the producer thread."""
        with self.condition:
            self.wanted = deliver
            if self.thread is None:
                context = contextvars.copy_context()
                self.thread = threading.Thread(
                    target=context.run,
                    args=(self._run,),
                    name="framework-sse-producer",
                    daemon=True,
                )
                self.thread.start()
            self.condition.notify()

    def stop(self) -> None:
        """Close the iterable: now if the thread never started, else from
        the thread once its current ``next()`` returns."""
        with self.condition:
            self.stopping = True
            started = self.thread is not None
            self.condition.notify()
        if not started:
            self._close()

    def _run(self) -> None:
        try:
            iterator = iter(self.iterable)
            while True:
                with self.condition:
                    while self.wanted is None and not self.stopping:
                        self.condition.wait()
                    deliver = None if self.stopping else self.wanted
                    self.wanted = None
                    if deliver is None:  # stopping
                        return
                try:
                    item = next(iterator)
                except StopIteration:
                    deliver(_END)
                    return
                except BaseException as error:
                    deliver(error)
                    return
                deliver(item)
        finally:
            self._close()

    def when_finished(self, callback: t.Callable[[], None]) -> None:
        """Call ``callback`` once the iterable is closed: now if it is,
        else from the thread that closes it."""
        with self.condition:
            if not self.finished.is_set():
                self.finished_callbacks.append(callback)
                return
        callback()

    def _close(self) -> None:
        close = getattr(self.iterable, "close", None)
        try:
            if close is not None:
                close()
        except Exception:
            _log.exception("Closing the events of a stream failed")
        finally:
            with self.condition:
                self.finished.set()
                callbacks, self.finished_callbacks = self.finished_callbacks, []
            for callback in callbacks:
                callback()
