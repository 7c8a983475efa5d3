"""A small but real example app: HTML and JSON routes, a converter, hooks,
an error handler. ``make run`` serves it on 127.0.0.1:5000."""

from __future__ import annotations

import time
import typing as t

from framework import App, abort, g, request, url_for

app = App(__name__)

#: A stand-in for a database.
BOOKS: dict[int, dict[str, t.Any]] = {
    1: {"id": 1, "title": "The Name of the Rose", "author": "Umberto Eco"},
    2: {"id": 2, "title": "Invisible Cities", "author": "Italo Calvino"},
}


@app.before_request
def start_timer() -> None:
    g.started = time.perf_counter()


@app.after_request
def add_timing(response: t.Any) -> t.Any:
    elapsed_ms = (time.perf_counter() - g.started) * 1000
    response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.2f}"
    return response


@app.get("/")
def index() -> str:
    items = "".join(
        f'<li><a href="{url_for("book", book_id=b["id"])}">{b["title"]}</a></li>'
        for b in BOOKS.values()
    )
    return f"<h1>Books</h1><ul>{items}</ul><p><a href='{url_for('books')}'>JSON</a></p>"


@app.get("/api/books")
def books() -> list[dict[str, t.Any]]:
    return list(BOOKS.values())


@app.get("/api/books/<int:book_id>")
def book(book_id: int) -> dict[str, t.Any]:
    found = BOOKS.get(book_id)
    if found is None:
        abort(404)
    return found


@app.post("/api/books")
def add_book() -> tuple[dict[str, t.Any], int, dict[str, str]]:
    data = request.get_json()
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        abort(400, description="Send a JSON object with a string 'title'.")
    book_id = max(BOOKS, default=0) + 1
    BOOKS[book_id] = {
        "id": book_id,
        "title": data["title"],
        "author": data.get("author"),
    }
    return BOOKS[book_id], 201, {"Location": url_for("book", book_id=book_id)}


@app.errorhandler(404)
def not_found(error: t.Any) -> tuple[dict[str, str], int]:
    return {"error": "not found", "path": request.path}, 404
