"""Shared fixtures: a fresh app in testing mode and its test client, the
transport test clients use (WSGI or ASGI), a throwaway PostgreSQL server,
the Flask alias for a test or a module, and one headless browser for the
session."""

from __future__ import annotations

import typing as t

import pytest
from compat_alias import aliased_flask

from framework import App
from framework.testing import AppClient

if t.TYPE_CHECKING:
    from postgres_server import PostgresServer
    from selenium.webdriver.remote.webdriver import WebDriver


#: The transports a module that uses the ``transport`` fixture runs on.
TRANSPORTS = ("wsgi", "asgi")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "wsgi_only(reason): in a module run on both transports, a test about"
        " WSGI itself (environ keys only WSGI has, wsgi.input, start_response)",
    )
    config.addinivalue_line(
        "markers",
        "one_transport: in a module run on both transports, a test that sends"
        " no request through a test client: it runs once",
    )
    config.addinivalue_line(
        "markers",
        "xfail_asgi(reason): in a module run on both transports, a known"
        " difference of the ASGI adapter: the asgi run is xfail(strict=True)",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that uses :func:`transport` once per transport (ids
    ``wsgi`` and ``asgi``); only on WSGI when marked ``wsgi_only``; once,
    unparametrised, when marked ``one_transport``; with the ASGI run an
    expected failure when marked ``xfail_asgi``."""
    if "transport" not in metafunc.fixturenames:
        return
    definition = metafunc.definition
    if definition.get_closest_marker("one_transport") is not None:
        return
    if definition.get_closest_marker("wsgi_only") is not None:
        metafunc.parametrize("transport", ["wsgi"], indirect=True, ids=["wsgi"])
        return
    known = definition.get_closest_marker("xfail_asgi")
    asgi: t.Any = "asgi"
    if known is not None:
        reason = known.kwargs.get("reason") or known.args[0]
        asgi = pytest.param("asgi", marks=pytest.mark.xfail(strict=True, reason=reason))
    metafunc.parametrize("transport", ["wsgi", asgi], indirect=True, ids=TRANSPORTS)


@pytest.fixture
def transport(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The transport of every test client the test makes, ``"wsgi"`` or
    ``"asgi"`` (:attr:`AppClient.default_transport`), so that the same test
    checks both protocols. The core modules use it for all their tests::

        pytestmark = pytest.mark.usefixtures("transport")
    """
    # A test marked one_transport is not parametrised: it sends no request.
    name: str = getattr(request, "param", "wsgi")
    monkeypatch.setattr(AppClient, "default_transport", name)
    return name


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


@pytest.fixture
def flask_alias() -> t.Iterator[None]:
    """``framework.compat.flask.install()`` for one test; afterwards the
    hook is gone and so is every module that imported the aliased ``flask``
    (see tests/compat_alias.py)."""
    with aliased_flask():
        yield


@pytest.fixture(scope="module")
def flask_alias_for_module() -> t.Iterator[None]:
    """The Flask alias for a whole module, whose module-scoped fixtures each
    build one app on an extension (``tests/test_compat_ext_*.py``):
    ``pytestmark = pytest.mark.usefixtures("flask_alias_for_module")``."""
    with aliased_flask():
        yield


@pytest.fixture(scope="session")
def browser() -> t.Iterator[WebDriver]:
    """Headless Chromium with a 375-pixel phone viewport, one for the whole
    test run (see tests/browser.py); a missing browser fails the test.
    Tests share it: each starts from the cookies and page it needs."""
    from browser import running_chromium

    with running_chromium() as driver:
        yield driver
