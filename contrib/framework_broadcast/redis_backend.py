"""The Redis backend: groups shared by every process that uses the same
Redis, through its pub/sub.

Each event loop of a process (in practice: the ASGI server's) keeps one
pub/sub connection for all its subscriptions, read by one task that hands
each message to the local subscriptions of its group. Publishing uses a
small connection pool of its own, so that a publish never waits behind the
subscriptions' reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import typing as t
import weakref

import redis
import redis.asyncio
import redis.asyncio.retry
import redis.retry
from redis.backoff import NoBackoff

from .errors import BroadcastUnavailable
from .memory import deliver_to
from .messages import Message, decode, encode
from .subscription import Subscription

__all__ = ["RedisBackend"]

logger = logging.getLogger("framework_broadcast")

#: The errors that mean "Redis is not there", as the client raises them.
_DOWN = (redis.RedisError, OSError, asyncio.TimeoutError)


class _Backoff:
    """After a failure, how long to leave Redis alone: 0.1 s, doubling with
    each failure in a row up to ``longest``; a success resets it. Within
    that time, publishes and new subscriptions fail at once instead of each
    paying a connection attempt (or a timeout, with a hung host)."""

    first = 0.1

    def __init__(self, url: str, longest: float) -> None:
        self.url = url
        self.longest = longest
        self._delay = 0.0
        self._until = 0.0
        self._reason = ""

    def check(self) -> None:
        """:raise BroadcastUnavailable: within the time after a failure."""
        left = self._until - time.monotonic()
        if left > 0:
            raise BroadcastUnavailable(
                f"Redis at {self.url} is unavailable ({self._reason}); the"
                f" next attempt is in {left:.1f}s"
            )

    def failed(self, error: BaseException) -> None:
        if not self._delay:
            # One line per outage, not one per attempt.
            logger.warning(
                "Broadcast: Redis at %s failed: %s", self.url, _describe(error)
            )
        self._delay = min(self.longest, max(self.first, self._delay * 2))
        self._until = time.monotonic() + self._delay
        self._reason = _describe(error)

    def succeeded(self) -> None:
        if self._delay:
            logger.warning("Broadcast: Redis at %s is back.", self.url)
        self._delay = 0.0
        self._until = 0.0


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _Hub:
    """The Redis side of one event loop: the publish client, the pub/sub
    connection, its reader task and the local subscriptions by channel."""

    def __init__(self, backend: RedisBackend) -> None:
        self.backend = backend
        timeout = backend.timeout
        # One retry for a pooled connection that broke since its last use.
        self.client = redis.asyncio.Redis.from_url(
            backend.url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=redis.asyncio.retry.Retry(
                NoBackoff(), 1, supported_errors=(redis.ConnectionError,)
            ),
        )
        # The reader passes its own timeout to each wait for a message; the
        # socket timeout bounds the rest (the handshake, a SUBSCRIBE). No
        # retry: a lost connection must end the subscriptions with an error,
        # not resubscribe behind their back after messages were missed.
        self.listener = redis.asyncio.Redis.from_url(
            backend.url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            socket_keepalive=True,
            retry=redis.asyncio.retry.Retry(NoBackoff(), 0),
        )
        self.pubsub: redis.asyncio.client.PubSub | None = None
        self.reader: asyncio.Task[None] | None = None
        self.groups: dict[bytes, set[Subscription]] = {}
        # Set once Redis confirmed the SUBSCRIBE of the channel.
        self.confirmed: dict[bytes, asyncio.Future[None]] = {}
        self.lock = asyncio.Lock()

    async def publish(self, channel: bytes, data: bytes) -> None:
        self.backend.backoff.check()
        try:
            await self.client.publish(channel, data)
        except _DOWN as e:
            self.backend.backoff.failed(e)
            raise self.backend.unavailable(e) from e
        self.backend.backoff.succeeded()

    async def add(self, channel: bytes, subscription: Subscription) -> None:
        """Add ``subscription`` to ``channel``; return once Redis confirmed
        that this process receives the channel."""
        members = self.groups.get(channel)
        if members is None:
            self.backend.backoff.check()
            self.groups[channel] = {subscription}
            confirmed = self.confirmed[channel] = (
                asyncio.get_running_loop().create_future()
            )
            try:
                async with self.lock:
                    pubsub = self.pubsub
                    if pubsub is None:
                        pubsub = self.pubsub = self.listener.pubsub()
                    await pubsub.subscribe(channel)
                    if self.reader is None:
                        self.reader = asyncio.create_task(self.read(pubsub))
            except _DOWN as e:
                await self.down(e)
                raise self.backend.unavailable(e) from e
        else:
            members.add(subscription)
            confirmed = self.confirmed[channel]
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), self.backend.timeout)
        except TimeoutError as e:
            await self.down(e)
            raise self.backend.unavailable(e) from e
        self.backend.backoff.succeeded()

    async def remove(self, channel: bytes, subscription: Subscription) -> None:
        members = self.groups.get(channel)
        if members is None or subscription not in members:
            return  # Redis failed meanwhile: the channel was dropped then.
        members.discard(subscription)
        if members:
            return
        del self.groups[channel]
        del self.confirmed[channel]
        async with self.lock:
            # Someone may have subscribed again while we waited.
            if self.pubsub is not None and channel not in self.groups:
                # A failure here shows in the reader, which handles it.
                with contextlib.suppress(*_DOWN):
                    await self.pubsub.unsubscribe(channel)

    async def read(self, pubsub: redis.asyncio.client.PubSub) -> None:
        """Hand each message to the subscriptions of its channel, until
        the connection fails.

        A connection that stays silent for ``ping_interval`` seconds gets a
        PING; no answer within ``timeout`` counts as a failure: a hung
        host, or a network that drops packets, would otherwise leave the
        subscriptions waiting forever on a connection that never closes.
        """
        backend = self.backend
        loop = asyncio.get_running_loop()
        pinged_at: float | None = None
        try:
            while True:
                wait = backend.ping_interval if pinged_at is None else backend.timeout
                message = await pubsub.get_message(timeout=wait)
                if message is None:
                    if pinged_at is None:
                        await pubsub.ping()
                        pinged_at = loop.time()
                    elif loop.time() - pinged_at >= backend.timeout:
                        raise TimeoutError(
                            f"no answer to a PING within {backend.timeout}s"
                        )
                    continue
                pinged_at = None
                kind = message["type"]
                channel = message["channel"]
                if kind == "message":
                    members = self.groups.get(channel)
                    if members:
                        deliver_to(tuple(members), decode(message["data"]))
                elif kind == "subscribe":
                    confirmed = self.confirmed.get(channel)
                    if confirmed is not None and not confirmed.done():
                        confirmed.set_result(None)
        except Exception as e:
            # Whatever broke the reading, the subscriptions get no more
            # messages: they must hear so.
            self.reader = None
            await self.down(e)

    async def down(self, error: BaseException) -> None:
        """Redis failed: end every subscription with
        :exc:`BroadcastUnavailable`, drop the pub/sub connection, and leave
        Redis alone for a while."""
        self.backend.backoff.failed(error)
        unavailable = self.backend.unavailable(error)
        groups, self.groups = self.groups, {}
        confirmed, self.confirmed = self.confirmed, {}
        for future in confirmed.values():
            if not future.done():
                future.set_exception(unavailable)
                # Nobody may wait on it any longer; do not warn then.
                future.exception()
        for members in groups.values():
            for subscription in members:
                subscription.fail(unavailable)
        await self.close_pubsub()

    async def close_pubsub(self) -> None:
        pubsub, self.pubsub = self.pubsub, None
        reader, self.reader = self.reader, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, *_DOWN):
                await reader
        if pubsub is not None:
            with contextlib.suppress(*_DOWN):
                await pubsub.aclose()

    async def aclose(self) -> None:
        for members in self.groups.values():
            for subscription in members:
                subscription.close()
        self.groups.clear()
        self.confirmed.clear()
        await self.close_pubsub()
        await self.listener.aclose()
        await self.client.aclose()


class RedisBackend:
    """Groups shared through Redis pub/sub: a message published in any
    process (any worker, any host) reaches the subscribers of every process
    using the same Redis and ``prefix``. ``BROADCAST_URL = "redis://..."``.

    Each event loop keeps one pub/sub connection for all its subscriptions.
    A subscription receives what is published once
    :meth:`subscribe` has entered its block (Redis has confirmed it by then).
    Pub/sub delivers at most once: a message published while a process was
    cut off from Redis is not delivered later.

    When Redis goes away, every subscription's ``async for`` raises
    :exc:`~framework_broadcast.BroadcastUnavailable`, and so does a publish;
    the next publish or subscribe tries again, after a backoff of 0.1 s,
    doubling while Redis stays away, up to ``retry_max``.

    :param url: ``redis://``, ``rediss://`` or ``unix://`` URL of Redis.
    :param prefix: put before a group's name to make its Redis channel.
    :param queue_size: how many unread messages a subscription may hold.
    :param timeout: seconds to wait for Redis to connect, answer a publish,
        or confirm a subscription.
    :param retry_max: the longest wait, in seconds, before trying Redis
        again after it failed.
    :param ping_interval: after how many seconds of silence the pub/sub
        connection is checked with a PING.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "broadcast:",
        queue_size: int = 1000,
        timeout: float = 1.0,
        retry_max: float = 5.0,
        ping_interval: float = 5.0,
    ) -> None:
        self.url = url
        self.ping_interval = ping_interval
        self.prefix = prefix
        self.queue_size = queue_size
        self.timeout = timeout
        self.backoff = _Backoff(url, retry_max)
        self._hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Hub] = (
            weakref.WeakKeyDictionary()
        )
        self._sync_client: redis.Redis | None = None
        self._sync_lock = threading.Lock()

    def unavailable(self, error: BaseException) -> BroadcastUnavailable:
        """The error that users see when Redis failed with ``error``."""
        return BroadcastUnavailable(
            f"Redis at {self.url} is unavailable ({_describe(error)})"
        )

    def _channel(self, group: str) -> bytes:
        return (self.prefix + group).encode()

    def _hub(self) -> _Hub:
        loop = asyncio.get_running_loop()
        hub = self._hubs.get(loop)
        if hub is None:
            hub = self._hubs[loop] = _Hub(self)
        return hub

    async def publish(self, group: str, message: Message) -> None:
        """Send ``message`` to every subscriber of ``group``, in every
        process.

        :raise TypeError: if ``message`` is not str, bytes or JSON-able.
        :raise BroadcastUnavailable: if Redis could not be reached.
        """
        await self._hub().publish(self._channel(group), encode(message))

    def publish_sync(self, group: str, message: Message) -> None:
        """:meth:`publish` for code that is not async (a sync view, in a
        WSGI worker or a thread of the ASGI server); from any thread.

        :raise TypeError: if ``message`` is not str, bytes or JSON-able.
        :raise BroadcastUnavailable: if Redis could not be reached.
        """
        data = encode(message)
        self.backoff.check()
        try:
            self._sync().publish(self._channel(group), data)
        except (redis.RedisError, OSError) as e:
            self.backoff.failed(e)
            raise self.unavailable(e) from e
        self.backoff.succeeded()

    def _sync(self) -> redis.Redis:
        with self._sync_lock:
            if self._sync_client is None:
                self._sync_client = redis.Redis.from_url(
                    self.url,
                    socket_timeout=self.timeout,
                    socket_connect_timeout=self.timeout,
                    retry=redis.retry.Retry(
                        NoBackoff(), 1, supported_errors=(redis.ConnectionError,)
                    ),
                )
            return self._sync_client

    @contextlib.asynccontextmanager
    async def subscribe(self, group: str) -> t.AsyncIterator[Subscription]:
        """Receive the messages published to ``group`` from now on, in any
        process, until the block ends.

        :raise BroadcastUnavailable: if Redis could not be reached.
        """
        hub = self._hub()
        channel = self._channel(group)
        subscription = Subscription(group, self.queue_size)
        try:
            await hub.add(channel, subscription)
        except BaseException:
            # Cancelled while Redis confirmed it, say: not a member then.
            subscription.close()
            await asyncio.shield(hub.remove(channel, subscription))
            raise
        try:
            yield subscription
        finally:
            subscription.close()
            await hub.remove(channel, subscription)

    def subscriber_count(self, group: str) -> int:
        """How many subscriptions of this event loop receive ``group``."""
        return len(self._hub().groups.get(self._channel(group), ()))

    async def aclose(self) -> None:
        """End this event loop's subscriptions quietly and close its
        connections to Redis (and the one :meth:`publish_sync` uses)."""
        hub = self._hubs.pop(asyncio.get_running_loop(), None)
        if hub is not None:
            await hub.aclose()
        with self._sync_lock:
            client, self._sync_client = self._sync_client, None
        if client is not None:
            client.close()
