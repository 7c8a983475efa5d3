"""``flask.sansio.scaffold`` under :func:`framework.compat.flask.install`:
:mod:`framework.scaffold` plus the private helpers of Flask's module that
extensions import."""

from __future__ import annotations

import typing as t

import framework.scaffold as _scaffold
from framework.app import _sentinel as _sentinel
from framework.package_paths import find_package as find_package
from framework.package_paths import package_path as _find_package_path
from framework.scaffold import Scaffold as Scaffold
from framework.scaffold import find_package_path
from framework.scaffold import setupmethod as setupmethod

#: Flask's name for :func:`framework.scaffold.find_package_path`.
get_root_path = find_package_path

__all__ = [
    "Scaffold",
    "_endpoint_from_view_func",
    "_find_package_path",
    "_sentinel",
    "find_package",
    "get_root_path",
    "setupmethod",
]


def _endpoint_from_view_func(view_func: t.Callable[..., t.Any] | None) -> str:
    """The endpoint a route gets when none is named: the view's name."""
    if view_func is None:
        raise TypeError("A route without an endpoint needs a view function.")
    return view_func.__name__


def __getattr__(name: str) -> t.Any:
    """The other names of :mod:`framework.scaffold`."""
    return getattr(_scaffold, name)
