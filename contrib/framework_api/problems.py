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
import http
import types
import typing as t

import msgspec
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    RequestEntityTooLarge,
    UnprocessableEntity,
    UnsupportedMediaType,
)

from .models import is_model, model_fields, strip_annotated

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "BodyTooLarge",
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
            "status": self.code,
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


class BodyTooLarge(Problem, RequestEntityTooLarge):
    """The body is over a limit of the app (``MAX_CONTENT_LENGTH``,
    ``MAX_FORM_MEMORY_SIZE``, ``MAX_FORM_PARTS``): **413**."""

    code = 413


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
    # PERF: the 422 benchmark; what InvalidRequest(detail=detail,
    # errors=errors) makes, without binding its keyword arguments through
    # three __init__ methods (half the cost). A test holds the two equal.
    problem = InvalidRequest.__new__(InvalidRequest)
    problem.description = detail
    problem.response = None
    problem.title = _UNPROCESSABLE
    problem.type = "about:blank"
    problem.instance = None
    problem.errors = errors
    problem.headers = {}
    problem.extensions = {}
    return problem


_UNPROCESSABLE = _title(422)


# -- the second pass -------------------------------------------------------


def _split_message(message: str) -> tuple[str, list[str | int]]:
    """msgspec's ``"Expected `int`, got `str` - at `$.items[0].price`"`` as
    the detail and the path below the value converted."""
    detail, found, path = message.partition(" - at `")
    if not found:
        return message, []
    # The path's first segment (``$``, or ```key` in `$``) names the value
    # converted itself: only what follows a dot or is in brackets is below.
    return detail, _path_parts(path.rstrip("`"))


def _path_parts(path: str) -> list[str | int]:
    """The names and indices of a msgspec path below its first segment:
    ``$.items[0].price`` is ``["items", 0, "price"]``; ``[...]`` (a dict's
    value) names nothing.

    PERF: the 422 benchmark; string splits rather than a regular
    expression, several times cheaper on paths this short.
    """
    if "[" not in path:
        return [name for name in path.split(".")[1:] if name]
    if "[..." in path:
        path = path.replace("[...]", "[]")
    parts: list[str | int] = []
    for position, segment in enumerate(path.split(".")):
        name, bracket, rest = segment.partition("[")
        if name and position:
            parts.append(name)
        if bracket:
            for chunk in rest.split("["):
                close = chunk.find("]")
                if close > 0 and chunk[:close].isdecimal():
                    parts.append(int(chunk[:close]))
    return parts


def pointer(parts: t.Iterable[str | int]) -> str:
    """An RFC 6901 JSON pointer in a URI fragment: ``#/items/0/name``."""
    return "#" + "".join(map(_step, parts))


def _step(part: str | int) -> str:
    """One step of a JSON pointer, ``/name``, escaped."""
    return "/" + str(part).replace("~", "~0").replace("/", "~1")


class Collector:
    """Gathers the errors of one request, up to ``limit``.

    The second pass works with pointers as text (``/items/0``, the URI
    fragment without its ``#``), each field's step made once per type.

    :param limit: the most errors reported; more are counted, not listed.
    """

    __slots__ = ("errors", "limit")

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
        self.at(pointer(parts)[1:], detail)

    def at(self, where: str, detail: str) -> None:
        """An error in the body at the pointer ``where`` (without ``#``)."""
        errors = self.errors
        if len(errors) < self.limit:
            errors.append({"in": "body", "pointer": "#" + where, "detail": detail})

    def walk(
        self, value: t.Any, annotation: t.Any, parts: list[str | int], strict: bool
    ) -> None:
        """Check ``value`` (decoded JSON, or strings from a form) against
        ``annotation`` and record every error below ``parts``."""
        self.check(value, shape_of(annotation), pointer(parts)[1:], strict)

    def check(
        self,
        value: t.Any,
        shape: _Shape,
        where: str,
        strict: bool,
        known: _Found | None = None,
    ) -> None:
        """:meth:`walk` with the annotation's shape made already, at the
        pointer ``where``.

        :param known: what is wrong with ``value``, when the check of what
            holds it found it already: msgspec's message and the path below
            ``value`` it names (:func:`_split_message`).
        """
        errors = self.errors
        if len(errors) >= self.limit:
            return
        if known is None:
            try:
                if strict:
                    # PERF: the 422 benchmark; JSON through the type's own
                    # decoder, made once, is several times faster than
                    # msgspec.convert, which rebuilds its view of an
                    # Annotated type on every call (and is exactly the first
                    # pass's rule).
                    (shape.decode or shape.decoder())(_encode(value))
                else:
                    _convert(value, shape.annotation, strict=False)
            except msgspec.ValidationError as e:
                known = _split_message(str(e))
            else:
                return
        if shape.kind is not _LEAF:
            before = len(errors)
            shape.descend(self, value, where, strict, known)
            if len(errors) != before:
                return
        detail, below = known
        self.at(where + "".join(map(_step, below)) if below else where, detail)


#: msgspec's message of an error, and the path below the value it names.
_Found = tuple[str, list[str | int]]

#: What the second pass knows of a model's field (:meth:`_Shape.fields`).
_Field = tuple[str, str, bool, "_Shape", "t.Callable[[bytes], t.Any] | None"]


_convert = msgspec.convert

_LEAF = "leaf"
_MODEL = "model"
_SEQUENCE = "sequence"


class _Shape:
    """What the second pass knows of a type, made once per type: what to
    convert a value to, and where to look below it when that fails (the
    fields of a model, the items of a list, the values of a dict)."""

    __slots__ = (
        "_fields",
        "annotation",
        "decode",
        "forbid",
        "items",
        "kind",
        "model",
    )

    def __init__(self, annotation: t.Any) -> None:
        self.annotation = annotation
        self.kind = _LEAF
        self.items: tuple[_Shape, ...] = ()
        self.model: t.Any = None
        self.forbid = False
        self._fields: tuple[_Field, ...] | None = None
        #: The JSON decoder of the annotation, once :meth:`decoder` made it.
        self.decode: t.Callable[[bytes], t.Any] | None = None
        base = strip_annotated(annotation)[0]
        origin = t.get_origin(base)
        arguments = t.get_args(base)
        if is_model(base):
            self.kind = _MODEL
            self.model = base
            config = getattr(base, "__struct_config__", None)
            self.forbid = bool(config is not None and config.forbid_unknown_fields)
        elif origin is tuple and arguments and arguments[-1] is not Ellipsis:
            self.kind = "tuple"
            self.items = tuple(shape_of(a) for a in arguments)
        elif origin in _SEQUENCES and len(arguments) in (1, 2):
            self.kind = _SEQUENCE
            self.items = (shape_of(arguments[0]),)
        elif origin in _MAPPINGS and len(arguments) == 2:
            self.kind = "mapping"
            self.items = (shape_of(arguments[1]),)
        elif origin in _UNIONS:
            members = [a for a in arguments if a is not type(None)]
            if len(members) == 1:
                self.kind = "optional"
                self.items = (shape_of(members[0]),)

    def decoder(self) -> t.Callable[[bytes], t.Any]:
        """The JSON decoder of the annotation, made on first use."""
        decode = self.decode
        if decode is None:
            decode = self.decode = msgspec.json.Decoder(self.annotation).decode
        return decode

    def fields(self) -> tuple[_Field, ...] | None:
        """``(wire name, pointer step, required, shape, leaf decoder)`` of
        each field of a model, the decoder ``None`` unless the field's
        shape is a leaf; made on first use, so that a model that contains
        itself is finite."""
        if self._fields is None:
            found = model_fields(self.model)
            if found is None:
                return None
            fields = []
            for field in found:
                shape = shape_of(field.annotation)
                fields.append(
                    (
                        field.wire_name,
                        _step(field.wire_name),
                        field.required,
                        shape,
                        shape.decoder() if shape.kind is _LEAF else None,
                    )
                )
            self._fields = tuple(fields)
        return self._fields

    def descend(
        self,
        collector: Collector,
        value: t.Any,
        where: str,
        strict: bool,
        known: _Found | None = None,
    ) -> None:
        """Check the parts of ``value`` that failed as a whole.

        :param known: msgspec's message about ``value`` and the path it
            names: the part that path goes through is known to fail with
            that message, and is not checked again (PERF: the 422
            benchmark).
        """
        kind = self.kind
        path = known[1] if known is not None else None
        if kind is _MODEL:
            if type(value) is not dict:
                return
            fields = self._fields or self.fields()
            if fields is None:
                return
            check = collector.check
            first = path[0] if path else None
            for wire_name, step, required, shape, leaf_decode in fields:
                if wire_name in value:
                    item = value[wire_name]
                    if wire_name == first:
                        assert known is not None and path is not None
                        rest = path[1:]
                        if leaf_decode is not None:
                            # PERF: the 422 benchmark; the known error of a
                            # leaf is listed as check() would list it.
                            collector.at(
                                where + step + "".join(map(_step, rest))
                                if rest
                                else where + step,
                                known[0],
                            )
                        else:
                            check(item, shape, where + step, strict, (known[0], rest))
                    elif leaf_decode is not None and strict:
                        # PERF: the 422 benchmark; what check() does for a
                        # field with nothing below it, without its frame.
                        try:
                            leaf_decode(_encode(item))
                        except msgspec.ValidationError as e:
                            message = str(e)
                            if " - at `" not in message:
                                # The usual leaf error, with no path below.
                                collector.at(where + step, message)
                            else:
                                detail, rest = _split_message(message)
                                collector.at(
                                    where + step + "".join(map(_step, rest)), detail
                                )
                    else:
                        check(item, shape, where + step, strict)
                elif required:
                    collector.at(
                        where + step, f"Object missing required field `{wire_name}`"
                    )
            if self.forbid:
                known_names = {field[0] for field in fields}
                for key in value:
                    if key not in known_names:
                        collector.at(
                            where + _step(key), f"Object contains unknown field `{key}`"
                        )
        elif kind is _SEQUENCE:
            if type(value) is list:
                item = self.items[0]
                check = collector.check
                first = path[0] if path else None
                for index, element in enumerate(value):
                    if index == first and type(first) is int:
                        assert known is not None and path is not None
                        below = (known[0], path[1:])
                        check(element, item, f"{where}/{index}", strict, below)
                    else:
                        check(element, item, f"{where}/{index}", strict)
        elif kind == "tuple":
            if type(value) is list and len(value) == len(self.items):
                for index, (element, item) in enumerate(
                    zip(value, self.items, strict=True)
                ):
                    collector.check(element, item, f"{where}/{index}", strict)
        elif kind == "mapping":
            # msgspec names a value of a dict by ``[...]``, not its key:
            # the path can't say which one failed.
            if type(value) is dict:
                item = self.items[0]
                for key, element in value.items():
                    collector.check(element, item, where + _step(key), strict)
        elif kind == "optional" and value is not None:
            self.items[0].descend(collector, value, where, strict, known)


_shapes: dict[t.Any, _Shape] = {}


def shape_of(annotation: t.Any) -> _Shape:
    """The :class:`_Shape` of ``annotation``, made once."""
    try:
        found = _shapes.get(annotation)
    except TypeError:  # an unhashable annotation: made each time
        return _Shape(annotation)
    if found is None:
        found = _shapes[annotation] = _Shape(annotation)
    return found


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
    known = _split_message(fallback)
    # A recursive model nested deeper than Python's stack: what was found
    # is reported, else the fast decode's message. The whole value is known
    # to fail (the fast decode did, with that message): its parts are
    # checked straight away, the one its message names known to fail.
    try:  # noqa: SIM105
        shape_of(annotation).descend(collector, value, "", True, known)
    except RecursionError:
        # PERF: the 422 benchmark; try rather than contextlib.suppress,
        # whose enter and exit are Python calls.
        pass
    if not collector.errors:
        detail, below = known
        collector.body(below, detail)
    return collector.errors


def body_problem(error: HTTPException) -> Problem:
    """What reading the body raised (werkzeug's 413 over a limit, its 400
    for a form it can't parse) as problem details, the format of the
    extension's own answers; the class keeps the status's werkzeug base,
    so the app's handlers for that status still apply.

    :param error: the error reading the body raised.
    """
    if isinstance(error, RequestEntityTooLarge):
        return BodyTooLarge(detail=error.description)
    if isinstance(error, BadRequest):
        return MalformedBody(detail=error.description)
    return Problem(error.code or 400, error.description)


def malformed(error: Exception) -> MalformedBody:
    """The 400 for a body msgspec could not parse."""
    if isinstance(error, RecursionError):
        return MalformedBody(detail="The body is nested too deeply.")
    return MalformedBody(detail=f"The body is not valid JSON: {error}.")
