"""One subscriber's end of a group: :class:`Subscription`, a bounded queue
read with ``async for``."""

from __future__ import annotations

import asyncio
import collections

from .errors import BroadcastError, SubscriberTooSlow
from .messages import Message

__all__ = ["Subscription"]


class Subscription:
    """The messages of one group for one subscriber, in the order they were
    published, read with ``async for``.

    A backend makes it (see :meth:`~framework_broadcast.Broadcast.subscribe`)
    and fills it from its event loop. At most ``limit`` messages wait in it:
    one more ends the subscription with :exc:`SubscriberTooSlow` rather than
    let a stuck reader hold memory without end.

    :param group: the group it receives.
    :param limit: how many unread messages it may hold.
    """

    __slots__ = ("_closed", "_error", "_limit", "_messages", "_waiter", "group", "loop")

    def __init__(self, group: str, limit: int) -> None:
        self.group = group
        #: The event loop it was made on: messages are delivered there.
        self.loop = asyncio.get_running_loop()
        self._limit = limit
        self._messages: collections.deque[Message] = collections.deque()
        self._waiter: asyncio.Future[None] | None = None
        self._error: BroadcastError | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether it receives no more messages (ended, or failed)."""
        return self._closed

    def deliver(self, message: Message) -> None:
        """Queue ``message``; call it on :attr:`loop`'s thread.

        :param message: the message, as subscribers receive it.
        """
        if self._closed:
            return
        if len(self._messages) >= self._limit:
            self._messages.clear()
            self.fail(
                SubscriberTooSlow(
                    f"The subscription to {self.group!r} fell {self._limit}"
                    " messages behind and was ended; subscribe again."
                )
            )
            return
        self._messages.append(message)
        self._wake()

    def fail(self, error: BroadcastError) -> None:
        """End the subscription: ``async for`` raises ``error`` once the
        messages already queued are read. Call it on :attr:`loop`'s thread.
        """
        if not self._closed:
            self._closed = True
            self._error = error
            self._wake()

    def close(self) -> None:
        """End the subscription quietly: ``async for`` stops after the
        messages already queued."""
        if not self._closed:
            self._closed = True
            self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Message:
        while not self._messages:
            if self._closed:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._waiter = self.loop.create_future()
            await self._waiter
        return self._messages.popleft()

    async def receive(self) -> Message:
        """The next message, waiting for it.

        :raise StopAsyncIteration: if the subscription ended quietly.
        :raise BroadcastError: if it ended with an error.
        """
        return await self.__anext__()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._messages)} queued"
        return f"<Subscription {self.group!r} {state}>"
