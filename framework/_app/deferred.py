"""A class attribute of :class:`~framework.App` whose value is imported on
first read.

Layer 3, part of :mod:`framework.app`. ``App.jinja_environment`` names a
class that subclasses Jinja2's environment; defining it would import Jinja2
with the app. :class:`DeferredImport` imports it the first time it is read
(on the class or an app), then replaces itself with the value on the class
that defined it, so later reads are plain attribute reads and a subclass or
an app may still set its own value.
"""

from __future__ import annotations

import importlib
import typing as t

__all__ = ["DeferredImport"]


class DeferredImport:
    """A class attribute whose value is ``module.name``, imported on first
    read.

    :param module: the absolute name of the module that defines the value.
    :param name: the value's name in that module.
    """

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name
        self.owner: type | None = None
        self.attribute = name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.owner = owner
        self.attribute = attribute

    def __get__(self, instance: object, owner: type | None = None) -> t.Any:
        value = getattr(importlib.import_module(self.module), self.name)
        if self.owner is not None:
            setattr(self.owner, self.attribute, value)
        return value

    def __repr__(self) -> str:
        return f"<deferred import of {self.module}.{self.name}>"
