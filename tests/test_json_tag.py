"""Tagged JSON (``framework.json.tag``): round trips of every supported type,
registering tags, hostile input, and byte compatibility with Flask's session
format."""

from __future__ import annotations

import collections
import dataclasses
import decimal
import hashlib
import json
import typing as t
import uuid
import zlib
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode
from markupsafe import Markup

import framework.json
from framework import App
from framework.json.tag import (
    JSONTag,
    PassDict,
    PassList,
    TagBytes,
    TagDateTime,
    TagDict,
    TaggedJSONSerializer,
    TagMarkup,
    TagTuple,
    TagUUID,
)

U = uuid.UUID("12345678-1234-5678-1234-567812345678")


@pytest.fixture
def serializer() -> TaggedJSONSerializer:
    return TaggedJSONSerializer()


def assert_same(actual: t.Any, expected: t.Any) -> None:
    """Equal and of exactly the same types all the way down (``Markup("x")``
    equals ``"x"`` and ``1`` equals ``True``, so ``==`` alone is not enough).
    """
    assert type(actual) is type(expected), (actual, expected)
    assert actual == expected
    if isinstance(expected, dict):
        for key in expected:
            assert_same(actual[key], expected[key])
    elif isinstance(expected, list | tuple):
        for got, want in zip(actual, expected, strict=True):
            assert_same(got, want)
    elif isinstance(expected, datetime):
        assert actual.tzinfo == expected.tzinfo


def round_trip(serializer: TaggedJSONSerializer, value: t.Any) -> t.Any:
    text = serializer.dumps(value)
    assert isinstance(text, str)
    return serializer.loads(text)


# --- round trips ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -17,
        2**80,
        1.5,
        "",
        "plain",
        'é€😀\x00\n"\\',
        [],
        {},
        [1, "a", None, [2, [3]]],
        {"a": 1, "b": {"c": [True, None]}},
        {"": "empty key"},
    ],
)
def test_json_values_round_trip_unchanged(
    serializer: TaggedJSONSerializer, value: t.Any
) -> None:
    assert_same(round_trip(serializer, value), value)


@pytest.mark.parametrize(
    "value",
    [(), (1,), (1, "two", None), ((1, 2), [3, (4,)], {"k": (5,)})],
)
def test_tuples_round_trip_as_tuples(
    serializer: TaggedJSONSerializer, value: tuple[t.Any, ...]
) -> None:
    assert_same(round_trip(serializer, value), value)


def test_named_tuple_comes_back_as_plain_tuple(
    serializer: TaggedJSONSerializer,
) -> None:
    Point = collections.namedtuple("Point", "x y")
    assert_same(round_trip(serializer, Point(1, 2)), (1, 2))


@pytest.mark.parametrize(
    "value",
    [b"", b"hello", b"\x00\xff\xfe\x80\x81", bytes(range(256)), b"\xc3\x28"],
)
def test_bytes_round_trip_including_non_utf8(
    serializer: TaggedJSONSerializer, value: bytes
) -> None:
    assert_same(round_trip(serializer, value), value)


def test_markup_round_trips_as_markup(serializer: TaggedJSONSerializer) -> None:
    value = Markup("<b>bold</b> &amp; é")
    assert_same(round_trip(serializer, value), value)


def test_object_with_html_method_comes_back_as_markup(
    serializer: TaggedJSONSerializer,
) -> None:
    class Widget:
        def __html__(self) -> str:
            return "<em>widget</em>"

    assert serializer.dumps(Widget()) == '{" m":"<em>widget</em>"}'
    assert_same(round_trip(serializer, Widget()), Markup("<em>widget</em>"))


def test_uuid_round_trips(serializer: TaggedJSONSerializer) -> None:
    assert serializer.dumps(U) == '{" u":"12345678123456781234567812345678"}'
    assert_same(round_trip(serializer, U), U)
    assert_same(round_trip(serializer, uuid.UUID(int=0)), uuid.UUID(int=0))


def test_naive_datetime_comes_back_aware_utc_without_microseconds(
    serializer: TaggedJSONSerializer,
) -> None:
    value = datetime(2024, 2, 29, 13, 45, 30, 999999)
    assert serializer.dumps(value) == '{" d":"Thu, 29 Feb 2024 13:45:30 GMT"}'
    assert_same(
        round_trip(serializer, value), datetime(2024, 2, 29, 13, 45, 30, tzinfo=UTC)
    )


def test_aware_datetime_comes_back_as_the_same_instant_in_utc(
    serializer: TaggedJSONSerializer,
) -> None:
    plus_5_30 = timezone(timedelta(hours=5, minutes=30))
    value = datetime(2024, 3, 1, 2, 0, 15, 250000, tzinfo=plus_5_30)
    back = round_trip(serializer, value)
    assert_same(back, datetime(2024, 2, 29, 20, 30, 15, tzinfo=UTC))
    assert back == value.replace(microsecond=0)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), "Mon, 01 Jan 0001 00:00:00 GMT"),
        (datetime(99, 12, 31, tzinfo=UTC), "Thu, 31 Dec 0099 00:00:00 GMT"),
        (
            datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC),
            "Sun, 20 Jul 1969 20:17:40 GMT",
        ),
        (
            datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ),
    ],
)
def test_datetimes_at_the_edges_of_the_range_round_trip(
    serializer: TaggedJSONSerializer, value: datetime, text: str
) -> None:
    # Flask 3.1.3 writes the same text but reads year 0001 back as 2001 and
    # 0099 as 1999 (email.utils' two-digit-year rule); here they round-trip.
    assert serializer.dumps(value) == json.dumps({" d": text}, separators=(",", ":"))
    assert_same(round_trip(serializer, value), value)


@pytest.mark.parametrize("key", [" di", " t", " b", " m", " u", " d"])
@pytest.mark.parametrize("item", ["x", [1, 2], {" b": "AP8="}, (1, b"\x01")])
def test_dict_whose_only_key_is_a_tag_key_round_trips(
    serializer: TaggedJSONSerializer, key: str, item: t.Any
) -> None:
    value = {key: item}
    text = serializer.dumps(value)
    assert text.startswith('{" di":{' + json.dumps(key + "__") + ":")
    assert_same(serializer.loads(text), value)


@pytest.mark.parametrize(
    "value",
    [
        {" t": [1], "other": 2},
        {" t__": 1},
        {" x": 1},
        {"t": [1]},
        {" T": [1]},
    ],
)
def test_dicts_that_are_not_tag_shaped_round_trip_as_plain_dicts(
    serializer: TaggedJSONSerializer, value: dict[str, t.Any]
) -> None:
    assert '" di"' not in serializer.dumps(value)
    assert_same(round_trip(serializer, value), value)


def test_nested_mix_round_trips(serializer: TaggedJSONSerializer) -> None:
    value = [
        {"in_tuple": ({"k": [b"\xff", (1, 2)], " u": U},)},
        ({" t": (Markup("<i>"),)}, [datetime(2000, 1, 1, tzinfo=UTC)]),
        {"deep": [[[({"x": {" d": b"x"}},)]]]},
    ]
    assert_same(round_trip(serializer, value), value)


def test_str_subclass_without_html_stays_a_plain_string(
    serializer: TaggedJSONSerializer,
) -> None:
    class Name(str):
        pass

    assert serializer.dumps(Name("ann")) == '"ann"'
    assert_same(round_trip(serializer, Name("ann")), "ann")


def test_other_types_use_the_default_conversions_one_way(
    serializer: TaggedJSONSerializer,
) -> None:
    @dataclasses.dataclass
    class Point:
        x: int
        y: int

    value = {
        "dec": decimal.Decimal("1.10"),
        "day": date(2020, 5, 17),
        "point": Point(1, 2),
    }
    text = serializer.dumps(value)
    assert text == (
        '{"day":"Sun, 17 May 2020 00:00:00 GMT","dec":"1.10","point":{"x":1,"y":2}}'
    )
    assert_same(
        serializer.loads(text),
        {
            "day": "Sun, 17 May 2020 00:00:00 GMT",
            "dec": "1.10",
            "point": {"x": 1, "y": 2},
        },
    )


@pytest.mark.parametrize("value", [object(), {1, 2}, bytearray(b"x"), {"k": [1j]}])
def test_unserializable_value_raises_type_error(
    serializer: TaggedJSONSerializer, value: t.Any
) -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        serializer.dumps(value)


def test_value_nested_too_deeply_raises_value_error(
    serializer: TaggedJSONSerializer,
) -> None:
    value: list[t.Any] = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(ValueError, match="nested too deeply"):
        serializer.dumps(value)


def test_value_that_contains_itself_raises_value_error(
    serializer: TaggedJSONSerializer,
) -> None:
    value: dict[str, t.Any] = {"a": 1}
    value["self"] = value
    with pytest.raises(ValueError, match="contains itself"):
        serializer.dumps(value)


def test_moderately_deep_nesting_round_trips(serializer: TaggedJSONSerializer) -> None:
    value: t.Any = "leaf"
    for depth in range(100):
        value = (value,) if depth % 2 else [{"k": value}]
    assert_same(round_trip(serializer, value), value)


def test_output_is_compact_with_sorted_keys_and_ascii_escapes(
    serializer: TaggedJSONSerializer,
) -> None:
    text = serializer.dumps({"b": [1, 2], "a": {"z": "é", "y": (1,)}})
    assert text == '{"a":{"y":{" t":[1]},"z":"\\u00e9"},"b":[1,2]}'


def test_output_does_not_depend_on_the_apps_json_provider(app: App) -> None:
    serializer = TaggedJSONSerializer()
    value = {"b": "é", "a": 1}
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    with app.app_context():
        # The app's JSON really changed...
        assert framework.json.dumps(value) == '{"b": "é", "a": 1}'
        # ...but the tagged format is fixed.
        assert serializer.dumps(value) == '{"a":1,"b":"\\u00e9"}'


@pytest.mark.parametrize(
    "text",
    [
        b'{"a": {" t": [1, 2]}}',
        '{"a": {" t": [1, 2]}}'.encode("utf-16"),
        '{"a": {" t": [1, 2]}}'.encode("utf-32-le"),
        bytearray(b'{"a": {" t": [1, 2]}}'),
    ],
)
def test_loads_accepts_bytes_in_any_json_encoding(
    serializer: TaggedJSONSerializer, text: bytes
) -> None:
    assert_same(serializer.loads(text), {"a": (1, 2)})


def test_loads_accepts_whitespace_and_unsorted_keys(
    serializer: TaggedJSONSerializer,
) -> None:
    text = '\n{ "b" : { " b" : "AP8=" } ,\t"a" : { " t" : [ ] } }\n'
    assert_same(serializer.loads(text), {"b": b"\x00\xff", "a": ()})


# --- the serializer's tags and register() --------------------------------


def test_default_tags_and_their_keys(serializer: TaggedJSONSerializer) -> None:
    assert TaggedJSONSerializer.default_tags == [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]
    assert [type(tag) for tag in serializer.order] == TaggedJSONSerializer.default_tags
    assert {key: type(tag) for key, tag in serializer.tags.items()} == {
        " di": TagDict,
        " t": TagTuple,
        " b": TagBytes,
        " m": TagMarkup,
        " u": TagUUID,
        " d": TagDateTime,
    }
    assert all(tag.serializer is serializer for tag in serializer.order)


def test_tag_and_untag_work_on_python_values(serializer: TaggedJSONSerializer) -> None:
    tagged = serializer.tag({"a": (1, b"\x01"), "b": [U]})
    assert tagged == {
        "a": {" t": [1, {" b": "AQ=="}]},
        "b": [{" u": U.hex}],
    }
    assert serializer.untag({" t": [1, 2]}) == (1, 2)
    assert serializer.untag({" t": [1], "x": 2}) == {" t": [1], "x": 2}
    assert serializer.untag({" nope": 1}) == {" nope": 1}


def test_json_tag_base_class_leaves_the_conversion_to_subclasses(
    serializer: TaggedJSONSerializer,
) -> None:
    tag = JSONTag(serializer)
    assert tag.key == ""
    assert tag.serializer is serializer
    with pytest.raises(NotImplementedError):
        tag.check(1)
    with pytest.raises(NotImplementedError):
        tag.to_json(1)
    with pytest.raises(NotImplementedError):
        tag.to_python(1)


class TagDecimal(JSONTag):
    key = " dec"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, decimal.Decimal)

    def to_json(self, value: t.Any) -> t.Any:
        return str(value)

    def to_python(self, value: t.Any) -> t.Any:
        if not isinstance(value, str):
            raise ValueError("a decimal tag holds a string")
        try:
            return decimal.Decimal(value)
        except decimal.InvalidOperation:
            raise ValueError("not a decimal") from None


@dataclasses.dataclass
class Point:
    x: int
    y: int


class TagPoint(JSONTag):
    key = " pt"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, Point)

    def to_json(self, value: t.Any) -> t.Any:
        return [value.x, value.y]

    def to_python(self, value: t.Any) -> t.Any:
        return Point(*value)


def test_registered_tags_round_trip(serializer: TaggedJSONSerializer) -> None:
    serializer.register(TagDecimal)
    serializer.register(TagPoint)
    value = {"price": decimal.Decimal("1.10"), "at": [Point(1, 2), (Point(3, 4),)]}
    text = serializer.dumps(value)
    assert (
        text == '{"at":[{" pt":[1,2]},{" t":[{" pt":[3,4]}]}],"price":{" dec":"1.10"}}'
    )
    assert_same(serializer.loads(text), value)
    assert type(serializer.order[-1]) is TagPoint
    assert type(serializer.tags[" dec"]) is TagDecimal


def test_registered_tag_key_is_protected_in_user_data(
    serializer: TaggedJSONSerializer,
) -> None:
    serializer.register(TagDecimal)
    value = {" dec": "1.10"}
    assert serializer.dumps(value) == '{" di":{" dec__":"1.10"}}'
    assert_same(round_trip(serializer, value), value)


def test_register_refuses_a_duplicate_key(serializer: TaggedJSONSerializer) -> None:
    class OtherTuple(TagTuple):
        pass

    original = serializer.tags[" t"]
    order = list(serializer.order)
    with pytest.raises(KeyError, match="' t'"):
        serializer.register(OtherTuple)
    assert serializer.tags[" t"] is original
    assert serializer.order == order


def test_register_keyless_tags_never_conflict(serializer: TaggedJSONSerializer) -> None:
    class SetAsSortedList(JSONTag):
        def check(self, value: t.Any) -> bool:
            return isinstance(value, set | frozenset)

        def tag(self, value: t.Any) -> t.Any:
            return sorted(value)

    serializer.register(SetAsSortedList)
    serializer.register(SetAsSortedList)
    assert "" not in serializer.tags
    assert [type(tag) for tag in serializer.order[-2:]] == [SetAsSortedList] * 2
    assert serializer.dumps({"s": {3, 1, 2}}) == '{"s":[1,2,3]}'


class TagDateTimeISO(JSONTag):
    """Keeps microseconds and the offset, under the built-in key " d"."""

    key = " d"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: t.Any) -> t.Any:
        return value.isoformat()

    def to_python(self, value: t.Any) -> t.Any:
        return datetime.fromisoformat(value)


def test_register_force_replaces_the_tag_for_writing_and_reading(
    serializer: TaggedJSONSerializer,
) -> None:
    old = serializer.tags[" d"]
    position = serializer.order.index(old)
    size = len(serializer.order)
    serializer.register(TagDateTimeISO, force=True)

    new = serializer.tags[" d"]
    assert type(new) is TagDateTimeISO
    assert old not in serializer.order
    assert serializer.order.index(new) == position
    assert len(serializer.order) == size

    value = datetime(
        2024, 2, 29, 13, 45, 30, 123456, tzinfo=timezone(timedelta(hours=2))
    )
    text = serializer.dumps(value)
    assert text == '{" d":"2024-02-29T13:45:30.123456+02:00"}'
    assert_same(serializer.loads(text), value)


def test_register_force_with_index_moves_the_replacement(
    serializer: TaggedJSONSerializer,
) -> None:
    old = serializer.tags[" d"]
    size = len(serializer.order)
    serializer.register(TagDateTimeISO, force=True, index=0)
    assert type(serializer.order[0]) is TagDateTimeISO
    assert old not in serializer.order
    assert len(serializer.order) == size


class TagCounter(JSONTag):
    key = " ctr"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, collections.Counter)

    def to_json(self, value: t.Any) -> t.Any:
        return {k: self.serializer.tag(v) for k, v in value.items()}

    def to_python(self, value: t.Any) -> t.Any:
        return collections.Counter(value)


def test_register_index_lets_a_subclass_tag_run_before_its_base(
    serializer: TaggedJSONSerializer,
) -> None:
    counts = collections.Counter("abca")

    late = TaggedJSONSerializer()
    late.register(TagCounter)  # after PassDict, which takes the Counter first
    assert_same(round_trip(late, counts), {"a": 2, "b": 1, "c": 1})

    serializer.register(TagCounter, index=0)
    assert type(serializer.order[0]) is TagCounter
    assert serializer.dumps(counts) == '{" ctr":{"a":2,"b":1,"c":1}}'
    assert_same(round_trip(serializer, counts), counts)


def test_registering_on_one_serializer_leaves_others_alone(
    serializer: TaggedJSONSerializer,
) -> None:
    serializer.register(TagDecimal)
    serializer.register(TagDateTimeISO, force=True)
    other = TaggedJSONSerializer()
    assert " dec" not in other.tags
    assert type(other.tags[" d"]) is TagDateTime
    assert TagDecimal not in TaggedJSONSerializer.default_tags
    assert len(TaggedJSONSerializer.default_tags) == 8


def test_subclass_default_tags_choose_the_registered_tags() -> None:
    class TuplesOnly(TaggedJSONSerializer):
        default_tags = [PassDict, PassList, TagTuple]

    serializer = TuplesOnly()
    assert set(serializer.tags) == {" t"}
    assert_same(round_trip(serializer, {"a": [(1,)]}), {"a": [(1,)]})
    with pytest.raises(TypeError):
        serializer.dumps(b"bytes")
    # Without the " b" tag, a " b" object is plain data.
    assert_same(serializer.loads('{" b":"AP8="}'), {" b": "AP8="})


# --- hostile input: always ValueError ------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "{",
        "nul",
        "[1,]",
        "{'a': 1}",
        '{"a" 1}',
        '"unterminated',
        "[1] [2]",
        "\ufeff{}",
        "1" * 5000,  # longer than int() accepts
        b"",
        b'"\xff\xfe\x00"',
        b'{"a": "\xc3\x28"}',
        b"\x00\x00\x00",
    ],
)
def test_invalid_json_raises_value_error(
    serializer: TaggedJSONSerializer, text: str | bytes
) -> None:
    with pytest.raises(ValueError):
        serializer.loads(text)


def test_invalid_json_raises_json_decode_error(
    serializer: TaggedJSONSerializer,
) -> None:
    with pytest.raises(json.JSONDecodeError):
        serializer.loads('{"a": }')


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '{" t":[' * 100_000 + "]}" * 100_000,
        ('{" di":{" t__":' * 50_000 + "1" + "}}" * 50_000).encode(),
    ],
)
def test_deeply_nested_json_raises_value_error(
    serializer: TaggedJSONSerializer, text: str | bytes
) -> None:
    with pytest.raises(ValueError):
        serializer.loads(text)


@pytest.mark.parametrize(
    "payload",
    [
        '"!!!!"',
        '"AP8"',  # missing padding
        '"AP8=="',
        '"AP8=\\n"',
        '"AP 8="',
        '"A"',
        '"AP8=AP8="',
        '"\u00e9\u00e9\u00e9\u00e9"',
        '"AP-_"',  # the URL-safe alphabet is not the one written
        "5",
        "null",
        '["AP8="]',
        '{"AP8=": 1}',
    ],
)
def test_bad_base64_raises_value_error(
    serializer: TaggedJSONSerializer, payload: str
) -> None:
    with pytest.raises(ValueError):
        serializer.loads(f'{{" b": {payload}}}')


@pytest.mark.parametrize(
    "payload",
    [
        '"garbage"',
        '""',
        '"Thu, 30 Feb 2024 00:00:00 GMT"',
        '"Fri, 29 Feb 2024 00:00:00 GMT"',  # wrong weekday
        '"Thu, 29 Feb 2024 24:00:00 GMT"',
        '"Thu, 29 Feb 2024 23:60:00 GMT"',
        '"Thu, 29 Feb 2024 23:59:60 GMT"',
        '"Sat, 01 Jan 0000 00:00:00 GMT"',
        '"Thu, 29 Feb 24 00:00:00 GMT"',
        '"Thu, 29 feb 2024 00:00:00 GMT"',
        '"Thu, 29 Fev 2024 00:00:00 GMT"',
        '"Thu, 9 Feb 2024 00:00:00 GMT"',
        '"Thu, 29 Feb 2024 00:00:00 UTC"',
        '"Thu, 29 Feb 2024 00:00:00 +0000"',
        '"Thu, 29 Feb 2024 00:00:00 GMT "',
        '"29 Feb 2024 00:00:00 GMT"',
        '"Thu, 29 Feb 2024 00:00 GMT"',
        '"Thursday, 29-Feb-24 00:00:00 GMT"',
        '"Thu Feb 29 00:00:00 2024"',
        '"2024-02-29T00:00:00+00:00"',
        '"Thu, \uff12\uff19 Feb 2024 00:00:00 GMT"',  # full-width digits
        # email.utils raises OverflowError for this one; Flask lets it out.
        '"Thu, 29 Feb 99999999999999999999 00:00:00 GMT"',
        "1709164800",
        "null",
        '["Thu, 29 Feb 2024 00:00:00 GMT"]',
    ],
)
def test_bad_date_raises_value_error(
    serializer: TaggedJSONSerializer, payload: str
) -> None:
    with pytest.raises(ValueError):
        serializer.loads(f'{{" d": {payload}}}')


@pytest.mark.parametrize(
    ("key", "payload"),
    [
        (" u", '"not-a-uuid"'),
        (" u", '""'),
        (" u", '"1234567812345678123456781234567"'),
        (" u", "5"),
        (" u", "null"),
        (" u", '["12345678123456781234567812345678"]'),
        (" t", '"abc"'),
        (" t", "5"),
        (" t", '{"a": 1}'),
        (" t", "null"),
        (" m", "5"),
        (" m", "null"),
        (" m", '["<b>"]'),
        (" m", '{"x": 1}'),
        (" di", '"x"'),
        (" di", "5"),
        (" di", "null"),
        (" di", "[]"),
        (" di", "{}"),
        (" di", '{"a__": 1, "b__": 2}'),
        (" di", '{" t": [1]}'),
    ],
)
def test_malformed_tag_payload_raises_value_error(
    serializer: TaggedJSONSerializer, key: str, payload: str
) -> None:
    with pytest.raises(ValueError):
        serializer.loads(f"{{{json.dumps(key)}: {payload}}}")


def test_malformed_tag_deep_inside_raises_value_error(
    serializer: TaggedJSONSerializer,
) -> None:
    with pytest.raises(ValueError, match="' b'"):
        serializer.loads('[1, {"a": [{" t": [{" b": "!"}]}]}]')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{" x": 1}', {" x": 1}),
        ('{" T": [1]}', {" T": [1]}),
        ('{"t": [1]}', {"t": [1]}),
        ('{" t ": [1]}', {" t ": [1]}),
        ('{"": [1]}', {"": [1]}),
        ('{" t__": [1]}', {" t__": [1]}),
        ('{" t": [1], " b": "AP8="}', {" t": [1], " b": "AP8="}),
        ('{" b": "!", "x": 1}', {" b": "!", "x": 1}),
    ],
)
def test_unknown_or_not_single_key_tags_are_plain_data(
    serializer: TaggedJSONSerializer, text: str, expected: dict[str, t.Any]
) -> None:
    assert_same(serializer.loads(text), expected)


def test_duplicate_member_names_keep_the_last_value(
    serializer: TaggedJSONSerializer,
) -> None:
    # As json.loads (and so Flask) does; the result is then untagged.
    assert_same(serializer.loads('{" t": "x", " t": [1]}'), (1,))


# --- byte compatibility with Flask ---------------------------------------

# (value, text, value read back). Every text below was produced by Flask
# 3.1.3's TaggedJSONSerializer().dumps(value) inside an app context (as when
# Flask saves a session), and Flask's loads(text) returns the third item.
FLASK_FIXTURES: list[tuple[str, t.Any, str, t.Any]] = [
    (
        "json_types",
        {"b": 1, "a": [1, 2.5, True, False, None], "": "", "é": 'ü€😀\x00\n"\\'},
        '{"":"","a":[1,2.5,true,false,null],"b":1,"\\u00e9":"\\u00fc\\u20ac\\ud83d\\ude00\\u0000\\n\\"\\\\"}',
        {"": "", "a": [1, 2.5, True, False, None], "b": 1, "é": 'ü€😀\x00\n"\\'},
    ),
    (
        "tuple",
        (1, "two", (3, (4,)), [], ()),
        '{" t":[1,"two",{" t":[3,{" t":[4]}]},[],{" t":[]}]}',
        (1, "two", (3, (4,)), [], ()),
    ),
    (
        "bytes",
        b"\x00\xff\xfe\x80hello",
        '{" b":"AP/+gGhlbGxv"}',
        b"\x00\xff\xfe\x80hello",
    ),
    ("empty_bytes", b"", '{" b":""}', b""),
    (
        "markup",
        Markup("<b>bold</b> &amp; é"),
        '{" m":"<b>bold</b> &amp; \\u00e9"}',
        Markup("<b>bold</b> &amp; é"),
    ),
    ("uuid", U, '{" u":"12345678123456781234567812345678"}', U),
    (
        "datetime_naive",
        datetime(2024, 2, 29, 13, 45, 30, 123456),
        '{" d":"Thu, 29 Feb 2024 13:45:30 GMT"}',
        datetime(2024, 2, 29, 13, 45, 30, tzinfo=UTC),
    ),
    (
        "datetime_aware",
        datetime(2024, 2, 29, 1, 2, 3, tzinfo=timezone(timedelta(hours=-5))),
        '{" d":"Thu, 29 Feb 2024 06:02:03 GMT"}',
        datetime(2024, 2, 29, 6, 2, 3, tzinfo=UTC),
    ),
    ("tag_shaped_dict", {" t": [1, 2]}, '{" di":{" t__":[1,2]}}', {" t": [1, 2]}),
    (
        "di_shaped_dict",
        {" di": {" b": "x"}},
        '{" di":{" di__":{" di":{" b__":"x"}}}}',
        {" di": {" b": "x"}},
    ),
    (
        "suffixed_key",
        {" t__": 1, "z": (1,)},
        '{" t__":1,"z":{" t":[1]}}',
        {" t__": 1, "z": (1,)},
    ),
    (
        "nested_mix",
        [
            {"k": ({"inner": b"\x01", " u": U},)},
            (Markup("<i>"), datetime(2000, 1, 1, tzinfo=UTC)),
        ],
        '[{"k":{" t":[{" u":{" u":"12345678123456781234567812345678"},'
        '"inner":{" b":"AQ=="}}]}},'
        '{" t":[{" m":"<i>"},{" d":"Sat, 01 Jan 2000 00:00:00 GMT"}]}]',
        [
            {"k": ({" u": U, "inner": b"\x01"},)},
            (Markup("<i>"), datetime(2000, 1, 1, tzinfo=UTC)),
        ],
    ),
    (
        "one_way",
        {"dec": decimal.Decimal("1.10"), "date": date(2020, 5, 17)},
        '{"date":"Sun, 17 May 2020 00:00:00 GMT","dec":"1.10"}',
        {"date": "Sun, 17 May 2020 00:00:00 GMT", "dec": "1.10"},
    ),
    ("big_int", 12345678901234567890, "12345678901234567890", 12345678901234567890),
    ("float", [0.1, -0.0, 1e100], "[0.1,-0.0,1e+100]", [0.1, -0.0, 1e100]),
]


@pytest.mark.parametrize(
    ("value", "flask_text"),
    [pytest.param(value, text, id=name) for name, value, text, _ in FLASK_FIXTURES],
)
def test_dumps_writes_exactly_what_flask_writes(
    serializer: TaggedJSONSerializer, value: t.Any, flask_text: str
) -> None:
    assert serializer.dumps(value) == flask_text


@pytest.mark.parametrize(
    ("flask_text", "expected"),
    [pytest.param(text, back, id=name) for name, _, text, back in FLASK_FIXTURES],
)
def test_loads_reads_flask_output_as_flask_does(
    serializer: TaggedJSONSerializer, flask_text: str, expected: t.Any
) -> None:
    assert_same(serializer.loads(flask_text), expected)


# Session cookies set by a Flask 3.1.3 app (secret key "compat-secret",
# default session interface) through its test client. The first view did:
#   session["user"] = "émile"; session["cart"] = (1, 2, 3)
#   session["token"] = b"\x00\xff"; session["seen"] = datetime(2024, 2, 29, 13, 45, 30)
#   session["id"] = U; session["note"] = Markup("<b>hi</b>")
#   session[" t"] = "looks like a tag"
# and the second: session["rows"] = [{"n": i, "label": "row"} for i in range(40)].
FLASK_COOKIE_SMALL = (
    ".eJx1jDEPgjAQhf_K5eYmlhYUCJK46GTiwKYOVC_SUGgC7UT475bG1eny3ve9WxAclmis7WcwuidowbU"
    "fZPhqp0CWyO8JE0w-V4b6HTsfNomQabY_5P8uBn20juJgCINK1Z2udqreyEw0RhIeYtN5BqKAMykQXKSQ"
    "yDLNSsnhcm0229n-p6ugn275cWv9TFOID885FYM2hOsXiVc3Xg.awa-Yw.5Fb1MXnpX0R9XLzbxwe01RJC9yU"
)
FLASK_COOKIE_ROWS = (
    ".eJx10jEOwkAUA9G7_DoFtiGQvQqiAIkuChIUFNHeHdHPttM92Xu9X99Ptete6_3xXKv9Q021VTv0Caqw"
    "GmuwHrGesM5Yz1gvWBdWDHCsE_PEPjFQLBQTxUYxUqw0Kz3YkJVmpVlpVpqVZqVZaVaGlWFlBldlZVgZV"
    "oaVYWVYmaXf-g9Yvw9d.awa-Yw.OHAiLIuQzFkMFPjZaKzVRyask-s"
)
FLASK_SESSION_SMALL = {
    " t": "looks like a tag",
    "cart": (1, 2, 3),
    "id": U,
    "note": Markup("<b>hi</b>"),
    "seen": datetime(2024, 2, 29, 13, 45, 30, tzinfo=UTC),
    "token": b"\x00\xff",
    "user": "émile",
}
FLASK_SESSION_ROWS = {"rows": [{"label": "row", "n": i} for i in range(40)]}


def _cookie_serializer(serializer: TaggedJSONSerializer) -> URLSafeTimedSerializer:
    """itsdangerous configured as Flask's session interface configures it."""
    return URLSafeTimedSerializer(
        "compat-secret",
        salt="cookie-session",
        serializer=serializer,
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    )


def _cookie_json(cookie: str) -> str:
    """The JSON text inside a signed cookie (compressed ones start with ".")."""
    compressed = cookie.startswith(".")
    payload = base64_decode(cookie.lstrip(".").split(".")[0])
    return (zlib.decompress(payload) if compressed else payload).decode()


# Each cookie Flask wrote, with the session it holds.
FLASK_COOKIES = [
    pytest.param(FLASK_COOKIE_SMALL, FLASK_SESSION_SMALL, id="small"),
    pytest.param(FLASK_COOKIE_ROWS, FLASK_SESSION_ROWS, id="rows"),
]


@pytest.mark.parametrize(("cookie", "data"), FLASK_COOKIES)
def test_reads_a_session_cookie_written_by_flask(
    serializer: TaggedJSONSerializer, cookie: str, data: dict[str, t.Any]
) -> None:
    assert_same(_cookie_serializer(serializer).loads(cookie), data)


@pytest.mark.parametrize(("cookie", "data"), FLASK_COOKIES)
def test_writes_session_cookies_with_flasks_payload(
    serializer: TaggedJSONSerializer, cookie: str, data: dict[str, t.Any]
) -> None:
    ours = _cookie_serializer(serializer).dumps(data)
    assert isinstance(ours, str)
    assert _cookie_json(ours) == _cookie_json(cookie)
    assert_same(_cookie_serializer(serializer).loads(ours), data)


class TagSecretString(JSONTag):
    """A user tag that takes plain strings starting with "secret:"."""

    __slots__ = ()
    key = " sec"

    def check(self, value: t.Any) -> bool:
        return isinstance(value, str) and value.startswith("secret:")

    def to_json(self, value: t.Any) -> t.Any:
        return value[len("secret:") :][::-1]

    def to_python(self, value: t.Any) -> t.Any:
        return "secret:" + value[::-1]


def test_a_user_tag_for_plain_strings_is_used(
    serializer: TaggedJSONSerializer,
) -> None:
    """Plain strings skip the tag search only while no user tag could
    want them."""
    data = {"a": "secret:abc", "b": ["secret:x", "plain"]}
    assert serializer.dumps(data) == '{"a":"secret:abc","b":["secret:x","plain"]}'
    serializer.register(TagSecretString)
    assert serializer.dumps(data) == ('{"a":{" sec":"cba"},"b":[{" sec":"x"},"plain"]}')
    assert serializer.loads(serializer.dumps(data)) == data


def test_a_built_in_tag_subclass_with_its_own_check_is_asked_about_everything(
    serializer: TaggedJSONSerializer,
) -> None:
    """A subclass that redefines check() no longer tells the serializer
    which classes it ignores, so it is asked about lists too."""

    class ListsAsTuples(TagTuple):
        def check(self, value: t.Any) -> bool:
            return isinstance(value, tuple | list)

    assert serializer.dumps([1, 2]) == "[1,2]"
    serializer.register(ListsAsTuples, force=True, index=0)
    assert serializer.dumps([1, 2]) == '{" t":[1,2]}'
    assert serializer.loads(serializer.dumps({"x": [1]})) == {"x": (1,)}


def test_subclasses_of_common_types_take_the_full_tag_search(
    serializer: TaggedJSONSerializer,
) -> None:
    """Only exact built-in classes get a shortened search: a str subclass
    with an ``__html__`` method is still written as markup."""

    class HtmlStr(str):
        def __html__(self) -> str:
            return f"<i>{self}</i>"

    assert serializer.dumps({"a": HtmlStr("x")}) == '{"a":{" m":"<i>x</i>"}}'
