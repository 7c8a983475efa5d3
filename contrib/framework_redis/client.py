"""The config keys of ``framework_redis`` and the Redis client built from
them."""

from __future__ import annotations

import typing as t

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

__all__ = ["DEFAULTS", "create_client"]

#: The config keys and their defaults, set by
#: :meth:`~framework_redis.RedisSessions.init_app`.
DEFAULTS: dict[str, t.Any] = {
    "SESSION_REDIS_URL": "redis://127.0.0.1:6379/0",
    "SESSION_REDIS_KEY_PREFIX": "session:",
    "SESSION_REDIS_TIMEOUT": 1.0,
    "SESSION_REDIS_COOKIE_REFRESH_INTERVAL": 60,
    "SESSION_REDIS_RETRY_AFTER": 5,
}


def create_client(config: t.Mapping[str, t.Any]) -> redis.Redis:
    """A Redis client for ``SESSION_REDIS_URL``, with the connect and read
    timeouts of ``SESSION_REDIS_TIMEOUT`` (seconds).

    A connection error (a pooled connection that broke since its last use)
    is retried once, at once; a timeout is not retried, so a hung server
    costs a request one timeout, not several. Missing keys take their
    :data:`DEFAULTS`. No connection is made until the first command.

    :param config: the app's config (or any mapping of the keys).
    """
    settings = {**DEFAULTS, **config}
    timeout = float(settings["SESSION_REDIS_TIMEOUT"])
    url = settings["SESSION_REDIS_URL"]
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )
