"""``/books/<book_id>/reviews``: a book's reviews, the ``reviews`` tag of
the document. The views are ``async``: typed views may be either, under
WSGI and ASGI alike."""

from __future__ import annotations

from typing import Annotated

from framework_api import Created, Query, Reply
from framework_api.documentation import doc, security
from msgspec import Meta

from framework import Blueprint, abort

from .models import NewReview, Review
from .store import shelf

bp = Blueprint("reviews", __name__, url_prefix="/books/<int:book_id>/reviews")


@bp.get("/")
@doc(responses={404: "No book has this id."})
async def index(
    book_id: int, min_stars: Query[Annotated[int, Meta(ge=1, le=5)]] = 1
) -> Reply[list[Review]]:
    """List a book's reviews, with their count in ``X-Total-Count``."""
    # A real app would await its database here.
    reviews = [r for r in _reviews(book_id) if r.stars >= min_stars]
    return Reply(reviews, headers={"X-Total-Count": str(len(reviews))})


@bp.post("/")
@security("token")
@doc(responses={401: "No token, or a wrong one.", 404: "No book has this id."})
async def create(book_id: int, body: NewReview) -> Created[Review]:
    """Review a book."""
    _reviews(book_id)
    return Created(shelf().review(book_id, body))


def _reviews(book_id: int) -> list[Review]:
    if book_id not in shelf().books:
        abort(404, f"No book has the id {book_id}.")
    return shelf().reviews.get(book_id, [])
