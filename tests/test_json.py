"""JSON: the providers (:class:`DefaultJSONProvider` and the orjson-backed
:class:`OrjsonProvider`), ``jsonify``, ``request.get_json``, the test
client's JSON and the ``framework.json`` functions.

The ``app`` fixture is overridden here: every test that uses it runs once
with each provider, so both are held to the same expectations.
"""

from __future__ import annotations

import collections
import dataclasses
import decimal
import enum
import importlib
import io
import json
import math
import random
import struct
import sys
import typing as t
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone

import attrs
import pytest

import framework.json
from framework import App, jsonify, request
from framework.json.fast import FastProvider
from framework.json.msgspec import MsgspecProvider
from framework.json.orjson import OrjsonProvider
from framework.json.provider import DefaultJSONProvider
from framework.testing import AppClient
from framework.wrappers import Response

Provider = DefaultJSONProvider | OrjsonProvider | MsgspecProvider | FastProvider
PROVIDERS: list[type[Provider]] = [DefaultJSONProvider, OrjsonProvider]
#: The providers built on FastProvider, for what their base decides.
FAST_PROVIDERS: list[type[FastProvider]] = [OrjsonProvider, MsgspecProvider]


def _new_app(provider_class: type[Provider] | None = None) -> App:
    app = App("test_app", root_path=__file__.rpartition("/")[0])
    app.testing = True
    if provider_class is not None:
        app.json = provider_class(app)
    return app


@pytest.fixture(params=PROVIDERS, ids=["default", "orjson"])
def app(request: pytest.FixtureRequest) -> App:
    """A new app in testing mode, once with each JSON provider."""
    return _new_app(request.param)


def _json(app: App) -> Provider:
    provider = app.json
    assert isinstance(provider, (DefaultJSONProvider, OrjsonProvider))
    return provider


def _body(app: App, *args: t.Any, **kwargs: t.Any) -> bytes:
    with app.app_context():
        return jsonify(*args, **kwargs).get_data()


@dataclasses.dataclass
class Point:
    x: int
    y: int


@dataclasses.dataclass
class Shape:
    name: str
    corners: list[Point]
    _secret: str = "hidden"
    when: date | None = None


@attrs.define
class User:
    name: str
    tags: list[str]
    joined: date | None = None


class Markup:
    def __init__(self, html: str) -> None:
        self.html = html

    def __html__(self) -> str:
        return self.html


class Opaque:
    pass


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Mode(enum.StrEnum):
    FAST = "fast"


class Name(str):
    pass


class Count(int):
    pass


class Ratio(float):
    pass


Pair = collections.namedtuple("Pair", ["left", "right"])

MOMENT = datetime(2015, 10, 21, 7, 28, 5)
MOMENT_HTTP = "Wed, 21 Oct 2015 07:28:05 GMT"
IDENT = uuid.UUID("12345678-1234-5678-1234-567812345678")


# -- responses ---------------------------------------------------------------


def test_provider_fixture_uses_both_providers(app: App) -> None:
    assert type(app.json) in PROVIDERS


def test_dict_return_is_a_json_response(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {"b": [1, 2.5, True], "a": None}

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.data == b'{"a":null,"b":[1,2.5,true]}\n'
    assert response.headers["Content-Length"] == str(len(response.data))
    assert response.json == {"a": None, "b": [1, 2.5, True]}


def test_list_return_is_a_json_response(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> list[t.Any]:
        return [1, "two", {"three": 3}, []]

    response = client.get("/")
    assert response.mimetype == "application/json"
    assert response.data == b'[1,"two",{"three":3},[]]\n'
    assert response.json == [1, "two", {"three": 3}, []]


def test_dict_with_status_and_headers(app: App, client: AppClient) -> None:
    @app.post("/")
    def create() -> t.Any:
        return {"id": 7}, 201, {"Location": "/items/7"}

    response = client.post("/")
    assert response.status_code == 201
    assert response.headers["Location"] == "/items/7"
    assert response.data == b'{"id":7}\n'


def test_jsonify_one_positional_is_serialized_as_is(app: App) -> None:
    with app.app_context():
        response = jsonify({"a": 1})
    assert isinstance(response, Response)
    assert response.mimetype == "application/json"
    assert response.get_data() == b'{"a":1}\n'
    assert _body(app, "text") == b'"text"\n'
    assert _body(app, 3) == b"3\n"


def test_jsonify_several_positional_give_a_list(app: App) -> None:
    assert _body(app, 1, "two", None) == b'[1,"two",null]\n'


def test_jsonify_keywords_give_an_object(app: App) -> None:
    assert _body(app, b=2, a=1) == b'{"a":1,"b":2}\n'


def test_jsonify_nothing_gives_null(app: App) -> None:
    assert _body(app) == b"null\n"


def test_jsonify_positional_and_keywords_raises(app: App) -> None:
    with app.app_context(), pytest.raises(TypeError, match="either args or kwargs"):
        jsonify(1, a=2)


def test_jsonify_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="app context"):
        jsonify(a=1)


def test_response_uses_the_fast_path_of_the_response_class(app: App) -> None:
    with app.app_context():
        response = jsonify({"a": "é"})
    assert response._fast is not None
    assert response.get_data() == b'{"a":"\\u00e9"}\n'
    assert response.headers["Content-Length"] == str(len(response.get_data()))


def test_response_class_without_fast_path_is_constructed(app: App) -> None:
    class Tagged(Response):
        def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
            super().__init__(*args, **kwargs)
            self.headers["X-Tagged"] = "yes"

    app.response_class = Tagged

    @app.get("/")
    def index() -> dict[str, int]:
        return {"a": 1}

    response = app.test_client().get("/")
    assert response.headers["X-Tagged"] == "yes"
    assert response.data == b'{"a":1}\n'
    assert response.mimetype == "application/json"


def test_provider_overriding_dumps_is_used_for_responses(
    app: App, client: AppClient
) -> None:
    base = type(app.json)

    class Tagged(base):  # type: ignore[valid-type,misc]
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return "TAG" + t.cast(str, super().dumps(obj, **kwargs))

    app.json = Tagged(app)

    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {"b": 1, "a": [1, 2]}

    assert client.get("/").data == b'TAG{"a":[1,2],"b":1}\n'
    _json(app).compact = False
    assert client.get("/").data == b'TAG{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'


@pytest.mark.parametrize("provider_class", PROVIDERS)
def test_json_provider_class_on_an_app_subclass(
    provider_class: type[Provider],
) -> None:
    class MyApp(App):
        json_provider_class = provider_class

    app = MyApp("test_app")

    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {"when": date(2024, 2, 29)}

    assert type(app.json) is provider_class
    assert app.test_client().get("/").data == (
        b'{"when":"Thu, 29 Feb 2024 00:00:00 GMT"}\n'
    )


@pytest.mark.parametrize("provider_class", PROVIDERS)
def test_a_provider_made_without_an_app_is_bound_by_the_constructor(
    provider_class: type[Provider],
) -> None:
    provider = provider_class()
    app = App("test_app", json=provider)

    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {"b": "é", "a": 1}

    assert app.json is provider
    assert provider.app is app
    assert app.test_client().get("/").data == b'{"a":1,"b":"\\u00e9"}\n'


@pytest.mark.parametrize("provider_class", PROVIDERS)
def test_a_provider_made_without_an_app_is_bound_by_assignment(
    provider_class: type[Provider],
) -> None:
    app = App("test_app")
    app.json = provider_class()
    assert app.json.app is app
    with app.app_context():
        assert jsonify([1]).get_data() == b"[1]\n"


def test_a_provider_without_an_app_says_how_to_give_it_one() -> None:
    provider = OrjsonProvider()
    # Serializing needs no app.
    assert provider.dumps({"a": 1}, separators=(",", ":")) == '{"a":1}'
    with pytest.raises(RuntimeError, match=r"pass it to App\(__name__, json=\.\.\.\)"):
        provider.response({"a": 1})


@pytest.mark.parametrize("provider_class", PROVIDERS)
def test_a_provider_serves_one_app_only(provider_class: type[Provider]) -> None:
    first = App("first", json=provider_class())
    with pytest.raises(ValueError, match="already serves another app"):
        App("second", json=first.json)
    second = App("second")
    with pytest.raises(ValueError, match="already serves another app"):
        second.json = provider_class(first)


# -- conversions -------------------------------------------------------------


def test_date_is_an_http_date(app: App) -> None:
    assert _body(app, date(2015, 10, 21)) == b'"Wed, 21 Oct 2015 00:00:00 GMT"\n'


def test_naive_datetime_is_an_http_date_taken_as_utc(app: App) -> None:
    assert _body(app, MOMENT) == f'"{MOMENT_HTTP}"\n'.encode()


def test_aware_datetime_is_converted_to_utc(app: App) -> None:
    eastern = timezone(timedelta(hours=-4))
    moment = datetime(2015, 10, 21, 3, 28, 5, tzinfo=eastern)
    assert _body(app, moment) == f'"{MOMENT_HTTP}"\n'.encode()
    assert _body(app, MOMENT.replace(tzinfo=UTC)) == (f'"{MOMENT_HTTP}"\n'.encode())


def test_datetime_microseconds_are_dropped(app: App) -> None:
    assert _body(app, MOMENT.replace(microsecond=999_999)) == (
        f'"{MOMENT_HTTP}"\n'.encode()
    )


def test_time_of_day_is_not_serializable(app: App) -> None:
    with app.app_context(), pytest.raises(TypeError, match="time"):
        jsonify(time(12, 30))


def test_decimal_is_a_string(app: App) -> None:
    assert _body(app, decimal.Decimal("10.50")) == b'"10.50"\n'
    assert _body(app, decimal.Decimal("-1E+3")) == b'"-1E+3"\n'


def test_uuid_is_a_string(app: App) -> None:
    assert _body(app, IDENT) == b'"12345678-1234-5678-1234-567812345678"\n'


def test_dataclass_is_an_object_of_all_its_fields(app: App) -> None:
    shape = Shape("tri", [Point(0, 0), Point(1, 2)], when=date(2020, 1, 1))
    assert _body(app, shape) == (
        b'{"_secret":"hidden","corners":[{"x":0,"y":0},{"x":1,"y":2}],'
        b'"name":"tri","when":"Wed, 01 Jan 2020 00:00:00 GMT"}\n'
    )


def test_dataclass_class_is_not_serializable(app: App) -> None:
    with app.app_context(), pytest.raises(TypeError, match="type"):
        jsonify(Point)


def test_attrs_class_is_an_object(app: App) -> None:
    user = User("ada", ["admin"], joined=date(2020, 1, 1))
    assert _body(app, user) == (
        b'{"joined":"Wed, 01 Jan 2020 00:00:00 GMT","name":"ada","tags":["admin"]}\n'
    )


def test_html_object_is_its_html(app: App) -> None:
    assert _body(app, [Markup("<b>bold</b>")]) == b'["<b>bold</b>"]\n'


def test_nested_mix_of_conversions(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {
            "user": User("ada", [Name("x")], joined=MOMENT),
            "shapes": [Shape("dot", [Point(1, 1)])],
            "price": decimal.Decimal("9.99"),
            "ids": (IDENT,),
            "html": {"snippet": Markup("<i>hi</i>")},
            "level": Level.HIGH,
            "mode": Mode.FAST,
        }

    response = client.get("/")
    assert response.json == {
        "html": {"snippet": "<i>hi</i>"},
        "ids": ["12345678-1234-5678-1234-567812345678"],
        "level": 3,
        "mode": "fast",
        "price": "9.99",
        "shapes": [
            {
                "_secret": "hidden",
                "corners": [{"x": 1, "y": 1}],
                "name": "dot",
                "when": None,
            }
        ],
        "user": {"joined": MOMENT_HTTP, "name": "ada", "tags": ["x"]},
    }


def test_unserializable_object_raises_type_error_naming_the_type(
    app: App, client: AppClient
) -> None:
    message = "Object of type Opaque is not JSON serializable"
    with app.app_context(), pytest.raises(TypeError, match=message) as caught:
        jsonify({"a": [Opaque()]})
    # The error is the provider's own, not chained to another serializer's.
    assert caught.value.__context__ is None
    with app.app_context(), pytest.raises(TypeError, match=message):
        app.json.dumps(Opaque())
    with app.app_context(), pytest.raises(TypeError, match="set"):
        jsonify({1, 2})

    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {"thing": Opaque()}

    with pytest.raises(TypeError, match=message):
        client.get("/")


def test_error_raised_by_default_function_propagates(app: App) -> None:
    def default(o: t.Any) -> t.Any:
        raise ValueError(f"no {type(o).__name__}")

    _json(app).default = default
    with app.app_context(), pytest.raises(ValueError, match="no Opaque"):
        jsonify(Opaque())


def test_custom_default_function_is_used(app: App) -> None:
    def default(o: t.Any) -> t.Any:
        if isinstance(o, Opaque):
            return "opaque"
        if isinstance(o, date):
            return o.isoformat()
        raise TypeError(type(o).__name__)

    _json(app).default = default
    assert _body(app, [Opaque(), date(2020, 1, 2)]) == b'["opaque","2020-01-02"]\n'
    with app.app_context():
        assert app.json.dumps(MOMENT, default=str) == '"2015-10-21 07:28:05"'


def test_circular_reference_raises_value_error(app: App) -> None:
    loop: list[t.Any] = []
    loop.append(loop)
    with app.app_context(), pytest.raises(ValueError, match="Circular reference"):
        jsonify(loop)


def test_one_object_encoded_by_two_threads_at_once_is_not_circular() -> None:
    # The reused C encoder keeps no table of the containers it is inside:
    # a shared one would see the other thread's entry for this very dict.
    import threading

    app = App(__name__)
    both_inside = threading.Barrier(2, timeout=10)

    class Slow:
        pass

    def default(o: t.Any) -> t.Any:
        both_inside.wait()
        return "slow"

    _json(app).default = default
    shared = {"items": [Slow()]}
    bodies: list[bytes] = []
    errors: list[BaseException] = []

    def encode() -> None:
        try:
            bodies.append(_body(app, shared))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=encode) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert bodies == [b'{"items":["slow"]}\n'] * 2


# -- options -----------------------------------------------------------------


def test_sort_keys_on_and_off(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {"b": 1, "a": {"z": 1, "é": 2, "y": 3}, "B": 0}

    assert client.get("/").data == b'{"B":0,"a":{"y":3,"z":1,"\\u00e9":2},"b":1}\n'
    _json(app).sort_keys = False
    assert client.get("/").data == b'{"b":1,"a":{"z":1,"\\u00e9":2,"y":3},"B":0}\n'


def test_ensure_ascii_on_escapes_non_ascii_and_emoji(app: App) -> None:
    text = 'é☃ 😀 \x7f\x1f\n"\\/ \u2028'
    assert _body(app, {"ké": text}) == (
        b'{"k\\u00e9":"\\u00e9\\u2603 \\ud83d\\ude00 \\u007f\\u001f\\n\\"\\\\/'
        b' \\u2028"}\n'
    )


def test_ensure_ascii_off_keeps_non_ascii_as_utf8(app: App) -> None:
    _json(app).ensure_ascii = False
    text = 'é☃ 😀 \x7f\x1f\n"\\/ \u2028'
    assert _body(app, {"ké": text}) == (
        '{"ké":"é☃ 😀 \x7f\\u001f\\n\\"\\\\/ \u2028"}\n'.encode()
    )
    with app.app_context():
        assert app.json.dumps(["é😀"]) == '["é😀"]'


@pytest.mark.parametrize(
    "text",
    [
        "x" * 2000 + 'é \x7f 😀 "\\ \u2028' + "y" * 2000,
        "é中😀\x7f" * 200 + ' "\\ \n',
    ],
    ids=["few non-ASCII characters", "many non-ASCII characters"],
)
def test_ensure_ascii_escapes_as_the_standard_library(app: App, text: str) -> None:
    value = {"a": [text, {text: text}], "é": "x"}
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"))
    assert _body(app, value) == f"{expected}\n".encode()
    _json(app).compact = False
    expected = json.dumps(value, sort_keys=True, indent=2)
    assert _body(app, value) == f"{expected}\n".encode()


def test_ensure_ascii_in_pretty_output(app: App) -> None:
    _json(app).compact = False
    assert _body(app, {"a": ["é", "\\n"]}) == (
        b'{\n  "a": [\n    "\\u00e9",\n    "\\\\n"\n  ]\n}\n'
    )


def test_compact_by_default_outside_debug(app: App) -> None:
    assert _body(app, {"a": [1, 2]}) == b'{"a":[1,2]}\n'


def test_pretty_in_debug_mode(app: App) -> None:
    app.debug = True
    assert _body(app, {"b": 1, "a": [1, {"c": []}, {}]}) == (
        b'{\n  "a": [\n    1,\n    {\n      "c": []\n    },\n    {}\n  ],\n'
        b'  "b": 1\n}\n'
    )


def test_compact_option_overrides_debug(app: App) -> None:
    _json(app).compact = False
    assert _body(app, {"b": 1}) == b'{\n  "b": 1\n}\n'
    _json(app).compact = True
    app.debug = True
    assert _body(app, {"b": 1}) == b'{"b":1}\n'


def test_mimetype_option(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> dict[str, int]:
        return {"a": 1}

    _json(app).mimetype = "application/vnd.api+json"
    response = client.get("/")
    assert response.headers["Content-Type"] == "application/vnd.api+json"
    assert response.json == {"a": 1}


def test_text_mimetype_gets_a_charset(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> dict[str, int]:
        return {"a": 1}

    _json(app).mimetype = "text/json"
    assert client.get("/").headers["Content-Type"] == "text/json; charset=utf-8"


# -- request.get_json --------------------------------------------------------


def _echo_app(app: App) -> AppClient:
    @app.post("/")
    def echo() -> t.Any:
        return {"got": request.get_json()}

    @app.post("/silent")
    def silent() -> t.Any:
        return {"got": request.get_json(silent=True)}

    @app.post("/force")
    def force() -> t.Any:
        return {"got": request.get_json(force=True)}

    return app.test_client()


def test_get_json_parses_a_valid_body(app: App) -> None:
    client = _echo_app(app)
    body = '{"name": "Zoë 😀", "n": [1, 2.5, null, true], "big": 9007199254740993}'
    response = client.post("/", data=body.encode(), content_type="application/json")
    assert response.status_code == 200
    assert response.json == {
        "got": {"name": "Zoë 😀", "n": [1, 2.5, None, True], "big": 9007199254740993}
    }


def test_get_json_accepts_json_suffix_mimetypes(app: App) -> None:
    client = _echo_app(app)
    response = client.post("/", data=b"[1]", content_type="application/vnd.api+json")
    assert response.json == {"got": [1]}


@pytest.mark.parametrize(
    "body",
    [b"{nope", b"", b"[1,]", b'{"a":1}}', b"'single'"],
    ids=["broken", "empty", "trailing comma", "extra data", "single quotes"],
)
def test_get_json_invalid_json_is_400(app: App, body: bytes) -> None:
    client = _echo_app(app)
    response = client.post("/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert b"not valid JSON" in response.data


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{", b'{"a": "\xc3\x28"}', b'["\xf0\x9f\x98"]'],
    ids=["invalid start", "invalid inside", "truncated"],
)
def test_get_json_invalid_utf8_is_400(app: App, body: bytes) -> None:
    client = _echo_app(app)
    response = client.post("/", data=body, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_get_json_nested_too_deeply_is_400(app: App, depth: int) -> None:
    client = _echo_app(app)
    for body in (b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth):
        response = client.post("/", data=body, content_type="application/json")
        assert response.status_code == 400


def test_get_json_moderate_nesting_is_parsed(app: App) -> None:
    client = _echo_app(app)
    body = b"[" * 200 + b"]" * 200
    response = client.post("/", data=body, content_type="application/json")
    assert response.status_code == 200
    assert response.json is not None
    value = response.json["got"]
    for _ in range(199):
        (value,) = value
    assert value == []


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_get_json_wrong_content_type_is_415(app: App, content_type: str | None) -> None:
    client = _echo_app(app)
    response = client.post("/", data=b'{"a": 1}', content_type=content_type)
    assert response.status_code == 415


def test_get_json_silent_gives_none_for_bad_bodies(app: App) -> None:
    client = _echo_app(app)
    for data, content_type in [
        (b"{nope", "application/json"),
        (b"\xff", "application/json"),
        (b"[" * 100_000, "application/json"),
        (b'{"a": 1}', "text/plain"),
    ]:
        response = client.post("/silent", data=data, content_type=content_type)
        assert response.status_code == 200
        assert response.json == {"got": None}
    response = client.post("/silent", json={"a": 1})
    assert response.json == {"got": {"a": 1}}


def test_get_json_force_ignores_the_content_type(app: App) -> None:
    client = _echo_app(app)
    response = client.post("/force", data=b'{"a": 1}', content_type="text/plain")
    assert response.json == {"got": {"a": 1}}
    response = client.post("/force", data=b"{nope", content_type="text/plain")
    assert response.status_code == 400


# -- the test client ---------------------------------------------------------


def test_client_json_argument_uses_the_provider(app: App) -> None:
    client = _echo_app(app)
    response = client.post(
        "/",
        json={"day": date(2024, 2, 29), "id": IDENT, "point": Point(1, 2), "é": "😀"},
    )
    assert response.status_code == 200
    assert response.json == {
        "got": {
            "day": "Thu, 29 Feb 2024 00:00:00 GMT",
            "id": "12345678-1234-5678-1234-567812345678",
            "point": {"x": 1, "y": 2},
            "é": "😀",
        }
    }


def test_response_json_parses_with_the_provider(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> t.Any:
        return Response('{"a": [1, "é"]}', mimetype="application/json")

    response = client.get("/")
    assert response.json == {"a": [1, "é"]}
    assert response.get_json() == {"a": [1, "é"]}


# -- framework.json functions ------------------------------------------------


def test_json_functions_use_the_provider_in_an_app_context(app: App) -> None:
    _json(app).ensure_ascii = False
    _json(app).sort_keys = False
    with app.app_context():
        assert framework.json.dumps({"b": "é", "a": MOMENT}) == (
            f'{{"b": "é", "a": "{MOMENT_HTTP}"}}'
        )
        assert framework.json.loads('{"a": [1, "é"]}') == {"a": [1, "é"]}
        assert framework.json.loads('{"a": "é"}'.encode()) == {"a": "é"}
        out = io.StringIO()
        framework.json.dump({"b": 1, "a": "é"}, out)
        assert out.getvalue() == '{"b": 1, "a": "é"}'
        assert framework.json.load(io.StringIO('[1, "é"]')) == [1, "é"]
        assert framework.json.load(io.BytesIO('[1, "é"]'.encode())) == [1, "é"]


def test_json_functions_outside_an_app_context() -> None:
    assert framework.json.dumps({"b": MOMENT, "a": decimal.Decimal("1.5")}) == (
        f'{{"b": "{MOMENT_HTTP}", "a": "1.5"}}'
    )
    assert framework.json.dumps({"b": 1}, indent=2) == '{\n  "b": 1\n}'
    assert framework.json.loads(b'{"a": [1, 2]}') == {"a": [1, 2]}
    out = io.StringIO()
    framework.json.dump([IDENT], out)
    assert out.getvalue() == '["12345678-1234-5678-1234-567812345678"]'
    assert framework.json.load(io.StringIO("[true]")) == [True]
    with pytest.raises(TypeError, match="Opaque"):
        framework.json.dumps(Opaque())


def test_dumps_default_layout_is_the_standard_librarys(app: App) -> None:
    with app.app_context():
        assert app.json.dumps({"b": [1, 2], "a": {"é": None}}) == (
            '{"a": {"\\u00e9": null}, "b": [1, 2]}'
        )


def test_dumps_keyword_arguments_override_the_options(app: App) -> None:
    value = {"b": [1, "é"], "a": {}}
    with app.app_context():
        dumps = app.json.dumps
        assert dumps(value, sort_keys=False) == '{"b": [1, "\\u00e9"], "a": {}}'
        assert dumps(value, ensure_ascii=False) == '{"a": {}, "b": [1, "é"]}'
        assert dumps(value, separators=(",", ":")) == '{"a":{},"b":[1,"\\u00e9"]}'
        assert dumps(value, separators=[",", ":"]) == '{"a":{},"b":[1,"\\u00e9"]}'
        assert dumps(value, indent=2) == (
            '{\n  "a": {},\n  "b": [\n    1,\n    "\\u00e9"\n  ]\n}'
        )
        assert dumps([1], indent=4) == "[\n    1\n]"
        assert dumps([1], indent="\t") == "[\n\t1\n]"
        assert dumps([1, 2], indent=0) == "[\n1,\n2\n]"
        assert dumps({"a": 1}, indent=2, separators=(",", ":")) == '{\n  "a":1\n}'
        assert dumps({"a": [1]}, separators=(";", "=")) == "{a=[1]}".replace("a", '"a"')
        assert dumps(Opaque(), default=lambda o: "x") == '"x"'


def test_loads_accepts_str_and_bytes(app: App) -> None:
    with app.app_context():
        assert app.json.loads('{"a": ["é", 1.5, -0, 1e2]}') == {
            "a": ["é", 1.5, 0, 100.0]
        }
        assert app.json.loads('["é"]'.encode()) == ["é"]


@pytest.mark.parametrize(
    "document", ["{nope", b"\xff", b'"\xc3\x28"', b"[1,]", "", "[1] [2]"]
)
def test_loads_invalid_documents_raise_value_error(
    app: App, document: str | bytes
) -> None:
    with app.app_context(), pytest.raises(ValueError):
        app.json.loads(document)


def test_round_trip(app: App) -> None:
    value = {
        "s": 'é 😀 \n " \\ \x00',
        "n": [0, -1, 2**63 - 1, -(2**63), 1.5, -0.25, 1e300, 5e-324],
        "b": [True, False, None],
        "nested": {"a": [{"b": [[]]}]},
    }
    with app.app_context():
        for kwargs in ({}, {"ensure_ascii": False}, {"indent": 2}):
            assert app.json.loads(app.json.dumps(value, **kwargs)) == value
        assert app.json.loads(jsonify(value).get_data()) == value


# -- OrjsonProvider specifics ------------------------------------------------


@pytest.mark.parametrize("provider_class", FAST_PROVIDERS)
def test_fast_dumps_rejects_unknown_keyword_arguments(
    provider_class: type[FastProvider],
) -> None:
    app = _new_app(provider_class)
    with pytest.raises(TypeError, match="does not take allow_nan, cls") as caught:
        app.json.dumps([1], cls=None, allow_nan=False)
    assert "DefaultJSONProvider" in str(caught.value)


@pytest.mark.parametrize("provider_class", FAST_PROVIDERS)
def test_fast_loads_rejects_keyword_arguments(
    provider_class: type[FastProvider],
) -> None:
    app = _new_app(provider_class)
    with pytest.raises(TypeError, match="no keyword arguments"):
        app.json.loads("[1]", parse_float=decimal.Decimal)


def test_orjson_loads_errors_are_json_decode_errors() -> None:
    app = _new_app(OrjsonProvider)
    for document in ("{nope", b"\xff", "[" * 2000 + "]" * 2000):
        with pytest.raises(json.JSONDecodeError):
            app.json.loads(document)


@pytest.mark.parametrize(
    ("library", "module"),
    [("orjson", "framework.json.orjson"), ("msgspec", "framework.json.msgspec")],
)
def test_importing_without_the_library_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, library: str, module: str
) -> None:
    # None in sys.modules is how Python itself marks a module unimportable.
    monkeypatch.setitem(sys.modules, library, None)
    monkeypatch.delitem(sys.modules, module)
    with pytest.raises(
        ImportError, match=rf"pip install {library} \(the '{library}' extra\)"
    ):
        importlib.import_module(module)


# -- both providers write the same bytes -------------------------------------


def _deep(depth: int) -> t.Any:
    value: t.Any = "bottom"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


CORPUS: list[t.Any] = [
    None,
    True,
    0,
    -7,
    2**63 - 1,
    -(2**63),
    2**64 - 1,
    2**64,
    -(2**63) - 1,
    10**40,
    0.0,
    -0.0,
    1.5,
    1e16,
    1e-5,
    1.5e-7,
    -3.14e-9,
    1e-10,
    0.0001,
    123456.789,
    1.7976931348623157e308,
    5e-324,
    "",
    "plain",
    "é☃ 😀 \U0010ffff",
    '\x00\x01\x08\t\n\x0b\x0c\r\x1f\x7f "\\ / \u2028\u2029\ufeff',
    "e-5 and 0.00001 in text",
    "ascii " * 100 + "then é, \x7f and 😀 " + "ascii " * 100,
    [],
    {},
    [[], {}, [{}]],
    {"b": 1, "a": 2, "é": 3, "A": 4, "😀": 5, "z": {"y": 1, "x": 2}},
    {"list": [1, "two", 3.0, None, False], "tuple": (1, 2)},
    {1: "int key", 2: "another"},
    {None: 1},
    {True: 2, False: 3},
    {1.5: 3, -2.5: 4},
    {Name("k"): Name("v"), "n": Count(5), "r": Ratio(0.5)},
    {"level": Level.HIGH, "mode": Mode.FAST, Mode.FAST: 1},
    Pair(1, "two"),
    date(2024, 2, 29),
    MOMENT,
    MOMENT.replace(tzinfo=timezone(timedelta(hours=5, minutes=30))),
    decimal.Decimal("3.14159"),
    IDENT,
    Point(1, 2),
    Shape("tri", [Point(0, 0)], when=MOMENT),
    User("ada", ["a", "é"], joined=date(2020, 1, 1)),
    Markup("<p>é</p>"),
    {"mix": [Point(1, 2), User("b", []), {"d": decimal.Decimal("1")}]},
    _deep(300),
]


def _bodies(provider_class: type[Provider], **options: t.Any) -> list[bytes]:
    app = _new_app(provider_class)
    for name, value in options.items():
        setattr(app.json, name, value)
    with app.app_context():
        return [jsonify(value).get_data() for value in CORPUS]


@pytest.mark.parametrize("compact", [True, False], ids=["compact", "pretty"])
@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["ascii", "utf8"])
@pytest.mark.parametrize("sort_keys", [True, False], ids=["sorted", "unsorted"])
def test_both_providers_write_identical_response_bodies(
    compact: bool, ensure_ascii: bool, sort_keys: bool
) -> None:
    options = {"compact": compact, "ensure_ascii": ensure_ascii, "sort_keys": sort_keys}
    default = _bodies(DefaultJSONProvider, **options)
    fast = _bodies(OrjsonProvider, **options)
    for value, expected, got in zip(CORPUS, default, fast, strict=True):
        assert got == expected, value


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"separators": (",", ":")},
        {"indent": 2},
        {"indent": 2, "ensure_ascii": False, "sort_keys": False},
        {"separators": (",", ":"), "ensure_ascii": False},
        {"indent": 3},
    ],
    ids=["default", "compact", "indent", "indent utf8", "compact utf8", "indent 3"],
)
def test_both_providers_dumps_identical_strings(kwargs: dict[str, t.Any]) -> None:
    default = _new_app(DefaultJSONProvider).json
    fast = _new_app(OrjsonProvider).json
    for value in CORPUS:
        assert fast.dumps(value, **kwargs) == default.dumps(value, **kwargs), value


def test_both_providers_write_floats_identically() -> None:
    rng = random.Random(1234)
    values = []
    for _ in range(3000):
        value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(value):
            values.append(value)
        values.append(rng.uniform(-1, 1) * 10.0 ** rng.randint(-12, 20))
    for provider_class in PROVIDERS:
        app = _new_app(provider_class)
        with app.app_context():
            body = jsonify(values).get_data()
        assert body == f"[{','.join(map(repr, values))}]\n".encode()


def test_both_providers_refuse_the_same_values_with_the_same_error() -> None:
    loop: dict[str, t.Any] = {}
    loop["self"] = loop
    for value in [
        Opaque(),
        {"a": {1, 2}},
        time(1, 2),
        b"bytes",
        {date(2020, 1, 1): 1},
        loop,
        Color,
    ]:
        errors = []
        for provider_class in PROVIDERS:
            app = _new_app(provider_class)
            with app.app_context(), pytest.raises((TypeError, ValueError)) as caught:
                jsonify(value)
            errors.append((type(caught.value), str(caught.value)))
        assert errors[0] == errors[1], value


def test_documented_differences_between_the_providers() -> None:
    """What OrjsonProvider documents as writing or reading differently."""
    default = _new_app(DefaultJSONProvider)
    fast = _new_app(OrjsonProvider)
    special = [math.nan, math.inf, -math.inf]
    with default.app_context():
        assert jsonify(special).get_data() == b"[NaN,Infinity,-Infinity]\n"
        with pytest.raises(TypeError, match="Color"):
            jsonify(Color.RED)
        assert default.json.loads("[NaN, 18446744073709551616]") == [
            pytest.approx(math.nan, nan_ok=True),
            2**64,
        ]
        # An encoded lone surrogate, not valid UTF-8, is read by json.loads.
        assert default.json.loads(b'["\xed\xa0\x80"]') == ["\ud800"]
    with fast.app_context():
        assert jsonify(special).get_data() == b"[null,null,null]\n"
        assert jsonify(Color.RED).get_data() == b'"red"\n'
        assert fast.json.loads("[18446744073709551616]") == [float(2**64)]
        with pytest.raises(ValueError):
            fast.json.loads("[NaN]")
        with pytest.raises(ValueError):
            fast.json.loads('"\\ud800"')
        with pytest.raises(ValueError):
            fast.json.loads(b'["\xed\xa0\x80"]')
        with pytest.raises(ValueError):
            fast.json.loads(b"\xef\xbb\xbf[1]")


# -- the comparison table of docs/strategies.rst, row by row -------------------

#: The default provider's answer (bytes, or the error it raises) is the
#: fast one's too.
SAME = object()

#: ``(row, value, provider options, default provider's answer, OrjsonProvider's
#: answer)``: an answer is the body of ``jsonify(value)``, or the class of
#: the error it raises.
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
        [date(2024, 2, 29), MOMENT],
        {},
        f'["Thu, 29 Feb 2024 00:00:00 GMT","{MOMENT_HTTP}"]\n'.encode(),
        SAME,
    ),
    ("time", time(1, 2), {}, TypeError, SAME),
    ("uuid", IDENT, {}, f'"{IDENT}"\n'.encode(), SAME),
    (
        "decimal-dataclass-attrs-html",
        [decimal.Decimal("1.10"), Point(1, 2), User("ada", []), Markup("<b>")],
        {},
        b'["1.10",{"x":1,"y":2},{"joined":null,"name":"ada","tags":[]},"<b>"]\n',
        SAME,
    ),
    ("sort-keys-on", {"b": 1, "a": 2}, {}, b'{"a":2,"b":1}\n', SAME),
    ("sort-keys-off", {"b": 1, "a": 2}, {"sort_keys": False}, b'{"b":1,"a":2}\n', SAME),
    (
        "ensure-ascii-on",
        "é😀\x7f",
        {},
        b'"\\u00e9\\ud83d\\ude00\\u007f"\n',
        SAME,
    ),
    (
        "ensure-ascii-off",
        "é😀\x7f",
        {"ensure_ascii": False},
        '"é😀\x7f"\n'.encode(),
        SAME,
    ),
    ("compact", {"a": [1]}, {"compact": True}, b'{"a":[1]}\n', SAME),
    (
        "indented",
        {"a": [1]},
        {"compact": False},
        b'{\n  "a": [\n    1\n  ]\n}\n',
        SAME,
    ),
    ("bytes", b"raw", {}, TypeError, SAME),
    (
        "non-str-keys",
        [{2: "b", 1.5: "a"}, {None: 0}, {True: 1}],
        {},
        b'[{"1.5":"a","2":"b"},{"null":0},{"true":1}]\n',
        SAME,
    ),
    ("date-keys", {date(2020, 1, 1): 1}, {}, TypeError, SAME),
    ("floats", [1e-7, 1e16, 0.00001], {}, b"[1e-07,1e+16,1e-05]\n", SAME),
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
    got_fast = _answer(OrjsonProvider, value, **options)
    if isinstance(default, type):
        assert got_default[0] is default
    else:
        assert got_default == default
    if fast is SAME:
        # The same bytes, or the same error with the same message.
        assert got_fast == got_default
    else:
        assert got_fast == fast


@pytest.mark.parametrize("provider_class", [*PROVIDERS, MsgspecProvider])
def test_the_documented_layout_under_debug(provider_class: type[Provider]) -> None:
    """``compact = None``: indented in debug mode, compact otherwise."""
    app = _new_app(provider_class)
    with app.app_context():
        assert jsonify({"a": 1}).get_data() == b'{"a":1}\n'
    app.debug = True
    with app.app_context():
        assert jsonify({"a": 1}).get_data() == b'{\n  "a": 1\n}\n'


def test_the_documented_custom_default_row() -> None:
    """A custom ``default`` sees UUIDs and enum members under the default
    provider only; orjson writes them itself."""
    seen: list[t.Any] = []

    def custom(value: t.Any) -> t.Any:
        seen.append(value)
        return "custom"

    answers = []
    for provider_class in PROVIDERS:
        app = _new_app(provider_class)
        app.json.default = custom  # type: ignore[attr-defined]
        with app.app_context():
            answers.append(jsonify([IDENT, Color.RED, Opaque]).get_data())
    assert answers[0] == b'["custom","custom","custom"]\n'
    assert answers[1] == f'["{IDENT}","red","custom"]\n'.encode()
    assert seen[:3] == [IDENT, Color.RED, Opaque]
    assert seen[3:] == [Opaque]


def test_test_client_json_of_a_deeply_nested_body_is_a_value_error() -> None:
    app = App(__name__)

    @app.get("/deep")
    def deep() -> Response:
        return Response("[" * 100_000 + "]" * 100_000, mimetype="application/json")

    response = app.test_client().get("/deep")
    with pytest.raises(ValueError, match="nested too deeply"):
        _ = response.json
