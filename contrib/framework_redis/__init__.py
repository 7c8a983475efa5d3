"""Server-side sessions on Redis for framework apps.

The session cookie carries only a random id, signed with the app's secret
key; the data lives in Redis, which every worker and every server of the
app shares, with the session lifetime as its time to live::

    from framework import App, session
    from framework_redis import RedisSessions, regenerate_session

    app = App(__name__)
    app.secret_key = "a long random value"
    app.config["SESSION_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    RedisSessions(app)

    @app.post("/login")
    def login():
        ...  # check the password
        regenerate_session()  # a new id once the user is known
        session["user_id"] = user.id
        return "welcome"

If Redis fails, the request gets a 503 (:exc:`SessionUnavailable`) and one
line is logged; it never goes on with an empty session. The extension uses
only the public API: the session interface strategy, the config and
``app.extensions["redis_sessions"]``. It needs redis-py (the ``redis``
extra: ``pip install redis``) and Redis 6.2 or later.
"""

from __future__ import annotations

from .client import DEFAULTS, create_client
from .extension import RedisSessions
from .sessions import (
    RedisSession,
    RedisSessionInterface,
    SessionUnavailable,
    UnavailableSession,
    new_session_id,
    regenerate_session,
)

__all__ = [
    "DEFAULTS",
    "RedisSession",
    "RedisSessionInterface",
    "RedisSessions",
    "SessionUnavailable",
    "UnavailableSession",
    "create_client",
    "new_session_id",
    "regenerate_session",
]
