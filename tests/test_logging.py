"""framework.logging: the app logger, its default handler, and how users'
own logging configuration takes precedence."""

from __future__ import annotations

import contextlib
import io
import logging
import re
import subprocess
import sys
import typing as t

import pytest

from framework import App
from framework.logging import (
    FLASK_FORMAT,
    RequestFormatter,
    create_logger,
    default_handler,
    has_level_handler,
    wsgi_errors_stream,
)

#: The default line: the time, the logger, ``[METHOD /path]`` during a
#: request, then Flask's line from the level on.
LINE = re.compile(
    r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] (?P<logger>\S+)"
    r"(?: \[(?P<request>[A-Z]+ [^\]]*)\])?"
    r" (?P<level>[A-Z]+) in (?P<module>\w+): (?P<message>.*)$"
)
#: Flask's default line: ``[%(asctime)s] %(levelname)s in %(module)s: %(message)s``.
FLASK_LINE = re.compile(
    r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]"
    r" (?P<level>[A-Z]+) in (?P<module>\w+): (?P<message>.*)$"
)


@pytest.fixture
def name(request: pytest.FixtureRequest) -> t.Iterator[str]:
    """A logger name used by this test only; the logger is reset after."""
    name = f"tests.logging.{request.node.name}"
    yield name
    logger = logging.getLogger(name)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)


@contextlib.contextmanager
def unconfigured() -> t.Iterator[None]:
    """The test loggers' records stop before the root logger, and pytest's
    capture handlers are off, as in a program that never configured logging.
    (Used inside a test: pytest attaches its handlers as the test starts.)"""
    parent = logging.getLogger("tests.logging")
    handlers = parent.handlers
    parent.propagate = False
    parent.handlers = []
    try:
        yield
    finally:
        parent.handlers = handlers
        parent.propagate = True


def make_app(name: str, **config: t.Any) -> App:
    app = App(name)
    app.config.update(config)
    return app


# -- the logger ---------------------------------------------------------------


def test_logger_is_named_after_the_app(name: str) -> None:
    app = make_app(name)
    assert app.logger.name == app.name == name
    assert app.logger is logging.getLogger(name)
    assert app.logger is app.logger


def test_debug_mode_sets_debug_level(name: str) -> None:
    app = make_app(name, DEBUG=True)
    assert app.logger.level == logging.DEBUG


def test_debug_mode_keeps_a_level_set_by_the_user(name: str) -> None:
    logging.getLogger(name).setLevel(logging.WARNING)
    app = make_app(name, DEBUG=True)
    assert app.logger.level == logging.WARNING


def test_level_is_left_unset_outside_debug_mode(name: str) -> None:
    app = make_app(name)
    assert app.logger.level == logging.NOTSET


# -- has_level_handler ----------------------------------------------------------


def test_has_level_handler_sees_handlers_on_the_logger_and_its_parents(
    name: str,
) -> None:
    with unconfigured():
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        assert not has_level_handler(logger)

        parent = logging.getLogger(name.rpartition(".")[0])
        handler = logging.StreamHandler(io.StringIO())
        parent.addHandler(handler)
        try:
            assert has_level_handler(logger)
            # A handler that would drop the logger's records does not count.
            handler.setLevel(logging.ERROR)
            assert not has_level_handler(logger)
            handler.setLevel(logging.INFO)
            # Records that don't propagate never reach the parent's handler.
            logger.propagate = False
            assert not has_level_handler(logger)
        finally:
            logger.propagate = True
            parent.removeHandler(handler)


# -- the default handler ---------------------------------------------------------


def test_default_handler_added_when_nothing_prints_the_records(name: str) -> None:
    with unconfigured():
        app = make_app(name)
        assert app.logger.handlers == [default_handler]


def test_default_handler_not_added_when_the_root_logger_has_a_handler(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    # pytest's caplog handler on the root logger is users' logging config.
    assert has_level_handler(logging.getLogger(name))
    app = make_app(name)
    assert default_handler not in app.logger.handlers


def test_users_handler_wins(name: str) -> None:
    with unconfigured():
        records: list[logging.LogRecord] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)

        logging.getLogger(name).addHandler(Collect())
        app = make_app(name)
        assert default_handler not in app.logger.handlers
        app.logger.warning("kept by %s", "the user")
        assert [r.getMessage() for r in records] == ["kept by the user"]


def test_a_users_handler_above_the_logger_level_does_not_count(name: str) -> None:
    with unconfigured():
        handler = logging.StreamHandler(io.StringIO())
        handler.setLevel(logging.CRITICAL)
        logging.getLogger(name).addHandler(handler)
        app = make_app(name)
        assert default_handler in app.logger.handlers


def test_create_logger_adds_the_handler_once(name: str) -> None:
    with unconfigured():
        app = make_app(name)
        assert create_logger(app) is app.logger
        assert app.logger.handlers == [default_handler]


def test_outside_a_request_lines_go_to_stderr(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with unconfigured():
        app = make_app(name)
        app.logger.warning("no request here")
        err = capsys.readouterr().err.strip()
        match = LINE.match(err)
        assert match is not None, err
        assert match["logger"] == name
        assert match["request"] is None
        assert match["level"] == "WARNING"
        assert match["module"] == "test_logging"
        assert match["message"] == "no request here"


def test_in_a_request_lines_go_to_wsgi_errors(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with unconfigured():
        app = make_app(name)

        @app.get("/items/<int:n>")
        def item(n: int) -> str:
            app.logger.error("item %d is missing", n)
            return "ok"

        errors = io.StringIO()
        response = app.test_client().get(
            "/items/7", environ_overrides={"wsgi.errors": errors}
        )
        assert response.data == b"ok"
        match = LINE.match(errors.getvalue().strip())
        assert match is not None, errors.getvalue()
        assert match["logger"] == name
        assert match["request"] == "GET /items/7"
        assert match["level"] == "ERROR"
        assert match["module"] == "test_logging"
        assert match["message"] == "item 7 is missing"
        assert capsys.readouterr().err == ""


_FLASK_LOG_LINE = """
import io
from flask import Flask

app = Flask("flask_line")
errors = io.StringIO()
with app.test_request_context("/items/7", environ_overrides={"wsgi.errors": errors}):
    app.logger.error("item %d is missing", 7)
print(errors.getvalue(), end="")
"""


def test_default_line_ends_with_flasks(name: str) -> None:
    """From the level on, a line is Flask's default line (compared with real
    Flask's, run in a subprocess), so searches for ``ERROR in views: ...``
    still find it; with :data:`FLASK_FORMAT` it is Flask's line whole."""
    flask = subprocess.run(
        [sys.executable, "-c", _FLASK_LOG_LINE],
        capture_output=True,
        text=True,
        check=True,
    )
    flask_line = flask.stdout.replace("<string>", "test_logging")
    assert FLASK_LINE.match(flask_line.strip()) is not None, flask_line
    flask_tail = flask_line.partition("]")[2]
    formatter = default_handler.formatter
    with unconfigured():
        app = make_app(name)
        errors = io.StringIO()
        with app.test_request_context(
            "/items/7", environ_overrides={"wsgi.errors": errors}
        ):
            app.logger.error("item %d is missing", 7)
            default_handler.setFormatter(logging.Formatter(FLASK_FORMAT))
            try:
                app.logger.error("item %d is missing", 7)
            finally:
                default_handler.setFormatter(formatter)
    ours, flasks = errors.getvalue().splitlines(keepends=True)
    assert ours.partition("]")[2] == f" {name} [GET /items/7]{flask_tail}"
    assert flasks.partition("]")[2] == flask_tail


def test_request_formatter_in_a_format_of_ones_own(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """RequestFormatter puts ``[METHOD /path]`` where a format says, and
    nothing outside a request."""
    formatter = default_handler.formatter
    default_handler.setFormatter(
        RequestFormatter("%(levelname)s%(request)s: %(message)s")
    )
    try:
        with unconfigured():
            app = make_app(name)
            errors = io.StringIO()
            with app.test_request_context(
                "/items/7", method="POST", environ_overrides={"wsgi.errors": errors}
            ):
                app.logger.error("in a request")
            app.logger.error("outside")
    finally:
        default_handler.setFormatter(formatter)
    assert errors.getvalue() == "ERROR [POST /items/7]: in a request\n"
    assert capsys.readouterr().err == "ERROR: outside\n"


def test_wsgi_errors_stream_follows_the_context(name: str) -> None:
    app = make_app(name)
    errors = io.StringIO()
    with app.test_request_context(environ_overrides={"wsgi.errors": errors}):
        wsgi_errors_stream.write("in the request")
    assert errors.getvalue() == "in the request"


def test_wsgi_errors_stream_sees_the_request_under_an_inner_app_context(
    name: str,
) -> None:
    app = make_app(name)
    errors = io.StringIO()
    with (
        app.test_request_context(environ_overrides={"wsgi.errors": errors}),
        app.app_context(),
    ):
        wsgi_errors_stream.write("in the inner app context")
    assert errors.getvalue() == "in the inner app context"


def test_debug_records_are_printed_in_debug_mode(name: str) -> None:
    with unconfigured():
        app = make_app(name, DEBUG=True)
        errors = io.StringIO()
        with app.test_request_context(environ_overrides={"wsgi.errors": errors}):
            app.logger.debug("details")
        assert "] DEBUG in test_logging: details" in errors.getvalue()


# -- what the framework logs ------------------------------------------------------


def test_unhandled_exception_is_logged_with_the_request(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(name)

    @app.get("/fail")
    def fail() -> str:
        raise ValueError("broken view")

    with caplog.at_level(logging.ERROR, logger=name):
        response = app.test_client().get("/fail")
    assert response.status_code == 500
    [record] = [r for r in caplog.records if r.name == name]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "Exception on /fail [GET]"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ValueError)


def test_view_records_reach_caplog(name: str, caplog: pytest.LogCaptureFixture) -> None:
    app = make_app(name)

    @app.get("/")
    def index() -> str:
        app.logger.info("hello from %s", "the view")
        return "ok"

    with caplog.at_level(logging.INFO, logger=name):
        app.test_client().get("/")
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        (name, "INFO", "hello from the view")
    ]
