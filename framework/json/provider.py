"""JSON providers: how the app serializes JSON.

Layer 2. :class:`DefaultJSONProvider` is the default
:class:`~framework.interfaces.JSONProvider`: the standard library's ``json``
with support for dates, decimals, UUIDs, dataclasses, attrs classes and
objects with ``__html__``. Its encoders are built once per set of options and
reused, rather than once per call.
"""

from __future__ import annotations

import dataclasses
import decimal
import json
import typing as t
import uuid
import weakref
from datetime import date

import attrs
from werkzeug.http import http_date
from werkzeug.utils import get_content_type

from .. import interfaces
from ..ctx import _cv_context

if t.TYPE_CHECKING:  # pragma: no cover
    from ..interfaces import AppLike
    from ..wrappers import Response

__all__ = ["DefaultJSONProvider", "JSONProvider"]


class JSONProvider:
    """The base of JSON providers: holds a weak reference to its app and
    implements ``dump``/``load``/``response`` on top of ``dumps``/``loads``.

    Subclass it, implement :meth:`dumps` and :meth:`loads`, and set it as
    ``App.json_provider_class``, pass an instance to the app,
    ``App(__name__, json=MyProvider())``, or assign one to ``app.json``.

    :param app: the app the provider serves; ``None`` for a provider passed
        to ``App(json=...)`` or assigned to ``app.json``, which the app binds
        to itself when it takes it.
    """

    def __init__(self, app: AppLike | None = None) -> None:
        self._app: weakref.ref[AppLike] | None = (
            None if app is None else weakref.ref(app)
        )
        self._fast_class: type[Response] | None = None
        self._content_types: dict[str, str] = {}

    def prepare(self, app: AppLike) -> None:
        """Bind a provider made without an app to ``app``, and decide
        whether responses may take the fast construction path of the app's
        response class; called by the app when it takes the provider and
        whenever setup changes.

        :raise ValueError: if the provider already serves another app (a
            provider may keep per-app caches: give each app its own).
        """
        bound = None if self._app is None else self._app()
        if bound is None:
            self._app = weakref.ref(app)
        elif bound is not app:
            raise ValueError(
                f"This {type(self).__name__} already serves another app: give"
                " each app its own provider instance."
            )
        response_class = app.response_class
        supports_fast = getattr(response_class, "supports_fast", None)
        fast = supports_fast is not None and supports_fast()
        self._fast_class = response_class if fast else None

    def _json_response(
        self, body: bytes, mimetype: str, app: AppLike | None = None
    ) -> Response:
        """A response with an encoded JSON ``body``, built the fast way when
        the app's response class allows it.

        :param app: the app, when the caller has it already.
        """
        response_class = (self.app if app is None else app).response_class
        # PERF: JSON benchmark; skip the general constructor when allowed.
        if response_class is self._fast_class:
            content_type = self._content_types.get(mimetype)
            if content_type is None:
                content_type = self._content_types[mimetype] = get_content_type(
                    mimetype, "utf-8"
                )
            return response_class.fast(body, content_type)
        return response_class(body, mimetype=mimetype)

    @property
    def app(self) -> AppLike:
        """The app this provider belongs to."""
        app = None if self._app is None else self._app()
        if app is None:
            if self._app is None:
                raise RuntimeError(
                    f"This {type(self).__name__} serves no app yet: pass it to"
                    " App(__name__, json=...) or assign it to app.json."
                )
            raise RuntimeError(  # pragma: no cover - the app owns the provider
                "The app of this JSON provider was garbage collected."
            )
        return app

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` to a JSON string."""
        raise NotImplementedError

    def dump(self, obj: t.Any, fp: t.IO[str], **kwargs: t.Any) -> None:
        """Serialize ``obj`` to the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize a JSON document."""
        raise NotImplementedError

    def load(self, fp: t.IO[t.AnyStr], **kwargs: t.Any) -> t.Any:
        """Deserialize the JSON document read from ``fp``."""
        return self.loads(fp.read(), **kwargs)

    def _payload(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> t.Any:
        """What ``response(*args, **kwargs)`` serializes: nothing gives
        ``null``, one argument itself, several a list, keywords an object."""
        if kwargs:
            if args:
                raise TypeError(
                    "jsonify() and app.json.response() serialize either args or"
                    " kwargs: pass one value, several values, or keywords, not"
                    " a mix."
                )
            return kwargs
        match args:
            case ():
                return None
            case (single,):
                return single
        return list(args)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A JSON response: one positional argument is serialized as is,
        several as a list, keyword arguments as an object."""
        payload = self._payload(args, kwargs)
        return self.app.response_class(
            f"{self.dumps(payload)}\n", mimetype="application/json"
        )


def default(o: t.Any) -> t.Any:
    """Serialize the types the standard library's ``json`` does not know:
    dates as HTTP dates, decimals and UUIDs as strings, dataclasses and attrs
    classes as objects, ``__html__`` objects as their HTML."""
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, (decimal.Decimal, uuid.UUID)):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if attrs.has(type(o)):
        return attrs.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class DefaultJSONProvider(JSONProvider):
    """The standard library's ``json`` with the :func:`default` conversions.

    Options are plain attributes, read on each call, so they may be changed
    on ``app.json`` at any time before or during setup.
    """

    #: The function called for objects ``json`` can't serialize.
    default: t.Callable[[t.Any], t.Any] = staticmethod(default)
    #: Escape non-ASCII characters as ``\uXXXX`` escapes.
    ensure_ascii: bool = True
    #: Sort the keys of objects, which makes output stable for caching.
    sort_keys: bool = True
    #: ``True`` for compact output, ``False`` for indented output, ``None`` for
    #: indented in debug mode and compact otherwise (responses only).
    compact: bool | None = None
    #: The mimetype of JSON responses.
    mimetype: str = "application/json"

    def __init__(self, app: AppLike | None = None) -> None:
        super().__init__(app)
        self._encoders: dict[tuple[t.Any, ...], t.Callable[[t.Any], str]] = {}
        #: The compact response lane (see :meth:`response`): the options
        #: and response class it was made for, the C encoder's function,
        #: the checking encoder, the Content-Type.
        self._lane: tuple[t.Any, ...] | None = None

    def _encoder(self, indent: int | None) -> t.Callable[[t.Any], str]:
        """The function encoding response bodies with the current options.

        PERF: JSON benchmark; ``json.dumps`` with options builds a new
        encoder on every call, and ``JSONEncoder.encode`` a new C encoder:
        this builds one per set of options.
        """
        key = (self.ensure_ascii, self.sort_keys, indent, self.default)
        encode = self._encoders.get(key)
        if encode is None:
            encoder = json.JSONEncoder(
                ensure_ascii=self.ensure_ascii,
                sort_keys=self.sort_keys,
                indent=indent,
                separators=(",", ":") if indent is None else None,
                default=self.default,
            )
            encode = self._encoders[key] = _reused_c_encoder(encoder)
        return encode

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj``; keyword arguments are passed to ``json.dumps``
        and override the provider's options."""
        if not kwargs:
            return json.dumps(
                obj,
                default=self.default,
                ensure_ascii=self.ensure_ascii,
                sort_keys=self.sort_keys,
            )
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize with ``json.loads``. A document nested deeper than
        the parser can follow raises ``ValueError``, like any other invalid
        document, not ``RecursionError``."""
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON document is nested too deeply.") from None

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A JSON response; indented in debug mode unless :attr:`compact`
        says otherwise."""
        # PERF: JSON benchmark; one positional argument is the common call.
        payload = (
            args[0] if not kwargs and len(args) == 1 else self._payload(args, kwargs)
        )
        app = self.app
        compact = self.compact
        if compact is None:
            compact = not app.debug
        if compact:
            # PERF: JSON benchmark; the options, checked against those the
            # lane was made for, then the C encoder and the response class's
            # fast construction, with no frame between (-3 us per request).
            lane = self._lane
            if (
                lane is None
                or lane[0] is not self.ensure_ascii
                or lane[1] is not self.sort_keys
                or lane[2] is not self.default
                or lane[3] is not self.mimetype
                or lane[4] is not app.response_class
            ):
                lane = self._lane = self._make_lane(app)
            chunks_of = lane[5]
            if chunks_of is not None:
                try:
                    chunks = chunks_of(payload, 0)
                except RecursionError:
                    lane[6].encode(payload)  # raises the right error
                    raise
                chunks.append("\n")
                return lane[4].fast("".join(chunks).encode(), lane[7])  # type: ignore[no-any-return]
        indent = None if compact else 2
        if type(self).dumps is DefaultJSONProvider.dumps:
            # PERF: JSON benchmark; a reused encoder, not one per call.
            body = self._encoder(indent)(payload)
        elif indent is None:
            body = self.dumps(payload, separators=(",", ":"))
        else:
            body = self.dumps(payload, indent=indent)
        return self._json_response(f"{body}\n".encode(), self.mimetype, app)

    def _make_lane(self, app: AppLike) -> tuple[t.Any, ...]:
        """The compact lane for the current options. Its C encoder function
        is ``None`` when it can't be used: a response class without fast
        construction, a subclass with its own :meth:`dumps`, no C encoder."""
        encoder = json.JSONEncoder(
            ensure_ascii=self.ensure_ascii,
            sort_keys=self.sort_keys,
            separators=(",", ":"),
            default=self.default,
        )
        usable = (
            getattr(json.encoder, "c_make_encoder", None) is not None
            and app.response_class is self._fast_class
            and type(self).dumps is DefaultJSONProvider.dumps
        )
        return (
            self.ensure_ascii,
            self.sort_keys,
            self.default,
            self.mimetype,
            app.response_class,
            _c_chunks(encoder) if usable else None,
            encoder,
            get_content_type(self.mimetype, "utf-8"),
        )


def _c_chunks(encoder: json.JSONEncoder) -> t.Callable[[t.Any, int], list[str]]:
    """The C encoder behind ``encoder.encode``, made once: called with an
    object and ``0``, it gives the list of the output's pieces.

    It is made without a table of the containers being encoded: a shared
    one would be wrong when two threads encode the same object at once. A
    circular reference then ends in ``RecursionError``; the caller encodes
    again with ``encoder`` for the standard library's own error.
    """
    strings = (
        json.encoder.encode_basestring_ascii
        if encoder.ensure_ascii
        else json.encoder.encode_basestring
    )
    make: t.Any = getattr(json.encoder, "c_make_encoder")  # noqa: B009 - untyped
    return make(  # type: ignore[no-any-return]
        None,
        encoder.default,
        strings,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )


def _reused_c_encoder(encoder: json.JSONEncoder) -> t.Callable[[t.Any], str]:
    """``encoder.encode``, with the C encoder it makes on each call made
    once, where the standard library has one and the output is compact.

    The C encoder is made without a table of the containers being encoded:
    a shared one would be wrong when two threads encode the same object at
    once. A circular reference then ends in ``RecursionError``, and the
    object is encoded again by ``encoder.encode`` for its own error.
    """
    if (
        getattr(json.encoder, "c_make_encoder", None) is None
        or encoder.indent is not None
    ):  # pragma: no cover
        return encoder.encode
    chunks = _c_chunks(encoder)

    def encode(obj: t.Any) -> str:
        try:
            return "".join(chunks(obj, 0))
        except RecursionError:
            # A cycle, or nesting too deep: the checking encoder tells
            # which, with the error the standard library raises.
            return encoder.encode(obj)

    return encode


def _current_provider() -> interfaces.JSONProvider | None:
    ctx = _cv_context.get(None)
    return None if ctx is None else ctx.app.json
