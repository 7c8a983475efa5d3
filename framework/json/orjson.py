r"""A faster JSON provider backed by `orjson <https://github.com/ijl/orjson>`_.

Layer 2. Install orjson (the ``orjson`` extra) and switch it on where the
app is created, ``App(__name__, json=OrjsonProvider())``; Flask's ways work
too: ``json_provider_class = OrjsonProvider`` on an ``App`` subclass, or
``app.json = OrjsonProvider(app)`` before the first request. The manual's
:doc:`/strategies` page compares it with the default provider case by case.

:class:`OrjsonProvider` has the options of
:class:`~framework.json.provider.DefaultJSONProvider` (``default``,
``ensure_ascii``, ``sort_keys``, ``compact``, ``mimetype``) and writes the
same bytes, conversions included:

- dates and datetimes go through :attr:`OrjsonProvider.default` (HTTP dates)
  instead of orjson's ISO 8601, and so do dataclasses (all their fields, by
  ``dataclasses.asdict``; orjson would leave out ``_private`` ones);
  ``datetime.time`` is refused as by the default provider;
- with ``ensure_ascii`` (the default), non-ASCII characters and DEL are
  escaped as ``\uXXXX``, with surrogate pairs for emoji, after orjson wrote
  UTF-8;
- responses are compact (``{"a":1}``) or indented by 2 spaces with ``": "``
  after keys, and end with a newline.

What orjson cannot write, or writes otherwise, is written by the standard
library with the same options and conversions, exactly as the default
provider writes it, or refused with the default provider's error:

- integers beyond 64 bits, keys that are not strings, float subclasses,
  namedtuples, more than 254 levels of nesting, circular references and
  types that ``default`` refuses;
- floats of magnitude between 1e-10 and 1e-4, which orjson writes as
  ``1e-7`` or ``0.00001`` where Python writes ``1e-07`` and ``1e-05`` (found
  by looking for ``e-<digit>`` and ``0.0000`` in orjson's output, so strings
  holding such text take this path too);
- ``dumps()`` with the standard library's default separators ``", "`` and
  ``": "``, which is what ``dumps(obj)`` without arguments writes, and with
  an ``indent`` other than 2. Pass ``separators=(",", ":")`` or
  ``indent=2`` for orjson's speed.

The differences that remain:

- ``NaN`` and ``±Infinity`` are written as ``null`` (valid JSON); the
  default provider writes ``NaN`` and ``Infinity``, which JSON parsers
  reject.
- ``enum.Enum`` members are written as their value; the default provider
  refuses plain enums (``IntEnum`` and ``StrEnum`` members are their value
  in both).
- ``uuid.UUID`` and ``enum.Enum`` values are written by orjson itself
  (UUIDs as ``str(uuid)``, like the default provider), so a custom
  :attr:`~OrjsonProvider.default` is not called for them.
- :meth:`~OrjsonProvider.loads` is strict: it refuses ``NaN``/``Infinity``
  literals, lone surrogate escapes, a UTF-8 BOM and UTF-16/32 documents (a
  400 in ``request.get_json()``), and reads integers beyond 64 bits as
  floats. It takes no keyword arguments.
- :meth:`~OrjsonProvider.dumps` takes only ``default``, ``ensure_ascii``,
  ``sort_keys``, ``indent`` and ``separators``.
"""

from __future__ import annotations

import re
import typing as t

try:
    import orjson
except ImportError as error:  # pragma: no cover - orjson is a dev dependency
    raise ImportError(
        "framework.json.orjson needs the 'orjson' package; install it with"
        " pip install orjson (the 'orjson' extra)."
    ) from error

from .escape import escape_non_ascii
from .fast import FastProvider

__all__ = ["OrjsonProvider"]

#: Dates, datetimes and dataclasses are converted by ``default``, as the
#: standard library does, instead of by orjson.
_BASE_OPTION = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

# The layouts orjson writes: json.dumps's separators=(",", ":") and indent=2.
_COMPACT = 0
_INDENT_2 = 1

#: How orjson writes some floats that Python writes otherwise: ``1e-7`` and
#: ``0.00001`` where Python writes ``1e-07`` and ``1e-05``. Two patterns, each
#: with a literal start that the regex engine scans for quickly.
#: PERF: json-large; ``b"e-" in body`` took 19 us on 7 kB of ``e``-rich
#: text, this search 8 us; the ``0.0000`` search 5 us against 7 us.
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?![0-9])").search
_LEADING_ZEROS = re.compile(rb"0\.0000").search


class OrjsonProvider(FastProvider):
    """A JSON provider that serializes with orjson and writes what
    :class:`~framework.json.provider.DefaultJSONProvider` writes; see the
    module documentation for the few differences. Dates, datetimes and
    dataclasses go to :attr:`default`, as with the standard library.
    :meth:`loads` is ``orjson.loads``: invalid JSON, invalid UTF-8 and
    documents nested too deeply raise ``orjson.JSONDecodeError``, a
    ``json.JSONDecodeError``.
    """

    _COMPACT = _COMPACT
    _INDENT_2 = _INDENT_2

    def _encode(
        self,
        obj: t.Any,
        default: t.Callable[[t.Any], t.Any] | None,
        ensure_ascii: bool,
        sort_keys: bool,
        layout: int,
        newline: bool = False,
    ) -> bytes:
        """Serialize ``obj`` in ``layout`` as the standard library would."""
        option = _BASE_OPTION
        if sort_keys:
            option |= orjson.OPT_SORT_KEYS
        if layout == _INDENT_2:
            option |= orjson.OPT_INDENT_2
        if newline:
            option |= orjson.OPT_APPEND_NEWLINE
        try:
            body = orjson.dumps(obj, default, option)
        except orjson.JSONEncodeError:
            body = None
        if body is not None and (
            _LEADING_ZEROS(body) is not None or _SHORT_EXPONENT(body) is not None
        ):
            # A float orjson writes otherwise than Python (or a string that
            # looks like one): let the standard library write it.
            body = None
        if body is None:
            # What orjson can't write, the standard library writes or
            # refuses.
            return self._standard(
                obj, default, ensure_ascii, sort_keys, layout, newline
            )
        if ensure_ascii and (not body.isascii() or b"\x7f" in body):
            return escape_non_ascii(body)
        return body

    def _decode(self, s: str | bytes) -> t.Any:
        return orjson.loads(s)
