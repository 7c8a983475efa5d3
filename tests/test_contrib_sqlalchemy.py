"""framework_sqlalchemy: the first-party SQLAlchemy 2 extension, through real
apps, on SQLite and on a real PostgreSQL server (tests/postgres_server.py)."""

from __future__ import annotations

import concurrent.futures as concurrent_futures
import datetime
import os
import pathlib
import sqlite3
import subprocess
import sys
import textwrap
import threading
import typing as t
import urllib.error
import urllib.request
import uuid

import click
import pytest
import sqlalchemy as sa
from framework_sqlalchemy import (
    DEFAULT_DATABASE_URI,
    ConfigError,
    Pagination,
    Session,
    SQLAlchemy,
    SQLAlchemyState,
)
from framework_sqlalchemy.cli import db_cli
from framework_sqlalchemy.extension import _fits
from postgres_server import PostgresServer
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.exc import IntegrityError, UnboundExecutionError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    joinedload,
    mapped_column,
    relationship,
)
from sqlalchemy.pool import StaticPool
from werkzeug.exceptions import NotFound
from werkzeug.serving import make_server

from framework import (
    App,
    abort,
    copy_current_request_context,
    render_template_string,
    request,
    stream_with_context,
)

#: Every test runs through both the WSGI and the ASGI transport.
pytestmark = pytest.mark.usefixtures("transport")


class Model(DeclarativeBase):
    pass


class User(Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    posts: Mapped[list[Post]] = relationship(order_by="Post.id")


class Post(Model):
    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))


# Models spread over several databases.
class BoundModel(DeclarativeBase):
    pass


class Account(BoundModel):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)


class AuditEvent(BoundModel):
    __tablename__ = "audit_event"
    __bind_key__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(sa.String(50))


class Archived(BoundModel):
    __tablename__ = "archived"
    __table_args__: t.ClassVar[dict[str, t.Any]] = {"info": {"bind_key": "archive"}}

    id: Mapped[int] = mapped_column(primary_key=True)


MakeApp = t.Callable[..., tuple[App, SQLAlchemy]]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path
) -> t.Iterator[str]:
    """A new, empty database: a SQLite file, or a database of its own on the
    PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.database() as name:
        yield server.url(name)


@pytest.fixture
def make_app(tmp_path: pathlib.Path) -> t.Iterator[MakeApp]:
    """Make an app in testing mode with its instance folder in ``tmp_path``,
    set up with ``db`` (a new extension on :class:`Model` by default);
    dispose of its engines afterwards."""
    apps: list[App] = []

    def make(
        url: str | None = None, *, db: SQLAlchemy | None = None, **config: t.Any
    ) -> tuple[App, SQLAlchemy]:
        app = App("sqla_app", instance_path=str(tmp_path / f"instance{len(apps)}"))
        app.testing = True
        if url is not None:
            app.config["SQLALCHEMY_DATABASE_URI"] = url
        app.config.update(config)
        if db is None:
            db = SQLAlchemy(model_class=Model)
        apps.append(app)
        db.init_app(app)
        return app, db

    yield make
    for app in apps:
        state = app.extensions.get("sqlalchemy")
        if state is not None:
            for engine in state.engines.values():
                engine.dispose()


def table_names(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def make_tables(app: App, db: SQLAlchemy, *rows: object) -> sa.Engine:
    """Create the tables of ``db``'s models in ``app``'s databases and commit
    ``rows`` to them; return the default engine."""
    with app.app_context():
        db.create_all()
        if rows:
            db.session.add_all(rows)
            db.session.commit()
        return db.engine


def count_users(app: App, db: SQLAlchemy) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(User.id))) or 0


# -- set-up and config -------------------------------------------------------


def test_state_in_extensions(make_app: MakeApp, tmp_path: pathlib.Path) -> None:
    app, db = make_app(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    state = app.extensions["sqlalchemy"]
    assert isinstance(state, SQLAlchemyState)
    assert state.db is db
    assert list(state.engines) == [None]
    assert app.config["SQLALCHEMY_BINDS"] == {}
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}
    assert app.config["SQLALCHEMY_ECHO"] is False
    with app.app_context():
        assert db.engine is state.engines[None]
        assert db.engines == state.engines
    assert app.make_shell_context()["db"] is db


def test_default_database_in_instance_folder(tmp_path: pathlib.Path) -> None:
    instance = tmp_path / "instance"
    app = App("sqla_app", instance_path=str(instance))
    assert not instance.exists()
    db = SQLAlchemy(app, model_class=Model)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == DEFAULT_DATABASE_URI
    # The instance folder is made when the extension is set up.
    assert instance.is_dir()
    with app.app_context():
        engine = db.engine
        assert engine.url.database == str(instance / "db.sqlite3")
        db.create_all()
    engine.dispose()
    with sqlite3.connect(instance / "db.sqlite3") as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert {"user", "post"} <= names


def test_relative_sqlite_path_in_instance_folder(
    make_app: MakeApp, tmp_path: pathlib.Path
) -> None:
    app, db = make_app(
        "sqlite:///relative.sqlite3",
        SQLALCHEMY_BINDS={
            "absolute": f"sqlite:///{tmp_path / 'absolute.sqlite3'}",
            "uri": "sqlite:///file:shared?mode=memory&cache=shared&uri=true",
        },
    )
    with app.app_context():
        assert db.engine.url.database == os.path.join(
            app.instance_path, "relative.sqlite3"
        )
        assert db.engines["absolute"].url.database == str(tmp_path / "absolute.sqlite3")
        # sqlite3's "file:" URIs are its own syntax, left as they are.
        assert db.engines["uri"].url.database == "file:shared"


def test_in_memory_sqlite_is_shared(make_app: MakeApp) -> None:
    app, db = make_app("sqlite://")
    engine = make_tables(app, db, User(name="ann"))
    assert isinstance(engine.pool, StaticPool)
    assert count_users(app, db) == 1
    # Another thread sees the same in-memory database.
    counts: list[int] = []
    thread = threading.Thread(target=lambda: counts.append(count_users(app, db)))
    thread.start()
    thread.join()
    assert counts == [1]


def test_engine_options(make_app: MakeApp, tmp_path: pathlib.Path) -> None:
    db = SQLAlchemy(model_class=Model, engine_options={"pool_size": 2, "echo": True})
    app, _ = make_app(
        f"sqlite:///{tmp_path / 'a.sqlite3'}",
        db=db,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": 3,
            "execution_options": {"isolation_level": "SERIALIZABLE"},
        },
        SQLALCHEMY_BINDS={
            "other": {"url": f"sqlite:///{tmp_path / 'b.sqlite3'}", "pool_size": 4}
        },
    )
    with app.app_context():
        default, other = db.engines[None], db.engines["other"]
        # The config overrides the constructor; a bind's own options win.
        assert default.pool.size() == 3  # type: ignore[attr-defined]
        assert other.pool.size() == 4  # type: ignore[attr-defined]
        assert default.echo is True
        assert default.get_execution_options()["isolation_level"] == "SERIALIZABLE"
        assert other.get_execution_options()["isolation_level"] == "SERIALIZABLE"


def test_echo(make_app: MakeApp) -> None:
    app, db = make_app("sqlite://", SQLALCHEMY_ECHO=True)
    with app.app_context():
        assert db.engine.echo is True


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"SQLALCHEMY_DATABASE_URI": 42}, "SQLALCHEMY_DATABASE_URI must be"),
        ({"SQLALCHEMY_DATABASE_URI": ""}, "SQLALCHEMY_DATABASE_URI is not a"),
        (
            {"SQLALCHEMY_DATABASE_URI": "not a url://x:secret@"},
            "SQLALCHEMY_DATABASE_URI is not a database URL",
        ),
        (
            {"SQLALCHEMY_DATABASE_URI": "nodb://x/y"},
            "Can't create the engine of SQLALCHEMY_DATABASE_URI",
        ),
        (
            {"SQLALCHEMY_ENGINE_OPTIONS": {"no_such_option": 1}},
            "Can't create the engine of SQLALCHEMY_DATABASE_URI",
        ),
        ({"SQLALCHEMY_ENGINE_OPTIONS": "pool_size=3"}, "SQLALCHEMY_ENGINE_OPTIONS"),
        ({"SQLALCHEMY_ENGINE_OPTIONS": {1: 2}}, "SQLALCHEMY_ENGINE_OPTIONS"),
        ({"SQLALCHEMY_ECHO": "loud"}, "SQLALCHEMY_ECHO"),
        ({"SQLALCHEMY_RETRY_AFTER": 0}, "SQLALCHEMY_RETRY_AFTER must be a whole"),
        ({"SQLALCHEMY_RETRY_AFTER": 2.5}, "SQLALCHEMY_RETRY_AFTER must be a whole"),
        ({"SQLALCHEMY_RETRY_AFTER": True}, "SQLALCHEMY_RETRY_AFTER must be a whole"),
        ({"SQLALCHEMY_BINDS": ["sqlite://"]}, "SQLALCHEMY_BINDS must be a dict"),
        ({"SQLALCHEMY_BINDS": {"": "sqlite://"}}, "SQLALCHEMY_BINDS keys"),
        ({"SQLALCHEMY_BINDS": {"a": None}}, "SQLALCHEMY_BINDS['a'] must be"),
        ({"SQLALCHEMY_BINDS": {"a": {"echo": True}}}, "without a 'url' key"),
        (
            {"SQLALCHEMY_BINDS": {"a": "nodb://"}},
            "Can't create the engine of SQLALCHEMY_BINDS['a']",
        ),
        (
            {"SQLALCHEMY_BINDS": {"a": {"url": "sqlite://", "bogus": 1}}},
            "Can't create the engine of SQLALCHEMY_BINDS['a']",
        ),
        # Neither the options nor the URL are repeated: they hold passwords.
        (
            {"SQLALCHEMY_BINDS": {"a": {"url": "postgresql://u:secret@h/d", 5: 1}}},
            "SQLALCHEMY_BINDS['a'] must be a dict of create_engine() keyword"
            " arguments, with string keys; got the key 5.",
        ),
        (
            {"SQLALCHEMY_ENGINE_OPTIONS": [("connect_args", {"password": "secret"})]},
            "SQLALCHEMY_ENGINE_OPTIONS must be a dict of create_engine() keyword"
            " arguments, got list.",
        ),
        (
            {
                "SQLALCHEMY_DATABASE_URI": (
                    "postgresql+psycopg://u@h/d?password=secret&sslpassword=secret"
                    "&application_name=app"
                ),
                "SQLALCHEMY_ENGINE_OPTIONS": {"bogus": 1},
            },
            "Can't create the engine of SQLALCHEMY_DATABASE_URI"
            " (postgresql+psycopg://u@h/d?application_name=app)",
        ),
        # A port that is not a number.
        (
            {"SQLALCHEMY_DATABASE_URI": "postgresql://u:secret@h:port/d"},
            "SQLALCHEMY_DATABASE_URI is not a database URL",
        ),
    ],
)
def test_bad_config_fails_at_init(
    tmp_path: pathlib.Path, config: dict[str, t.Any], message: str
) -> None:
    db = SQLAlchemy(model_class=Model)
    app = App("sqla_app", instance_path=str(tmp_path))
    app.config.update(config)
    with pytest.raises(ConfigError) as info:
        db.init_app(app)
    assert message in str(info.value)
    assert "secret" not in str(info.value)
    assert "sqlalchemy" not in app.extensions


def test_init_app_twice_is_refused(make_app: MakeApp) -> None:
    app, _ = make_app("sqlite://")
    with pytest.raises(RuntimeError, match="already has a SQLAlchemy extension"):
        SQLAlchemy(model_class=Model).init_app(app)


@pytest.mark.parametrize("model_class", [User, object, "Model"])
def test_model_class_must_be_a_declarative_base(model_class: t.Any) -> None:
    with pytest.raises(TypeError, match="direct subclass of"):
        SQLAlchemy(model_class=model_class)


def test_default_model_class(make_app: MakeApp) -> None:
    db = SQLAlchemy()
    assert issubclass(db.Model, DeclarativeBase)
    assert db.metadata is db.Model.metadata

    class Thing(db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = "thing"
        id: Mapped[int] = mapped_column(primary_key=True)

    app, _ = make_app("sqlite://", db=db)
    with app.app_context():
        db.create_all()
        db.session.add(Thing())
        db.session.commit()
        assert db.session.scalars(sa.select(Thing)).one().id == 1
    # Another extension has models of its own.
    assert "thing" not in SQLAlchemy().metadata.tables


def test_session_options(make_app: MakeApp) -> None:
    class MySession(Session):
        pass

    db = SQLAlchemy(
        model_class=Model,
        session_options={"expire_on_commit": False, "class_": MySession},
    )
    app, _ = make_app("sqlite://", db=db)
    with app.app_context():
        assert type(db.session) is MySession
        assert db.session.expire_on_commit is False


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"bind": None}, "can't set 'bind'"),
        ({"binds": {}}, "can't set 'binds'"),
        ({"class_": sa.orm.Session}, "subclass of framework_sqlalchemy.Session"),
    ],
)
def test_bad_session_options(options: dict[str, t.Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        SQLAlchemy(model_class=Model, session_options=options)


# -- sessions ------------------------------------------------------------------


def test_session_needs_an_app_context() -> None:
    db = SQLAlchemy(model_class=Model)
    with pytest.raises(RuntimeError, match="outside of application context"):
        db.session  # noqa: B018


def test_session_per_app_context(make_app: MakeApp, database_url: str) -> None:
    app, db = make_app(database_url)
    with app.app_context():
        first = db.session
        assert db.session is first
        assert isinstance(first, Session)
        with app.app_context():
            assert db.session is not first
        assert db.session is first
        # A request inside an app context of the same app shares its session.
        with app.test_request_context():
            assert db.session is first
    with app.app_context():
        assert db.session is not first


def test_each_request_gets_its_own_session(
    make_app: MakeApp, database_url: str
) -> None:
    app, db = make_app(database_url)
    sessions: list[Session] = []

    @app.get("/")
    def index() -> str:
        sessions.append(db.session)
        assert db.session is sessions[-1]
        return "ok"

    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert sessions[0] is not sessions[1]


def test_each_thread_gets_its_own_session(make_app: MakeApp, database_url: str) -> None:
    app, db = make_app(database_url)
    make_tables(app, db)
    sessions: list[Session] = []
    barrier = threading.Barrier(2)

    def work(name: str) -> None:
        with app.app_context():
            sessions.append(db.session)
            db.session.add(User(name=name))
            barrier.wait(timeout=10)
            db.session.commit()

    threads = [threading.Thread(target=work, args=(n,)) for n in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sessions) == 2
    assert sessions[0] is not sessions[1]
    assert count_users(app, db) == 2


def test_session_closed_when_the_context_ends(
    make_app: MakeApp, database_url: str
) -> None:
    app, db = make_app(database_url)
    engine = make_tables(app, db)
    rollbacks: list[Session] = []
    with app.app_context():
        session = db.session
        sa.event.listen(session, "after_rollback", rollbacks.append)
        ann = User(name="ann")
        session.add(ann)
        session.flush()
        assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    # Closed: the connection is back in the pool, the objects are detached.
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert ann not in session
    # A clean end closes without an explicit rollback; nothing was committed.
    assert rollbacks == []
    assert count_users(app, db) == 0


def test_teardown_registered_before_init_app_uses_the_same_session(
    tmp_path: pathlib.Path, database_url: str
) -> None:
    # The extension closes its session after every teardown_appcontext
    # callback of the app's, even one registered before init_app: such a
    # callback sees the context's session, and no new session leaks.
    app = App("sqla_app", instance_path=str(tmp_path / "instance"))
    app.testing = True
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url
    db = SQLAlchemy(model_class=Model)
    seen: list[tuple[Session, int]] = []

    @app.teardown_appcontext
    def audit(exc: BaseException | None) -> None:
        seen.append((db.session, len(db.session.scalars(sa.select(User)).all())))

    db.init_app(app)
    try:
        engine = make_tables(app, db, User(name="ann"))
        seen.clear()
        in_view: list[Session] = []

        @app.get("/")
        def index() -> str:
            in_view.append(db.session)
            return str(db.session.scalar(sa.select(sa.func.count(User.id))))

        assert app.test_client().get("/").data == b"1"
        with app.app_context():
            in_context = db.session
        assert [session for session, _ in seen] == [in_view[0], in_context]
        assert [count for _, count in seen] == [1, 1]
        assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        assert db._sessions == {}
    finally:
        for engine in app.extensions["sqlalchemy"].engines.values():
            engine.dispose()


def test_session_rolled_back_when_the_context_ends_with_an_error(
    make_app: MakeApp, database_url: str
) -> None:
    app, db = make_app(database_url)
    engine = make_tables(app, db)
    rollbacks: list[Session] = []
    with pytest.raises(ZeroDivisionError), app.app_context():
        session = db.session
        sa.event.listen(session, "after_rollback", rollbacks.append)
        session.add(User(name="ann"))
        session.flush()
        1 / 0  # noqa: B018
    assert rollbacks == [session]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    assert count_users(app, db) == 0


def test_no_commit_unless_asked(make_app: MakeApp, database_url: str) -> None:
    app, db = make_app(database_url)
    make_tables(app, db)

    @app.post("/draft")
    def draft() -> str:
        db.session.add(User(name="draft"))
        db.session.flush()
        return "not committed"

    @app.post("/save")
    def save() -> str:
        db.session.add(User(name="saved"))
        db.session.commit()
        return "committed"

    client = app.test_client()
    assert client.post("/draft").status_code == 200
    assert count_users(app, db) == 0
    assert client.post("/save").status_code == 200
    assert count_users(app, db) == 1


def test_database_error_in_a_request_is_a_500_and_rolled_back(
    make_app: MakeApp, database_url: str
) -> None:
    app, db = make_app(database_url, PROPAGATE_EXCEPTIONS=False)
    make_tables(app, db)

    @app.post("/users")
    def create() -> str:
        db.session.add(User(name=request.args["name"]))
        db.session.flush()
        if "fail" in request.args:
            db.session.execute(sa.text("SELECT * FROM no_such_table"))
        db.session.commit()
        return "created"

    client = app.test_client()
    response = client.post("/users?name=ann&fail=1")
    assert response.status_code == 500
    assert b"Internal Server Error" in response.data
    assert count_users(app, db) == 0
    # The next request starts afresh (on PostgreSQL, the failed transaction
    # would refuse every statement until rolled back).
    assert client.post("/users?name=bob").status_code == 200
    assert count_users(app, db) == 1


def test_integrity_error_as_409_recipe(make_app: MakeApp, database_url: str) -> None:
    app, db = make_app(database_url)
    make_tables(app, db)

    @app.errorhandler(IntegrityError)
    def conflict(e: IntegrityError) -> tuple[dict[str, str], int]:
        db.session.rollback()
        return {"error": "This name is taken."}, 409

    @app.post("/users")
    def create() -> tuple[str, int]:
        db.session.add(User(name=request.form["name"]))
        db.session.commit()
        return "created", 201

    client = app.test_client()
    assert client.post("/users", data={"name": "ann"}).status_code == 201
    response = client.post("/users", data={"name": "ann"})
    assert response.status_code == 409
    assert response.get_json() == {"error": "This name is taken."}
    assert count_users(app, db) == 1


def test_abort_discards_what_was_not_committed(
    make_app: MakeApp, database_url: str
) -> None:
    # An HTTP error is a handled end of the request, not an error: closing
    # the session discards what was not committed (as a rollback would),
    # and what was committed before the abort stays.
    app, db = make_app(database_url)
    engine = make_tables(app, db)

    @app.post("/draft")
    def draft() -> str:
        db.session.add(User(name="draft"))
        db.session.flush()
        abort(404)

    @app.post("/saved")
    def saved() -> str:
        db.session.add(User(name="saved"))
        db.session.commit()
        abort(409)

    client = app.test_client()
    assert client.post("/draft").status_code == 404
    assert client.post("/saved").status_code == 409
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    with app.app_context():
        assert db.session.scalars(sa.select(User.name)).all() == ["saved"]


def test_threaded_server_never_shares_a_session(
    make_app: MakeApp, database_url: str
) -> None:
    # Concurrent requests on a real threaded server: each has a session of
    # its own, and every connection is back in the pool afterwards, after
    # requests that commit, raise or abort alike.
    app, db = make_app(database_url, PROPAGATE_EXCEPTIONS=False)
    engine = make_tables(app, db)
    concurrent = 6
    barrier = threading.Barrier(concurrent)
    sessions: list[Session] = []  # kept alive: their ids stay distinct

    @app.post("/users/<name>/<ending>")
    def create(name: str, ending: str) -> str:
        session = db.session
        sessions.append(session)
        # Every request of a round is in this view at once: the server
        # really serves them concurrently.
        barrier.wait(timeout=10)
        session.add(User(name=name))
        session.flush()
        if ending == "raise":
            raise RuntimeError("the view failed")
        if ending == "abort":
            abort(404)
        session.commit()
        return "committed"

    def post(path: str) -> int:
        http = urllib.request.Request(f"{base}{path}", data=b"", method="POST")
        try:
            with urllib.request.urlopen(http, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as e:
            e.close()
            return e.code

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    serving = threading.Thread(target=server.serve_forever)
    serving.start()
    endings = {"commit": 200, "raise": 500, "abort": 404}
    expected: dict[str, int] = {}
    try:
        with concurrent_futures.ThreadPoolExecutor(concurrent) as pool:
            for round_ in range(3):
                paths = {}
                for n in range(concurrent):
                    ending = list(endings)[n % 3]
                    name = f"u{round_}{n}"
                    paths[name] = f"/users/{name}/{ending}"
                    expected[name] = endings[ending]
                statuses = dict(zip(paths, pool.map(post, paths.values()), strict=True))
                assert statuses == {name: expected[name] for name in paths}
    finally:
        server.shutdown()
        server.server_close()
        serving.join()
    assert len(sessions) == 3 * concurrent
    assert len({id(session) for session in sessions}) == len(sessions)
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    committed = sorted(name for name, status in expected.items() if status == 200)
    with app.app_context():
        names = db.session.scalars(sa.select(User.name).order_by(User.name))
        assert names.all() == committed


def test_sessions_of_contexts_inside_a_request(
    make_app: MakeApp, database_url: str
) -> None:
    app, db = make_app(database_url)
    engine = make_tables(app, db, User(name="ann"))
    seen: dict[str, t.Any] = {}

    @app.get("/")
    def index() -> t.Iterator[str]:
        seen["view"] = db.session
        seen["user"] = db.session.get(User, 1)
        with app.app_context():
            seen["nested"] = db.session
            db.session.scalars(sa.select(User)).all()
        seen["after nested"] = db.session

        @copy_current_request_context
        def in_thread() -> None:
            seen["thread"] = db.session
            db.session.scalars(sa.select(User)).all()

        worker = threading.Thread(target=in_thread)
        worker.start()
        worker.join()

        @stream_with_context
        def body() -> t.Iterator[str]:
            yield "streamed by "
            seen["stream"] = db.session
            yield db.session.scalars(sa.select(User.name)).one()

        return body()

    response = app.test_client().get("/")
    assert response.get_data(as_text=True) == "streamed by ann"
    assert seen["after nested"] is seen["view"]
    others = [seen["nested"], seen["thread"], seen["stream"]]
    assert len({id(session) for session in [seen["view"], *others]}) == 4
    # The view's session was closed when the view's request ended, before
    # the stream: its instances are detached there.
    assert sa.inspect(seen["user"]).detached
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_async_view_uses_the_request_session(
    make_app: MakeApp, database_url: str
) -> None:
    app, db = make_app(database_url)
    engine = make_tables(app, db, User(name="ann"))
    sessions: list[Session] = []

    @app.before_request
    def remember() -> None:
        sessions.append(db.session)

    @app.get("/")
    async def index() -> str:
        sessions.append(db.session)
        return db.session.scalars(sa.select(User.name)).one()

    client = app.test_client()
    assert client.get("/").get_data(as_text=True) == "ann"
    assert client.get("/").get_data(as_text=True) == "ann"
    assert sessions[0] is sessions[1]
    assert sessions[2] is sessions[3]
    assert sessions[0] is not sessions[2]
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


FORK_SCRIPT = """\
import os
import sys

import sqlalchemy as sa

from framework import App
from framework_sqlalchemy import SQLAlchemy


app = App("forked")
app.config["SQLALCHEMY_DATABASE_URI"] = sys.argv[1]
db = SQLAlchemy(app)


def backend():
    with app.app_context():
        return db.session.scalar(sa.text("SELECT pg_backend_pid()"))


parent = backend()  # its connection now waits in the pool
read, write = os.pipe()
child = os.fork()
if child == 0:
    try:
        os.write(write, str(backend()).encode())
    finally:
        os._exit(0)
os.close(write)
os.waitpid(child, 0)
print(parent, os.read(read, 100).decode(), backend())
"""


def test_forked_process_gets_connections_of_its_own(
    postgres_server: PostgresServer, tmp_path: pathlib.Path
) -> None:
    # As gunicorn's workers are forked from an app that already used the
    # database (gunicorn --preload): a child must not use the parent's
    # pooled connection, which is the same socket.
    (tmp_path / "forked.py").write_text(FORK_SCRIPT)
    with postgres_server.database() as name:
        result = subprocess.run(
            [sys.executable, "forked.py", postgres_server.url(name)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    parent, child, parent_again = result.stdout.split()
    assert child != parent
    # The parent's connection survived the child, and is still in its pool.
    assert parent_again == parent


def test_app_not_set_up_with_this_extension(make_app: MakeApp) -> None:
    app, _ = make_app("sqlite://")
    other = SQLAlchemy(model_class=Model)
    with app.app_context():
        with pytest.raises(RuntimeError, match="not set up with this SQLAlchemy"):
            other.session  # noqa: B018
        with pytest.raises(RuntimeError, match=r"call db\.init_app"):
            other.create_all()


def test_one_extension_several_apps(
    make_app: MakeApp, database_url: str, tmp_path: pathlib.Path
) -> None:
    db = SQLAlchemy(model_class=Model)
    first, _ = make_app(database_url, db=db)
    second, _ = make_app(f"sqlite:///{tmp_path / 'second.sqlite3'}", db=db)
    for app, name in ((first, "one"), (second, "two")):
        with app.app_context():
            db.create_all()
            db.session.add(User(name=name))
            db.session.commit()
    with first.app_context():
        assert db.engine.url.render_as_string() == database_url
        assert db.session.scalars(sa.select(User.name)).all() == ["one"]

    @second.get("/names")
    def names() -> list[str]:
        return list(db.session.scalars(sa.select(User.name)))

    # A request to the second app inside a context of the first uses the
    # second's engine.
    with first.app_context():
        first_session = db.session
        assert second.test_client().get("/names").get_json() == ["two"]
        assert db.session is first_session


# -- binds ---------------------------------------------------------------------


def test_binds(make_app: MakeApp, database_url: str, tmp_path: pathlib.Path) -> None:
    db = SQLAlchemy(model_class=BoundModel)
    app, _ = make_app(
        database_url,
        db=db,
        SQLALCHEMY_BINDS={
            "audit": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
            "archive": {"url": f"sqlite:///{tmp_path / 'archive.sqlite3'}"},
        },
    )
    with app.app_context():
        db.create_all()
        engines = db.engines
        assert table_names(engines[None]) == {"account"}
        assert table_names(engines["audit"]) == {"audit_event"}
        assert table_names(engines["archive"]) == {"archived"}

        db.session.add_all([Account(), AuditEvent(action="login"), Archived()])
        db.session.commit()
        # ORM queries, Core queries and the session's bind lookup agree.
        assert db.session.get_bind(AuditEvent) is engines["audit"]
        assert db.session.get_bind(Archived) is engines["archive"]
        assert db.session.get_bind(Account) is engines[None]
        assert db.session.scalars(sa.select(AuditEvent.action)).all() == ["login"]
        table = AuditEvent.__table__
        assert db.session.execute(sa.select(table.c.action)).scalars().all() == [
            "login"
        ]
        with engines["audit"].connect() as conn:
            assert conn.scalar(sa.select(sa.func.count()).select_from(table)) == 1

        db.drop_all(bind_key="audit")
        assert table_names(engines["audit"]) == set()
        assert table_names(engines[None]) == {"account"}
        db.drop_all(bind_key=[None, "archive"])
        assert table_names(engines[None]) == set()
        assert table_names(engines["archive"]) == set()
        db.create_all(bind_key=None)
        assert table_names(engines[None]) == {"account"}
        assert table_names(engines["audit"]) == set()
        with pytest.raises(UnboundExecutionError, match="'nope' is not in"):
            db.create_all(bind_key="nope")


def test_bind_key_missing_from_config(make_app: MakeApp) -> None:
    db = SQLAlchemy(model_class=BoundModel)
    app, _ = make_app("sqlite://", db=db, SQLALCHEMY_BINDS={"audit": "sqlite://"})
    with app.app_context():
        with pytest.raises(UnboundExecutionError, match="'archived' has the bind"):
            db.create_all()
        with pytest.raises(UnboundExecutionError, match="'archive' is not in"):
            db.session.scalars(sa.select(Archived)).all()


def test_bind_key_on_the_metadata(make_app: MakeApp, tmp_path: pathlib.Path) -> None:
    class ReportModel(DeclarativeBase):
        metadata = sa.MetaData(info={"bind_key": "reports"})

    class Report(ReportModel):
        __tablename__ = "report"
        id: Mapped[int] = mapped_column(primary_key=True)

    db = SQLAlchemy(model_class=ReportModel)
    app, _ = make_app(
        "sqlite://",
        db=db,
        SQLALCHEMY_BINDS={"reports": f"sqlite:///{tmp_path / 'r.sqlite3'}"},
    )
    with app.app_context():
        db.create_all()
        assert table_names(db.engines["reports"]) == {"report"}
        assert table_names(db.engine) == set()
        db.session.add(Report())
        db.session.commit()
        assert db.session.get_bind(Report) is db.engines["reports"]


def test_bind_key_of_models_defined_before_and_after_the_extension() -> None:
    class Base(DeclarativeBase):
        pass

    class Before(Base):
        __tablename__ = "before"
        __bind_key__ = "one"
        id: Mapped[int] = mapped_column(primary_key=True)

    SQLAlchemy(model_class=Base)

    class After(Base):
        __tablename__ = "after"
        __bind_key__ = "two"
        id: Mapped[int] = mapped_column(primary_key=True)

    # Single-table inheritance: the parent's table decides.
    class AfterChild(After):
        __bind_key__ = "three"

    assert Before.__table__.info["bind_key"] == "one"
    assert After.__table__.info["bind_key"] == "two"
    assert AfterChild.__table__ is After.__table__


def test_bind_key_must_be_a_string() -> None:
    class Base(DeclarativeBase):
        pass

    SQLAlchemy(model_class=Base)
    with pytest.raises(TypeError, match=r"Wrong.__bind_key__ must be a string"):

        class Wrong(Base):
            __tablename__ = "wrong"
            __bind_key__ = 5
            id: Mapped[int] = mapped_column(primary_key=True)


# -- 404 helpers -------------------------------------------------------------


@pytest.fixture
def users_app(make_app: MakeApp, database_url: str) -> tuple[App, SQLAlchemy]:
    app, db = make_app(database_url)
    make_tables(app, db, User(name="ann"), User(name="anna"), User(name="bob"))

    @app.get("/users/<int:user_id>")
    def by_id(user_id: int) -> str:
        return db.get_or_404(User, user_id, description="No such user.").name

    @app.get("/raw/<user_id>")
    def by_raw_id(user_id: str) -> str:
        return db.get_or_404(User, user_id).name

    @app.get("/first/<prefix>")
    def first(prefix: str) -> str:
        statement = sa.select(User).where(User.name.startswith(prefix))
        return db.first_or_404(statement.order_by(User.name)).name

    @app.get("/one/<prefix>")
    def one(prefix: str) -> str:
        statement = sa.select(User).where(User.name.startswith(prefix))
        return db.one_or_404(statement, description="Not exactly one.").name

    return app, db


# (URL, status, text in the body); one app per database for all of them.
OR_404_CASES = [
    ("/users/1", 200, "ann"),
    ("/users/3", 200, "bob"),
    ("/users/4", 404, "No such user."),
    ("/users/0", 404, "No such user."),
    # Past 32 bits: PostgreSQL refuses the value for an INTEGER column.
    ("/users/2147483648", 404, "No such user."),
    # Past 64 bits: SQLite's driver can't even send it.
    ("/users/99999999999999999999", 404, "No such user."),
    ("/raw/2", 200, "anna"),
    ("/raw/-1", 404, "Not Found"),
    ("/raw/abc", 404, "Not Found"),
    ("/raw/1.0", 404, "Not Found"),
    ("/raw/%EF%BC%91", 404, "Not Found"),
    ("/raw/" + "9" * 30, 404, "Not Found"),
    ("/first/an", 200, "ann"),
    ("/first/zed", 404, "Not Found"),
    ("/one/b", 200, "bob"),
    ("/one/zed", 404, "Not exactly one."),
    ("/one/an", 404, "Not exactly one."),
]


def test_or_404_helpers(users_app: tuple[App, SQLAlchemy]) -> None:
    client = users_app[0].test_client()
    for url, status, body in OR_404_CASES:
        response = client.get(url)
        assert response.status_code == status, url
        assert body in response.get_data(as_text=True), url


def test_get_or_404_composite_key(make_app: MakeApp) -> None:
    class Base(DeclarativeBase):
        pass

    class Membership(Base):
        __tablename__ = "membership"
        group_id: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
        user_id: Mapped[int] = mapped_column(primary_key=True)

    db = SQLAlchemy(model_class=Base)
    app, _ = make_app("sqlite://", db=db)
    with app.test_request_context():
        db.create_all()
        db.session.add(Membership(group_id=1, user_id=2))
        db.session.commit()
        assert db.get_or_404(Membership, (1, 2)).user_id == 2
        assert db.get_or_404(Membership, ("1", "2")).user_id == 2
        for ident in [(2, 1), (1, "x"), (2**70, 2)]:
            with pytest.raises(NotFound):
                db.get_or_404(Membership, ident)


class KeyModel(DeclarativeBase):
    pass


class Token(KeyModel):
    __tablename__ = "token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class LegacyToken(KeyModel):
    __tablename__ = "legacy_token"

    id: Mapped[str] = mapped_column(sa.Uuid(as_uuid=False), primary_key=True)


class Tag(KeyModel):
    __tablename__ = "tag"

    name: Mapped[str] = mapped_column(sa.String(20), primary_key=True)


TOKEN = uuid.UUID("0b6e5a3c-4f1e-4c7b-9a2d-3e8f1c2b7d64")

# (URL, status) for raw keys from the URL, of the types they are not yet.
KEY_CASES = [
    (f"/token/{TOKEN}", 200),
    (f"/token/{TOKEN.hex}", 200),
    (f"/token/{uuid.UUID(int=1)}", 404),
    ("/token/abc", 404),
    (f"/token/{TOKEN}%00", 404),
    (f"/legacy/{TOKEN}", 200),
    (f"/legacy/{uuid.UUID(int=1)}", 404),
    ("/legacy/abc", 404),
    ("/tag/news", 200),
    ("/tag/ne%00ws", 404),
    ("/tag/" + "n" * 50, 404),
]


def test_get_or_404_uuid_and_string_keys(make_app: MakeApp, database_url: str) -> None:
    db = SQLAlchemy(model_class=KeyModel)
    app, _ = make_app(database_url, db=db)
    make_tables(app, db, Token(id=TOKEN), LegacyToken(id=str(TOKEN)), Tag(name="news"))
    models: dict[str, type[KeyModel]] = {
        "token": Token,
        "legacy": LegacyToken,
        "tag": Tag,
    }

    @app.get("/<kind>/<key>")
    def show(kind: str, key: str) -> str:
        instance = db.get_or_404(models[kind], key)
        return str(sa.inspect(instance).identity)

    client = app.test_client()
    for url, status in KEY_CASES:
        assert client.get(url).status_code == status, url


# -- pagination ----------------------------------------------------------------


@pytest.fixture
def pages_app(make_app: MakeApp, database_url: str) -> tuple[App, SQLAlchemy]:
    app, db = make_app(database_url)
    make_tables(app, db, *[User(name=f"u{n:02}") for n in range(45)])

    @app.get("/users")
    def users() -> dict[str, t.Any]:
        page = db.paginate(sa.select(User).order_by(User.name))
        return {
            "names": [user.name for user in page],
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
            "pages": page.pages,
        }

    @app.get("/lenient")
    def lenient() -> dict[str, t.Any]:
        page = db.paginate(
            sa.select(User).order_by(User.name), max_per_page=30, error_out=False
        )
        return {
            "names": [u.name for u in page],
            "page": page.page,
            "per": page.per_page,
        }

    return app, db


def test_paginate_defaults(pages_app: tuple[App, SQLAlchemy]) -> None:
    app, db = pages_app
    data = app.test_client().get("/users").get_json()
    assert data["names"] == [f"u{n:02}" for n in range(20)]
    assert (data["page"], data["per_page"], data["total"], data["pages"]) == (
        1,
        20,
        45,
        3,
    )
    # Outside a request: page 1, 20 per page.
    with app.app_context():
        page = db.paginate(sa.select(User).order_by(User.id))
        assert (page.page, page.per_page, len(page.items)) == (1, 20, 20)


# (query string, names on the page, page, per_page)
QUERY_CASES = [
    ("?page=3", [f"u{n:02}" for n in range(40, 45)], 3, 20),
    ("?page=2&per_page=10", [f"u{n:02}" for n in range(10, 20)], 2, 10),
    ("?per_page=45", [f"u{n:02}" for n in range(45)], 1, 45),
    # Lowered to max_per_page (100).
    ("?per_page=1000", [f"u{n:02}" for n in range(45)], 1, 100),
    # The first of repeated values counts.
    ("?page=1&page=2", [f"u{n:02}" for n in range(20)], 1, 20),
]


def test_paginate_from_query_arguments(pages_app: tuple[App, SQLAlchemy]) -> None:
    client = pages_app[0].test_client()
    for query, names, page, per_page in QUERY_CASES:
        data = client.get("/users" + query).get_json()
        assert data["names"] == names, query
        assert (data["page"], data["per_page"]) == (page, per_page), query


BAD_NUMBERS = [
    "0",
    "-1",
    "abc",
    "",
    "1.5",
    " 1",
    "+1",
    "1_0",
    "1e3",
    "%EF%BC%91",  # a full-width digit one: int() would take it
    "9" * 19,
    "9" * 5000,
]


def test_paginate_bad_numbers_are_404(pages_app: tuple[App, SQLAlchemy]) -> None:
    client = pages_app[0].test_client()
    for name in ("page", "per_page"):
        for value in BAD_NUMBERS:
            response = client.get(f"/users?{name}={value}")
            assert response.status_code == 404, (name, value)
            message = f"The {name} value must be a positive integer."
            assert message in response.get_data(as_text=True), (name, value)


def test_paginate_past_the_last_page_is_404(pages_app: tuple[App, SQLAlchemy]) -> None:
    client = pages_app[0].test_client()
    for value in ("4", "99", "999999999999999999"):
        response = client.get(f"/users?page={value}")
        assert response.status_code == 404, value
        assert "the last is 3" in response.get_data(as_text=True), value


# (query string, page, per_page, number of names) with error_out=False
LENIENT_CASES = [
    ("?page=abc", 1, 20, 20),
    ("?page=0&per_page=-5", 1, 20, 20),
    ("?per_page=1000", 1, 30, 30),
    # Past the last page: an empty page.
    ("?page=999999999999999999", 999999999999999999, 20, 0),
]


def test_paginate_without_error_out(pages_app: tuple[App, SQLAlchemy]) -> None:
    client = pages_app[0].test_client()
    for query, page, per, count in LENIENT_CASES:
        response = client.get("/lenient" + query)
        assert response.status_code == 200, query
        data = response.get_json()
        assert (data["page"], data["per"], len(data["names"])) == (page, per, count)


def test_paginate_no_rows(make_app: MakeApp, database_url: str) -> None:
    app, db = make_app(database_url)
    make_tables(app, db)
    with app.test_request_context("/?page=1"):
        page = db.paginate(sa.select(User))
        assert (page.items, page.total, page.pages) == ([], 0, 0)
        assert not page.has_prev and not page.has_next
        assert list(page.iter_pages()) == []
    with app.test_request_context("/?page=2"), pytest.raises(NotFound):
        db.paginate(sa.select(User))


def test_paginate_arguments_in_code(pages_app: tuple[App, SQLAlchemy]) -> None:
    app, db = pages_app
    # Arguments given in code win over the query string.
    with app.test_request_context("/?page=1&per_page=3"):
        page = db.paginate(sa.select(User.name).order_by(User.name), page=5, per_page=7)
        assert page.items == [f"u{n:02}" for n in range(28, 35)]
        assert (page.first, page.last) == (29, 35)
        with pytest.raises(NotFound):
            db.paginate(sa.select(User), page=0)
        unlimited = db.paginate(sa.select(User), per_page=1000, max_per_page=None)
        assert unlimited.per_page == 1000
        assert len(unlimited.items) == 45


def test_paginate_with_joined_eager_loading(
    make_app: MakeApp, database_url: str
) -> None:
    app, db = make_app(database_url)
    users = [
        User(name=f"u{n}", posts=[Post(title=f"{n}.{p}") for p in range(3)])
        for n in range(5)
    ]
    make_tables(app, db, *users)
    with app.test_request_context("/?page=2&per_page=2"):
        statement = sa.select(User).options(joinedload(User.posts)).order_by(User.id)
        page = db.paginate(statement)
        assert page.total == 5
        assert [user.name for user in page] == ["u2", "u3"]
        assert [post.title for post in page.items[0].posts] == ["2.0", "2.1", "2.2"]


def test_paginate_keeps_equal_values(make_app: MakeApp, database_url: str) -> None:
    # Instances are made unique (joined eager loading repeats them); plain
    # values are not: equal titles are different rows.
    app, db = make_app(database_url)
    users = [
        User(name=f"u{n}", posts=[Post(title="same") for _ in range(3)])
        for n in range(3)
    ]
    make_tables(app, db, *users)
    with app.app_context():
        page = db.paginate(sa.select(Post.title).order_by(Post.id), per_page=4)
        assert page.items == ["same"] * 4
        assert (page.total, page.pages, page.first, page.last) == (9, 3, 1, 4)


PAGE_TEMPLATE = """\
<ul>{% for user in page %}<li>{{ user.name }}</li>{% endfor %}</ul>
<p>{{ page.first }}-{{ page.last }} of {{ page.total }}</p>
<nav>
{%- if page.has_prev %}<a href="{{ url_for('users', page=page.prev_num) }}">&lt;</a>
{%- endif %}
{%- for num in page.iter_pages(left_edge=1, left_current=1, right_current=1,
                               right_edge=1) %}
{%- if num is none %} …
{%- elif num == page.page %} <b>{{ num }}</b>
{%- else %} <a href="{{ url_for('users', page=num) }}">{{ num }}</a>
{%- endif %}
{%- endfor %}
{%- if page.has_next %} <a href="{{ url_for('users', page=page.next_num) }}">&gt;</a>
{%- endif -%}
</nav>
"""


def test_pagination_in_a_template(make_app: MakeApp, database_url: str) -> None:
    app, db = make_app(database_url)
    make_tables(app, db, *[User(name=f"<u{n:02}>") for n in range(45)])

    @app.get("/users")
    def users() -> str:
        page = db.paginate(sa.select(User).order_by(User.name), per_page=5)
        return render_template_string(PAGE_TEMPLATE, page=page)

    html = app.test_client().get("/users?page=5").get_data(as_text=True)
    assert "<li>&lt;u20&gt;</li><li>&lt;u21&gt;</li>" in html
    assert "<li>&lt;u24&gt;</li></ul>" in html
    assert "<p>21-25 of 45</p>" in html
    assert (
        '<nav><a href="/users?page=4">&lt;</a>'
        ' <a href="/users?page=1">1</a> …'
        ' <a href="/users?page=4">4</a> <b>5</b> <a href="/users?page=6">6</a> …'
        ' <a href="/users?page=9">9</a>'
        ' <a href="/users?page=6">&gt;</a></nav>'
    ) in html


@pytest.mark.parametrize(
    ("page", "pages", "options", "expected"),
    [
        (10, 20, {}, [1, 2, None, 8, 9, 10, 11, 12, 13, 14, None, 19, 20]),
        (1, 20, {}, [1, 2, 3, 4, 5, None, 19, 20]),
        (20, 20, {}, [1, 2, None, 18, 19, 20]),
        # Windows that touch or overlap are joined without a gap.
        (5, 20, {}, [1, 2, 3, 4, 5, 6, 7, 8, 9, None, 19, 20]),
        (2, 3, {}, [1, 2, 3]),
        (1, 1, {}, [1]),
        (1, 0, {}, []),
        (
            10,
            20,
            {"left_edge": 0, "right_edge": 0, "left_current": 1, "right_current": 1},
            [None, 9, 10, 11, None],
        ),
        (
            3,
            1000000,
            {"right_current": 1},
            [1, 2, 3, 4, None, 999999, 1000000],
        ),
    ],
)
def test_iter_pages(
    page: int, pages: int, options: dict[str, int], expected: list[int | None]
) -> None:
    pagination: Pagination[int] = Pagination(
        [0] if pages else [], page=page, per_page=10, total=pages * 10
    )
    assert pagination.pages == pages
    assert list(pagination.iter_pages(**options)) == expected


def test_pagination_navigation() -> None:
    middle = Pagination(list(range(10)), page=2, per_page=10, total=25)
    assert (middle.pages, middle.has_prev, middle.has_next) == (3, True, True)
    assert (middle.prev_num, middle.next_num) == (1, 3)
    assert (middle.first, middle.last) == (11, 20)
    last = Pagination([1, 2, 3, 4, 5], page=3, per_page=10, total=25)
    assert (last.has_next, last.next_num, last.first, last.last) == (
        False,
        None,
        21,
        25,
    )
    first = Pagination([1], page=1, per_page=10, total=1)
    assert (first.has_prev, first.prev_num) == (False, None)
    assert list(first) == [1]
    assert repr(last) == "<Pagination page 3 of 3 (5 of 25 items)>"


# -- the command line ------------------------------------------------------------


def test_db_commands(make_app: MakeApp, database_url: str) -> None:
    app, db = make_app(database_url)
    runner = app.test_cli_runner()
    with app.app_context():
        engine = db.engine

    result = runner.invoke(args=["db", "--help"])
    assert result.exit_code == 0
    assert "create" in result.output and "drop" in result.output

    result = runner.invoke(args=["db", "create"])
    assert result.exit_code == 0, result.output
    assert "post, user" in result.output
    assert table_names(engine) == {"user", "post"}

    # Running it again leaves existing tables (and their rows) alone.
    with app.app_context():
        db.session.add(User(name="ann"))
        db.session.commit()
    assert runner.invoke(args=["db", "create"]).exit_code == 0
    assert count_users(app, db) == 1

    result = runner.invoke(args=["db", "drop"], input="n\n")
    assert result.exit_code == 1
    assert "Drop the tables of all models" in result.output
    assert "Aborted" in result.output
    assert table_names(engine) == {"user", "post"}

    result = runner.invoke(args=["db", "drop"], input="y\n")
    assert result.exit_code == 0, result.output
    assert table_names(engine) == set()

    runner.invoke(args=["db", "create"])
    result = runner.invoke(args=["db", "drop", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Dropped the tables: post, user." in result.output
    assert table_names(engine) == set()


def test_db_commands_report_database_errors(
    make_app: MakeApp, tmp_path: pathlib.Path
) -> None:
    # What the database refuses is a one-line error, not a traceback.
    app, _ = make_app(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")
    runner = app.test_cli_runner()
    for args, action in ((["create"], "create"), (["drop", "--yes"], "drop")):
        result = runner.invoke(args=["db", *args])
        assert result.exit_code == 1
        assert isinstance(result.exception, SystemExit)
        assert result.output == (
            f"Error: Can't {action} the tables: unable to open database file\n"
        )

    db = SQLAlchemy(model_class=BoundModel)
    app, _ = make_app("sqlite://", db=db, SQLALCHEMY_BINDS={"audit": "sqlite://"})
    result = app.test_cli_runner().invoke(args=["db", "create"])
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: Can't create the tables: The table 'archived' has the bind key"
    )


def test_db_commands_without_the_extension(tmp_path: pathlib.Path) -> None:
    app = App("sqla_app", instance_path=str(tmp_path))
    app.cli.add_command(db_cli)
    result = app.test_cli_runner().invoke(args=["db", "create"])
    assert result.exit_code == click.UsageError.exit_code
    assert "The app has no SQLAlchemy extension" in result.output


def test_db_commands_join_an_existing_db_group(tmp_path: pathlib.Path) -> None:
    app = App("sqla_app", instance_path=str(tmp_path))
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"

    @app.cli.group("db")
    def migrations() -> None:
        """Migrations, from another extension."""

    @migrations.command("upgrade")
    def upgrade() -> None:
        click.echo("upgraded")

    db = SQLAlchemy(app, model_class=Model)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).output == "upgraded\n"
    result = runner.invoke(args=["db", "create"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert table_names(db.engine) == {"user", "post"}
        db.engine.dispose()


def test_db_create_in_a_subprocess(tmp_path: pathlib.Path) -> None:
    (tmp_path / "dbapp.py").write_text(
        textwrap.dedent(
            """\
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            from framework import App
            from framework_sqlalchemy import SQLAlchemy


            class Model(DeclarativeBase):
                pass


            class Note(Model):
                __tablename__ = "note"
                id: Mapped[int] = mapped_column(primary_key=True)


            app = App(__name__)
            db = SQLAlchemy(app, model_class=Model)
            """
        )
    )
    command = [sys.executable, "-m", "framework.cli", "--app", "dbapp", "db"]
    result = subprocess.run(
        [*command, "create"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Created the missing tables among: note." in result.stdout
    database = tmp_path / "instance" / "db.sqlite3"
    with sqlite3.connect(database) as conn:
        names = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()
    assert names == ["note"]

    result = subprocess.run(
        [*command, "drop"],
        cwd=tmp_path,
        input="y\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
    conn.close()


def test_import_without_sqlalchemy_says_how_to_install() -> None:
    code = (
        "import sys; sys.modules['sqlalchemy'] = None\n"
        "try:\n"
        "    import framework_sqlalchemy\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == (
        "framework_sqlalchemy needs SQLAlchemy 2: install it with"
        " pip install 'sqlalchemy>=2' (the 'sqlalchemy' extra).\n"
    )


@pytest.mark.parametrize(
    ("type_", "dialect", "fits", "too_large"),
    [
        (sa.Integer(), "sqlite", 2**63 - 1, 2**63),
        (sa.SmallInteger(), "sqlite", -(2**63), -(2**63) - 1),
        (sa.Integer(), "postgresql", 2**31 - 1, 2**31),
        (sa.Integer(), "postgresql", -(2**31), -(2**31) - 1),
        (sa.SmallInteger(), "postgresql", 2**15 - 1, 2**15),
        (sa.BigInteger(), "postgresql", 2**63 - 1, 2**63),
        (mysql.INTEGER(unsigned=True), "mysql", 2**32 - 1, 2**32),
        (mysql.INTEGER(unsigned=True), "mysql", 0, -1),
        (sa.Integer(), "mssql", 2**31 - 1, 2**31),
        # Other databases: only the 64 bits every driver can send.
        (sa.Integer(), "oracle", 2**63 - 1, 2**63),
    ],
)
def test_integer_key_ranges(
    type_: sa.Integer, dialect: str, fits: int, too_large: int
) -> None:
    assert _fits(fits, type_, dialect)
    assert not _fits(too_large, type_, dialect)


# -- PostgreSQL ----------------------------------------------------------------


class PgModel(DeclarativeBase):
    pass


class Document(PgModel):
    __tablename__ = "document"

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    body: Mapped[dict[str, t.Any]] = mapped_column(postgresql.JSONB)
    tags: Mapped[list[str]] = mapped_column(postgresql.ARRAY(sa.Text))
    created: Mapped[datetime.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


def test_postgresql_round_trip(
    make_app: MakeApp, postgres_server: PostgresServer
) -> None:
    db = SQLAlchemy(model_class=PgModel)
    with postgres_server.database() as name:
        app, _ = make_app(
            postgres_server.url(name),
            db=db,
            SQLALCHEMY_ENGINE_OPTIONS={
                "connect_args": {"application_name": "framework-tests"}
            },
        )

        @app.post("/documents")
        def create() -> tuple[dict[str, t.Any], int]:
            data = request.get_json()
            document = Document(body=data["body"], tags=data["tags"])
            db.session.add(document)
            db.session.commit()
            return {"id": document.id, "created": document.created.isoformat()}, 201

        @app.get("/documents/<int:document_id>")
        def read(document_id: int) -> dict[str, t.Any]:
            document = db.get_or_404(Document, document_id)
            return {"body": document.body, "tags": document.tags}

        @app.get("/documents")
        def search() -> list[int]:
            statement = sa.select(Document.id).where(
                Document.body["kind"].astext == request.args["kind"],
                Document.tags.contains([request.args["tag"]]),
            )
            return list(db.session.scalars(statement.order_by(Document.id)))

        with app.app_context():
            db.create_all()
            assert db.engine.dialect.name == "postgresql"
            setting = db.session.scalar(sa.text("SHOW application_name"))
            assert setting == "framework-tests"

        client = app.test_client()
        body = {"kind": "note", "text": "Grüße", "nested": {"n": [1, 2.5, None]}}
        created = client.post("/documents", json={"body": body, "tags": ["a", "b"]})
        assert created.status_code == 201
        document_id = created.get_json()["id"]
        assert created.get_json()["created"].endswith("+00:00")
        client.post("/documents", json={"body": {"kind": "memo"}, "tags": ["a"]})
        assert client.get(f"/documents/{document_id}").get_json() == {
            "body": body,
            "tags": ["a", "b"],
        }
        assert client.get("/documents?kind=note&tag=b").get_json() == [document_id]
        assert client.get("/documents?kind=note&tag=c").get_json() == []
        # A BIGINT key takes 64 bits; past them, 404 rather than an error.
        assert client.get(f"/documents/{2**40}").status_code == 404
        assert client.get(f"/documents/{2**63}").status_code == 404
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()


# -- the manual ------------------------------------------------------------------


def test_docs_page_examples_run(tmp_path: pathlib.Path) -> None:
    # tests/test_docs.py runs the top-level pages only; this page is in
    # docs/contrib/. Its blocks are written, at their lines in the page, to
    # a test module that pytest runs in a subprocess: the examples run as
    # the module is imported, and the page's own test (with its fixture)
    # runs as a test. The apps put their databases in tmp_path/instance.
    from test_docs import python_blocks

    page = (
        pathlib.Path(__file__).resolve().parent.parent / "docs/contrib/sqlalchemy.rst"
    )
    blocks = python_blocks(page)
    assert blocks
    lines: list[str] = []
    for line, code in blocks:
        # The block's first line (a blank one) is the line after the
        # directive: errors point at the page's own lines.
        lines.extend([""] * (line - len(lines)))
        lines.extend(code.splitlines())
    (tmp_path / "test_sqlalchemy_page.py").write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error",
            "test_sqlalchemy_page.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
