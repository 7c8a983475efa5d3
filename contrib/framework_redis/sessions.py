"""Server-side sessions in Redis: the session interface and its session.

The cookie carries only a random session id, signed with the app's secret
key; the data lives in Redis under ``key_prefix + id``, serialized as tagged
JSON (the cookie sessions' format, so the same types round-trip), with the
session lifetime as its time to live.
"""

from __future__ import annotations

import hashlib
import secrets
import typing as t

import redis
from itsdangerous import BadSignature, Signer
from werkzeug.exceptions import ServiceUnavailable

from framework import has_request_context
from framework import session as current_session
from framework.json.tag import TaggedJSONSerializer
from framework.sessions import (
    NullSession,
    SecureCookieSession,
    SessionInterface,
    SessionMixin,
)

from .client import create_client

if t.TYPE_CHECKING:
    from framework import App, Request, Response

__all__ = [
    "RedisSession",
    "RedisSessionInterface",
    "SessionUnavailable",
    "UnavailableSession",
    "new_session_id",
    "regenerate_session",
]

#: Set in the WSGI environ of a request whose session store failed, so that
#: the rest of the request (its error page, the session save) does not try
#: Redis again.
_FAILED = "framework_redis.store_failed"


def new_session_id() -> str:
    """A new random session id: 32 random bytes, URL-safe base64 (43
    characters)."""
    return secrets.token_urlsafe(32)


class SessionUnavailable(ServiceUnavailable):
    """The session store (Redis) could not be reached, or failed, while the
    session was read or saved: **503 Service Unavailable**.

    Register an error handler for it (or for ``503``) to answer with your
    own page::

        @app.errorhandler(SessionUnavailable)
        def session_store_down(e):
            return "Down for a moment, please retry.", 503
    """

    description = (
        "The session store is unavailable, so this request could not be"
        " completed. Please try again in a moment."
    )


class RedisSession(SecureCookieSession):
    """A session kept in Redis: a dict that records whether it was read
    (``accessed``) or changed (``modified``), with an id.

    :param initial: the stored data.
    :param sid: the id the data is stored under; ``None`` for a new session,
        which gets a fresh id when first needed.
    :param new: whether the session was created by this request.
    """

    def __init__(
        self,
        initial: t.Mapping[str, t.Any] | None = None,
        sid: str | None = None,
        new: bool = False,
    ) -> None:
        super().__init__(initial, new=new)
        self._sid = sid
        #: The id the data is stored under in Redis, ``None`` if it is not
        #: stored yet; it differs from :attr:`sid` after :meth:`regenerate`.
        self.stored_sid = sid
        #: Set when saving failed; the session is not saved again.
        self.save_failed = False

    @property
    def sid(self) -> str:
        """The session id the cookie carries (a new one is made on first use
        for a new session)."""
        if self._sid is None:
            self._sid = new_session_id()
        return self._sid

    def regenerate(self) -> None:
        """Give the session a new id, keeping its data. When the response is
        saved, the data moves to the new id, the old id is deleted from Redis
        and the client gets a cookie with the new id.

        Call it when the user logs in (or gains privileges), so that an id
        an attacker planted in the browser before (session fixation) or saw
        before the log in is useless afterwards. :func:`regenerate_session`
        does the same for the current session.
        """
        self._sid = new_session_id()
        self.modified = True

    @property
    def regenerated(self) -> bool:
        """Whether :meth:`regenerate` gave a stored session a new id that is
        not saved yet."""
        return self.stored_sid is not None and self.sid != self.stored_sid


class UnavailableSession(NullSession):
    """The session of a request whose session store already failed: it
    reads as empty and refuses every change with :exc:`SessionUnavailable`,
    so that nothing is silently lost. It is never saved.

    A request gets it only after the failure was raised once: from its error
    handler, or in a view that caught :exc:`SessionUnavailable`.
    """

    def _refuse(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise SessionUnavailable()

    # ``|=`` too: dict's own in-place union would bypass ``update``.
    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse
    __ior__ = _refuse


class RedisSessionInterface(SessionInterface):
    """Sessions in Redis, with a signed session id in the cookie.

    The ``SESSION_COOKIE_*``, ``PERMANENT_SESSION_LIFETIME`` and
    ``SESSION_REFRESH_EACH_REQUEST`` config keys work as with the default
    cookie sessions. A cookie that is missing, tampered with, signed with an
    unknown key, or names an id Redis does not have (expired, deleted) gives
    a new, empty session with a new id: a client can never choose its id.

    When Redis fails (down, timing out, refusing the command), the request
    is answered with :exc:`SessionUnavailable` (503) and one error line is
    logged on ``app.logger``; the request never goes on with an empty
    session.

    :param redis_client: the Redis client; when ``None``, one is built from
        the config of the app that first uses the interface
        (``SESSION_REDIS_URL``, ``SESSION_REDIS_TIMEOUT``; see
        :func:`~framework_redis.create_client`).
    :param key_prefix: put before the session id to make the Redis key.
    """

    #: Mixed into the signature of the id, separating it from other data
    #: signed with the same secret key.
    salt = "framework_redis.session-id"
    #: The signature's hash function.
    digest_method = staticmethod(hashlib.sha256)
    #: Turns session data into a string and back.
    serializer = TaggedJSONSerializer()
    #: The session class :meth:`open_session` creates.
    session_class = RedisSession

    def __init__(
        self,
        redis_client: redis.Redis | None = None,
        key_prefix: str = "session:",
    ) -> None:
        #: The Redis client; see the class docstring.
        self.redis_client = redis_client
        #: What is put before the session id to make the Redis key.
        self.key_prefix = key_prefix

    def get_redis(self, app: App) -> redis.Redis:
        """The Redis client, built from ``app``'s config if none was given.

        :param app: the app whose config has the connection settings.
        """
        client = self.redis_client
        if client is None:
            client = self.redis_client = create_client(app.config)
        return client

    def session_key(self, sid: str) -> str:
        """The Redis key of the session ``sid``."""
        return self.key_prefix + sid

    def get_signer(self, app: App) -> Signer | None:
        """The signer of session ids: it signs with ``SECRET_KEY`` and
        verifies with it and ``SECRET_KEY_FALLBACKS``; ``None`` without a
        secret key."""
        if not app.secret_key:
            return None
        keys: list[str | bytes] = list(app.config["SECRET_KEY_FALLBACKS"] or ())
        # itsdangerous signs with the last key and verifies with all.
        keys.append(app.secret_key)
        return Signer(
            keys,  # type: ignore[arg-type]
            salt=self.salt,
            key_derivation="hmac",
            digest_method=self.digest_method,
        )

    def get_ttl(self, app: App) -> int:
        """How long, in seconds, Redis keeps a session nobody uses:
        ``PERMANENT_SESSION_LIFETIME``, for permanent and browser sessions
        alike (a browser session's cookie ends with the browser, but its
        data must end too)."""
        return max(1, int(app.permanent_session_lifetime.total_seconds()))

    def open_session(self, app: App, request: Request) -> SessionMixin | None:
        """The session the request's cookie names, read from Redis (and its
        time to live renewed when ``SESSION_REFRESH_EACH_REQUEST`` is on); a
        new, empty session when there is none.

        :raise SessionUnavailable: if Redis fails.
        """
        signer = self.get_signer(app)
        if signer is None:
            return None
        if _FAILED in request.environ:
            return UnavailableSession()
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class(new=True)
        try:
            sid = signer.unsign(value).decode("ascii")
        except (BadSignature, UnicodeError):
            return self.session_class(new=True)
        key = self.session_key(sid)
        client = self.get_redis(app)
        try:
            if app.config["SESSION_REFRESH_EACH_REQUEST"]:
                raw = client.getex(key, ex=self.get_ttl(app))
            else:
                raw = client.get(key)
        except redis.RedisError as e:
            request.environ[_FAILED] = True
            self._fail(app, e, "reading")
        if raw is None:  # expired, deleted, or never stored
            return self.session_class(new=True)
        try:
            text = raw if isinstance(raw, str) else raw.decode("utf-8")
            data = self.serializer.loads(text)
        except ValueError as e:  # UnicodeDecodeError and JSON errors too
            # The key is not logged: with a signature, the id is a credential.
            app.logger.warning(
                "A session's data in Redis does not decode (%s): starting a"
                " new session",
                e,
            )
            return self.session_class(new=True)
        if not isinstance(data, dict):
            return self.session_class(new=True)
        return self.session_class(data, sid=sid)

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        """Store a changed session in Redis and send its cookie; delete an
        emptied one (key and cookie); move a regenerated one to its new id.
        An unchanged session is not written: its time to live was renewed
        when it was read, and a permanent session's cookie is sent again if
        ``SESSION_REFRESH_EACH_REQUEST`` asks for it. Adds ``Vary: Cookie``
        when the session was used.

        :raise SessionUnavailable: if Redis fails.
        """
        if not isinstance(session, RedisSession):
            raise TypeError(
                f"RedisSessionInterface cannot save a {type(session).__name__}:"
                " the session must come from its open_session()."
            )
        # Decided before anything below reads the session (and so marks it
        # accessed): saving is not a use.
        if session.accessed:
            response.vary.add("Cookie")
        if session.save_failed:  # the 503 is already on its way
            return
        try:
            if not session:
                if session.modified:
                    self._delete(app, session, response)
                return
            if session.modified:
                if not self._store(app, session):
                    return
            elif not self.should_set_cookie(app, session):
                return
        except redis.RedisError as e:
            session.save_failed = True
            self._fail(app, e, "saving")
        signer = self.get_signer(app)
        assert signer is not None, "a session was opened, so a key is set"
        response.set_cookie(
            self.get_cookie_name(app),
            signer.sign(session.sid).decode("ascii"),
            expires=self.get_expiration_time(app, session),
            httponly=self.get_cookie_httponly(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            partitioned=self.get_cookie_partitioned(app),
            samesite=self.get_cookie_samesite(app),
        )
        response.vary.add("Cookie")

    def _store(self, app: App, session: RedisSession) -> bool:
        """Write the session's data under its id; ``False`` if it was not
        written because another request ended the session meanwhile."""
        client = self.get_redis(app)
        payload = self.serializer.dumps(dict(session))
        ttl = self.get_ttl(app)
        key = self.session_key(session.sid)
        stored = session.stored_sid
        if stored is None:
            # NX: a fresh random id never exists already; never overwrite one.
            client.set(key, payload, ex=ttl, nx=True)
        elif stored != session.sid:
            pipe = client.pipeline(transaction=True)
            pipe.delete(self.session_key(stored))
            pipe.set(key, payload, ex=ttl, nx=True)
            deleted, created = pipe.execute()
            if not deleted and created:
                # The old id was gone: another request ended the session
                # (or moved it) meanwhile, and a move must not bring it back
                # under the new id. Nobody knows the new id yet, so undoing
                # the write now is safe. (Nothing deleted and nothing
                # created is this very move applied once already, its
                # answer lost and the command retried: a success.)
                client.delete(key)
                self._ended_elsewhere(app)
                return False
        # XX: only while the session still exists. A concurrent request
        # that logged out (deleted it) or regenerated its id must not see it
        # brought back by a request that still had the old id.
        elif not client.set(key, payload, ex=ttl, xx=True):
            self._ended_elsewhere(app)
            return False
        session.stored_sid = session.sid
        return True

    def _ended_elsewhere(self, app: App) -> None:
        """Log that a save was dropped because the session it had read
        was ended by another request."""
        app.logger.warning(
            "The session was ended by another request while this one"
            " changed it: the changes were not saved"
        )

    def _delete(self, app: App, session: RedisSession, response: Response) -> None:
        """Delete an emptied session: its Redis key and its cookie."""
        if session.stored_sid is not None:
            self.get_redis(app).delete(self.session_key(session.stored_sid))
            session.stored_sid = None
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            partitioned=self.get_cookie_partitioned(app),
            samesite=self.get_cookie_samesite(app),
            httponly=self.get_cookie_httponly(app),
        )
        response.vary.add("Cookie")

    def _fail(self, app: App, error: redis.RedisError, action: str) -> t.NoReturn:
        """Log the store's failure on one line and answer 503."""
        app.logger.error(
            "The session store (Redis) failed while %s the session, answering"
            " 503: %s: %s",
            action,
            type(error).__name__,
            error,
        )
        raise SessionUnavailable() from error


def regenerate_session() -> None:
    """Give the current session a new id (see :meth:`RedisSession.regenerate`).
    Call it right after a user logs in.

    :raise TypeError: if the app's sessions are not :class:`RedisSession`
        objects (a cookie session has no id to regenerate).
    :raise RuntimeError: outside a request.
    """
    if not has_request_context():
        raise RuntimeError(
            "regenerate_session() changes the session of the current request:"
            " call it in a view or a hook."
        )
    if isinstance(current_session, NullSession):
        # Refused as the null session refuses any change: it names the
        # cause (no secret key, or the store failed earlier in the request).
        current_session.clear()
    if not isinstance(current_session, RedisSession):
        raise TypeError(
            "regenerate_session() needs Redis sessions: the current session is"
            f" a {type(current_session).__name__}; set up RedisSessions(app) or"
            " assign a RedisSessionInterface to app.session_interface."
        )
    current_session.regenerate()
