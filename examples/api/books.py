"""``/books``: create, list, show, replace and remove books.

Each view says what it takes and returns in its hints; ``framework_api``
reads them once, at setup, and does the rest: the body decoded and checked
into a :class:`~.models.NewBook`, the query parameters converted, a 422
listing every wrong field, the return value encoded, the OpenAPI document.
The blueprint's name, ``books``, is the operations' tag in the document.
"""

from __future__ import annotations

from typing import Annotated, Literal

from framework_api import Created, Header, Query, QueryParam
from framework_api.documentation import doc, security
from msgspec import Meta

from framework import Blueprint, abort
from framework.views import MethodView

from .models import Author, Book, BookPage, NewBook
from .store import shelf

bp = Blueprint("books", __name__, url_prefix="/books")

EXAMPLE = NewBook("Dune", [Author("Frank Herbert", 1920)], 1965, ["sf"])


@bp.post("/")
@security("token")
@doc(
    request_examples={"dune": EXAMPLE},
    responses={401: "No token, or a wrong one."},
)
def create(body: NewBook, idempotency_key: Header[str | None] = None) -> Created[Book]:
    """Add a book to the shelf.

    Send an ``Idempotency-Key`` header to retry safely: a key seen before
    answers with the book it created, not a second copy.
    """
    book = shelf().add(body, idempotency_key)
    return Created(book, location=f"/books/{book.id}")


@bp.get("/")
def index(
    page: Query[Annotated[int, Meta(ge=1)]] = 1,
    per_page: Annotated[
        Annotated[int, Meta(ge=1, le=100)], QueryParam(name="per-page")
    ] = 20,
    author: Query[str | None] = None,
    tag: Query[tuple[str, ...]] = (),
    since: Query[Annotated[int, Meta(ge=1450)] | None] = None,
    sort: Query[Literal["id", "title", "year"]] = "id",
) -> BookPage:
    """List the books, a page at a time.

    ``author`` matches part of an author's name, case-insensitively; each
    ``tag`` must be one of the book's tags (``?tag=a&tag=b``); ``since``
    keeps the books published that year or later.
    """
    found = [
        book
        for book in shelf().books.values()
        if (author is None or any(_matches(author, a) for a in book.authors))
        and all(t in book.tags for t in tag)
        and (since is None or book.year >= since)
    ]
    found.sort(key=lambda book: getattr(book, sort))
    start = (page - 1) * per_page
    return BookPage(found[start : start + per_page], len(found), page, per_page)


def _matches(needle: str, author: Author) -> bool:
    return needle.casefold() in author.name.casefold()


class BookResource(MethodView):
    """One book: each method is typed on its own, so each is an operation
    of the document (``GET``, ``PUT`` and ``DELETE /books/{book_id}``)."""

    @doc(responses={404: "No book has this id."})
    def get(self, book_id: int) -> Book:
        """Show a book."""
        return _book(book_id)

    @security("token")
    @doc(responses={401: "No token, or a wrong one.", 404: "No book has this id."})
    def put(self, book_id: int, body: NewBook) -> Book:
        """Replace a book."""
        _book(book_id)
        return shelf().replace(book_id, body)

    @security("token")
    @doc(responses={401: "No token, or a wrong one.", 404: "No book has this id."})
    def delete(self, book_id: int) -> Book:
        """Remove a book and its reviews; answers with the book removed."""
        book = _book(book_id)
        shelf().remove(book_id)
        return book


def _book(book_id: int) -> Book:
    book = shelf().books.get(book_id)
    if book is None:
        # A plain HTTP error: the app's handler answers it as problem
        # details too (see create_app).
        abort(404, f"No book has the id {book_id}.")
    return book


bp.add_url_rule("/<int:book_id>", view_func=BookResource.as_view("book"))
