"""framework_api: what a bad request gets. Every case is a 4xx with an RFC
9457 problem details body naming each wrong field; none is a 500. On both
transports."""

from __future__ import annotations

import typing as t
from typing import Annotated

import msgspec
import pytest
from framework_api import (
    Api,
    Body,
    Cookie,
    Form,
    Header,
    InvalidRequest,
    MalformedBody,
    Problem,
    Query,
    UnsupportedBodyType,
)
from framework_api.problems import pointer
from msgspec import Meta

from framework import App

pytestmark = pytest.mark.usefixtures("transport")


class Tag(msgspec.Struct, forbid_unknown_fields=True):
    label: Annotated[str, Meta(min_length=1)]


class NewItem(msgspec.Struct):
    name: Annotated[str, Meta(max_length=5)]
    price: Annotated[float, Meta(gt=0)]
    tags: list[Tag] = []
    sizes: dict[str, int] = {}


class Node(msgspec.Struct):
    value: int
    children: list[Node] = []


class Login(msgspec.Struct):
    user: Annotated[str, Meta(min_length=2)]
    age: int
    roles: list[int] = []


def make_app() -> App:
    app = App(__name__)
    app.testing = True
    Api(app)

    @app.post("/items")
    def create(
        body: NewItem,
        page: Query[Annotated[int, Meta(ge=1)]] = 1,
        ids: Query[list[int]] = [],  # noqa: B006 - never mutated
        token: Query[str | None] = None,
    ) -> NewItem:
        return body

    @app.get("/search")
    def search(
        q: Query[str],
        x_count: Header[int] = 0,
        x_key: Header[str] = "",
        session_id: Cookie[int] = 0,
    ) -> list[Tag]:
        return []

    @app.get("/need-header")
    async def need_header(x_key: Header[str]) -> list[Tag]:
        return []

    @app.post("/tags")
    async def tags(body: Body[list[Tag]]) -> list[Tag]:
        return body

    @app.post("/tree")
    def tree(body: Node) -> Node:
        return body

    @app.post("/login")
    def login(data: Form[Login]) -> Login:
        return data

    return app


def problem(response: t.Any, status: int) -> dict[str, t.Any]:
    """The problem body of ``response``, checked for its common members."""
    assert response.status_code == status, response.get_data()
    assert response.mimetype == "application/problem+json"
    body: dict[str, t.Any] = response.get_json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    return body


def test_every_wrong_field_of_a_body_is_listed() -> None:
    # Sent as written (the test client's json= sorts the keys): errors are
    # listed in the order the body has them.
    document = {
        "name": "too long",
        "price": 0,
        "tags": [{"label": ""}, {}, {"label": "a", "extra": 1}, "x"],
        "sizes": {"s": "big"},
    }
    response = (
        make_app()
        .test_client()
        .post(
            "/items",
            data=msgspec.json.encode(document),
            content_type="application/json",
        )
    )
    body = problem(response, 422)
    assert body["title"] == "Unprocessable Content"
    assert body["detail"] == "7 fields are invalid."
    assert body["errors"] == [
        {"in": "body", "pointer": "#/name", "detail": "Expected `str` of length <= 5"},
        {"in": "body", "pointer": "#/price", "detail": "Expected `float` > 0.0"},
        {
            "in": "body",
            "pointer": "#/tags/0/label",
            "detail": "Expected `str` of length >= 1",
        },
        {
            "in": "body",
            "pointer": "#/tags/1/label",
            "detail": "Object missing required field `label`",
        },
        {
            "in": "body",
            "pointer": "#/tags/2/extra",
            "detail": "Object contains unknown field `extra`",
        },
        {"in": "body", "pointer": "#/tags/3", "detail": "Expected `object`, got `str`"},
        {"in": "body", "pointer": "#/sizes/s", "detail": "Expected `int`, got `str`"},
    ]


def test_body_and_query_errors_come_together() -> None:
    response = (
        make_app()
        .test_client()
        .post("/items?page=0&ids=1&ids=x", json={"name": "ok", "price": -1})
    )
    body = problem(response, 422)
    assert body["detail"] == "3 fields are invalid."
    assert body["errors"] == [
        {"in": "query", "name": "page", "detail": "Expected `int` >= 1"},
        {"in": "query", "name": "ids", "detail": "Expected `int`, got `str`"},
        {"in": "body", "pointer": "#/price", "detail": "Expected `float` > 0.0"},
    ]


def test_a_missing_required_field_and_a_wrong_top_level_type() -> None:
    client = make_app().test_client()
    assert problem(client.post("/items", json={"name": "a"}), 422)["errors"] == [
        {
            "in": "body",
            "pointer": "#/price",
            "detail": "Object missing required field `price`",
        }
    ]
    assert problem(client.post("/items", json=[1]), 422)["errors"] == [
        {"in": "body", "pointer": "#", "detail": "Expected `object`, got `array`"}
    ]
    assert problem(client.post("/tags", json={"label": "a"}), 422)["errors"] == [
        {"in": "body", "pointer": "#", "detail": "Expected `array`, got `object`"}
    ]


def test_a_missing_body() -> None:
    client = make_app().test_client()
    for response in (
        client.post("/items"),
        client.post("/items", data=b"", content_type="application/json"),
    ):
        assert problem(response, 422)["errors"] == [
            {"in": "body", "pointer": "#", "detail": "A request body is required"}
        ]


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"{", "The body is not valid JSON: Input data was truncated."),
        (b"{'name': 1}", "JSON is malformed: object keys must be strings"),
        (b'{"name": 1,', "The body is not valid JSON"),  # stops at the type error
        (b'{"name": "a", "price": 1} x', "trailing characters"),
        (b"\xff\xfe", "The body is not valid JSON"),
        (b'{"name": "\xff"}', "Invalid UTF-8"),
        (b"1e999999", "Number out of range"),
        (b"[" * 100_000, "The body is nested too deeply."),
    ],
    ids=[
        "truncated",
        "single-quotes",
        "truncated-after-a-type-error",
        "trailing",
        "not-utf8",
        "not-utf8-in-a-string",
        "huge-number",
        "deep",
    ],
)
def test_a_body_that_is_not_json_is_a_400(data: bytes, detail: str) -> None:
    client = make_app().test_client()
    for path in ("/items", "/tags"):
        response = client.post(path, data=data, content_type="application/json")
        body = problem(response, 400)
        assert body["title"] == "Bad Request"
        assert detail in body["detail"]


def test_deeply_nested_recursive_models_are_not_a_500() -> None:
    node: dict[str, t.Any] = {"value": "x"}
    for _ in range(300):
        node = {"value": 1, "children": [node]}
    response = make_app().test_client().post("/tree", json=node)
    body = problem(response, 422)
    assert body["errors"][0]["detail"] == "Expected `int`, got `str`"
    assert body["errors"][0]["pointer"].endswith("/children/0/value")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", ""]
)
def test_a_body_in_another_media_type_is_a_415(content_type: str) -> None:
    response = (
        make_app()
        .test_client()
        .post(
            "/items",
            data=b'{"name": "a", "price": 1}',
            headers={"Content-Type": content_type} if content_type else {},
        )
    )
    body = problem(response, 415)
    assert body["title"] == "Unsupported Media Type"
    assert "application/json" in body["detail"]


def test_json_media_types_with_parameters_or_suffixes_are_accepted() -> None:
    client = make_app().test_client()
    for content_type in ("application/json; charset=utf-8", "application/item+json"):
        response = client.post(
            "/items", data=b'{"name": "a", "price": 1}', content_type=content_type
        )
        assert response.status_code == 200, content_type


def test_query_header_and_cookie_errors() -> None:
    client = make_app().test_client()
    body = problem(client.get("/search"), 422)
    assert body["detail"] == "1 field is invalid."
    assert body["errors"] == [
        {"in": "query", "name": "q", "detail": "Missing required query parameter `q`"}
    ]
    client.set_cookie("session_id", "abc")
    body = problem(
        client.get("/search?q=x", headers={"X-Count": "many"}),
        422,
    )
    assert body["errors"] == [
        {"in": "header", "name": "X-Count", "detail": "Expected `int`, got `str`"},
        {"in": "cookie", "name": "session_id", "detail": "Expected `int`, got `str`"},
    ]
    assert problem(client.get("/need-header"), 422)["errors"] == [
        {"in": "header", "name": "X-Key", "detail": "Missing required header `X-Key`"}
    ]


def test_form_errors() -> None:
    client = make_app().test_client()
    body = problem(client.post("/login", data={"user": "a", "roles": ["1", "x"]}), 422)
    assert body["errors"] == [
        {"in": "body", "pointer": "#/user", "detail": "Expected `str` of length >= 2"},
        {
            "in": "body",
            "pointer": "#/age",
            "detail": "Object missing required field `age`",
        },
        {"in": "body", "pointer": "#/roles/1", "detail": "Expected `int`, got `str`"},
    ]
    assert problem(client.post("/login"), 422)["errors"] == [
        {"in": "body", "pointer": "#", "detail": "A request body is required"}
    ]
    wrong = client.post("/login", json={"user": "ab", "age": 3})
    assert "form" in problem(wrong, 415)["detail"]


def test_the_number_of_listed_errors_is_bounded() -> None:
    app = make_app()
    app.config["API_MAX_ERRORS"] = 3
    client = app.test_client()
    response = client.post("/tags", json=[{"label": ""}] * 10)
    body = problem(response, 422)
    assert body["detail"] == "More than 3 fields are invalid; the first 3 are listed."
    assert len(body["errors"]) == 3
    exactly = problem(client.post("/tags", json=[{"label": ""}] * 3), 422)
    assert exactly["detail"] == "3 fields are invalid."


def test_problem_exceptions_answer_without_the_extension_too() -> None:
    app = App(__name__)

    @app.get("/")
    def view() -> str:
        raise Problem(409, "Taken.", instance="/things/1")

    response = app.test_client().get("/")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.get_json() == {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "Taken.",
        "instance": "/things/1",
    }


@pytest.mark.one_transport
def test_the_exception_classes_are_werkzeug_exceptions_of_their_status() -> None:
    from werkzeug.exceptions import (
        BadRequest,
        UnprocessableEntity,
        UnsupportedMediaType,
    )

    assert issubclass(InvalidRequest, UnprocessableEntity)
    assert issubclass(MalformedBody, BadRequest)
    assert issubclass(UnsupportedBodyType, UnsupportedMediaType)
    with pytest.raises(TypeError, match="needs a status"):
        Problem()
    assert pointer(["a/b", "c~d", 0]) == "#/a~1b/c~0d/0"


def test_problem_response_can_be_overridden() -> None:
    class MyApi(Api):
        def problem_response(self, problem: Problem) -> t.Any:
            response = super().problem_response(problem)
            response.headers["X-Problem"] = str(problem.status)
            return response

    app = App(__name__)
    MyApi(app)

    @app.post("/t")
    def tag(body: Tag) -> Tag:
        return body

    response = app.test_client().post("/t", json={})
    assert response.status_code == 422
    assert response.headers["X-Problem"] == "422"


def test_handle_problem_can_be_overridden() -> None:
    seen: list[int] = []

    class MyApi(Api):
        def handle_problem(self, error: Problem) -> t.Any:
            seen.append(error.status)
            return super().handle_problem(error)

    app = App(__name__)
    MyApi(app)

    @app.post("/t")
    def tag(body: Tag) -> Tag:
        return body

    response = app.test_client().post("/t", json={})
    assert response.status_code == 422
    assert seen == [422]


@pytest.mark.one_transport
@pytest.mark.parametrize(
    ("message", "split"),
    [
        ("Expected `int`", ("Expected `int`", [])),
        ("Expected `int` - at `$`", ("Expected `int`", [])),
        ("Expected `int` - at `$.a.b`", ("Expected `int`", ["a", "b"])),
        (
            "Expected `int` - at `$.items[0].price`",
            ("Expected `int`", ["items", 0, "price"]),
        ),
        ("Expected `int` - at `$[2][10]`", ("Expected `int`", [2, 10])),
        ("Expected `int` - at `$.sizes[...].x`", ("Expected `int`", ["sizes", "x"])),
        ("Expected `str` - at `key` in `$.sizes`", ("Expected `str`", ["sizes"])),
    ],
)
def test_msgspec_paths_are_split_into_names_and_indices(
    message: str, split: tuple[str, list[str | int]]
) -> None:
    from framework_api.problems import _split_message

    assert _split_message(message) == split


@pytest.mark.one_transport
@pytest.mark.parametrize("count", [1, 3, 5])
def test_invalid_makes_what_the_constructor_makes(count: int) -> None:
    from framework_api.problems import invalid

    errors = [{"in": "body", "pointer": f"#/{n}", "detail": "x"} for n in range(count)]
    made = invalid(errors, 3)
    detail = made.detail
    built = InvalidRequest(detail=detail, errors=errors[:3])
    assert type(made) is InvalidRequest
    assert vars(made) == vars(built)
    assert made.args == built.args
    assert made.to_dict() == built.to_dict()
    assert str(made) == str(built)
