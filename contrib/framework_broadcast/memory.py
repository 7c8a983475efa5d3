"""The in-memory backend: the groups of one process."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import typing as t

from .messages import Message, check
from .subscription import Subscription

__all__ = ["MemoryBackend", "deliver_to"]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def deliver_to(subscriptions: t.Iterable[Subscription], message: Message) -> None:
    """Hand ``message`` to each subscription, on the event loop it reads on:
    at once when that is the running loop, else through the loop's
    thread-safe queue (a publish from a worker thread, or from another
    loop)."""
    running = _running_loop()
    for subscription in subscriptions:
        loop = subscription.loop
        if loop is running:
            subscription.deliver(message)
        else:
            # A loop that has closed has no reader left to deliver to.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(subscription.deliver, message)


class MemoryBackend:
    """Groups kept in this process: a message reaches the subscribers of
    this process only. The default; ``BROADCAST_URL = "memory://"``.

    It is safe to publish from any thread and to subscribe from any event
    loop of the process.

    :param queue_size: how many unread messages a subscription may hold
        before it is ended with
        :exc:`~framework_broadcast.SubscriberTooSlow`.
    """

    def __init__(self, *, queue_size: int = 1000) -> None:
        self.queue_size = queue_size
        self._groups: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()

    async def publish(self, group: str, message: Message) -> None:
        """Send ``message`` to every current subscriber of ``group``.

        :raise TypeError: if ``message`` is not str, bytes or JSON-able.
        """
        self.publish_sync(group, message)

    def publish_sync(self, group: str, message: Message) -> None:
        """:meth:`publish` for code that is not async; from any thread."""
        message = check(message)
        with self._lock:
            subscriptions = tuple(self._groups.get(group, ()))
        deliver_to(subscriptions, message)

    @contextlib.asynccontextmanager
    async def subscribe(self, group: str) -> t.AsyncIterator[Subscription]:
        """Receive the messages published to ``group`` from now on, until
        the block ends."""
        subscription = Subscription(group, self.queue_size)
        with self._lock:
            self._groups.setdefault(group, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscription.close()
            with self._lock:
                members = self._groups.get(group)
                if members is not None:
                    members.discard(subscription)
                    if not members:
                        del self._groups[group]

    def subscriber_count(self, group: str) -> int:
        """How many subscriptions of this process receive ``group``."""
        with self._lock:
            return len(self._groups.get(group, ()))

    async def aclose(self) -> None:
        """End every subscription quietly (their ``async for`` stops)."""
        with self._lock:
            subscriptions = [s for group in self._groups.values() for s in group]
        running = _running_loop()
        for subscription in subscriptions:
            if subscription.loop is running:
                subscription.close()
            else:
                with contextlib.suppress(RuntimeError):
                    subscription.loop.call_soon_threadsafe(subscription.close)
