"""View return values to responses: :class:`framework.responses.
ResponseConverter`, alone and through :class:`framework.App`, plus
``make_response``, ``jsonify`` and the JSON provider's options."""

from __future__ import annotations

import dataclasses
import decimal
import logging
import subprocess
import sys
import typing as t
import uuid
from datetime import UTC, date, datetime

import attrs
import pytest
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.wrappers import Response as WerkzeugResponse

import framework
from framework import App, jsonify
from framework.ctx import AppContext
from framework.responses import ResponseConverter
from framework.testing import AppClient
from framework.wrappers import Response

if t.TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def _new_app(cls: type[App] = App, **kwargs: t.Any) -> App:
    app = cls("test_app", root_path=__file__.rpartition("/")[0], **kwargs)
    app.testing = True
    return app


# -- bodies ------------------------------------------------------------------


def test_str_is_html_utf8(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> str:
        return "héllo"

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.data == "héllo".encode()
    assert response.headers["Content-Length"] == str(len("héllo".encode()))


def test_bytes_body(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> bytes:
        return b"\x00raw\xff"

    response = client.get("/")
    assert response.data == b"\x00raw\xff"
    assert response.mimetype == "text/html"


def test_bytearray_body(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> t.Any:
        return bytearray(b"array")

    response = client.get("/")
    assert response.status_code == 200
    assert response.data == b"array"
    assert response.mimetype == "text/html"


def test_dict_is_json(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {"b": [1, 2], "a": None}

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json == {"a": None, "b": [1, 2]}
    assert response.data == b'{"a":null,"b":[1,2]}\n'


def test_list_is_json(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> list[t.Any]:
        return [1, "two", {"three": 3}]

    response = client.get("/")
    assert response.mimetype == "application/json"
    assert response.json == [1, "two", {"three": 3}]


def test_generator_is_streamed(app: App, client: AppClient) -> None:
    produced: list[str] = []

    def generate() -> Iterator[str]:
        for part in ("a", "b", "c"):
            produced.append(part)
            yield part

    @app.get("/")
    def index() -> Iterator[str]:
        return generate()

    with app.test_request_context("/"):
        response = app.make_response(generate())
        assert response.is_streamed
        assert produced == []
    produced.clear()
    served = client.get("/")
    assert served.data == b"abc"
    assert "Content-Length" not in served.headers
    assert produced == ["a", "b", "c"]


def test_iterator_is_streamed(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> Iterator[bytes]:
        return iter([b"one,", b"two"])

    response = client.get("/")
    assert response.data == b"one,two"
    assert "Content-Length" not in response.headers


# -- tuples ------------------------------------------------------------------


def test_tuple_body_status(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> tuple[str, int]:
        return "created", 201

    response = client.get("/")
    assert response.status_code == 201
    assert response.data == b"created"


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Test": "yes"},
        [("X-Test", "yes")],
        Headers([("X-Test", "yes")]),
    ],
    ids=["dict", "list-of-tuples", "Headers"],
)
def test_tuple_body_headers(app: App, client: AppClient, headers: t.Any) -> None:
    @app.get("/")
    def index() -> t.Any:
        return "with headers", headers

    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["X-Test"] == "yes"
    assert response.data == b"with headers"


def test_tuple_body_status_headers(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> t.Any:
        return "gone", 410, {"X-Reason": "deleted"}

    response = client.get("/")
    assert response.status_code == 410
    assert response.headers["X-Reason"] == "deleted"
    assert response.data == b"gone"


def test_tuple_status_as_string(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> t.Any:
        return "made", "201 CREATED"

    response = client.get("/")
    assert response.status == "201 CREATED"
    assert response.status_code == 201


def test_tuple_with_dict_body_status_and_headers(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> t.Any:
        return {"id": 7}, 201, [("Location", "/items/7")]

    response = client.get("/")
    assert response.status_code == 201
    assert response.headers["Location"] == "/items/7"
    assert response.json == {"id": 7}
    assert response.mimetype == "application/json"


@pytest.mark.parametrize(
    "body",
    [lambda: "text", lambda: {"a": 1}, lambda: Response("resp")],
    ids=["str", "dict", "Response"],
)
def test_tuple_headers_replace_same_named_headers(
    app: App, body: t.Callable[[], t.Any]
) -> None:
    """As in Flask, tuple headers replace the body's headers of the same name
    and keep the others."""
    with app.test_request_context("/"):
        response = app.make_response(
            (body(), {"Content-Type": "text/x-custom", "X-New": "1"})
        )
    assert response.headers.getlist("Content-Type") == ["text/x-custom"]
    assert response.headers["X-New"] == "1"
    assert "Content-Length" in response.headers


def test_four_tuple_raises_type_error(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> t.Any:
        return "a", 200, {}, "extra"

    with pytest.raises(TypeError, match="tuple") as info:
        client.get("/")
    assert "'index'" in str(info.value)


def test_one_tuple_raises_type_error(app: App) -> None:
    with app.test_request_context("/"), pytest.raises(TypeError, match="tuple"):
        app.make_response(("alone",))


# -- response objects and WSGI apps ------------------------------------------


def test_response_object_returned_as_is(app: App) -> None:
    original = Response("mine", status=202)
    with app.test_request_context("/"):
        assert app.make_response(original) is original


def test_response_object_with_status_and_headers_from_tuple(
    app: App, client: AppClient
) -> None:
    original = Response("mine", status=202, headers={"X-Original": "1"})

    with app.test_request_context("/"):
        response = app.make_response((original, 418, {"X-Added": "2"}))
    assert response is original
    assert response.status_code == 418
    assert response.headers["X-Original"] == "1"
    assert response.headers["X-Added"] == "2"

    @app.get("/")
    def index() -> t.Any:
        return Response("served"), "299 CUSTOM", {"X-Added": "3"}

    served = client.get("/")
    assert served.status == "299 CUSTOM"
    assert served.headers["X-Added"] == "3"
    assert served.data == b"served"


def test_response_subclass_is_returned_as_is(app: App) -> None:
    class Special(Response):
        pass

    special = Special("special")
    with app.test_request_context("/"):
        assert app.make_response(special) is special


def test_werkzeug_response_of_another_class_is_converted(
    app: App, client: AppClient
) -> None:
    foreign = WerkzeugResponse("plain", status=203, headers={"X-Foreign": "1"})
    with app.test_request_context("/"):
        response = app.make_response(foreign)
    assert isinstance(response, app.response_class)
    assert response.status_code == 203
    assert response.headers["X-Foreign"] == "1"
    assert response.get_data() == b"plain"

    @app.get("/")
    def index() -> t.Any:
        return WerkzeugResponse("foreign body", status=203), 207

    served = client.get("/")
    assert served.status_code == 207
    assert served.data == b"foreign body"


def test_wsgi_callable_is_run(app: App, client: AppClient) -> None:
    def tiny_wsgi(
        environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        start_response("202 Accepted", [("X-Tiny", "yes")])
        return [b"tiny saw ", environ["PATH_INFO"].encode()]

    @app.get("/wsgi/here")
    def index() -> t.Any:
        return tiny_wsgi

    response = client.get("/wsgi/here")
    assert response.status_code == 202
    assert response.headers["X-Tiny"] == "yes"
    assert response.data == b"tiny saw /wsgi/here"


def test_http_exception_instance_gives_its_page(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> t.Any:
        return NotFound()

    response = client.get("/")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"<title>404 Not Found</title>" in response.data


def test_http_exception_returned_does_not_go_to_error_handlers(
    app: App, client: AppClient
) -> None:
    """As in Flask, a returned (not raised) exception is just a response."""

    @app.errorhandler(404)
    def handler(e: Exception) -> tuple[str, int]:
        return "handled", 404

    @app.get("/")
    def index() -> t.Any:
        return NotFound("returned")

    response = client.get("/")
    assert response.status_code == 404
    assert b"returned" in response.data
    assert b"handled" not in response.data


def test_custom_http_exception_get_response(app: App, client: AppClient) -> None:
    class Teapot(HTTPException):
        code = 418
        description = "short and stout"

        def get_response(
            self,
            environ: t.Any = None,
            scope: dict[str, t.Any] | None = None,
        ) -> Response:
            assert environ is not None
            return Response(f"teapot at {environ['PATH_INFO']}", 418, {"X-Teapot": "1"})

    @app.get("/pot")
    def index() -> t.Any:
        return Teapot()

    response = client.get("/pot")
    assert response.status_code == 418
    assert response.headers["X-Teapot"] == "1"
    assert response.data == b"teapot at /pot"


def test_http_exception_carrying_a_response(app: App) -> None:
    exc = HTTPException(response=WerkzeugResponse("carried", status=409))
    with app.test_request_context("/"):
        response = app.make_response(exc)
    assert isinstance(response, app.response_class)
    assert response.status_code == 409
    assert response.get_data() == b"carried"


# -- invalid return values ---------------------------------------------------


def test_none_raises_type_error_naming_the_endpoint(
    app: App, client: AppClient
) -> None:
    @app.get("/")
    def my_view() -> None:
        return None

    with pytest.raises(TypeError) as info:
        client.get("/")
    message = str(info.value)
    assert "'my_view'" in message
    assert "None" in message


def test_none_in_a_tuple_raises_type_error(app: App) -> None:
    with app.test_request_context("/"), pytest.raises(TypeError, match="None"):
        app.make_response((None, 200))


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(42, "int"), (object(), "object"), (3.5, "float"), ({1, 2}, "set")],
)
def test_unsupported_type_raises_type_error_naming_view_and_type(
    app: App, client: AppClient, value: t.Any, type_name: str
) -> None:
    @app.get("/")
    def odd_view() -> t.Any:
        return value

    with pytest.raises(TypeError) as info:
        client.get("/")
    message = str(info.value)
    assert "'odd_view'" in message
    assert type_name in message


@pytest.mark.parametrize(
    "value",
    [None, 42, object(), ("a", 200, {}, "extra")],
    ids=["None", "int", "object", "4-tuple"],
)
def test_invalid_return_value_gives_500_without_details_when_not_testing(
    app: App, client: AppClient, caplog: pytest.LogCaptureFixture, value: t.Any
) -> None:
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/")
    def secret_view_name() -> t.Any:
        return value

    with caplog.at_level(logging.ERROR):
        response = client.get("/")
    assert response.status_code == 500
    errors = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert len(errors) == 1
    assert isinstance(errors[0], TypeError)
    body = response.get_data(as_text=True)
    assert str(errors[0]) not in body
    assert "secret_view_name" not in body
    assert "Traceback" not in body
    assert "TypeError" not in body
    assert "<title>500 Internal Server Error</title>" in body


# -- make_response helper and app.make_response ------------------------------


def test_make_response_helper_without_arguments(app: App) -> None:
    with app.test_request_context("/"):
        response = framework.make_response()
    assert isinstance(response, app.response_class)
    assert response.status_code == 200
    assert response.get_data() == b""
    assert response.mimetype == "text/html"


def test_make_response_helper_with_one_argument(app: App) -> None:
    with app.test_request_context("/"):
        text = framework.make_response("body")
        as_tuple = framework.make_response(("body", 202))
        as_json = framework.make_response({"k": "v"})
    assert text.get_data() == b"body"
    assert as_tuple.status_code == 202
    assert as_json.json == {"k": "v"}


def test_make_response_helper_with_several_arguments(app: App) -> None:
    with app.test_request_context("/"):
        response = framework.make_response("body", 404, {"X-Y": "z"})
        two = framework.make_response("body", {"X-Y": "w"})
    assert response.status_code == 404
    assert response.headers["X-Y"] == "z"
    assert two.status_code == 200
    assert two.headers["X-Y"] == "w"


def test_make_response_helper_in_a_view_can_be_modified(
    app: App, client: AppClient
) -> None:
    @app.get("/")
    def index() -> Response:
        response = framework.make_response("page")
        response.set_cookie("seen", "1")
        response.headers["X-Extra"] = "1"
        return response

    response = client.get("/")
    assert response.data == b"page"
    assert response.headers["X-Extra"] == "1"
    assert "seen=1" in response.headers["Set-Cookie"]


def test_make_response_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError):
        framework.make_response("x")


_FLASK_MAKE_RESPONSE = """
from flask import Flask

app = Flask("outside")
for rv in [("made", 201), {"a": 1}]:
    response = app.make_response(rv)
    print(response.status_code, response.mimetype, response.get_data(as_text=True))
"""


def test_app_make_response_without_context_as_in_flask(app: App) -> None:
    """Flask's ``app.make_response`` needs no context (checked by running real
    Flask in a subprocess); nor does ours, and it pushes none on the way."""
    flask = subprocess.run(
        [sys.executable, "-c", _FLASK_MAKE_RESPONSE],
        capture_output=True,
        text=True,
        check=True,
    )
    pushed: list[object] = []
    app.teardown_appcontext(pushed.append)
    ours = []
    for rv in [("made", 201), {"a": 1}]:
        response = app.make_response(rv)  # type: ignore[arg-type]
        ours.append(
            f"{response.status_code} {response.mimetype} {response.get_data(True)}"
        )
    assert "\n".join(ours) + "\n" == flask.stdout
    assert pushed == []


def test_app_make_response(app: App) -> None:
    with app.app_context():
        response = app.make_response(("in app context", 201))
    assert response.status_code == 201
    assert response.get_data() == b"in app context"


# -- jsonify and JSON options ------------------------------------------------


def test_jsonify_one_positional(app: App) -> None:
    with app.app_context():
        response = jsonify({"a": 1})
    assert response.mimetype == "application/json"
    assert response.get_data() == b'{"a":1}\n'


def test_jsonify_several_positional_gives_a_list(app: App) -> None:
    with app.app_context():
        assert jsonify(1, "two", None).get_data() == b'[1,"two",null]\n'


def test_jsonify_keywords_give_an_object(app: App) -> None:
    with app.app_context():
        assert jsonify(b=2, a=1).get_data() == b'{"a":1,"b":2}\n'


def test_jsonify_nothing_gives_null(app: App) -> None:
    with app.app_context():
        assert jsonify().get_data() == b"null\n"


def test_jsonify_positional_and_keywords_raises(app: App) -> None:
    with app.app_context(), pytest.raises(TypeError):
        jsonify(1, a=2)


def test_jsonify_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError):
        jsonify(a=1)


def test_json_sort_keys_option(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> dict[str, int]:
        return {"b": 1, "a": 2}

    assert client.get("/").data == b'{"a":2,"b":1}\n'
    app.json.sort_keys = False
    assert client.get("/").data == b'{"b":1,"a":2}\n'


def test_json_compact_option(app: App) -> None:
    app.json.compact = False
    with app.app_context():
        assert jsonify({"b": 1}).get_data() == b'{\n  "b": 1\n}\n'
    app.json.compact = True
    app.debug = True
    with app.app_context():
        assert jsonify({"b": 1}).get_data() == b'{"b":1}\n'


def test_json_ensure_ascii_option(app: App) -> None:
    with app.app_context():
        assert jsonify("é☃").get_data() == b'"\\u00e9\\u2603"\n'
    app.json.ensure_ascii = False
    with app.app_context():
        assert jsonify("é☃").get_data() == '"é☃"\n'.encode()


def test_json_pretty_printed_in_debug_mode(app: App) -> None:
    app.debug = True
    with app.app_context():
        data = jsonify({"b": 1, "a": [1, 2]}).get_data()
    assert data == b'{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'


def test_json_serializes_dates_as_http_dates(app: App) -> None:
    moment = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    with app.app_context():
        response = jsonify(date(2015, 10, 21), moment)
    assert response.json == [
        "Wed, 21 Oct 2015 00:00:00 GMT",
        "Wed, 21 Oct 2015 07:28:00 GMT",
    ]


def test_json_serializes_decimal_and_uuid(app: App) -> None:
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    with app.app_context():
        response = jsonify(price=decimal.Decimal("10.50"), id=ident)
    assert response.json == {
        "price": "10.50",
        "id": "12345678-1234-5678-1234-567812345678",
    }


def test_json_serializes_dataclass_and_attrs_class(app: App, client: AppClient) -> None:
    @dataclasses.dataclass
    class Point:
        x: int
        y: int

    @attrs.define
    class User:
        name: str
        tags: list[str]

    @app.get("/")
    def index() -> t.Any:
        return {"point": Point(1, 2), "user": User("ada", ["admin"])}

    assert client.get("/").json == {
        "point": {"x": 1, "y": 2},
        "user": {"name": "ada", "tags": ["admin"]},
    }


def test_json_serializes_html_objects(app: App) -> None:
    class Markup:
        def __html__(self) -> str:
            return "<b>bold</b>"

    with app.app_context():
        assert jsonify([Markup()]).json == ["<b>bold</b>"]


def test_unserializable_object_raises_type_error_naming_the_type(
    app: App, client: AppClient
) -> None:
    class Opaque:
        pass

    with app.app_context(), pytest.raises(TypeError, match="Opaque"):
        jsonify(Opaque())

    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {"thing": Opaque()}

    with pytest.raises(TypeError, match="Opaque"):
        client.get("/")


# -- the ResponseConverter alone ---------------------------------------------


def test_converter_alone_in_a_request_context(app: App) -> None:
    converter = ResponseConverter()
    with app.test_request_context("/") as ctx:
        text = converter.make_response(ctx, "alone")
        as_json = converter.make_response(ctx, {"a": 1})
        with_status = converter.make_response(ctx, ("x", 204))
        with_headers = converter.make_response(ctx, (b"y", {"X-A": "1"}))
    assert isinstance(text, app.response_class)
    assert text.get_data() == b"alone"
    assert text.mimetype == "text/html"
    assert as_json.json == {"a": 1}
    assert with_status.status_code == 204
    assert with_headers.headers["X-A"] == "1"


def test_converter_alone_uses_the_app_response_class(app: App) -> None:
    class MyResponse(Response):
        default_mimetype = "text/plain"

    app.response_class = MyResponse
    with app.test_request_context("/") as ctx:
        response = ResponseConverter().make_response(ctx, "text")
    assert type(response) is MyResponse
    assert response.mimetype == "text/plain"


def test_converter_alone_names_the_endpoint_in_errors(app: App) -> None:
    @app.get("/x")
    def the_endpoint() -> str:
        return "x"

    with app.test_request_context("/x") as ctx:
        with pytest.raises(TypeError, match=r"'the_endpoint'.*None"):
            ResponseConverter().make_response(ctx, None)
        with pytest.raises(TypeError, match="'the_endpoint'") as info:
            ResponseConverter().make_response(ctx, 12)
    assert "int" in str(info.value)


def test_converter_alone_in_an_app_context(app: App) -> None:
    with app.app_context() as ctx:
        assert isinstance(ctx, AppContext)
        response = ResponseConverter().make_response(ctx, ["a"])
    assert response.json == ["a"]


def test_converter_alone_without_context_raises() -> None:
    with pytest.raises(RuntimeError, match="context"):
        ResponseConverter().make_response(None, "x")


# -- swapping the converter and overriding make_response ---------------------


class IntConverter(ResponseConverter):
    """Also turns ``int`` into a text response."""

    def make_response(self, ctx: AppContext | None, rv: t.Any) -> Response:
        if type(rv) is int:
            assert ctx is not None
            return ctx.app.response_class(f"number {rv}", mimetype="text/plain")
        return super().make_response(ctx, rv)


def _int_view_client(app: App) -> AppClient:
    @app.get("/")
    def index() -> t.Any:
        return 42

    @app.get("/str")
    def text() -> str:
        return "still text"

    return app.test_client()


def test_custom_converter_via_constructor() -> None:
    converter = IntConverter()
    app = _new_app(response_converter=converter)
    assert app.response_converter is converter
    client = _int_view_client(app)
    response = client.get("/")
    assert response.data == b"number 42"
    assert response.mimetype == "text/plain"
    assert client.get("/str").data == b"still text"


def test_custom_converter_via_response_converter_class() -> None:
    class MyApp(App):
        response_converter_class = IntConverter

    app = _new_app(MyApp)
    assert type(app.response_converter) is IntConverter
    client = _int_view_client(app)
    assert client.get("/").data == b"number 42"
    assert client.get("/str").data == b"still text"


def test_custom_converter_via_assignment(app: App) -> None:
    app.response_converter = IntConverter()
    assert _int_view_client(app).get("/").data == b"number 42"


def test_custom_converter_used_by_make_response_helper() -> None:
    app = _new_app(response_converter=IntConverter())
    with app.test_request_context("/"):
        assert framework.make_response(7).get_data() == b"number 7"
        assert app.make_response(8).get_data() == b"number 8"


def test_override_make_response_in_app_subclass() -> None:
    seen: list[t.Any] = []

    class MyApp(App):
        def make_response(self, rv: t.Any) -> Response:
            seen.append(rv)
            if type(rv) is int:
                return self.response_class(f"override {rv}", mimetype="text/plain")
            response = super().make_response(rv)
            response.headers["X-Made-By"] = "override"
            return response

    app = _new_app(MyApp)
    client = _int_view_client(app)
    response = client.get("/")
    assert response.data == b"override 42"
    text = client.get("/str")
    assert text.data == b"still text"
    assert text.headers["X-Made-By"] == "override"
    assert seen == [42, "still text"]


def test_override_make_response_applies_to_before_request_values() -> None:
    class MyApp(App):
        def make_response(self, rv: t.Any) -> Response:
            response = super().make_response(rv)
            response.headers["X-Made-By"] = "override"
            return response

    app = _new_app(MyApp)

    @app.before_request
    def stop() -> str:
        return "from hook"

    response = app.test_client().get("/anything")
    assert response.data == b"from hook"
    assert response.headers["X-Made-By"] == "override"


def test_cached_error_pages_never_mix_instances(app: App) -> None:
    """Default error pages are cached per class only when nothing about the
    instance can change them."""
    from werkzeug.exceptions import Conflict

    class NamedConflict(Conflict):
        def __init__(self, what: str) -> None:
            super().__init__()
            self.what = what

        @property  # type: ignore[override]
        def description(self) -> str:
            return f"conflict on {self.what}"

    @app.get("/conflict/<what>")
    def conflict(what: str) -> str:
        raise NamedConflict(what)

    @app.get("/gone")
    def gone() -> str:
        error = NotFound()
        error.code = 410
        raise error

    client = app.test_client()
    assert b"conflict on alice" in client.get("/conflict/alice").data
    assert b"conflict on bob" in client.get("/conflict/bob").data
    assert client.get("/gone").status == "410 GONE"
    assert client.get("/missing").status == "404 NOT FOUND"
    first = client.get("/missing")
    second = client.get("/also-missing")
    assert first.data == second.data


def test_json_provider_overriding_dumps_is_used_for_responses() -> None:
    from framework.json.provider import DefaultJSONProvider

    class Tagged(DefaultJSONProvider):
        def dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
            return "TAG" + super().dumps(obj, **kwargs)

    app = App(__name__)
    app.json = Tagged(app)

    @app.get("/")
    def index() -> dict[str, t.Any]:
        return {"b": 1, "a": [1, 2]}

    assert app.test_client().get("/").data == b'TAG{"a":[1,2],"b":1}\n'


def test_json_text_mimetype_gets_a_charset() -> None:
    app = App(__name__)
    app.json.mimetype = "text/json"  # type: ignore[attr-defined]

    @app.get("/")
    def index() -> dict[str, int]:
        return {"a": 1}

    assert (
        app.test_client().get("/").headers["Content-Type"] == "text/json; charset=utf-8"
    )


# -- what a bad return value's error says -------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "returned None"),
        (("body",), "tuple must have the form"),
        (("body", 200, {}, "extra"), "tuple must have the form"),
        (True, "it was a bool"),
        ((1.5, 200), "it was a float"),
    ],
)
def test_a_bad_return_value_is_a_type_error_saying_what_was_wrong(
    app: App, client: AppClient, value: t.Any, expected: str
) -> None:
    @app.get("/")
    def bad_view() -> t.Any:
        return value

    with pytest.raises(TypeError) as info:
        client.get("/")
    assert expected in str(info.value)
    assert "'bad_view'" in str(info.value)


def test_a_callable_that_is_not_a_wsgi_app_is_a_type_error(
    app: App, client: AppClient
) -> None:
    @app.get("/")
    def bad_wsgi() -> t.Any:
        return lambda: None

    with pytest.raises(TypeError, match="'bad_wsgi'"):
        client.get("/")
