"""Shared fixtures: a fresh app in testing mode and its test client, and a
throwaway PostgreSQL server."""

from __future__ import annotations

import typing as t

import pytest

from framework import App
from framework.testing import AppClient

if t.TYPE_CHECKING:
    from postgres_server import PostgresServer


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


@pytest.fixture(scope="session")
def postgres_server() -> t.Iterator[PostgresServer]:
    """A PostgreSQL server for the whole test run, in a temporary folder
    (see tests/postgres_server.py); each test makes its own database."""
    # Imported here: only the tests that use the server need psycopg.
    from postgres_server import running_postgres

    with running_postgres() as server:
        yield server
