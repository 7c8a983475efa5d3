"""framework_api.openapi: the OpenAPI 3.1 document of typed views, made
from their operations (built here by hand, as the binder would) and the
app's real URL map; and the decorators of framework_api.documentation.

The rich document below passes the OpenAPI 3.1 schema
(openapi-spec-validator); the other tests assert its parts exactly."""

from __future__ import annotations

import dataclasses
import typing as t
import uuid

import attrs
import framework_api
import msgspec
import pytest
from framework_api.documentation import doc, documentation_of, security
from framework_api.openapi import (
    PROBLEM_MEDIA_TYPE,
    OpenAPIGenerator,
    Route,
    SchemaSet,
    operation_routes,
    untyped_operation,
)
from framework_api.operations import (
    BodySpec,
    Operation,
    ParamSpec,
    ReturnSpec,
    Source,
    docstring_parts,
)
from msgspec import Meta
from openapi_spec_validator import OpenAPIV31SpecValidator
from werkzeug.routing import BaseConverter

from framework import App, Blueprint
from framework.views import MethodView, View

# -- models of every kind msgspec describes -----------------------------


class NewItem(msgspec.Struct):
    name: t.Annotated[str, Meta(max_length=80, examples=["pen"])]
    price: t.Annotated[float, Meta(gt=0)]
    tags: list[str] = []


class Item(NewItem, kw_only=True):
    id: int


@dataclasses.dataclass
class Address:
    street: str
    city: str


@attrs.define
class Line:
    item_id: int
    quantity: t.Annotated[int, Meta(ge=1)] = 1


class Order(msgspec.Struct):
    lines: list[Line]
    ship_to: Address | None = None
    note: str | None = None


class Receipt(t.TypedDict):
    order: Order
    total: float


class RGB(BaseConverter):
    """A converter that describes itself."""

    regex = "[0-9a-f]{6}"
    openapi_schema: t.ClassVar[dict[str, str]] = {
        "type": "string",
        "pattern": "^[0-9a-f]{6}$",
    }


# -- the app and its operations ------------------------------------------

SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "oauth": {
        "type": "oauth2",
        "flows": {
            "clientCredentials": {
                "tokenUrl": "/token",
                "scopes": {"items:write": "Change items."},
            }
        },
    },
}


def query(name: str, annotation: t.Any, **options: t.Any) -> ParamSpec:
    return ParamSpec(name, Source.QUERY, name, annotation, **options)


def build_app() -> tuple[App, list[Operation]]:
    """An app with a route of each kind, and the operations the binder
    would make of its views."""
    app = App(__name__)
    app.url_map.converters["rgb"] = RGB
    ops: list[Operation] = []

    @app.post("/items")
    @security({"oauth": ["items:write"]}, "bearer")
    @doc(
        request_examples={"pen": NewItem(name="pen", price=1.5)},
        response_examples={"pen": Item(name="pen", price=1.5, id=1)},
        responses={409: "An item of this name exists."},
    )
    def create() -> None: ...

    ops.append(
        Operation(
            "create",
            None,
            create,
            params=(query("dry_run", bool, required=False, default=False),),
            body=BodySpec("body", NewItem, description="The new item."),
            returns=ReturnSpec(Item, status=201, description="The item, created."),
            summary="Create an item.",
            description="Its id is chosen by the server.",
            tags=("items",),
        )
    )

    @app.get("/items/<int:item_id>")
    def show(item_id: int) -> None: ...

    ops.append(
        Operation(
            "show",
            None,
            show,
            params=(
                ParamSpec("item_id", Source.PATH, "item_id", int),
                ParamSpec(
                    "x_trace",
                    Source.HEADER,
                    "X-Trace",
                    str | None,
                    required=False,
                    description="A trace id to log.",
                ),
                ParamSpec(
                    "theme", Source.COOKIE, "theme", t.Literal["dark", "light"], False
                ),
                query("fields", list[str], required=False, deprecated=True),
            ),
            returns=ReturnSpec(Item),
            tags=("items",),
        )
    )

    @app.get("/items")
    def listing() -> None: ...

    ops.append(
        Operation(
            "listing",
            None,
            listing,
            params=(
                query("page", t.Annotated[int, Meta(ge=1)], required=False, default=1),
                query("q", str | None, required=False),
            ),
            returns=ReturnSpec(list[Item]),
            tags=("items",),
        )
    )

    @app.route("/orders/<uuid:ref>/lines/<int(min=1, max=500):line>", methods=["PUT"])
    def put_line(ref: uuid.UUID, line: int) -> None: ...

    ops.append(
        Operation(
            "put_line",
            None,
            put_line,
            params=(
                ParamSpec("ref", Source.PATH, "ref", uuid.UUID),
                # Constraints beyond the converter's come from the hint.
                ParamSpec(
                    "line",
                    Source.PATH,
                    "line",
                    t.Annotated[int, Meta(multiple_of=2)],
                    description="An even line.",
                ),
            ),
            body=BodySpec("line", Line),
            returns=ReturnSpec(None, status=204, description="Saved."),
        )
    )

    @app.get("/files/<path:name>")
    def file(name: str) -> None: ...

    ops.append(Operation("file", None, file))

    @app.get("/colours/<any(red, green):colour>/<rgb:code>/<string(length=3):iso>")
    def colour(colour: str, code: str, iso: str) -> None: ...

    ops.append(Operation("colour", None, colour, returns=ReturnSpec(dict[str, str])))

    @app.get("/prices/<float(signed=True):amount>/<code>")
    def price(amount: float, code: str) -> None: ...

    ops.append(Operation("price", None, price, returns=ReturnSpec(float)))

    @app.post("/forms")
    def form() -> None: ...

    ops.append(
        Operation(
            "form",
            None,
            form,
            body=BodySpec(
                "data",
                Address,
                media_types=(
                    "application/x-www-form-urlencoded",
                    "multipart/form-data",
                ),
            ),
            returns=ReturnSpec(Address),
        )
    )

    @app.get("/secret")
    @doc(hidden=True)
    def secret() -> None: ...

    ops.append(Operation("secret", None, secret, returns=ReturnSpec(Item)))

    @app.get("/old")
    @doc(deprecated=True, summary="Gone soon.", operation_id="legacy")
    @security()
    def old() -> None: ...

    ops.append(Operation("old", None, old, summary="Old."))

    shop = Blueprint("shop", __name__, url_prefix="/shop")

    @shop.post("/orders")
    def orders() -> None: ...

    ops.append(
        Operation(
            "shop.orders",
            None,
            orders,
            body=BodySpec("order", Order),
            returns=ReturnSpec(Receipt, status=201),
            tags=("shop",),
        )
    )

    class Basket(MethodView):
        def get(self) -> None: ...

        def put(self) -> None: ...

    shop.add_url_rule("/basket", view_func=Basket.as_view("basket"))
    ops.append(
        Operation(
            "shop.basket", "GET", Basket.get, returns=ReturnSpec(Order), tags=("shop",)
        )
    )
    ops.append(
        Operation(
            "shop.basket",
            "PUT",
            Basket.put,
            body=BodySpec("order", Order),
            returns=ReturnSpec(Order),
            tags=("shop",),
        )
    )
    app.register_blueprint(shop)
    return app, ops


def generator(**options: t.Any) -> OpenAPIGenerator:
    options.setdefault("security_schemes", SCHEMES)
    options.setdefault("security", ["bearer"])
    return OpenAPIGenerator(
        title="Shop",
        version="2.1",
        description="Items and orders.",
        servers=["https://shop.example"],
        tags={"items": "What the shop sells.", "admin": "Unused here."},
        **options,
    )


@pytest.fixture(scope="module")
def spec() -> dict[str, t.Any]:
    app, ops = build_app()
    return generator().generate(operation_routes(app.url_map, ops))


PROBLEM = {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}


def problem(description: str) -> dict[str, t.Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: PROBLEM}}


INVALID = problem("Invalid input: `errors` lists every invalid field.")
NOT_JSON = problem("The body is not valid JSON.")
WRONG_TYPE = problem("The body's content type is not one the operation accepts.")


# -- the whole document ---------------------------------------------------


def test_the_document_is_valid_openapi_3_1(spec: dict[str, t.Any]) -> None:
    errors = list(OpenAPIV31SpecValidator(spec).iter_errors())
    assert errors == []
    assert spec["openapi"] == "3.1.0"


def test_info_servers_security_and_tags(spec: dict[str, t.Any]) -> None:
    assert spec["info"] == {
        "title": "Shop",
        "version": "2.1",
        "description": "Items and orders.",
    }
    assert spec["servers"] == [{"url": "https://shop.example"}]
    assert spec["components"]["securitySchemes"] == SCHEMES
    assert spec["security"] == [{"bearer": []}]
    # Configured tags first, in their order; then the others in use.
    assert spec["tags"] == [
        {"name": "items", "description": "What the shop sells."},
        {"name": "admin", "description": "Unused here."},
        {"name": "shop"},
    ]


def test_paths_use_openapi_templates_in_the_maps_order(spec: dict[str, t.Any]) -> None:
    assert list(spec["paths"]) == [
        "/items",
        "/items/{item_id}",
        "/orders/{ref}/lines/{line}",
        "/files/{name}",
        "/colours/{colour}/{code}/{iso}",
        "/prices/{amount}/{code}",
        "/forms",
        "/old",
        "/shop/orders",
        "/shop/basket",
    ]
    # /items has two views: the POST and the GET.
    assert list(spec["paths"]["/items"]) == ["get", "post"]
    # HEAD and OPTIONS, which werkzeug adds, are not operations.
    assert list(spec["paths"]["/items/{item_id}"]) == ["get"]


def test_a_hidden_view_is_left_out(spec: dict[str, t.Any]) -> None:
    assert "/secret" not in spec["paths"]
    assert "secret" not in str(spec["paths"])


# -- operations -----------------------------------------------------------


def test_a_created_post_with_body_query_security_and_examples(
    spec: dict[str, t.Any],
) -> None:
    create = spec["paths"]["/items"]["post"]
    assert create == {
        "tags": ["items"],
        "summary": "Create an item.",
        "description": "Its id is chosen by the server.",
        "operationId": "create",
        "parameters": [
            {
                "name": "dry_run",
                "in": "query",
                "required": False,
                "schema": {"type": "boolean", "default": False},
            }
        ],
        "requestBody": {
            "description": "The new item.",
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/NewItem"},
                    "examples": {
                        "pen": {"value": {"name": "pen", "price": 1.5, "tags": []}}
                    },
                }
            },
            "required": True,
        },
        "responses": {
            "201": {
                "description": "The item, created.",
                "headers": {
                    "Location": {
                        "description": "The URL of the new resource.",
                        "schema": {"type": "string", "format": "uri-reference"},
                    }
                },
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/Item"},
                        "examples": {
                            "pen": {
                                "value": {
                                    "name": "pen",
                                    "price": 1.5,
                                    "tags": [],
                                    "id": 1,
                                }
                            }
                        },
                    }
                },
            },
            "400": NOT_JSON,
            "409": {"description": "An item of this name exists."},
            "415": WRONG_TYPE,
            "422": INVALID,
        },
        "security": [{"oauth": ["items:write"]}, {"bearer": []}],
    }


def test_header_cookie_and_deprecated_query_parameters(spec: dict[str, t.Any]) -> None:
    show = spec["paths"]["/items/{item_id}"]["get"]
    assert show["operationId"] == "show"
    assert show["parameters"] == [
        {
            "name": "item_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        },
        {
            "name": "X-Trace",
            "in": "header",
            "required": False,
            "description": "A trace id to log.",
            # An absent header is not a null one: no "null" in the schema.
            "schema": {"type": "string"},
        },
        {
            "name": "theme",
            "in": "cookie",
            "required": False,
            "schema": {"enum": ["dark", "light"]},
        },
        {
            "name": "fields",
            "in": "query",
            "required": False,
            "deprecated": True,
            "schema": {"type": "array", "items": {"type": "string"}},
        },
    ]
    assert show["responses"] == {
        "200": {
            "description": "Successful response",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
            },
        },
        "422": INVALID,
    }


def test_a_list_response_and_constrained_query_parameters(
    spec: dict[str, t.Any],
) -> None:
    listing = spec["paths"]["/items"]["get"]
    assert listing["parameters"] == [
        {
            "name": "page",
            "in": "query",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        {"name": "q", "in": "query", "required": False, "schema": {"type": "string"}},
    ]
    assert listing["responses"]["200"]["content"]["application/json"] == {
        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
    }


def test_path_parameters_from_converters_and_hints(spec: dict[str, t.Any]) -> None:
    put = spec["paths"]["/orders/{ref}/lines/{line}"]["put"]
    assert put["parameters"] == [
        {
            "name": "ref",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "format": "uuid"},
        },
        {
            "name": "line",
            "in": "path",
            "required": True,
            "description": "An even line.",
            # The converter's bounds, and the hint's constraint.
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": 500,
                "multipleOf": 2,
            },
        },
    ]
    # A body-less success: no content; a constrained path parameter may
    # make a 422.
    assert put["responses"]["204"] == {"description": "Saved."}
    assert put["responses"]["422"] == INVALID

    colour = spec["paths"]["/colours/{colour}/{code}/{iso}"]["get"]
    assert [p["schema"] for p in colour["parameters"]] == [
        {"type": "string", "enum": ["green", "red"]},
        {"type": "string", "pattern": "^[0-9a-f]{6}$"},
        {"type": "string", "minLength": 3, "maxLength": 3},
    ]
    price = spec["paths"]["/prices/{amount}/{code}"]["get"]
    assert [p["schema"] for p in price["parameters"]] == [
        {"type": "number"},
        {"type": "string", "minLength": 1},
    ]
    file = spec["paths"]["/files/{name}"]["get"]
    assert file["parameters"][0]["schema"] == {"type": "string"}


def test_an_operation_with_no_typed_inputs_gets_no_problem_responses(
    spec: dict[str, t.Any],
) -> None:
    # Unconstrained path parameters are the converters' job (a 404).
    file = spec["paths"]["/files/{name}"]["get"]
    assert file["responses"] == {"200": {"description": "Successful response"}}


def test_a_form_body_is_offered_in_each_form_type_and_never_gets_a_400(
    spec: dict[str, t.Any],
) -> None:
    form = spec["paths"]["/forms"]["post"]
    schema = {"schema": {"$ref": "#/components/schemas/Address"}}
    assert form["requestBody"]["content"] == {
        "application/x-www-form-urlencoded": schema,
        "multipart/form-data": schema,
    }
    assert sorted(form["responses"]) == ["200", "415", "422"]


def test_doc_and_security_decorators_replace_what_the_hints_say(
    spec: dict[str, t.Any],
) -> None:
    assert spec["paths"]["/old"]["get"] == {
        "summary": "Gone soon.",
        "operationId": "legacy",
        "responses": {"200": {"description": "Successful response"}},
        "deprecated": True,
        # security() with no scheme: public, despite the global requirement.
        "security": [],
    }


def test_operation_ids_of_blueprints_and_class_based_views(
    spec: dict[str, t.Any],
) -> None:
    assert spec["paths"]["/shop/orders"]["post"]["operationId"] == "shop_orders"
    basket = spec["paths"]["/shop/basket"]
    assert basket["get"]["operationId"] == "shop_basket_get"
    assert basket["put"]["operationId"] == "shop_basket_put"
    assert basket["get"]["tags"] == ["shop"]
    assert "requestBody" not in basket["get"]
    assert basket["put"]["requestBody"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/Order"}
    }


# -- components -----------------------------------------------------------


def test_nested_models_of_every_kind_are_components(spec: dict[str, t.Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["Order"] == {
        "title": "Order",
        "type": "object",
        "properties": {
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
            "ship_to": {
                "anyOf": [{"$ref": "#/components/schemas/Address"}, {"type": "null"}],
                "default": None,
            },
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": ["lines"],
    }
    assert schemas["Line"]["properties"] == {  # attrs
        "item_id": {"type": "integer"},
        "quantity": {"type": "integer", "minimum": 1, "default": 1},
    }
    assert schemas["Address"]["required"] == ["street", "city"]  # dataclass
    assert schemas["Receipt"]["properties"] == {  # TypedDict
        "order": {"$ref": "#/components/schemas/Order"},
        "total": {"type": "number"},
    }
    # msgspec.Meta(examples=...) comes through.
    assert schemas["NewItem"]["properties"]["name"] == {
        "examples": ["pen"],
        "type": "string",
        "maxLength": 80,
    }
    assert schemas["Item"]["required"] == ["name", "price", "id"]


def test_the_problem_details_schema(spec: dict[str, t.Any]) -> None:
    schemas = spec["components"]["schemas"]
    problem_schema = schemas["ProblemDetails"]
    assert problem_schema["required"] == ["type", "title", "status"]
    assert problem_schema["properties"]["errors"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/FieldError"},
    }
    assert schemas["FieldError"]["properties"]["in"]["enum"] == [
        "path",
        "query",
        "header",
        "cookie",
        "body",
    ]
    assert schemas["FieldError"]["required"] == ["in", "detail"]


def test_pydantic_models_use_their_own_schema() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Tag(pydantic.BaseModel):
        label: str

    class Post(pydantic.BaseModel):
        title: str = pydantic.Field(max_length=20)
        tags: list[Tag] = []

    app = App(__name__)

    @app.post("/posts")
    def create() -> None: ...

    op = Operation(
        "create",
        None,
        create,
        body=BodySpec("post", Post),
        returns=ReturnSpec(list[Post] | None, status=201),
    )
    spec = OpenAPIGenerator().generate(operation_routes(app.url_map, [op]))
    assert list(OpenAPIV31SpecValidator(spec).iter_errors()) == []
    schemas = spec["components"]["schemas"]
    assert schemas["Post"]["properties"]["title"] == {
        "maxLength": 20,
        "title": "Title",
        "type": "string",
    }
    assert schemas["Post"]["properties"]["tags"]["items"] == {
        "$ref": "#/components/schemas/Tag"
    }
    assert schemas["Tag"]["required"] == ["label"]
    post = spec["paths"]["/posts"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Post"
    }
    assert post["responses"]["201"]["content"]["application/json"]["schema"] == {
        "anyOf": [
            {"type": "array", "items": {"$ref": "#/components/schemas/Post"}},
            {"type": "null"},
        ]
    }


# -- routes ---------------------------------------------------------------


def test_operation_routes_pairs_each_rule_and_method_with_its_operation() -> None:
    app, ops = build_app()
    routes = [
        (rule.rule, method, op.endpoint, op.method)
        for rule, method, op in operation_routes(app.url_map, ops)
    ]
    assert ("/shop/basket", "GET", "shop.basket", "GET") in routes
    assert ("/shop/basket", "PUT", "shop.basket", "PUT") in routes
    assert ("/items/<int:item_id>", "GET", "show", None) in routes
    assert not [r for r in routes if r[1] in ("HEAD", "OPTIONS")]
    assert not [r for r in routes if r[2] == "static"]


def test_with_the_views_operation_routes_adds_the_untyped_ones() -> None:
    app = App(__name__)

    @app.get("/typed")
    def typed() -> None: ...

    @app.route("/files/<path:name>", methods=["GET", "DELETE"])
    async def files(name: str) -> str:
        """Serve a file.

        Or forget it.
        """
        return name

    @app.websocket("/live")
    async def live() -> None: ...

    shop = Blueprint("shop", __name__, static_folder="shop_static")
    shop.add_url_rule("/shop/hello", "hello", lambda: "hello")
    app.register_blueprint(shop)
    ops = [Operation("typed", None, typed, returns=ReturnSpec(int))]
    assert [op.endpoint for _, _, op in operation_routes(app.url_map, ops)] == ["typed"]
    routes = list(operation_routes(app.url_map, ops, app.view_functions))
    assert [(rule.rule, method) for rule, method, _ in routes] == [
        ("/typed", "GET"),
        ("/files/<path:name>", "GET"),
        ("/files/<path:name>", "DELETE"),
        ("/shop/hello", "GET"),
    ]
    assert routes[0][2] is ops[0]
    served = routes[1][2]
    assert served == untyped_operation("files", "GET", files)
    assert (served.endpoint, served.method, served.function) == ("files", None, files)
    assert (served.summary, served.description) == ("Serve a file.", "Or forget it.")
    assert served.is_async
    assert (served.params, served.body, served.returns) == ((), None, None)
    assert routes[3][2].tags == ("shop",)
    # The static endpoints (app's and blueprint's) were there, left out.
    assert {"static", "shop.static"} <= set(app.view_functions)


def test_an_untyped_class_based_views_operation_is_its_methods() -> None:
    class Things(MethodView):
        def get(self) -> str:
            """List the things."""
            return ""

    class Plain(View):
        def dispatch_request(self) -> str:
            return ""

    things = untyped_operation("things", "GET", Things.as_view("things"))
    assert (things.method, things.function) == ("GET", Things.get)
    assert things.summary == "List the things."
    plain = untyped_operation("plain", "GET", Plain.as_view("plain"))
    assert (plain.method, plain.function) == ("GET", Plain.dispatch_request)
    # Not View.dispatch_request's docstring: the class's own method has none.
    assert plain.summary is None


@pytest.mark.parametrize(
    ("docstring", "parts"),
    [
        (None, (None, None)),
        ("", (None, None)),
        ("One line.", ("One line.", None)),
        (
            "\n    Summary.\n\n    Rest,\n    on two lines.\n    ",
            ("Summary.", "Rest,\non two lines."),
        ),
        (
            "Summary.\n\n    Rest,\n    on two lines.\n",
            ("Summary.", "Rest,\non two lines."),
        ),
    ],
)
def test_docstring_parts(
    docstring: str | None, parts: tuple[str | None, str | None]
) -> None:
    assert docstring_parts(docstring) == parts


class ShowItem(View):
    # At module level: inspect.getdoc finds a method's class by its
    # qualified name, which a class made in a function hides.
    def dispatch_request(self, item_id: int) -> Item:
        return Item(id=item_id, name="x", price=1.0)


def test_a_typed_class_view_without_a_docstring_has_no_summary() -> None:
    # Its dispatch_request would inherit View's docstring, which says
    # nothing of this operation.
    app = App(__name__)
    app.add_url_rule("/items/<int:item_id>", view_func=ShowItem.as_view("show"))
    spec = framework_api.Api(app).spec(app)
    operation = spec["paths"]["/items/{item_id}"]["get"]
    assert "summary" not in operation and "description" not in operation


def test_an_endpoint_at_two_rules_gets_unique_operation_ids() -> None:
    app = App(__name__)

    @app.get("/a")
    @app.get("/b")
    def show() -> None: ...

    op = Operation("show", None, show, returns=ReturnSpec(int))
    spec = OpenAPIGenerator().generate(operation_routes(app.url_map, [op]))
    ids = {path: item["get"]["operationId"] for path, item in spec["paths"].items()}
    assert ids == {"/b": "show", "/a": "show_2"}


def test_two_rules_of_one_template_are_described_once() -> None:
    app = App(__name__)

    @app.get("/x/<int:v>")
    def number(v: int) -> None: ...

    @app.get("/x/<v>")
    def word(v: str) -> None: ...

    ops = [Operation("number", None, number), Operation("word", None, word)]
    spec = OpenAPIGenerator().generate(operation_routes(app.url_map, ops))
    assert spec["paths"]["/x/{v}"]["get"]["operationId"] == "number"


# -- customising by subclassing -------------------------------------------


class CamelCase(OpenAPIGenerator):
    """Another operationId, and problems described differently."""

    def operation_id(self, rule: t.Any, method: str, operation: Operation) -> str:
        head, *rest = operation.endpoint.replace(".", "_").split("_")
        return head + "".join(word.title() for word in rest) + method.title()

    def problem_response(
        self, status: int, description: str, schemas: SchemaSet
    ) -> dict[str, t.Any]:
        return {"description": f"Problem {status}."}


def test_a_subclass_changes_one_step() -> None:
    app, ops = build_app()
    spec = CamelCase(security_schemes=SCHEMES).generate(
        operation_routes(app.url_map, ops)
    )
    assert list(OpenAPIV31SpecValidator(spec).iter_errors()) == []
    assert spec["paths"]["/shop/basket"]["put"]["operationId"] == "shopBasketPut"
    assert spec["paths"]["/items"]["post"]["responses"]["422"] == {
        "description": "Problem 422."
    }
    # No problem response refers to it, so it is not in the document.
    assert "ProblemDetails" not in spec["components"]["schemas"]


# -- errors a developer can make ------------------------------------------


def one_route(op_options: dict[str, t.Any], view: t.Any = None) -> list[Route]:
    app = App(__name__)
    app.add_url_rule("/r", "r", view or (lambda: ""))
    op = Operation("r", None, app.view_functions["r"], **op_options)
    return [(next(app.url_map.iter_rules("r")), "GET", op)]


def test_an_undeclared_security_scheme_is_refused_by_name() -> None:
    def view() -> None: ...

    security("api_key")(view)
    with pytest.raises(ValueError, match=r"The view 'r' requires the security "):
        OpenAPIGenerator().generate(one_route({}, view))
    with pytest.raises(ValueError, match=r"global security requires .* 'nope'"):
        OpenAPIGenerator(security=["nope"]).generate(one_route({}))


def test_a_type_msgspec_cannot_describe_says_what_to_do() -> None:
    with pytest.raises(TypeError, match=r"schema_hook=.*extra_json_schema"):
        OpenAPIGenerator().generate(one_route({"returns": ReturnSpec(complex)}))
    spec = OpenAPIGenerator(schema_hook=lambda tp: {"type": "string"}).generate(
        one_route({"returns": ReturnSpec(complex)})
    )
    content = spec["paths"]["/r"]["get"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"type": "string"}


def test_two_models_of_one_name_are_refused() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Item(pydantic.BaseModel):  # another than the Struct above
        sku: str

    op = {"body": BodySpec("b", Item), "returns": ReturnSpec(globals()["Item"])}
    with pytest.raises(ValueError, match="both named 'Item'"):
        OpenAPIGenerator().generate(one_route(op))


def test_doc_refuses_responses_that_are_not_status_codes() -> None:
    with pytest.raises(ValueError, match="HTTP status codes"):
        doc(responses={"404": "Not found"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="HTTP status codes"):
        doc(responses={99: "Too low"})


def test_decorators_add_up_and_leave_the_function_as_it_is() -> None:
    def view() -> str:
        return "same"

    assert doc(summary="S")(view) is view
    assert security("bearer")(view) is view
    doc(tags=["a"], response_examples={"one": 1})(view)
    documentation = documentation_of(view)
    assert documentation.summary == "S"
    assert documentation.tags == ("a",)
    assert documentation.security == ({"bearer": ()},)
    assert documentation.response_examples == (("one", 1),)
    assert view() == "same"
    assert documentation_of(lambda: None).security is None


def test_each_document_is_a_copy_of_the_generators_options() -> None:
    app, ops = build_app()
    made = generator()
    first = made.generate(operation_routes(app.url_map, ops))
    first["servers"].append({"url": "/elsewhere"})
    first["components"]["securitySchemes"]["bearer"]["scheme"] = "basic"
    first["security"].clear()
    first["tags"][0]["description"] = "changed"
    second = made.generate(operation_routes(app.url_map, ops))
    assert second["servers"] == [{"url": "https://shop.example"}]
    assert second["components"]["securitySchemes"] == SCHEMES
    assert second["security"] == [{"bearer": []}]
    assert second["tags"][0]["description"] == "What the shop sells."
