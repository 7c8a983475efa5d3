"""Where a view's parameter comes from: ``Query[T]``, ``Header[T]``,
``Cookie[T]``, ``Body[T]`` and ``Form[T]``.

Each marker is a generic :data:`typing.Annotated` alias: ``Query[bool]`` is
``Annotated[bool, QueryParam()]``, so a type checker sees a plain ``bool``
and the binder finds the :class:`QueryParam` among the metadata. To give
options, write the ``Annotated`` form yourself::

    page_size: Annotated[int, QueryParam(name="page-size")] = 20

Constraints go on the type, with :class:`msgspec.Meta`, inside or outside
the marker: ``Query[Annotated[int, Meta(ge=1)]]``.
"""

from __future__ import annotations

import typing as t

import attrs

from .operations import Source

__all__ = [
    "Body",
    "BodyParam",
    "Cookie",
    "CookieParam",
    "Form",
    "FormParam",
    "Header",
    "HeaderParam",
    "Param",
    "Query",
    "QueryParam",
]

T = t.TypeVar("T")

#: The media types a JSON body is accepted in (the first is the one the
#: documentation names).
JSON_MEDIA_TYPES: tuple[str, ...] = ("application/json",)
#: The media type of a form that may carry files.
MULTIPART = "multipart/form-data"
#: The media types a form is accepted in.
FORM_MEDIA_TYPES: tuple[str, ...] = ("application/x-www-form-urlencoded", MULTIPART)


@attrs.frozen
class Param:
    """What the markers put in ``Annotated``: the source of a parameter and
    its options. Use one of the subclasses.

    :param name: the name on the wire, when it differs from the parameter's
        (a query key ``page-size``, a header ``X-Request-Id``).
    :param description: for the documentation.
    :param deprecated: for the documentation.
    """

    source: t.ClassVar[Source]

    name: str | None = None
    description: str | None = None
    deprecated: bool = False


@attrs.frozen
class QueryParam(Param):
    """A query-string parameter. A list type (``list[int]``) collects every
    value of a repeated key (``?tag=a&tag=b``)."""

    source: t.ClassVar[Source] = Source.QUERY


@attrs.frozen
class HeaderParam(Param):
    """A request header, by case-insensitive name. Without ``name``, the
    parameter's name with ``_`` as ``-``: ``x_request_id`` reads
    ``X-Request-Id``."""

    source: t.ClassVar[Source] = Source.HEADER


@attrs.frozen
class CookieParam(Param):
    """A cookie of the request."""

    source: t.ClassVar[Source] = Source.COOKIE


@attrs.frozen
class BodyParam:
    """The request body, as JSON, decoded into the annotated type (which
    needs no marker when it is a model class).

    :param media_types: the accepted content types; each must be JSON
        (``application/json`` or ``application/<something>+json``).
    :param description: for the documentation.
    """

    source: t.ClassVar[Source] = Source.BODY

    media_types: tuple[str, ...] = JSON_MEDIA_TYPES
    description: str | None = None


@attrs.frozen
class FormParam:
    """The request body, as a form (``application/x-www-form-urlencoded``
    or ``multipart/form-data``), converted into the annotated model: each
    field of the model is a form field. A field typed
    :class:`~werkzeug.datastructures.FileStorage` (or ``FileStorage |
    None``, or ``list[FileStorage]``) is an uploaded file; a model with one
    is documented as ``multipart/form-data`` only.

    :param description: for the documentation.
    """

    source: t.ClassVar[Source] = Source.BODY

    media_types: tuple[str, ...] = FORM_MEDIA_TYPES
    description: str | None = None


#: A query-string parameter: ``page: Query[int] = 1``.
Query = t.Annotated[T, QueryParam()]
#: A request header: ``x_trace: Header[str | None] = None``.
Header = t.Annotated[T, HeaderParam()]
#: A cookie: ``session_id: Cookie[str]``.
Cookie = t.Annotated[T, CookieParam()]
#: The JSON body, for a type that is not a model class:
#: ``items: Body[list[Item]]``.
Body = t.Annotated[T, BodyParam()]
#: The body as a form, converted into a model: ``data: Form[Login]``.
Form = t.Annotated[T, FormParam()]
