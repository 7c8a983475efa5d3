"""What a typed view returns, and how it becomes a response.

A view whose return annotation is a model (``-> Item``), a list or dict of
models, :class:`Created` or :class:`Reply` has its return value encoded to
JSON by a :class:`msgspec.json.Encoder` made once for the view. A view may
still return a response object: it is passed through.

With ``API_VALIDATE_RESPONSES`` on (for development), the encoded body is
decoded again against the annotation; a mismatch is the server's bug, so it
is logged and answered with 500 (:class:`~framework_api.InvalidResponse`).
"""

from __future__ import annotations

import types
import typing as t

import attrs
import msgspec
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.sansio.response import Response as SansIOResponse

from .models import is_pydantic, mentions_model, mentions_pydantic, strip_annotated
from .operations import ReturnSpec
from .problems import InvalidResponse

if t.TYPE_CHECKING:
    from framework.wrappers import Response

__all__ = [
    "Created",
    "Reply",
    "fast_maker",
    "make_finisher",
    "return_spec",
    "status_line",
]

T = t.TypeVar("T")

JSON_MEDIA_TYPE = "application/json"


@attrs.define(slots=True)
class Reply(t.Generic[T]):
    """A body with its status and headers: ``-> Reply[Item]``, then
    ``return Reply(item, status=202, headers={"Retry-After": "5"})``.

    :param body: the value encoded as the response body.
    :param status: the response status.
    :param headers: more response headers.
    """

    body: T
    status: int = 200
    headers: t.Mapping[str, str] | None = None


@attrs.define(slots=True)
class Created(t.Generic[T]):
    """A new resource: **201 Created**, with a ``Location`` header when
    ``location`` is given. ``-> Created[Item]``, then
    ``return Created(item, location=f"/items/{item.id}")``.

    :param body: the value encoded as the response body.
    :param location: the URL of the new resource.
    :param headers: more response headers.
    """

    body: T
    location: str | None = None
    headers: t.Mapping[str, str] | None = None


def return_spec(annotation: t.Any, typed: bool) -> ReturnSpec | None:
    """The :class:`~framework_api.operations.ReturnSpec` of a return
    annotation, or ``None`` when the extension leaves the value to the app.

    :param annotation: the resolved return annotation.
    :param typed: whether the view is typed by its parameters, in which
        case ``-> None`` means **204 No Content**.
    """
    # ``Created[Item] | Response`` is a Created: a response is passed through.
    annotation = _without_responses(annotation)
    origin = t.get_origin(annotation)
    if origin is Created or annotation is Created:
        body = t.get_args(annotation)[0] if origin is Created else t.Any
        return ReturnSpec(
            annotation=None if body is type(None) else body,
            status=201,
            description="Created",
        )
    if origin is Reply or annotation is Reply:
        body = t.get_args(annotation)[0] if origin is Reply else t.Any
        if body is type(None):
            # A reply without a body: 204 unless the view says otherwise.
            return ReturnSpec(annotation=None, status=204, description="No Content")
        return ReturnSpec(annotation=body)
    if annotation is None or annotation is type(None):
        if typed:
            return ReturnSpec(annotation=None, status=204, description="No Content")
        return None
    if mentions_model(annotation):
        return ReturnSpec(annotation=_without_responses(annotation))
    return None


def _without_responses(annotation: t.Any) -> t.Any:
    """``Item | Response`` as ``Item``: a response object is passed
    through, so it is no part of the body's type."""
    if t.get_origin(annotation) in (t.Union, types.UnionType):
        members = [
            member
            for member in t.get_args(annotation)
            if not (isinstance(member, type) and issubclass(member, SansIOResponse))
        ]
        if len(members) == 1:
            return members[0]
        return t.Union[tuple(members)]  # noqa: UP007
    return annotation


def _enc_hook(value: t.Any) -> t.Any:
    # Only pydantic models reach here among the supported return types.
    dump = getattr(value, "model_dump", None)
    if dump is not None and is_pydantic(type(value)):
        return dump(mode="json")
    raise NotImplementedError(
        f"Objects of type {type(value).__name__} can't be encoded."
    )


def status_line(status: int) -> str:
    """The status line werkzeug sends for ``status``: ``201 CREATED``."""
    line = _STATUS_LINES.get(status)
    if line is None:
        reason = HTTP_STATUS_CODES.get(status)
        line = f"{status} {reason.upper()}" if reason else f"{status} UNKNOWN"
        if 100 <= status <= 999:
            # PERF: the 422 benchmark; three-digit statuses are few.
            _STATUS_LINES[status] = line
    return line


_STATUS_LINES: dict[int, str] = {}


def fast_maker(response_class: type[Response]) -> t.Callable[..., Response] | None:
    """``response_class.fast`` when the class supports it
    (:meth:`~framework.wrappers.Response.supports_fast`), else ``None``;
    decided once per class.

    :param response_class: the app's response class.
    """
    try:
        return _FAST_MAKERS[response_class]
    except KeyError:
        pass
    supports_fast = getattr(response_class, "supports_fast", None)
    fast = (
        response_class.fast if supports_fast is not None and supports_fast() else None
    )
    _FAST_MAKERS[response_class] = fast
    return fast


#: :func:`fast_maker`'s answers. Response classes are few; a class made
#: per request would be kept, as the class itself keeps its methods.
_FAST_MAKERS: dict[type[t.Any], t.Callable[..., t.Any] | None] = {}


def make_finisher(
    app: t.Any,
    spec: ReturnSpec,
    where: str,
    validate: bool,
) -> t.Callable[[t.Any], t.Any]:
    """The function that turns a view's return value into a response.

    :param app: the app (its ``response_class`` and logger).
    :param spec: what the view returns.
    :param where: the view's name, for the log line of a bad response.
    :param validate: check the value against the annotation first.
    """
    response_class: type[Response] = app.response_class
    fast = fast_maker(response_class)
    annotation = spec.annotation
    encode = msgspec.json.Encoder(enc_hook=_enc_hook).encode
    check: t.Callable[[t.Any, bytes], None] | None = None
    if validate and annotation is not None:
        check = _checker(app, annotation, where)

    def respond(body: bytes, status: int) -> Response:
        if annotation is None:
            # No body, so no Content-Type either (a 204, or a bodiless 201).
            response = response_class(status=status)
            response.headers.pop("Content-Type", None)
            return response
        if fast is not None:
            return fast(body, JSON_MEDIA_TYPE, status_line(status))
        return response_class(body, status, mimetype=JSON_MEDIA_TYPE)

    created_status = status_line(201)

    if spec.annotation is None:

        def encode_body(value: t.Any) -> bytes:
            return b""

    elif check is not None:
        checked = check

        def encode_body(value: t.Any) -> bytes:
            data = encode(value)
            checked(value, data)
            return data

    else:
        encode_body = encode  # type: ignore[assignment]

    plain_status = status_line(spec.status)
    default_status = spec.status

    # PERF: the typed POST benchmark; a view returning exactly its
    # annotated class goes straight to the encoder.
    plain = (
        annotation
        if fast is not None
        and check is None
        and isinstance(annotation, type)
        and t.get_origin(annotation) is None
        and spec.status != 204
        else None
    )

    # A tuple the view returns is Flask's response tuple, unless the
    # annotation says the body is one.
    tuples_are_flasks = not _is_tuple_type(annotation)

    def finish(rv: t.Any) -> t.Any:
        if type(rv) is plain:
            return fast(encode(rv), JSON_MEDIA_TYPE, plain_status)  # type: ignore[misc]
        if isinstance(rv, SansIOResponse):
            return rv
        kind = type(rv)
        if kind is Created:
            if fast is not None and annotation is not None:
                # PERF: the typed POST benchmark; the Location set with the
                # response, which keeps it in the fast lane.
                response = fast(
                    encode_body(rv.body), JSON_MEDIA_TYPE, created_status, rv.location
                )
            else:
                response = respond(encode_body(rv.body), 201)
                if rv.location is not None:
                    response.headers["Location"] = rv.location
            if rv.headers:
                response.headers.update(rv.headers)
            return response
        if kind is Reply:
            response = respond(encode_body(rv.body), rv.status)
            if rv.headers:
                response.headers.update(rv.headers)
            return response
        if kind is tuple and tuples_are_flasks:
            # Flask's (body, status[, headers]): what a decorator's refusal
            # returns (``return "Forbidden", 403``); the app makes it.
            return rv
        if default_status == 204:
            if rv is not None:
                # Anything but None from a -> None view is the app's to
                # answer, as without the extension: a decorator's 403 stays
                # a 403.
                return rv
            response = response_class(status=204)
            response.headers.pop("Content-Type", None)
            return response
        if fast is not None:
            # PERF: the typed POST benchmark; the plain return of a model.
            return fast(encode_body(rv), JSON_MEDIA_TYPE, plain_status)
        return respond(encode_body(rv), default_status)

    return finish


def _is_tuple_type(annotation: t.Any) -> bool:
    """Whether values of ``annotation`` may be tuples (``tuple[...]``,
    ``tuple``, a union holding one)."""
    base = strip_annotated(annotation)[0]
    if base is tuple or t.get_origin(base) is tuple:
        return True
    if t.get_origin(base) in (t.Union, types.UnionType):
        return any(_is_tuple_type(member) for member in t.get_args(base))
    return isinstance(base, type) and issubclass(base, tuple)


def _checker(
    app: t.Any, annotation: t.Any, where: str
) -> t.Callable[[t.Any, bytes], None]:
    """A check of an encoded return value against ``annotation`` that logs
    and raises :class:`InvalidResponse` on a mismatch."""
    if mentions_pydantic(annotation):
        from pydantic import TypeAdapter

        adapter: t.Any = TypeAdapter(annotation)

        def validate(data: bytes) -> t.Any:
            return adapter.validate_json(data)

        errors: tuple[type[Exception], ...] = (ValueError,)
    else:
        validate = msgspec.json.Decoder(annotation).decode  # type: ignore[assignment]
        errors = (msgspec.ValidationError,)

    def check(value: t.Any, data: bytes) -> None:
        try:
            validate(data)
        except errors as e:
            _mismatch(app, where, annotation, e)

    return check


def _mismatch(app: t.Any, where: str, annotation: t.Any, reason: object) -> t.NoReturn:
    """Log that a view's value does not match its return annotation, and
    raise the 500 :class:`InvalidResponse`."""
    app.logger.error(
        "%s returned a value that does not match its return annotation %r: %s",
        where,
        annotation,
        reason,
    )
    raise InvalidResponse(
        detail="The server made a response that does not match its declared type."
    ) from None
