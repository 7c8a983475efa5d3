"""``flask.app`` under :func:`framework.compat.flask.install`:
:mod:`framework.app` with Flask's name for the application class added."""

from __future__ import annotations

import typing as t

import framework.app as _app
from framework.app import App as App

#: Flask's name for :class:`~framework.App`.
Flask = App


def __getattr__(name: str) -> t.Any:
    """The other names of :mod:`framework.app`."""
    return getattr(_app, name)
