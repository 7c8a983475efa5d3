"""The example app served by ``make run`` works end to end."""

from __future__ import annotations

from examples.hello import app


def test_index_lists_books_with_links() -> None:
    response = app.test_client().get("/")
    assert response.status_code == 200
    assert b'<a href="/api/books/1">' in response.data


def test_json_book_and_custom_404() -> None:
    client = app.test_client()
    assert client.get("/api/books/2").json["author"] == "Italo Calvino"
    missing = client.get("/api/books/999")
    assert missing.status_code == 404
    assert missing.json == {"error": "not found", "path": "/api/books/999"}


def test_create_book_and_reject_bad_json() -> None:
    client = app.test_client()
    created = client.post("/api/books", json={"title": "Ficciones"})
    assert created.status_code == 201
    assert client.get(created.headers["Location"]).json["title"] == "Ficciones"
    bad = client.post("/api/books", data="{oops", content_type="application/json")
    assert bad.status_code == 400
    assert client.post("/api/books", json=["not", "an", "object"]).status_code == 400


def test_timing_header_from_hooks() -> None:
    response = app.test_client().get("/api/books")
    assert response.headers["Server-Timing"].startswith("app;dur=")
