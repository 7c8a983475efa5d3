"""The bookshelf's models: msgspec Structs whose hints are the validation,
the serialisation and the OpenAPI schemas at once.

``Meta`` constraints are checked on every request and appear in the
document (``maxLength``, ``minimum``, ...); ``forbid_unknown_fields``
refuses a body with a misspelt field instead of dropping it silently.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

Title = Annotated[str, Meta(min_length=1, max_length=200)]
Year = Annotated[int, Meta(ge=1450, le=2100, description="Year of publication.")]


class Author(msgspec.Struct, forbid_unknown_fields=True):
    """Someone who wrote the book."""

    name: Annotated[str, Meta(min_length=1, max_length=100)]
    born: Year | None = None


class NewBook(msgspec.Struct, forbid_unknown_fields=True):
    """A book as a client sends it."""

    title: Title
    authors: Annotated[list[Author], Meta(min_length=1, max_length=20)]
    year: Year
    tags: Annotated[list[Annotated[str, Meta(max_length=30)]], Meta(max_length=10)] = []


class Book(NewBook, kw_only=True):
    """A book on the shelf: what the client sent, and its id."""

    id: int


class BookPage(msgspec.Struct):
    """One page of a listing."""

    items: list[Book]
    total: Annotated[int, Meta(description="Books matching the filters.")]
    page: int
    per_page: int


class NewReview(msgspec.Struct, forbid_unknown_fields=True):
    """A review as a client sends it."""

    stars: Annotated[int, Meta(ge=1, le=5)]
    text: Annotated[str, Meta(max_length=2000)] = ""


class Review(NewReview, kw_only=True):
    """A review of a book."""

    id: int
    book_id: int
