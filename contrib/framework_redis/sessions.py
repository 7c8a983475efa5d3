"""Server-side sessions in Redis: the session interface and its session.

The cookie carries only a random session id and the time it was signed,
signed with the app's secret key; the data lives in Redis under
``key_prefix + id``, serialized as tagged JSON (the cookie sessions' format,
so the same types round-trip), with the session lifetime as its time to live.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
import typing as t
import weakref
from datetime import timedelta

import redis
from itsdangerous import BadSignature, TimestampSigner
from werkzeug.exceptions import ServiceUnavailable

from framework import current_app, has_app_context, has_request_context
from framework import session as current_session
from framework.json.tag import TaggedJSONSerializer
from framework.sessions import (
    KeyCachingSigner,
    NullSession,
    SecureCookieSession,
    SessionInterface,
    SessionMixin,
)

from .client import DEFAULTS, create_client
from .commands import KeptConnections, serves

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

#: The config key of :meth:`RedisSessionInterface.get_cookie_refresh_interval`.
_REFRESH_INTERVAL = "SESSION_REDIS_COOKIE_REFRESH_INTERVAL"
#: The config key of :meth:`RedisSessionInterface.get_retry_after`.
_RETRY_AFTER = "SESSION_REDIS_RETRY_AFTER"


def new_session_id() -> str:
    """A new random session id: 32 random bytes, URL-safe base64 (43
    characters)."""
    return secrets.token_urlsafe(32)


class SessionUnavailable(ServiceUnavailable):
    """The session store (Redis) could not be reached, or failed, while the
    session was read or saved: **503 Service Unavailable**, with a
    ``Retry-After`` header of ``SESSION_REDIS_RETRY_AFTER`` seconds.

    Register an error handler for it (or for ``503``) to answer with your
    own page; its ``retry_after`` is the number of seconds::

        @app.errorhandler(SessionUnavailable)
        def session_store_down(e):
            headers = {"Retry-After": e.retry_after}
            return "Down for a moment, please retry.", 503, headers
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
        #: When the cookie the request carried was signed (a Unix time),
        #: ``None`` if the session was not read from a cookie. An unchanged
        #: session's cookie is sent again only once it is older than
        #: :meth:`RedisSessionInterface.get_cookie_refresh_interval`.
        self.cookie_signed_at: float | None = None
        #: The id the request's cookie named when Redis did not have it (it
        #: expired, or another request ended it or gave it a new id):
        #: this session stands in for that one. ``None`` otherwise.
        self.stale_sid: str | None = None
        #: The serialized data as read from Redis, ``None`` for a session
        #: not read from Redis: a changed session that serializes to the
        #: same text is not written again.
        self.stored_text: str | None = None

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
        # A log in of its own: it no longer stands in for a stale id (see
        # RedisSessionInterface.moved_key), even one another log in moved.
        self.stale_sid = None

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
        config = current_app.config if has_app_context() else DEFAULTS
        raise SessionUnavailable(
            retry_after=config.get(_RETRY_AFTER, DEFAULTS[_RETRY_AFTER])
        )

    # ``|=`` too: dict's own in-place union would bypass ``update``.
    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse
    __ior__ = _refuse


class RedisSessionInterface(SessionInterface):
    """Sessions in Redis, with a signed session id in the cookie.

    The ``SESSION_COOKIE_*``, ``PERMANENT_SESSION_LIFETIME`` and
    ``SESSION_REFRESH_EACH_REQUEST`` config keys work as with the default
    cookie sessions, except that an unchanged permanent session's cookie is
    sent again only once it is older than
    ``SESSION_REDIS_COOKIE_REFRESH_INTERVAL`` (see
    :meth:`get_cookie_refresh_interval`). A cookie that is missing, tampered
    with, signed with an unknown key, or names an id Redis does not have
    (expired, deleted) gives a new, empty session with a new id: a client can
    never choose its id.

    No response sends a cookie (nor deletes one) for a session that another
    request ended or gave a new id while it ran: the browser keeps the
    cookie of the request that did (a log in, for example). The check runs
    just before the answer goes out, not atomically with it.

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
    #: How long, in seconds, the old id of a session given a new id is
    #: remembered (see :meth:`moved_key`): longer than a request the browser
    #: sent before it got the new id may wait before it is served.
    moved_key_ttl = 300

    #: The last signer :meth:`get_signer` made, with the keys it was made
    #: for.
    _signer: tuple[tuple[str | bytes, ...], TimestampSigner] | None = None
    #: The client :meth:`execute` last sent through, with its kept
    #: connections (``None`` for a client that sends its own commands).
    _sender: tuple[redis.Redis, KeptConnections | None] | None = None

    def __init__(
        self,
        redis_client: redis.Redis | None = None,
        key_prefix: str = "session:",
    ) -> None:
        #: The Redis client; see the class docstring.
        self.redis_client = redis_client
        #: What is put before the session id to make the Redis key.
        self.key_prefix = key_prefix
        # Each app's cookie refresh interval, read from its config once.
        self._refresh_intervals: weakref.WeakKeyDictionary[App, float] = (
            weakref.WeakKeyDictionary()
        )

    def get_redis(self, app: App) -> redis.Redis:
        """The Redis client, built from ``app``'s config if none was given.

        :param app: the app whose config has the connection settings.
        """
        client = self.redis_client
        if client is None:
            client = self.redis_client = create_client(app.config)
        return client

    def execute(self, app: App, *args: str) -> t.Any:
        """Send one command to :meth:`get_redis`'s client and return its
        reply: bytes (or ``str`` with ``decode_responses``) or ``None`` for
        ``GET``, ``None`` for a conditional ``SET`` that did not set, a
        number for ``EXPIRE`` and ``DEL`` (``bool()`` of each reply means
        what the command's success means).

        A plain redis-py client sends on a connection the interface keeps,
        which spares each command a pool checkout (see
        :mod:`framework_redis.commands`); any other client sends through
        its ``execute_command``.

        :param app: the app whose client to use.
        :param args: the command's name and arguments.
        :raise redis.RedisError: if the command fails.
        """
        client, kept = self._senders(app)
        if kept is None:
            # Typed here: redis-py's execute_command is not.
            send: t.Callable[..., t.Any] = client.execute_command
            return send(*args)
        encode = kept.encode
        return kept.execute(*[encode(arg) for arg in args])

    def execute_many(
        self, app: App, commands: t.Sequence[tuple[str, ...]], transaction: bool
    ) -> list[t.Any]:
        """Send ``commands`` in one round trip (a pipeline) and return their
        replies, as :meth:`execute` returns one.

        :param app: the app whose client to use.
        :param commands: each command's name and arguments.
        :param transaction: whether they run as one ``MULTI``/``EXEC``
            transaction.
        :raise redis.RedisError: if a command fails.
        """
        client, kept = self._senders(app)
        if kept is None:
            pipe = client.pipeline(transaction=transaction)
            queue: t.Callable[..., t.Any] = pipe.execute_command
            for command in commands:
                queue(*command)
            return pipe.execute()
        encode = kept.encode
        return kept.pipeline(
            [[encode(arg) for arg in command] for command in commands], transaction
        )

    def _senders(self, app: App) -> tuple[redis.Redis, KeptConnections | None]:
        """:meth:`get_redis`'s client, with its kept connections if
        :func:`~framework_redis.commands.serves` accepts it."""
        client = self.get_redis(app)
        sender = self._sender
        if sender is None or sender[0] is not client:
            kept = KeptConnections(client) if serves(client) else None
            sender = self._sender = (client, kept)
        return sender

    def session_key(self, sid: str) -> str:
        """The Redis key of the session ``sid``."""
        return self.key_prefix + sid

    def moved_key(self, sid: str) -> str:
        """The Redis key that remembers, for :attr:`moved_key_ttl` seconds,
        that the session ``sid`` was given a new id.

        A request whose cookie still names the old id (the browser sent it
        before it got the new one) and that opens the session afterwards
        finds it gone; were it to store what it writes under a fresh id, its
        cookie would replace the new one in the browser (logging the user
        out again). This key tells it not to. The key holds no data and
        never the new id. Session ids have no ``:``, so it is never a
        session's key.
        """
        return self.key_prefix + sid + ":moved"

    def get_signer(self, app: App) -> TimestampSigner | None:
        """The signer of session ids: it signs the id and the current time
        with ``SECRET_KEY`` and verifies with it and
        ``SECRET_KEY_FALLBACKS``; ``None`` without a secret key. The same
        signer is returned until the keys change."""
        secret_key = app.secret_key
        if not secret_key:
            return None
        # itsdangerous signs with the last key and verifies with all.
        keys = (*(app.config["SECRET_KEY_FALLBACKS"] or ()), secret_key)
        # PERF: session-write; one signer per set of keys, each key derived
        # once, halves the signing work of a request (sign and verify).
        kept = self._signer
        if kept is not None and kept[0] == keys:
            return kept[1]
        signer = KeyCachingSigner(
            list(keys),
            salt=self.salt,
            key_derivation="hmac",
            digest_method=self.digest_method,
        )
        self._signer = (keys, signer)
        return signer

    def get_ttl(self, app: App) -> int:
        """How long, in seconds, Redis keeps a session nobody uses:
        ``PERMANENT_SESSION_LIFETIME``, for permanent and browser sessions
        alike (a browser session's cookie ends with the browser, but its
        data must end too)."""
        return max(1, int(app.permanent_session_lifetime.total_seconds()))

    def get_cookie_refresh_interval(self, app: App) -> float:
        """How old, in seconds, the cookie of an unchanged permanent session
        may be before a request sends it again (when
        ``SESSION_REFRESH_EACH_REQUEST`` is on):
        ``SESSION_REDIS_COOKIE_REFRESH_INTERVAL`` (seconds, or a
        :class:`~datetime.timedelta`; 60 by default), but never more than a
        tenth of ``PERMANENT_SESSION_LIFETIME``.

        Sending the cookie only that often spares most requests a
        ``Set-Cookie``, and a request that sends it confirms first (one
        ``EXPIRE``) that the session still exists under that id. The price:
        the browser's cookie may expire up to this long before
        ``PERMANENT_SESSION_LIFETIME`` has passed since the last request.
        ``0`` sends it on every request (one ``EXPIRE`` more each).

        Requests read it once per app, at the first one that needs it, and
        keep it: set it before the app serves requests.

        :raise ValueError: if the config value is not a number of seconds
            (or a timedelta) of 0 or more.
        """
        value = app.config.get(_REFRESH_INTERVAL, DEFAULTS[_REFRESH_INTERVAL])
        seconds = value.total_seconds() if isinstance(value, timedelta) else value
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 <= seconds < math.inf
        ):
            raise ValueError(
                f"{_REFRESH_INTERVAL} must be a number of seconds of 0 or more"
                f" (or a timedelta), not {value!r}."
            )
        return min(float(seconds), self.get_ttl(app) / 10)

    def _refresh_interval(self, app: App) -> float:
        """:meth:`get_cookie_refresh_interval`, read at the first request
        that needs it and kept: the config is not read again per request."""
        # PERF: session-write; a config read and its checks per request.
        interval = self._refresh_intervals.get(app)
        if interval is None:
            interval = self._refresh_intervals[app] = self.get_cookie_refresh_interval(
                app
            )
        return interval

    def get_retry_after(self, app: App) -> int | None:
        """The ``Retry-After`` of the 503 for a failed store:
        ``SESSION_REDIS_RETRY_AFTER`` seconds (5 by default); ``None`` sends
        no header.

        :raise ValueError: if the config value is neither a whole number of
            seconds of 1 or more nor ``None``.
        """
        value = app.config.get(_RETRY_AFTER, DEFAULTS[_RETRY_AFTER])
        if value is None or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 1
        ):
            return value
        # 0 too: werkzeug would send no header for it, silently.
        raise ValueError(
            f"{_RETRY_AFTER} must be a whole number of seconds (1 or more), or"
            f" None to send no Retry-After header, not {value!r}."
        )

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
            signed_id, signed_at = signer.unsign(value, return_timestamp=True)
            sid = signed_id.decode("ascii")
        except (BadSignature, UnicodeError):
            # A cookie signed without a time (this package before it signed
            # one) lands here too: a new session, the old one is not found.
            return self.session_class(new=True)
        key = self.session_key(sid)
        try:
            if app.config["SESSION_REFRESH_EACH_REQUEST"]:
                raw = self.execute(app, "GETEX", key, "EX", str(self.get_ttl(app)))
            else:
                raw = self.execute(app, "GET", key)
        except redis.RedisError as e:
            request.environ[_FAILED] = True
            self._fail(app, e, "reading")
        if raw is None:  # expired, deleted, given a new id, or never stored
            stale = self.session_class(new=True)
            stale.stale_sid = sid
            return stale
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
        session = self.session_class(data, sid=sid)
        session.cookie_signed_at = signed_at.timestamp()
        session.stored_text = text
        return session

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        """Store a changed session in Redis and send its cookie; delete an
        emptied one (key and cookie); move a regenerated one to its new id.
        An unchanged session is not written, nor serialized: its time to
        live was renewed when it was read, and a permanent session's cookie
        is sent again if ``SESSION_REFRESH_EACH_REQUEST`` asks for it and
        the cookie is older than :meth:`get_cookie_refresh_interval`. A
        session marked modified whose data serializes to what Redis holds
        (a view that wrote a value already there, ``session.permanent =
        True`` on every request) counts as unchanged when
        ``SESSION_REFRESH_EACH_REQUEST`` is on: the read renewed it. Adds
        ``Vary: Cookie`` when the session was used.

        Round trips to Redis: none for an unchanged session with a young
        cookie, one otherwise (one more, rarely, to undo a write that raced
        with another request's log in or log out).

        Nothing is written, and no cookie sent or deleted, for a session
        that another request ended or gave a new id while this one ran.

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
                payload = self.serializer.dumps(dict(session))
                if self._holds(app, session, payload):
                    # PERF: session-write; nothing new to write, and the
                    # read renewed the time to live: no round trip.
                    if not (session.permanent and self._refresh_cookie(app, session)):
                        return
                elif not self._store(app, session, payload):
                    return
            elif not (
                self.should_set_cookie(app, session)
                and self._refresh_cookie(app, session)
            ):
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

    def _holds(self, app: App, session: RedisSession, payload: str) -> bool:
        """Whether Redis holds ``payload`` already under the session's id,
        as read by this request, with its time to live renewed by the read
        (``SESSION_REFRESH_EACH_REQUEST``), so that writing it is useless."""
        return (
            payload == session.stored_text
            and not session.regenerated
            and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def _refresh_cookie(self, app: App, session: RedisSession) -> bool:
        """Whether to send again the cookie of a session that is to be
        sent (:meth:`should_set_cookie`) but has nothing new to store.

        Only when the cookie is older than the refresh interval: then one
        ``EXPIRE`` confirms that the session still exists under its id.
        Another request may have ended it or given it a new id since it was
        read; sending the old id then would replace the browser's new
        cookie with a dead one.
        """
        signed_at = session.cookie_signed_at
        # Most requests of a permanent session stop here: a young cookie
        # costs no Redis command and no Set-Cookie.
        if signed_at is not None and time.time() - signed_at < (
            self._refresh_interval(app)
        ):
            return False
        key = self.session_key(session.sid)
        if self.execute(app, "EXPIRE", key, str(self.get_ttl(app))):
            return True
        app.logger.debug(
            "The session was ended or given a new id by another request while"
            " this one read it: its cookie is not sent again"
        )
        return False

    def _store(self, app: App, session: RedisSession, payload: str) -> bool:
        """Write ``payload``, the session's data, under its id in one round
        trip; ``False`` if it was not written (or undone) because another
        request ended the session or gave it a new id meanwhile."""
        ttl = self.get_ttl(app)
        key = self.session_key(session.sid)
        stored = session.stored_sid
        if stored is None:
            stale = session.stale_sid
            if stale is None:
                # NX: a fresh random id never exists already; never
                # overwrite one.
                self.execute(app, "SET", key, payload, "EX", str(ttl), "NX")
            else:
                # Whether the id the cookie named was moved, asked in the
                # same round trip as the write.
                moved, _ = self.execute_many(
                    app,
                    [
                        ("EXISTS", self.moved_key(stale)),
                        ("SET", key, payload, "EX", str(ttl), "NX"),
                    ],
                    transaction=False,
                )
                if moved:
                    # The cookie named a session that a log in gave a new id
                    # after the browser sent this request; a cookie for the
                    # fresh id would replace the browser's new one. Nobody
                    # knows the fresh id: undoing the write is safe.
                    self.execute(app, "DEL", key)
                    app.logger.warning(
                        "The session was given a new id by another request"
                        " before this one used it: this request's changes were"
                        " not saved"
                    )
                    return False
        elif stored != session.sid:
            deleted, created, _ = self.execute_many(
                app,
                [
                    ("DEL", self.session_key(stored)),
                    ("SET", key, payload, "EX", str(ttl), "NX"),
                    ("SET", self.moved_key(stored), "", "EX", str(self.moved_key_ttl)),
                ],
                transaction=True,
            )
            if not deleted and created:
                # The old id was gone: another request ended the session
                # (or moved it) meanwhile, and a move must not bring it back
                # under the new id. Nobody knows the new id yet, so undoing
                # the write now is safe. (Nothing deleted and nothing
                # created is this very move applied once already, its
                # answer lost and the command retried: a success.)
                self.execute(app, "DEL", key)
                self._ended_elsewhere(app)
                return False
        # XX: only while the session still exists. A concurrent request
        # that logged out (deleted it) or regenerated its id must not see it
        # brought back by a request that still had the old id.
        elif not self.execute(app, "SET", key, payload, "EX", str(ttl), "XX"):
            self._ended_elsewhere(app)
            return False
        session.stored_sid = session.sid
        session.stored_text = payload
        return True

    def _ended_elsewhere(self, app: App) -> None:
        """Log that a save was dropped because the session it had read
        was ended by another request."""
        app.logger.warning(
            "The session was ended by another request while this one"
            " changed it: the changes were not saved"
        )

    def _delete(self, app: App, session: RedisSession, response: Response) -> None:
        """Delete an emptied session: its Redis key and its cookie.

        The cookie is deleted only when this request deleted the key: a
        session never stored has no cookie of its own (the browser's may
        name a session another request made meanwhile), and one that
        another request ended or gave a new id may have left the browser a
        new cookie.
        """
        stored = session.stored_sid
        if stored is None:
            return
        session.stored_sid = None
        if not self.execute(app, "DEL", self.session_key(stored)):
            app.logger.debug(
                "The session was ended or given a new id by another request"
                " while this one emptied it: its cookie is left as it is"
            )
            return
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
        raise SessionUnavailable(retry_after=self.get_retry_after(app)) from error


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
