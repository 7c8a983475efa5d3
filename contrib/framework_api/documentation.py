"""Decorators that add to what the OpenAPI document says of a view.

The type hints say most of it (:mod:`framework_api.openapi` reads them
through the view's :class:`~framework_api.operations.Operation`); these
decorators say the rest: which security schemes guard a view, examples of
its request and response bodies, more responses, another summary::

    @app.get("/items/<int:item_id>")
    @security("bearer")
    @doc(responses={404: "No item has this id."})
    def show(item_id: int) -> Item: ...

Each decorator stores what it says on the function itself (one
:class:`Documentation` in an attribute) and returns the function
unchanged, so it may sit above or below ``@app.route``, on a view function
or on a method of a class-based view, typed or not, and it costs nothing
per request.
"""

from __future__ import annotations

import typing as t

import attrs

__all__ = [
    "Documentation",
    "doc",
    "documentation_of",
    "security",
    "security_requirements",
]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: The attribute of a view function that holds its :class:`Documentation`.
ATTRIBUTE = "__framework_api_doc__"

#: A response given to :func:`doc`: its description, or an OpenAPI
#: response object (a mapping with ``description``, ``content``, ...).
ResponseDoc = str | t.Mapping[str, t.Any]


def _frozen_examples(
    examples: t.Mapping[str, t.Any] | None,
) -> tuple[tuple[str, t.Any], ...] | None:
    return None if examples is None else tuple(examples.items())


@attrs.frozen
class Documentation:
    """What the decorators said of one view function; ``None`` or empty
    means "not said", so the hints' account stands.

    :param summary: replaces the docstring's first line.
    :param description: replaces the rest of the docstring.
    :param tags: replace the operation's tags.
    :param operation_id: replaces the generated ``operationId``.
    :param deprecated: marks the operation deprecated.
    :param hidden: leaves the view out of the document.
    :param security: the security requirements (OpenAPI's list of
        ``{scheme name: [scopes]}``); an empty tuple makes the view public
        even when the document requires a scheme for every operation.
    :param request_examples: named examples of the request body.
    :param response_examples: named examples of the success response's
        body.
    :param responses: more responses, by status code.
    """

    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] | None = None
    operation_id: str | None = None
    deprecated: bool = False
    hidden: bool = False
    security: tuple[t.Mapping[str, tuple[str, ...]], ...] | None = None
    request_examples: tuple[tuple[str, t.Any], ...] = ()
    response_examples: tuple[tuple[str, t.Any], ...] = ()
    responses: tuple[tuple[int, ResponseDoc], ...] = ()


def documentation_of(function: t.Callable[..., t.Any]) -> Documentation:
    """The :class:`Documentation` the decorators stored on ``function``; an
    empty one when none did."""
    found = getattr(function, ATTRIBUTE, None)
    return found if isinstance(found, Documentation) else Documentation()


def _update(function: F, **changes: t.Any) -> F:
    # attrs.evolve on the stored record: two decorators on one view add up,
    # the one nearer the function applied first, the outer one last.
    setattr(function, ATTRIBUTE, attrs.evolve(documentation_of(function), **changes))
    return function


def doc(
    *,
    summary: str | None = None,
    description: str | None = None,
    tags: t.Iterable[str] | None = None,
    operation_id: str | None = None,
    deprecated: bool | None = None,
    hidden: bool | None = None,
    request_examples: t.Mapping[str, t.Any] | None = None,
    response_examples: t.Mapping[str, t.Any] | None = None,
    responses: t.Mapping[int, ResponseDoc] | None = None,
) -> t.Callable[[F], F]:
    """Say more of a view in the OpenAPI document than its hints say.

    Examples are values as the view takes or returns them (models, dicts,
    lists): the document holds their JSON form.

    :param summary: the operation's summary (else the docstring's first
        line).
    :param description: its description (else the rest of the docstring).
    :param tags: its tags (else the blueprint's name).
    :param operation_id: its ``operationId`` (else made from the endpoint).
    :param deprecated: mark it deprecated.
    :param hidden: leave it out of the document.
    :param request_examples: examples of the request body, by name.
    :param response_examples: examples of the success response's body, by
        name.
    :param responses: more responses, by status code: a description, or an
        OpenAPI response object.
    """
    said: dict[str, t.Any] = {
        "summary": summary,
        "description": description,
        "tags": None if tags is None else tuple(tags),
        "operation_id": operation_id,
        "deprecated": deprecated,
        "hidden": hidden,
        "request_examples": _frozen_examples(request_examples),
        "response_examples": _frozen_examples(response_examples),
    }
    changes = {name: value for name, value in said.items() if value is not None}
    if responses is not None:
        for status in responses:
            if not isinstance(status, int) or not 100 <= status <= 599:
                raise ValueError(
                    f"doc(responses=...) takes HTTP status codes (100 to 599)"
                    f" as keys, not {status!r}."
                )
        changes["responses"] = tuple(sorted(responses.items()))

    def decorate(function: F) -> F:
        return _update(function, **changes)

    return decorate


def security_requirements(
    requirements: t.Iterable[str | t.Mapping[str, t.Iterable[str]]],
) -> tuple[dict[str, tuple[str, ...]], ...]:
    """OpenAPI security requirements (``{scheme name: scopes}``) from
    scheme names and mappings of scheme names to scopes (an iterable of
    scopes, or one scope as a string)."""
    return tuple(
        {requirement: ()}
        if isinstance(requirement, str)
        else {
            name: (scopes,) if isinstance(scopes, str) else tuple(scopes)
            for name, scopes in requirement.items()
        }
        for requirement in requirements
    )


def security(
    *requirements: str | t.Mapping[str, t.Iterable[str]],
) -> t.Callable[[F], F]:
    """Say which security schemes guard a view, replacing the document's
    global requirement for it.

    Each argument is one way to be let in: a scheme's name (``"bearer"``),
    or a mapping of scheme names to the OAuth2 scopes needed, all of which
    must be met (``{"oauth": ["items:write"]}``). With no argument, the view
    is public. The schemes themselves are declared once, on the
    :class:`~framework_api.openapi.OpenAPIGenerator`.

    This documents the requirement; enforcing it is the app's job.
    """
    normal = security_requirements(requirements)

    def decorate(function: F) -> F:
        return _update(function, security=normal)

    return decorate
