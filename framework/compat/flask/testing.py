"""``flask.testing`` under :func:`framework.compat.flask.install`:
:mod:`framework.testing` with Flask's class names added."""

from __future__ import annotations

import typing as t

import framework.testing as _testing
from framework.testing import AppClient as AppClient
from framework.testing import AppCliRunner as AppCliRunner
from framework.testing import EnvironBuilder as EnvironBuilder

#: Flask's name for :class:`~framework.testing.AppClient`; extensions
#: subclass it (Flask-Login's ``FlaskLoginClient``).
FlaskClient = AppClient
#: Flask's name for :class:`~framework.testing.AppCliRunner`.
FlaskCliRunner = AppCliRunner


def __getattr__(name: str) -> t.Any:
    """The other names of :mod:`framework.testing`."""
    return getattr(_testing, name)
