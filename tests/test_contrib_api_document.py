"""framework_api.Api's OpenAPI document: made from the hints the binder
validates with (typed views, blueprints, class-based views), served at
``openapi_url`` with its page at ``docs_url``, written by ``framework api
spec``, and changed by subclassing the generator."""

from __future__ import annotations

import json
import typing as t

import msgspec
import pytest
from framework_api import Api, Created, Header, Query
from framework_api.openapi import OpenAPIGenerator
from openapi_spec_validator import OpenAPIV31SpecValidator

from framework import App, Blueprint, abort
from framework.views import MethodView


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
    assert "/plain" not in document["paths"]


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
    # get() is not typed (a dict of ints is no model): it is left out.
    assert set(stock) == {"put"}
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
