"""framework.json.msgspec: the msgspec-backed JSON provider, next to the
default provider, and the table of docs/strategies.rst row by row."""

from __future__ import annotations

import dataclasses
import decimal
import enum
import json
import math
import typing as t
import uuid
from datetime import UTC, date, datetime, time

import attrs
import pytest

from framework import App, jsonify, request
from framework.json.msgspec import MsgspecProvider
from framework.json.provider import DefaultJSONProvider

Provider = DefaultJSONProvider | MsgspecProvider


def _new_app(provider_class: type[Provider]) -> App:
    app = App("test_app", root_path=__file__.rpartition("/")[0])
    app.testing = True
    app.json = provider_class(app)
    return app


@dataclasses.dataclass
class Point:
    x: int
    y: int
    _hidden: int = 0


@attrs.define
class User:
    name: str
    tags: list[str]
    _secret: str = "s"


class Html:
    def __html__(self) -> str:
        return "<b>"


class Opaque:
    pass


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Mode(enum.StrEnum):
    FAST = "fast"


class Ratio(float):
    pass


MOMENT = datetime(2015, 10, 21, 7, 28, 5)
MOMENT_HTTP = "Wed, 21 Oct 2015 07:28:05 GMT"
IDENT = uuid.UUID("12345678-1234-5678-1234-567812345678")

#: The default provider's answer (bytes, or the error it raises) is the
#: msgspec provider's too.
SAME = object()

#: ``(row, value, provider options, default provider's answer,
#: MsgspecProvider's answer)``: an answer is the body of ``jsonify(value)``,
#: or the class of the error it raises. The rows of docs/strategies.rst's
#: msgspec table.
TABLE: list[tuple[str, t.Any, dict[str, t.Any], t.Any, t.Any]] = [
    (
        "nan-infinity",
        [math.nan, math.inf, -math.inf],
        {},
        b"[NaN,Infinity,-Infinity]\n",
        b"[null,null,null]\n",
    ),
    ("enum-member", Color.RED, {}, TypeError, b'"red"\n'),
    ("int-and-str-enum", [Level.HIGH, Mode.FAST], {}, b'[3,"fast"]\n', SAME),
    (
        "ints-beyond-64-bits",
        [2**64, -(2**63) - 1, 10**20],
        {},
        b"[18446744073709551616,-9223372036854775809,100000000000000000000]\n",
        SAME,
    ),
    (
        "dates-datetimes",
        [date(2024, 2, 29), MOMENT, datetime(2024, 2, 29, 12, tzinfo=UTC)],
        {},
        f'["Thu, 29 Feb 2024 00:00:00 GMT","{MOMENT_HTTP}",'
        '"Thu, 29 Feb 2024 12:00:00 GMT"]\n'.encode(),
        b'["2024-02-29","2015-10-21T07:28:05","2024-02-29T12:00:00Z"]\n',
    ),
    ("time", time(1, 2), {}, TypeError, b'"01:02:00"\n'),
    ("uuid", IDENT, {}, f'"{IDENT}"\n'.encode(), SAME),
    (
        "decimal-dataclass-html",
        [decimal.Decimal("1.10"), Point(1, 2), Html()],
        {},
        b'["1.10",{"_hidden":0,"x":1,"y":2},"<b>"]\n',
        SAME,
    ),
    (
        "attrs-private",
        User("ada", []),
        {},
        b'{"_secret":"s","name":"ada","tags":[]}\n',
        b'{"name":"ada","tags":[]}\n',
    ),
    ("bytes", b"raw", {}, TypeError, b'"cmF3"\n'),
    ("sets", [{1}, frozenset({2})], {}, TypeError, b"[[1],[2]]\n"),
    ("sort-keys-on", {"b": 1, "a": 2}, {}, b'{"a":2,"b":1}\n', SAME),
    ("sort-keys-off", {"b": 1, "a": 2}, {"sort_keys": False}, b'{"b":1,"a":2}\n', SAME),
    (
        "ensure-ascii-on",
        "é😀\x7f\u2028",
        {},
        b'"\\u00e9\\ud83d\\ude00\\u007f\\u2028"\n',
        SAME,
    ),
    (
        "ensure-ascii-off",
        "é😀\x7f",
        {"ensure_ascii": False},
        '"é😀\x7f"\n'.encode(),
        SAME,
    ),
    ("compact", {"a": [1, {}]}, {"compact": True}, b'{"a":[1,{}]}\n', SAME),
    (
        "indented",
        {"a": [1, {"b": "é"}], "c": []},
        {"compact": False},
        b'{\n  "a": [\n    1,\n    {\n      "b": "\\u00e9"\n    }\n  ],\n'
        b'  "c": []\n}\n',
        SAME,
    ),
    (
        "non-str-keys",
        [{2: "b", 1.5: "a"}, {None: 0}, {True: 1}],
        {},
        b'[{"1.5":"a","2":"b"},{"null":0},{"true":1}]\n',
        SAME,
    ),
    ("date-keys", {date(2020, 1, 1): 1}, {}, TypeError, SAME),
    (
        "date-keys-unsorted",
        {date(2020, 1, 1): 1},
        {"sort_keys": False},
        TypeError,
        b'{"2020-01-01":1}\n',
    ),
    (
        "floats",
        [1e-7, 1e16, 0.00001, 0.5, 1.5e-10],
        {},
        b"[1e-07,1e+16,1e-05,0.5,1.5e-10]\n",
        b"[1e-7,1e16,0.00001,0.5,1.5e-10]\n",
    ),
    ("float-subclass", [Ratio(0.5)], {}, b"[0.5]\n", SAME),
    ("unknown-type", Opaque(), {}, TypeError, SAME),
]


def _answer(provider_class: type[Provider], value: t.Any, **options: t.Any) -> t.Any:
    app = _new_app(provider_class)
    for name, option in options.items():
        setattr(app.json, name, option)
    with app.app_context():
        try:
            return jsonify(value).get_data()
        except (TypeError, ValueError) as error:
            return type(error), str(error)


@pytest.mark.parametrize(
    ("value", "options", "default", "fast"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_the_documented_table_row_by_row(
    value: t.Any, options: dict[str, t.Any], default: t.Any, fast: t.Any
) -> None:
    got_default = _answer(DefaultJSONProvider, value, **options)
    got_fast = _answer(MsgspecProvider, value, **options)
    if isinstance(default, type):
        assert got_default[0] is default
    else:
        assert got_default == default
    if fast is SAME:
        # The same bytes, or the same error with the same message.
        assert got_fast == got_default
    else:
        assert got_fast == fast


def test_switched_on_by_the_json_argument() -> None:
    app = App(__name__, json=MsgspecProvider())

    @app.route("/user")
    def user() -> dict[str, t.Any]:
        return {"name": "Zoé", "id": 7}

    assert isinstance(app.json, MsgspecProvider)
    response = app.test_client().get("/user")
    assert response.text == '{"id":7,"name":"Zo\\u00e9"}\n'
    assert response.mimetype == "application/json"


def test_switched_on_by_a_subclass_attribute() -> None:
    class MyApp(App):
        json_provider_class = MsgspecProvider

    app = MyApp(__name__)
    assert isinstance(app.json, MsgspecProvider)
    with app.app_context():
        assert jsonify(a=1).get_data() == b'{"a":1}\n'


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"separators": (",", ":")},
        {"indent": 2},
        {"indent": "  ", "separators": (",", ": ")},
        {"indent": 4},
        {"separators": (";", "=")},
        {"sort_keys": False, "ensure_ascii": False},
    ],
)
def test_dumps_writes_json_dumps_layout(kwargs: dict[str, t.Any]) -> None:
    app = _new_app(MsgspecProvider)
    value = {"b": [1, {"c": "é"}], "a": None}
    expected = json.dumps(value, **{"sort_keys": True, **kwargs})
    assert app.json.dumps(value, **kwargs) == expected


def test_a_custom_default_is_called_for_unknown_types_only() -> None:
    seen: list[t.Any] = []

    def custom(value: t.Any) -> t.Any:
        seen.append(value)
        return "custom"

    app = _new_app(MsgspecProvider)
    app.json.default = custom  # type: ignore[attr-defined]
    with app.app_context():
        body = jsonify([IDENT, Color.RED, Opaque, date(2020, 1, 2)]).get_data()
    assert body == f'["{IDENT}","red","custom","2020-01-02"]\n'.encode()
    assert seen == [Opaque]


def test_circular_references_are_refused_as_by_the_default() -> None:
    looped: list[t.Any] = []
    looped.append(looped)
    assert _answer(MsgspecProvider, looped) == _answer(DefaultJSONProvider, looped)


def test_loads_reads_json_and_big_integers_exactly() -> None:
    app = _new_app(MsgspecProvider)
    assert app.json.loads('{"a": [1, 2.5, null, "\\u00e9"]}') == {
        "a": [1, 2.5, None, "é"]
    }
    assert app.json.loads(b"[18446744073709551616]") == [2**64]


@pytest.mark.parametrize(
    "document",
    ["{nope", b"\xff", "[NaN]", '"\\ud800"', b"\xef\xbb\xbf[1]", "[1e400]"],
)
def test_loads_is_strict_with_value_errors(document: str | bytes) -> None:
    app = _new_app(MsgspecProvider)
    with pytest.raises(ValueError):
        app.json.loads(document)


@pytest.mark.parametrize("body", [b"{nope", b"[NaN]", b"\xff"])
def test_get_json_of_a_body_it_refuses_is_400(body: bytes) -> None:
    app = _new_app(MsgspecProvider)

    @app.post("/echo")
    def echo() -> t.Any:
        return {"got": request.get_json()}

    client = app.test_client()
    response = client.post("/echo", data=body, content_type="application/json")
    assert response.status_code == 400
    ok = client.post("/echo", json={"n": 2**70})
    assert ok.get_json() == {"got": {"n": 2**70}}
