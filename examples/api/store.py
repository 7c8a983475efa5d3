"""The shelf: the books and reviews of one app, kept in memory.

A real API would use a database; keeping the data on the app (in
``app.extensions``) rather than in a module-level dict gives each app of
:func:`~examples.api.create_app` its own shelf, so tests don't share state.
"""

from __future__ import annotations

import itertools
import threading
import typing as t

from framework import App, current_app

from .models import Author, Book, NewBook, NewReview, Review

#: The key of ``app.extensions`` the shelf is kept under.
KEY = "bookshelf"

#: What a new shelf holds, so that ``/docs`` has something to show.
SEED = (
    NewBook("The Name of the Rose", [Author("Umberto Eco", 1932)], 1980, ["novel"]),
    NewBook("Gödel, Escher, Bach", [Author("Douglas Hofstadter", 1945)], 1979),
    NewBook(
        "Structure and Interpretation of Computer Programs",
        [Author("Harold Abelson"), Author("Gerald Jay Sussman")],
        1985,
        ["programming"],
    ),
)


class Cover(t.NamedTuple):
    """A book's cover: the image's bytes and its media type."""

    image: bytes
    mimetype: str


class Shelf:
    """Books, their reviews and covers, by id. A lock keeps ids unique when a
    threaded server runs two requests at once."""

    def __init__(self) -> None:
        self.books: dict[int, Book] = {}
        self.reviews: dict[int, list[Review]] = {}
        self.covers: dict[int, Cover] = {}
        #: The book made for each ``Idempotency-Key`` a client sent.
        self.by_key: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        for book in SEED:
            self.add(book)

    def add(self, new: NewBook, key: str | None = None) -> Book:
        """Shelve ``new``; a ``key`` seen before returns the book it made."""
        with self._lock:
            if key is not None and key in self.by_key:
                return self.books[self.by_key[key]]
            book = Book(new.title, new.authors, new.year, new.tags, id=next(self._ids))
            self.books[book.id] = book
            if key is not None:
                self.by_key[key] = book.id
            return book

    def replace(self, book_id: int, new: NewBook) -> Book:
        book = Book(new.title, new.authors, new.year, new.tags, id=book_id)
        self.books[book_id] = book
        return book

    def remove(self, book_id: int) -> None:
        with self._lock:
            del self.books[book_id]
            self.reviews.pop(book_id, None)
            self.covers.pop(book_id, None)

    def review(self, book_id: int, new: NewReview) -> Review:
        with self._lock:
            reviews = self.reviews.setdefault(book_id, [])
            review = Review(new.stars, new.text, id=len(reviews) + 1, book_id=book_id)
            reviews.append(review)
            return review


def init_app(app: App) -> None:
    """Give ``app`` a shelf of its own."""
    app.extensions[KEY] = Shelf()


def shelf() -> Shelf:
    """The current app's shelf."""
    found: Shelf = current_app.extensions[KEY]
    return found
