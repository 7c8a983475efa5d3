"""The ``init_app`` side of ``framework_broadcast``: :class:`Broadcast`,
and the backend its config chooses."""

from __future__ import annotations

import contextlib
import typing as t
import urllib.parse

from framework import current_app, has_app_context

from .memory import MemoryBackend
from .messages import Message
from .subscription import Subscription

if t.TYPE_CHECKING:
    from framework import App

__all__ = ["DEFAULTS", "Backend", "Broadcast", "create_backend"]

#: The config keys and their defaults, set by :meth:`Broadcast.init_app`.
DEFAULTS: dict[str, t.Any] = {
    "BROADCAST_URL": None,
    "BROADCAST_QUEUE_SIZE": 1000,
    "BROADCAST_REDIS_PREFIX": "broadcast:",
    "BROADCAST_REDIS_TIMEOUT": 1.0,
    "BROADCAST_REDIS_RETRY_MAX": 5.0,
    "BROADCAST_REDIS_PING_INTERVAL": 5.0,
}


class Backend(t.Protocol):
    """What carries the messages: :class:`~framework_broadcast.MemoryBackend`,
    :class:`~framework_broadcast.RedisBackend`, or one of your own."""

    async def publish(self, group: str, message: Message) -> None: ...

    def publish_sync(self, group: str, message: Message) -> None: ...

    def subscribe(
        self, group: str
    ) -> contextlib.AbstractAsyncContextManager[Subscription]: ...

    async def aclose(self) -> None: ...


def create_backend(config: t.Mapping[str, t.Any]) -> Backend:
    """The backend ``BROADCAST_URL`` names: ``None`` or ``memory://`` for
    :class:`~framework_broadcast.MemoryBackend`; ``redis://``, ``rediss://``
    or ``unix://`` for :class:`~framework_broadcast.RedisBackend`. Missing keys
    take their :data:`DEFAULTS`.

    :param config: the app's config (or any mapping of the keys).
    :raise ValueError: for another URL scheme, or a queue size or timeout
        that is not a positive number.
    """
    settings = {**DEFAULTS, **config}
    queue_size = settings["BROADCAST_QUEUE_SIZE"]
    if (
        isinstance(queue_size, bool)
        or not isinstance(queue_size, int)
        or queue_size < 1
    ):
        raise ValueError(
            f"BROADCAST_QUEUE_SIZE must be a whole number of messages, 1 or"
            f" more, not {queue_size!r}."
        )
    url = settings["BROADCAST_URL"] or "memory://"
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme == "memory":
        return MemoryBackend(queue_size=queue_size)
    if scheme in ("redis", "rediss", "unix"):
        from .redis_backend import RedisBackend

        numbers = {}
        for key in (
            "BROADCAST_REDIS_TIMEOUT",
            "BROADCAST_REDIS_RETRY_MAX",
            "BROADCAST_REDIS_PING_INTERVAL",
        ):
            value = settings[key]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or value <= 0
            ):
                raise ValueError(
                    f"{key} must be a number of seconds above 0, not {value!r}."
                )
            numbers[key] = float(value)
        return RedisBackend(
            url,
            prefix=settings["BROADCAST_REDIS_PREFIX"],
            queue_size=queue_size,
            timeout=numbers["BROADCAST_REDIS_TIMEOUT"],
            retry_max=numbers["BROADCAST_REDIS_RETRY_MAX"],
            ping_interval=numbers["BROADCAST_REDIS_PING_INTERVAL"],
        )
    raise ValueError(
        f"BROADCAST_URL {url!r} names no broadcast backend: use memory:// (one"
        " process) or redis://host:port/db (every process on that Redis)."
    )


class Broadcast:
    """The extension that sends messages to groups of subscribers:
    websocket handlers and server-sent event streams.

    Use it directly, ``broadcast = Broadcast(app)``, or with an app factory,
    ``broadcast = Broadcast()`` then ``broadcast.init_app(app)``.
    :meth:`init_app` stores the app's backend in
    ``app.extensions["broadcast"]`` and closes it when the app stops
    serving.

    Config keys (set on the app; defaults are added by :meth:`init_app`):

    ``BROADCAST_URL``
        ``None`` or ``"memory://"`` (the default): the groups of this
        process only. ``"redis://host:port/db"`` (or ``rediss://``,
        ``unix://``): Redis pub/sub, shared by every process and host using
        that Redis.
    ``BROADCAST_QUEUE_SIZE``
        How many unread messages a subscription may hold (1000); one more
        ends it with :exc:`~framework_broadcast.SubscriberTooSlow`.
    ``BROADCAST_REDIS_PREFIX``
        Put before a group's name to make its Redis channel
        (``"broadcast:"``); apps sharing a Redis give theirs different
        prefixes.
    ``BROADCAST_REDIS_TIMEOUT``
        Seconds to wait for Redis to connect, answer a publish or confirm a
        subscription (1.0).
    ``BROADCAST_REDIS_RETRY_MAX``
        The longest wait, in seconds, before trying Redis again after it
        failed (5.0); the wait starts at 0.1 s and doubles.
    ``BROADCAST_REDIS_PING_INTERVAL``
        After how many seconds of silence the pub/sub connection is checked
        with a PING (5.0); no answer within ``BROADCAST_REDIS_TIMEOUT`` ends
        the subscriptions as an outage.

    :param app: an app to set up right away.
    :param backend: use this backend instead of the one ``BROADCAST_URL``
        names.
    """

    def __init__(
        self, app: App | None = None, *, backend: Backend | None = None
    ) -> None:
        self.app = app
        self._backend = backend
        # The backend of the only app set up, for code that runs outside
        # an app context (a response's generator, a background task).
        self._only: Backend | None = None
        self._app_count = 0
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> Backend:
        """Set up ``app``: config defaults, its backend in
        ``app.extensions["broadcast"]``, and the backend's closing when the
        app stops serving.

        :param app: the app to set up.
        :return: the app's backend.
        :raise ValueError: for a bad config value (see :func:`create_backend`).
        """
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        backend = self._backend or create_backend(app.config)
        app.extensions["broadcast"] = backend
        app.after_serving(backend.aclose)
        self._app_count += 1
        self._only = backend if self._app_count == 1 else None
        return backend

    @property
    def backend(self) -> Backend:
        """The backend of the current app; outside an app context, that of
        the only app this extension set up.

        :raise RuntimeError: if there is no such app.
        """
        if has_app_context():
            backend = current_app.extensions.get("broadcast")
            if backend is not None:
                return t.cast(Backend, backend)
            raise RuntimeError(
                "Broadcast is not set up on this app: call"
                " broadcast.init_app(app) first."
            )
        if self._only is not None:
            return self._only
        raise RuntimeError(
            "Broadcast does not know which app to use: it set up "
            + ("no app yet" if self._app_count == 0 else "several apps")
            + ", and there is no app context. Call it within one"
            " (with app.app_context()), or set up only one app."
        )

    async def publish(self, group: str, message: Message) -> None:
        """Send ``message`` to every current subscriber of ``group``.

        :param group: the group's name (any text).
        :param message: ``str``, ``bytes`` or a JSON-able value; subscribers
            receive the same type (a JSON value is decoded anew).
        :raise TypeError: if ``message`` is none of these.
        :raise BroadcastUnavailable: if the backend could not be reached.
        """
        await self.backend.publish(group, message)

    def publish_sync(self, group: str, message: Message) -> None:
        """:meth:`publish` for a sync view or any other thread.

        :param group: the group's name.
        :param message: as for :meth:`publish`.
        """
        self.backend.publish_sync(group, message)

    def subscribe(
        self, group: str
    ) -> contextlib.AbstractAsyncContextManager[Subscription]:
        """Receive the messages published to ``group`` while the ``async
        with`` block lasts::

            async with broadcast.subscribe("room:1") as subscription:
                async for message in subscription:
                    ...

        Messages published once the block has begun are received, in the
        order they were published. ``async for`` raises
        :exc:`~framework_broadcast.BroadcastUnavailable` if the backend goes
        away, and :exc:`~framework_broadcast.SubscriberTooSlow` if the reader
        falls ``BROADCAST_QUEUE_SIZE`` messages behind.

        :param group: the group's name.
        """
        return self.backend.subscribe(group)
