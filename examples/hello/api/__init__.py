"""The JSON API under ``/api``, written with class-based views.

``handle_unmatched=True`` lets this blueprint's error handlers answer every
URL under ``/api``, even one that matches no route (``/api/nope``), so API
clients always get JSON. Flask would send those to the app's HTML 404 page.
"""

from __future__ import annotations

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from framework import Blueprint, abort, json, render_template, request, url_for
from framework.views import MethodView

from ..data import BOOKS, Book, add_book, get_book

bp = Blueprint(
    "api",
    __name__,
    url_prefix="/api",
    template_folder="templates",
    handle_unmatched=True,
)


@bp.get("/")
def index() -> str:
    """A page for people: what the API offers."""
    return render_template("api/index.html")


class BookList(MethodView):
    def get(self) -> list[Book]:
        return list(BOOKS.values())

    def post(self) -> tuple[Book, int, dict[str, str]]:
        data = request.get_json()
        if not isinstance(data, dict) or not isinstance(data.get("title"), str):
            abort(400, description="Send a JSON object with a string 'title'.")
        book = add_book(data["title"], data.get("author"))
        return book, 201, {"Location": url_for(".book", book_id=book["id"])}


class BookItem(MethodView):
    def get(self, book_id: int) -> Book:
        return get_book(book_id)


bp.add_url_rule("/books", view_func=BookList.as_view("books"))
bp.add_url_rule("/books/<int:book_id>", view_func=BookItem.as_view("book"))


@bp.errorhandler(400)
@bp.errorhandler(404)
@bp.errorhandler(405)
def error_as_json(error: HTTPException) -> Response:
    """The error as JSON, keeping its status and headers (``Allow``...)."""
    response = error.get_response()
    response.data = json.dumps(
        {
            "error": error.name.lower(),
            "message": error.description,
            "path": request.path,
        }
    )
    response.content_type = "application/json"
    return response
