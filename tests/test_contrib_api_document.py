"""framework_api.Api's OpenAPI document: made from the hints the binder
validates with (typed views, blueprints, class-based views), the untyped
views described from their rules and docstrings, served at
``openapi_url`` with its page at ``docs_url``, written by ``framework api
spec``, and changed by subclassing the generator."""

from __future__ import annotations

import json
import typing as t

import msgspec
import pytest
from framework_api import Api, Created, Header, Query
from framework_api.documentation import doc
from framework_api.openapi import OpenAPIGenerator
from openapi_spec_validator import OpenAPIV31SpecValidator

from framework import App, Blueprint, abort
from framework.views import MethodView, View


class NewItem(msgspec.Struct):
    name: t.Annotated[str, msgspec.Meta(min_length=1, max_length=80)]
    price: t.Annotated[float, msgspec.Meta(gt=0)]
    tags: list[str] = []


class Item(NewItem):
    id: int = 0


def _app(api: Api | None = None) -> App:
    app = App(__name__)
    (api or Api(title="Shop", version="2.0")).init_app(app)
    items = Blueprint("items", __name__, url_prefix="/items")

    @items.post("/")
    def create(item: NewItem, dry_run: Query[bool] = False) -> Created[Item]:
        """Add an item.

        The item gets the next id.
        """
        created = Item(item.name, item.price, item.tags, id=1)
        return Created(created, location=f"/items/{created.id}")

    @items.get("/<int:item_id>")
    async def show(item_id: int, x_trace: Header[str | None] = None) -> Item:
        """One item."""
        if item_id != 1:
            abort(404)
        return Item("pen", 1.5, id=1)

    class Stock(MethodView):
        def get(self, item_id: int) -> dict[str, int]:
            return {"count": 3}

        def put(self, item_id: int, count: Query[int]) -> None:
            """Set the count."""

    items.add_url_rule("/<int:item_id>/stock", view_func=Stock.as_view("stock"))

    @app.get("/plain")
    def plain() -> str:
        return "not typed"

    app.register_blueprint(items)
    return app


def test_the_served_document_describes_the_typed_views() -> None:
    app = _app()
    client = app.test_client()
    document = client.get("/openapi.json").json
    OpenAPIV31SpecValidator(document).validate()
    assert document["info"] == {"title": "Shop", "version": "2.0"}
    assert list(document["paths"]) == [
        "/plain",
        "/items/",
        "/items/{item_id}",
        "/items/{item_id}/stock",
    ]
    create = document["paths"]["/items/"]["post"]
    assert create["summary"] == "Add an item."
    assert create["tags"] == ["items"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewItem"
    }
    assert "201" in create["responses"] and "422" in create["responses"]
    assert [p["name"] for p in create["parameters"]] == ["dry_run"]
    show = document["paths"]["/items/{item_id}"]["get"]
    assert [(p["name"], p["in"]) for p in show["parameters"]] == [
        ("item_id", "path"),
        ("X-Trace", "header"),
    ]


def test_the_document_matches_what_the_binder_validates() -> None:
    """The schema's bounds are the ones a request is refused by."""
    app = _app()
    client = app.test_client()
    schema = client.get("/openapi.json").json["components"]["schemas"]["NewItem"]
    assert schema["properties"]["price"]["exclusiveMinimum"] == 0
    assert schema["properties"]["name"]["maxLength"] == 80
    refused = client.post("/items/", json={"name": "", "price": 0})
    assert refused.status_code == 422
    assert [e["pointer"] for e in refused.json["errors"]] == ["#/name", "#/price"]


def test_class_based_view_methods_are_operations_of_their_own() -> None:
    document = _app().test_client().get("/openapi.json").json
    stock = document["paths"]["/items/{item_id}/stock"]
    assert set(stock) == {"get", "put"}
    # get() is not typed (a dict of ints is no model): described from the
    # rule alone.
    assert stock["get"]["responses"] == {"200": {"description": "Successful response"}}
    assert stock["put"]["summary"] == "Set the count."
    assert [p["name"] for p in stock["put"]["parameters"]] == ["item_id", "count"]


def test_the_page_is_served_beside_the_document() -> None:
    client = _app().test_client()
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/openapi.json" in page.text


@pytest.mark.parametrize(
    ("options", "document", "page"),
    [
        ({"openapi_url": None}, 404, 404),
        ({"docs_url": None}, 200, 404),
        ({"openapi_url": "/api/spec.json", "docs_url": "/api/docs"}, 404, 404),
    ],
)
def test_where_the_document_and_page_are_served(
    options: dict[str, t.Any], document: int, page: int
) -> None:
    client = _app(Api(**options)).test_client()
    assert client.get("/openapi.json").status_code == document
    assert client.get("/docs").status_code == page
    if options.get("openapi_url") == "/api/spec.json":
        assert client.get("/api/spec.json").status_code == 200
        assert "/api/spec.json" in client.get("/api/docs").text


def test_the_spec_command_writes_the_served_document() -> None:
    app = _app()
    result = app.test_cli_runner().invoke(args=["api", "spec"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == app.test_client().get("/openapi.json").json


def test_a_generator_subclass_changes_the_document() -> None:
    class Numbered(OpenAPIGenerator):
        def operation_id(self, *args: t.Any, **kwargs: t.Any) -> str:
            return "op-" + super().operation_id(*args, **kwargs)

    class MyApi(Api):
        generator_class = Numbered

    document = _app(MyApi()).test_client().get("/openapi.json").json
    ids = [
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
    ]
    assert ids and all(i.startswith("op-") for i in ids)


def test_options_declared_once_reach_the_document() -> None:
    api = Api(
        title="Shop",
        description="Things to buy.",
        servers=["https://shop.example"],
        security_schemes={"bearer": {"type": "http", "scheme": "bearer"}},
        security=["bearer"],
    )
    document = _app(api).test_client().get("/openapi.json").json
    OpenAPIV31SpecValidator(document).validate()
    assert document["info"]["description"] == "Things to buy."
    assert document["servers"] == [{"url": "https://shop.example"}]
    assert document["security"] == [{"bearer": []}]


def test_a_second_api_on_one_app_is_refused() -> None:
    app = _app()
    with pytest.raises(ValueError, match="already has an Api"):
        Api(app)


# -- untyped views -------------------------------------------------------------


class Count(MethodView):
    """The count of a thing."""

    def get(self, thing_id: int) -> str:
        return "3"

    def delete(self, thing_id: int) -> str:
        """Forget the count."""
        return ""

    def put(self, thing_id: int, count: Query[int]) -> None:
        """Set the count."""


class Ping(View):
    methods: t.ClassVar[list[str]] = ["GET", "POST"]

    def dispatch_request(self) -> str:
        """Answer pong."""
        return "pong"


def _mixed_app(tmp_path: t.Any, api: Api | None = None) -> App:
    """An app with a view of each kind: typed, untyped, a MethodView typed
    for one method only, a View, views of a blueprint with its own static
    folder, a hidden one, and the app's static files."""
    (tmp_path / "logo.txt").write_text("logo")
    app = App(__name__, static_folder=str(tmp_path), static_url_path="/static")
    (api or Api(title="Mixed")).init_app(app)

    @app.get("/typed/<int:n>")
    def typed(n: int, q: Query[str]) -> Item:
        """A typed view."""
        return Item(q, 1.0, id=n)

    @app.route("/pages/<slug>/<any(html, txt):kind>", methods=["GET", "POST"])
    def page(slug: str, kind: str) -> str:
        """A page.

        Written by hand.
        """
        return slug

    @app.get("/secret")
    @doc(hidden=True)
    def secret() -> str:
        return "hidden"

    app.add_url_rule("/things/<int:thing_id>/count", view_func=Count.as_view("count"))
    app.add_url_rule("/ping", view_func=Ping.as_view("ping"))
    shop = Blueprint(
        "shop",
        __name__,
        url_prefix="/shop",
        static_folder=str(tmp_path),
        static_url_path="/static",
    )

    @shop.get("/orders/<uuid:order_id>")
    async def order(order_id: str) -> str:
        return str(order_id)

    @shop.post("/orders")
    @doc(summary="Place an order.", tags=["orders"], responses={303: "Placed."})
    def place() -> str:
        return ""

    app.register_blueprint(shop)
    return app


def test_every_route_is_described_and_the_document_validates(
    tmp_path: t.Any,
) -> None:
    app = _mixed_app(tmp_path)
    client = app.test_client()
    # The static routes are there, and left out of the document.
    for url in ("/static/logo.txt", "/shop/static/logo.txt"):
        with client.get(url) as response:
            assert response.get_data() == b"logo"
    document = client.get("/openapi.json").json
    OpenAPIV31SpecValidator(document).validate()
    assert {path: sorted(item) for path, item in document["paths"].items()} == {
        "/typed/{n}": ["get"],
        "/pages/{slug}/{kind}": ["get", "post"],
        "/things/{thing_id}/count": ["delete", "get", "put"],
        "/ping": ["get", "post"],
        "/shop/orders/{order_id}": ["get"],
        "/shop/orders": ["post"],
    }
    ids = [
        op["operationId"] for item in document["paths"].values() for op in item.values()
    ]
    assert len(ids) == len(set(ids))
    assert [t["name"] for t in document["tags"]] == ["shop", "orders"]


def test_an_untyped_view_is_described_by_its_rule_and_docstring(
    tmp_path: t.Any,
) -> None:
    document = _mixed_app(tmp_path).test_client().get("/openapi.json").json
    path_parameters = [
        {
            "name": "slug",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "minLength": 1},
        },
        {
            "name": "kind",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "enum": ["html", "txt"]},
        },
    ]
    assert document["paths"]["/pages/{slug}/{kind}"]["get"] == {
        "summary": "A page.",
        "description": "Written by hand.",
        "operationId": "page_get",
        "parameters": path_parameters,
        "responses": {"200": {"description": "Successful response"}},
    }
    assert document["paths"]["/pages/{slug}/{kind}"]["post"]["operationId"] == (
        "page_post"
    )
    order = document["paths"]["/shop/orders/{order_id}"]["get"]
    assert order["tags"] == ["shop"]
    assert order["operationId"] == "shop_order"
    assert order["parameters"][0]["schema"] == {"type": "string", "format": "uuid"}
    assert "summary" not in order


def test_doc_says_more_of_an_untyped_view(tmp_path: t.Any) -> None:
    document = _mixed_app(tmp_path).test_client().get("/openapi.json").json
    place = document["paths"]["/shop/orders"]["post"]
    assert place["summary"] == "Place an order."
    assert place["tags"] == ["orders"]
    assert place["responses"] == {
        "200": {"description": "Successful response"},
        "303": {"description": "Placed."},
    }
    assert "/secret" not in document["paths"]


def test_an_untyped_views_examples_are_in_the_document() -> None:
    app = App(__name__)
    Api(app)

    @app.post("/legacy")
    @doc(
        request_examples={"small": {"name": "pen"}},
        response_examples={"made": {"id": 1}},
    )
    def legacy() -> t.Any:
        return {"id": 1}

    document = app.test_client().get("/openapi.json").json
    OpenAPIV31SpecValidator(document).validate()
    operation = document["paths"]["/legacy"]["post"]
    assert operation["requestBody"] == {
        "content": {
            "application/json": {"examples": {"small": {"value": {"name": "pen"}}}}
        }
    }
    assert operation["responses"]["200"]["content"] == {
        "application/json": {"examples": {"made": {"value": {"id": 1}}}}
    }


def test_a_class_based_views_untyped_methods_are_described_one_by_one(
    tmp_path: t.Any,
) -> None:
    document = _mixed_app(tmp_path).test_client().get("/openapi.json").json
    count = document["paths"]["/things/{thing_id}/count"]
    # The method's docstring, as for a typed method: none, no summary.
    assert "summary" not in count["get"]
    assert count["delete"]["summary"] == "Forget the count."
    assert count["put"]["summary"] == "Set the count."
    assert [op["operationId"] for op in count.values()] == [
        "count_get",
        "count_put",
        "count_delete",
    ]
    assert "422" in count["put"]["responses"]
    assert "422" not in count["get"]["responses"]
    ping = document["paths"]["/ping"]
    assert ping["get"]["summary"] == ping["post"]["summary"] == "Answer pong."


def test_the_apis_own_routes_are_not_in_its_document(tmp_path: t.Any) -> None:
    app = _mixed_app(tmp_path, Api(openapi_url="/spec.json", docs_url="/api-docs"))
    client = app.test_client()
    assert client.get("/api-docs").status_code == 200
    paths = client.get("/spec.json").json["paths"]
    assert not [p for p in paths if p.startswith(("/spec", "/api-docs"))]


def test_document_untyped_false_describes_the_typed_views_alone(
    tmp_path: t.Any,
) -> None:
    app = _mixed_app(tmp_path, Api(document_untyped=False))
    document = app.test_client().get("/openapi.json").json
    OpenAPIV31SpecValidator(document).validate()
    assert {path: sorted(item) for path, item in document["paths"].items()} == {
        "/typed/{n}": ["get"],
        "/things/{thing_id}/count": ["put"],
    }


def test_operation_ids_of_untyped_views_are_unique() -> None:
    app = App(__name__)
    Api(app)
    app.add_url_rule("/a", "shop_list", lambda: "")
    shop = Blueprint("shop", __name__)
    shop.add_url_rule("/b", "list", lambda: "")
    app.register_blueprint(shop)
    document = app.test_client().get("/openapi.json").json
    assert [document["paths"][p]["get"]["operationId"] for p in ("/a", "/b")] == [
        "shop_list",
        "shop_list_2",
    ]
