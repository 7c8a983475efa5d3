"""Type-only checks of ``framework_redis``, run by ``mypy --strict`` in
``make test``: the extension's public API is typed. Nothing here runs under
pytest."""

from __future__ import annotations

import typing as t

import redis
from framework_redis import (
    DEFAULTS,
    RedisSession,
    RedisSessionInterface,
    RedisSessions,
    SessionUnavailable,
    UnavailableSession,
    create_client,
    new_session_id,
    regenerate_session,
)
from itsdangerous import TimestampSigner
from werkzeug.exceptions import ServiceUnavailable

from framework import App, session
from framework.sessions import NullSession, SessionInterface, SessionMixin

app = App(__name__)
sessions = RedisSessions(app)
t.assert_type(sessions.redis_client, redis.Redis | None)
t.assert_type(sessions.init_app(app), RedisSessionInterface)
t.assert_type(RedisSessions.interface_class, type[RedisSessionInterface])
RedisSessions(redis_client=redis.Redis())

interface = RedisSessionInterface(redis.Redis(), key_prefix="shop:")
RedisSessionInterface()
t.assert_type(interface.redis_client, redis.Redis | None)
t.assert_type(interface.key_prefix, str)
t.assert_type(interface.get_redis(app), redis.Redis)
t.assert_type(interface.session_key("id"), str)
t.assert_type(interface.get_signer(app), TimestampSigner | None)
t.assert_type(interface.get_ttl(app), int)
t.assert_type(interface.get_cookie_refresh_interval(app), float)
t.assert_type(interface.moved_key("id"), str)
t.assert_type(interface.moved_key_ttl, int)
app.session_interface = interface
base: SessionInterface = interface

created = RedisSession({"a": 1}, sid=new_session_id())
t.assert_type(created.sid, str)
t.assert_type(created.stored_sid, str | None)
t.assert_type(created.regenerated, bool)
t.assert_type(created.cookie_signed_at, float | None)
t.assert_type(created.stale_sid, str | None)
t.assert_type(created.regenerate(), None)
mixin: SessionMixin = created

t.assert_type(regenerate_session(), None)
if isinstance(session, RedisSession):
    t.assert_type(session.sid, str)

unavailable: NullSession = UnavailableSession()
error: ServiceUnavailable = SessionUnavailable()
t.assert_type(create_client(app.config), redis.Redis)
t.assert_type(create_client({"SESSION_REDIS_URL": "redis://localhost"}), redis.Redis)
t.assert_type(DEFAULTS, dict[str, t.Any])
