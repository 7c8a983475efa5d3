"""What the fast JSON providers (:mod:`framework.json.orjson`,
:mod:`framework.json.msgspec`) share: the default provider's options, the
arguments ``dumps`` and ``loads`` take, and the response.

Layer 2. A subclass says which ``json.dumps`` layouts its library writes (its
``_COMPACT``, ``_INDENT_2`` and ``_SPACED`` values, which
:meth:`FastProvider._layout` picks from) and how it writes one
(:meth:`FastProvider._encode`);
what it cannot write, :meth:`FastProvider._standard` writes as the default
provider would.
"""

from __future__ import annotations

import json
import typing as t

from .provider import JSONProvider, default

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response

__all__ = ["FastProvider"]

_DUMPS_KWARGS = frozenset(
    {"default", "ensure_ascii", "sort_keys", "indent", "separators"}
)


class FastProvider(JSONProvider):
    """The base of the fast providers, with
    :class:`~framework.json.provider.DefaultJSONProvider`'s options.

    Options are plain attributes, read on each call, so they may be changed
    on ``app.json`` at any time before or during setup.
    """

    #: The function called for objects the library does not serialize
    #: itself.
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

    #: The subclass's layouts: for ``separators=(",", ":")``, for
    #: ``indent=2``, and for ``json.dumps``'s default ``", "`` and ``": "``
    #: on one line (``None`` when the library cannot write that one).
    _COMPACT: t.ClassVar[int]
    _INDENT_2: t.ClassVar[int]
    _SPACED: t.ClassVar[int | None] = None

    @classmethod
    def _layout(cls, indent: t.Any, separators: t.Any) -> int | None:
        """The layout the library writes for these ``json.dumps`` arguments,
        or ``None`` when only the standard library can."""
        if separators is not None:
            try:
                separators = tuple(separators)
            except TypeError:
                return None
        if indent is None:
            if separators is None or separators == (", ", ": "):
                return cls._SPACED
            return cls._COMPACT if separators == (",", ":") else None
        two_spaces = (indent == 2 and type(indent) is int) or indent == "  "
        if two_spaces and (separators is None or separators == (",", ": ")):
            return cls._INDENT_2
        return None

    def _encode(
        self,
        obj: t.Any,
        default: t.Callable[[t.Any], t.Any] | None,
        ensure_ascii: bool,
        sort_keys: bool,
        layout: int,
        newline: bool = False,
    ) -> bytes:
        """``obj`` serialized in ``layout`` (a value of :meth:`_layout`),
        ending with a newline if ``newline``."""
        raise NotImplementedError

    def _standard(
        self,
        obj: t.Any,
        default: t.Callable[[t.Any], t.Any] | None,
        ensure_ascii: bool,
        sort_keys: bool,
        layout: int,
        newline: bool,
    ) -> bytes:
        """``obj`` as the standard library writes it in ``layout``, or its
        error: for what the library refuses. Call it outside an ``except``
        block, so that the default provider's error is not chained to the
        library's."""
        text = json.dumps(
            obj,
            default=default,
            ensure_ascii=ensure_ascii,
            sort_keys=sort_keys,
            indent=2 if layout == self._INDENT_2 else None,
            separators=(",", ":") if layout == self._COMPACT else None,
        )
        return f"{text}\n".encode() if newline else text.encode()

    def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``obj`` with the provider's options, in the layout of
        ``json.dumps`` with the same arguments.

        :param kwargs: ``default``, ``ensure_ascii`` and ``sort_keys``
            override the provider's options; ``indent`` and ``separators``
            are those of ``json.dumps``. Other arguments raise ``TypeError``.
        """
        unknown = kwargs.keys() - _DUMPS_KWARGS
        if unknown:
            names = ", ".join(sorted(unknown))
            raise TypeError(
                f"{type(self).__name__}.dumps() does not take {names}; it takes"
                " default, ensure_ascii, indent, separators and sort_keys."
                " Use DefaultJSONProvider for the other json.dumps arguments."
            )
        default = kwargs.get("default", self.default)
        ensure_ascii = bool(kwargs.get("ensure_ascii", self.ensure_ascii))
        sort_keys = bool(kwargs.get("sort_keys", self.sort_keys))
        indent = kwargs.get("indent")
        separators = kwargs.get("separators")
        layout = self._layout(indent, separators)
        if layout is None:
            return json.dumps(
                obj,
                default=default,
                ensure_ascii=ensure_ascii,
                sort_keys=sort_keys,
                indent=indent,
                separators=separators,
            )
        return self._encode(obj, default, ensure_ascii, sort_keys, layout).decode()

    def _decode(self, s: str | bytes) -> t.Any:
        """``s`` deserialized by the library."""
        raise NotImplementedError

    def loads(self, s: str | bytes, **kwargs: t.Any) -> t.Any:
        """Deserialize with the library; it takes no keyword arguments."""
        if kwargs:
            names = ", ".join(sorted(kwargs))
            raise TypeError(
                f"{type(self).__name__}.loads() takes no keyword arguments (got"
                f" {names}); use DefaultJSONProvider for json.loads arguments."
            )
        return self._decode(s)

    def response(self, *args: t.Any, **kwargs: t.Any) -> Response:
        """A JSON response; indented in debug mode unless :attr:`compact`
        says otherwise."""
        payload = self._payload(args, kwargs)
        compact = self.compact
        if compact is None:
            compact = not self.app.debug
        if type(self).dumps is FastProvider.dumps:
            body = self._encode(
                payload,
                self.default,
                self.ensure_ascii,
                self.sort_keys,
                self._COMPACT if compact else self._INDENT_2,
                newline=True,
            )
        elif compact:
            body = f"{self.dumps(payload, separators=(',', ':'))}\n".encode()
        else:
            body = f"{self.dumps(payload, indent=2)}\n".encode()
        return self._json_response(body, self.mimetype)
