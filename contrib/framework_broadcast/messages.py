"""How a message travels through a backend that carries bytes (Redis):
a two-byte tag, then the payload, so that ``str``, ``bytes`` and JSON values
arrive as they were sent."""

from __future__ import annotations

import json
import typing as t

__all__ = ["Message", "decode", "encode"]

#: What may be published: text, bytes, or a value :func:`json.dumps` takes.
Message: t.TypeAlias = t.Any

# A NUL first byte: text another client publishes to the channel never
# starts so, and arrives as bytes, untouched.
_TEXT = b"\x00s"
_BYTES = b"\x00b"
_JSON = b"\x00j"


def encode(message: Message) -> bytes:
    """The bytes that carry ``message``.

    :param message: ``str``, ``bytes`` (or ``bytearray``, ``memoryview``) or a
        JSON-able value.
    :raise TypeError: if ``message`` is none of these.
    """
    if isinstance(message, str):
        return _TEXT + message.encode()
    if isinstance(message, bytes | bytearray | memoryview):
        return _BYTES + bytes(message)
    try:
        return _JSON + json.dumps(message, separators=(",", ":")).encode()
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"A broadcast message is str, bytes or a JSON-able value, not"
            f" {type(message).__name__}: {e}"
        ) from None


def decode(data: bytes) -> Message:
    """The message ``data`` carries; data without a tag arrives as is."""
    tag = data[:2]
    if tag == _TEXT:
        return data[2:].decode()
    if tag == _BYTES:
        return data[2:]
    if tag == _JSON:
        return json.loads(data[2:])
    return data


def check(message: Message) -> Message:
    """``message`` as the in-memory backend hands it to subscribers: text
    and bytes as they are (immutable), a JSON value through a JSON round
    trip, so that both backends deliver the same thing and a bad message
    fails at the publish.

    :raise TypeError: as :func:`encode`.
    """
    if isinstance(message, str | bytes):
        return message
    return decode(encode(message))
