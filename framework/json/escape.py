r"""Escaping the non-ASCII characters of JSON a fast encoder wrote as UTF-8,
as ``json.dumps(..., ensure_ascii=True)`` escapes them.

Layer 2. orjson and msgspec write UTF-8 only; the providers built on them
(:mod:`framework.json.orjson`, :mod:`framework.json.msgspec`) escape their
output afterwards when ``ensure_ascii`` is on.
"""

from __future__ import annotations

import codecs
from json.encoder import encode_basestring_ascii

__all__ = ["escape_non_ascii"]


def _escape_run(error: UnicodeError) -> tuple[str, int]:
    r"""The codec error handler of :func:`escape_non_ascii`: a run of
    non-ASCII characters as ``\uXXXX`` escapes."""
    if not isinstance(error, UnicodeEncodeError):  # pragma: no cover
        raise error
    run = error.object[error.start : error.end]
    return encode_basestring_ascii(run)[1:-1], error.end


_ESCAPE_RUNS = "framework.json.escape"
codecs.register_error(_ESCAPE_RUNS, _escape_run)


def escape_non_ascii(body: bytes) -> bytes:
    r"""Escape the non-ASCII characters and DEL of a fast encoder's output as
    ``ensure_ascii`` does; they only occur in strings.

    A few of them (the usual case: names and places in ASCII data) are
    escaped run by run, by an error handler of the ASCII codec. Many of them
    are escaped all at once: the whole output is escaped as if it were one
    string, by the standard library's C function, and the escapes that are
    not about those characters are undone: ``\\``, ``\"``, and ``\n`` for
    the newlines of indented output (strings hold no raw newline). Every
    backslash of the escaped text starts an escape, so the ``\\`` found from
    the left are whole escapes; they are replaced first, by NUL, which the
    escaped text cannot hold, and restored last, after which the ``\"`` and
    ``\n`` left are whole escapes too.
    """
    text = body.decode()
    # A run costs a call of the handler, a byte of the escape-all path a few
    # nanoseconds; a non-ASCII character has at least one byte more than 1.
    if (len(body) - len(text)) * 64 <= len(body):
        return text.replace("\x7f", "\\u007f").encode("ascii", _ESCAPE_RUNS)
    text = encode_basestring_ascii(text)[1:-1]
    text = text.replace("\\\\", "\x00").replace('\\"', '"').replace("\\n", "\n")
    return text.replace("\x00", "\\").encode()
