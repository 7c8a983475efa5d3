"""The bookshelf of ``examples/api`` (the "Typed APIs" page walks through
it) works end to end, on both transports: typed bodies, query parameters
and headers; every bad field listed in one 422; the 400, 401, 404 and 415
answers as problem details; and its OpenAPI 3.1 document and /docs page.
And the page shows every file of the example whole."""

from __future__ import annotations

import io
import re
import typing as t
from pathlib import Path

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from examples.api import create_app
from framework.testing import AppClient

pytestmark = pytest.mark.usefixtures("transport")

TOKEN = {"Authorization": "Bearer test-token"}
DUNE: dict[str, t.Any] = {
    "title": "Dune",
    "authors": [{"name": "Frank Herbert", "born": 1920}],
    "year": 1965,
    "tags": ["sf", "classic"],
}
PROBLEM = "application/problem+json"


@pytest.fixture
def client() -> AppClient:
    app = create_app(
        {
            "TESTING": True,
            "BOOKSHELF_TOKEN": "test-token",
            "API_VALIDATE_RESPONSES": True,
        }
    )
    return app.test_client()


def test_a_created_book_is_shown_at_its_location(client: AppClient) -> None:
    created = client.post("/books/", json=DUNE, headers=TOKEN)
    assert created.status_code == 201
    assert created.json == {**DUNE, "id": 4}  # after the three seeded books
    assert created.headers["Location"] == "/books/4"
    assert client.get("/books/4").json == created.json


def test_an_idempotency_key_makes_a_retry_safe(client: AppClient) -> None:
    headers = {**TOKEN, "Idempotency-Key": "abc"}
    first = client.post("/books/", json=DUNE, headers=headers)
    again = client.post("/books/", json=DUNE, headers=headers)
    assert first.json == again.json
    assert client.get("/books/?per-page=100").json["total"] == 4


def test_listing_with_query_parameters(client: AppClient) -> None:
    client.post("/books/", json=DUNE, headers=TOKEN)
    found = client.get("/books/?tag=sf&tag=classic&author=HERB&since=1900")
    assert found.status_code == 200
    assert found.json == {
        "items": [{**DUNE, "id": 4}],
        "total": 1,
        "page": 1,
        "per_page": 20,
    }
    paged = client.get("/books/?sort=year&per-page=2&page=2").json
    assert [book["year"] for book in paged["items"]] == [1980, 1985]
    assert (paged["total"], paged["page"], paged["per_page"]) == (4, 2, 2)


def test_a_422_lists_every_bad_field_by_pointer(client: AppClient) -> None:
    bad = {
        "title": "",
        "authors": [{"name": ""}, {"name": "Ok", "born": "1920"}],
        "year": 3000,
        "tags": ["x" * 31],
        "isbn": "0441013597",
    }
    response = client.post("/books/", json=bad, headers=TOKEN)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    assert response.json["detail"] == "6 fields are invalid."
    assert [(e["in"], e["pointer"]) for e in response.json["errors"]] == [
        ("body", "#/title"),
        ("body", "#/authors/0/name"),
        ("body", "#/authors/1/born"),
        ("body", "#/year"),
        ("body", "#/tags/0"),
        ("body", "#/isbn"),
    ]


def test_a_422_lists_every_bad_query_parameter(client: AppClient) -> None:
    response = client.get("/books/?page=0&per-page=many&sort=pages")
    assert response.status_code == 422
    assert [(e["in"], e["name"]) for e in response.json["errors"]] == [
        ("query", "page"),
        ("query", "per-page"),
        ("query", "sort"),
    ]


def test_malformed_json_is_a_400(client: AppClient) -> None:
    response = client.post(
        "/books/", data=b'{"title": ', content_type="application/json", headers=TOKEN
    )
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert response.json["detail"].startswith("The body is not valid JSON")


def test_a_body_of_another_content_type_is_a_415(client: AppClient) -> None:
    response = client.post(
        "/books/", data="title=Dune", content_type="text/plain", headers=TOKEN
    )
    assert response.status_code == 415
    assert response.mimetype == PROBLEM


def test_an_unknown_book_is_a_404_problem(client: AppClient) -> None:
    for response in (
        client.get("/books/99"),
        client.delete("/books/99", headers=TOKEN),
        client.get("/books/99/reviews/"),
    ):
        assert response.status_code == 404
        assert response.mimetype == PROBLEM
        assert response.json["detail"] == "No book has the id 99."


def test_writes_need_the_token(client: AppClient) -> None:
    response = client.post("/books/", json=DUNE)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.mimetype == PROBLEM
    wrong = {"Authorization": "Bearer nope"}
    assert client.delete("/books/1", headers=wrong).status_code == 401
    assert client.get("/books/1").status_code == 200


def test_the_method_view_replaces_and_removes(client: AppClient) -> None:
    replaced = client.put("/books/1", json=DUNE, headers=TOKEN)
    assert replaced.json == {**DUNE, "id": 1}
    assert client.put("/books/1", json={}, headers=TOKEN).status_code == 422
    removed = client.delete("/books/1", headers=TOKEN)
    assert removed.json == {**DUNE, "id": 1}
    assert client.get("/books/1").status_code == 404


def test_async_review_views(client: AppClient) -> None:
    for stars in (5, 2):
        created = client.post("/books/2/reviews/", json={"stars": stars}, headers=TOKEN)
        assert created.status_code == 201
    assert created.json == {"stars": 2, "text": "", "id": 2, "book_id": 2}
    listed = client.get("/books/2/reviews/?min_stars=4")
    assert listed.headers["X-Total-Count"] == "1"
    assert [review["stars"] for review in listed.json] == [5]
    refused = client.post("/books/2/reviews/", json={"stars": 6}, headers=TOKEN)
    assert refused.json["errors"][0]["pointer"] == "#/stars"


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _image(data: bytes = PNG, name: str = "cover.png") -> dict[str, t.Any]:
    return {"image": (io.BytesIO(data), name)}


def test_a_cover_is_uploaded_shown_and_removed(client: AppClient) -> None:
    uploaded = client.put("/books/1/cover", data=_image(), headers=TOKEN)
    assert (uploaded.status_code, uploaded.data) == (204, b"")
    shown = client.get("/books/1/cover")
    assert (shown.mimetype, shown.data) == ("image/png", PNG)
    jpeg = b"\xff\xd8\xff\xe0" + bytes(64)
    client.put("/books/1/cover", data=_image(jpeg, "c.jpg"), headers=TOKEN)
    assert client.get("/books/1/cover").mimetype == "image/jpeg"
    assert client.delete("/books/1/cover", headers=TOKEN).status_code == 204
    gone = client.get("/books/1/cover")
    assert (gone.status_code, gone.mimetype) == (404, PROBLEM)
    assert gone.json["detail"] == "The book 1 has no cover."


def test_a_cover_goes_with_its_book(client: AppClient) -> None:
    client.put("/books/2/cover", data=_image(), headers=TOKEN)
    client.delete("/books/2", headers=TOKEN)
    assert client.get("/books/2/cover").json["detail"] == "No book has the id 2."


def test_a_bad_cover_upload_gets_the_right_4xx(client: AppClient) -> None:
    not_an_image = client.put(
        "/books/1/cover", data=_image(b"GIF89a...", "c.png"), headers=TOKEN
    )
    assert not_an_image.status_code == 422
    assert not_an_image.json["errors"] == [
        {"in": "body", "pointer": "#/image", "detail": "Expected a PNG or JPEG image"}
    ]
    text = client.put("/books/1/cover", data={"image": "a text field"}, headers=TOKEN)
    assert text.status_code == 422
    assert text.json["errors"][0]["pointer"] == "#/image"
    as_json = client.put("/books/1/cover", json={"image": "x"}, headers=TOKEN)
    assert as_json.status_code == 415
    # The form written out by hand: werkzeug's client spools a multipart
    # body over 500 kB to a temporary file it never closes.
    boundary = "cover"
    too_big = client.put(
        "/books/1/cover",
        data=(
            f"--{boundary}\r\nContent-Disposition: form-data; name=image;"
            f" filename=c.png\r\n\r\n"
        ).encode()
        + PNG
        + bytes(3 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode(),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers=TOKEN,
    )
    assert (too_big.status_code, too_big.mimetype) == (413, PROBLEM)
    assert (
        client.put("/books/99/cover", data=_image(), headers=TOKEN).status_code == 404
    )
    assert client.put("/books/1/cover", data=_image()).status_code == 401
    assert client.get("/books/1/cover").status_code == 404


def test_the_openapi_document_is_valid_and_complete(client: AppClient) -> None:
    document = client.get("/openapi.json").json
    OpenAPIV31SpecValidator(document).validate()
    assert document["info"]["title"] == "Bookshelf"
    assert [tag["name"] for tag in document["tags"]] == ["books", "reviews", "covers"]
    paths = document["paths"]
    assert set(paths["/books/{book_id}"]) == {"get", "put", "delete"}
    cover = paths["/books/{book_id}/cover"]
    assert set(cover) == {"get", "put", "delete"}
    assert list(cover["put"]["requestBody"]["content"]) == ["multipart/form-data"]
    assert "204" in cover["put"]["responses"] and "204" in cover["delete"]["responses"]
    # The untyped GET is listed from its rule and docstring.
    assert cover["get"]["summary"] == "A book's cover image, as uploaded."
    create = paths["/books/"]["post"]
    assert create["security"] == [{"token": []}]
    assert "dune" in create["requestBody"]["content"]["application/json"]["examples"]
    assert {"201", "401", "422"} <= set(create["responses"])
    listing = paths["/books/"]["get"]
    assert [p["name"] for p in listing["parameters"]] == [
        "page",
        "per-page",
        "author",
        "tag",
        "since",
        "sort",
    ]


def test_the_docs_page_is_served(client: AppClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/openapi.json" in page.text


@pytest.mark.one_transport
def test_a_new_app_has_a_shelf_of_its_own() -> None:
    first, second = create_app(), create_app()
    first.extensions["bookshelf"].books.clear()
    assert len(second.extensions["bookshelf"].books) == 3


ROOT = Path(__file__).resolve().parent.parent
#: A literalinclude of the example, and its option lines.
_INCLUDE = re.compile(
    r"^\.\. literalinclude:: \.\./examples/api/(\S+)\n((?:   :.*\n)*)", re.M
)


@pytest.mark.one_transport
def test_the_page_shows_every_file_of_the_example_whole() -> None:
    page = (ROOT / "docs" / "typed-apis.rst").read_text(encoding="utf-8")
    whole = {
        name
        for name, options in _INCLUDE.findall(page)
        # Only a caption: the whole file, not a part of it.
        if all(line.strip().startswith(":caption:") for line in options.splitlines())
    }
    files = {path.name for path in (ROOT / "examples" / "api").glob("*.py")}
    assert files - whole == set(), "add a literalinclude of the whole file"
