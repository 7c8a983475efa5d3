"""Blueprints: construction and registration options, scoped and app-wide
registrations, record/record_once, nesting, name checks, templates and
static files, ``handle_unmatched``, the ``blueprint_registered`` signal.
Flask 3.1 is the reference wherever Flask has the feature."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import BuildError

from framework import (
    App,
    Blueprint,
    abort,
    g,
    render_template,
    render_template_string,
    request,
    url_for,
)
from framework.blueprints import BlueprintSetupState
from framework.signals import blueprint_registered

FIXTURES = Path(__file__).parent / "blueprint_fixture"
ADMIN_ROOT = str(FIXTURES / "admin")
SHOP_ROOT = str(FIXTURES / "shop")


def make_app(**kwargs: t.Any) -> App:
    """An app in testing mode whose template folder is the fixture's."""
    app = App("bp_app", root_path=str(FIXTURES), **kwargs)
    app.testing = True
    return app


@pytest.fixture
def app() -> App:
    return make_app()


def admin_blueprint(**kwargs: t.Any) -> Blueprint:
    """A blueprint with the fixture's admin templates and static files."""
    kwargs.setdefault("template_folder", "templates")
    kwargs.setdefault("static_folder", "static")
    return Blueprint("admin", __name__, root_path=ADMIN_ROOT, **kwargs)


# -- constructor and registration options ------------------------------------


def test_constructor_takes_every_flask_argument() -> None:
    bp = Blueprint(
        "bp",
        "some.module",
        static_folder="static",
        static_url_path="/assets",
        template_folder="templates",
        url_prefix="/p",
        subdomain="sub",
        url_defaults={"lang": "en"},
        root_path=ADMIN_ROOT,
        cli_group="tools",
    )
    assert bp.name == "bp"
    assert bp.import_name == "some.module"
    assert bp.root_path == ADMIN_ROOT
    assert bp.static_folder == str(Path(ADMIN_ROOT) / "static")
    assert bp.has_static_folder
    assert bp.static_url_path == "/assets"
    assert bp.template_folder == "templates"
    assert bp.url_prefix == "/p"
    assert bp.subdomain == "sub"
    assert bp.url_values_defaults == {"lang": "en"}
    assert bp.cli_group == "tools"


def test_constructor_defaults() -> None:
    bp = Blueprint("bp", __name__)
    assert bp.root_path == str(Path(__file__).parent)
    assert bp.static_folder is None
    assert not bp.has_static_folder
    assert bp.static_url_path is None
    assert bp.template_folder is None
    assert bp.url_prefix is None
    assert bp.subdomain is None
    assert bp.url_values_defaults == {}


def test_static_url_path_defaults_to_the_folder_name() -> None:
    bp = Blueprint("bp", __name__, static_folder="some/where/files/")
    assert bp.static_url_path == "/files"


def test_route_is_registered_with_the_blueprint_name(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/hello")
    def hello() -> str:
        return f"{request.endpoint} {url_for('bp.hello')}"

    app.register_blueprint(bp)
    assert app.test_client().get("/hello").text == "bp.hello /hello"
    assert "bp.hello" in app.view_functions
    assert "hello" not in app.view_functions


def test_url_prefix_of_the_blueprint(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    slashed = Blueprint("slashed", __name__, url_prefix="/slashed/")

    @slashed.route("/x")
    def slashed_x() -> str:
        return "slashed x"

    @bp.route("/x")
    def x() -> str:
        return "x"

    @bp.route("/")
    def slash() -> str:
        return "slash"

    @bp.route("")
    def bare() -> str:
        return "bare"

    app.register_blueprint(bp)
    app.register_blueprint(slashed)
    client = app.test_client()
    assert client.get("/slashed/x").text == "slashed x"
    assert client.get("/bp/x").text == "x"
    assert client.get("/bp/").text == "slash"
    assert client.get("/bp").text == "bare"
    assert client.get("/x").status_code == 404


def test_url_prefix_option_overrides_the_blueprint(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/old")

    @bp.route("/x")
    def x() -> str:
        return url_for(".x")

    app.register_blueprint(bp, url_prefix="/new")
    client = app.test_client()
    assert client.get("/new/x").text == "/new/x"
    assert client.get("/old/x").status_code == 404


def test_none_options_keep_the_blueprint_values(app: App) -> None:
    app.subdomain_matching = True
    app.config["SERVER_NAME"] = "example.test"
    bp = Blueprint("bp", __name__, url_prefix="/p", subdomain="api")

    @bp.route("/x")
    def x() -> str:
        return "x"

    app.register_blueprint(bp, url_prefix=None, subdomain=None)
    client = app.test_client()
    assert client.get("/p/x", subdomain="api").text == "x"
    assert client.get("/p/x").status_code == 404


def test_url_defaults_of_the_blueprint_and_options(app: App) -> None:
    bp = Blueprint("bp", __name__, url_defaults={"lang": "en", "page": 1})

    @bp.route("/list")
    def listing(lang: str, page: int) -> str:
        return f"{lang} {page}"

    @bp.route("/mine", defaults={"page": 9})
    def mine(lang: str, page: int) -> str:
        return f"{lang} {page}"

    app.register_blueprint(bp, url_defaults={"lang": "fr"})
    client = app.test_client()
    assert client.get("/list").text == "fr 1"
    assert client.get("/mine").text == "fr 9"


def test_subdomain_of_the_blueprint_and_option() -> None:
    app = make_app(subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    api = Blueprint("api", __name__, subdomain="api")
    admin = Blueprint("admin", __name__, subdomain="ignored")

    @api.route("/")
    def index() -> str:
        return url_for("api.index")

    @admin.route("/")
    def home() -> str:
        return url_for(".home")

    app.register_blueprint(api)
    app.register_blueprint(admin, subdomain="admin")
    client = app.test_client()
    assert client.get("/", subdomain="api").text == "/"
    assert client.get("/", subdomain="admin").text == "/"
    assert client.get("/").status_code == 404
    assert client.get("/", subdomain="ignored").status_code == 404
    with app.app_context():
        assert url_for("api.index") == "http://api.example.test/"
        assert url_for("admin.home") == "http://admin.example.test/"


def test_name_option_registers_again_under_another_name(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/where")
    def where() -> str:
        return f"{request.blueprint} {url_for('.where')}"

    app.register_blueprint(bp, url_prefix="/one")
    app.register_blueprint(bp, url_prefix="/two", name="second")
    client = app.test_client()
    assert client.get("/one/where").text == "bp /one/where"
    assert client.get("/two/where").text == "second /two/where"
    assert list(app.blueprints) == ["bp", "second"]
    assert app.blueprints["second"] is bp


def test_registering_twice_under_the_same_name_is_an_error(app: App) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="name="):
        app.register_blueprint(bp, url_prefix="/elsewhere")


def test_another_blueprint_with_a_taken_name_is_an_error(app: App) -> None:
    app.register_blueprint(Blueprint("bp", __name__))
    with pytest.raises(ValueError, match="name="):
        app.register_blueprint(Blueprint("bp", __name__))


@pytest.mark.parametrize("name", ["a.b", ".a", "a."])
def test_dot_in_blueprint_name_is_an_error(name: str) -> None:
    with pytest.raises(ValueError, match="dot"):
        Blueprint(name, __name__)


def test_dot_in_registration_name_is_an_error(app: App) -> None:
    with pytest.raises(ValueError, match="dot"):
        app.register_blueprint(Blueprint("bp", __name__), name="a.b")


def test_empty_blueprint_name_is_an_error() -> None:
    with pytest.raises(ValueError):
        Blueprint("", __name__)


def test_dot_in_endpoint_is_an_error() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/x", endpoint="a.b", view_func=lambda: "x")
    with pytest.raises(ValueError, match="dot"):

        @bp.route("/y", endpoint="c.d")
        def y() -> str:
            return "y"


def test_dot_in_view_function_name_is_an_error() -> None:
    bp = Blueprint("bp", __name__)

    def view() -> str:
        return "x"

    view.__name__ = "a.view"
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/x", view_func=view)
    # An explicit endpoint does not make the function's name valid (Flask).
    with pytest.raises(ValueError, match="dot"):
        bp.add_url_rule("/x", endpoint="fine", view_func=view)


def test_blueprint_cannot_be_registered_on_itself() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError):
        bp.register_blueprint(bp)


SETUP_CALLS: dict[str, t.Callable[[Blueprint], t.Any]] = {
    "route": lambda bp: bp.route("/late")(lambda: "late"),
    "get": lambda bp: bp.get("/late")(lambda: "late"),
    "add_url_rule": lambda bp: bp.add_url_rule("/late", "late", lambda: "late"),
    "before_request": lambda bp: bp.before_request(lambda: None),
    "after_request": lambda bp: bp.after_request(lambda r: r),
    "teardown_request": lambda bp: bp.teardown_request(lambda e: None),
    "errorhandler": lambda bp: bp.errorhandler(404)(lambda e: "x"),
    "context_processor": lambda bp: bp.context_processor(lambda: {}),
    "url_value_preprocessor": lambda bp: bp.url_value_preprocessor(lambda e, v: None),
    "url_defaults": lambda bp: bp.url_defaults(lambda e, v: None),
    "before_app_request": lambda bp: bp.before_app_request(lambda: None),
    "app_errorhandler": lambda bp: bp.app_errorhandler(404)(lambda e: "x"),
    "app_template_filter": lambda bp: bp.app_template_filter()(lambda v: v),
    "record": lambda bp: bp.record(lambda state: None),
    "record_once": lambda bp: bp.record_once(lambda state: None),
    "register_blueprint": lambda bp: bp.register_blueprint(Blueprint("c", __name__)),
}


@pytest.mark.parametrize("call", SETUP_CALLS.values(), ids=SETUP_CALLS.keys())
def test_setup_after_registration_is_an_error(
    app: App, call: t.Callable[[Blueprint], t.Any]
) -> None:
    bp = Blueprint("bp", __name__)
    app.register_blueprint(bp)
    with pytest.raises(AssertionError):
        call(bp)


def test_nested_blueprint_setup_after_registration_is_an_error(app: App) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    with pytest.raises(AssertionError):
        child.before_request(lambda: None)


def test_register_blueprint_after_first_request_is_an_error(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return "index"

    assert app.test_client().get("/").status_code == 200
    with pytest.raises(AssertionError):
        app.register_blueprint(Blueprint("bp", __name__))


# -- scoped registrations -----------------------------------------------------


def test_route_and_method_shortcuts(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    @bp.route("/r", methods=["GET", "POST"])
    def r() -> str:
        return f"route {request.method}"

    @bp.get("/item")
    def get_item() -> str:
        return "get"

    @bp.post("/item")
    def post_item() -> str:
        return "post"

    @bp.put("/item")
    def put_item() -> str:
        return "put"

    @bp.delete("/item")
    def delete_item() -> str:
        return "delete"

    @bp.patch("/item")
    def patch_item() -> str:
        return "patch"

    @bp.route("/named", endpoint="custom")
    def named() -> str:
        return url_for("bp.custom")

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/bp/r").text == "route GET"
    assert client.post("/bp/r").text == "route POST"
    assert client.put("/bp/r").status_code == 405
    for method in ("get", "post", "put", "delete", "patch"):
        assert client.open("/bp/item", method=method.upper()).text == method
    assert client.get("/bp/named").text == "/bp/named"
    assert {"bp.get_item", "bp.post_item", "bp.custom"} <= set(app.view_functions)


def test_endpoint_decorator_on_a_blueprint(app: App) -> None:
    """Flask: a rule added without a view, its view given by ``endpoint``
    with the full endpoint name, which registration copies to the app."""
    bp = Blueprint("bp", __name__)
    bp.add_url_rule("/late", endpoint="late")

    @bp.endpoint("bp.late")
    def late_view() -> str:
        return "late view"

    app.register_blueprint(bp)
    assert client_text(app, "/late") == "late view"


def test_method_shortcut_refuses_methods(app: App) -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(TypeError):
        bp.get("/x", methods=["POST"])


def test_add_url_rule_options(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    def view() -> str:
        return "v"

    bp.add_url_rule("/a", view_func=view)
    bp.add_url_rule("/b", "b", view, provide_automatic_options=False)
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/bp/a").text == "v"
    assert client.get("/bp/b").text == "v"
    assert client.options("/bp/a").status_code == 200
    assert client.options("/bp/b").status_code == 405


def two_blueprints_and_an_app_view(app: App) -> tuple[Blueprint, Blueprint]:
    """``one`` (at /one) and ``two`` (at /two) with a view each, plus an app
    view at /app; all views say "ok"."""
    one = Blueprint("one", __name__, url_prefix="/one")
    two = Blueprint("two", __name__, url_prefix="/two")

    @one.route("/")
    def one_view() -> str:
        return "ok"

    @two.route("/")
    def two_view() -> str:
        return "ok"

    @app.route("/app")
    def app_view() -> str:
        return "ok"

    return one, two


def test_before_request_is_scoped(app: App) -> None:
    one, two = two_blueprints_and_an_app_view(app)
    seen: list[str] = []

    @one.before_request
    def before() -> None:
        seen.append(request.path)

    app.register_blueprint(one)
    app.register_blueprint(two)
    client = app.test_client()
    for path in ("/one/", "/two/", "/app", "/missing"):
        client.get(path)
    assert seen == ["/one/"]


def test_before_request_response_stops_the_request(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.before_request
    def deny() -> tuple[str, int]:
        return "denied", 403

    @bp.route("/secret")
    def secret() -> str:
        raise AssertionError("the view must not run")

    app.register_blueprint(bp)
    response = app.test_client().get("/secret")
    assert (response.status_code, response.text) == (403, "denied")


def test_after_request_is_scoped(app: App) -> None:
    one, two = two_blueprints_and_an_app_view(app)

    @one.after_request
    def mark(response: t.Any) -> t.Any:
        response.headers["X-One"] = "yes"
        return response

    app.register_blueprint(one)
    app.register_blueprint(two)
    client = app.test_client()
    assert client.get("/one/").headers.get("X-One") == "yes"
    assert "X-One" not in client.get("/two/").headers
    assert "X-One" not in client.get("/app").headers


def test_teardown_request_is_scoped(app: App) -> None:
    one, two = two_blueprints_and_an_app_view(app)
    seen: list[tuple[str, BaseException | None]] = []

    @one.teardown_request
    def done(exc: BaseException | None) -> None:
        seen.append((request.path, exc))

    app.register_blueprint(one)
    app.register_blueprint(two)
    client = app.test_client()
    for path in ("/one/", "/two/", "/app"):
        client.get(path)
    assert seen == [("/one/", None)]


def test_errorhandler_is_scoped(app: App) -> None:
    one, two = two_blueprints_and_an_app_view(app)

    @one.route("/boom")
    def one_boom() -> str:
        raise KeyError("x")

    @two.route("/boom")
    def two_boom() -> str:
        raise KeyError("x")

    @one.route("/gone")
    def one_gone() -> str:
        abort(404)

    @two.route("/gone")
    def two_gone() -> str:
        abort(404)

    @one.errorhandler(KeyError)
    def one_key(error: KeyError) -> tuple[str, int]:
        return "one handled", 409

    @one.errorhandler(404)
    def one_404(error: NotFound) -> tuple[str, int]:
        return "one 404", 404

    @app.errorhandler(404)
    def app_404(error: NotFound) -> tuple[str, int]:
        return "app 404", 404

    app.register_blueprint(one)
    app.register_blueprint(two)
    client = app.test_client()
    assert client.get("/one/boom").text == "one handled"
    with pytest.raises(KeyError):
        client.get("/two/boom")
    assert client.get("/one/gone").text == "one 404"
    assert client.get("/two/gone").text == "app 404"
    # An unmatched URL under the prefix is the app's (Flask).
    assert client.get("/one/nowhere").text == "app 404"


def test_blueprint_500_handler_answers_unhandled_errors_of_its_views(
    app: App,
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    one, _two = two_blueprints_and_an_app_view(app)

    @one.route("/boom")
    def one_boom() -> str:
        raise RuntimeError("one")

    @app.route("/boom")
    def app_boom() -> str:
        raise RuntimeError("app")

    @one.errorhandler(500)
    def one_500(error: HTTPException) -> tuple[str, int]:
        return f"one 500 {error.original_exception}", 500  # type: ignore[attr-defined]

    app.register_error_handler(500, lambda e: ("app 500", 500))
    app.register_blueprint(one)
    assert status_text(app, "/one/boom") == (500, "one 500 one")
    assert status_text(app, "/boom") == (500, "app 500")


def test_register_error_handler_on_blueprint(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/")
    def index() -> str:
        raise ValueError("bad")

    bp.register_error_handler(ValueError, lambda e: (f"handled {e}", 400))
    app.register_blueprint(bp)
    response = app.test_client().get("/")
    assert (response.status_code, response.text) == (400, "handled bad")


def test_context_processor_is_scoped(app: App) -> None:
    one, two = two_blueprints_and_an_app_view(app)
    template = "{{ greeting|default('none') }}"

    @one.route("/render")
    def one_render() -> str:
        return render_template_string(template)

    @two.route("/render")
    def two_render() -> str:
        return render_template_string(template)

    @app.route("/render")
    def app_render() -> str:
        return render_template("context.html", who="app")

    @one.context_processor
    def greeting() -> dict[str, str]:
        return {"greeting": "hello from one"}

    app.register_blueprint(one)
    app.register_blueprint(two)
    client = app.test_client()
    assert client.get("/one/render").text == "hello from one"
    assert client.get("/two/render").text == "none"
    assert client.get("/render").text == "app says nothing"


def test_url_value_preprocessor_and_url_defaults_are_scoped(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/<lang>")
    preprocessed: list[tuple[str | None, dict[str, t.Any] | None]] = []

    @bp.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        preprocessed.append((endpoint, dict(values or {})))
        assert values is not None
        g.lang = values.pop("lang")

    @bp.url_defaults
    def add_lang(endpoint: str, values: dict[str, t.Any]) -> None:
        values.setdefault("lang", g.get("lang", "en"))

    @bp.route("/page")
    def page() -> str:
        return f"{g.lang} {url_for('.page')} {url_for('app_view')}"

    @app.route("/app")
    def app_view() -> str:
        return f"{g.get('lang')} {url_for('bp.page')} {url_for('app_view')}"

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/fr/page").text == "fr /fr/page /app"
    assert client.get("/app").text == "None /en/page /app"
    assert preprocessed == [("bp.page", {"lang": "fr"})]


def test_async_hooks_and_views_on_a_blueprint(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.before_request
    async def before() -> None:
        g.trail = ["before"]

    @bp.route("/")
    async def index() -> str:
        g.trail.append("view")
        return "-".join(g.trail)

    app.register_blueprint(bp)
    assert app.test_client().get("/").text == "before-view"


# -- app-wide registrations ----------------------------------------------------


def test_app_request_hooks_apply_everywhere(app: App) -> None:
    one, two = two_blueprints_and_an_app_view(app)
    seen: list[str] = []

    @one.before_app_request
    def before() -> None:
        seen.append(f"before {request.path}")

    @one.after_app_request
    def after(response: t.Any) -> t.Any:
        seen.append(f"after {request.path}")
        return response

    @one.teardown_app_request
    def teardown(exc: BaseException | None) -> None:
        seen.append(f"teardown {request.path}")

    app.register_blueprint(one)
    app.register_blueprint(two)
    client = app.test_client()
    for path in ("/one/", "/two/", "/app"):
        client.get(path)
    assert seen == [
        f"{stage} {path}"
        for path in ("/one/", "/two/", "/app")
        for stage in ("before", "after", "teardown")
    ]


def test_app_errorhandler_applies_everywhere(app: App) -> None:
    one, two = two_blueprints_and_an_app_view(app)

    @two.route("/boom")
    def boom() -> str:
        raise KeyError("k")

    @one.app_errorhandler(404)
    def not_found(error: NotFound) -> tuple[str, int]:
        return f"custom 404 {request.path}", 404

    @one.app_errorhandler(KeyError)
    def key_error(error: KeyError) -> tuple[str, int]:
        return "key error", 500

    app.register_blueprint(one)
    app.register_blueprint(two)
    client = app.test_client()
    assert client.get("/nowhere").text == "custom 404 /nowhere"
    assert client.get("/two/boom").text == "key error"


def test_app_errorhandler_checks_its_argument_at_once() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError):
        bp.app_errorhandler(999)


def test_app_context_processor_applies_everywhere(app: App) -> None:
    one, two = two_blueprints_and_an_app_view(app)

    @two.route("/render")
    def two_render() -> str:
        return render_template("context.html", who="two")

    @app.route("/render")
    def app_render() -> str:
        return render_template("context.html", who="app")

    @one.app_context_processor
    def greeting() -> dict[str, str]:
        return {"greeting": "hi"}

    app.register_blueprint(one)
    app.register_blueprint(two)
    client = app.test_client()
    assert client.get("/render").text == "app says hi"
    assert client.get("/two/render").text == "two says hi"


def test_app_url_value_preprocessor_and_app_url_defaults(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_url_value_preprocessor
    def pull(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        if values is not None and "lang" in values:
            g.lang = values.pop("lang")

    @bp.app_url_defaults
    def add(endpoint: str, values: dict[str, t.Any]) -> None:
        if app.url_map.is_endpoint_expecting(endpoint, "lang"):
            values.setdefault("lang", g.lang)

    @app.route("/<lang>/home")
    def home() -> str:
        return f"{g.lang} {url_for('home')}"

    app.register_blueprint(bp)
    assert app.test_client().get("/de/home").text == "de /de/home"


def test_app_template_filters_tests_and_globals(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.app_template_filter
    def shout(value: str) -> str:
        return value.upper()

    @bp.app_template_filter()
    def whisper(value: str) -> str:
        return value.lower()

    @bp.app_template_filter("rev")
    def reverse(value: str) -> str:
        return value[::-1]

    bp.add_app_template_filter(lambda v: f"[{v}]", "box")
    bp.add_app_template_filter(str.strip)

    @bp.app_template_test
    def short(value: str) -> bool:
        return len(value) < 4

    @bp.app_template_test()
    def empty(value: str) -> bool:
        return not value

    @bp.app_template_test("long")
    def is_long(value: str) -> bool:
        return len(value) > 10

    bp.add_app_template_test(lambda v: v.isdigit(), "digits")
    bp.add_app_template_test(str.istitle)

    @bp.app_template_global
    def answer() -> int:
        return 42

    @bp.app_template_global()
    def site() -> str:
        return "lib"

    @bp.app_template_global("pi")
    def get_pi() -> float:
        return 3.14

    bp.add_app_template_global(lambda: "v1", "version")
    bp.add_app_template_global(len)

    app.register_blueprint(bp)
    source = (
        "{{ 'a'|shout }} {{ 'B'|whisper }} {{ 'ab'|rev }} {{ 'x'|box }}"
        " {{ ' s '|strip }}|{{ 'abc' is short }} {{ '' is empty }}"
        " {{ 'abc' is long }} {{ '12' is digits }} {{ 'Ab' is istitle }}|"
        "{{ answer() }} {{ site() }} {{ pi() }} {{ version() }} {{ len('abc') }}"
    )

    @app.route("/")
    def index() -> str:
        return render_template_string(source)

    assert app.test_client().get("/").text == (
        "A b ba [x] s|True True False True True|42 lib 3.14 v1 3"
    )


def test_app_hooks_run_once_when_registered_twice(app: App) -> None:
    bp = Blueprint("bp", __name__)
    calls: list[str] = []

    @bp.before_app_request
    def before() -> None:
        calls.append("before")

    @bp.route("/")
    def index() -> str:
        return "ok"

    app.register_blueprint(bp, url_prefix="/a")
    app.register_blueprint(bp, url_prefix="/b", name="b")
    app.test_client().get("/a/")
    assert calls == ["before"]


# -- record and record_once ----------------------------------------------------


def test_record_gets_the_setup_state_of_each_registration(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp", url_defaults={"x": 1})
    states: list[BlueprintSetupState] = []
    bp.record(states.append)
    app.register_blueprint(bp)
    app.register_blueprint(
        bp, name="again", url_prefix="/again", url_defaults={"y": 2}, custom="opt"
    )

    first, second = states
    assert first.app is app and first.blueprint is bp
    assert first.first_registration is True
    assert first.name == "bp"
    assert first.name_prefix == ""
    assert first.url_prefix == "/bp"
    assert first.subdomain is None
    assert first.url_defaults == {"x": 1}
    assert first.options == {}
    assert second.first_registration is False
    assert second.name == "again"
    assert second.url_prefix == "/again"
    assert second.url_defaults == {"x": 1, "y": 2}
    assert second.options["custom"] == "opt"


def test_record_once_runs_on_the_first_registration_per_app() -> None:
    bp = Blueprint("bp", __name__)
    once: list[tuple[App, bool]] = []
    bp.record_once(lambda state: once.append((state.app, state.first_registration)))
    first_app, second_app = make_app(), make_app()
    first_app.register_blueprint(bp)
    first_app.register_blueprint(bp, name="other")
    second_app.register_blueprint(bp)
    assert once == [(first_app, True), (second_app, True)]


def test_setup_state_add_url_rule_applies_the_registration(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")

    def extension_view(page: int) -> str:
        return f"{request.endpoint} {page}"

    def setup(state: BlueprintSetupState) -> None:
        state.add_url_rule("/ext", view_func=extension_view)

    bp.record(setup)
    app.register_blueprint(bp, url_defaults={"page": 3})
    assert app.test_client().get("/bp/ext").text == "bp.extension_view 3"


def test_make_setup_state_can_be_overridden(app: App) -> None:
    class State(BlueprintSetupState):
        pass

    class MyBlueprint(Blueprint):
        def make_setup_state(
            self,
            app: App,
            options: dict[str, t.Any],
            first_registration: bool = False,
        ) -> BlueprintSetupState:
            return State(self, app, options, first_registration)

    bp = MyBlueprint("bp", __name__)
    seen: list[BlueprintSetupState] = []
    bp.record(seen.append)
    app.register_blueprint(bp)
    assert type(seen[0]) is State


# -- nested blueprints ------------------------------------------------------


def nested(app: App, **child_options: t.Any) -> tuple[Blueprint, Blueprint]:
    """``parent`` at /parent with ``child`` at /child nested in it, each with
    a view ``where`` saying where it is; registered on ``app``."""
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__, url_prefix="/child")

    @parent.route("/where")
    def where() -> str:
        return f"{request.blueprint} {request.blueprints} {url_for('.where')}"

    @child.route("/where", endpoint="where")
    def child_where() -> str:
        return f"{request.blueprint} {request.blueprints} {url_for('.where')}"

    @app.route("/where")
    def app_where() -> str:
        return f"{request.blueprint} {request.blueprints} {url_for('.app_where')}"

    parent.register_blueprint(child, **child_options)
    return parent, child


def test_nested_endpoints_prefixes_and_request_blueprints(app: App) -> None:
    parent, child = nested(app)
    app.register_blueprint(parent)
    client = app.test_client()
    assert client.get("/parent/child/where").text == (
        "parent.child ['parent.child', 'parent'] /parent/child/where"
    )
    assert client.get("/parent/where").text == "parent ['parent'] /parent/where"
    assert client.get("/where").text == "None [] /where"
    assert "parent.child.where" in app.view_functions
    assert list(app.blueprints) == ["parent", "parent.child"]
    assert app.blueprints["parent.child"] is child
    assert list(app.iter_blueprints()) == [parent, child]
    with app.test_request_context():
        assert url_for("parent.child.where") == "/parent/child/where"


def test_nested_url_prefix_option_and_registration_prefix(app: App) -> None:
    parent, _child = nested(app, url_prefix="/kid/")
    app.register_blueprint(parent, url_prefix="/mom/")
    client = app.test_client()
    assert client.get("/mom/kid/where").text.endswith(" /mom/kid/where")
    assert client.get("/parent/child/where").status_code == 404


def test_nested_child_without_prefix_gets_the_parent_prefix(app: App) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/parent")
    child = Blueprint("child", __name__)

    @child.route("/x")
    def x() -> str:
        return request.endpoint or ""

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert app.test_client().get("/parent/x").text == "parent.child.x"


def test_nested_subdomains_are_joined() -> None:
    app = make_app(subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    parent = Blueprint("parent", __name__, subdomain="api")
    child = Blueprint("child", __name__, subdomain="v1")
    plain = Blueprint("plain", __name__, url_prefix="/plain")

    @child.route("/")
    def index() -> str:
        return request.endpoint or ""

    @plain.route("/")
    def plain_index() -> str:
        return request.endpoint or ""

    parent.register_blueprint(child)
    parent.register_blueprint(plain)
    app.register_blueprint(parent)
    client = app.test_client()
    assert client.get("/", subdomain="v1.api").text == "parent.child.index"
    assert client.get("/plain/", subdomain="api").text == "parent.plain.plain_index"
    assert client.get("/", subdomain="v1").status_code == 404
    assert client.get("/", subdomain="api").status_code == 404
    with app.app_context():
        assert url_for("parent.child.index") == "http://v1.api.example.test/"


def test_same_child_nested_in_two_parents(app: App) -> None:
    child = Blueprint("child", __name__)

    @child.route("/c")
    def view() -> str:
        return url_for(".view")

    first = Blueprint("first", __name__, url_prefix="/first")
    second = Blueprint("second", __name__, url_prefix="/second")
    first.register_blueprint(child)
    second.register_blueprint(child)
    app.register_blueprint(first)
    app.register_blueprint(second)
    client = app.test_client()
    assert client.get("/first/c").text == "/first/c"
    assert client.get("/second/c").text == "/second/c"


def test_parent_registered_twice_registers_its_children_twice(app: App) -> None:
    parent, _child = nested(app)
    app.register_blueprint(parent)
    app.register_blueprint(parent, name="again", url_prefix="/again")
    assert client_text(app, "/again/child/where") == (
        "again.child ['again.child', 'again'] /again/child/where"
    )
    assert "parent.child" in app.blueprints and "again.child" in app.blueprints


def client_text(app: App, path: str) -> str:
    response = app.test_client().get(path)
    assert response.status_code == 200, response.text
    return response.text


def test_nested_hooks_run_innermost_first(app: App) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c")
    trail: list[str] = []

    @child.route("/view/<int:n>")
    def view(n: int) -> str:
        trail.append("view")
        return "ok"

    for owner, label in ((app, "app"), (parent, "parent"), (child, "child")):
        for i in (1, 2):
            tag = f"{label}{i}"
            owner.url_value_preprocessor(
                lambda e, v, tag=tag: trail.append(f"uvp {tag}")
            )
            owner.before_request(lambda tag=tag: trail.append(f"before {tag}"))

            def after(response: t.Any, tag: str = tag) -> t.Any:
                trail.append(f"after {tag}")
                return response

            owner.after_request(after)
            owner.teardown_request(lambda e, tag=tag: trail.append(f"teardown {tag}"))

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client_text(app, "/p/c/view/1") == "ok"
    outer_first = ["app1", "app2", "parent1", "parent2", "child1", "child2"]
    inner_first_reversed = ["child2", "child1", "parent2", "parent1", "app2", "app1"]
    assert trail == [
        *(f"uvp {tag}" for tag in outer_first),
        *(f"before {tag}" for tag in outer_first),
        "view",
        *(f"after {tag}" for tag in inner_first_reversed),
        *(f"teardown {tag}" for tag in inner_first_reversed),
    ]


def test_nested_context_processors_inner_wins(app: App) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)

    @app.context_processor
    def app_values() -> dict[str, str]:
        return {"a": "app", "b": "app", "c": "app"}

    @parent.context_processor
    def parent_values() -> dict[str, str]:
        return {"b": "parent", "c": "parent"}

    @child.context_processor
    def child_values() -> dict[str, str]:
        return {"c": "child"}

    @child.route("/")
    def index() -> str:
        return render_template_string("{{ a }} {{ b }} {{ c }}")

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert client_text(app, "/") == "app parent child"


def test_nested_url_defaults_outer_first(app: App) -> None:
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    calls: list[str] = []

    @app.url_defaults
    def app_defaults(endpoint: str, values: dict[str, t.Any]) -> None:
        calls.append(f"app {endpoint}")

    @parent.url_defaults
    def parent_defaults(endpoint: str, values: dict[str, t.Any]) -> None:
        calls.append(f"parent {endpoint}")

    @child.url_defaults
    def child_defaults(endpoint: str, values: dict[str, t.Any]) -> None:
        calls.append(f"child {endpoint}")
        values.setdefault("n", 7)

    @child.route("/<int:n>")
    def view(n: int) -> str:
        return "ok"

    parent.register_blueprint(child)
    app.register_blueprint(parent)
    with app.test_request_context():
        assert url_for("parent.child.view") == "/7"
    assert calls == [f"{who} parent.child.view" for who in ("app", "parent", "child")]


ERROR_LEVELS = ["app", "parent", "child"]


@pytest.mark.parametrize("levels", [ERROR_LEVELS, ERROR_LEVELS[:2], ERROR_LEVELS[:1]])
def test_nested_error_handler_precedence(levels: list[str]) -> None:
    """The innermost blueprint with a handler wins, then its parents, then
    the app; both for an exception class and a status code."""
    app = make_app()
    parent = Blueprint("parent", __name__)
    child = Blueprint("child", __name__)
    owners = {"app": app, "parent": parent, "child": child}

    @child.route("/boom")
    def boom() -> str:
        raise LookupError("x")

    @child.route("/gone")
    def gone() -> str:
        abort(404)

    for level in levels:
        owners[level].register_error_handler(
            LookupError, lambda e, level=level: f"{level} LookupError"
        )
        owners[level].register_error_handler(
            404, lambda e, level=level: (f"{level} 404", 404)
        )
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    client = app.test_client()
    assert client.get("/boom").text == f"{levels[-1]} LookupError"
    assert client.get("/gone").text == f"{levels[-1]} 404"


def test_scope_is_searched_before_exception_class_hierarchy(app: App) -> None:
    """Flask: an inner blueprint's handler for a base class beats the app's
    handler for the exact class; a handler for the status code (anywhere)
    beats a handler for an HTTPException base class."""
    bp = Blueprint("bp", __name__)

    @bp.route("/key")
    def key() -> str:
        raise KeyError("k")

    @bp.route("/gone")
    def gone() -> str:
        abort(404)

    bp.register_error_handler(LookupError, lambda e: "bp LookupError")
    bp.register_error_handler(HTTPException, lambda e: ("bp HTTPException", 404))
    app.register_error_handler(KeyError, lambda e: "app KeyError")
    app.register_error_handler(404, lambda e: ("app 404", 404))
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/key").text == "bp LookupError"
    assert client.get("/gone").text == "app 404"


# -- templates and static files ---------------------------------------------


def test_app_templates_win_over_blueprint_templates(app: App) -> None:
    bp = admin_blueprint()

    @bp.route("/shared")
    def shared() -> str:
        return render_template("shared.html")

    app.register_blueprint(bp)
    assert client_text(app, "/shared") == "app shared"


def test_template_only_in_the_blueprint_folder_is_found(app: App) -> None:
    bp = admin_blueprint()

    @bp.route("/only")
    def only() -> str:
        return render_template("admin/only.html", name="x")

    @app.route("/from-app")
    def from_app() -> str:
        return render_template("admin/only.html", name="y")

    app.register_blueprint(bp)
    assert client_text(app, "/only") == "admin only x"
    # Any view finds it: the template namespace is shared by the app.
    assert client_text(app, "/from-app") == "admin only y"


def test_blueprint_templates_are_searched_in_registration_order() -> None:
    def render_both(first: Blueprint, second: Blueprint) -> str:
        app = make_app()
        app.register_blueprint(first)
        app.register_blueprint(second)
        with app.app_context():
            return render_template("both.html")

    def shop() -> Blueprint:
        return Blueprint(
            "shop", __name__, root_path=SHOP_ROOT, template_folder="templates"
        )

    assert render_both(admin_blueprint(), shop()) == "admin both"
    assert render_both(shop(), admin_blueprint()) == "shop both"


def test_template_folder_relative_to_the_import_name() -> None:
    app = make_app()
    bp = Blueprint("bp", __name__, template_folder="blueprint_fixture/shop/templates")
    app.register_blueprint(bp)
    with app.app_context():
        assert render_template("both.html") == "shop both"


def test_blueprint_jinja_loader(app: App) -> None:
    assert Blueprint("bp", __name__).jinja_loader is None
    loader = admin_blueprint().jinja_loader
    assert loader is not None
    assert "admin/only.html" in loader.list_templates()


def test_blueprint_static_files(app: App) -> None:
    app.register_blueprint(admin_blueprint(), url_prefix="/admin")
    client = app.test_client()
    css = (FIXTURES / "admin" / "static" / "admin.css").read_bytes()
    response = client.get("/admin/static/admin.css", buffered=True)
    assert response.status_code == 200
    assert response.data == css
    assert response.mimetype == "text/css"
    nested_file = client.get("/admin/static/img/logo.txt", buffered=True)
    assert nested_file.data == b"GIF89a-not-really\n"
    assert "admin.static" in app.view_functions
    with app.test_request_context():
        assert url_for("admin.static", filename="admin.css") == (
            "/admin/static/admin.css"
        )


@pytest.mark.parametrize(
    "path",
    [
        "/admin/static/missing.css",
        "/admin/static/../templates/shared.html",
        "/admin/static/%2e%2e/templates/shared.html",
        "/admin/static/img/../../templates/shared.html",
        "/admin/static/",
    ],
)
def test_blueprint_static_missing_or_outside_is_404(app: App, path: str) -> None:
    app.register_blueprint(admin_blueprint(), url_prefix="/admin")
    assert app.test_client().get(path, buffered=True).status_code == 404


def test_blueprint_static_url_path_goes_under_the_prefix(app: App) -> None:
    bp = admin_blueprint(static_url_path="/assets", url_prefix="/admin")
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/admin/assets/admin.css", buffered=True).status_code == 200
    assert client.get("/admin/static/admin.css", buffered=True).status_code == 404
    with app.test_request_context():
        assert url_for("admin.static", filename="a b.css") == "/admin/assets/a%20b.css"


def test_relative_static_endpoint_in_a_blueprint_view(app: App) -> None:
    bp = admin_blueprint(url_prefix="/admin")

    @bp.route("/")
    def index() -> str:
        own = url_for(".static", filename="admin.css")
        return f"{own} {url_for('static', filename='x')}"

    app.register_blueprint(bp)
    assert client_text(app, "/admin/") == "/admin/static/admin.css /static/x"


def test_nested_blueprint_static_files(app: App) -> None:
    parent = Blueprint("parent", __name__, url_prefix="/p")
    parent.register_blueprint(admin_blueprint(url_prefix="/c"))
    app.register_blueprint(parent)
    response = app.test_client().get("/p/c/static/admin.css", buffered=True)
    assert response.data == b"body { color: #333; }\n"
    with app.test_request_context():
        assert url_for("parent.admin.static", filename="admin.css") == (
            "/p/c/static/admin.css"
        )


def test_blueprint_without_static_folder_has_no_static_endpoint(app: App) -> None:
    app.register_blueprint(Blueprint("bp", __name__, url_prefix="/bp"))
    assert "bp.static" not in app.view_functions
    with app.test_request_context(), pytest.raises(BuildError):
        url_for("bp.static", filename="x.css")


def test_blueprint_send_static_file_and_open_resource(app: App) -> None:
    bp = admin_blueprint()

    @bp.route("/css")
    def css() -> t.Any:
        return bp.send_static_file("admin.css")

    app.register_blueprint(bp)
    response = app.test_client().get("/css", buffered=True)
    assert response.data == b"body { color: #333; }\n"
    with bp.open_resource("static/admin.css") as f:
        assert f.read() == b"body { color: #333; }\n"


# -- handle_unmatched --------------------------------------------------------


def api_blueprint(name: str = "api", **kwargs: t.Any) -> Blueprint:
    """A blueprint with a GET view at ``/items`` and 404/405 handlers that
    name it."""
    kwargs.setdefault("url_prefix", f"/{name}")
    bp = Blueprint(name, __name__, **kwargs)

    @bp.get("/items")
    def items() -> str:
        return "items"

    bp.register_error_handler(404, lambda e: (f"{name} 404 {request.path}", 404))
    bp.register_error_handler(405, lambda e: (f"{name} 405", 405))
    return bp


def with_app_handlers(app: App) -> App:
    app.register_error_handler(404, lambda e: ("app 404", 404))
    app.register_error_handler(405, lambda e: ("app 405", 405))
    return app


def status_text(app: App, path: str, method: str = "GET") -> tuple[int, str]:
    response = app.test_client().open(path, method=method)
    return response.status_code, response.text


def test_without_handle_unmatched_the_app_answers_unmatched_urls(app: App) -> None:
    """Flask's behaviour: no rule matched, so no blueprint is involved."""
    with_app_handlers(app)
    app.register_blueprint(api_blueprint())
    assert status_text(app, "/api/nothing") == (404, "app 404")
    assert status_text(app, "/api/items", "POST") == (405, "app 405")


def test_handle_unmatched_answers_404_under_the_prefix(app: App) -> None:
    with_app_handlers(app)
    app.register_blueprint(api_blueprint(handle_unmatched=True))
    assert status_text(app, "/api/nothing") == (404, "api 404 /api/nothing")
    assert status_text(app, "/api/a/b/c") == (404, "api 404 /api/a/b/c")
    assert status_text(app, "/api") == (404, "api 404 /api")
    assert status_text(app, "/apis") == (404, "app 404")
    assert status_text(app, "/other") == (404, "app 404")
    assert status_text(app, "/api/items") == (200, "items")


def test_handle_unmatched_answers_405_under_the_prefix(app: App) -> None:
    with_app_handlers(app)

    @app.get("/plain")
    def plain() -> str:
        return "plain"

    app.register_blueprint(api_blueprint(handle_unmatched=True))
    assert status_text(app, "/api/items", "DELETE") == (405, "api 405")
    assert status_text(app, "/plain", "DELETE") == (405, "app 405")


def test_handle_unmatched_without_own_handler_falls_back_to_the_app(app: App) -> None:
    with_app_handlers(app)
    bp = Blueprint("bp", __name__, url_prefix="/bp", handle_unmatched=True)
    app.register_blueprint(bp)
    assert status_text(app, "/bp/x") == (404, "app 404")


def test_handle_unmatched_without_any_handler_is_a_plain_404(app: App) -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp", handle_unmatched=True)
    app.register_blueprint(bp)
    response = app.test_client().get("/bp/x")
    assert response.status_code == 404
    assert "Not Found" in response.text


def test_handle_unmatched_refused_host_is_a_400_from_the_app(app: App) -> None:
    """A Host the app refuses reaches no blueprint: binding the URL map to
    find the owner would fail again while handling the 400."""
    app.config["TRUSTED_HOSTS"] = ["good.test"]
    app.register_error_handler(400, lambda e: ("app 400", 400))
    app.register_blueprint(api_blueprint(handle_unmatched=True))
    client = app.test_client()
    for host in ("evil.test", "bad host"):
        for path in ("/api/nothing", "/api/items"):
            response = client.get(path, headers={"Host": host})
            assert (response.status_code, response.text) == (400, "app 400")
    response = client.get("/api/nothing", headers={"Host": "good.test"})
    assert (response.status_code, response.text) == (404, "api 404 /api/nothing")


def test_handle_unmatched_longest_prefix_wins(app: App) -> None:
    with_app_handlers(app)
    app.register_blueprint(
        api_blueprint("wide", handle_unmatched=True, url_prefix="/a")
    )
    app.register_blueprint(
        api_blueprint("narrow", handle_unmatched=True, url_prefix="/a/b")
    )
    assert status_text(app, "/a/b/x") == (404, "narrow 404 /a/b/x")
    assert status_text(app, "/a/b") == (404, "narrow 404 /a/b")
    assert status_text(app, "/a/bc") == (404, "wide 404 /a/bc")
    assert status_text(app, "/a/x") == (404, "wide 404 /a/x")


def test_handle_unmatched_order_of_registration_does_not_matter(app: App) -> None:
    with_app_handlers(app)
    app.register_blueprint(
        api_blueprint("narrow", handle_unmatched=True, url_prefix="/a/b")
    )
    app.register_blueprint(
        api_blueprint("wide", handle_unmatched=True, url_prefix="/a")
    )
    assert status_text(app, "/a/b/x") == (404, "narrow 404 /a/b/x")
    assert status_text(app, "/a/x") == (404, "wide 404 /a/x")


def test_handle_unmatched_nested(app: App) -> None:
    with_app_handlers(app)
    parent = api_blueprint("parent", handle_unmatched=True, url_prefix="/p")
    child = api_blueprint("child", handle_unmatched=True, url_prefix="/c")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    assert status_text(app, "/p/c/x") == (404, "child 404 /p/c/x")
    assert status_text(app, "/p/x") == (404, "parent 404 /p/x")
    assert status_text(app, "/p/c/items", "POST") == (405, "child 405")
    assert status_text(app, "/p/items", "POST") == (405, "parent 405")


def test_handle_unmatched_nested_child_uses_the_parent_handler(app: App) -> None:
    with_app_handlers(app)
    parent = api_blueprint("parent", url_prefix="/p")
    child = Blueprint("child", __name__, url_prefix="/c", handle_unmatched=True)
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    # The child's scope includes its parent, as for matched URLs.
    assert status_text(app, "/p/c/x") == (404, "parent 404 /p/c/x")
    # The parent did not opt in.
    assert status_text(app, "/p/x") == (404, "app 404")


def test_handle_unmatched_uses_the_registered_prefix(app: App) -> None:
    with_app_handlers(app)
    bp = api_blueprint(handle_unmatched=True)
    app.register_blueprint(bp, url_prefix="/v1")
    app.register_blueprint(bp, url_prefix="/v2", name="v2")
    assert status_text(app, "/v1/x") == (404, "api 404 /v1/x")
    assert status_text(app, "/v2/x") == (404, "api 404 /v2/x")
    assert status_text(app, "/api/x") == (404, "app 404")


def test_handle_unmatched_without_prefix_covers_every_url(app: App) -> None:
    with_app_handlers(app)
    app.register_blueprint(
        api_blueprint("site", handle_unmatched=True, url_prefix=None)
    )
    assert status_text(app, "/anything") == (404, "site 404 /anything")


def test_handle_unmatched_involves_only_error_handlers(app: App) -> None:
    """No rule matched: the request belongs to no blueprint, so the
    blueprint's request hooks do not run; the app's do."""
    bp = Blueprint("bp", __name__, url_prefix="/bp", handle_unmatched=True)
    seen: list[str] = []
    bp.before_request(lambda: seen.append("bp before"))
    app.before_request(lambda: seen.append("app before"))

    @bp.errorhandler(404)
    def not_found(error: NotFound) -> tuple[str, int]:
        return f"bp 404 blueprint={request.blueprint}", 404

    app.register_blueprint(bp)
    assert status_text(app, "/bp/x") == (404, "bp 404 blueprint=None")
    assert seen == ["app before"]


def test_handle_unmatched_respects_the_subdomain() -> None:
    """A URL on another host is not under the blueprint, whatever its path."""
    app = with_app_handlers(make_app(subdomain_matching=True))
    app.config["SERVER_NAME"] = "example.test"
    app.register_blueprint(api_blueprint(handle_unmatched=True, subdomain="api"))
    client = app.test_client()
    assert client.get("/api/x", subdomain="api").text == "api 404 /api/x"
    assert client.get("/api/x").text == "app 404"
    assert client.get("/api/x", subdomain="www").text == "app 404"


def test_handle_unmatched_does_not_affect_other_errors(app: App) -> None:
    with_app_handlers(app)
    bp = api_blueprint(handle_unmatched=True)

    @app.get("/app-gone")
    def app_gone() -> str:
        abort(404)

    app.register_blueprint(bp)
    assert status_text(app, "/app-gone") == (404, "app 404")


# -- signal, several apps --------------------------------------------------


def test_blueprint_registered_signal(app: App) -> None:
    bp = Blueprint("bp", __name__)
    calls: list[tuple[t.Any, dict[str, t.Any]]] = []

    def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        calls.append((sender, kwargs))

    with blueprint_registered.connected_to(receiver):
        app.register_blueprint(bp, url_prefix="/x", name="y")
    assert calls == [
        (app, {"blueprint": bp, "options": {"url_prefix": "/x", "name": "y"}})
    ]
    # Once registered, the blueprint is usable when the signal fires.
    assert "y" in app.blueprints


def test_blueprint_registered_signal_after_registration(app: App) -> None:
    bp = Blueprint("bp", __name__)

    @bp.route("/")
    def index() -> str:
        return "ok"

    rules: list[list[str]] = []

    def receiver(sender: App, **kwargs: t.Any) -> None:
        rules.append([rule.rule for rule in sender.url_map.iter_rules()])

    with blueprint_registered.connected_to(receiver, sender=app):
        app.register_blueprint(bp, url_prefix="/bp")
    assert "/bp/" in rules[0]


def test_blueprint_on_two_apps() -> None:
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    hits: list[str] = []

    @bp.before_request
    def before() -> None:
        hits.append(f"bp {request.path}")

    @bp.before_app_request
    def before_app() -> None:
        hits.append(f"app-wide {request.path}")

    @bp.route("/")
    def index() -> str:
        return f"bp in {request.host}"

    @bp.app_template_global
    def where() -> str:
        return "global"

    first, second = make_app(), make_app()
    for app in (first, second):

        @app.route("/plain")
        def plain() -> str:
            return render_template_string("{{ where() }}")

        app.register_blueprint(bp)

    for app in (first, second):
        client = app.test_client()
        assert client.get("/bp/").text == "bp in localhost"
        assert client.get("/plain").text == "global"
    assert (
        hits
        == [
            "app-wide /bp/",
            "bp /bp/",
            "app-wide /plain",
        ]
        * 2
    )


def test_is_registered_tells_extensions_when_setup_closed() -> None:
    bp = Blueprint("reg", __name__)
    assert not bp.is_registered
    App(__name__).register_blueprint(bp)
    assert bp.is_registered


def test_blueprint_rule_without_defaults_has_an_empty_defaults_dict() -> None:
    # As in Flask: extensions test "name in rule.defaults" without a None
    # check (flask-smorest does, for every URL variable).
    bp = Blueprint("items", __name__)

    @bp.get("/items/<int:item_id>")
    def item(item_id: int) -> str:
        return str(item_id)

    app = App(__name__)
    app.register_blueprint(bp)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == "items.item")
    assert rule.defaults == {}
    assert app.test_client().get("/items/3").text == "3"
