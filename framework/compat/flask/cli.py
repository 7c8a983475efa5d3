"""``flask.cli`` under :func:`framework.compat.flask.install`:
:mod:`framework.cli` with Flask's name for the root group added."""

from __future__ import annotations

import typing as t

import framework.cli as _cli
from framework.cli import *  # noqa: F403  (the whole public API, by design)
from framework.cli import FrameworkGroup

#: Flask's name for :class:`~framework.cli.FrameworkGroup`.
FlaskGroup = FrameworkGroup


def __getattr__(name: str) -> t.Any:
    """The other names of :mod:`framework.cli`, such as ``get_version``."""
    return getattr(_cli, name)
