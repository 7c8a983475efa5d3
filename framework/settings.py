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
another key. A field whose type is itself an attrs class (or such a class
``| None``) holds nested settings: field ``db`` of a class with fields
``host`` and ``port`` reads the keys ``DB_HOST`` and ``DB_PORT``, and the
table under ``DB`` (a dict, as a TOML table or a JSON object gives; its keys
match in any case), and a value given twice is an error. ``DB`` may also hold
an instance of the class, or ``None`` when the field is optional. Values that
are strings (as environment variables are) are converted to the declared
type; see :func:`convert`.

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


def _key(field: attrs.Attribute[t.Any]) -> str:
    return str(field.metadata.get(CONFIG_KEY, field.name.upper()))


def _nested_class(tp: t.Any) -> tuple[type[t.Any] | None, bool]:
    """The settings class a field of type ``tp`` holds, and whether it may be
    ``None``: ``(Database, True)`` for ``Database | None``, ``(None, False)``
    for a field that is not nested settings."""
    if isinstance(tp, type) and attrs.has(tp):
        return tp, False
    origin = t.get_origin(tp)
    if origin is t.Union or origin is types.UnionType:
        args = t.get_args(tp)
        rest = [arg for arg in args if arg is not type(None)]
        nested = rest[0] if len(rest) == 1 < len(args) else None
        if isinstance(nested, type) and attrs.has(nested):
            return nested, True
    return None, False


@attrs.frozen
class _Scope:
    """Where the keys of one settings class are looked up.

    The config itself is the scope of the top-level class. A nested field
    ``db`` looks in two more: the same mapping with the prefix ``DB_``, and,
    when ``DB`` holds a dict (a TOML table, a JSON object), that dict.
    """

    #: The mapping that holds the keys.
    values: Mapping[t.Any, t.Any]
    #: Put before each field's key: ``DB_`` for the fields of ``db``.
    prefix: str = ""
    #: ``values``' place in messages: ``DB.`` for the table under ``DB``.
    path: str = ""
    #: The top-level config key that holds the table ``values``, whose
    #: source names where the table came from; ``None`` for the config.
    root: str | None = None

    def find(self, key: str) -> tuple[str, t.Any] | None:
        """The key as written and the value of ``prefix + key``, or
        ``None``. In a table any case matches, since TOML tables are
        usually written in lower case."""
        name = self.prefix + key
        if name in self.values:
            return name, self.values[name]
        if self.root is not None:
            upper = name.upper()
            for written in self.values:
                if isinstance(written, str) and written.upper() == upper:
                    return written, self.values[written]
        return None

    def has_prefix(self, key: str) -> bool:
        """Whether a key starts with ``prefix + key``."""
        start = self.prefix + key
        if self.root is None:
            return any(isinstance(k, str) and k.startswith(start) for k in self.values)
        start = start.upper()
        return any(
            isinstance(k, str) and k.upper().startswith(start) for k in self.values
        )

    def label(self, written: str) -> str:
        return self.path + written


@attrs.frozen
class _Found:
    """A value read for one field: where it was, and what it is."""

    label: str
    value: t.Any
    source: str | None
    #: The top-level config key the value is under.
    root: str


def _find(
    scopes: t.Sequence[_Scope], key: str, source_of: Callable[[str], str | None]
) -> list[_Found]:
    found = []
    for scope in scopes:
        hit = scope.find(key)
        if hit is not None:
            written, value = hit
            root = written if scope.root is None else scope.root
            found.append(_Found(scope.label(written), value, source_of(root), root))
    return found


def _twice(field: attrs.Attribute[t.Any], found: list[_Found]) -> SettingProblem:
    first, *others = found
    return SettingProblem(
        first.label,
        describe(field.type),
        f"also set as {', '.join(other.label for other in others)}: keep one",
        _show(first.label, first.value),
        first.source,
    )


#: What a nested field's lookup gives: nothing to set (its default applies,
#: or a problem was recorded), a value to set, or the scopes to build it from.
_Nested = tuple[t.Literal["skip", "value", "build"], t.Any]


def _nested(
    field: attrs.Attribute[t.Any],
    schema: type[t.Any],
    optional: bool,
    scopes: t.Sequence[_Scope],
    source_of: Callable[[str], str | None],
    problems: list[SettingProblem],
) -> _Nested:
    """Where a nested settings field's values are: a table (dict) under its
    key, keys with its key as prefix, or a whole value under its key
    (``None``, or an instance of ``schema``)."""
    key = _key(field)
    expected = describe(field.type)
    tables: list[_Scope] = []
    whole: list[_Found] = []
    bad = False
    for hit in _find(scopes, key, source_of):
        value = hit.value
        if isinstance(value, str):
            text = value.strip()
            if optional and text.lower() in ("", "none", "null"):
                value = None
            elif text.startswith("{"):
                try:
                    value = _mapping(text)
                except _Invalid as e:
                    problems.append(
                        SettingProblem(
                            hit.label,
                            expected,
                            str(e),
                            _show(hit.label, hit.value),
                            hit.source,
                        )
                    )
                    bad = True
                    continue
        if isinstance(value, Mapping):
            tables.append(_Scope(value, "", hit.label + ".", hit.root))
        elif value is None or isinstance(value, schema):
            whole.append(attrs.evolve(hit, value=value))
        else:
            problems.append(
                SettingProblem(
                    hit.label,
                    expected,
                    f"not a table of {schema.__qualname__} settings: give a dict,"
                    f" a TOML table or a JSON object, or {key}_* keys",
                    _show(hit.label, value),
                    hit.source,
                )
            )
            bad = True
    prefixed = [
        _Scope(scope.values, scope.prefix + key + "_", scope.path, scope.root)
        for scope in scopes
    ]
    with_keys = [scope for scope in prefixed if scope.has_prefix("")]
    if bad:
        return "skip", None
    if whole and (len(whole) > 1 or tables or with_keys):
        others = [found.label for found in whole[1:]]
        others += [scope.path.rstrip(".") for scope in tables]
        others += [f"{scope.path}{scope.prefix}*" for scope in with_keys]
        first = whole[0]
        problems.append(
            SettingProblem(
                first.label,
                expected,
                f"also set as {', '.join(others)}: keep one",
                _show(first.label, first.value),
                first.source,
            )
        )
        return "skip", None
    if whole:
        if whole[0].value is None and not optional:
            problems.append(
                SettingProblem(
                    whole[0].label, expected, "is None: set it", None, whole[0].source
                )
            )
            return "skip", None
        return "value", whole[0].value
    if not tables and not with_keys:
        if field.default is not attrs.NOTHING:
            return "skip", None
        if optional:
            label = scopes[0].label(scopes[0].prefix + key)
            problems.append(
                SettingProblem(label, expected, "missing, and it has no default")
            )
            return "skip", None
    # Tables first, so that a required key missing from a table is reported
    # under the table's name.
    return "build", [*tables, *(with_keys or prefixed)]


def _build(
    schema: type[T],
    scopes: t.Sequence[_Scope],
    where: str,
    source_of: Callable[[str], str | None],
    problems: list[SettingProblem],
) -> T | None:
    """An instance of ``schema`` from the keys in ``scopes``, or ``None``
    after adding to ``problems``.

    :param where: the nested field's key, for a problem raised by the class
        itself; empty for the top-level class.
    """
    fields = _resolve(schema)
    values: dict[str, t.Any] = {}
    given: dict[str, _Found] = {}
    count = len(problems)
    for field in fields:
        if not field.init:
            continue
        key = _key(field)
        nested, optional = _nested_class(field.type)
        if nested is not None:
            action, result = _nested(
                field, nested, optional, scopes, source_of, problems
            )
            if action == "skip":
                continue
            label = scopes[0].label(scopes[0].prefix + key)
            if action == "build":
                result = _build(nested, result, label, source_of, problems)
                if result is None:
                    continue
            values[field.name] = result
            given[field.name] = _Found(label, result, None, label)
            continue
        found = _find(scopes, key, source_of)
        if not found:
            if field.default is attrs.NOTHING:
                label = scopes[0].label(scopes[0].prefix + key)
                problems.append(
                    SettingProblem(
                        label, describe(field.type), "missing, and it has no default"
                    )
                )
            continue
        if len(found) > 1:
            problems.append(_twice(field, found))
            continue
        hit = found[0]
        if field.converter is not None:
            # The field's own converter owns the conversion.
            values[field.name] = hit.value
            given[field.name] = hit
            continue
        try:
            values[field.name] = _convert(hit.value, field.type)
        except _Invalid as e:
            # None is how Flask's defaults say "not set" (SECRET_KEY...).
            reason = "is None: set it" if hit.value is None else str(e)
            problems.append(
                SettingProblem(
                    hit.label,
                    describe(field.type),
                    reason,
                    _show(hit.label, hit.value),
                    hit.source,
                )
            )
        else:
            given[field.name] = hit
    # Validators run even when other keys failed, so that one error lists
    # everything.
    _validate(schema, fields, values, given, problems)
    if len(problems) > count:
        return None
    try:
        kwargs = {str(f.alias): values[f.name] for f in fields if f.name in values}
        return schema(**kwargs)
    except (ValueError, TypeError) as e:
        problems.append(SettingProblem(where or schema.__qualname__, "", str(e)))
        return None


def _validate(
    schema: type[t.Any],
    fields: tuple[attrs.Attribute[t.Any], ...],
    values: dict[str, t.Any],
    given: dict[str, _Found],
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
            hit = given[field.name]
            problems.append(
                SettingProblem(
                    hit.label,
                    describe(field.type),
                    str(e),
                    _show(hit.label, hit.value),
                    hit.source,
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
    rv = _build(schema, [_Scope(config)], "", source_of or _no_source, problems)
    if problems or rv is None:
        raise SettingsError(schema, problems)
    return rv
