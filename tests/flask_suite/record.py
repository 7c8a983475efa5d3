"""Pytest hooks shared by both plugins: each test's outcome, one JSON
line per test, into the file named by ``FRAMEWORK_SUITE_REPORT``."""

from __future__ import annotations

import json
import os
import typing as t

import _pytest.monkeypatch
from _pytest.compat import NOTSET

# Flask 3.1.3's test_cli.py imports pytest's private ``notset``, which
# pytest 9.1 renamed; give the old name back so the module imports.
if not hasattr(_pytest.monkeypatch, "notset"):
    _pytest.monkeypatch.notset = NOTSET  # type: ignore[attr-defined]


# Read once at import: Flask's conftest empties os.environ around each test.
_REPORT = os.environ["FRAMEWORK_SUITE_REPORT"]


def _write(node: str, outcome: str) -> None:
    with open(_REPORT, "a") as report:
        report.write(json.dumps({"node": node, "outcome": outcome}) + "\n")


def pytest_runtest_logreport(report: t.Any) -> None:
    # Every phase: the runner counts a test failed when any phase failed.
    _write(report.nodeid, report.outcome)


def pytest_collectreport(report: t.Any) -> None:
    if report.failed:
        _write(report.nodeid, "failed")
