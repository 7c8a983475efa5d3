"""Tagged JSON: a JSON encoding in which common Python types that JSON lacks
come back as the same types.

Layer 2. The signed-cookie session stores its data with
:class:`TaggedJSONSerializer`; anything else that needs a lossless, compact,
JSON-based format may use it too, and new types can be added with
:meth:`TaggedJSONSerializer.register`.

Wire format
-----------

A value JSON can't express is written as an object with a single member
whose name is the tag's key, a string that starts with a space so that it is
unlikely to collide with real data::

    (1, 2)                    {" t":[1,2]}
    b"\\x00\\xff"               {" b":"AP8="}
    Markup("<b>")             {" m":"<b>"}
    UUID("1234...5678")       {" u":"12345678123456781234567812345678"}
    datetime(2024, 2, 29)     {" d":"Thu, 29 Feb 2024 00:00:00 GMT"}
    {" t": 1}                 {" di":{" t__":1}}

Lists and dicts are walked and their items tagged; strings, numbers,
booleans and ``None`` are written as they are. A dict whose only key is a tag
key is itself tagged (``" di"``, its key suffixed with ``__``) so that user
data shaped like a tag still comes back unchanged.

The format is byte for byte the one Flask's session cookies use, so a cookie
written by a Flask app can be read by a framework app with the same secret
key and the other way round. The JSON text is compact (``","`` and ``":"``
separators, no spaces), object keys are sorted, and non-ASCII characters are
written as ``\\uXXXX`` escapes. Those are the options Flask's default JSON
provider applies when a session is saved during a request. Here they are
fixed: the format does not depend on ``app.json`` or its options, so
configuring the app's JSON responses (``app.json.sort_keys = False``, an
orjson provider, ...) never changes what a session cookie contains. Other
objects are converted as :func:`framework.json.provider.default` does (a
``date`` becomes an HTTP date string, a ``Decimal`` a string, a dataclass an
object); those conversions are one way, like Flask's.

Datetimes are written as HTTP dates in UTC: microseconds are dropped, a naive
datetime is taken to be in UTC, and every datetime is read back as an aware
datetime in UTC.

Errors
------

:meth:`TaggedJSONSerializer.loads` raises :exc:`ValueError` for any input it
can't read: text that isn't JSON (:exc:`json.JSONDecodeError` is a
:exc:`ValueError`), bytes that aren't valid text, a document nested too
deeply for the parser, and a tag whose payload is malformed (invalid
base64, a date that isn't an HTTP date written by this format, a tuple tag
around something that isn't an array, ...). The session interface relies on
this: a cookie whose data raises :exc:`ValueError` is treated as no session
at all, never as a server error. A tag registered by an application should
keep that promise and raise :exc:`ValueError` for a payload it can't read.

A single-key object whose key is not a registered tag is plain data, and so
is an object with a tag key and other keys as well.

Differences from Flask
----------------------

The written format is identical. Reading is stricter where Flask's is
lenient by accident, so that bad data fails with :exc:`ValueError` instead of
an arbitrary exception or a silently wrong value:

- a ``" b"`` payload must be valid base64 (Flask skips foreign characters);
- a ``" d"`` payload must be an HTTP date exactly as this format writes it
  (Flask accepts any RFC 2822 date, turns ``0001`` into the year 2001, and
  returns ``None`` for text it can't parse);
- a payload of the wrong JSON type (a number where a string is expected, a
  string where an array is expected) is an error, not coerced;
- a value or document nested too deeply raises :exc:`ValueError`, not
  :exc:`RecursionError`.

``register(..., force=True)`` replaces the earlier tag with the same key in
the tag order too, at the same position unless ``index`` is given; Flask
keeps the earlier tag in the order, where it goes on tagging the values its
replacement should.

Adding a type
-------------

Subclass :class:`JSONTag`, give it a unique key, and register it. The tags are
tried in order and the first whose :meth:`~JSONTag.check` accepts the value
wins, so a tag for a subclass of a supported type must come before that
type's tag (use ``index``)::

    from decimal import Decimal, InvalidOperation

    from framework.json.tag import JSONTag


    class TagDecimal(JSONTag):
        key = " dec"

        def check(self, value: object) -> bool:
            return isinstance(value, Decimal)

        def to_json(self, value: Decimal) -> str:
            return str(value)

        def to_python(self, value: object) -> Decimal:
            if not isinstance(value, str):
                raise ValueError("A decimal tag must hold a string.")
            try:
                return Decimal(value)
            except InvalidOperation:  # an ArithmeticError, not a ValueError
                raise ValueError("Not a decimal.") from None


    app.session_interface.serializer.register(TagDecimal)
"""

from __future__ import annotations

import binascii
import json
import re
import typing as t
from base64 import b64decode, b64encode
from datetime import UTC, datetime
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import http_date

from .provider import default

__all__ = [
    "JSONTag",
    "PassDict",
    "PassList",
    "TagBytes",
    "TagDateTime",
    "TagDict",
    "TagMarkup",
    "TagTuple",
    "TagUUID",
    "TaggedJSONSerializer",
]


class JSONTag:
    """One type that :class:`TaggedJSONSerializer` can write and read back.

    A tag with an empty :attr:`key` only transforms a value (as the dict and
    list tags do, to tag their items) and is never written to the output.

    :param serializer: the serializer the tag belongs to; tags of containers
        call its :meth:`~TaggedJSONSerializer.tag` for their items.
    """

    __slots__ = ("serializer",)

    #: The name of the single member that marks a tagged value, e.g. ``" t"``.
    #: Empty for a tag that is never written.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: t.Any) -> bool:
        """Whether this tag handles ``value``.

        :param value: any value being serialized.
        """
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Turn ``value`` into something JSON can hold; :meth:`tag` wraps it.

        :param value: a value :meth:`check` accepted.
        """
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Rebuild the Python value from the payload of a tagged object.

        :param value: the member's value, already untagged itself.
        :raise ValueError: if ``value`` isn't a payload this tag writes.
        """
        raise NotImplementedError

    def tag(self, value: t.Any) -> t.Any:
        """``value`` in its tagged form: ``{key: to_json(value)}``.

        :param value: a value :meth:`check` accepted.
        """
        return {self.key: self.to_json(value)}


def _malformed(key: str, expected: str, value: t.Any) -> ValueError:
    return ValueError(
        f"Malformed tagged JSON: the {key!r} tag must hold {expected},"
        f" not {type(value).__name__}."
    )


class TagDict(JSONTag):
    """A dict whose only key is a registered tag key, so that it isn't read
    back as that tag. Its key is written with ``__`` appended."""

    __slots__ = ()
    key = " di"

    def check(self, value: t.Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: t.Any) -> t.Any:
        ((key, item),) = value.items()
        return {f"{key}__": self.serializer.tag(item)}

    def to_python(self, value: t.Any) -> t.Any:
        if not isinstance(value, dict) or len(value) != 1:
            raise _malformed(self.key, "an object with one member", value)
        ((key, item),) = value.items()
        if not key.endswith("__"):
            raise ValueError(
                f"Malformed tagged JSON: the {self.key!r} tag's member name"
                " must end with '__'."
            )
        return {key[:-2]: item}


class PassDict(JSONTag):
    """Any other dict: its values are tagged, the dict itself is not."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: t.Any) -> t.Any:
        # Keys stay as they are: JSON object names are always strings.
        tag = self.serializer.tag
        return {k: tag(v) for k, v in value.items()}

    def tag(self, value: t.Any) -> t.Any:
        return self.to_json(value)


class TagTuple(JSONTag):
    """A tuple (named tuples included), read back as a plain tuple."""

    __slots__ = ()
    key = " t"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def to_python(self, value: t.Any) -> t.Any:
        if not isinstance(value, list):
            raise _malformed(self.key, "an array", value)
        return tuple(value)


class PassList(JSONTag):
    """A list: its items are tagged, the list itself is not."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return [tag(item) for item in value]

    def tag(self, value: t.Any) -> t.Any:
        return self.to_json(value)


class TagBytes(JSONTag):
    """``bytes``, written as standard base64 with padding."""

    __slots__ = ()
    key = " b"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: t.Any) -> t.Any:
        if not isinstance(value, str):
            raise _malformed(self.key, "a base64 string", value)
        try:
            return b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                f"Malformed tagged JSON: the {self.key!r} tag holds invalid base64."
            ) from None


class TagMarkup(JSONTag):
    """An object with an ``__html__`` method, written as its HTML and read
    back as :class:`~markupsafe.Markup`."""

    __slots__ = ()
    key = " m"

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())

    def to_python(self, value: t.Any) -> t.Any:
        if not isinstance(value, str):
            raise _malformed(self.key, "a string", value)
        return Markup(value)


class TagUUID(JSONTag):
    """A :class:`~uuid.UUID`, written as its 32 hex digits."""

    __slots__ = ()
    key = " u"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex

    def to_python(self, value: t.Any) -> t.Any:
        if not isinstance(value, str):
            raise _malformed(self.key, "a string", value)
        return UUID(value)  # ValueError for text that isn't a UUID


_MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "May",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Oct",
            "Nov",
            "Dec",
        ],
        start=1,
    )
}
_HTTP_DATE = re.compile(
    r"[A-Z][a-z]{2}, ([0-9]{2}) ([A-Z][a-z]{2}) ([0-9]{4})"
    r" ([0-9]{2}):([0-9]{2}):([0-9]{2}) GMT"
)


class TagDateTime(JSONTag):
    """A :class:`~datetime.datetime`, written as an HTTP date in UTC (whole
    seconds; a naive datetime is taken to be UTC) and read back as an aware
    datetime in UTC."""

    __slots__ = ()
    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return http_date(value)

    def to_python(self, value: t.Any) -> t.Any:
        if not isinstance(value, str):
            raise _malformed(self.key, "a string", value)
        match = _HTTP_DATE.fullmatch(value)
        month = _MONTHS.get(match[2]) if match is not None else None
        if match is None or month is None:
            raise ValueError(
                f"Malformed tagged JSON: the {self.key!r} tag must hold an HTTP"
                " date like 'Sun, 06 Nov 1994 08:49:37 GMT'."
            )
        day, year, hour, minute, second = (int(match[i]) for i in (1, 3, 4, 5, 6))
        # ValueError for a field out of range (31 Feb, 24:00, year 0, ...).
        result = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        if http_date(result) != value:
            raise ValueError(
                f"Malformed tagged JSON: the {self.key!r} tag's weekday does not"
                " match its date."
            )
        return result


# The session format is fixed, whatever the app's JSON provider does: compact
# separators, sorted keys and ASCII output, the options Flask's default
# provider applies when it saves a session. One encoder, built once, serves
# every serializer (it holds no state between calls).
_encoder = json.JSONEncoder(
    ensure_ascii=True, sort_keys=True, separators=(",", ":"), default=default
)


#: The tags :class:`TaggedJSONSerializer` registers itself.
_BUILTIN_TAGS: frozenset[type[JSONTag]] = frozenset(
    {TagDict, PassDict, TagTuple, PassList, TagBytes, TagMarkup, TagUUID, TagDateTime}
)
#: Types written as they are when only built-in tags are registered.
_PLAIN_TYPES: frozenset[type] = frozenset({str, int, float, bool, type(None)})


class TaggedJSONSerializer:
    """Writes values as compact tagged JSON and reads them back; see the
    module documentation for the format. Besides JSON's own types it keeps
    :class:`tuple`, :class:`bytes`, :class:`~markupsafe.Markup` (and any
    object with ``__html__``, read back as ``Markup``),
    :class:`~uuid.UUID`, :class:`~datetime.datetime` and dicts that look
    like tags.

    A serializer is safe to share between threads once its tags are
    registered.
    """

    __slots__ = ("_decoder", "_plain_types", "order", "tags")

    #: The tag classes each new serializer registers, in order. A subclass
    #: may set its own list; more tags can be added with :meth:`register`.
    default_tags: t.ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]

    def __init__(self) -> None:
        #: The registered tags that have a key, by key: what :meth:`untag`
        #: looks up.
        self.tags: dict[str, JSONTag] = {}
        #: Every registered tag, in the order :meth:`tag` tries them.
        self.order: list[JSONTag] = []
        # untag runs as the decoder's object hook: the parser hands it each
        # object once the object's members are decoded, innermost first, so
        # reading needs no recursion of its own.
        self._decoder = json.JSONDecoder(object_hook=self.untag)
        self._plain_types: frozenset[type] = frozenset()
        for tag_class in self.default_tags:
            self.register(tag_class)

    def register(
        self,
        tag_class: type[JSONTag],
        force: bool = False,
        index: int | None = None,
    ) -> None:
        """Add a tag to this serializer.

        :param tag_class: the :class:`JSONTag` subclass; it is instantiated
            with this serializer.
        :param force: replace the tag already registered with the same key,
            both for reading and in the tag order, instead of raising an
            error.
        :param index: where to insert the tag in the order (as
            :meth:`list.insert`), e.g. ``0`` for a tag that must be tried
            before the built-in ones. By default a new tag goes last and a
            replacing tag takes the place of the one it replaces.
        :raise KeyError: if the key is already registered and ``force`` is
            false.
        """
        tag = tag_class(self)
        key = tag.key
        position = len(self.order) if index is None else index
        if key:
            previous = self.tags.get(key)
            if previous is not None:
                if not force:
                    raise KeyError(f"A tag with the key {key!r} is already registered.")
                replaced_at = self.order.index(previous)
                del self.order[replaced_at]
                if index is None:
                    position = replaced_at
            self.tags[key] = tag
        self.order.insert(position, tag)
        # PERF: session-write; no built-in tag accepts an exact str, int,
        # float, bool or None, so while only built-in tags are registered
        # such values skip the search. A tag of the user's may accept them.
        builtin = all(type(tag) in _BUILTIN_TAGS for tag in self.order)
        self._plain_types = _PLAIN_TYPES if builtin else frozenset()

    def tag(self, value: t.Any) -> t.Any:
        """``value`` with everything JSON can't hold replaced by its tagged
        form; the first tag in :attr:`order` that accepts a value handles it.

        :param value: any value.
        """
        if type(value) in self._plain_types:
            return value
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """The Python value of one decoded JSON object: the tag's value if
        the object is a tagged one, else the object itself. Its members must
        already be untagged.

        :param value: a decoded JSON object.
        :raise ValueError: if the object is tagged but its payload is
            malformed.
        """
        if len(value) != 1:
            return value
        ((key, item),) = value.items()
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(item)

    def dumps(self, value: t.Any) -> str:
        """Serialize ``value`` as compact tagged JSON.

        :param value: the value, e.g. a session's dict.
        :raise TypeError: if ``value`` holds an object neither the tags nor
            :func:`~framework.json.provider.default` can serialize.
        :raise ValueError: if ``value`` is nested too deeply or contains
            itself.
        """
        try:
            return _encoder.encode(self.tag(value))
        except RecursionError:
            raise ValueError(
                "The value is nested too deeply (or contains itself) to be serialized."
            ) from None

    def loads(self, value: str | bytes) -> t.Any:
        """Deserialize tagged JSON written by :meth:`dumps`.

        :param value: the JSON text; bytes may be UTF-8, UTF-16 or UTF-32.
        :raise ValueError: if ``value`` is not valid tagged JSON: invalid
            text or JSON, too deeply nested, or a malformed tag. Never any
            other error for the built-in tags.
        """
        try:
            if isinstance(value, (bytes, bytearray)):
                value = value.decode(json.detect_encoding(value), "surrogatepass")
            return self._decoder.decode(value)
        except RecursionError:
            raise ValueError(
                "The JSON document is nested too deeply to be read."
            ) from None
