"""The configuration mapping.

Layer 1. :class:`Config` is a ``dict`` with Flask's default keys filled in by
the app and a few ways to load more. (Loading from files and the environment
becomes a swappable ``ConfigLoader`` strategy in a later change.)
"""

from __future__ import annotations

import importlib
import typing as t
from datetime import timedelta

T = t.TypeVar("T")

#: The keys every app starts with, and their defaults (Flask 3.1's set).
DEFAULT_CONFIG: t.Mapping[str, t.Any] = {
    "DEBUG": None,
    "TESTING": False,
    "PROPAGATE_EXCEPTIONS": None,
    "SECRET_KEY": None,
    "SECRET_KEY_FALLBACKS": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
    "USE_X_SENDFILE": False,
    "TRUSTED_HOSTS": None,
    "SERVER_NAME": None,
    "APPLICATION_ROOT": "/",
    "SESSION_COOKIE_NAME": "session",
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_PARTITIONED": False,
    "SESSION_COOKIE_SAMESITE": None,
    "SESSION_REFRESH_EACH_REQUEST": True,
    "MAX_CONTENT_LENGTH": None,
    "MAX_FORM_MEMORY_SIZE": 500_000,
    "MAX_FORM_PARTS": 1_000,
    "SEND_FILE_MAX_AGE_DEFAULT": None,
    "TRAP_BAD_REQUEST_ERRORS": None,
    "TRAP_HTTP_EXCEPTIONS": False,
    "EXPLAIN_TEMPLATE_LOADING": False,
    "PREFERRED_URL_SCHEME": "http",
    "TEMPLATES_AUTO_RELOAD": None,
    "MAX_COOKIE_SIZE": 4093,
    "PROVIDE_AUTOMATIC_OPTIONS": True,
}


class ConfigAttribute(t.Generic[T]):
    """An attribute of the app that reads and writes one config key, such as
    ``app.debug`` for ``DEBUG``.

    :param name: the config key.
    :param get_converter: applied to the value when it is read.
    """

    def __init__(
        self, name: str, get_converter: t.Callable[[t.Any], T] | None = None
    ) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @t.overload
    def __get__(self, obj: None, owner: t.Any) -> ConfigAttribute[T]: ...

    @t.overload
    def __get__(self, obj: t.Any, owner: t.Any) -> T: ...

    def __get__(self, obj: t.Any, owner: t.Any = None) -> T | ConfigAttribute[T]:
        if obj is None:
            return self
        rv = obj.config[self.__name__]
        if self.get_converter is not None:
            rv = self.get_converter(rv)
        return rv  # type: ignore[no-any-return]

    def __set__(self, obj: t.Any, value: t.Any) -> None:
        obj.config[self.__name__] = value


class Config(dict[str, t.Any]):
    """The app's configuration: a ``dict`` whose upper-case keys are
    settings.

    :param root_path: relative file names are resolved against this folder.
    :param defaults: the initial keys and values.
    """

    def __init__(
        self,
        root_path: str | None = None,
        defaults: t.Mapping[str, t.Any] | None = None,
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_mapping(
        self, mapping: t.Mapping[str, t.Any] | None = None, **kwargs: t.Any
    ) -> bool:
        """Set the upper-case keys of ``mapping`` and ``kwargs``; other keys
        are ignored, as with every loader. Always returns ``True``."""
        items: dict[str, t.Any] = {}
        if mapping is not None:
            items.update(mapping)
        items.update(kwargs)
        for key, value in items.items():
            if key.isupper():
                self[key] = value
        return True

    def from_object(self, obj: object | str) -> None:
        """Set every upper-case attribute of ``obj``: a module, a class, an
        instance, or the dotted import path of one (``"pkg.settings:Prod"``
        or ``"pkg.settings.Prod"``)."""
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, t.Any]:
        """The keys that start with ``namespace`` as a new dict, e.g.
        ``get_namespace("MAIL_")`` turns ``MAIL_SERVER`` into ``server``.

        :param lowercase: lower-case the resulting keys.
        :param trim_namespace: drop the prefix from the resulting keys.
        """
        rv: dict[str, t.Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            rv[name.lower() if lowercase else name] = value
        return rv

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


def import_string(path: str) -> t.Any:
    """Import ``"package.module:attr"`` or ``"package.module.attr"``; the
    error names the path and what was missing."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
        if not module_name:
            return importlib.import_module(path)
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ImportError(f"Could not import {path!r}: {e}") from e
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ImportError(
            f"Could not import {path!r}: module {module_name!r} has no {attr!r}"
        ) from None
