"""framework_api: the inputs beyond scalars and JSON bodies, through real
apps and the test client on both transports: query, header and cookie
models, files in forms, and ``-> None`` views answering 204."""

from __future__ import annotations

import dataclasses
import functools
import io
import typing as t
from typing import Annotated

import attrs
import msgspec
import pytest
from framework_api import (
    PROBLEM_MEDIA_TYPE,
    Api,
    Body,
    Cookie,
    Form,
    Header,
    HeaderParam,
    Query,
    QueryParam,
)
from msgspec import Meta
from openapi_spec_validator import OpenAPIV31SpecValidator
from werkzeug.datastructures import FileStorage

from framework import App, Response, abort, redirect, request

pytestmark = pytest.mark.usefixtures("transport")


def make_app() -> App:
    app = App(__name__)
    app.testing = True
    Api(app)
    return app


# -- query, header and cookie models --------------------------------------


class Filters(msgspec.Struct):
    q: str
    page: Annotated[int, Meta(ge=1)] = 1
    tags: list[str] = []
    sort: t.Literal["name", "price"] = "name"


@dataclasses.dataclass
class Paging:
    limit: int = 10
    after: str | None = None


@attrs.define
class Range:
    low: float = 0.0
    high: float = 100.0


class Flags(t.TypedDict, total=False):
    verbose: bool
    dry_run: bool


class Tracing(msgspec.Struct):
    x_request_id: str
    x_retries: Annotated[int, Meta(le=3)] = 0


class Session(msgspec.Struct):
    session_id: str
    theme: str = "light"


class NewItem(msgspec.Struct):
    name: str


class Window(msgspec.Struct, rename="kebab"):
    page_size: int = 20


class Client(msgspec.Struct, rename="kebab"):
    client_version: str


class Nested(msgspec.Struct):
    inner: Filters


class Login(msgspec.Struct):
    user: str


def test_a_query_model_takes_each_field_from_its_key() -> None:
    app = make_app()
    seen: list[t.Any] = []

    @app.get("/items")
    def search(filters: Query[Filters]) -> None:
        seen.append(filters)

    client = app.test_client()
    response = client.get("/items?q=pen&page=2&tags=a&tags=b&sort=price&other=x")
    assert response.status_code == 204
    assert seen == [Filters(q="pen", page=2, tags=["a", "b"], sort="price")]
    assert client.get("/items?q=ink").status_code == 204
    assert seen[-1] == Filters(q="ink")


def test_a_query_model_may_be_a_dataclass_an_attrs_class_or_a_typeddict() -> None:
    app = make_app()
    seen: list[t.Any] = []

    @app.get("/")
    def view(paging: Query[Paging], range: Query[Range], flags: Query[Flags]) -> None:
        seen.append((paging, range, flags))

    client = app.test_client()
    assert client.get("/").status_code == 204
    assert client.get("/?limit=5&after=k&low=1.5&verbose=true").status_code == 204
    assert seen == [
        (Paging(), Range(), {}),
        (Paging(limit=5, after="k"), Range(low=1.5), {"verbose": True}),
    ]


def test_header_and_cookie_models_beside_a_query_model_and_scalars() -> None:
    app = make_app()
    seen: list[t.Any] = []

    @app.get("/items/<int:item_id>")
    async def show(
        item_id: int,
        filters: Query[Filters],
        tracing: Header[Tracing],
        session: Cookie[Session],
        full: Query[bool] = False,
    ) -> None:
        seen.append((item_id, filters, tracing, session, full))

    client = app.test_client()
    client.set_cookie("session_id", "s1")
    response = client.get(
        "/items/3?q=pen&full=true",
        headers={"x-request-id": "r1", "X-Retries": "2"},
    )
    assert response.status_code == 204
    assert seen == [
        (3, Filters(q="pen"), Tracing("r1", 2), Session("s1"), True),
    ]


def test_every_bad_field_of_every_model_is_named_by_its_key() -> None:
    app = make_app()

    @app.get("/items")
    def search(
        filters: Query[Filters], tracing: Header[Tracing], session: Cookie[Session]
    ) -> None: ...

    client = app.test_client()
    response = client.get(
        "/items?page=0&sort=size&tags=a", headers={"X-Retries": "many"}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"] == [
        {"in": "query", "name": "q", "detail": "Missing required query parameter `q`"},
        {"in": "query", "name": "page", "detail": "Expected `int` >= 1"},
        {
            "in": "query",
            "name": "sort",
            "detail": "Invalid enum value 'size'",
        },
        {
            "in": "header",
            "name": "X-Request-Id",
            "detail": "Missing required header `X-Request-Id`",
        },
        {"in": "header", "name": "X-Retries", "detail": "Expected `int`, got `str`"},
        {
            "in": "cookie",
            "name": "session_id",
            "detail": "Missing required cookie `session_id`",
        },
    ]


def test_a_model_and_a_scalar_are_checked_together_with_the_body() -> None:
    app = make_app()

    @app.post("/items")
    def create(body: NewItem, filters: Query[Filters], page_size: Query[int]) -> None:
        pass

    client = app.test_client()
    response = client.post("/items?page_size=x", json={"name": 1})
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"in": "query", "name": "q", "detail": "Missing required query parameter `q`"},
        {"in": "query", "name": "page_size", "detail": "Expected `int`, got `str`"},
        {"in": "body", "pointer": "#/name", "detail": "Expected `str`, got `int`"},
    ]
    assert client.post("/items?q=a&page_size=3", json={"name": "a"}).status_code == 204


def test_a_renamed_struct_field_is_read_by_its_new_name() -> None:
    app = make_app()
    seen: list[t.Any] = []

    @app.get("/")
    def view(window: Query[Window]) -> None:
        seen.append(window)

    client = app.test_client()
    assert client.get("/?page-size=5").status_code == 204
    assert client.get("/?page_size=7").status_code == 204
    assert seen == [Window(5), Window(20)]
    bad = client.get("/?page-size=x")
    assert bad.get_json()["errors"] == [
        {"in": "query", "name": "page-size", "detail": "Expected `int`, got `str`"}
    ]


def test_a_renamed_header_field_is_named_in_header_case() -> None:
    app = make_app()
    seen: list[t.Any] = []

    @app.get("/")
    def view(client: Header[Client]) -> None:
        seen.append(client)

    test_client = app.test_client()
    assert test_client.get("/", headers={"client-version": "2"}).status_code == 204
    assert seen == [Client("2")]
    missing = test_client.get("/").get_json()["errors"]
    assert [error["name"] for error in missing] == ["Client-Version"]


class ApiKeys(msgspec.Struct, rename="camel"):
    trace_id: str
    key: str = msgspec.field(name="X-API-Key")


def test_a_header_name_with_capitals_is_kept_as_written() -> None:
    app = make_app()

    @app.get("/")
    def view(keys: Header[ApiKeys]) -> Tag:
        return Tag(name=f"{keys.trace_id}/{keys.key}")

    client = app.test_client()
    sent = client.get("/", headers={"traceid": "t", "x-api-key": "k"})
    assert sent.json == {"name": "t/k"}
    missing = client.get("/").json["errors"]
    assert [error["name"] for error in missing] == ["traceId", "X-API-Key"]
    parameters = client.get("/openapi.json").json["paths"]["/"]["get"]["parameters"]
    assert [parameter["name"] for parameter in parameters] == ["traceId", "X-API-Key"]


try:
    import pydantic
except ImportError:  # pragma: no cover - pydantic is in the dev extras
    pydantic = None
else:

    class PydFilters(pydantic.BaseModel):
        q: str
        page: int = pydantic.Field(default=1, ge=1)
        tags: list[str] = []


@pytest.mark.skipif(pydantic is None, reason="pydantic is not installed")
def test_a_pydantic_query_model_is_validated_by_pydantic() -> None:
    app = make_app()
    seen: list[t.Any] = []

    @app.get("/items")
    def search(filters: Query[PydFilters], full: Query[bool] = False) -> None:
        seen.append((filters, full))

    client = app.test_client()
    assert client.get("/items?q=pen&page=2&tags=a&tags=b").status_code == 204
    assert seen == [(PydFilters(q="pen", page=2, tags=["a", "b"]), False)]
    bad = client.get("/items?page=0&full=maybe")
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert [(e["in"], e["name"]) for e in errors] == [
        ("query", "full"),
        ("query", "q"),
        ("query", "page"),
    ]
    pydantic_only = client.get("/items?page=0")
    assert [e["name"] for e in pydantic_only.get_json()["errors"]] == ["q", "page"]


@dataclasses.dataclass
class Bounds:
    low: int = 0
    high: int = 10

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low is above high")


def test_a_models_own_check_is_named_by_where_the_model_was_read() -> None:
    app = make_app()

    @app.get("/headers")
    def by_headers(window: Header[Bounds]) -> Tag:
        return Tag(name=str(window.low))

    @app.get("/cookies")
    def by_cookies(window: Cookie[Bounds], q: Query[int] = 0) -> Tag:
        return Tag(name=str(window.low))

    client = app.test_client()
    bad = client.get("/headers", headers={"Low": "5", "High": "1"})
    assert bad.json["errors"] == [
        {"in": "header", "name": "", "detail": "low is above high"}
    ]
    client.set_cookie("low", "5")
    client.set_cookie("high", "1")
    assert client.get("/cookies").json["errors"] == [
        {"in": "cookie", "name": "", "detail": "low is above high"}
    ]
    assert client.get("/headers", headers={"Low": "1"}).json == {"name": "1"}


@pytest.mark.one_transport
def test_models_that_cannot_be_parameters_fail_at_setup() -> None:
    def fails(register: t.Callable[[App], None], match: str) -> None:
        app = make_app()
        register(app)
        with pytest.raises(TypeError, match=match):
            app.test_client().get("/")

    def nested(app: App) -> None:
        @app.get("/")
        def view(a: Query[Nested]) -> None: ...

    def defaulted(app: App) -> None:
        @app.get("/")
        def view(a: Query[Filters] = Filters(q="")) -> None:  # noqa: B008
            ...

    def renamed(app: App) -> None:
        @app.get("/")
        def view(a: Annotated[Filters, QueryParam(name="f")]) -> None: ...

    def two_groups(app: App) -> None:
        @app.get("/")
        def view(a: Query[Filters], b: Query[Filters]) -> None: ...

    def group_and_scalar(app: App) -> None:
        @app.get("/")
        def view(a: Query[Filters], page: Query[int] = 1) -> None: ...

    def headers_ignore_case(app: App) -> None:
        @app.get("/")
        def view(
            a: Header[Tracing],
            b: Annotated[str | None, HeaderParam(name="x-request-id")] = None,
        ) -> None: ...

    def optional_model(app: App) -> None:
        @app.get("/")
        def view(a: Query[Filters | None] = None) -> None: ...

    def file_in_query(app: App) -> None:
        @app.get("/")
        def view(a: Query[Upload]) -> None: ...

    def file_in_json(app: App) -> None:
        @app.post("/")
        def view(a: Upload) -> None: ...

    def file_in_optional_json(app: App) -> None:
        @app.post("/")
        def view(a: Upload | None = None) -> None: ...

    def file_in_a_list(app: App) -> None:
        @app.post("/")
        def view(a: Body[list[Upload]]) -> None: ...

    def file_in_a_nested_model(app: App) -> None:
        @app.post("/")
        def view(a: Shipment) -> None: ...

    fails(nested, "field 'inner' of the query model of parameter 'a' is a model or")
    fails(defaulted, "model parameter 'a' has a default")
    fails(renamed, "name= has no meaning")
    fails(two_groups, "field 'q' of parameter 'a' and field 'q' of parameter 'b'")
    fails(group_and_scalar, "field 'page' of parameter 'a' and parameter 'page'")
    fails(headers_ignore_case, "both read the header 'x-request-id'")
    fails(optional_model, "takes a model class itself")
    fails(file_in_query, "is a model or a file")
    for holds_a_file in (
        file_in_json,
        file_in_optional_json,
        file_in_a_list,
        file_in_a_nested_model,
    ):
        fails(holds_a_file, "'a' holds an uploaded file; files come in a form")


def test_the_document_lists_each_field_as_a_parameter() -> None:
    app = make_app()

    @app.get("/items")
    def search(filters: Query[Filters], tracing: Header[Tracing]) -> None: ...

    spec = app.test_client().get("/openapi.json").get_json()
    assert list(OpenAPIV31SpecValidator(spec).iter_errors()) == []
    parameters = spec["paths"]["/items"]["get"]["parameters"]
    assert [(p["name"], p["in"], p["required"]) for p in parameters] == [
        ("q", "query", True),
        ("page", "query", False),
        ("tags", "query", False),
        ("sort", "query", False),
        ("X-Request-Id", "header", True),
        ("X-Retries", "header", False),
    ]
    assert parameters[1]["schema"] == {"type": "integer", "minimum": 1, "default": 1}
    assert parameters[2]["schema"] == {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
    }
    assert "422" in spec["paths"]["/items"]["get"]["responses"]


# -- files in forms -------------------------------------------------------


class Upload(msgspec.Struct):
    title: str
    document: FileStorage
    preview: FileStorage | None = None
    attachments: list[FileStorage] = []


class Shipment(msgspec.Struct):
    label: str
    upload: Upload


def _file(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


@pytest.fixture(params=["sync", "async"])
def upload_app(request: pytest.FixtureRequest) -> App:
    app = make_app()

    def describe(data: Upload) -> dict[str, t.Any]:
        return {
            "title": data.title,
            "document": [data.document.filename, data.document.read().decode()],
            "preview": data.preview.filename if data.preview else None,
            "attachments": [f.filename for f in data.attachments],
        }

    if request.param == "sync":

        @app.post("/upload")
        def upload(data: Form[Upload]) -> Response:
            return app.json.response(describe(data))

    else:

        @app.post("/upload")
        async def upload_async(data: Form[Upload]) -> Response:
            return app.json.response(describe(data))

    return app


def test_file_fields_bind_from_the_uploaded_files(upload_app: App) -> None:
    client = upload_app.test_client()
    response = client.post(
        "/upload",
        data={
            "title": "report",
            "document": _file(b"hello", "report.txt"),
            "attachments": [_file(b"1", "a.png"), _file(b"2", "b.png")],
        },
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "title": "report",
        "document": ["report.txt", "hello"],
        "preview": None,
        "attachments": ["a.png", "b.png"],
    }
    one = client.post(
        "/upload",
        data={
            "title": "r",
            "document": _file(b"x", "d.txt"),
            "preview": _file(b"p", "p.png"),
        },
    )
    assert one.get_json()["preview"] == "p.png"


def test_a_missing_file_and_a_text_in_a_files_place_are_422(upload_app: App) -> None:
    client = upload_app.test_client()
    missing = client.post(
        "/upload", data={"title": "t", "preview": _file(b"p", "p.png")}
    )
    assert missing.status_code == 422
    assert missing.get_json()["errors"] == [
        {
            "in": "body",
            "pointer": "#/document",
            "detail": "Object missing required field `document`",
        }
    ]
    text = client.post(
        "/upload",
        data={"title": "t", "document": "not a file", "attachments": "nor this"},
    )
    assert text.status_code == 422
    assert text.get_json()["errors"] == [
        {
            "in": "body",
            "pointer": "#/document",
            "detail": "Expected `FileStorage`, got `str`",
        },
        {
            "in": "body",
            "pointer": "#/attachments/0",
            "detail": "Expected `FileStorage`, got `str`",
        },
    ]


def test_an_empty_file_input_is_no_file(upload_app: App) -> None:
    # What a browser sends for a file input left empty: a part with an
    # empty file name.
    client = upload_app.test_client()
    response = client.post(
        "/upload",
        data={
            "title": "t",
            "document": _file(b"d", "d.txt"),
            "preview": _file(b"", ""),
        },
    )
    assert response.status_code == 200
    assert response.get_json()["preview"] is None
    empty = client.post("/upload", data={"title": "t", "document": _file(b"", "")})
    assert empty.status_code == 422
    assert empty.get_json()["errors"][0]["pointer"] == "#/document"


def test_an_upload_over_the_limit_is_413_not_500(upload_app: App) -> None:
    upload_app.config["MAX_CONTENT_LENGTH"] = 1000
    client = upload_app.test_client()
    response = client.post(
        "/upload", data={"title": "t", "document": _file(b"x" * 5000, "big.bin")}
    )
    assert (response.status_code, response.mimetype) == (413, PROBLEM_MEDIA_TYPE)


def test_a_form_over_the_part_or_field_limits_is_413_not_500(upload_app: App) -> None:
    upload_app.config["MAX_FORM_PARTS"] = 3
    upload_app.config["MAX_FORM_MEMORY_SIZE"] = 2000
    client = upload_app.test_client()

    def post(title: str = "t", attachments: int = 0) -> int:
        files = [_file(b"a", f"{n}.png") for n in range(attachments)]
        data = {"title": title, "document": _file(b"d", "d.txt"), "attachments": files}
        return client.post("/upload", data=data).status_code

    assert post(attachments=1) == 200
    assert post(attachments=2) == 413
    assert post(title="t" * 5000) == 413


def test_a_broken_or_oversized_body_is_a_problem_not_werkzeugs_page() -> None:
    app = make_app()
    app.config["MAX_CONTENT_LENGTH"] = 1000

    @app.put("/upload")
    def upload(data: Form[Upload]) -> None:
        pass

    @app.put("/json")
    def put_json(body: Tag) -> None:
        pass

    @app.put("/json-and-query")
    async def put_both(body: Tag, dry_run: Query[bool] = False) -> None:
        pass

    client = app.test_client()
    for content_type in ("multipart/form-data", "multipart/form-data; boundary=x"):
        broken = client.put("/upload", data=b"--x\r\njunk", content_type=content_type)
        assert (broken.status_code, broken.mimetype) == (400, PROBLEM_MEDIA_TYPE)
        assert broken.json["detail"] == "The multipart/form-data body is malformed."
    big = b'{"name": "' + b"x" * 2000 + b'"}'
    for response in (
        client.put("/upload", data={"title": "t", "document": _file(bytes(2000), "a")}),
        client.put("/json", data=big, content_type="application/json"),
        client.put("/json-and-query", data=big, content_type="application/json"),
    ):
        assert (response.status_code, response.mimetype) == (413, PROBLEM_MEDIA_TYPE)
        assert response.json["title"] == "Content Too Large"


def test_the_apps_413_handler_answers_an_oversized_body() -> None:
    app = make_app()
    app.config["MAX_CONTENT_LENGTH"] = 10
    app.register_error_handler(413, lambda e: ("too big", 413))

    @app.put("/json")
    def put_json(body: Tag) -> None:
        pass

    answered = app.test_client().put("/json", json={"name": "x" * 20})
    assert (answered.status_code, answered.text) == (413, "too big")


def test_an_empty_form_for_an_optional_one_is_the_views_default() -> None:
    app = make_app()

    @app.post("/search")
    def search(data: Form[Upload | None] = None) -> Tag:
        return Tag(name="none" if data is None else data.title)

    client = app.test_client()
    form = "application/x-www-form-urlencoded"
    assert client.post("/search", data=b"", content_type=form).json == {"name": "none"}
    assert client.post("/search").json == {"name": "none"}
    partial = client.post("/search", data={"title": "t"})
    assert partial.status_code == 422
    assert partial.json["errors"][0]["pointer"] == "#/document"


def test_an_upload_as_json_or_urlencoded_is_refused(upload_app: App) -> None:
    client = upload_app.test_client()
    assert client.post("/upload", json={"title": "t"}).status_code == 415
    urlencoded = client.post(
        "/upload", data="title=t", content_type="application/x-www-form-urlencoded"
    )
    assert urlencoded.status_code == 422
    assert urlencoded.get_json()["errors"][0]["pointer"] == "#/document"


@dataclasses.dataclass
class Avatar:
    user: str
    image: FileStorage


def test_a_dataclass_form_with_a_file(upload_app: App) -> None:
    app = make_app()

    @app.post("/avatar")
    def avatar(data: Form[Avatar]) -> Response:
        return app.json.response([data.user, data.image.filename])

    response = app.test_client().post(
        "/avatar", data={"user": "ann", "image": _file(b"png", "me.png")}
    )
    assert response.get_json() == ["ann", "me.png"]


@pytest.mark.skipif(pydantic is None, reason="pydantic is not installed")
def test_a_pydantic_query_models_constraints_are_documented() -> None:
    app = make_app()

    @app.get("/items")
    def search(filters: Query[PydFilters]) -> None: ...

    document = app.test_client().get("/openapi.json").json
    OpenAPIV31SpecValidator(document).validate()
    schemas = {
        parameter["name"]: parameter["schema"]
        for parameter in document["paths"]["/items"]["get"]["parameters"]
    }
    assert schemas["page"] == {"type": "integer", "minimum": 1, "default": 1}
    assert schemas["q"] == {"type": "string"}


if pydantic is not None:

    class PydUpload(pydantic.BaseModel):
        model_config = pydantic.ConfigDict(arbitrary_types_allowed=True)
        title: str
        document: FileStorage
        attachments: list[FileStorage] = []


@pytest.mark.skipif(pydantic is None, reason="pydantic is not installed")
def test_a_pydantic_form_with_files_is_bound_and_documented() -> None:
    app = make_app()

    @app.post("/upload")
    def upload(data: Form[PydUpload]) -> Tag:
        return Tag(name=f"{data.title}:{data.document.filename}")

    client = app.test_client()
    sent = client.post("/upload", data={"title": "t", "document": _file(b"d", "d.txt")})
    assert sent.json == {"name": "t:d.txt"}
    missing = client.post("/upload", data={"title": "t"})
    assert missing.status_code == 422
    assert missing.json["errors"][0]["pointer"] == "#/document"
    document = client.get("/openapi.json").json
    OpenAPIV31SpecValidator(document).validate()
    properties = document["components"]["schemas"]["PydUpload"]["properties"]
    assert properties["document"]["format"] == "binary"
    assert properties["attachments"]["items"]["format"] == "binary"
    body = document["paths"]["/upload"]["post"]["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]


def test_the_document_says_multipart_and_binary_for_a_form_with_files() -> None:
    app = make_app()

    @app.post("/upload")
    def upload(data: Form[Upload]) -> None: ...

    @app.post("/login")
    def login(data: Form[Login]) -> None: ...

    spec = app.test_client().get("/openapi.json").get_json()
    assert list(OpenAPIV31SpecValidator(spec).iter_errors()) == []
    content = spec["paths"]["/upload"]["post"]["requestBody"]["content"]
    assert list(content) == ["multipart/form-data"]
    properties = spec["components"]["schemas"]["Upload"]["properties"]
    binary = {"type": "string", "format": "binary"}
    assert properties["document"] == binary
    assert properties["preview"] == {
        "anyOf": [binary, {"type": "null"}],
        "default": None,
    }
    assert properties["attachments"] == {
        "type": "array",
        "items": binary,
        "default": [],
    }
    assert list(spec["paths"]["/login"]["post"]["requestBody"]["content"]) == [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ]


# -- views annotated -> None ------------------------------------------------


def test_a_path_only_view_returning_none_answers_204() -> None:
    app = make_app()
    items = {1: "pen", 2: "ink"}

    @app.delete("/items/<int:item_id>")
    def delete(item_id: int) -> None:
        if item_id not in items:
            abort(404)
        del items[item_id]

    @app.post("/items/<int:item_id>/move")
    async def move(item_id: int) -> None:
        if item_id == 2:
            return redirect("/elsewhere")  # type: ignore[return-value]
        return None

    @app.get("/old/<int:item_id>")
    def old(item_id: int) -> None:
        return Response("gone", 410)  # type: ignore[return-value]

    client = app.test_client()
    response = client.delete("/items/1")
    assert (response.status_code, response.data) == (204, b"")
    assert "Content-Type" not in response.headers
    assert items == {2: "ink"}
    assert client.delete("/items/1").status_code == 404
    assert client.post("/items/1/move").status_code == 204
    moved = client.post("/items/2/move")
    assert (moved.status_code, moved.headers["Location"]) == (302, "/elsewhere")
    assert (client.get("/old/1").status_code, client.get("/old/1").data) == (
        410,
        b"gone",
    )


class Tag(msgspec.Struct):
    name: str


def _refused_without_token(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    # A Flask-style guard: its refusal is a (body, status) tuple.
    @functools.wraps(view)
    def guarded(**values: t.Any) -> t.Any:
        if "token" not in request.args:
            return "Forbidden", 403
        return view(**values)

    return guarded


@pytest.mark.parametrize("validate", [False, True])
def test_what_else_a_typed_view_returns_is_the_apps_to_answer(validate: bool) -> None:
    app = make_app()
    app.config["API_VALIDATE_RESPONSES"] = validate

    @app.delete("/items/<int:item_id>")
    @_refused_without_token
    def delete(item_id: int) -> None:
        pass

    @app.get("/items/<int:item_id>")
    @_refused_without_token
    def show(item_id: int) -> Tag:
        return Tag(name=str(item_id))

    @app.post("/items/<int:item_id>/note")
    def note(item_id: int) -> None:
        return "noted"  # type: ignore[return-value]

    client = app.test_client()
    for method, path in (("DELETE", "/items/1"), ("GET", "/items/1")):
        refused = client.open(path, method=method)
        assert (refused.status_code, refused.text) == (403, "Forbidden")
    assert client.delete("/items/1?token").status_code == 204
    assert client.get("/items/1?token").json == {"name": "1"}
    noted = client.post("/items/1/note")
    assert (noted.status_code, noted.text) == (200, "noted")


def test_none_views_are_documented_with_a_204() -> None:
    app = make_app()

    @app.delete("/items/<int:item_id>")
    def delete(item_id: int) -> None: ...

    @app.post("/ping")
    def ping() -> None: ...

    spec = app.test_client().get("/openapi.json").get_json()
    assert list(OpenAPIV31SpecValidator(spec).iter_errors()) == []
    assert spec["paths"]["/items/{item_id}"]["delete"]["responses"] == {
        "204": {"description": "No Content"}
    }
    assert spec["paths"]["/ping"]["post"]["responses"] == {
        "204": {"description": "No Content"}
    }


def test_without_an_api_a_none_view_is_the_apps_as_before() -> None:
    app = App(__name__)

    @app.delete("/items/<int:item_id>")
    def delete(item_id: int) -> None: ...

    app.testing = False
    assert app.test_client().delete("/items/1").status_code == 500
