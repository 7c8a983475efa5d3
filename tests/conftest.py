"""Shared fixtures: a fresh app in testing mode and its test client."""

from __future__ import annotations

import pytest

from framework import App
from framework.testing import AppClient


@pytest.fixture
def app() -> App:
    """A new app in testing mode, rooted at the tests folder."""
    app = App("test_app", root_path=__file__.rpartition("/")[0])
    app.testing = True
    return app


@pytest.fixture
def client(app: App) -> AppClient:
    """The test client of :func:`app`."""
    return app.test_client()
