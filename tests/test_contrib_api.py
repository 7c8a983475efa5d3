"""framework_api: typed views through real apps and the test client, on
both transports. What a bad request gets is in test_contrib_api_problems.py.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import typing as t
import uuid
from typing import Annotated

import attrs
import msgspec
import pytest
from framework_api import (
    Api,
    ApiBinder,
    Body,
    Cookie,
    Created,
    Form,
    Header,
    HeaderParam,
    Problem,
    Query,
    QueryParam,
    Reply,
)
from framework_api.operations import Source
from msgspec import Meta

from framework import App, Blueprint, Response, request
from framework.binding import ViewBinder
from framework.views import MethodView

pytestmark = pytest.mark.usefixtures("transport")


class Tag(msgspec.Struct):
    label: Annotated[str, Meta(min_length=1)]


class NewItem(msgspec.Struct):
    name: Annotated[str, Meta(max_length=80)]
    price: Annotated[float, Meta(gt=0)]
    tags: list[Tag] = []


class Item(NewItem):
    id: int = 0


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


@attrs.define
class Person:
    name: str
    age: Annotated[int, Meta(ge=0)]


class Note(t.TypedDict):
    text: str


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Login(msgspec.Struct):
    user: str
    remember: bool = False
    roles: list[str] = []


def make_app() -> App:
    app = App(__name__)
    app.testing = True
    Api(app)
    return app


def test_a_typed_post_decodes_the_body_and_encodes_the_result() -> None:
    app = make_app()

    @app.post("/items")
    def create(body: NewItem, dry_run: Query[bool] = False) -> Created[Item]:
        item = Item(id=7 if not dry_run else 0, **msgspec.structs.asdict(body))
        return Created(item, location=f"/items/{item.id}")

    client = app.test_client()
    response = client.post(
        "/items", json={"name": "pen", "price": 1.5, "tags": [{"label": "a"}]}
    )
    assert response.status_code == 201
    assert response.headers["Location"] == "/items/7"
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "name": "pen",
        "price": 1.5,
        "tags": [{"label": "a"}],
        "id": 7,
    }
    dry = client.post("/items?dry_run=true", json={"name": "pen", "price": 2})
    assert dry.get_json()["id"] == 0


def test_async_views_are_typed_the_same_way() -> None:
    app = make_app()

    @app.get("/items/<int:item_id>")
    async def show(item_id: int, x_trace: Header[str | None] = None) -> Item:
        return Item(name=x_trace or "none", price=1.0, id=item_id)

    @app.post("/echo")
    async def echo(body: NewItem) -> NewItem:
        return body

    client = app.test_client()
    response = client.get("/items/3", headers={"X-Trace": "abc"})
    assert response.status_code == 200
    assert response.get_json() == {"name": "abc", "price": 1.0, "tags": [], "id": 3}
    assert client.get("/items/4").get_json()["name"] == "none"
    assert client.post("/echo", json={"name": "a", "price": 3}).get_json() == {
        "name": "a",
        "price": 3.0,
        "tags": [],
    }


def test_query_header_and_cookie_parameters_are_converted() -> None:
    app = make_app()
    seen: dict[str, t.Any] = {}

    @app.get("/search")
    def search(
        q: Query[str],
        page: Query[Annotated[int, Meta(ge=1)]] = 1,
        tags: Query[list[str]] = [],  # noqa: B006 - never mutated
        page_size: Annotated[int, QueryParam(name="page-size")] = 20,
        color: Query[Color] = Color.RED,
        ids: Query[list[int] | None] = None,
        request_id: Annotated[
            uuid.UUID | None, HeaderParam(name="X-Request-Id")
        ] = None,
        x_count: Header[int] = 0,
        session_id: Cookie[str | None] = None,
    ) -> list[Tag]:
        seen.update(
            q=q,
            page=page,
            tags=tags,
            page_size=page_size,
            color=color,
            ids=ids,
            request_id=request_id,
            x_count=x_count,
            session_id=session_id,
        )
        return [Tag(label=q)]

    client = app.test_client()
    client.set_cookie("session_id", "s1")
    ident = uuid.uuid4()
    response = client.get(
        "/search?q=pen&page=2&tags=a&tags=b&page-size=5&color=blue&ids=1&ids=2",
        headers={"X-Request-Id": str(ident), "x-count": "3"},
    )
    assert response.status_code == 200, response.get_data()
    assert response.get_json() == [{"label": "pen"}]
    assert seen == {
        "q": "pen",
        "page": 2,
        "tags": ["a", "b"],
        "page_size": 5,
        "color": Color.BLUE,
        "ids": [1, 2],
        "request_id": ident,
        "x_count": 3,
        "session_id": "s1",
    }
    seen.clear()
    assert client.get("/search?q=x").status_code == 200
    # Absent parameters take the view's own defaults.
    assert seen["page"] == 1
    assert seen["tags"] == []
    assert seen["color"] is Color.RED
    assert seen["ids"] is None


def test_booleans_in_the_query_string() -> None:
    app = make_app()

    @app.get("/flag")
    def flag(on: Query[bool] = False) -> Reply[dict[str, bool]]:
        return Reply({"on": on})

    client = app.test_client()
    for text, value in [("true", True), ("1", True), ("false", False), ("0", False)]:
        assert client.get(f"/flag?on={text}").get_json() == {"on": value}
    assert client.get("/flag?on=maybe").status_code == 422


def test_path_parameters_come_from_the_converter_and_constraints_apply() -> None:
    app = make_app()

    @app.get("/pages/<int:number>")
    def page(number: Annotated[int, Meta(le=10)], q: Query[str] = "") -> Tag:
        return Tag(label=f"{number}{q}")

    client = app.test_client()
    assert client.get("/pages/3").get_json() == {"label": "3"}
    response = client.get("/pages/11")
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"in": "path", "name": "number", "detail": "Expected `int` <= 10"}
    ]
    assert client.get("/pages/x").status_code == 404  # the converter's refusal


@pytest.mark.parametrize(
    ("model", "payload", "expected"),
    [
        (Point, {"x": 1, "y": 2}, Point(1, 2)),
        (Person, {"name": "ada", "age": 36}, Person("ada", 36)),
        (Note, {"text": "hi"}, {"text": "hi"}),
    ],
    ids=["dataclass", "attrs", "TypedDict"],
)
def test_every_kind_of_model_is_a_body(
    model: type, payload: dict[str, t.Any], expected: t.Any
) -> None:
    app = make_app()
    received: list[t.Any] = []

    def view(body: t.Any) -> t.Any:
        received.append(body)
        return body

    view.__annotations__ = {"body": model, "return": model}
    app.add_url_rule("/model", view_func=view, methods=["POST"])
    response = app.test_client().post("/model", json=payload)
    assert response.status_code == 200, response.get_data()
    assert received == [expected]
    assert response.get_json() == msgspec.to_builtins(expected)


def test_body_marker_takes_any_type() -> None:
    app = make_app()

    @app.post("/bulk")
    def bulk(items: Body[list[NewItem]]) -> list[Item]:
        return [Item(id=i, **msgspec.structs.asdict(x)) for i, x in enumerate(items)]

    response = app.test_client().post(
        "/bulk", json=[{"name": "a", "price": 1}, {"name": "b", "price": 2}]
    )
    assert [item["id"] for item in response.get_json()] == [0, 1]


def test_an_optional_body_may_be_left_out() -> None:
    app = make_app()

    @app.post("/maybe")
    def maybe(body: NewItem | None = None) -> Reply[dict[str, bool]]:
        return Reply({"sent": body is not None})

    client = app.test_client()
    assert client.post("/maybe").get_json() == {"sent": False}
    assert client.post("/maybe", json={"name": "a", "price": 1}).get_json() == {
        "sent": True
    }


def test_a_form_is_converted_into_its_model() -> None:
    app = make_app()

    @app.post("/login")
    def login(data: Form[Login]) -> Login:
        return data

    client = app.test_client()
    response = client.post(
        "/login", data={"user": "ada", "remember": "true", "roles": ["a", "b"]}
    )
    assert response.get_json() == {"user": "ada", "remember": True, "roles": ["a", "b"]}
    assert client.post("/login", data={"user": "bob"}).get_json() == {
        "user": "bob",
        "remember": False,
        "roles": [],
    }


def test_reply_sets_status_and_headers_and_responses_pass_through() -> None:
    app = make_app()

    @app.get("/reply")
    def reply() -> Reply[Tag]:
        return Reply(Tag(label="x"), status=202, headers={"Retry-After": "5"})

    @app.get("/raw")
    def raw(kind: Query[str] = "json") -> Tag | Response:
        if kind == "text":
            return Response("plain", mimetype="text/plain")
        return Tag(label="y")

    @app.post("/nothing")
    def nothing(body: Tag) -> None:
        return None

    client = app.test_client()
    response = client.get("/reply")
    assert response.status_code == 202
    assert response.headers["Retry-After"] == "5"
    assert response.get_json() == {"label": "x"}
    assert client.get("/raw?kind=text").get_data() == b"plain"
    assert client.get("/raw").get_json() == {"label": "y"}
    empty = client.post("/nothing", json={"label": "z"})
    assert empty.status_code == 204
    assert empty.get_data() == b""


def test_created_with_headers_and_a_plain_return_of_a_created_view() -> None:
    app = make_app()

    @app.post("/a")
    def a(body: Tag) -> Created[Tag]:
        return Created(body, headers={"X-New": "1"})

    client = app.test_client()
    response = client.post("/a", json={"label": "q"})
    assert response.status_code == 201
    assert response.headers["X-New"] == "1"
    assert "Location" not in response.headers


def test_a_view_that_is_not_typed_behaves_as_before() -> None:
    app = make_app()

    @app.post("/plain/<int:n>")
    def plain(n: int) -> dict[str, t.Any]:
        return {"n": n, "json": request.get_json(silent=True)}

    @app.get("/text")
    def text(missing: str = "default") -> str:
        return missing

    client = app.test_client()
    assert client.post("/plain/3", json={"a": 1}).get_json() == {
        "n": 3,
        "json": {"a": 1},
    }
    assert client.get("/text").get_data() == b"default"
    binder = app.view_binder
    assert isinstance(binder, ApiBinder)
    view = app.view_functions["text"]
    assert binder.bind(app, "text", view) is view


def test_blueprints() -> None:
    app = make_app()
    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @shop.post("/items")
    def add(body: NewItem) -> Created[Item]:
        return Created(Item(id=1, name=body.name, price=body.price))

    app.register_blueprint(shop)
    client = app.test_client()
    assert client.post("/shop/items", json={"name": "a", "price": 1}).status_code == 201
    bad = client.post("/shop/items", json={"name": "a"})
    assert bad.status_code == 422
    assert bad.mimetype == "application/problem+json"
    api = app.extensions["api"]
    [(rule, method, operation)] = list(api.operations(app))
    assert (rule.rule, method, operation.tags) == ("/shop/items", "POST", ("shop",))


class Items(MethodView):
    def get(self, item_id: int, verbose: Query[bool] = False) -> Item:
        return Item(name="v" if verbose else "q", price=1, id=item_id)

    async def put(self, item_id: int, body: NewItem) -> Item:
        return Item(id=item_id, **msgspec.structs.asdict(body))

    def delete(self, item_id: int) -> str:
        return f"deleted {item_id}"


def test_method_view_methods_are_typed_one_by_one() -> None:
    app = make_app()
    app.add_url_rule("/items/<int:item_id>", view_func=Items.as_view("items"))
    client = app.test_client()
    assert client.get("/items/2?verbose=1").get_json()["name"] == "v"
    assert client.head("/items/2").status_code == 200
    response = client.put("/items/5", json={"name": "n", "price": 2})
    assert response.get_json() == {"name": "n", "price": 2.0, "tags": [], "id": 5}
    assert client.put("/items/5", json={"price": 0}).status_code == 422
    assert client.delete("/items/9").get_data() == b"deleted 9"
    api = app.extensions["api"]
    methods = {m: op.method for _, m, op in api.operations(app)}
    assert methods == {"GET": "GET", "PUT": "PUT"}
    # The registered view is untouched: the binder wrapped a copy.
    assert app.view_functions["items"].view_class is Items


class Shared(MethodView):
    init_every_request = False

    def post(self, body: Tag) -> Tag:
        return Tag(label=body.label * 2)


def test_a_method_view_with_one_shared_instance() -> None:
    app = make_app()
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))
    assert app.test_client().post("/shared", json={"label": "ab"}).get_json() == {
        "label": "abab"
    }


def test_operations_describe_the_views() -> None:
    app = make_app()

    @app.route("/things/<int:thing_id>", methods=["GET", "PATCH"])
    def thing(
        thing_id: int,
        body: NewItem | None = None,
        x_trace: Header[str | None] = None,
    ) -> Item:
        """Show or change a thing.

        The longer story.
        """
        return Item(name="", price=1, id=thing_id)

    @app.get("/untyped")
    def untyped() -> str:
        return ""

    api = app.extensions["api"]
    found = list(api.operations(app))
    assert [(rule.rule, method) for rule, method, _ in found] == [
        ("/things/<int:thing_id>", "GET"),
        ("/things/<int:thing_id>", "PATCH"),
    ]
    operation = found[0][2]
    assert operation.summary == "Show or change a thing."
    assert operation.description == "The longer story."
    assert [(p.name, p.source, p.key) for p in operation.params] == [
        ("thing_id", Source.PATH, "thing_id"),
        ("x_trace", Source.HEADER, "X-Trace"),
    ]
    assert operation.body is not None
    assert operation.body.required is False
    assert operation.returns is not None
    assert operation.returns.annotation is Item


def test_api_init_app_and_extension_state() -> None:
    api = Api()
    first, second = App(__name__), App(__name__)
    for app in (first, second):
        api.init_app(app)
        assert app.extensions["api"] is api
        assert app.config["API_VALIDATE_RESPONSES"] is False

        @app.post("/t")
        def tag(body: Tag) -> Tag:
            return body

    api.init_app(first)  # again: not wrapped twice
    binder = first.view_binder
    assert isinstance(binder, ApiBinder)
    assert not isinstance(binder.inner, ApiBinder)
    for app in (first, second):
        assert app.test_client().post("/t", json={"label": "x"}).status_code == 200


def test_binders_compose() -> None:
    class Marking(ViewBinder):
        def bind(self, app: t.Any, endpoint: str, view: t.Any) -> t.Any:
            def marked(**values: t.Any) -> t.Any:
                return f"marked {view(**values)}"

            return marked

    app = App(__name__, view_binder=Marking())
    Api(app)

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    @app.post("/typed")
    def typed(body: Tag) -> Tag:
        return body

    client = app.test_client()
    assert client.get("/plain").get_data() == b"marked plain"
    assert client.post("/typed", json={"label": "a"}).get_json() == {"label": "a"}


def test_response_validation_switch(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()

    @app.get("/bad")
    def bad() -> Tag:
        return Tag(label="")  # breaks the min_length constraint

    app.config["API_VALIDATE_RESPONSES"] = True
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/bad")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 500
    assert "does not match its return annotation" in caplog.text


def test_response_validation_is_off_by_default() -> None:
    app = make_app()

    @app.get("/bad")
    def bad() -> Tag:
        return Tag(label="")

    assert app.test_client().get("/bad").get_json() == {"label": ""}


def test_problems_raised_by_views_and_error_handlers() -> None:
    app = make_app()

    @app.get("/gone")
    def gone() -> Tag:
        raise Problem(410, "It went away.", type="https://example.com/gone", id=3)

    @app.post("/strict")
    def strict(body: Tag) -> Tag:
        return body

    @app.errorhandler(422)
    def unprocessable(e: Exception) -> tuple[str, int]:
        return "custom", 422

    client = app.test_client()
    response = client.get("/gone")
    assert response.status_code == 410
    assert response.get_json() == {
        "type": "https://example.com/gone",
        "title": "Gone",
        "status": 410,
        "detail": "It went away.",
        "id": 3,
    }
    custom = client.post("/strict", json={})
    assert (custom.status_code, custom.get_data()) == (422, b"custom")


@pytest.mark.one_transport
def test_hints_the_binder_cannot_bind_fail_at_setup() -> None:
    def fails(register: t.Callable[[App], None], match: str) -> None:
        app = make_app()
        register(app)
        with pytest.raises(TypeError, match=match):
            list(app.extensions["api"].operations(app))
        with pytest.raises(TypeError, match=match):
            app.test_client().get("/")

    def two_bodies(app: App) -> None:
        @app.post("/")
        def view(a: NewItem, b: Tag) -> None: ...

    def body_and_form(app: App) -> None:
        @app.post("/")
        def view(a: Form[Login], b: Body[int]) -> None: ...

    def form_of_scalar(app: App) -> None:
        @app.post("/")
        def view(a: Form[int]) -> None: ...

    def query_of_model(app: App) -> None:
        @app.get("/")
        def view(a: Query[NewItem]) -> None: ...

    def marker_on_path(app: App) -> None:
        @app.get("/<a>")
        def view(a: Query[str]) -> None: ...

    def var_keyword(app: App) -> None:
        @app.get("/")
        def view(**a: Query[str]) -> None: ...

    def unresolvable(app: App) -> None:
        class Local(msgspec.Struct):
            a: int

        @app.post("/")
        def view(a: Body[Local]) -> None: ...

    fails(unresolvable, "can't be resolved .*name 'Local' is not defined")
    fails(two_bodies, "both read the request body")
    fails(body_and_form, "both read the request body")
    fails(form_of_scalar, "takes a model class")
    fails(query_of_model, "field 'tags' of the query model of parameter 'a'")
    fails(marker_on_path, "argument of the URL rule")
    fails(var_keyword, r"\*\*a can't take a request value")


@pytest.mark.one_transport
def test_markers_are_plain_types_for_the_type_checker() -> None:
    assert t.get_args(Query[int])[0] is int
    assert t.get_origin(Query[int]) is Annotated


try:
    import pydantic
except ImportError:  # pragma: no cover - pydantic is in the dev extras
    pydantic = None
else:

    class PydItem(pydantic.BaseModel):
        name: str
        price: float = pydantic.Field(gt=0)


@pytest.mark.skipif(pydantic is None, reason="pydantic is not installed")
def test_pydantic_models_are_validated_by_pydantic() -> None:
    app = make_app()

    @app.post("/pyd")
    def create(body: PydItem) -> PydItem:
        return body

    client = app.test_client()
    assert client.post("/pyd", json={"name": "a", "price": 2}).get_json() == {
        "name": "a",
        "price": 2.0,
    }
    bad = client.post("/pyd", json={"price": -1})
    assert bad.status_code == 422
    assert sorted(e["pointer"] for e in bad.get_json()["errors"]) == [
        "#/name",
        "#/price",
    ]
    malformed = client.post("/pyd", data="{", content_type="application/json")
    assert malformed.status_code == 400


@pytest.mark.skipif(pydantic is None, reason="pydantic is not installed")
def test_pydantic_forms_and_response_validation() -> None:
    app = make_app()
    app.config["API_VALIDATE_RESPONSES"] = True

    @app.post("/pyd-form")
    def create(data: Form[PydItem]) -> PydItem:
        return data

    client = app.test_client()
    assert client.post("/pyd-form", data={"name": "a", "price": "2"}).get_json() == {
        "name": "a",
        "price": 2.0,
    }
    bad = client.post("/pyd-form", data={"name": "a", "price": "-1"})
    assert bad.status_code == 422
    assert [e["pointer"] for e in bad.get_json()["errors"]] == ["#/price"]


@pytest.mark.one_transport
def test_the_manual_page_examples_run() -> None:
    from test_docs import DOCS, python_blocks

    namespace: dict[str, t.Any] = {"__name__": "docs_contrib_api"}
    page = DOCS / "contrib" / "api.rst"
    blocks = python_blocks(page)
    assert len(blocks) >= 4
    for line, code in blocks:
        # dont_inherit: not this module's "from __future__ import annotations".
        exec(compile(code, f"{page}:{line}", "exec", dont_inherit=True), namespace)
    client = namespace["app"].test_client()
    assert client.delete("/items/99").get_json()["detail"] == "No item 99."
    assert client.get("/search?q=pen&page=0").status_code == 422


class Shelf(msgspec.Struct):
    id: int


def _reply_or_response(x: Query[int] = 0) -> Reply[Shelf] | Response:
    return Reply(Shelf(1), status=200)


def _created_or_response(x: Query[int] = 0) -> Created[Shelf] | Response:
    return Created(Shelf(1), location="/shelves/1")


@pytest.mark.parametrize(
    ("view", "status"), [(_reply_or_response, 200), (_created_or_response, 201)]
)
def test_a_reply_or_response_union_is_described_and_checked_by_its_body(
    view: t.Callable[..., t.Any], status: int
) -> None:
    """``-> Reply[T] | Response``: a returned response passes through, so
    the body is a ``T``, in the document and for response validation."""
    app = App(__name__)
    app.config["API_VALIDATE_RESPONSES"] = True
    Api(app)
    app.add_url_rule("/s", view_func=view)
    client = app.test_client()
    answer = client.get("/s")
    assert answer.status_code == status
    assert answer.json == {"id": 1}
    responses = client.get("/openapi.json").json["paths"]["/s"]["get"]["responses"]
    assert responses[str(status)]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Shelf"
    }


def test_a_reply_or_created_of_none_has_no_body_and_no_content_type() -> None:
    app = App(__name__)
    Api(app)

    @app.delete("/s/<int:i>")
    def remove(i: int, reason: Query[str] = "") -> Reply[None]:
        return Reply(None, status=204)

    @app.post("/s")
    def make(name: Query[str]) -> Created[None]:
        return Created(None, location="/s/1")

    client = app.test_client()
    removed = client.delete("/s/1")
    assert removed.status_code == 204
    assert "Content-Type" not in removed.headers and removed.data == b""
    made = client.post("/s?name=x")
    assert made.status_code == 201 and made.headers["Location"] == "/s/1"
    assert "Content-Type" not in made.headers and made.data == b""
    document = client.get("/openapi.json").json["paths"]
    assert "content" not in document["/s/{i}"]["delete"]["responses"]["204"]
