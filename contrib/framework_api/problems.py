"""Problem details (RFC 9457) for what a client sent wrong, and the second
pass that finds every wrong field.

A request the binder refuses raises a :class:`Problem`, an
:class:`~werkzeug.exceptions.HTTPException`: :class:`InvalidRequest` (422)
for input that does not match the view's hints, :class:`MalformedBody`
(400) for a body that is not JSON, :class:`UnsupportedBodyType` (415) for
a body in a content type the view does not take. Each also subclasses
werkzeug's exception for its status, so ``@app.errorhandler(422)`` and
``except BadRequest`` see them. The :class:`~framework_api.Api` extension
answers them with ``application/problem+json`` (see
:meth:`Api.problem_response <framework_api.Api.problem_response>`).

msgspec stops at the first error. Once the fast decode failed, the
functions at the end of this module walk the input against its type, field
by field, to report every error: slower, but only invalid requests pay.
"""

from __future__ import annotations

import collections.abc as cabc
import contextlib
import http
import re
import types
import typing as t

import msgspec
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    UnprocessableEntity,
    UnsupportedMediaType,
)

from .models import is_model, model_fields, strip_annotated

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "InvalidRequest",
    "InvalidResponse",
    "MalformedBody",
    "Problem",
    "UnsupportedBodyType",
]

#: The content type of a problem details body.
PROBLEM_MEDIA_TYPE: t.Final[str] = "application/problem+json"

#: RFC 9110's reason phrases where Python's differ by version.
_TITLES = {422: "Unprocessable Content", 413: "Content Too Large"}

_encode = msgspec.json.Encoder().encode


def _title(status: int) -> str:
    title = _TITLES.get(status)
    if title is not None:
        return title
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Problem(HTTPException):
    """An error answered with an RFC 9457 problem details body.

    Raise it from a view or a hook with any status; the
    :class:`~framework_api.Api` extension answers it with
    ``application/problem+json``::

        raise Problem(404, "No item 7.", type="https://example.com/no-item")

    :param status: the HTTP status; the class's ``code`` by default.
    :param detail: a sentence about this occurrence, for the client.
    :param title: a short summary of the problem type; the status's reason
        phrase by default.
    :param type: a URI naming the problem type; ``"about:blank"`` when
        the status says it all.
    :param instance: a URI naming this occurrence.
    :param errors: what was wrong, one dict per error (``in``, ``name`` or
        ``pointer``, ``detail``).
    :param headers: headers to send with the response.
    :param extensions: more members of the problem object.
    """

    code: int | None = None

    def __init__(
        self,
        status: int | None = None,
        detail: str | None = None,
        *,
        title: str | None = None,
        type: str = "about:blank",
        instance: str | None = None,
        errors: list[dict[str, t.Any]] | None = None,
        headers: t.Mapping[str, str] | None = None,
        **extensions: t.Any,
    ) -> None:
        super().__init__(description=detail)
        if status is not None:
            self.code = status
        if self.code is None:
            raise TypeError("Problem() needs a status.")
        self.title = title if title is not None else _title(self.code)
        self.type = type
        self.instance = instance
        self.errors = errors
        self.headers = dict(headers) if headers else {}
        self.extensions = extensions

    @property
    def status(self) -> int:
        """The HTTP status code."""
        assert self.code is not None
        return self.code

    @property
    def detail(self) -> str | None:
        """The problem's detail sentence."""
        return self.description

    def to_dict(self) -> dict[str, t.Any]:
        """The problem object, as sent in the body."""
        body: dict[str, t.Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
        }
        if self.description is not None:
            body["detail"] = self.description
        if self.instance is not None:
            body["instance"] = self.instance
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extensions)
        return body

    def get_headers(
        self,
        environ: WSGIEnvironment | None = None,
        scope: dict[str, t.Any] | None = None,
    ) -> list[tuple[str, str]]:
        """The response headers: the problem content type and ``headers``."""
        return [("Content-Type", PROBLEM_MEDIA_TYPE), *self.headers.items()]

    def get_body(
        self,
        environ: WSGIEnvironment | None = None,
        scope: dict[str, t.Any] | None = None,
    ) -> str:
        """The problem object as JSON."""
        return _encode(self.to_dict()).decode()

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.description}"


class InvalidRequest(Problem, UnprocessableEntity):
    """The request's input does not match the view's type hints: **422**,
    with every wrong field in ``errors``."""

    code = 422


class MalformedBody(Problem, BadRequest):
    """The body is not valid JSON (or not a readable form): **400**."""

    code = 400


class UnsupportedBodyType(Problem, UnsupportedMediaType):
    """The body was sent in a content type the view does not take:
    **415**."""

    code = 415


class InvalidResponse(Problem, InternalServerError):
    """A view returned a value that does not match its return annotation,
    found when ``API_VALIDATE_RESPONSES`` is on: **500**, the server's
    fault, logged with the reason."""

    code = 500


def invalid(errors: list[dict[str, t.Any]], limit: int | None = None) -> InvalidRequest:
    """The 422 for ``errors``.

    :param errors: what was wrong.
    :param limit: the most errors listed; the collecting passes stop one
        error past it, so that more errors than listed can be said.
    """
    count = len(errors)
    if limit is not None and count > limit:
        errors = errors[:limit]
        detail = f"More than {limit} fields are invalid; the first {limit} are listed."
    elif count == 1:
        detail = "1 field is invalid."
    else:
        detail = f"{count} fields are invalid."
    return InvalidRequest(detail=detail, errors=errors)


# -- the second pass -------------------------------------------------------

_PATH_PART = re.compile(r"\.([^.\[]+)|\[(\d+)\]|\[\.\.\.\]")


def _split_message(message: str) -> tuple[str, list[str | int]]:
    """msgspec's ``"Expected `int`, got `str` - at `$.items[0].price`"`` as
    the detail and the path below the value converted."""
    detail, found, path = message.partition(" - at `")
    if not found:
        return message, []
    path = path.rstrip("`")
    if path.startswith("`key` in `"):
        path = path[len("`key` in `") :]
    parts: list[str | int] = []
    for match in _PATH_PART.finditer(path.removeprefix("$")):
        name, index = match.groups()
        if name is not None:
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
    return detail, parts


def pointer(parts: t.Iterable[str | int]) -> str:
    """An RFC 6901 JSON pointer in a URI fragment: ``#/items/0/name``."""
    text = "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts
    )
    return "#" + text


class Collector:
    """Gathers the errors of one request, up to ``limit``.

    :param limit: the most errors reported; more are counted, not listed.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.errors: list[dict[str, t.Any]] = []

    @property
    def full(self) -> bool:
        """Whether the limit was reached."""
        return len(self.errors) >= self.limit

    def add(self, error: dict[str, t.Any]) -> None:
        """Keep ``error`` unless the limit was reached."""
        if not self.full:
            self.errors.append(error)

    def body(self, parts: list[str | int], detail: str) -> None:
        """An error in the body at ``parts``."""
        self.add({"in": "body", "pointer": pointer(parts), "detail": detail})

    def walk(
        self, value: t.Any, annotation: t.Any, parts: list[str | int], strict: bool
    ) -> None:
        """Check ``value`` (decoded JSON, or strings from a form) against
        ``annotation`` and record every error below ``parts``."""
        if self.full:
            return
        try:
            msgspec.convert(value, annotation, strict=strict)
        except msgspec.ValidationError as e:
            error = str(e)
        else:
            return
        before = len(self.errors)
        self._descend(value, annotation, parts, strict)
        if len(self.errors) == before:
            detail, below = _split_message(error)
            self.body([*parts, *below], detail)

    def _descend(
        self, value: t.Any, annotation: t.Any, parts: list[str | int], strict: bool
    ) -> None:
        base = strip_annotated(annotation)[0]
        origin = t.get_origin(base)
        arguments = t.get_args(base)
        if isinstance(value, dict) and is_model(base):
            fields = model_fields(base)
            if fields is None:
                return
            for field in fields:
                if field.wire_name in value:
                    self.walk(
                        value[field.wire_name],
                        field.annotation,
                        [*parts, field.wire_name],
                        strict,
                    )
                elif field.required:
                    self.body(
                        [*parts, field.wire_name],
                        f"Object missing required field `{field.wire_name}`",
                    )
            config = getattr(base, "__struct_config__", None)
            if config is not None and config.forbid_unknown_fields:
                known = {field.wire_name for field in fields}
                for key in value:
                    if key not in known:
                        self.body(
                            [*parts, key], f"Object contains unknown field `{key}`"
                        )
            return
        if isinstance(value, list) and origin is not None:
            if origin is tuple and arguments and arguments[-1] is not Ellipsis:
                if len(arguments) == len(value):
                    for index, (item, item_type) in enumerate(
                        zip(value, arguments, strict=True)
                    ):
                        self.walk(item, item_type, [*parts, index], strict)
                return
            if len(arguments) in (1, 2) and origin in _SEQUENCES:
                for index, item in enumerate(value):
                    self.walk(item, arguments[0], [*parts, index], strict)
            return
        if isinstance(value, dict) and origin in _MAPPINGS and len(arguments) == 2:
            for key, item in value.items():
                self.walk(item, arguments[1], [*parts, key], strict)
            return
        if origin in _UNIONS and value is not None:
            members = [a for a in arguments if a is not type(None)]
            if len(members) == 1:
                self._descend(value, members[0], parts, strict)


_SEQUENCES: frozenset[t.Any] = frozenset(
    {
        list,
        set,
        frozenset,
        tuple,
        cabc.Sequence,
        cabc.MutableSequence,
        cabc.Set,
        cabc.MutableSet,
        cabc.Collection,
    }
)
_MAPPINGS: frozenset[t.Any] = frozenset({dict, cabc.Mapping, cabc.MutableMapping})
_UNIONS: frozenset[t.Any] = frozenset({t.Union, types.UnionType})


def body_errors(
    data: bytes, annotation: t.Any, limit: int, fallback: str
) -> list[dict[str, t.Any]]:
    """Every error of a JSON body whose typed decode failed.

    :param data: the body.
    :param annotation: the type it was decoded into.
    :param limit: the most errors to list.
    :param fallback: the fast decode's message, reported when the walk
        finds nothing (a check only the decoder makes).
    :raise MalformedBody: the body is not JSON after all (the typed decode
        stopped before the syntax error).
    """
    try:
        value = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError) as e:
        raise malformed(e) from None
    collector = Collector(limit)
    # A recursive model nested deeper than Python's stack: what was found
    # is reported, else the fast decode's message.
    with contextlib.suppress(RecursionError):
        collector.walk(value, annotation, [], strict=True)
    if not collector.errors:
        detail, below = _split_message(fallback)
        collector.body(below, detail)
    return collector.errors


def malformed(error: Exception) -> MalformedBody:
    """The 400 for a body msgspec could not parse."""
    if isinstance(error, RecursionError):
        return MalformedBody(detail="The body is nested too deeply.")
    return MalformedBody(detail=f"The body is not valid JSON: {error}.")
