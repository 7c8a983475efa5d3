"""The ``init_app`` side of ``framework_redis``: :class:`RedisSessions`."""

from __future__ import annotations

import typing as t

from .client import DEFAULTS, create_client
from .sessions import RedisSessionInterface

if t.TYPE_CHECKING:
    import redis

    from framework import App

__all__ = ["RedisSessions"]


class RedisSessions:
    """The extension that keeps an app's sessions in Redis.

    Use it directly, ``RedisSessions(app)``, or with an app factory,
    ``sessions = RedisSessions()`` then ``sessions.init_app(app)``.
    :meth:`init_app` sets ``app.session_interface`` to a
    :class:`~framework_redis.RedisSessionInterface` and stores that interface
    in ``app.extensions["redis_sessions"]`` (its ``redis_client`` is the
    client, for use elsewhere in the app).

    Config keys (set on the app; defaults are added by :meth:`init_app`):

    ``SESSION_REDIS_URL``
        Where Redis is: ``redis://[[user]:password@]host[:port][/db]``,
        ``rediss://`` for TLS, ``unix:///path/to/redis.sock``; default
        ``"redis://127.0.0.1:6379/0"``.
    ``SESSION_REDIS_KEY_PREFIX``
        Put before each session id to make its Redis key; default
        ``"session:"``. Give apps that share a Redis database different
        prefixes.
    ``SESSION_REDIS_TIMEOUT``
        Seconds to wait for Redis to connect or answer before the request
        gets a 503; default ``1.0``.
    ``SESSION_REDIS_RETRY_AFTER``
        The ``Retry-After`` header, in seconds, of the 503 a request gets
        when Redis fails (5); ``None`` sends none.
    ``SESSION_REDIS_COOKIE_REFRESH_INTERVAL``
        How old (seconds, or a timedelta) an unchanged permanent session's
        cookie may be before a request sends it again; default ``60``,
        never more than a tenth of ``PERMANENT_SESSION_LIFETIME``. See
        :meth:`~framework_redis.RedisSessionInterface.get_cookie_refresh_interval`.

    :param app: an app to set up right away.
    :param redis_client: use this client instead of building one from
        ``SESSION_REDIS_URL`` (for Sentinel, or custom options). Redis
        Cluster is not supported: giving a session a new id moves it in
        one transaction, which a cluster refuses for keys of two slots.
    """

    #: The session interface class :meth:`init_app` installs.
    interface_class: type[RedisSessionInterface] = RedisSessionInterface

    def __init__(
        self, app: App | None = None, *, redis_client: redis.Redis | None = None
    ) -> None:
        self.redis_client = redis_client
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> RedisSessionInterface:
        """Set up ``app``: config defaults, its Redis client, its session
        interface and ``app.extensions["redis_sessions"]``.

        :param app: the app whose sessions go to Redis.
        :return: the session interface now serving ``app``.
        :raise ValueError: if ``SESSION_REDIS_COOKIE_REFRESH_INTERVAL`` is
            not a number of seconds (or a timedelta) of 0 or more, or
            ``SESSION_REDIS_RETRY_AFTER`` not a whole number of seconds (1
            or more) or ``None``.
        """
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        client = self.redis_client
        if client is None:
            client = create_client(app.config)
        interface = self.interface_class(
            client, key_prefix=app.config["SESSION_REDIS_KEY_PREFIX"]
        )
        # A bad value fails here, at setup, rather than in a request.
        interface.get_cookie_refresh_interval(app)
        interface.get_retry_after(app)
        app.session_interface = interface
        app.extensions["redis_sessions"] = interface
        return interface
