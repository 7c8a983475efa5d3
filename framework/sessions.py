"""Sessions: the :class:`SessionInterface` strategy and session objects.

Layer 2. The default, :class:`SecureCookieSessionInterface`, keeps the
session in a cookie signed with ``SECRET_KEY`` (verified with
``SECRET_KEY_FALLBACKS`` too), in the same format as Flask's, so sessions
survive a port from Flask. A session is opened only when a request uses it
(or carries a session cookie to refresh), and a cookie that is tampered
with, expired, forged or garbage simply gives an empty session.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re
import time
import typing as t
import zlib
from collections.abc import MutableMapping
from datetime import UTC, datetime

from itsdangerous import BadData, Signer, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes
from werkzeug.datastructures import CallbackDict
from werkzeug.http import http_date

from .interfaces import AppT
from .json.tag import TaggedJSONSerializer

if t.TYPE_CHECKING:  # pragma: no cover
    from .wrappers import Request, Response


__all__ = [
    "KeyCachingSigner",
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
]

_PERMANENT = "_permanent"

#: The tagged JSON serializer of session cookies, by Flask's name (tools
#: that decode a session cookie import it).
session_json_serializer = TaggedJSONSerializer()


class SessionMixin(MutableMapping[str, t.Any]):
    """What every session object provides besides the mapping methods."""

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session, for
        ``PERMANENT_SESSION_LIFETIME``."""
        return bool(self.get(_PERMANENT, False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self[_PERMANENT] = bool(value)

    #: ``True`` when the session was created by this request: there was no
    #: valid session cookie.
    new = False
    #: ``True`` when the session was changed and must be saved. Changes
    #: inside mutable values (``session["cart"].append(...)``) are not seen;
    #: set it yourself after those.
    modified = True
    #: ``True`` when the session was read or written; the response then
    #: varies by cookie.
    accessed = True


class SecureCookieSession(CallbackDict[str, t.Any], SessionMixin):
    """The session of :class:`SecureCookieSessionInterface`: a dict that
    records whether it was read (``accessed``) or changed (``modified``).

    Every read counts, ``in``, ``len`` and iteration included, so that a
    response that depends on the session always gets ``Vary: Cookie``.
    """

    modified = False
    accessed = False

    def __init__(
        self, initial: t.Mapping[str, t.Any] | None = None, new: bool = False
    ) -> None:
        def on_update(session: CallbackDict[str, t.Any]) -> None:
            session.modified = True  # type: ignore[attr-defined]
            session.accessed = True  # type: ignore[attr-defined]

        super().__init__(initial, on_update)
        self.new = new

    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.accessed = True
        return super().setdefault(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __len__(self) -> int:
        self.accessed = True
        return super().__len__()

    def __iter__(self) -> t.Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


class NullSession(dict[str, t.Any], SessionMixin):
    """The session when none can be stored: reads give nothing, writes raise
    an error that says how to enable sessions."""

    modified = False
    accessed = False

    def _refuse(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable because no secret key was set: set"
            " app.secret_key (the SECRET_KEY config key) to a long random"
            " value to use sessions."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse
    # dict's |= writes without going through update().
    __ior__ = _refuse


class SessionInterface(t.Generic[AppT]):
    """How the app opens and saves sessions: the session strategy. Subclass
    it and assign an instance to ``app.session_interface`` to keep sessions
    elsewhere (a database, Redis).

    The ``get_cookie_*`` methods read the ``SESSION_COOKIE_*`` config keys;
    use them so that configuration keeps working with your interface.

    A subclass written for Flask, whose methods say ``app: App``, type-checks
    unchanged: for the type checker, the app is a type parameter that
    defaults to ``Any``.
    """

    #: The class :meth:`make_null_session` instantiates.
    null_session_class: type[SessionMixin] = NullSession
    #: Whether the interface pickles session data (Flask's flag, kept for
    #: extensions that look at it).
    pickle_based = False
    #: Whether opening and saving a session never blocks (no network, no
    #: disk), so that under ASGI a request with async views and hooks may
    #: run on the event loop. Read from the class's own namespace only: a
    #: subclass that may block (one that stores sessions in a database)
    #: doesn't inherit it and runs its requests in a thread.
    loop_safe = False

    def make_null_session(self, app: AppT) -> SessionMixin:
        """The session used when :meth:`open_session` returns ``None``."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session, which is never saved."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: AppT) -> str:
        """``SESSION_COOKIE_NAME``."""
        return t.cast(str, app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: AppT) -> str | None:
        """``SESSION_COOKIE_DOMAIN``; ``None`` for the request's host only."""
        return t.cast("str | None", app.config["SESSION_COOKIE_DOMAIN"])

    def get_cookie_path(self, app: AppT) -> str:
        """``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return t.cast(
            str, app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"]
        )

    def get_cookie_httponly(self, app: AppT) -> bool:
        """``SESSION_COOKIE_HTTPONLY``: hide the cookie from scripts."""
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: AppT) -> bool:
        """``SESSION_COOKIE_SECURE``: send the cookie over HTTPS only."""
        return bool(app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: AppT) -> str | None:
        """``SESSION_COOKIE_SAMESITE``: ``"Lax"``, ``"Strict"``, ``"None"``
        or ``None``."""
        return t.cast("str | None", app.config["SESSION_COOKIE_SAMESITE"])

    def get_cookie_partitioned(self, app: AppT) -> bool:
        """``SESSION_COOKIE_PARTITIONED``: a CHIPS partitioned cookie."""
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: AppT, session: SessionMixin) -> datetime | None:
        """When the cookie expires: ``PERMANENT_SESSION_LIFETIME`` from now
        for a permanent session, else ``None`` (when the browser closes)."""
        if session.permanent:
            return datetime.now(UTC) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: AppT, session: SessionMixin) -> bool:
        """Whether to send the cookie: the session changed, or it is
        permanent and ``SESSION_REFRESH_EACH_REQUEST`` renews it."""
        return session.modified or (
            session.permanent and bool(app.config["SESSION_REFRESH_EACH_REQUEST"])
        )

    def open_session(self, app: AppT, request: Request) -> SessionMixin | None:
        """Load the session for ``request``; ``None`` means a null session.
        Must not raise for bad client data: return an empty session."""
        return None

    def save_session(
        self, app: AppT, session: SessionMixin, response: Response
    ) -> None:
        """Persist ``session`` on ``response`` (e.g. as a cookie)."""


def _sha1(data: bytes = b"") -> t.Any:
    # Looked up when used, not at import: FIPS builds may lack SHA-1, and
    # such an app must be able to set its own digest_method.
    return hashlib.sha1(data)


def _openssl_digest(digest_method: t.Any) -> t.Any:
    """``hashlib.sha1`` itself for the default digest method.

    PERF: session-write; :mod:`hmac` computes with OpenSSL only when given
    one of hashlib's own constructors, and falls back to pure Python for a
    function such as :func:`_sha1`: about twice as slow per signature.
    """
    return hashlib.sha1 if digest_method is _sha1 else digest_method


class KeyCachingSigner(TimestampSigner):
    """An itsdangerous :class:`~itsdangerous.TimestampSigner` that derives
    each secret key once. itsdangerous derives it (an HMAC of the salt)
    again for every signature made or checked; the result depends only on
    the key and the signer's settings, which never change. Signatures are
    the same as ``TimestampSigner``'s.

    The cookie session interface signs with it; session interfaces of
    extensions may too (``framework_redis`` does).
    """

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._derived_keys: dict[bytes, bytes] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived_keys.get(key)
        if derived is None:
            derived = self._derived_keys[key] = super().derive_key(key)
        return derived


class _SessionSerializer(URLSafeTimedSerializer):
    """A URL-safe timed serializer that keeps its signers instead of making
    one per call; output is the same as :class:`URLSafeTimedSerializer`'s.

    PERF: session-write. With the session interface's default settings
    (HMAC key derivation, SHA-1, a text serializer) :meth:`dumps` and
    :meth:`loads` write and read the format in one frame each, from keys
    derived once: itsdangerous goes through about twenty calls per cookie.
    Whatever the short way does not accept as clean (a bad or expired
    signature, an odd encoding, a bad payload) is handed to itsdangerous,
    which then decides and raises exactly as it always does.
    """

    default_signer = KeyCachingSigner

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._signers: dict[str | bytes | None, Signer] = {}
        #: ``(signing MAC, verifying MACs newest first)`` of the derived
        #: keys, when the short way applies; else ``None``.
        self._derived: tuple[_Sha1Mac, tuple[_Sha1Mac, ...]] | None = None
        #: The last timestamp signed, and its encoding.
        self._stamp: tuple[int, bytes] = (-1, b"")
        signer = self.make_signer()
        if (
            type(signer) is KeyCachingSigner
            and signer.key_derivation == "hmac"
            and signer.digest_method is hashlib.sha1
            and signer.sep == b"."
            and self.is_text_serializer
            and not self.fallback_signers
            and not self.serializer_kwargs
        ):
            macs = tuple(
                _Sha1Mac(signer.derive_key(key)) for key in reversed(self.secret_keys)
            )
            self._derived = (macs[0], macs)

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        signer = self._signers.get(salt)
        if signer is None:
            signer = self._signers[salt] = super().make_signer(salt)
        return signer

    def dumps(self, obj: t.Any, salt: str | bytes | None = None) -> str:
        derived = self._derived
        if derived is None or salt is not None:
            return super().dumps(obj, salt)
        data = self.serializer.dumps(obj).encode()
        # itsdangerous's format: zlib-compressed, behind a dot, when that
        # saves at least two bytes.
        packed = zlib.compress(data)
        compressed = len(packed) < len(data) - 1
        payload = b"." + _b64(packed) if compressed else _b64(data)
        now = int(time.time())
        stamp = self._stamp
        if stamp[0] != now:
            stamp = self._stamp = (now, _b64(now.to_bytes(8, "big").lstrip(b"\x00")))
        signed = payload + b"." + stamp[1]
        return (signed + b"." + _b64(derived[0].digest(signed))).decode("ascii")

    def loads(  # type: ignore[override]
        self,
        s: str | bytes,
        max_age: int | None = None,
        return_timestamp: bool = False,
        salt: str | bytes | None = None,
    ) -> t.Any:
        derived = self._derived
        if derived is not None and max_age is not None and not return_timestamp:
            found = self._read(s, max_age, derived[1]) if salt is None else _UNREAD
            if found is not _UNREAD:
                return found
        return super().loads(s, max_age, return_timestamp, salt)

    def _read(self, s: str | bytes, max_age: int, macs: tuple[_Sha1Mac, ...]) -> t.Any:
        """The data of a cookie with a valid, unexpired signature and a
        clean payload; :data:`_UNREAD` for anything else."""
        try:
            raw = s.encode("ascii") if isinstance(s, str) else s
            signed, dot, signature = raw.rpartition(b".")
            if not dot:
                return _UNREAD
            for mac in macs:
                if hmac.compare_digest(_b64(mac.digest(signed)), signature):
                    break
            else:
                return _UNREAD
            payload, dot, stamp = signed.rpartition(b".")
            if not dot or len(stamp) > 11:  # more than 8 bytes
                return _UNREAD
            age = int(time.time()) - int.from_bytes(_unb64(stamp), "big")
            if age > max_age or age < 0:
                return _UNREAD
            if payload[:1] == b".":
                data = zlib.decompress(_unb64(payload[1:]))
            else:
                data = _unb64(payload)
            return self.serializer.loads(data.decode())
        except Exception:
            return _UNREAD


class _Sha1Mac:
    """HMAC-SHA1 with one key, its padded key states hashed once.

    PERF: session-write; ``hmac.digest`` looks the digest up and hashes
    the padded key again on every call: this is twice as fast.

    :param key: the key.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        block = hashlib.sha1().block_size
        if len(key) > block:
            key = hashlib.sha1(key).digest()
        key = key.ljust(block, b"\x00")
        self._inner = hashlib.sha1(key.translate(_IPAD))
        self._outer = hashlib.sha1(key.translate(_OPAD))

    def digest(self, message: bytes) -> bytes:
        """The MAC of ``message``."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


#: RFC 2104's inner and outer pads, as translation tables.
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))

#: What :meth:`_SessionSerializer._read` gives for a cookie it leaves to
#: itsdangerous.
_UNREAD = object()

#: base64's URL-safe alphabet from the standard one.
_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _b64(data: bytes) -> bytes:
    """URL-safe base64 without padding, as itsdangerous writes it."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


def _unb64(data: bytes) -> bytes:
    """The bytes of unpadded URL-safe base64; strict, unlike itsdangerous:
    anything it would read in a lenient way is left to it."""
    if data.translate(None, _B64_ALPHABET):
        raise ValueError("not URL-safe base64")
    return binascii.a2b_base64(data.translate(_FROM_URLSAFE) + b"=" * (-len(data) % 4))


_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


class SecureCookieSessionInterface(SessionInterface[AppT]):
    """Sessions in a cookie signed with the app's secret key (itsdangerous),
    serialized as tagged JSON. Readable by anyone who has the cookie, so
    keep secrets out of it; unforgeable without the key.

    The signing parameters match Flask's, so a Flask app's session cookies
    stay valid after the port.
    """

    #: Signing a cookie never blocks; see :attr:`SessionInterface.loop_safe`.
    loop_safe = True
    #: Mixed into the key derivation, separating sessions from other data
    #: signed with the same secret key.
    salt = "cookie-session"
    #: The signature's hash function.
    digest_method = staticmethod(_sha1)
    #: itsdangerous's key derivation.
    key_derivation = "hmac"
    #: Turns session data into a string and back.
    serializer = session_json_serializer
    #: The session class :meth:`open_session` creates.
    session_class = SecureCookieSession

    #: The last serializer built, with what it was built from.
    _last_serializer: tuple[tuple[t.Any, ...], URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: AppT) -> URLSafeTimedSerializer | None:
        """The serializer that signs with ``SECRET_KEY`` and verifies with it
        and ``SECRET_KEY_FALLBACKS``; ``None`` without a secret key.

        It is built again only when the keys or signing settings change.
        """
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        # PERF: session-write; building one costs ~10 us, twice a request.
        spec = (
            secret_key,
            tuple(fallbacks) if fallbacks else (),
            self.salt,
            self.serializer,
            self.key_derivation,
            self.digest_method,
        )
        last = self._last_serializer
        if last is not None and last[0] == spec:
            return last[1]
        # itsdangerous signs with the last key and verifies with all.
        keys: list[str | bytes] = [*spec[1], secret_key]
        serializer = _SessionSerializer(
            keys,
            salt=self.salt,
            serializer=self.serializer,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": _openssl_digest(self.digest_method),
            },
        )
        self._last_serializer = (spec, serializer)
        return serializer

    def open_session(self, app: AppT, request: Request) -> SecureCookieSession | None:
        """The session in the request's cookie; an empty, new session when
        there is none or it does not verify."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class(new=True)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data = serializer.loads(value, max_age=max_age)
        except BadData:  # a bad or expired signature, or a bad payload
            return self.session_class(new=True)
        if not isinstance(data, dict):
            return self.session_class(new=True)
        return self.session_class(data)

    def _cookie_options(self, app: AppT) -> dict[str, t.Any]:
        """The attributes the session cookie is set and deleted with."""
        return {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }

    def _cookie_update(
        self, app: AppT, session: SessionMixin
    ) -> tuple[str, datetime | None] | None:
        """What the response must do with the cookie: ``None`` to leave it
        alone, ``("", None)`` to delete it, else its new value and expiry."""
        if not session:
            # An emptied session deletes the cookie; one never filled sets none.
            return ("", None) if session.modified else None
        if not self.should_set_cookie(app, session):
            return None
        serializer = self.get_signing_serializer(app)
        assert serializer is not None, "a session was opened, so a key is set"
        return serializer.dumps(dict(session)), self.get_expiration_time(app, session)

    def save_session(
        self, app: AppT, session: SessionMixin, response: Response
    ) -> None:
        """Set, refresh or delete the cookie as the session requires, and add
        ``Vary: Cookie`` when the session was used or the cookie changes.
        Saving does not count as a use: ``session.accessed`` is as the
        request left it."""
        used = session.accessed
        try:
            update = self._cookie_update(app, session)
        finally:
            if session.accessed != used:
                session.accessed = used
        if used or update is not None:
            headers = response.headers
            if "Vary" in headers:
                response.vary.add("Cookie")
            else:
                # PERF: session-write; what the vary set writes when there
                # is no Vary header yet, without parsing one.
                headers["Vary"] = "Cookie"
        if update is None:
            return
        value, expires = update
        name = self.get_cookie_name(app)
        options = self._cookie_options(app)
        if value:
            header = _set_cookie_header(response, name, value, expires, options)
            if header is None:
                response.set_cookie(name, value, expires=expires, **options)
            else:
                response.headers.add("Set-Cookie", header)
        else:
            response.delete_cookie(name, **options)


#: The ``Set-Cookie`` header of a session cookie, split around its value
#: and its expiry date, by cookie name, options and whether it expires.
_COOKIE_TEMPLATES: dict[tuple[t.Any, ...], tuple[str, str, str]] = {}
_EXPIRES_MARK = "expires-9a3f51"
#: :class:`framework.wrappers.Response`, imported on first use (a layer
#: above this module's).
_own_response: type[Response] | None = None
#: Values set without quoting: what signed session values are made of.
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.-]*")


def _set_cookie_header(
    response: Response,
    name: str,
    value: str,
    expires: datetime | None,
    options: dict[str, t.Any],
) -> str | None:
    """The ``Set-Cookie`` header ``response.set_cookie`` would add for a
    signed session value, from a template made once by calling it;
    ``None`` when the response class sets cookies its own way or the header
    is over the size that asks for a warning.

    PERF: session-write; werkzeug formats and checks every part of the
    header on each call, when only the value and the date change.
    """
    global _own_response
    if _own_response is None:
        from .wrappers import Response as OwnResponse

        _own_response = OwnResponse
    if (
        type(response).set_cookie is not _own_response.set_cookie
        or _PLAIN_VALUE.fullmatch(value) is None
    ):
        return None
    key = (name, expires is not None, *options.values())
    template = _COOKIE_TEMPLATES.get(key)
    if template is None:
        sample = _own_response()
        mark = _EXPIRES_MARK if expires is not None else None
        sample.set_cookie(name, "v", expires=mark, **options)
        made = sample.headers["Set-Cookie"]
        head = f"{name.encode().decode('latin-1')}=v"
        if not made.startswith(head):  # pragma: no cover - werkzeug changed
            return None
        rest = made[len(head) :]
        before, _, after = rest.partition(_EXPIRES_MARK)
        template = (head[:-1], before, after)
        if len(_COOKIE_TEMPLATES) < 64:
            _COOKIE_TEMPLATES[key] = template
    start, before, after = template
    if expires is None:
        header = f"{start}{value}{before}"
    else:
        header = f"{start}{value}{before}{http_date(expires)}{after}"
    limit = response.max_cookie_size
    if limit and len(header) > limit:
        return None  # set_cookie warns
    return header
