"""Flask extensions for pages, templates and responses, unmodified, on an
App through ``framework.compat.flask``: Flask-Babel, Flask-Compress,
Flask-DebugToolbar, Bootstrap-Flask, Flask-Moment, Flask-FlatPages,
Flask-Admin and Flask-AppBuilder.

Each extension gets one small app for the whole module (the alias is
installed for the module: see tests/compat_alias.py), driven through the
test client.
"""

from __future__ import annotations

import datetime
import gzip
import pathlib
import re
import typing as t

import click.testing
import pytest
from compat_alias import load

from framework.cli import FrameworkGroup
from framework.testing import AppClient

#: Every test runs through both the WSGI and the ASGI transport.
pytestmark = pytest.mark.usefixtures("flask_alias_for_module", "transport")


# -- Flask-Babel ---------------------------------------------------------------


def _write_catalog(folder: pathlib.Path, locale: str, messages: dict[str, str]) -> None:
    """A compiled message catalog, ``<folder>/<locale>/LC_MESSAGES/messages.mo``."""
    catalog_module = load("babel.messages.catalog")
    mofile = load("babel.messages.mofile")

    catalog = catalog_module.Catalog(locale=locale)
    for source, translation in messages.items():
        catalog.add(source, translation)
    target = folder / locale / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as out:
        mofile.write_mo(out, catalog)


@pytest.fixture(scope="module")
def babel_client(tmp_path_factory: pytest.TempPathFactory) -> AppClient:
    """German and English: the locale comes from Accept-Language; ``/``
    translates in Python and in a template, ``/number`` formats a decimal
    and a date for the locale."""
    flask = load("flask")
    flask_babel = load("flask_babel")

    translations = tmp_path_factory.mktemp("translations")
    _write_catalog(translations, "de", {"Hello": "Hallo", "Goodbye": "Tschüss"})
    app = flask.Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)

    def locale_selector() -> str | None:
        return flask.request.accept_languages.best_match(["en", "de"])

    flask_babel.Babel(app, locale_selector=locale_selector)

    @app.get("/")
    def index() -> str:
        hello = flask_babel.gettext("Hello")
        goodbye = flask.render_template_string("{{ _('Goodbye') }}")
        return f"{hello}, {goodbye} ({flask_babel.get_locale()})"

    @app.get("/number")
    def number() -> dict[str, str]:
        return {
            "decimal": flask_babel.format_decimal(1234.5),
            "date": flask_babel.format_date(datetime.date(2024, 3, 1), "long"),
        }

    return app.test_client()


def test_flask_babel_translates_for_the_requested_locale(
    babel_client: AppClient,
) -> None:
    german = babel_client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert german.text == "Hallo, Tschüss (de)"
    english = babel_client.get("/", headers={"Accept-Language": "en"})
    assert english.text == "Hello, Goodbye (en)"


def test_flask_babel_formats_for_the_locale(babel_client: AppClient) -> None:
    german = babel_client.get("/number", headers={"Accept-Language": "de"})
    assert german.get_json() == {"decimal": "1.234,5", "date": "1. März 2024"}
    english = babel_client.get("/number", headers={"Accept-Language": "en"})
    assert english.get_json() == {"decimal": "1,234.5", "date": "March 1, 2024"}


# -- Flask-Compress ------------------------------------------------------------


@pytest.fixture(scope="module")
def compress_client() -> AppClient:
    """``/big`` answers 5 kB of text, ``/small`` a few bytes."""
    flask = load("flask")
    flask_compress = load("flask_compress")

    app = flask.Flask(__name__)
    app.config["COMPRESS_ALGORITHM"] = ["br", "gzip"]
    flask_compress.Compress(app)

    @app.get("/big")
    def big() -> str:
        return "framework " * 500

    @app.get("/small")
    def small() -> str:
        return "tiny"

    return app.test_client()


def test_flask_compress_gzips_a_large_response(compress_client: AppClient) -> None:
    response = compress_client.get("/big", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(response.data) < 5000
    assert gzip.decompress(response.data).decode() == "framework " * 500


def test_flask_compress_prefers_the_configured_order(
    compress_client: AppClient,
) -> None:
    response = compress_client.get("/big", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert load("brotli").decompress(response.data).decode() == "framework " * 500


def test_flask_compress_leaves_small_and_unasked_responses(
    compress_client: AppClient,
) -> None:
    small = compress_client.get("/small", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers
    assert small.text == "tiny"
    plain = compress_client.get("/big")
    assert "Content-Encoding" not in plain.headers


# -- Flask-DebugToolbar --------------------------------------------------------


@pytest.fixture(scope="module")
def toolbar_client() -> AppClient:
    """A debug app with the toolbar: an HTML page, a JSON view and a
    redirect (intercepted by default)."""
    flask = load("flask")
    flask_debugtoolbar = load("flask_debugtoolbar")

    app = flask.Flask(__name__)
    app.debug = True
    app.config["SECRET_KEY"] = "toolbar-key"
    flask_debugtoolbar.DebugToolbarExtension(app)

    @app.get("/")
    def page() -> str:
        return "<html><head></head><body><h1>Page</h1></body></html>"

    @app.get("/data")
    def data() -> dict[str, int]:
        return {"n": 1}

    @app.get("/away")
    def away() -> t.Any:
        return flask.redirect("/")

    return app.test_client()


def test_flask_debugtoolbar_is_injected_into_html(toolbar_client: AppClient) -> None:
    response = toolbar_client.get("/")
    assert response.status_code == 200
    assert "<h1>Page</h1>" in response.text
    assert 'id="flDebug"' in response.text
    # Its panels ran: the request panel shows this request's view.
    assert "flDebugRequestVarsPanel" in response.text


def test_flask_debugtoolbar_leaves_json_alone(toolbar_client: AppClient) -> None:
    response = toolbar_client.get("/data")
    assert response.get_json() == {"n": 1}
    assert "flDebug" not in response.text


def test_flask_debugtoolbar_intercepts_redirects(toolbar_client: AppClient) -> None:
    response = toolbar_client.get("/away")
    assert response.status_code == 200
    assert "Redirect" in response.text
    assert 'href="/"' in response.text


def test_flask_debugtoolbar_serves_its_static_files(toolbar_client: AppClient) -> None:
    page = toolbar_client.get("/").text
    match = re.search(r'src="([^"]*/_debug_toolbar/static/[^"]+\.js)', page)
    assert match is not None
    with toolbar_client.get(match.group(1)) as script:
        assert script.status_code == 200
        assert script.mimetype in {"text/javascript", "application/javascript"}


# -- Bootstrap-Flask -----------------------------------------------------------


@pytest.fixture(scope="module")
def bootstrap_client() -> AppClient:
    """Bootstrap 5 assets and ``render_form`` of a Flask-WTF form."""
    flask = load("flask")
    flask_bootstrap = load("flask_bootstrap")
    flask_wtf = load("flask_wtf")
    wtforms = load("wtforms")
    validators = load("wtforms.validators")

    app = flask.Flask(__name__)
    app.config.update(SECRET_KEY="bootstrap-key", WTF_CSRF_ENABLED=False)
    flask_bootstrap.Bootstrap5(app)

    class SignUp(flask_wtf.FlaskForm):  # type: ignore[misc]
        name = wtforms.StringField("Your name", validators=[validators.DataRequired()])
        submit = wtforms.SubmitField("Join")

    page = (
        "{% from 'bootstrap5/form.html' import render_form %}"
        "<head>{{ bootstrap.load_css() }}</head>"
        "<body>{{ render_form(form) }}{{ bootstrap.load_js() }}</body>"
    )

    @app.route("/", methods=["GET", "POST"])
    def sign_up() -> str:
        form = SignUp()
        form.validate_on_submit()
        return flask.render_template_string(page, form=form)

    return app.test_client()


def test_bootstrap_flask_loads_its_assets(bootstrap_client: AppClient) -> None:
    page = bootstrap_client.get("/").text
    assert re.search(r'<link rel="stylesheet" href="[^"]*bootstrap[^"]*\.css"', page)
    assert re.search(r'<script src="[^"]*bootstrap[^"]*\.js"', page)


def test_bootstrap_flask_renders_a_wtforms_form(bootstrap_client: AppClient) -> None:
    page = bootstrap_client.get("/").text
    assert '<label class="form-label" for="name">Your name</label>' in page
    assert 'class="form-control"' in page
    assert 'class="btn btn-primary btn-md" id="submit"' in page
    invalid = bootstrap_client.post("/", data={"name": ""}).text
    assert "is-invalid" in invalid
    assert "This field is required." in invalid


# -- Flask-Moment --------------------------------------------------------------


@pytest.fixture(scope="module")
def moment_client() -> AppClient:
    """A page that loads moment.js and renders one timestamp."""
    flask = load("flask")
    flask_moment = load("flask_moment")

    app = flask.Flask(__name__)
    flask_moment.Moment(app)
    when = datetime.datetime(2024, 3, 1, 12, 30, tzinfo=datetime.UTC)

    @app.get("/")
    def page() -> str:
        return flask.render_template_string(
            "{{ moment.include_moment() }}{{ moment(when).format('LLL') }}",
            when=when,
        )

    return app.test_client()


def test_flask_moment_renders_timestamps_for_the_browser(
    moment_client: AppClient,
) -> None:
    page = moment_client.get("/").text
    assert re.search(r'<script src="[^"]*moment[^"]*\.js"', page)
    assert 'class="flask-moment"' in page
    assert 'data-timestamp="2024-03-01T12:30:00Z"' in page
    assert 'data-function="format" data-format="LLL"' in page


# -- Flask-FlatPages -----------------------------------------------------------


@pytest.fixture(scope="module")
def flatpages_client(tmp_path_factory: pytest.TempPathFactory) -> AppClient:
    """Markdown pages with YAML metadata in a folder, served by path."""
    flask = load("flask")
    flask_flatpages = load("flask_flatpages")

    folder = tmp_path_factory.mktemp("pages")
    (folder / "hello.md").write_text("title: Hello\ntags: [a, b]\n\n# Hi\n\n*there*\n")
    (folder / "blog").mkdir()
    (folder / "blog" / "first.md").write_text("title: First post\n\nText.\n")
    app = flask.Flask(__name__)
    app.config["FLATPAGES_ROOT"] = str(folder)
    app.config["FLATPAGES_EXTENSION"] = ".md"
    # The default, "if debug", reads FlatPages.app, which warns (on Flask
    # too) that current_app is the way.
    app.config["FLATPAGES_AUTO_RELOAD"] = False
    pages = flask_flatpages.FlatPages(app)

    @app.get("/<path:path>")
    def page(path: str) -> str:
        found = pages.get_or_404(path)
        return f"<title>{found['title']}</title>{found.html}"

    @app.get("/")
    def index() -> dict[str, list[str]]:
        return {"pages": sorted(p.path for p in pages)}

    return app.test_client()


def test_flask_flatpages_renders_markdown_with_metadata(
    flatpages_client: AppClient,
) -> None:
    page = flatpages_client.get("/hello").text
    assert page.startswith("<title>Hello</title>")
    assert "<h1>Hi</h1>" in page
    assert "<em>there</em>" in page


def test_flask_flatpages_lists_pages_and_404s(flatpages_client: AppClient) -> None:
    assert flatpages_client.get("/").get_json() == {"pages": ["blog/first", "hello"]}
    assert flatpages_client.get("/blog/first").text.startswith(
        "<title>First post</title>"
    )
    assert flatpages_client.get("/nothing").status_code == 404


# -- Flask-Admin ---------------------------------------------------------------


@pytest.fixture(scope="module")
def admin_client(tmp_path_factory: pytest.TempPathFactory) -> AppClient:
    """Flask-Admin with a SQLAlchemy model view over Flask-SQLAlchemy on
    SQLite, and a custom BaseView."""
    flask = load("flask")
    flask_sqlalchemy = load("flask_sqlalchemy")
    flask_admin = load("flask_admin")
    sqla = load("flask_admin.contrib.sqla")
    sqlalchemy = load("sqlalchemy")

    app = flask.Flask(__name__)
    database = tmp_path_factory.mktemp("admin") / "shop.db"
    app.config.update(
        SECRET_KEY="admin-key", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}"
    )
    db = flask_sqlalchemy.SQLAlchemy(app)

    class Product(db.Model):  # type: ignore[misc, name-defined]
        id = db.Column(sqlalchemy.Integer, primary_key=True)
        name = db.Column(sqlalchemy.String(80), nullable=False)
        price = db.Column(sqlalchemy.Integer, nullable=False)

    class Report(flask_admin.BaseView):  # type: ignore[misc]
        @flask_admin.expose("/")
        def index(self) -> str:
            return f"{Product.query.count()} products"

    # With Flask-Babel installed, Flask-Admin translates through it, and it
    # must be set up on the app (on Flask too).
    load("flask_babel").Babel(app)
    admin = flask_admin.Admin(app, name="Shop admin")
    admin.add_view(sqla.ModelView(Product, db))
    admin.add_view(Report(name="Report", endpoint="report"))
    with app.app_context():
        db.create_all()
        db.session.add(Product(name="Lamp", price=30))
        db.session.commit()
    return app.test_client()


def test_flask_admin_index_lists_the_views(admin_client: AppClient) -> None:
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    assert "Shop admin" in page.text
    assert 'href="/admin/product/"' in page.text
    assert 'href="/admin/report/"' in page.text


@pytest.mark.wsgi_only(
    reason="run once, on WSGI: the module's one database keeps the rows the first"
    " run created"
)
def test_flask_admin_model_view_lists_and_creates(admin_client: AppClient) -> None:
    listing = admin_client.get("/admin/product/")
    assert listing.status_code == 200
    assert "Lamp" in listing.text
    created = admin_client.post(
        "/admin/product/new/", data={"name": "Chair", "price": "45"}
    )
    assert created.status_code == 302
    assert "Chair" in admin_client.get("/admin/product/").text
    assert admin_client.get("/admin/report/").text == "2 products"


def test_flask_admin_validates_the_form(admin_client: AppClient) -> None:
    refused = admin_client.post("/admin/product/new/", data={"name": "", "price": "x"})
    assert refused.status_code == 200
    assert "This field is required." in refused.text
    assert "Not a valid integer value." in refused.text


# -- Flask-AppBuilder ----------------------------------------------------------


@pytest.fixture(scope="module")
def appbuilder_client() -> AppClient:
    """Flask-AppBuilder on SQLite with database authentication: an admin
    user, a model with a ModelView, and its REST API (browser login)."""
    flask = load("flask")
    fab = load("flask_appbuilder")
    fab_sqla = load("flask_appbuilder.models.sqla")
    fab_sqla_base = load("flask_appbuilder.models.sqla.base")
    interface = load("flask_appbuilder.models.sqla.interface")
    sqlalchemy = load("sqlalchemy")

    app = flask.Flask(__name__)
    app.config.update(
        SECRET_KEY="appbuilder-key",
        # In memory: FAB writes its permission tables row by row.
        SQLALCHEMY_DATABASE_URI="sqlite://",
        WTF_CSRF_ENABLED=False,
        # A fast hash keeps the test quick; the default is scrypt.
        FAB_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    )
    db = fab_sqla_base.SQLA(app)

    class Contact(fab_sqla.Model):  # type: ignore[misc]
        __tablename__ = "contact"
        id = sqlalchemy.Column(sqlalchemy.Integer, primary_key=True)
        name = sqlalchemy.Column(sqlalchemy.String(50), nullable=False)

        def __repr__(self) -> str:
            return self.name  # type: ignore[no-any-return]

    class ContactView(fab.ModelView):  # type: ignore[misc]
        datamodel = interface.SQLAInterface(Contact)
        list_columns = ["name"]

    class ContactApi(fab.ModelRestApi):  # type: ignore[misc]
        resource_name = "contact"
        datamodel = interface.SQLAInterface(Contact)
        # The session's login is enough (FAB_ADD_SECURITY_API's JWT login
        # fails on Flask too, with marshmallow 4).
        allow_browser_login = True

    with app.app_context():
        appbuilder = fab.AppBuilder(app, db.session)
        appbuilder.add_view(ContactView, "Contacts", category="People")
        appbuilder.add_api(ContactApi)
        db.create_all()
        appbuilder.sm.add_user(
            "admin",
            "Ann",
            "Admin",
            "admin@example.com",
            appbuilder.sm.find_role("Admin"),
            "password",
        )
        db.session.add(Contact(name="Bob"))
        db.session.commit()
    return app.test_client()


def test_flask_appbuilder_login_then_model_view(appbuilder_client: AppClient) -> None:
    assert appbuilder_client.get("/contactview/list/").status_code == 302
    login = appbuilder_client.post(
        "/login/", data={"username": "admin", "password": "password"}
    )
    assert login.status_code == 302
    listing = appbuilder_client.get("/contactview/list/")
    assert listing.status_code == 200
    assert "Bob" in listing.text
    appbuilder_client.get("/logout/")


@pytest.mark.wsgi_only(
    reason="run once, on WSGI: the module's one database keeps the rows the first"
    " run created"
)
def test_flask_appbuilder_rest_api(appbuilder_client: AppClient) -> None:
    assert appbuilder_client.get("/api/v1/contact/").status_code == 401
    appbuilder_client.post(
        "/login/", data={"username": "admin", "password": "password"}
    )
    listing = appbuilder_client.get("/api/v1/contact/")
    assert listing.status_code == 200
    assert [row["name"] for row in listing.get_json()["result"]] == ["Bob"]
    created = appbuilder_client.post("/api/v1/contact/", json={"name": "Cy"})
    assert created.status_code == 201, created.text
    assert created.get_json()["result"] == {"name": "Cy"}
    appbuilder_client.get("/logout/")


def test_flask_appbuilder_fab_command_through_the_framework_command(
    appbuilder_client: AppClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FrameworkGroup.make_context sets it; monkeypatch puts it back.
    monkeypatch.delenv("FRAMEWORK_RUN_FROM_CLI", raising=False)
    app = appbuilder_client.application
    group = FrameworkGroup(create_app=lambda: app)
    result = click.testing.CliRunner().invoke(group, ["fab", "list-users"])
    assert result.exit_code == 0, result.output
    # The user the fixture stored, read back through the app's database.
    assert "username:admin | email:admin@example.com" in result.output
