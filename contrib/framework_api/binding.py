"""The view binder that turns each typed view into the code that runs per
request.

:class:`ApiBinder` is a :class:`~framework.interfaces.ViewBinder`: the
dispatcher hands it every view once, at setup. It analyses the view
(:mod:`framework_api.analysis`); a view that is not typed goes to the app's
previous binder, untouched. A typed one is compiled into two flat
closures, over decoders made once:

* ``prepare(request, values)`` reads the query string, headers, cookies
  and body the view's hints ask for, converts them (one
  :func:`msgspec.convert` into a ``Struct`` made for the view, one
  :class:`msgspec.json.Decoder` for the body) and adds them to the URL's
  values, or raises the 4xx :class:`~framework_api.Problem`;
* ``finish(rv)`` encodes what the view returned
  (:mod:`framework_api.returns`).

Nothing about the view is inspected per request. A class-based view's
function is wrapped rather than its class changed: the wrapper picks the
compiled pair of the request's method, and gives the class's own code the
converted values.
"""

from __future__ import annotations

import collections.abc as cabc
import copy
import functools
import inspect
import types
import typing as t

import msgspec
from werkzeug.exceptions import HTTPException

from framework.binding import ViewBinder
from framework.concurrency import ON_LOOP
from framework.globals import request as request_proxy

from .analysis import is_constrained
from .markers import FORM_MEDIA_TYPES
from .models import (
    is_file,
    is_pydantic,
    mentions_pydantic,
    model_of,
    record_fields,
    strip_annotated,
)
from .operations import BodySpec, Operation, ParamGroup, ParamSpec, Source
from .problems import (
    Collector,
    Problem,
    UnsupportedBodyType,
    body_errors,
    body_problem,
    invalid,
    malformed,
    pointer,
)
from .returns import make_finisher

if t.TYPE_CHECKING:
    from framework.interfaces import AppLike
    from framework.interfaces import ViewBinder as ViewBinderProtocol
    from framework.typing import RouteCallable
    from framework.wrappers import Request

    from .extension import Api

__all__ = ["ApiBinder", "compile_operation"]

Values = dict[str, t.Any]
Errors = list[dict[str, t.Any]]
#: Reads the request's input into the values, or raises a 4xx problem.
Prepare = t.Callable[["Request", Values], None]
Finish = t.Callable[[t.Any], t.Any]
#: What a step returns: the errors it found, or ``None``.
Step = t.Callable[["Request", Values], "Errors | None"]

# PERF: the typed POST benchmark; the request object in one call, rather
# than an attribute lookup through the proxy for each read.
_current_request: t.Callable[[], Request] = t.cast(
    t.Any, request_proxy
)._get_current_object

_MULTI_ORIGINS: frozenset[t.Any] = frozenset(
    {list, set, frozenset, tuple, cabc.Sequence, cabc.Set, cabc.Collection}
)
_WHAT = {
    Source.QUERY: "query parameter",
    Source.HEADER: "header",
    Source.COOKIE: "cookie",
    Source.PATH: "path parameter",
}


def _is_multi(annotation: t.Any) -> bool:
    """Whether a parameter takes every value of a repeated key."""
    base = strip_annotated(annotation)[0]
    origin = t.get_origin(base)
    if origin in (t.Union, types.UnionType):
        return any(
            _is_multi(member) for member in t.get_args(base) if member is not type(None)
        )
    return origin in _MULTI_ORIGINS or base in _MULTI_ORIGINS


def _error_detail(error: Exception) -> str:
    detail, _, _ = str(error).partition(" - at `")
    return detail


#: The request's attribute each source of a model parameter reads.
_READS = {Source.QUERY: "args", Source.HEADER: "headers", Source.COOKIE: "cookies"}


def _params_step(
    operation: Operation,
    validated_path: t.AbstractSet[str],
    raise_limit: int | None = None,
) -> Step | None:
    """The step reading the query, header and cookie parameters (a model
    parameter's fields among them), and checking the path parameters with
    constraints. It returns the errors it found; with ``raise_limit``, it
    raises them as a 422 listing at most that many instead (the whole
    preparation of a view without a body)."""
    specs = [
        spec
        for spec in operation.params
        if spec.source is not Source.PATH
        or (spec.name in validated_path and is_constrained(spec.annotation))
    ]
    if not specs:
        return None
    fields: list[tuple[str, t.Any] | tuple[str, t.Any, t.Any]] = []
    query: list[tuple[str, str, bool]] = []
    headers: list[tuple[str, str, bool]] = []
    cookies: list[tuple[str, str, bool]] = []
    grouped: dict[str, list[tuple[str, str, bool]]] = {}
    groups: dict[str, ParamGroup] = {}
    path: list[str] = []
    for spec in specs:
        group = spec.group
        if group is not None:
            if group.name not in groups:
                groups[group.name] = group
                # The model is one field of the Struct below, converted from
                # a dict of its fields; pydantic validates its own after.
                model = dict[str, t.Any] if is_pydantic(group.model) else group.model
                fields.append((group.name, model))
            grouped.setdefault(group.name, []).append(
                (spec.name, spec.key, _is_multi(spec.annotation))
            )
            continue
        if spec.required:
            fields.append((spec.name, spec.annotation))
        else:
            fields.append((spec.name, spec.annotation, _struct_default(spec.default)))
        entry = (spec.name, spec.key, _is_multi(spec.annotation))
        if spec.source is Source.QUERY:
            query.append(entry)
        elif spec.source is Source.HEADER:
            headers.append(entry)
        elif spec.source is Source.COOKIE:
            cookies.append(entry)
        else:
            path.append(spec.name)
    # One conversion for all of them, into a Struct made for the view with
    # the view's defaults. PERF: the typed GET benchmark; msgspec converts
    # into a Struct in a third of the time it takes for a TypedDict.
    params_type: t.Any = msgspec.defstruct("Parameters", fields, kw_only=True)
    msgspec.json.Decoder(params_type)  # a type msgspec refuses fails now
    convert = msgspec.convert
    asdict = msgspec.structs.asdict
    ValidationError = msgspec.ValidationError
    query_fields = tuple(query)
    header_fields = tuple(headers)
    cookie_fields = tuple(cookies)
    group_fields = tuple(
        (_READS[group.source], name, tuple(grouped[name]))
        for name, group in groups.items()
    )
    path_fields = tuple(path)
    validate_pydantic = _pydantic_groups(
        [group for group in groups.values() if is_pydantic(group.model)], specs
    )
    checked = tuple(
        (spec, spec.group.name if spec.group is not None else None)
        for spec in specs
        if spec.group is None or not is_pydantic(spec.group.model)
    )
    model_groups = tuple(
        (name, group.model, group.source.value)
        for name, group in groups.items()
        if not is_pydantic(group.model)
    )

    def errors_of(raw: Values) -> Errors:
        errors: Errors = []
        for spec, group in checked:
            where = spec.source.value
            found = raw if group is None else raw[group]
            if spec.name in found:
                try:
                    convert(found[spec.name], spec.annotation, strict=False)
                except ValidationError as e:
                    errors.append(
                        {"in": where, "name": spec.key, "detail": _error_detail(e)}
                    )
            elif spec.required:
                errors.append(
                    {
                        "in": where,
                        "name": spec.key,
                        "detail": f"Missing required {_WHAT[spec.source]} `{spec.key}`",
                    }
                )
        if not errors:
            # A model's own check (a __post_init__ comparing two fields)
            # fails with no single field wrong: named by where it was read.
            for group_name, model, where in model_groups:
                try:
                    convert(raw[group_name], model, strict=False)
                except ValidationError as e:
                    errors.append({"in": where, "name": "", "detail": _error_detail(e)})
        if validate_pydantic is not None:
            errors.extend(validate_pydantic(dict(raw)))
        return errors

    def gather_rest(request: Request, values: Values, raw: Values) -> None:
        # Headers, cookies, models and path values, read by a view that has
        # any of them.
        if header_fields:
            _gather(request.headers, header_fields, raw)
        if cookie_fields:
            _gather(request.cookies, cookie_fields, raw)
        for attribute, group, entries in group_fields:
            model_values: Values = {}
            raw[group] = model_values
            _gather(getattr(request, attribute), entries, model_values)
        for name in path_fields:
            if name in values:
                raw[name] = values[name]

    rest = header_fields or cookie_fields or group_fields or path_fields
    more = gather_rest if rest else None

    def step(request: Request, values: Values) -> Errors | None:
        raw: Values = {}
        if query_fields:
            _gather(request.args, query_fields, raw)
        if more is not None:
            more(request, values, raw)
        try:
            values.update(asdict(convert(raw, params_type, strict=False)))
        except ValidationError as e:
            errors = errors_of(raw) or [
                {"in": "query", "name": "", "detail": _error_detail(e)}
            ]
        else:
            if validate_pydantic is None:
                return None
            errors = validate_pydantic(values)
            if not errors:
                return None
        # Made with a raise limit, the step is a view's whole preparation.
        if raise_limit is None:
            return errors
        raise invalid(errors, raise_limit) from None

    return step


def _gather(
    source: t.Any, entries: tuple[tuple[str, str, bool], ...], raw: Values
) -> None:
    """Read ``(name, key, multi)`` entries from a multidict into ``raw``
    under their names: every value of a multi one, else the first."""
    for name, key, multi in entries:
        if multi:
            found = source.getlist(key)
            if found:
                raw[name] = found
        else:
            value = source.get(key)
            if value is not None:
                raw[name] = value


def _pydantic_groups(
    groups: list[ParamGroup], specs: list[ParamSpec]
) -> t.Callable[[Values], Errors] | None:
    """The check of the model parameters pydantic validates: each dict of
    fields in the values becomes its model; the errors name the fields'
    keys. ``None`` when there are none."""
    if not groups:
        return None
    from pydantic import TypeAdapter
    from pydantic import ValidationError as PydanticError

    checks = tuple(
        (
            group.name,
            group.source.value,
            TypeAdapter(group.model).validate_python,
            {spec.name: spec.key for spec in specs if spec.group == group},
        )
        for group in groups
    )

    def validate(values: Values) -> Errors:
        errors: Errors = []
        for name, where, validate_python, keys in checks:
            try:
                values[name] = validate_python(values[name])
            except PydanticError as e:
                for item in e.errors(include_url=False):
                    location = item.get("loc") or ("",)
                    field = str(location[0])
                    errors.append(
                        {
                            "in": where,
                            "name": keys.get(field, field),
                            "detail": item["msg"],
                        }
                    )
        return errors

    return validate


def _struct_default(default: t.Any) -> t.Any:
    """A default for a field of the parameters' Struct: the view's own; a
    copy of it per request for a non-empty list, dict or set (msgspec
    refuses sharing those)."""
    if isinstance(default, (list, dict, set, bytearray)) and default:
        return msgspec.field(default_factory=functools.partial(copy.copy, default))
    return default


def _missing_body() -> Errors:
    return [{"in": "body", "pointer": "#", "detail": "A request body is required"}]


def _pydantic_errors(error: t.Any) -> Errors:
    """pydantic's errors as problem entries; a body that is not JSON at
    all raises the 400 instead."""
    found = error.errors(include_url=False)
    for item in found:
        if item.get("type") == "json_invalid":
            raise malformed(ValueError(item.get("msg", "invalid JSON")))
    return [
        {"in": "body", "pointer": pointer(item.get("loc", ())), "detail": item["msg"]}
        for item in found
    ]


def _json_body_step(body: BodySpec, limit: int) -> Step:
    """The step decoding a JSON body into the body parameter."""
    name = body.name
    required = body.required
    annotation = body.annotation
    unsupported = "The body must be JSON (Content-Type: application/json)."
    if mentions_pydantic(annotation):
        from pydantic import TypeAdapter
        from pydantic import ValidationError as PydanticError

        validate_json = TypeAdapter(annotation).validate_json

        def pydantic_step(request: Request, values: Values) -> Errors | None:
            try:
                data = request.get_data()
            except HTTPException as e:
                raise body_problem(e) from None
            if not data:
                return _missing_body() if required else None
            if not request.is_json:
                raise UnsupportedBodyType(detail=unsupported)
            try:
                values[name] = validate_json(data)
            except PydanticError as e:
                return _pydantic_errors(e)
            except RecursionError as e:
                raise malformed(e) from None
            return None

        return pydantic_step

    decode = msgspec.json.Decoder(annotation).decode
    ValidationError = msgspec.ValidationError
    DecodeError = msgspec.DecodeError

    def step(request: Request, values: Values) -> Errors | None:
        try:
            data = request.get_data()
        except HTTPException as e:
            raise body_problem(e) from None
        if not data:
            return _missing_body() if required else None
        if not request.is_json:
            raise UnsupportedBodyType(detail=unsupported)
        try:
            values[name] = decode(data)
        except ValidationError as e:
            return body_errors(data, annotation, limit, str(e))
        except (DecodeError, RecursionError) as e:
            raise malformed(e) from None
        return None

    return step


def _plain_json_decode(body: BodySpec) -> t.Callable[[bytes], t.Any] | None:
    """The msgspec decoder of a JSON body; ``None`` for a form or a type
    pydantic validates."""
    if body.form or mentions_pydantic(body.annotation):
        return None
    return msgspec.json.Decoder(body.annotation).decode


def _form_body_step(body: BodySpec, limit: int) -> Step:
    """The step converting a form into the body parameter's model."""
    name = body.name
    required = body.required
    model = model_of(body.annotation)
    if is_pydantic(model):
        from pydantic import TypeAdapter
        from pydantic import ValidationError as PydanticError

        validate_python = TypeAdapter(body.annotation).validate_python

        def convert_form(raw: Values) -> t.Any:
            try:
                return validate_python(raw)
            except PydanticError as e:
                raise _FormErrors(_pydantic_errors(e)) from None

    else:
        annotation = body.annotation

        def convert_form(raw: Values) -> t.Any:
            try:
                return msgspec.convert(raw, annotation, strict=False)
            except msgspec.ValidationError as e:
                collector = Collector(limit)
                collector.walk(raw, annotation, [], strict=False)
                if not collector.errors:
                    collector.body([], _error_detail(e))
                raise _FormErrors(collector.errors) from None

    fields = record_fields(model) or ()
    media_types = frozenset(FORM_MEDIA_TYPES)
    form_keys = tuple(
        (field.wire_name, field.wire_name, _is_multi(field.annotation))
        for field in fields
        if not is_file(field.annotation)
    )
    file_keys = tuple(
        (field.wire_name, _is_multi(field.annotation))
        for field in fields
        if is_file(field.annotation)
    )

    def step(request: Request, values: Values) -> Errors | None:
        mimetype = request.mimetype
        try:
            if not mimetype:
                # No Content-Type: no form was sent at all.
                if request.get_data():
                    raise UnsupportedBodyType(detail=_FORM_ONLY)
                return _missing_body() if required else None
            if mimetype not in media_types:
                raise UnsupportedBodyType(detail=_FORM_ONLY)
            form = request.form
            files = request.files if file_keys else None
        except Problem:
            raise
        except HTTPException as e:
            raise body_problem(e) from None
        raw: Values = {}
        _gather(form, form_keys, raw)
        if files is not None:
            _gather_files(files, form, file_keys, raw)
        if not raw and not required:
            # An empty form for an optional one: the view's default, as
            # for an empty JSON body.
            return None
        try:
            values[name] = convert_form(raw)
        except _FormErrors as e:
            return e.errors
        return None

    return step


def _gather_files(
    files: t.Any, form: t.Any, keys: tuple[tuple[str, bool], ...], raw: Values
) -> None:
    """Read the file fields of a form into ``raw``. A file input left
    empty (a part with no file name, as browsers send it) is no file; a
    text field in a file field's place is kept, for the conversion to
    refuse by name."""
    for key, multi in keys:
        found = [upload for upload in files.getlist(key) if upload.filename]
        if found:
            raw[key] = found if multi else found[0]
        elif key in form:
            raw[key] = form.getlist(key) if multi else form.get(key)


_FORM_ONLY = (
    "The body must be a form (Content-Type: application/x-www-form-urlencoded"
    " or multipart/form-data)."
)


class _FormErrors(Exception):
    def __init__(self, errors: Errors) -> None:
        self.errors = errors


def compile_operation(
    app: t.Any, operation: Operation, *, validate_responses: bool, max_errors: int
) -> tuple[Prepare | None, Finish | None]:
    """The per-request pair of one operation: ``prepare`` (``None`` when
    the view takes nothing from the request but the URL's values) and
    ``finish`` (``None`` when the return value goes to the app as is).

    :param app: the app the view is registered on.
    :param operation: what the analysis found.
    :param validate_responses: check return values against the annotation.
    :param max_errors: the most errors a 422 lists.
    """
    path_names = {spec.name for spec in operation.params if spec.source is Source.PATH}
    params = _params_step(
        operation, path_names, None if operation.body is not None else max_errors
    )
    body_step: Step | None = None
    if operation.body is not None:
        if operation.body.form:
            body_step = _form_body_step(operation.body, max_errors + 1)
        else:
            body_step = _json_body_step(operation.body, max_errors + 1)

    prepare: Prepare | None
    if params is not None and body_step is not None:
        read_params, read_body = params, body_step

        def prepare_both(request: Request, values: Values) -> None:
            errors = read_params(request, values)
            more = read_body(request, values)
            if more:
                errors = more if errors is None else errors + more
            if errors:
                raise invalid(errors, max_errors)

        prepare = prepare_both
    elif body_step is not None:
        read = body_step
        assert operation.body is not None
        decode = _plain_json_decode(operation.body)
        if decode is not None:
            name = operation.body.name
            annotation = operation.body.annotation
            DecodeError = msgspec.DecodeError
            ValidationError = msgspec.ValidationError
            collect = max_errors + 1

            def prepare_json(request: Request, values: Values) -> None:
                # PERF: the typed POST benchmark; a valid JSON body in one
                # frame. PERF: the 422 benchmark; an invalid one goes
                # straight to the second pass. Anything else takes the
                # step, which says why.
                try:
                    data = request.get_data()
                except HTTPException as e:
                    raise body_problem(e) from None
                if data and request.is_json:
                    try:
                        values[name] = decode(data)
                    except ValidationError as e:
                        message: str | None = str(e)
                    except (DecodeError, RecursionError):
                        message = None
                    else:
                        return
                    if message is not None:
                        found = body_errors(data, annotation, collect, message)
                        raise invalid(found, max_errors)
                errors = read(request, values)
                if errors:
                    raise invalid(errors, max_errors)

            prepare = prepare_json
        else:

            def prepare_body(request: Request, values: Values) -> None:
                errors = read(request, values)
                if errors:
                    raise invalid(errors, max_errors)

            prepare = prepare_body
    elif params is not None:
        # Made with a raise limit, the step raises rather than returns.
        prepare = t.cast("Prepare", params)
    else:
        prepare = None

    finish: Finish | None = None
    if operation.returns is not None:
        where = getattr(operation.function, "__qualname__", operation.endpoint)
        finish = make_finisher(app, operation.returns, where, validate_responses)
    return prepare, finish


def _bind_function(
    view: t.Callable[..., t.Any], prepare: Prepare | None, finish: Finish | None
) -> t.Callable[..., t.Any]:
    """A view function with its input prepared and its output finished."""
    get_request = _current_request
    if inspect.iscoroutinefunction(view):
        if prepare is not None and finish is not None:
            prepare_, finish_ = prepare, finish

            async def bound_async(**values: t.Any) -> t.Any:
                prepare_(get_request(), values)
                return finish_(await view(**values))

        elif prepare is not None:
            prepare_ = prepare

            async def bound_async(**values: t.Any) -> t.Any:
                prepare_(get_request(), values)
                return await view(**values)

        else:
            assert finish is not None
            finish_ = finish

            async def bound_async(**values: t.Any) -> t.Any:
                return finish_(await view(**values))

        return functools.wraps(view)(bound_async)

    if prepare is not None and finish is not None:
        prepare_, finish_ = prepare, finish

        def bound(**values: t.Any) -> t.Any:
            prepare_(get_request(), values)
            return finish_(view(**values))

    elif prepare is not None:
        prepare_ = prepare

        def bound(**values: t.Any) -> t.Any:
            prepare_(get_request(), values)
            return view(**values)

    else:
        assert finish is not None
        finish_ = finish

        def bound(**values: t.Any) -> t.Any:
            return finish_(view(**values))

    return functools.wraps(view)(bound)


def _bind_class_view(
    view: t.Callable[..., t.Any],
    pairs: dict[str | None, tuple[Prepare | None, Finish | None]],
) -> t.Callable[..., t.Any]:
    """A class-based view's function, wrapped: each request's method picks
    its compiled pair; the class's code then runs as registered, with the
    converted values."""
    if "GET" in pairs and "HEAD" not in pairs:
        # MethodView answers HEAD with get() when it has no head().
        view_class = getattr(view, "view_class", None)
        if getattr(view_class, "head", None) is None:
            pairs["HEAD"] = pairs["GET"]
    default = pairs.pop(None, None)
    get_request = _current_request

    @functools.wraps(view)
    def bound(**values: t.Any) -> t.Any:
        request = get_request()
        pair = pairs.get(request.method, default)
        if pair is None:
            return view(**values)
        prepare, finish = pair
        if prepare is not None:
            prepare(request, values)
        rv = view(**values)
        return rv if finish is None else finish(rv)

    on_loop = getattr(view, ON_LOOP, None)
    if on_loop is not None:
        loop_entry = on_loop

        async def bound_on_loop(**values: t.Any) -> t.Any:
            request = get_request()
            pair = pairs.get(request.method, default)
            if pair is None:
                return await loop_entry(**values)
            prepare, finish = pair
            if prepare is not None:
                prepare(request, values)
            rv = await loop_entry(**values)
            return rv if finish is None else finish(rv)

        setattr(bound, ON_LOOP, bound_on_loop)
    return bound


class ApiBinder(ViewBinder):
    """Binds typed views to their validated input and serialised output;
    leaves every other view to ``inner``, the app's previous binder.

    :class:`~framework_api.Api` installs it (``init_app``); it can also be
    given to an app directly, ``App(view_binder=ApiBinder(ViewBinder()))``.

    :param inner: the binder for the views that are not typed.
    :param api: the extension whose settings and analysis cache it uses;
        a private one when not given.
    """

    def __init__(
        self, inner: ViewBinderProtocol[t.Any], api: Api | None = None
    ) -> None:
        if api is None:
            from .extension import Api

            api = Api()
        self.inner = inner
        self.api = api
        self._bound: dict[str, tuple[t.Any, t.Any, RouteCallable]] = {}

    def bind(self, app: AppLike, endpoint: str, view: RouteCallable) -> RouteCallable:
        """The callable the pipeline calls for ``view``: compiled from its
        hints when it is typed, else what ``inner`` makes of it.

        :param app: the app the view is registered on.
        :param endpoint: the view's endpoint.
        :param view: the registered view.
        :raise TypeError: the view's hints can't be bound.
        """
        settings = self.api.settings(app)
        cached = self._bound.get(endpoint)
        if cached is not None and cached[0] is view and cached[1] == settings:
            return cached[2]
        operations = self.api.analyse(app, endpoint, view)
        if operations is None:
            bound = self.inner.bind(app, endpoint, view)
        else:
            validate, limit = settings
            pairs = {
                method: compile_operation(
                    app, operation, validate_responses=validate, max_errors=limit
                )
                for method, operation in operations.items()
            }
            if isinstance(getattr(view, "view_class", None), type):
                bound = _bind_class_view(view, pairs)
            else:
                prepare, finish = pairs[None]
                bound = _bind_function(view, prepare, finish)
        self._bound[endpoint] = (view, settings, bound)
        return bound
