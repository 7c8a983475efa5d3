"""A pytest plugin, loaded with ``-p alias_plugin`` before Flask's own
``conftest.py``: it points ``import flask`` at this framework, the way a
user of :mod:`framework.compat.flask` does at the top of their app."""

from record import pytest_collectreport, pytest_runtest_logreport

import framework.compat.flask

__all__ = ["pytest_collectreport", "pytest_runtest_logreport"]

framework.compat.flask.install()
