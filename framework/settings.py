"""Typed settings: check the configuration against an attrs class.

Layer 1, next to :mod:`framework.config`, because the default config loader
(also layer 1, see that module) delegates ``load_settings`` here. This module
needs nothing from the framework: it reads any mapping of config keys.

A settings class is an attrs class whose fields are settings::

    @attrs.frozen
    class Settings:
        database_url: str
        port: int = 8000

Field ``database_url`` reads the config key ``DATABASE_URL`` (the field name
upper-cased); ``attrs.field(metadata={"config_key": "DB_URL"})`` names
another key. A field whose type is itself an attrs class reads the keys
under a prefix: field ``db`` of a class with fields ``host`` and ``port``
reads ``DB_HOST`` and ``DB_PORT``. Values that are strings (as environment
variables are) are converted to the declared type; see :func:`convert`.

Every problem is collected before anything is raised, so that one
:class:`SettingsError` at start-up lists every bad key.
"""

from __future__ import annotations

import enum
import json
import os
import pathlib
import re
import types
import typing as t
from collections.abc import Callable, Mapping
from datetime import timedelta

import attrs

__all__ = [
    "CONFIG_KEY",
    "SettingProblem",
    "SettingsError",
    "convert",
    "load_settings",
]

T = t.TypeVar("T")

#: The attrs field metadata key that names a field's config key.
CONFIG_KEY = "config_key"

#: Words that mark a key whose value must never be printed.
_SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "KEY")
_TRUE = frozenset(("1", "true", "yes", "on"))
_FALSE = frozenset(("0", "false", "no", "off"))
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d|w)?\s*$", re.I)
_UNITS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
}
_MAX_REPR = 60


@attrs.frozen
class SettingProblem:
    """One bad config key found by :func:`load_settings`."""

    #: The config key, e.g. ``PORT``.
    key: str
    #: The declared type, e.g. ``int`` or ``list[str]``.
    expected: str
    #: What is wrong, e.g. ``missing`` or the converter's message.
    reason: str
    #: ``repr`` of the value, shortened; ``None`` when the key is missing;
    #: ``<hidden>`` when the key looks secret.
    value: str | None = None
    #: The ``config_loaded`` source that last set the key, when known.
    source: str | None = None

    def __str__(self) -> str:
        text = f"{self.key} (expected {self.expected})"
        if self.value is not None:
            text += f": got {self.value}"
        text += f": {self.reason}"
        if self.source is not None:
            text += f" [from {self.source}]"
        return text


class SettingsError(ValueError):
    """The configuration does not fit a settings class; :attr:`problems`
    lists every bad key."""

    def __init__(self, schema: type[t.Any], problems: list[SettingProblem]) -> None:
        self.schema = schema
        self.problems = problems
        count = len(problems)
        lines = [
            f"{count} invalid setting{'s' if count != 1 else ''} for"
            f" {schema.__qualname__}:"
        ]
        lines.extend(f"  {problem}" for problem in problems)
        super().__init__("\n".join(lines))


class _Invalid(Exception):
    """A value does not convert; the message says why."""


def _is_secret(key: str) -> bool:
    upper = key.upper()
    return any(word in upper for word in _SECRET_WORDS)


def _show(key: str, value: t.Any) -> str:
    if _is_secret(key):
        return "<hidden>"
    text = repr(value)
    if len(text) > _MAX_REPR:
        text = text[: _MAX_REPR - 3] + "..."
    return text


def describe(tp: t.Any) -> str:
    """A short name of a type for messages: ``int``, ``list[str]``."""
    if isinstance(tp, type) and not t.get_args(tp):
        return tp.__qualname__
    return repr(tp).replace("typing.", "").replace("datetime.", "")


def _bool(value: t.Any) -> bool:
    if isinstance(value, bool):
        return value
    # JSON-parsed environment values arrive as 0 and 1.
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _Invalid("use one of 1/true/yes/on or 0/false/no/off")


def _int(value: t.Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise _Invalid("not an integer")


def _float(value: t.Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise _Invalid("not a number")


def _str(value: t.Any) -> str:
    if isinstance(value, str):
        return value
    # from_prefixed_env parses FRAMEWORK_NAME=123 as JSON: give it back.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise _Invalid("not a string")


def _timedelta(value: t.Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match is not None:
            number, unit = match.groups()
            return timedelta(seconds=float(number) * _UNITS[(unit or "s").lower()])
    raise _Invalid('use seconds or a number with a unit: "30s", "5m", "2h", "1d"')


def _items(value: t.Any) -> list[t.Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError as e:
                raise _Invalid(f"invalid JSON list: {e}") from None
            if isinstance(parsed, list):
                return parsed
        # "a, b, c" is how lists are written in environment variables.
        return [part.strip() for part in text.split(",") if part.strip()]
    raise _Invalid("not a list, or a comma-separated or JSON list string")


def _convert_items(values: list[t.Any], tps: t.Sequence[t.Any]) -> list[t.Any]:
    result = []
    for index, (item, tp) in enumerate(zip(values, tps, strict=True)):
        try:
            result.append(_convert(item, tp))
        except _Invalid as e:
            raise _Invalid(f"item {index}: {e}") from None
    return result


def _mapping(value: t.Any) -> Mapping[t.Any, t.Any]:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError as e:
            raise _Invalid(f"invalid JSON object: {e}") from None
        if isinstance(parsed, dict):
            return parsed
    raise _Invalid("not a mapping or a JSON object string")


def _literal(value: t.Any, choices: tuple[t.Any, ...]) -> t.Any:
    for choice in choices:
        # True == 1, but Literal[1] should not accept True.
        if value == choice and type(value) is type(choice):
            return choice
    if isinstance(value, str):
        for choice in choices:
            if str(choice) == value.strip():
                return choice
    if isinstance(value, int | float):
        for choice in choices:
            if str(choice) == str(value):
                return choice
    raise _Invalid(f"not one of {', '.join(repr(c) for c in choices)}")


def _enum(value: t.Any, tp: type[enum.Enum]) -> enum.Enum:
    if isinstance(value, tp):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text in tp.__members__:
            return tp[text]
        # By value, compared as text: "2" finds an IntEnum member 2.
        for member in tp:
            if str(member.value) == text:
                return member
    try:
        return tp(value)
    except ValueError:
        pass
    names = ", ".join(tp.__members__)
    raise _Invalid(f"not a member of {tp.__qualname__} ({names})")


_SCALARS: dict[type, Callable[[t.Any], t.Any]] = {
    bool: _bool,
    int: _int,
    float: _float,
    str: _str,
    timedelta: _timedelta,
}


def convert(value: t.Any, tp: t.Any) -> t.Any:
    """Convert a config value to the type ``tp``.

    Supported: ``bool`` (``1/true/yes/on``, ``0/false/no/off``), ``int``,
    ``float``, ``str``, :class:`pathlib.Path`, :class:`~datetime.timedelta`
    (seconds, or ``"30s"``, ``"5m"``, ``"2h"``, ``"1d"``), ``list[T]``,
    ``tuple[T, ...]``, ``set[T]``, ``dict[K, V]`` (lists from a JSON list or
    a comma-separated string, dicts from a JSON object), ``X | None``,
    ``Literal[...]``, :class:`enum.Enum` (by name or value), ``Any``, and
    any other class by ``isinstance``.

    :param value: the value from the config.
    :param tp: the declared type.
    :raise ValueError: the value does not convert; the message says why.
    """
    try:
        return _convert(value, tp)
    except _Invalid as e:
        raise ValueError(str(e)) from None


def _convert(value: t.Any, tp: t.Any) -> t.Any:
    if tp is t.Any or tp is object:
        return value
    scalar = _SCALARS.get(tp)
    if scalar is not None:
        return scalar(value)
    origin = t.get_origin(tp) or tp
    args = t.get_args(tp)
    if origin is t.Union or origin is types.UnionType:
        return _union(value, args)
    if origin is t.Literal:
        return _literal(value, args)
    if origin is list or origin is set or origin is frozenset:
        values = _items(value)
        return origin(
            _convert_items(values, [args[0] if args else t.Any] * len(values))
        )
    if origin is tuple:
        values = _items(value)
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            item_type = args[0] if args else t.Any
            return tuple(_convert_items(values, [item_type] * len(values)))
        if len(values) != len(args):
            raise _Invalid(f"expected {len(args)} items, got {len(values)}")
        return tuple(_convert_items(values, args))
    if origin is dict:
        key_type, item_type = args if args else (t.Any, t.Any)
        return {
            _convert(k, key_type): _convert(v, item_type)
            for k, v in _mapping(value).items()
        }
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return _enum(value, tp)
        if issubclass(tp, pathlib.PurePath):
            if isinstance(value, str | os.PathLike):
                return tp(value)
            raise _Invalid("not a path")
        if isinstance(value, tp):
            return value
        raise _Invalid(f"not a {tp.__qualname__}")
    # A typing construct this module does not know: take the value as is.
    return value


def _union(value: t.Any, args: tuple[t.Any, ...]) -> t.Any:
    optional = type(None) in args
    choices = [arg for arg in args if arg is not type(None)]
    if value is None:
        if optional:
            return None
        raise _Invalid("must not be None")
    if (
        optional
        and str not in choices
        and isinstance(value, str)
        and value.strip().lower() in ("", "none", "null")
    ):
        return None
    reasons = []
    for choice in choices:
        try:
            return _convert(value, choice)
        except _Invalid as e:
            reasons.append(f"{describe(choice)}: {e}")
    raise _Invalid("; ".join(reasons))


def _key(field: attrs.Attribute[t.Any], prefix: str) -> str:
    return prefix + str(field.metadata.get(CONFIG_KEY, field.name.upper()))


def _resolve(schema: type[t.Any]) -> tuple[attrs.Attribute[t.Any], ...]:
    if not attrs.has(schema):
        raise TypeError(
            f"{schema!r} is not an attrs class: declare settings with"
            " @attrs.frozen (or @attrs.define)."
        )
    try:
        attrs.resolve_types(schema)
    except NameError as e:
        raise TypeError(
            f"Can't resolve the annotations of {schema.__qualname__}: {e}."
            " Define settings classes at module level."
        ) from None
    return t.cast("tuple[attrs.Attribute[t.Any], ...]", attrs.fields(schema))


def _default(field: attrs.Attribute[t.Any], instance: t.Any) -> t.Any:
    default: t.Any = field.default
    # attrs.Factory is a class at run time, a function to type checkers.
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            return default.factory(instance)
        return default.factory()
    return default


def _build(
    schema: type[T],
    config: Mapping[str, t.Any],
    prefix: str,
    source_of: Callable[[str], str | None],
    problems: list[SettingProblem],
) -> T | None:
    """An instance of ``schema`` from ``config``, or ``None`` after adding
    to ``problems``."""
    fields = _resolve(schema)
    values: dict[str, t.Any] = {}
    given: set[str] = set()
    count = len(problems)
    for field in fields:
        if not field.init:
            continue
        key = _key(field, prefix)
        if isinstance(field.type, type) and attrs.has(field.type):
            if field.default is not attrs.NOTHING and not any(
                name.startswith(key + "_") for name in config
            ):
                continue
            nested = _build(field.type, config, key + "_", source_of, problems)
            if nested is not None:
                values[field.name] = nested
                given.add(field.name)
            continue
        if key not in config:
            if field.default is attrs.NOTHING:
                problems.append(
                    SettingProblem(
                        key, describe(field.type), "missing, and it has no default"
                    )
                )
            continue
        value = config[key]
        if field.converter is not None:
            # The field's own converter owns the conversion.
            values[field.name] = value
            given.add(field.name)
            continue
        try:
            values[field.name] = _convert(value, field.type)
        except _Invalid as e:
            # None is how Flask's defaults say "not set" (SECRET_KEY...).
            reason = "is None: set it" if value is None else str(e)
            problems.append(
                SettingProblem(
                    key, describe(field.type), reason, _show(key, value), source_of(key)
                )
            )
        else:
            given.add(field.name)
    # Validators run even when other keys failed, so that one error lists
    # everything.
    _validate(schema, fields, values, given, prefix, config, source_of, problems)
    if len(problems) > count:
        return None
    try:
        kwargs = {str(f.alias): values[f.name] for f in fields if f.name in values}
        return schema(**kwargs)
    except (ValueError, TypeError) as e:
        problems.append(
            SettingProblem(prefix.rstrip("_") or schema.__qualname__, "", str(e))
        )
        return None


def _validate(
    schema: type[t.Any],
    fields: tuple[attrs.Attribute[t.Any], ...],
    values: dict[str, t.Any],
    given: set[str],
    prefix: str,
    config: Mapping[str, t.Any],
    source_of: Callable[[str], str | None],
    problems: list[SettingProblem],
) -> None:
    """Run the validators of the fields read from the config one by one, so
    that each failure is reported (attrs stops at the first)."""
    if not any(field.validator for field in fields if field.name in given):
        return
    # A stand-in instance, for validators that look at other fields.
    instance = object.__new__(schema)
    values = dict(values)
    for field in fields:
        if field.name not in values and field.default is not attrs.NOTHING:
            values[field.name] = _default(field, instance)
        if field.name in values:
            object.__setattr__(instance, field.name, values[field.name])
    for field in fields:
        if field.validator is None or field.name not in given:
            continue
        value = values[field.name]
        try:
            field.validator(instance, field, value)
        except AttributeError:
            # The validator reads another field that failed to convert; that
            # one is reported already.
            continue
        except (ValueError, TypeError) as e:
            key = _key(field, prefix)
            raw = config.get(key, value)
            problems.append(
                SettingProblem(
                    key, describe(field.type), str(e), _show(key, raw), source_of(key)
                )
            )


def _no_source(key: str) -> str | None:
    return None


def load_settings(
    config: Mapping[str, t.Any],
    schema: type[T],
    source_of: Callable[[str], str | None] | None = None,
) -> T:
    """Check ``config`` against the attrs class ``schema`` and return an
    instance of it.

    :param config: the config keys and values, e.g. ``app.config``.
    :param schema: an attrs class; see the module docs for how fields map to
        keys.
    :param source_of: names where a key's value came from, for messages
        (:meth:`framework.Config.source_of`).
    :raise SettingsError: listing every missing, unconvertible or invalid
        key.
    """
    problems: list[SettingProblem] = []
    rv = _build(schema, config, "", source_of or _no_source, problems)
    if problems or rv is None:
        raise SettingsError(schema, problems)
    return rv
