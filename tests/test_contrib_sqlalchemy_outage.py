"""framework_sqlalchemy when the database is not there: a real PostgreSQL
stopped and started again under load, failed connects, an exhausted pool;
and the config read at first use rather than at ``init_app``."""

from __future__ import annotations

import contextlib
import logging
import pathlib
import threading
import time
import typing as t

import pytest
import sqlalchemy as sa
from framework_sqlalchemy import (
    DEFAULT_RETRY_AFTER,
    ConfigError,
    DatabaseUnavailable,
    SQLAlchemy,
)
from postgres_server import PostgresServer
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from framework import App

UNAVAILABLE = "The database is unavailable, answering 503: "


class Model(DeclarativeBase):
    pass


class Hit(Model):
    __tablename__ = "hit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)


def make_app(tmp_path: pathlib.Path, url: str | None, **config: t.Any) -> App:
    app = App("outage_app", instance_path=str(tmp_path / "instance"))
    if url is not None:
        app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.update(config)
    return app


def add_views(app: App, db: SQLAlchemy) -> None:
    @app.post("/hit/<name>")
    def hit(name: str) -> str:
        db.session.add(Hit(name=name))
        db.session.commit()
        return "hit"

    @app.get("/count")
    def count() -> str:
        return str(db.session.scalar(sa.select(sa.func.count(Hit.id))))


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


# -- a real outage -------------------------------------------------------------


class Load:
    """Client threads sending requests to an app until stopped; each
    request is recorded as (start, end, status, Retry-After)."""

    def __init__(self, app: App, threads: int = 4) -> None:
        self.app = app
        self.results: list[tuple[float, float, int, str | None]] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(n,)) for n in range(threads)
        ]

    def _run(self, n: int) -> None:
        client = self.app.test_client()
        for i in range(1_000_000):
            if self._stop.is_set():
                return
            start = time.monotonic()
            # Writes and reads: a commit fails as a query does.
            response = client.post(f"/hit/{n}-{i}") if i % 2 else client.get("/count")
            end = time.monotonic()
            with self._lock:
                self.results.append(
                    (
                        start,
                        end,
                        response.status_code,
                        response.headers.get("Retry-After"),
                    )
                )

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(10)

    def between(self, first: float, last: float) -> list[int]:
        """The statuses of the requests sent and answered in that time."""
        with self._lock:
            return [
                s for start, end, s, _ in self.results if first <= start and end <= last
            ]

    def wait_for(self, count: int, after: float, timeout: float = 10.0) -> None:
        """Wait until ``count`` requests started after ``after`` ended."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                done = sum(1 for start, *_ in self.results if start >= after)
            if done >= count:
                return
            time.sleep(0.01)
        raise AssertionError(f"fewer than {count} requests in {timeout}s")


def test_postgres_stopped_and_started_again_under_load(
    postgres_server: PostgresServer,
    tmp_path: pathlib.Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = postgres_server
    port = server.port
    with server.database() as name:
        app = make_app(tmp_path, server.url(name), SQLALCHEMY_RETRY_AFTER=7)
        db = SQLAlchemy(app, model_class=Model)
        add_views(app, db)
        with app.app_context():
            db.create_all()
        caplog.set_level(logging.INFO)
        with Load(app) as load:
            began = time.monotonic()
            load.wait_for(20, began)
            # The server goes away with requests in flight: it ends their
            # connections ("terminating connection due to administrator
            # command"), then refuses new ones.
            try:
                server.stop()
                stopped = time.monotonic()
                load.wait_for(20, stopped)
                restarting = time.monotonic()
            finally:
                # The session's server: back for the tests that follow.
                server.start(port)
            started = time.monotonic()
            # No worker restarts, no new app: the same pools reconnect.
            load.wait_for(40, started + 0.5)
            ended = time.monotonic()

        statuses = [status for _, _, status, _ in load.results]
        # Never a 500: only answers and outage answers.
        assert set(statuses) == {200, 503}
        assert all(r == "7" for _, _, s, r in load.results if s == 503)
        assert all(r is None for _, _, s, r in load.results if s == 200)
        # Every request made while the server was down got the 503.
        down = load.between(stopped, restarting)
        assert len(down) >= 20
        assert set(down) == {503}
        # Half a second after the restart, every request is served again.
        up = load.between(started + 0.5, ended)
        assert len(up) >= 40
        assert set(up) == {200}

        # One ERROR line per 503, without a traceback, and nothing else:
        # no "teardown callback raised", no pool reset error.
        errors = errors_logged(caplog)
        assert len(errors) == statuses.count(503)
        for record in errors:
            assert record.name == app.logger.name
            assert record.getMessage().startswith(UNAVAILABLE)
            assert "\n" not in record.getMessage()
            assert record.exc_info is None
        messages = {r.getMessage() for r in errors}
        assert any("Connection refused" in m for m in messages)

        # What was committed while the server was up is there.
        with app.app_context():
            stored = db.session.scalar(sa.select(sa.func.count(Hit.id)))
        assert stored is not None and stored > 0
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


def test_connection_lost_before_teardown_is_not_a_teardown_error(
    postgres_server: PostgresServer,
    tmp_path: pathlib.Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The server goes away after the last query of a context, with its
    # transaction open: closing the session at teardown must not raise.
    server = postgres_server
    port = server.port
    with server.database() as name:
        app = make_app(tmp_path, server.url(name))
        app.testing = True  # a teardown error would be raised
        db = SQLAlchemy(app, model_class=Model)
        for error in (None, KeyError("the view failed")):
            expected = pytest.raises(KeyError) if error else contextlib.nullcontext()
            with expected, app.app_context():
                assert db.session.scalar(sa.text("SELECT 1")) == 1
                try:
                    server.stop()
                finally:
                    server.start(port)
                if error is not None:
                    raise error  # teardown rolls back, on a dead connection
        assert errors_logged(caplog) == []
        # The pool noticed: the next context works at once.
        with app.app_context():
            assert db.session.scalar(sa.text("SELECT 2")) == 2
        app.extensions["sqlalchemy"].engines[None].dispose()


@pytest.mark.parametrize("pre_ping", [False, True])
def test_idle_pool_through_an_outage(
    postgres_server: PostgresServer,
    tmp_path: pathlib.Path,
    caplog: pytest.LogCaptureFixture,
    pre_ping: bool,
) -> None:
    # No request while the server was down: the pool still holds a
    # connection to the old server. Its first use fails (a 503), which
    # makes SQLAlchemy drop the pool; the next request connects afresh.
    # With pool_pre_ping, the check as it leaves the pool replaces it.
    server = postgres_server
    port = server.port
    with server.database() as name:
        app = make_app(
            tmp_path,
            server.url(name),
            SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": pre_ping},
        )
        db = SQLAlchemy(app, model_class=Model)
        add_views(app, db)
        with app.app_context():
            db.create_all()
        client = app.test_client()
        assert client.get("/count").status_code == 200
        try:
            server.stop()
        finally:
            server.start(port)
        statuses = [client.get("/count").status_code for _ in range(4)]
        if pre_ping:
            assert statuses == [200] * 4
            assert errors_logged(caplog) == []
        else:
            assert statuses == [503] + [200] * 3
            [record] = errors_logged(caplog)
            assert record.getMessage().startswith(UNAVAILABLE)
        app.extensions["sqlalchemy"].engines[None].dispose()


# -- which errors are a 503 ----------------------------------------------------


def unreachable_app(tmp_path: pathlib.Path, **config: t.Any) -> tuple[App, SQLAlchemy]:
    """An app whose database can't be opened: a SQLite file in a folder
    that does not exist."""
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")
    app.config.update(config)
    app.testing = True  # any error not answered would be raised
    db = SQLAlchemy(app, model_class=Model)
    add_views(app, db)
    return app, db


def test_failed_connect_is_503_with_retry_after(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    app, _ = unreachable_app(tmp_path)
    response = app.test_client().get("/count")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(DEFAULT_RETRY_AFTER) == "5"
    assert "The database is unavailable" in response.text
    [record] = errors_logged(caplog)
    assert record.getMessage() == (
        UNAVAILABLE + "OperationalError: (sqlite3.OperationalError) unable to open"
        " database file"
    )
    assert record.exc_info is None


@pytest.mark.parametrize(("value", "header"), [(30, "30"), (1, "1"), (None, None)])
def test_retry_after_is_configurable(
    tmp_path: pathlib.Path, value: int | None, header: str | None
) -> None:
    app, _ = unreachable_app(tmp_path, SQLALCHEMY_RETRY_AFTER=value)
    response = app.test_client().post("/hit/ann")
    assert response.status_code == 503
    assert response.headers.get("Retry-After") == header


def test_outage_in_before_request_is_503(tmp_path: pathlib.Path) -> None:
    app, db = unreachable_app(tmp_path)

    @app.before_request
    def load_user() -> None:
        db.session.execute(sa.text("SELECT 1"))

    response = app.test_client().get("/count")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


def test_pool_timeout_is_503(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": 1,
            "max_overflow": 0,
            "pool_timeout": 0.05,
        },
    )
    app.testing = True
    db = SQLAlchemy(app, model_class=Model)
    add_views(app, db)
    with app.app_context():
        db.create_all()
    engine = app.extensions["sqlalchemy"].engines[None]
    with engine.connect():  # the pool's only connection, taken
        response = app.test_client().get("/count")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
    [record] = errors_logged(caplog)
    assert record.getMessage().startswith(UNAVAILABLE + "TimeoutError: QueuePool limit")
    assert app.test_client().get("/count").text == "0"
    engine.dispose()


def test_session_rolled_back_and_removed_after_outage_error(
    tmp_path: pathlib.Path,
) -> None:
    app, db = unreachable_app(tmp_path)
    sessions: list[sa.orm.Session] = []

    @app.post("/add")
    def add() -> str:
        sessions.append(db.session)
        db.session.add(Hit(name="pending"))
        db.session.flush()  # connects: fails
        return "added"

    @app.errorhandler(DatabaseUnavailable)
    def database_down(e: DatabaseUnavailable) -> tuple[str, int, t.Any]:
        sessions.append(db.session)
        return "down, retry soon", 503, {"Retry-After": e.retry_after}

    response = app.test_client().post("/add")
    assert response.status_code == 503
    assert response.text == "down, retry soon"
    assert response.headers["Retry-After"] == "5"
    failed, after = sessions
    # The view's session was rolled back (its pending object gone) and
    # closed; the error handler got a new one.
    assert after is not failed
    assert not failed.new
    assert not failed.in_transaction()


def test_sql_errors_are_not_503(tmp_path: pathlib.Path) -> None:
    # SQLite reports a missing table as an OperationalError, the class of
    # most connection errors: it is still the app's own error.
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    app.testing = True
    db = SQLAlchemy(app, model_class=Model)
    add_views(app, db)
    client = app.test_client()
    with pytest.raises(OperationalError, match="no such table: hit"):
        client.get("/count")

    app.testing = False
    response = client.get("/count")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_sql_errors_reach_the_apps_own_handlers(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The extension's handler for DBAPIError stands between an error and
    # the app's handlers for its base classes, registered before or after
    # init_app: they still get every error that is not an outage.
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}")
    app.testing = True

    @app.errorhandler(SQLAlchemyError)
    def database_error(e: SQLAlchemyError) -> tuple[str, int]:
        return f"database error: {type(e).__name__}", 409

    db = SQLAlchemy(app, model_class=Model)
    add_views(app, db)

    @app.errorhandler(Exception)
    def any_error(e: Exception) -> tuple[str, int]:
        return f"any error: {type(e).__name__}", 500

    client = app.test_client()
    missing = client.get("/count")
    assert (missing.status_code, missing.text) == (
        409,
        "database error: OperationalError",
    )
    with app.app_context():
        db.create_all()
    assert client.post("/hit/ann").status_code == 200
    duplicate = client.post("/hit/ann")
    assert (duplicate.status_code, duplicate.text) == (
        409,
        "database error: IntegrityError",
    )
    assert errors_logged(caplog) == []

    # Without the SQLAlchemyError handler, the Exception one gets them.
    del app.error_handler_spec[None][None][SQLAlchemyError]
    again = client.post("/hit/ann")
    assert (again.status_code, again.text) == (500, "any error: IntegrityError")
    # An outage is a 503, which such a handler gets too (as it gets every
    # HTTP error).
    with app.app_context():
        db.engine.dispose()
    (tmp_path / "db.sqlite3").unlink()
    (tmp_path / "db.sqlite3").mkdir()  # can't be opened as a database
    down = client.get("/count")
    assert (down.status_code, down.text) == (500, "any error: DatabaseUnavailable")


# -- when the config is read ---------------------------------------------------


def test_config_set_after_init_app_is_honoured(tmp_path: pathlib.Path) -> None:
    app = App("late_app", instance_path=str(tmp_path / "instance"))
    db = SQLAlchemy(app, model_class=Model)
    add_views(app, db)
    # Set after the extension, as an app factory that loads its config
    # late would.
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'late.sqlite3'}"
    app.config["SQLALCHEMY_BINDS"] = {
        "other": f"sqlite:///{tmp_path / 'other.sqlite3'}"
    }
    app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] = 3  # changed in place
    app.config["SQLALCHEMY_ECHO"] = True
    app.config["SQLALCHEMY_RETRY_AFTER"] = 11
    with app.app_context():
        db.create_all()
        engine = db.engine
        assert engine.url.database == str(tmp_path / "late.sqlite3")
        assert db.engines["other"].url.database == str(tmp_path / "other.sqlite3")
        assert engine.pool.size() == 3
        assert engine.echo is True
    assert app.test_client().post("/hit/ann").status_code == 200
    assert (tmp_path / "late.sqlite3").is_file()
    assert not (tmp_path / "instance" / "db.sqlite3").exists()
    assert app.extensions["sqlalchemy"].retry_after == 11

    # Once the engines are in use, the config is not read again.
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    with app.app_context():
        assert db.engine is engine
        for each in db.engines.values():
            each.dispose()


def test_bad_config_set_after_init_app_fails_at_first_use(
    tmp_path: pathlib.Path,
) -> None:
    app = App("late_app", instance_path=str(tmp_path / "instance"))
    app.testing = True
    db = SQLAlchemy(app, model_class=Model)
    add_views(app, db)
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql://u:secret@h:port/d"
    # Loudly, naming the key, and every time: never the default database.
    for _ in range(2):
        with pytest.raises(ConfigError, match="SQLALCHEMY_DATABASE_URI is not a"):
            app.test_client().get("/count")
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'fixed.sqlite3'}"
    app.config["SQLALCHEMY_RETRY_AFTER"] = "soon"
    with (
        pytest.raises(ConfigError, match="SQLALCHEMY_RETRY_AFTER must be a whole"),
        app.app_context(),
    ):
        db.create_all()
    assert not (tmp_path / "instance" / "db.sqlite3").exists()
