"""``/books/<book_id>/cover``: a book's cover image, the ``covers`` tag of
the document.

``PUT`` takes a ``multipart/form-data`` form whose ``image`` field is a
file: a ``FileStorage`` field of the form's model, read from
``request.files``. It answers 204, as does ``DELETE``: their return
annotation is ``-> None``. ``GET`` sends the image back from a plain view,
with no hint the extension reads; the document lists it all the same,
from its rule and docstring.
"""

from __future__ import annotations

import msgspec
from framework_api import Form, InvalidRequest
from framework_api.documentation import doc, security
from werkzeug.datastructures import FileStorage

from framework import Blueprint, Response, abort

from .store import Cover, shelf

bp = Blueprint("covers", __name__, url_prefix="/books/<int:book_id>")

#: The first bytes of each image type a cover may be. The type is read
#: from the file itself: the part's Content-Type is the client's word.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


class CoverUpload(msgspec.Struct):
    """The form of a cover upload."""

    image: FileStorage


@bp.put("/cover")
@security("token")
@doc(
    responses={
        401: "No token, or a wrong one.",
        404: "No book has this id.",
        413: "The image is over the app's MAX_CONTENT_LENGTH.",
    }
)
def upload(book_id: int, form: Form[CoverUpload]) -> None:
    """Set a book's cover: a PNG or JPEG image, the form's image file."""
    _book(book_id)
    data = form.image.read()
    for signature, mimetype in SIGNATURES:
        if data.startswith(signature):
            shelf().covers[book_id] = Cover(data, mimetype)
            return
    raise InvalidRequest(
        detail="1 field is invalid.",
        errors=[
            {
                "in": "body",
                "pointer": "#/image",
                "detail": "Expected a PNG or JPEG image",
            }
        ],
    )


@bp.get("/cover")
@doc(responses={404: "No book has this id, or it has no cover."})
def show(book_id: int) -> Response:
    """A book's cover image, as uploaded."""
    cover = shelf().covers.get(_book(book_id))
    if cover is None:
        abort(404, f"The book {book_id} has no cover.")
    return Response(cover.image, mimetype=cover.mimetype)


@bp.delete("/cover")
@security("token")
@doc(responses={401: "No token, or a wrong one.", 404: "No book has this id."})
def remove(book_id: int) -> None:
    """Remove a book's cover, if it has one."""
    shelf().covers.pop(_book(book_id), None)


def _book(book_id: int) -> int:
    if book_id not in shelf().books:
        abort(404, f"No book has the id {book_id}.")
    return book_id
