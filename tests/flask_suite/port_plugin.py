"""A pytest plugin for the ported run of Flask's suite: outcomes only, no
alias (the ported tests import ``framework`` themselves)."""

from record import pytest_collectreport, pytest_runtest_logreport

__all__ = ["pytest_collectreport", "pytest_runtest_logreport"]
