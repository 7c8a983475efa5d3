"""Which types are models, and what the extension needs to know of them.

A model is a class whose instances are records of named fields: a
:class:`msgspec.Struct`, a :mod:`dataclasses` dataclass, an :mod:`attrs`
class, a :class:`typing.TypedDict`, or a pydantic ``BaseModel`` when
pydantic is installed. msgspec decodes and encodes all but the last
natively; pydantic models go through pydantic's own validation (see
:func:`is_pydantic`), imported only when a view uses one.

Everything here runs at setup; nothing per request.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import types
import typing as t

import attrs
import msgspec
from werkzeug.datastructures import FileStorage

__all__ = [
    "ModelField",
    "is_file",
    "is_model",
    "is_pydantic",
    "mentions_file",
    "mentions_model",
    "mentions_pydantic",
    "model_fields",
    "model_of",
    "record_fields",
    "strip_annotated",
]

_UNION_TYPES: tuple[t.Any, ...] = (t.Union, types.UnionType)


def strip_annotated(annotation: t.Any) -> tuple[t.Any, tuple[t.Any, ...]]:
    """``(T, metadata)`` for ``Annotated[T, *metadata]``; ``(annotation,
    ())`` for anything else."""
    if t.get_origin(annotation) is t.Annotated:
        return annotation.__origin__, tuple(annotation.__metadata__)
    return annotation, ()


def _pydantic_base() -> type | None:
    # Only an app that already imported pydantic can have a pydantic model:
    # looking in sys.modules never imports it for the others.
    module = sys.modules.get("pydantic")
    return getattr(module, "BaseModel", None) if module is not None else None


def is_pydantic(annotation: t.Any) -> bool:
    """Whether ``annotation`` is a pydantic model class."""
    base = _pydantic_base()
    return (
        base is not None
        and isinstance(annotation, type)
        and issubclass(annotation, base)
        and annotation is not base
    )


def is_model(annotation: t.Any) -> bool:
    """Whether ``annotation`` (``Annotated`` taken off) is a model class: a
    ``msgspec.Struct``, a dataclass, an attrs class, a ``TypedDict`` or a
    pydantic model.

    :param annotation: a resolved type hint.
    """
    annotation = strip_annotated(annotation)[0]
    if not isinstance(annotation, type):
        return False
    return (
        issubclass(annotation, msgspec.Struct)
        or dataclasses.is_dataclass(annotation)
        or attrs.has(annotation)
        or t.is_typeddict(annotation)
        or is_pydantic(annotation)
    )


def _walk(annotation: t.Any) -> t.Iterator[t.Any]:
    """``annotation`` and every type argument in it, depth first."""
    annotation = strip_annotated(annotation)[0]
    yield annotation
    for argument in t.get_args(annotation):
        if argument is not Ellipsis:
            yield from _walk(argument)


def mentions_model(annotation: t.Any) -> bool:
    """Whether ``annotation`` is a model or contains one: ``Item``,
    ``list[Item]``, ``dict[str, Item]``, ``Item | None``."""
    return any(is_model(part) for part in _walk(annotation))


def is_file(annotation: t.Any) -> bool:
    """Whether ``annotation`` is an uploaded file of a form, or a list of
    them, or one or ``None``: ``FileStorage``, ``list[FileStorage]``,
    ``FileStorage | None``."""
    return any(
        isinstance(part, type) and issubclass(part, FileStorage)
        for part in _walk(annotation)
    )


def model_of(annotation: t.Any) -> t.Any:
    """The model class of ``Model`` or ``Model | None`` (either perhaps
    ``Annotated``); ``None`` for any other annotation."""
    base = strip_annotated(annotation)[0]
    if t.get_origin(base) in _UNION_TYPES:
        members = [m for m in t.get_args(base) if m is not type(None)]
        if len(members) != 1:
            return None
        base = strip_annotated(members[0])[0]
    return base if is_model(base) else None


def mentions_file(annotation: t.Any, _seen: set[type] | None = None) -> bool:
    """Whether an uploaded file is anywhere in ``annotation``: itself, a
    type argument, or a field of a model in it, however deep."""
    seen = set() if _seen is None else _seen
    for part in _walk(annotation):
        if isinstance(part, type) and issubclass(part, FileStorage):
            return True
        if is_model(part) and part not in seen:
            seen.add(part)
            fields = record_fields(part) or ()
            if any(mentions_file(field.annotation, seen) for field in fields):
                return True
    return False


def mentions_pydantic(annotation: t.Any) -> bool:
    """Whether ``annotation`` is or contains a pydantic model, so that
    pydantic, not msgspec, must validate it."""
    return _pydantic_base() is not None and any(
        is_pydantic(part) for part in _walk(annotation)
    )


@attrs.frozen
class ModelField:
    """One field of a model, for the error-collecting pass and forms.

    :param name: the attribute name.
    :param wire_name: the name in JSON or in a form (a Struct may rename).
    :param annotation: the field's type hint, ``Annotated`` kept.
    :param required: whether input without it is refused.
    :param default: the value it takes when absent, for the documentation
        (``None`` for a required field or one without a plain default).
    """

    name: str
    wire_name: str
    annotation: t.Any
    required: bool
    default: t.Any = None


def _default_of(field: t.Any) -> t.Any:
    """A msgspec field's default, made from its factory if it has one."""
    if field.default is not msgspec.NODEFAULT:
        return field.default
    if field.default_factory is not msgspec.NODEFAULT:
        return field.default_factory()
    return None


@functools.cache
def model_fields(model: type) -> tuple[ModelField, ...] | None:
    """The fields of a model msgspec handles, by their wire names; ``None``
    for a model read as an array (``Struct`` with ``array_like=True``) or
    one msgspec cannot describe.

    :param model: a model class (not a pydantic one).
    """
    try:
        info = msgspec.inspect.type_info(model)
        hints = t.get_type_hints(model, include_extras=True)
    except (TypeError, NameError, ValueError):
        return None
    if getattr(info, "array_like", False):
        return None
    fields = getattr(info, "fields", None)
    if fields is None:
        return None
    return tuple(
        ModelField(
            name=field.name,
            wire_name=field.encode_name,
            annotation=hints.get(field.name, t.Any),
            required=field.required,
            default=_default_of(field),
        )
        for field in fields
    )


#: The constraints a pydantic field and :class:`msgspec.Meta` name alike.
_PYDANTIC_CONSTRAINTS = (
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "min_length",
    "max_length",
    "pattern",
)


def _documented(annotation: t.Any, field: t.Any) -> t.Any:
    """A pydantic field's type with its constraints and description as
    :class:`msgspec.Meta`, which the OpenAPI generator reads; the bare type
    when msgspec can't take them on it (a pattern on ``str | None``)."""
    found = {
        name: getattr(item, name)
        for item in field.metadata
        for name in _PYDANTIC_CONSTRAINTS
        if getattr(item, name, None) is not None
    }
    if field.description:
        found["description"] = field.description
    if not found:
        return annotation
    documented = t.Annotated[annotation, msgspec.Meta(**found)]
    try:
        msgspec.json.Decoder(documented)
    except TypeError:
        return annotation
    return documented


def record_fields(model: type) -> tuple[ModelField, ...] | None:
    """The fields of any model, pydantic ones included (by alias, as
    pydantic reads them); ``None`` as for :func:`model_fields`.

    :param model: a model class.
    """
    if not is_pydantic(model):
        return model_fields(model)
    found = []
    for name, field in model.model_fields.items():  # type: ignore[attr-defined]
        required = field.is_required()
        found.append(
            ModelField(
                name=name,
                wire_name=field.alias or name,
                # pydantic checks its own constraints; they are carried
                # as msgspec's for the documentation of its fields.
                annotation=_documented(field.annotation, field),
                required=required,
                default=None
                if required
                else field.get_default(call_default_factory=True),
            )
        )
    return tuple(found)
