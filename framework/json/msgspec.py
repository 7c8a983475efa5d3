r"""A fast JSON provider backed by `msgspec <https://jcristharif.com/msgspec/>`_.

Layer 2. Install msgspec (the ``msgspec`` extra) and switch it on where the
app is created, ``App(__name__, json=MsgspecProvider())``; Flask's ways work
too: ``json_provider_class = MsgspecProvider`` on an ``App`` subclass, or
``app.json = MsgspecProvider(app)`` before the first request. The manual's
:doc:`/strategies` page compares it with the default provider case by case.

:class:`MsgspecProvider` has the options of
:class:`~framework.json.provider.DefaultJSONProvider` (``default``,
``ensure_ascii``, ``sort_keys``, ``compact``, ``mimetype``) and the default
provider's layout: responses are compact (``{"a":1}``) or indented by 2
spaces with ``": "`` after keys, and end with a newline; ``dumps(obj)``
writes ``json.dumps``'s ``", "`` and ``": "``; with ``ensure_ascii`` (the
default) non-ASCII characters and DEL are escaped as ``\uXXXX`` after
msgspec wrote UTF-8. What msgspec refuses (keys that are not strings while
keys are sorted, float subclasses, circular references, types that
``default`` refuses) is written by the standard library exactly as the
default provider writes it, or refused with its error.

Unlike :mod:`framework.json.orjson`, it does not make msgspec write the
default provider's bytes where msgspec has a format of its own; these are
the differences (each is a row of the table in :doc:`/strategies`):

- ``NaN`` and ``±Infinity`` are written as ``null``.
- ``enum.Enum`` members are written as their value, without calling
  :attr:`~MsgspecProvider.default`.
- dates, datetimes and times are written in ISO 8601 (RFC 3339):
  ``"2024-02-29"``, ``"2024-02-29T12:00:00Z"``, ``"01:02:00"``, not as HTTP
  dates; ``time`` is written, not refused.
- ``bytes`` are written as base64 strings, sets and frozensets as arrays,
  where the default provider refuses them.
- attrs instances leave out their private (``_name``) attributes.
- floats are the same numbers in another spelling: ``1e16``, ``1e-7`` and
  ``0.00001`` where Python writes ``1e+16``, ``1e-07`` and ``1e-05``.
- with ``sort_keys`` off, ``date``, ``datetime`` and ``UUID`` keys are
  written as strings; the default provider refuses them.
- :meth:`~MsgspecProvider.loads` is strict: it refuses ``NaN``/``Infinity``
  literals, lone surrogate escapes, a UTF-8 BOM, UTF-16/32 documents and
  numbers beyond a float's range (a 400 in ``request.get_json()``); it
  reads integers beyond 64 bits exactly. It takes no keyword arguments.
- :meth:`~MsgspecProvider.dumps` takes only ``default``, ``ensure_ascii``,
  ``sort_keys``, ``indent`` and ``separators``.
"""

from __future__ import annotations

import typing as t

try:
    import msgspec
except ImportError as error:  # pragma: no cover - msgspec is a dev dependency
    raise ImportError(
        "framework.json.msgspec needs the 'msgspec' package; install it with"
        " pip install msgspec (the 'msgspec' extra)."
    ) from error

from .escape import escape_non_ascii
from .fast import FastProvider

__all__ = ["MsgspecProvider"]

# The layouts msgspec writes, as ``msgspec.json.format``'s indent: compact
# (separators=(",", ":")), json.dumps's default (", " and ": " on one line)
# and indent=2.
_COMPACT = -1
_SPACED = 0
_INDENT_2 = 2

#: What msgspec raises for a value it does not write: an unsupported type
#: ``default`` refuses, keys that are not strings (while sorting), nesting
#: too deep or circular.
_REFUSED = (TypeError, msgspec.EncodeError, RecursionError, OverflowError)


class MsgspecProvider(FastProvider):
    """A JSON provider that serializes with msgspec, in the default
    provider's layout; see the module documentation for where its output
    differs. :meth:`loads` is ``msgspec.json.decode``: invalid JSON,
    invalid UTF-8 and numbers out of range raise ``msgspec.DecodeError``, a
    ``ValueError``.
    """

    _COMPACT = _COMPACT
    _INDENT_2 = _INDENT_2
    _SPACED = _SPACED

    #: The last encoder made, with the ``default`` and ``sort_keys`` it was
    #: made for: an encoder is made once, not per call.
    _encoder: tuple[t.Any, bool, msgspec.json.Encoder] | None = None

    def _encoder_for(
        self, default: t.Callable[[t.Any], t.Any] | None, sort_keys: bool
    ) -> msgspec.json.Encoder:
        """An encoder calling ``default`` for what msgspec cannot write."""
        kept = self._encoder
        if kept is not None and kept[0] is default and kept[1] is sort_keys:
            return kept[2]
        encoder = msgspec.json.Encoder(
            enc_hook=default, order="sorted" if sort_keys else None
        )
        self._encoder = (default, sort_keys, encoder)
        return encoder

    def _encode(
        self,
        obj: t.Any,
        default: t.Callable[[t.Any], t.Any] | None,
        ensure_ascii: bool,
        sort_keys: bool,
        layout: int,
        newline: bool = False,
    ) -> bytes:
        """Serialize ``obj`` in ``layout``; what msgspec refuses, as the
        standard library writes it."""
        try:
            body = self._encoder_for(default, sort_keys).encode(obj)
        except _REFUSED:
            body = None
        if body is None:
            return self._standard(
                obj, default, ensure_ascii, sort_keys, layout, newline
            )
        if layout != _COMPACT:
            body = msgspec.json.format(body, indent=layout)
        if ensure_ascii and (not body.isascii() or b"\x7f" in body):
            body = escape_non_ascii(body)
        return body + b"\n" if newline else body

    def _decode(self, s: str | bytes) -> t.Any:
        return msgspec.json.decode(s)
