"""From a view's signature and type hints to its
:class:`~framework_api.operations.Operation`.

Runs once per view, at setup. A view is *typed* when a parameter is a
model or carries a marker (``Query[...]``, ``Header[...]``, ``Cookie[...]``,
``Body[...]``, ``Form[...]``), or when its return annotation is one the
extension serialises; :func:`analyse_view` returns ``None`` for every
other view, which the app then calls as it always did.

Hints the extension cannot bind (two bodies, a marker on ``*args``, a type
msgspec cannot decode) raise :class:`TypeError` here, naming the view and
the parameter, rather than failing per request.
"""

from __future__ import annotations

import enum
import inspect
import re
import typing as t

import msgspec

from .markers import MULTIPART, BodyParam, FormParam, Param
from .models import (
    is_file,
    is_model,
    is_pydantic,
    mentions_file,
    mentions_model,
    mentions_pydantic,
    model_of,
    record_fields,
    strip_annotated,
)
from .operations import (
    BodySpec,
    Operation,
    ParamGroup,
    ParamSpec,
    ReturnSpec,
    Source,
    docstring_parts,
)
from .returns import return_spec

__all__ = ["analyse_function", "analyse_view", "is_constrained", "path_arguments"]

_METHOD_NAMES = ("get", "post", "put", "patch", "delete", "head", "options", "trace")

#: The metadata of ``msgspec.Meta`` that constrains a value (the rest
#: only documents it).
_CONSTRAINTS = (
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "pattern",
    "min_length",
    "max_length",
    "tz",
)


def path_arguments(app: t.Any, endpoint: str) -> frozenset[str]:
    """The names every rule of ``endpoint`` gives the view: its
    converters' arguments and its defaults."""
    url_map = getattr(app, "url_map", None)
    if url_map is None:
        return frozenset()
    names: set[str] = set()
    try:
        rules = url_map.iter_rules(endpoint)
    except KeyError:
        return frozenset()
    for rule in rules:
        names.update(rule.arguments)
    return frozenset(names)


def _websocket_only(app: t.Any, endpoint: str) -> bool:
    """Whether every rule of ``endpoint`` is a websocket rule."""
    url_map = getattr(app, "url_map", None)
    if url_map is None:
        return False
    try:
        rules = list(url_map.iter_rules(endpoint))
    except KeyError:
        return False
    return bool(rules) and all(getattr(rule, "websocket", False) for rule in rules)


#: Words of an annotation that can only mean the extension: one that can't
#: be resolved but says one of them is an error, not an untyped view.
_OWN_WORDS = re.compile(r"\b(Query|Header|Cookie|Body|Form|Created|Reply)\[")


def _resolve_hints(function: t.Callable[..., t.Any], where: str) -> dict[str, t.Any]:
    """The function's type hints, resolved. A hint that can't be resolved
    (a name imported only for the type checker) is left out rather than
    failing: a view that is not typed must keep working. One that names a
    marker, ``Created`` or ``Reply`` raises ``TypeError``: the view was
    meant to be typed."""
    try:
        return t.get_type_hints(function, include_extras=True)
    except Exception:
        pass
    raw = getattr(function, "__annotations__", None) or {}
    unwrapped = inspect.unwrap(function)
    namespace = dict(getattr(unwrapped, "__globals__", {}))
    hints: dict[str, t.Any] = {}
    for name, annotation in raw.items():
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)
            except Exception as e:
                if _OWN_WORDS.search(annotation):
                    raise TypeError(
                        f"{where}: the annotation {annotation!r} of"
                        f" {'the return' if name == 'return' else repr(name)}"
                        f" can't be resolved ({e}); define the names it uses"
                        " at module level."
                    ) from None
                continue
        hints[name] = annotation
    return hints


def _param_marker(metadata: tuple[t.Any, ...]) -> t.Any:
    markers = [m for m in metadata if isinstance(m, (Param, BodyParam, FormParam))]
    if len(markers) > 1:
        raise TypeError("more than one marker (Query, Header, Body...)")
    return markers[0] if markers else None


def _without_marker(annotation: t.Any) -> t.Any:
    """``Annotated[T, Meta(...), QueryParam()]`` as ``Annotated[T,
    Meta(...)]``, or ``T`` when only markers were there."""
    base, metadata = strip_annotated(annotation)
    kept = tuple(
        m for m in metadata if not isinstance(m, (Param, BodyParam, FormParam))
    )
    if not kept:
        return base
    return t.Annotated[(base, *kept)]


def _meta_value(annotation: t.Any, attribute: str) -> t.Any:
    for meta in strip_annotated(annotation)[1]:
        if isinstance(meta, msgspec.Meta):
            value = getattr(meta, attribute, None)
            if value is not None:
                return value
    return None


def is_constrained(annotation: t.Any) -> bool:
    """Whether a path parameter's annotation checks more than its
    converter does: ``Meta`` constraints, a ``Literal`` or an ``Enum``."""
    base, metadata = strip_annotated(annotation)
    for meta in metadata:
        if isinstance(meta, msgspec.Meta) and any(
            getattr(meta, name, None) is not None for name in _CONSTRAINTS
        ):
            return True
    if t.get_origin(base) is t.Literal:
        return True
    return isinstance(base, type) and issubclass(base, enum.Enum)


def _header_key(name: str) -> str:
    """The header a name reads: a lower-case name (``x_request_id``,
    ``x-request-id``) in header case, ``X-Request-Id``; one with capitals
    (a field renamed ``X-API-Key``, or ``xTrace`` by ``rename="camel"``)
    as written."""
    if name != name.lower():
        return name
    return "-".join(part.capitalize() for part in re.split("[_-]", name))


def _wire_key(marker: Param, name: str) -> str:
    """The key a parameter named ``name`` reads: the marker's ``name``,
    else ``name`` itself (with ``_`` as ``-`` for a header)."""
    if marker.name is not None:
        return marker.name
    return _header_key(name) if marker.source is Source.HEADER else name


def _param_spec(
    name: str,
    source: Source,
    key: str,
    annotation: t.Any,
    *,
    required: bool,
    default: t.Any,
    description: str | None = None,
    deprecated: bool = False,
    group: ParamGroup | None = None,
) -> ParamSpec:
    """A :class:`ParamSpec`, its description from the annotation's
    ``Meta`` when not given."""
    return ParamSpec(
        name=name,
        source=source,
        key=key,
        annotation=annotation,
        required=required,
        default=default,
        description=description or _meta_value(annotation, "description"),
        deprecated=deprecated,
        group=group,
    )


def _group_specs(where: str, name: str, marker: Param, model: t.Any) -> list[ParamSpec]:
    """One :class:`ParamSpec` per field of a query, header or cookie model
    (``filters: Query[Filters]``), each naming the group it belongs to.
    The fields take what a scalar parameter takes: a scalar, or a list of
    them."""
    if marker.name is not None:
        raise TypeError(
            f"{where}: parameter {name!r} is a {marker.source.value} model; its"
            " fields give the names, so name= has no meaning here."
        )
    group = ParamGroup(name=name, model=strip_annotated(model)[0], source=marker.source)
    fields = record_fields(group.model)
    if fields is None:
        raise TypeError(
            f"{where}: the {marker.source.value} model of parameter {name!r} is"
            " read as an array; it needs named fields."
        )
    specs = []
    for field in fields:
        if mentions_model(field.annotation) or is_file(field.annotation):
            raise TypeError(
                f"{where}: field {field.name!r} of the {marker.source.value} model"
                f" of parameter {name!r} is a model or a file; {marker.source.value}"
                " parameters take scalars (int, str, bool, ...) or lists of them."
            )
        if not is_pydantic(group.model):
            try:
                msgspec.json.Decoder(field.annotation)
            except TypeError as e:
                raise TypeError(
                    f"{where}: field {field.name!r} of parameter {name!r} has a"
                    f" type msgspec can't convert: {e}"
                ) from None
        key = (
            _header_key(field.wire_name)
            if marker.source is Source.HEADER
            else field.wire_name
        )
        specs.append(
            _param_spec(
                field.wire_name,
                marker.source,
                key,
                field.annotation,
                required=field.required,
                default=field.default,
                deprecated=marker.deprecated,
                group=group,
            )
        )
    return specs


def _has_file_field(model: t.Any) -> bool:
    fields = record_fields(model_of(model)) or ()
    return any(is_file(field.annotation) for field in fields)


def _check_keys(where: str, params: list[ParamSpec]) -> None:
    """Raise ``TypeError`` when two parameters read the same query key,
    header (names are case-insensitive) or cookie."""
    seen: dict[tuple[Source, str], ParamSpec] = {}
    for spec in params:
        if spec.source is Source.PATH:
            continue
        key = spec.key.lower() if spec.source is Source.HEADER else spec.key
        other = seen.setdefault((spec.source, key), spec)
        if other is not spec:
            raise TypeError(
                f"{where}: {_reader(other)} and {_reader(spec)} both read the"
                f" {spec.source.value} {spec.key!r}; rename one (a field with"
                " msgspec.field(name=...), a parameter with name=...)."
            )


def _reader(spec: ParamSpec) -> str:
    if spec.group is None:
        return f"parameter {spec.name!r}"
    return f"field {spec.name!r} of parameter {spec.group.name!r}"


def _check_decodable(annotation: t.Any) -> None:
    """Raise ``TypeError`` now for a type msgspec cannot decode."""
    if mentions_pydantic(annotation):
        return
    msgspec.json.Decoder(annotation)


def analyse_function(
    function: t.Callable[..., t.Any],
    *,
    endpoint: str,
    method: str | None,
    path_names: t.AbstractSet[str],
    skip_first: bool = False,
) -> Operation | None:
    """The operation of one function: a view, or one method of a
    class-based view; ``None`` when it is not typed.

    :param function: the view function, or the class's method function.
    :param endpoint: the view's endpoint, for messages and the operation.
    :param method: the HTTP method of a class's method; ``None`` for a
        view function.
    :param path_names: the names the URL rules give the view.
    :param skip_first: skip the first parameter (``self``).
    :raise TypeError: the hints cannot be bound.
    """
    where = (
        f"view {endpoint!r}"
        if method is None
        else (f"{getattr(function, '__qualname__', endpoint)} (endpoint {endpoint!r})")
    )
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    hints = _resolve_hints(function, where)
    parameters = list(signature.parameters.values())
    if skip_first and parameters:
        parameters = parameters[1:]

    params: list[ParamSpec] = []
    body: BodySpec | None = None
    typed = False
    for parameter in parameters:
        name = parameter.name
        if name not in hints and name not in path_names:
            continue
        annotation = hints.get(name, t.Any)
        try:
            marker = _param_marker(strip_annotated(annotation)[1])
        except TypeError as e:
            raise TypeError(f"{where}: parameter {name!r} has {e}.") from None
        has_default = parameter.default is not inspect.Parameter.empty
        default = None if not has_default else parameter.default
        if marker is None and name in path_names:
            params.append(
                _param_spec(
                    name,
                    Source.PATH,
                    name,
                    annotation,
                    required=not has_default,
                    default=default,
                )
            )
            continue
        is_body = isinstance(marker, (BodyParam, FormParam)) or (
            marker is None and model_of(annotation) is not None
        )
        if marker is None and not is_body:
            continue
        if parameter.kind in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            raise TypeError(
                f"{where}: *{name} / **{name} can't take a request value;"
                " give each value its own parameter."
            )
        if parameter.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise TypeError(
                f"{where}: parameter {name!r} is positional-only; views are"
                " called with keyword arguments."
            )
        typed = True
        value_type = _without_marker(annotation)
        if is_body:
            if body is not None:
                raise TypeError(
                    f"{where}: parameters {body.name!r} and {name!r} both read"
                    " the request body; a view has one body parameter (make"
                    " one model holding both)."
                )
            if isinstance(marker, FormParam) and model_of(value_type) is None:
                raise TypeError(
                    f"{where}: Form[...] of parameter {name!r} takes a model"
                    " class, or one or None (its fields are the form's"
                    " fields), not"
                    f" {value_type!r}."
                )
            try:
                _check_decodable(value_type)
            except TypeError as e:
                raise TypeError(
                    f"{where}: the body parameter {name!r} has a type msgspec"
                    f" can't decode: {e}"
                ) from None
            form = isinstance(marker, FormParam)
            if not form and mentions_file(value_type):
                raise TypeError(
                    f"{where}: the body parameter {name!r} holds an uploaded"
                    " file; files come in a form: annotate it Form[...] of a"
                    " model whose field is the file."
                )
            media_types = (
                marker.media_types if marker is not None else BodyParam().media_types
            )
            if form and _has_file_field(value_type):
                # Files travel only in a multipart form.
                media_types = (MULTIPART,)
            body = BodySpec(
                name=name,
                annotation=value_type,
                media_types=media_types,
                required=not has_default,
                default=default,
                description=(marker.description if marker is not None else None)
                or _meta_value(value_type, "description"),
                form=form,
            )
            continue
        if name in path_names:
            raise TypeError(
                f"{where}: parameter {name!r} is an argument of the URL rule;"
                " it can't also be a query, header or cookie parameter."
            )
        if is_model(value_type):
            if has_default:
                raise TypeError(
                    f"{where}: the {marker.source.value} model parameter"
                    f" {name!r} has a default; give the model's fields"
                    " defaults instead."
                )
            params.extend(_group_specs(where, name, marker, value_type))
            continue
        if is_file(value_type):
            raise TypeError(
                f"{where}: parameter {name!r} is a file; files come in a form:"
                " make it a field of a Form[...] model."
            )
        if mentions_model(value_type):
            raise TypeError(
                f"{where}: parameter {name!r} has a model inside its type; a"
                f" {marker.source.value} parameter takes a model class itself"
                " (not Model | None, nor list[Model]), or scalars."
            )
        try:
            msgspec.json.Decoder(value_type)
        except TypeError as e:
            raise TypeError(
                f"{where}: parameter {name!r} has a type msgspec can't convert: {e}"
            ) from None
        params.append(
            _param_spec(
                name,
                marker.source,
                _wire_key(marker, name),
                value_type,
                required=not has_default,
                default=default,
                description=marker.description,
                deprecated=marker.deprecated,
            )
        )
    _check_keys(where, params)

    returns: ReturnSpec | None = None
    if "return" in hints:
        # With an Api on the app, ``-> None`` alone makes a view typed: it
        # answers 204 rather than failing on the None it returns.
        returns = return_spec(
            hints["return"], typed or hints["return"] in (None, type(None))
        )
        if returns is not None and returns.annotation is not None:
            try:
                _check_decodable(returns.annotation)
            except TypeError as e:
                raise TypeError(
                    f"{where}: the return annotation has a type msgspec can't"
                    f" encode: {e}"
                ) from None
    if not typed and returns is None:
        return None
    summary, description = docstring_parts(getattr(function, "__doc__", None))
    blueprint, _, _ = endpoint.rpartition(".")
    return Operation(
        endpoint=endpoint,
        method=method,
        function=function,
        params=tuple(params),
        body=body,
        returns=returns,
        summary=summary,
        description=description,
        tags=(blueprint,) if blueprint else (),
        is_async=inspect.iscoroutinefunction(inspect.unwrap(function)),
    )


def analyse_view(
    app: t.Any, endpoint: str, view: t.Callable[..., t.Any]
) -> dict[str | None, Operation] | None:
    """The operations of a registered view, by HTTP method (``None`` for a
    view function, which serves every method of its rules); ``None`` when
    nothing in it is typed.

    :param app: the app the view is registered on.
    :param endpoint: its endpoint.
    :param view: the registered view.
    :raise TypeError: the hints cannot be bound.
    """
    if _websocket_only(app, endpoint):
        # A websocket handler takes the socket, not the request's input.
        return None
    path_names = path_arguments(app, endpoint)
    view_class = getattr(view, "view_class", None)
    if isinstance(view_class, type):
        from framework.views import MethodView

        operations: dict[str | None, Operation] = {}
        if issubclass(view_class, MethodView) and (
            view_class.dispatch_request is MethodView.dispatch_request
        ):
            for name in _METHOD_NAMES:
                function = getattr(view_class, name, None)
                if function is None or not callable(function):
                    continue
                found = analyse_function(
                    function,
                    endpoint=endpoint,
                    method=name.upper(),
                    path_names=path_names,
                    skip_first=True,
                )
                if found is not None:
                    operations[name.upper()] = found
        else:
            found = analyse_function(
                getattr(view_class, "dispatch_request"),  # noqa: B009
                endpoint=endpoint,
                method=None,
                path_names=path_names,
                skip_first=True,
            )
            if found is not None:
                operations[None] = found
        return operations or None
    found = analyse_function(
        view, endpoint=endpoint, method=None, path_names=path_names
    )
    return None if found is None else {None: found}
