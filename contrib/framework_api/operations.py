"""What the extension knows about each typed view: its operations.

An :class:`Operation` describes one view (one method of a class-based
view): where each parameter comes from and what type it has, the body, and
what it returns. The binder (:mod:`framework_api.binding`) compiles it into
the code that runs per request; the OpenAPI generator
(:mod:`framework_api.openapi`) reads it to describe the route. Both read the
same objects, so the documentation cannot drift from what is validated.

The classes are plain, frozen data: built once per view at setup.
"""

from __future__ import annotations

import enum
import inspect
import typing as t

import attrs

__all__ = [
    "BodySpec",
    "Operation",
    "ParamGroup",
    "ParamSpec",
    "ReturnSpec",
    "Source",
    "docstring_parts",
]


class Source(enum.Enum):
    """Where a parameter's value comes from: the OpenAPI ``in`` of a
    parameter (``path``, ``query``, ``header``, ``cookie``), or the body."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    BODY = "body"


@attrs.frozen
class ParamGroup:
    """A view parameter that takes a whole model from the query string,
    the headers or the cookies (``filters: Query[Filters]``): each field of
    the model is one :class:`ParamSpec`, and the view gets one instance.

    :param name: the view's parameter name.
    :param model: the model class.
    :param source: where its fields come from: ``QUERY``, ``HEADER`` or
        ``COOKIE``.
    """

    name: str
    model: t.Any
    source: Source


@attrs.frozen
class ParamSpec:
    """One parameter read from the URL, the query string, a header or a
    cookie.

    :param name: the view's parameter name; for a field of a
        :class:`ParamGroup`, the field's name in the model as msgspec
        reads it (a renamed Struct field's new name).
    :param source: where the value comes from; never ``BODY``.
    :param key: the name on the wire: the URL converter's argument, the
        query key, the header name (as written: ``X-Request-Id``) or the
        cookie name.
    :param annotation: the type the value is converted to, markers taken
        off; ``Annotated[..., msgspec.Meta(...)]`` constraints are kept.
    :param required: whether a request without it is refused.
    :param default: the value when absent and not required.
    :param description: for the documentation (``Meta(description=...)``).
    :param deprecated: for the documentation.
    :param group: the model parameter this is a field of, if any.
    """

    name: str
    source: Source
    key: str
    annotation: t.Any
    required: bool = True
    default: t.Any = None
    description: str | None = None
    deprecated: bool = False
    group: ParamGroup | None = None


@attrs.frozen
class BodySpec:
    """The request body, decoded into one model.

    :param name: the view's parameter name.
    :param annotation: the model type (a ``msgspec.Struct``, a dataclass,
        an attrs class, a ``TypedDict``, a pydantic model, or any type
        msgspec decodes, such as ``list[Item]``).
    :param media_types: the accepted content types, the first preferred:
        ``("application/json",)``, or the form types for ``Form[...]``.
    :param required: whether a request without a body is refused.
    :param default: the value when absent and not required.
    :param description: for the documentation.
    :param form: whether the body is read as a form (``Form[...]``), each
        field of the model a form field (or an uploaded file), rather than
        decoded from JSON.
    """

    name: str
    annotation: t.Any
    media_types: tuple[str, ...] = ("application/json",)
    required: bool = True
    default: t.Any = None
    description: str | None = None
    form: bool = False


@attrs.frozen
class ReturnSpec:
    """What a successful call returns, from the return annotation.

    :param annotation: the type of the body (``Item``, ``list[Item]``),
        ``Created[...]`` and the like taken off; ``None`` for no body.
    :param status: the status code of a success (201 for ``Created``).
    :param media_type: the body's content type.
    :param description: for the documentation.
    """

    annotation: t.Any
    status: int = 200
    media_type: str = "application/json"
    description: str = "Successful response"


@attrs.frozen
class Operation:
    """One typed view, or one typed method of a class-based view.

    :param endpoint: the view's endpoint.
    :param method: the HTTP method of a class-based view's method (``GET``
        for ``get``); ``None`` for a view function, which serves every
        method of its rules.
    :param function: the function whose hints these are.
    :param params: the URL, query, header and cookie parameters, in the
        order of the signature; a model parameter (``Query[Filters]``) as
        one per field, each naming its :class:`ParamGroup`.
    :param body: the body parameter, if any.
    :param returns: what a success returns; ``None`` when the return
        annotation is not one the extension serialises (the view's return
        value then goes to the app as usual).
    :param summary: the first line of the docstring.
    :param description: the rest of the docstring.
    :param tags: tags for the documentation; the blueprint's name by
        default.
    :param is_async: whether the function is a coroutine function.
    """

    endpoint: str
    method: str | None
    function: t.Callable[..., t.Any]
    params: tuple[ParamSpec, ...] = ()
    body: BodySpec | None = None
    returns: ReturnSpec | None = None
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    is_async: bool = False


def docstring_parts(docstring: str | None) -> tuple[str | None, str | None]:
    """A docstring's first line (the summary) and the rest (the
    description), each ``None`` when empty. Only the function's own
    docstring counts: one inherited from a base class (``View``'s
    ``dispatch_request``) says nothing of this operation."""
    if not docstring:
        return None, None
    summary, _, rest = inspect.cleandoc(docstring).partition("\n")
    return summary.strip() or None, rest.strip() or None
