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

    Subclass it and give :attr:`key` a value to add a type; a tag whose key
    is empty is never written out, it only rewrites a value on the way (the
    built-in list and dict tags do that to reach their items).

    :param serializer: the serializer the tag is registered with; a tag for
        a container asks its :meth:`~TaggedJSONSerializer.tag` to handle
        the items.
    """

    __slots__ = ("serializer",)

    #: The member name that marks a tagged value, e.g. ``" t"``; empty for
    #: a tag that is never written out.
    key: str = ""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        # A subclass that brings its own check() voids what its base knew
        # about the classes it ignores; it is asked about every value.
        if "check" in cls.__dict__ and "_ignores" not in cls.__dict__:
            cls._ignores = JSONTag._ignores  # type: ignore[method-assign]

    def check(self, value: t.Any) -> bool:
        """Say whether this tag writes ``value``.

        :param value: a value on its way to JSON.
        """
        raise NotImplementedError

    def to_json(self, value: t.Any) -> t.Any:
        """Give the payload for ``value``: something JSON holds, which
        :meth:`tag` then wraps under :attr:`key`.

        :param value: a value :meth:`check` said yes to.
        """
        raise NotImplementedError

    def to_python(self, value: t.Any) -> t.Any:
        """Turn a payload read from JSON back into the Python value.

        :param value: the payload; any tagged values inside it are already
            read back.
        :raise ValueError: if this tag never writes such a payload.
        """
        raise NotImplementedError

    def tag(self, value: t.Any) -> t.Any:
        """Give ``value`` as it is written out: ``{key: payload}``.

        :param value: a value :meth:`check` said yes to.
        """
        return {self.key: self.to_json(value)}

    def _ignores(self, cls: type) -> bool:
        # True only when check() is known to say no to every instance of
        # exactly cls; the serializer then leaves this tag out of that
        # class's route. Unknown for an arbitrary check.
        return False


def _refusal(key: str, wanted: str, got: t.Any) -> ValueError:
    return ValueError(
        f"Malformed tagged JSON: the {key!r} tag must hold {wanted},"
        f" not {type(got).__name__}."
    )


class _KindTag(JSONTag):
    """A built-in tag, declared by class keywords rather than methods::

        class TagUUID(_KindTag, kind=UUID, key=" u", holds=(str, "a string"),
                      rebuild=UUID)

    ``kind`` is the class whose instances the tag writes, ``key`` its member
    name, ``holds`` the JSON type of the payload it reads back (and words
    for the error message), ``rebuild`` what turns that payload back into
    the value. A subclass then only writes :meth:`to_json` (and
    :meth:`_rebuild`, when rebuilding takes more than one call); the type
    test on the way in and the payload test on the way out are shared here.
    """

    __slots__ = ()
    _kind: t.ClassVar[type]
    _payload_type: t.ClassVar[type] = object
    _payload_words: t.ClassVar[str] = "anything"

    def __init_subclass__(
        cls,
        *,
        kind: type | None = None,
        key: str | None = None,
        holds: tuple[type, str] | None = None,
        rebuild: t.Callable[[t.Any], t.Any] | None = None,
        **kwargs: t.Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if kind is not None:
            cls._kind = kind
        if key is not None:
            cls.key = key
        if holds is not None:
            cls._payload_type, cls._payload_words = holds
        if rebuild is not None:
            # PERF: session-read; a plain call such as tuple(payload), no
            # Python frame of our own in between.
            cls._rebuild = staticmethod(rebuild)  # type: ignore[method-assign,assignment]

    def check(self, value: t.Any) -> bool:
        return isinstance(value, self._kind)

    def _ignores(self, cls: type) -> bool:
        return not issubclass(cls, self._kind)

    def to_python(self, value: t.Any) -> t.Any:
        if isinstance(value, self._payload_type):
            return self._rebuild(value)
        raise _refusal(self.key, self._payload_words, value)

    def _rebuild(self, payload: t.Any) -> t.Any:
        return payload


class TagDict(
    _KindTag, kind=dict, key=" di", holds=(dict, "an object with one member")
):
    """A dict with a single key that is itself a registered tag key: written
    tagged, its key with ``__`` appended, so that it is not read back as
    that tag."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        if not isinstance(value, dict) or len(value) != 1:
            return False
        return not self.serializer.tags.keys().isdisjoint(value)

    # check() above still refuses every non-dict, as the base assumes.
    _ignores = _KindTag._ignores

    def to_json(self, value: t.Any) -> t.Any:
        [(name, item)] = value.items()
        return {name + "__": self.serializer.tag(item)}

    def _rebuild(self, payload: t.Any) -> t.Any:
        if len(payload) != 1:
            raise _refusal(self.key, "an object with one member", payload)
        [(name, item)] = payload.items()
        if name[-2:] != "__":
            raise ValueError(
                f"Malformed tagged JSON: the {self.key!r} tag's member name"
                " must end with '__'."
            )
        return {name[:-2]: item}


class PassDict(_KindTag, kind=dict):
    """Any other dict: written as an object whose values are tagged (JSON
    object names are strings already, so the keys stay as they are)."""

    __slots__ = ()

    def to_json(self, value: t.Any) -> t.Any:
        tag = self.serializer.tag
        return {name: tag(item) for name, item in value.items()}

    def tag(self, value: t.Any) -> t.Any:
        return self.to_json(value)


class PassList(_KindTag, kind=list):
    """A list: written as an array of tagged items."""

    __slots__ = ()

    def to_json(self, value: t.Any) -> t.Any:
        return list(map(self.serializer.tag, value))

    def tag(self, value: t.Any) -> t.Any:
        return self.to_json(value)


class TagTuple(_KindTag, kind=tuple, key=" t", holds=(list, "an array"), rebuild=tuple):
    """A tuple, named tuples too: an array of tagged items, read back as a
    plain :class:`tuple`."""

    __slots__ = ()

    def to_json(self, value: t.Any) -> t.Any:
        return list(map(self.serializer.tag, value))


class TagBytes(_KindTag, kind=bytes, key=" b", holds=(str, "a base64 string")):
    """``bytes``, as standard base64 with padding."""

    __slots__ = ()

    def to_json(self, value: t.Any) -> t.Any:
        return b64encode(value).decode("ascii")

    def _rebuild(self, payload: t.Any) -> t.Any:
        try:
            return b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                f"Malformed tagged JSON: the {self.key!r} tag holds invalid base64."
            ) from None


class TagMarkup(
    _KindTag, kind=Markup, key=" m", holds=(str, "a string"), rebuild=Markup
):
    """Anything with an ``__html__`` method, as that HTML; it comes back as
    :class:`~markupsafe.Markup` whatever it was."""

    __slots__ = ()

    def check(self, value: t.Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def _ignores(self, cls: type) -> bool:
        # Asked only for the built-in classes of _SETTLED, whose instances
        # carry no attributes of their own: the class answers for them.
        return not callable(getattr(cls, "__html__", None))

    def to_json(self, value: t.Any) -> t.Any:
        return str(value.__html__())


class TagUUID(_KindTag, kind=UUID, key=" u", holds=(str, "a string"), rebuild=UUID):
    """A :class:`~uuid.UUID`, as its 32 hex digits."""

    __slots__ = ()

    def to_json(self, value: t.Any) -> t.Any:
        return value.hex


_MONTHS = {
    name: number
    for number, name in enumerate(
        [
            *("Jan", "Feb", "Mar", "Apr", "May", "Jun"),
            *("Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        ],
        start=1,
    )
}
_HTTP_DATE = re.compile(
    r"[A-Z][a-z]{2}, (?P<day>\d{2}) (?P<month>[A-Z][a-z]{2}) (?P<year>\d{4})"
    r" (?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2}) GMT",
    re.ASCII,
)
_CLOCK = ("year", "day", "hour", "minute", "second")


class TagDateTime(_KindTag, kind=datetime, key=" d", holds=(str, "a string")):
    """A :class:`~datetime.datetime`, as an HTTP date in UTC (whole seconds;
    a naive datetime counts as UTC), read back as an aware datetime in
    UTC."""

    __slots__ = ()

    def to_json(self, value: t.Any) -> t.Any:
        return http_date(value)

    def _rebuild(self, payload: t.Any) -> t.Any:
        parts = _HTTP_DATE.fullmatch(payload)
        month = None if parts is None else _MONTHS.get(parts["month"])
        if parts is None or month is None:
            raise ValueError(
                f"Malformed tagged JSON: the {self.key!r} tag must hold an HTTP"
                " date like 'Sun, 06 Nov 1994 08:49:37 GMT'."
            )
        fields = {name: int(parts[name]) for name in _CLOCK}
        # datetime() raises ValueError for a field out of range (31 Feb, ...).
        moment = datetime(month=month, tzinfo=UTC, **fields)
        # Writing the moment again must give the same text: that catches a
        # weekday that does not belong to the date.
        if http_date(moment) != payload:
            raise ValueError(
                f"Malformed tagged JSON: the {self.key!r} tag's weekday does not"
                " match its date."
            )
        return moment


# The session format is fixed, whatever the app's JSON provider does: compact
# separators, sorted keys and ASCII output, the options Flask's default
# provider applies when it saves a session. One encoder, built once, serves
# every serializer (it holds no state between calls).
_encoder = json.JSONEncoder(
    ensure_ascii=True, sort_keys=True, separators=(",", ":"), default=default
)

# Exact classes whose instances have no attributes of their own to change
# what a tag's check() sees: for them, a tag that can tell from the class
# alone is left out of the route once, at registration.
_SETTLED: tuple[type, ...] = (
    str,
    int,
    float,
    bool,
    type(None),
    dict,
    list,
    tuple,
    bytes,
    Markup,
    UUID,
    datetime,
)


class TaggedJSONSerializer:
    """Writes values as compact tagged JSON and reads them back (the module
    documentation describes the format). Beyond JSON's own types it keeps
    :class:`tuple`, :class:`bytes`, :class:`~markupsafe.Markup` (and
    whatever has ``__html__``, which comes back as ``Markup``),
    :class:`~uuid.UUID`, :class:`~datetime.datetime`, and dicts that look
    like a tag.

    Once its tags are registered, a serializer may be shared by threads.
    Change the tags through :meth:`register` only: it also rebuilds the
    routes :meth:`tag` takes.
    """

    __slots__ = ("_decoder", "_routes", "order", "tags")

    #: The tag classes a new serializer registers, in this order: the
    #: containers (the tag for dicts shaped like a tag ahead of the one for
    #: all dicts), then the scalar types JSON lacks. A subclass may list its
    #: own; :meth:`register` adds more.
    default_tags: t.ClassVar[list[type[JSONTag]]] = [
        *(TagDict, PassDict, TagTuple, PassList),
        *(TagBytes, TagMarkup, TagUUID, TagDateTime),
    ]

    def __init__(self) -> None:
        #: The registered tags with a key, by key: how :meth:`untag` finds
        #: the tag of an object it reads.
        self.tags: dict[str, JSONTag] = {}
        #: All registered tags, in the order :meth:`tag` asks them.
        self.order: list[JSONTag] = []
        self._routes: dict[type, tuple[JSONTag, ...]] = {}
        # The parser calls untag for every object it has finished reading,
        # innermost first, so reading back needs no walk of its own.
        self._decoder = json.JSONDecoder(object_hook=self.untag)
        for tag_class in self.default_tags:
            self.register(tag_class)

    def tag(self, value: t.Any) -> t.Any:
        """Give ``value`` with everything JSON cannot hold replaced by its
        tagged form: the first tag of :attr:`order` whose check accepts a
        value writes it.

        :param value: any value.
        """
        for candidate in self._routes.get(type(value), self.order):
            if candidate.check(value):
                return candidate.tag(value)
        return value

    def untag(self, value: dict[str, t.Any]) -> t.Any:
        """Give the Python value of one object read from JSON: what its tag
        rebuilds if it is tagged, else the object itself. Its members are
        read back already.

        :param value: an object as the JSON parser gives it.
        :raise ValueError: if the object is tagged and its payload is
            malformed.
        """
        if len(value) != 1:
            return value
        [(name, payload)] = value.items()
        found = self.tags.get(name)
        return value if found is None else found.to_python(payload)

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Add a tag.

        :param tag_class: a :class:`JSONTag` subclass; it is instantiated
            with this serializer.
        :param force: replace a tag registered under the same key, for
            reading and in the order alike, instead of raising.
        :param index: the tag's place in the order, as for
            :meth:`list.insert` (``0`` puts a tag for a subclass of a
            supported type ahead of the built-in tags). Left out, a new tag
            goes last and a replacement takes the place of the tag it
            replaces.
        :raise KeyError: if the key is taken and ``force`` is false.
        """
        tag = tag_class(self)
        displaced = self.tags.get(tag.key) if tag.key else None
        if displaced is not None and not force:
            raise KeyError(f"A tag with the key {tag.key!r} is already registered.")
        if displaced is not None:
            vacated = self.order.index(displaced)
            del self.order[vacated]
            if index is None:
                index = vacated
        if tag.key:
            self.tags[tag.key] = tag
        self.order.insert(len(self.order) if index is None else index, tag)
        # PERF: session-write. For the common exact classes, ask only the
        # tags that may say yes: str, int and the like get an empty route
        # with the built-in tags, a list only PassList.
        self._routes = {
            cls: tuple(tag for tag in self.order if not tag._ignores(cls))
            for cls in _SETTLED
        }

    def dumps(self, value: t.Any) -> str:
        """Write ``value`` as compact tagged JSON.

        :param value: the value, e.g. a session's dict.
        :raise TypeError: if ``value`` holds an object that neither a tag
            nor :func:`~framework.json.provider.default` can write.
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
        """Read tagged JSON written by :meth:`dumps`.

        :param value: the JSON text; bytes may be UTF-8, UTF-16 or UTF-32.
        :raise ValueError: for anything that is not valid tagged JSON: bad
            text or JSON, nesting too deep, or a malformed tag. The built-in
            tags raise nothing else.
        """
        try:
            if isinstance(value, (bytes, bytearray)):
                value = value.decode(json.detect_encoding(value), "surrogatepass")
            return self._decoder.decode(value)
        except RecursionError:
            raise ValueError(
                "The JSON document is nested too deeply to be read."
            ) from None
