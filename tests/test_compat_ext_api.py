"""Flask's API extensions, unmodified, on an App through
``framework.compat.flask``: Flask-RESTful, flask-smorest, APIFlask,
flask-openapi3 and Flask-Marshmallow.

Each extension gets one small app for the whole module (the alias is
installed for the module: see tests/compat_alias.py), driven through the
test client.
"""

from __future__ import annotations

import typing as t

import pydantic
import pytest
from compat_alias import load

from framework.testing import AppClient

#: Every test runs through both the WSGI and the ASGI transport.
pytestmark = pytest.mark.usefixtures("flask_alias_for_module", "transport")


# -- Flask-RESTful -------------------------------------------------------------


@pytest.fixture(scope="module")
def restful_client() -> AppClient:
    """A todo list: ``/todos`` (GET, POST with reqparse) and
    ``/todos/<int:todo_id>`` (GET, DELETE; 404 via ``abort``)."""
    flask = load("flask")
    restful = load("flask_restful")
    reqparse = load("flask_restful.reqparse")
    restful_fields = load("flask_restful.fields")

    app = flask.Flask(__name__)
    api = restful.Api(app)
    todos: dict[int, dict[str, t.Any]] = {1: {"task": "write tests", "done": False}}
    fields = {
        "task": restful_fields.String,
        "done": restful_fields.Boolean,
        "uri": restful_fields.Url("todo"),
    }
    parser = reqparse.RequestParser()
    parser.add_argument("task", type=str, required=True, help="task is required")
    parser.add_argument("done", type=bool, default=False)

    class Todo(restful.Resource):  # type: ignore[misc]
        @restful.marshal_with(fields)
        def get(self, todo_id: int) -> dict[str, t.Any]:
            if todo_id not in todos:
                restful.abort(404, message=f"todo {todo_id} does not exist")
            return {"todo_id": todo_id, **todos[todo_id]}

        def delete(self, todo_id: int) -> tuple[str, int]:
            todos.pop(todo_id, None)
            return "", 204

    class TodoList(restful.Resource):  # type: ignore[misc]
        def get(self) -> dict[int, dict[str, t.Any]]:
            return todos

        def post(self) -> tuple[dict[str, t.Any], int, dict[str, str]]:
            args = parser.parse_args()
            todo_id = max(todos, default=0) + 1
            todos[todo_id] = {"task": args["task"], "done": args["done"]}
            return todos[todo_id], 201, {"Location": f"/todos/{todo_id}"}

    api.add_resource(TodoList, "/todos")
    api.add_resource(Todo, "/todos/<int:todo_id>", endpoint="todo")
    return app.test_client()


def test_flask_restful_resource_get_marshals_fields(restful_client: AppClient) -> None:
    response = restful_client.get("/todos/1")
    assert response.status_code == 200
    assert response.get_json() == {
        "task": "write tests",
        "done": False,
        "uri": "/todos/1",
    }


def test_flask_restful_post_parses_arguments(restful_client: AppClient) -> None:
    created = restful_client.post("/todos", json={"task": "ship it"})
    assert created.status_code == 201
    assert created.get_json() == {"task": "ship it", "done": False}
    assert created.headers["Location"].startswith("/todos/")
    missing = restful_client.post("/todos", json={})
    assert missing.status_code == 400
    assert missing.get_json() == {"message": {"task": "task is required"}}


def test_flask_restful_abort_is_json(restful_client: AppClient) -> None:
    response = restful_client.get("/todos/99")
    assert response.status_code == 404
    assert response.get_json()["message"].startswith("todo 99 does not exist")


def test_flask_restful_delete_then_the_resource_is_gone(
    restful_client: AppClient,
) -> None:
    location = restful_client.post("/todos", json={"task": "drop it"}).location
    assert restful_client.get(location).status_code == 200
    deleted = restful_client.delete(location)
    assert (deleted.status_code, deleted.data) == (204, b"")
    assert restful_client.get(location).status_code == 404


def test_flask_restful_unknown_method_is_405(restful_client: AppClient) -> None:
    response = restful_client.patch("/todos/1")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "DELETE"}


# -- flask-smorest -------------------------------------------------------------


@pytest.fixture(scope="module")
def smorest_client() -> AppClient:
    """A pets API: a MethodView on ``/pets/`` (GET lists with pagination
    and a query filter, POST validates a marshmallow schema), and the
    OpenAPI document on ``/openapi.json``."""
    flask = load("flask")
    ma = load("marshmallow")
    smorest = load("flask_smorest")

    app = flask.Flask(__name__)
    app.config.update(
        API_TITLE="Pets",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.2",
        OPENAPI_URL_PREFIX="/",
    )
    api = smorest.Api(app)
    blp = smorest.Blueprint("pets", __name__, url_prefix="/pets")

    class PetSchema(ma.Schema):  # type: ignore[misc]
        id = ma.fields.Int(dump_only=True)
        name = ma.fields.Str(required=True)

    class PetQuery(ma.Schema):  # type: ignore[misc]
        name = ma.fields.Str()

    pets = [{"id": i, "name": name} for i, name in enumerate(["Rex", "Tom", "Kit"])]

    @blp.route("/")
    class Pets(flask.views.MethodView):  # type: ignore[misc]
        @blp.arguments(PetQuery, location="query")
        @blp.response(200, PetSchema(many=True))
        @blp.paginate(smorest.Page)
        def get(self, query: dict[str, str]) -> list[dict[str, t.Any]]:
            return [p for p in pets if query.get("name") in (None, p["name"])]

        @blp.arguments(PetSchema)
        @blp.response(201, PetSchema)
        def post(self, data: dict[str, t.Any]) -> dict[str, t.Any]:
            return {"id": len(pets), **data}

    api.register_blueprint(blp)
    return app.test_client()


def test_flask_smorest_response_schema_and_pagination(
    smorest_client: AppClient,
) -> None:
    response = smorest_client.get("/pets/?page=2&page_size=2")
    assert response.status_code == 200
    assert response.get_json() == [{"id": 2, "name": "Kit"}]
    pagination = response.headers["X-Pagination"]
    assert '"total": 3' in pagination
    assert '"page": 2' in pagination
    filtered = smorest_client.get("/pets/?name=Tom")
    assert filtered.get_json() == [{"id": 1, "name": "Tom"}]


def test_flask_smorest_arguments_validate_the_body(smorest_client: AppClient) -> None:
    created = smorest_client.post("/pets/", json={"name": "Bo"})
    assert created.status_code == 201
    assert created.get_json() == {"id": 3, "name": "Bo"}
    invalid = smorest_client.post("/pets/", json={})
    assert invalid.status_code == 422
    assert invalid.get_json()["errors"] == {
        "json": {"name": ["Missing data for required field."]}
    }


def test_flask_smorest_serves_the_openapi_document(smorest_client: AppClient) -> None:
    spec = smorest_client.get("/openapi.json").get_json()
    assert spec["info"] == {"title": "Pets", "version": "v1"}
    assert set(spec["paths"]["/pets/"]) == {"get", "post"}


def test_flask_smorest_blueprint_route_with_a_url_variable() -> None:
    flask = load("flask")
    ma = load("marshmallow")
    smorest = load("flask_smorest")

    app = flask.Flask(__name__)
    app.config.update(API_TITLE="Pets", API_VERSION="v1", OPENAPI_VERSION="3.0.2")
    api = smorest.Api(app)
    blp = smorest.Blueprint("pet", __name__, url_prefix="/pets")

    class PetSchema(ma.Schema):  # type: ignore[misc]
        id = ma.fields.Int()
        name = ma.fields.Str()

    @blp.route("/<int:pet_id>")
    @blp.etag
    @blp.response(200, PetSchema)
    def pet(pet_id: int) -> dict[str, t.Any]:
        if pet_id == 0:
            smorest.abort(404, message="no such pet")
        return {"id": pet_id, "name": "Rex"}

    api.register_blueprint(blp)
    client = app.test_client()
    found = client.get("/pets/1")
    assert found.get_json() == {"id": 1, "name": "Rex"}
    etag = found.headers["ETag"]
    assert client.get("/pets/1", headers={"If-None-Match": etag}).status_code == 304
    missing = client.get("/pets/0")
    assert missing.status_code == 404
    assert missing.get_json()["message"] == "no such pet"


# -- APIFlask ------------------------------------------------------------------


@pytest.fixture(scope="module")
def apiflask_client() -> AppClient:
    """An APIFlask app: ``POST /pets`` with an input and an output schema,
    ``GET /pets/<int:pet_id>`` with ``abort``; its OpenAPI document and
    docs page."""
    apiflask = load("apiflask")
    fields = load("apiflask.fields")

    app = apiflask.APIFlask(__name__, title="Pets", version="1.0")

    class PetIn(apiflask.Schema):  # type: ignore[misc]
        name = fields.String(required=True)

    class PetOut(apiflask.Schema):  # type: ignore[misc]
        id = fields.Integer()
        name = fields.String()

    @app.post("/pets")
    @app.input(PetIn)
    @app.output(PetOut, status_code=201)
    def create(json_data: dict[str, t.Any]) -> dict[str, t.Any]:
        return {"id": 1, **json_data}

    @app.get("/pets/<int:pet_id>")
    @app.output(PetOut)
    def pet(pet_id: int) -> dict[str, t.Any]:
        if pet_id != 1:
            apiflask.abort(404, message="no such pet")
        return {"id": 1, "name": "Rex"}

    return app.test_client()


def test_apiflask_input_and_output_schemas(apiflask_client: AppClient) -> None:
    created = apiflask_client.post("/pets", json={"name": "Rex"})
    assert created.status_code == 201
    assert created.get_json() == {"id": 1, "name": "Rex"}
    invalid = apiflask_client.post("/pets", json={})
    assert invalid.status_code == 422
    assert invalid.get_json() == {
        "detail": {"json": {"name": ["Missing data for required field."]}},
        "message": "Validation error",
    }


def test_apiflask_abort_is_a_json_error(apiflask_client: AppClient) -> None:
    response = apiflask_client.get("/pets/2")
    assert response.status_code == 404
    assert response.get_json() == {"detail": {}, "message": "no such pet"}


def test_apiflask_openapi_document_and_docs_page(apiflask_client: AppClient) -> None:
    spec = apiflask_client.get("/openapi.json").get_json()
    assert spec["info"]["title"] == "Pets"
    assert set(spec["paths"]) == {"/pets", "/pets/{pet_id}"}
    docs = apiflask_client.get("/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text


# -- flask-openapi3 ------------------------------------------------------------


# flask-openapi3 reads the views' annotations, which name these models, from
# the module's globals.
class PetBody(pydantic.BaseModel):
    name: str
    age: int = 0


class PetPath(pydantic.BaseModel):
    pet_id: int


class PetQuery(pydantic.BaseModel):
    limit: int = 10


@pytest.fixture(scope="module")
def openapi3_client() -> AppClient:
    """An OpenAPI app with pydantic models for the body, the path and the
    query, and an APIBlueprint."""
    openapi3 = load("flask_openapi3")

    app = openapi3.OpenAPI(__name__, info=openapi3.Info(title="Pets", version="1"))

    @app.post("/pets")
    def create(body: PetBody) -> tuple[dict[str, t.Any], int]:
        return body.model_dump(), 201

    @app.get("/pets/<int:pet_id>")
    def pet(path: PetPath, query: PetQuery) -> dict[str, int]:
        return {"id": path.pet_id, "limit": query.limit}

    shop = openapi3.APIBlueprint("shop", __name__, url_prefix="/shop")

    @shop.get("/items")
    def items() -> list[str]:
        return ["bowl", "leash"]

    app.register_api(shop)
    return app.test_client()


def test_flask_openapi3_validates_the_body(openapi3_client: AppClient) -> None:
    created = openapi3_client.post("/pets", json={"name": "Rex", "age": 3})
    assert created.status_code == 201
    assert created.get_json() == {"name": "Rex", "age": 3}
    invalid = openapi3_client.post("/pets", json={"age": "old"})
    assert invalid.status_code == 422
    errors = invalid.get_json()
    assert {tuple(e["loc"]) for e in errors} == {("name",), ("age",)}


def test_flask_openapi3_path_and_query_models(openapi3_client: AppClient) -> None:
    assert openapi3_client.get("/pets/7?limit=2").get_json() == {"id": 7, "limit": 2}
    assert openapi3_client.get("/pets/7?limit=many").status_code == 422


def test_flask_openapi3_blueprint_and_document(openapi3_client: AppClient) -> None:
    assert openapi3_client.get("/shop/items").get_json() == ["bowl", "leash"]
    spec = openapi3_client.get("/openapi/openapi.json").get_json()
    assert spec["info"] == {"title": "Pets", "version": "1"}
    assert set(spec["paths"]) == {"/pets", "/pets/{pet_id}", "/shop/items"}


# -- Flask-Marshmallow ---------------------------------------------------------


@pytest.fixture(scope="module")
def marshmallow_client() -> AppClient:
    """Users dumped with a Flask-Marshmallow schema whose ``URLFor`` and
    ``Hyperlinks`` fields build URLs with ``url_for``."""
    flask = load("flask")
    flask_marshmallow = load("flask_marshmallow")

    app = flask.Flask(__name__)
    ma = flask_marshmallow.Marshmallow(app)
    people = {1: {"id": 1, "name": "Ann"}, 2: {"id": 2, "name": "Bob"}}

    class UserSchema(ma.Schema):  # type: ignore[misc, name-defined]
        id = ma.Integer()
        name = ma.String()
        url = ma.URLFor("user", values={"user_id": "<id>"})
        links = ma.Hyperlinks(
            {
                "self": ma.AbsoluteURLFor("user", values={"user_id": "<id>"}),
                "collection": ma.URLFor("users"),
            }
        )

    schema = UserSchema()

    @app.get("/users/")
    def users() -> t.Any:
        return flask.jsonify(schema.dump(people.values(), many=True))

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> t.Any:
        return schema.dump(people[user_id])

    return app.test_client()


def test_flask_marshmallow_url_fields_use_url_for(
    marshmallow_client: AppClient,
) -> None:
    assert marshmallow_client.get("/users/2").get_json() == {
        "id": 2,
        "name": "Bob",
        "url": "/users/2",
        "links": {"self": "http://localhost/users/2", "collection": "/users/"},
    }


def test_flask_marshmallow_dumps_many(marshmallow_client: AppClient) -> None:
    data = marshmallow_client.get("/users/").get_json()
    assert [user["url"] for user in data] == ["/users/1", "/users/2"]


def test_flask_marshmallow_registers_itself(marshmallow_client: AppClient) -> None:
    app = marshmallow_client.application
    assert "flask-marshmallow" in app.extensions
