"""A stand-in for a database: the books, shared by both blueprints."""

from __future__ import annotations

import threading
import typing as t

from framework import abort

Book = dict[str, t.Any]

BOOKS: dict[int, Book] = {
    1: {"id": 1, "title": "The Name of the Rose", "author": "Umberto Eco"},
    2: {"id": 2, "title": "Invisible Cities", "author": "Italo Calvino"},
}
_lock = threading.Lock()  # the development server is threaded


def get_book(book_id: int) -> Book:
    """The book with this id, or a 404 for the client."""
    book = BOOKS.get(book_id)
    if book is None:
        abort(404)
    return book


def add_book(title: str, author: str | None) -> Book:
    with _lock:
        book_id = max(BOOKS, default=0) + 1
        BOOKS[book_id] = {"id": book_id, "title": title, "author": author}
    return BOOKS[book_id]
