"""The example app served by ``make run`` works end to end: two blueprints
with templates and static files, the JSON API, the HTML form with a flashed
message, and the error pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from examples.hello import app, create_app
from framework import App
from framework.testing import AppClient

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello"


@pytest.fixture
def client() -> AppClient:
    return app.test_client()


def test_the_app_is_built_from_blueprints() -> None:
    assert {"books", "api"} <= set(app.blueprints)
    assert app.secret_key


def test_create_app_builds_another_working_app() -> None:
    other = create_app()
    assert isinstance(other, App) and other is not app
    assert other.test_client().get("/api/books/1").json["id"] == 1


def test_root_redirects_to_the_book_list(client: AppClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/books/"


def test_book_list_uses_layout_links_and_static_files(client: AppClient) -> None:
    response = client.get("/books/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.text
    assert '<a href="/books/1">The Name of the Rose</a>' in page
    assert '<link rel="stylesheet" href="/static/style.css">' in page
    assert 'src="/books/static/book.svg"' in page
    assert '<a href="/api/">JSON API</a>' in page
    assert "<title>Books - Library</title>" in page


def test_static_files_of_the_app_and_a_blueprint(client: AppClient) -> None:
    css = client.get("/static/style.css", buffered=True)
    assert css.status_code == 200
    assert css.mimetype == "text/css"
    assert css.data == (EXAMPLE / "static" / "style.css").read_bytes()
    svg = client.get("/books/static/book.svg", buffered=True)
    assert svg.status_code == 200
    assert svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<svg")
    assert client.get("/books/static/../data.py").status_code == 404


def test_book_detail_page(client: AppClient) -> None:
    page = client.get("/books/2").text
    assert "<h1>Invisible Cities</h1>" in page
    assert "by Italo Calvino" in page
    assert '<a href="/api/books/2">' in page


def test_missing_book_page_renders_the_404_template(client: AppClient) -> None:
    for path in ("/books/999", "/nowhere", "/books/not-a-number"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "text/html"
        assert "<title>Not found - Library</title>" in response.text
        assert f"<code>{path}</code>" in response.text


def test_form_creates_a_book_and_flashes_a_message(client: AppClient) -> None:
    form = client.get("/books/new")
    assert form.status_code == 200
    assert '<form method="post" action="/books/new">' in form.text

    created = client.post(
        "/books/new", data={"title": "  Ficciones ", "author": "Jorge Luis Borges"}
    )
    assert created.status_code == 302
    location = created.headers["Location"]
    assert location.startswith("/books/")
    page = client.get(location).text
    assert "<h1>Ficciones</h1>" in page
    assert '<p class="flash">Added “Ficciones”.</p>' in page
    # A flashed message is shown once.
    assert "flash" not in client.get(location).text.split("<main>")[1]
    book_id = int(location.rsplit("/", 1)[1])
    assert client.get(f"/api/books/{book_id}").json == {
        "id": book_id,
        "title": "Ficciones",
        "author": "Jorge Luis Borges",
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Every book needs a title."),
        ({"title": "   "}, "Every book needs a title."),
        ({"title": "x" * 201}, "That title is too long"),
    ],
)
def test_form_rejects_a_bad_title(
    client: AppClient, data: dict[str, str], message: str
) -> None:
    before = len(client.get("/api/books").json)
    response = client.post("/books/new", data=data)
    assert response.status_code == 400
    assert f'<p class="error">{message}' in response.text
    assert len(client.get("/api/books").json) == before


def test_form_escapes_what_it_echoes(client: AppClient) -> None:
    response = client.post("/books/new", data={"title": "", "author": "<b>x</b>"})
    assert response.status_code == 400
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in response.text


def test_json_book_list_and_item(client: AppClient) -> None:
    books = client.get("/api/books")
    assert books.mimetype == "application/json"
    assert {"id": 1, "title": "The Name of the Rose", "author": "Umberto Eco"} in (
        books.json
    )
    assert client.get("/api/books/2").json["author"] == "Italo Calvino"


def test_api_errors_are_json_under_the_prefix(client: AppClient) -> None:
    for path in ("/api/books/999", "/api/nope", "/api/books/x"):
        missing = client.get(path)
        assert missing.status_code == 404
        assert missing.mimetype == "application/json"
        assert missing.json["error"] == "not found"
        assert missing.json["path"] == path
    not_allowed = client.delete("/api/books")
    assert not_allowed.status_code == 405
    assert not_allowed.json["error"] == "method not allowed"
    assert set(not_allowed.allow) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_api_index_page(client: AppClient) -> None:
    page = client.get("/api/").text
    assert '<a href="/api/books">/api/books</a>' in page


def test_create_book_and_reject_bad_json(client: AppClient) -> None:
    created = client.post("/api/books", json={"title": "Kindred", "author": None})
    assert created.status_code == 201
    assert client.get(created.headers["Location"]).json["title"] == "Kindred"
    bad = client.post("/api/books", data="{oops", content_type="application/json")
    assert bad.status_code == 400
    assert bad.json["error"] == "bad request"
    not_an_object = client.post("/api/books", json=["not", "an", "object"])
    assert not_an_object.status_code == 400
    assert "string 'title'" in not_an_object.json["message"]
    assert client.post("/api/books", json={"title": 5}).status_code == 400


def test_timing_header_from_hooks(client: AppClient) -> None:
    for path in ("/api/books", "/books/", "/nowhere"):
        response = client.get(path)
        assert response.headers["Server-Timing"].startswith("app;dur=")
