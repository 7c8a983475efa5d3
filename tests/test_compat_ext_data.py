"""Flask extensions for storage, caching, mail and background work,
unmodified, on an App through ``framework.compat.flask``: Flask-Session,
Flask-Caching, Flask-Migrate, Flask-Mail (through a real SMTP server in a
subprocess) and Flask-Executor.

Each extension gets one small app for the whole module (the alias is
installed for the module: see tests/compat_alias.py), driven through the
test client (and, for Flask-Migrate, the test CLI runner).
"""

from __future__ import annotations

import email
import email.policy
import json
import logging
import smtplib
import sys
import textwrap
import typing as t

import pytest
from compat_alias import load
from processes import free_port, wait_until
from servers import START_TIMEOUT, ServerProcess, server_environment

from framework.testing import AppClient

#: Every test runs through both the WSGI and the ASGI transport.
pytestmark = pytest.mark.usefixtures("flask_alias_for_module", "transport")


# -- Flask-Session -------------------------------------------------------------


class _SessionApp(t.NamedTuple):
    client: AppClient
    store: t.Any


@pytest.fixture(scope="module")
def session_app(tmp_path_factory: pytest.TempPathFactory) -> _SessionApp:
    """Server-side sessions in a cachelib file store: ``/set/<value>``,
    ``/get`` and ``/clear``."""
    flask = load("flask")
    flask_session = load("flask_session")
    cachelib = load("cachelib")

    app = flask.Flask(__name__)
    store = cachelib.FileSystemCache(str(tmp_path_factory.mktemp("sessions")))
    app.config.update(
        SECRET_KEY="session-key",
        SESSION_TYPE="cachelib",
        SESSION_CACHELIB=store,
    )
    flask_session.Session(app)

    @app.get("/set/<value>")
    def set_value(value: str) -> str:
        flask.session["value"] = value
        return "stored"

    @app.get("/get")
    def get_value() -> str:
        return flask.session.get("value", "nothing")

    @app.get("/clear")
    def clear() -> str:
        flask.session.clear()
        return "cleared"

    return _SessionApp(app.test_client(), store)


def _session_id(client: AppClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_flask_session_keeps_the_data_on_the_server(session_app: _SessionApp) -> None:
    client = session_app.client
    assert client.get("/set/blue").text == "stored"
    assert client.get("/get").text == "blue"
    session_id = _session_id(client)
    # The cookie holds only the id: the data is in the store under it.
    assert "blue" not in session_id
    assert session_app.store.get(f"session:{session_id}")["value"] == "blue"


def test_flask_session_other_clients_do_not_share_it(session_app: _SessionApp) -> None:
    session_app.client.get("/set/green")
    other = session_app.client.application.test_client()
    assert other.get("/get").text == "nothing"


def test_flask_session_clear_deletes_the_stored_session(
    session_app: _SessionApp,
) -> None:
    client = session_app.client
    client.get("/set/red")
    session_id = _session_id(client)
    client.get("/clear")
    assert session_app.store.get(f"session:{session_id}") is None
    assert client.get("/get").text == "nothing"


# -- Flask-Caching -------------------------------------------------------------


class _CacheApp(t.NamedTuple):
    client: AppClient
    cache: t.Any
    calls: dict[str, int]


@pytest.fixture(scope="module")
def cache_app() -> _CacheApp:
    """A SimpleCache: ``/cached`` is cached whole, ``/square/<n>`` calls a
    memoized function; ``calls`` counts the real computations."""
    flask = load("flask")
    flask_caching = load("flask_caching")

    app = flask.Flask(__name__)
    cache = flask_caching.Cache(
        app, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
    )
    calls = {"cached": 0, "square": 0}

    @app.get("/cached")
    @cache.cached(query_string=True)
    def cached() -> str:
        calls["cached"] += 1
        return f"computed {calls['cached']} for {flask.request.args.get('q', '')}"

    @cache.memoize()
    def square(n: int) -> int:
        calls["square"] += 1
        return n * n

    @app.get("/square/<int:n>")
    def square_view(n: int) -> dict[str, int]:
        return {"square": square(n)}

    @app.post("/forget/<int:n>")
    def forget(n: int) -> str:
        cache.delete_memoized(square, n)
        return "forgotten"

    return _CacheApp(app.test_client(), cache, calls)


def test_flask_caching_caches_a_view(cache_app: _CacheApp) -> None:
    first = cache_app.client.get("/cached?q=a").text
    assert cache_app.client.get("/cached?q=a").text == first
    # Another query string is another cache entry.
    assert cache_app.client.get("/cached?q=b").text.endswith("for b")
    assert cache_app.calls["cached"] == 2


@pytest.mark.wsgi_only(
    reason="run once, on WSGI: the module's one cache counts calls across both runs"
)
def test_flask_caching_memoize_and_delete(cache_app: _CacheApp) -> None:
    client = cache_app.client
    assert client.get("/square/4").get_json() == {"square": 16}
    assert client.get("/square/4").get_json() == {"square": 16}
    assert cache_app.calls["square"] == 1
    client.post("/forget/4")
    client.get("/square/4")
    assert cache_app.calls["square"] == 2


def test_flask_caching_api_in_an_app_context(cache_app: _CacheApp) -> None:
    with cache_app.client.application.app_context():
        cache_app.cache.set("answer", 42)
        assert cache_app.cache.get("answer") == 42
        assert cache_app.client.application.extensions["cache"]


# -- Flask-Migrate -------------------------------------------------------------


@pytest.fixture
def logging_restored() -> t.Iterator[None]:
    """Undo what Alembic's ``fileConfig`` does to logging: it disables every
    logger its ini file does not name (the apps' loggers of later tests) and
    replaces the root logger's handlers."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = {
        name: (logger.disabled, logger.level, logger.handlers[:], logger.propagate)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, logger in logging.Logger.manager.loggerDict.items():
        if not isinstance(logger, logging.Logger):
            continue
        disabled, old_level, old_handlers, propagate = loggers.get(
            name, (False, logging.NOTSET, [], True)
        )
        logger.disabled = disabled
        logger.setLevel(old_level)
        logger.handlers[:] = old_handlers
        logger.propagate = propagate


@pytest.fixture(scope="module")
def migrate_app(tmp_path_factory: pytest.TempPathFactory) -> t.Any:
    """An app with Flask-SQLAlchemy on SQLite, a ``Note`` model and
    Flask-Migrate's ``db`` command group on ``app.cli``."""
    flask = load("flask")
    flask_sqlalchemy = load("flask_sqlalchemy")
    flask_migrate = load("flask_migrate")
    sqlalchemy = load("sqlalchemy")

    folder = tmp_path_factory.mktemp("migrate")
    app = flask.Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder / 'notes.db'}"
    db = flask_sqlalchemy.SQLAlchemy(app)

    class Note(db.Model):  # type: ignore[misc, name-defined]
        id = db.Column(sqlalchemy.Integer, primary_key=True)
        text = db.Column(sqlalchemy.String(200), nullable=False)

    # It adds its `db` command group to app.cli.
    flask_migrate.Migrate(app, db, directory=str(folder / "migrations"))
    app.db = db  # type: ignore[attr-defined]
    app.migrations = folder / "migrations"  # type: ignore[attr-defined]
    return app


# Flask-Migrate's env.py template calls Flask-SQLAlchemy's deprecated
# get_engine() first (on Flask too).
@pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")
@pytest.mark.usefixtures("logging_restored")
@pytest.mark.wsgi_only(
    reason="run once, on WSGI: a CLI test: the migrations folder it creates is the"
    " module's, made once"
)
def test_flask_migrate_init_migrate_upgrade_through_the_cli(migrate_app: t.Any) -> None:
    runner = migrate_app.test_cli_runner()
    init = runner.invoke(args=["db", "init"])
    assert init.exit_code == 0, init.output
    assert (migrate_app.migrations / "alembic.ini").is_file()

    revision = runner.invoke(args=["db", "migrate", "-m", "notes"])
    assert revision.exit_code == 0, revision.output
    versions = list((migrate_app.migrations / "versions").glob("*_notes.py"))
    assert len(versions) == 1
    assert "create_table('note'" in versions[0].read_text()

    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    with migrate_app.app_context():
        inspector = load("sqlalchemy").inspect(migrate_app.db.engine)
        assert set(inspector.get_table_names()) == {"alembic_version", "note"}

        with migrate_app.db.engine.connect() as connection:
            version = connection.exec_driver_sql(
                "SELECT version_num FROM alembic_version"
            ).scalar_one()
    assert versions[0].name == f"{version}_notes.py"


# -- Flask-Mail ----------------------------------------------------------------

# A real SMTP server, as little of one as smtplib needs: each message it
# takes is written to inbox/<n>.json with its envelope.
_SMTP_SERVER = textwrap.dedent(
    """
    import json, pathlib, socketserver, sys

    inbox = pathlib.Path("inbox")
    inbox.mkdir()

    class Session(socketserver.StreamRequestHandler):
        def reply(self, line):
            self.wfile.write(line.encode() + b"\\r\\n")

        def handle(self):
            envelope = {"from": None, "to": []}
            self.reply("220 127.0.0.1 ready")
            for raw in self.rfile:
                command = raw.decode().rstrip("\\r\\n")
                verb = command.split(" ", 1)[0].upper()
                if verb == "MAIL":
                    envelope = {"from": command.split(":", 1)[1], "to": []}
                elif verb == "RCPT":
                    envelope["to"].append(command.split(":", 1)[1])
                elif verb == "DATA":
                    self.reply("354 end with a lone dot")
                    lines = []
                    for line in self.rfile:
                        if line == b".\\r\\n":
                            break
                        lines.append(line[1:] if line.startswith(b".") else line)
                    envelope["data"] = b"".join(lines).decode()
                    name = f"{len(list(inbox.iterdir()))}.json"
                    (inbox / name).write_text(json.dumps(envelope))
                elif verb == "QUIT":
                    self.reply("221 bye")
                    return
                elif verb not in ("EHLO", "HELO", "RSET", "NOOP"):
                    self.reply("502 not here")
                    continue
                self.reply("250 ok")

    socketserver.TCPServer(("127.0.0.1", int(sys.argv[1])), Session).serve_forever()
    """
)


@pytest.fixture(scope="module")
def smtp_server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[ServerProcess]:
    """The SMTP server in a subprocess; what it received is in
    ``<folder>/inbox``."""
    folder = tmp_path_factory.mktemp("smtp")
    (folder / "smtp_server.py").write_text(_SMTP_SERVER)
    port = free_port()
    server = ServerProcess(
        [sys.executable, "smtp_server.py", str(port)],
        port=port,
        folder=folder,
        env=server_environment(folder),
        name="the SMTP server",
    )

    def answers() -> bool:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                return smtp.noop()[0] == 250
        except OSError:
            return False

    try:
        if not wait_until(answers, server.process, START_TIMEOUT):
            pytest.fail(f"the SMTP server did not start:\n{server.output()}")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def mail_app(smtp_server: ServerProcess) -> t.Any:
    """``POST /invite/<email>`` sends an HTML and text message rendered from
    templates, through the SMTP server."""
    flask = load("flask")
    flask_mail = load("flask_mail")

    app = flask.Flask(__name__)
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="Team <team@example.com>",
    )
    mail = flask_mail.Mail(app)

    @app.post("/invite/<email>")
    def invite(email: str) -> str:
        message = flask_mail.Message("You are invited", recipients=[email])
        message.body = flask.render_template_string("Hello {{ who }}", who=email)
        message.html = flask.render_template_string("<b>Hello {{ who }}</b>", who=email)
        mail.send(message)
        return "sent"

    app.mail = mail  # type: ignore[attr-defined]
    return app


@pytest.mark.wsgi_only(
    reason="run once, on WSGI: the module's one SMTP server keeps every message in"
    " its inbox"
)
def test_flask_mail_sends_from_a_view(
    mail_app: t.Any, smtp_server: ServerProcess
) -> None:
    with mail_app.mail.record_messages() as outbox:
        response = mail_app.test_client().post("/invite/ann@example.com")
    assert response.text == "sent"
    # The email_dispatched signal names the message it sent.
    assert [message.subject for message in outbox] == ["You are invited"]
    (received,) = [
        json.loads(path.read_text())
        for path in (smtp_server.folder / "inbox").iterdir()
    ]
    assert received["from"] == "<team@example.com>"
    assert received["to"] == ["<ann@example.com>"]
    message = email.message_from_string(received["data"], policy=email.policy.default)
    assert message["Subject"] == "You are invited"
    assert message["From"] == "Team <team@example.com>"
    assert message["To"] == "ann@example.com"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().strip() == "Hello ann@example.com"
    assert html.get_content().strip() == "<b>Hello ann@example.com</b>"


# -- Flask-Executor ------------------------------------------------------------


@pytest.fixture(scope="module")
def executor_client() -> t.Iterator[AppClient]:
    """A thread pool: ``/double/<n>`` computes in a worker that sees the
    request, ``g`` and the app; ``/start/<n>`` and ``/result`` store a
    future under a key."""
    flask = load("flask")
    flask_executor = load("flask_executor")

    app = flask.Flask(__name__)
    app.config["EXECUTOR_TYPE"] = "thread"
    app.config["EXECUTOR_MAX_WORKERS"] = 2
    executor = flask_executor.Executor(app)

    def double(n: int) -> dict[str, t.Any]:
        return {
            "double": 2 * n,
            "app": flask.current_app.name,
            "path": flask.request.path,
            "user": flask.g.user,
        }

    @app.get("/double/<int:n>")
    def double_view(n: int) -> dict[str, t.Any]:
        flask.g.user = "ann"
        return executor.submit(double, n).result(timeout=10)  # type: ignore[no-any-return]

    @app.get("/start/<int:n>")
    def start(n: int) -> str:
        executor.submit_stored("job", lambda: n * n)
        return "started"

    @app.get("/result")
    def result() -> dict[str, t.Any]:
        future = executor.futures.pop("job")
        return {"result": future.result(timeout=10)}

    yield app.test_client()
    executor.shutdown(wait=True)


def test_flask_executor_task_sees_the_request_app_and_g(
    executor_client: AppClient,
) -> None:
    assert executor_client.get("/double/21").get_json() == {
        "double": 42,
        "app": __name__,
        "path": "/double/21",
        "user": "ann",
    }


def test_flask_executor_stored_future(executor_client: AppClient) -> None:
    assert executor_client.get("/start/12").text == "started"
    assert executor_client.get("/result").get_json() == {"result": 144}
