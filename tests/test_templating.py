"""Templates: rendering, the template context, the Jinja environment and the
TemplateRenderer strategy."""

from __future__ import annotations

import logging
import os
import typing as t
from datetime import date
from pathlib import Path

import jinja2
import pytest
from compat_alias import run_as_flask_and_framework
from markupsafe import Markup

from framework import (
    App,
    Request,
    before_render_template,
    g,
    get_template_attribute,
    render_template,
    render_template_string,
    request,
    session,
    stream_template,
    stream_template_string,
    template_rendered,
)
from framework.ctx import AppContext
from framework.json.provider import DefaultJSONProvider
from framework.sessions import SessionInterface, SessionMixin
from framework.templating import DispatchingJinjaLoader, Environment, TemplateRenderer

FIXTURES = Path(__file__).parent / "templates_fixture"
TEMPLATES = FIXTURES / "templates"


def make_app(cls: type[App] = App, **kwargs: t.Any) -> App:
    """An app in testing mode whose templates are the fixture templates."""
    app = cls("tpl_app", root_path=str(FIXTURES), **kwargs)
    app.testing = True
    return app


@pytest.fixture
def app() -> App:
    return make_app()


class Recorder:
    """A signal receiver that records the sender and keyword arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[t.Any, dict[str, t.Any]]] = []

    def __call__(self, sender: t.Any, **kwargs: t.Any) -> None:
        self.calls.append((sender, kwargs))


# -- rendering ---------------------------------------------------------------


def test_render_template_file_in_a_view(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("hello.html", name="World")

    response = app.test_client().get("/")
    assert response.status_code == 200
    assert response.text == "Hello World!"
    assert response.mimetype == "text/html"


def test_render_template_in_a_subfolder(app: App) -> None:
    with app.app_context():
        assert render_template("sub/inner.html", name="x") == "inner x"


def test_render_template_string_in_a_view(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return render_template_string("{{ a }} + {{ b }}", a=1, b=2)

    assert app.test_client().get("/").text == "1 + 2"


def test_render_a_template_object(app: App) -> None:
    with app.app_context():
        template = app.jinja_env.from_string("object {{ name }}")
        assert render_template(template, name="x") == "object x"


def test_list_of_names_renders_the_first_existing(app: App) -> None:
    with app.app_context():
        rendered = render_template(
            ["missing.html", "second.html", "hello.html"], name="x"
        )
    assert rendered == "Second x"


def test_list_of_names_none_existing_raises_template_not_found(app: App) -> None:
    with app.app_context(), pytest.raises(jinja2.TemplateNotFound):
        render_template(["missing.html", "also_missing.html"])


def test_missing_template_message_names_the_folder_searched(app: App) -> None:
    with app.app_context(), pytest.raises(jinja2.TemplateNotFound) as info:
        render_template("missing.html")
    assert info.value.name == "missing.html"
    message = str(info.value)
    assert "missing.html" in message
    assert str(TEMPLATES) in message


def test_missing_template_without_a_template_folder_says_so() -> None:
    app = App("no_tpl", root_path=str(FIXTURES), template_folder=None)
    with app.app_context(), pytest.raises(jinja2.TemplateNotFound) as info:
        render_template("hello.html")
    assert "no template folder" in str(info.value)


def test_missing_template_propagates_in_testing_mode(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return render_template("missing.html")

    with pytest.raises(jinja2.TemplateNotFound):
        app.test_client().get("/")


def test_missing_template_is_a_500_without_leaking_the_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("tpl_app", root_path=str(FIXTURES))
    app.testing = False

    @app.route("/")
    def index() -> str:
        return render_template("missing.html")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/")
    assert response.status_code == 500
    body = response.text
    assert "Internal Server Error" in body
    assert "missing.html" not in body
    assert "TemplateNotFound" not in body
    assert "Traceback" not in body
    assert str(FIXTURES) not in body
    # The server side still learns what happened.
    assert any(
        r.exc_info and isinstance(r.exc_info[1], jinja2.TemplateNotFound)
        for r in caplog.records
    )


# -- outside contexts --------------------------------------------------------


@pytest.mark.parametrize(
    "render",
    [
        lambda: render_template("hello.html"),
        lambda: render_template_string("x"),
        lambda: stream_template("hello.html"),
        lambda: stream_template_string("x"),
    ],
    ids=["render_template", "render_template_string", "stream", "stream_string"],
)
def test_rendering_outside_an_app_context_raises_a_clear_error(
    render: t.Callable[[], t.Any],
) -> None:
    with pytest.raises(RuntimeError, match="app context") as info:
        render()
    assert "app.app_context()" in str(info.value)


def test_get_template_attribute_outside_an_app_context_raises() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        get_template_attribute("macros.html", "hello")


def test_render_in_app_context_without_request(app: App) -> None:
    """Without a request, a template that does not use ``request`` renders,
    ``request`` is falsy, and one that reads it raises RuntimeError, as in
    Flask."""
    with app.app_context():
        assert render_template("no_request.html", name="n") == "no request here: n"
        assert render_template_string("{{ 'yes' if request else 'no' }}") == "no"
        assert render_template_string("{{ g.x|default('unset') }}") == "unset"
        with pytest.raises(RuntimeError, match="outside of request context"):
            render_template("uses_request.html")


def test_url_for_in_template_without_request_needs_server_name(app: App) -> None:
    with app.app_context(), pytest.raises(RuntimeError, match="SERVER_NAME"):
        render_template_string("{{ url_for('static', filename='a.css') }}")
    app.config["SERVER_NAME"] = "example.test"
    with app.app_context():
        rendered = render_template_string("{{ url_for('static', filename='a.css') }}")
    assert rendered == "http://example.test/static/a.css"


# -- the template context ------------------------------------------------------


class DictSession(dict[str, t.Any], SessionMixin):
    """A session kept in memory for one request."""


class MemorySessions(SessionInterface):
    """Opens an empty, writable session for every request."""

    def open_session(self, app: App, request: Request) -> SessionMixin | None:
        return DictSession()


def test_context_has_config_request_session_g_and_url_for(app: App) -> None:
    app.session_interface = MemorySessions()
    app.config["APP_NAME"] = "Demo"

    @app.route("/")
    def index() -> str:
        session["user"] = "ann"
        g.who = "gee"
        return render_template("context.html")

    response = app.test_client().get("/?q=query")
    assert response.text == "Demo|query|ann|gee|/?page=2"


def test_context_globals_in_a_test_request_context(app: App) -> None:
    app.config["APP_NAME"] = "Demo"
    app.add_url_rule("/item/<int:n>", "item", lambda n: str(n))
    with app.test_request_context("/x?q=1"):
        g.value = 7
        out = render_template_string(
            "{{ request.path }} {{ request.args.q }} {{ g.value }}"
            " {{ config.APP_NAME }} {{ url_for('item', n=3) }}"
            " {{ url_for('item', n=4, _external=True) }}"
            " {{ session.get('missing', 'none') }}"
        )
    assert out == "/x 1 7 Demo /item/3 http://localhost/item/4 none"


def test_context_processors_run_in_registration_order(app: App) -> None:
    order: list[str] = []

    @app.context_processor
    def first() -> dict[str, t.Any]:
        order.append("first")
        return {"shared": "first", "one": 1}

    @app.context_processor
    def second() -> dict[str, t.Any]:
        order.append("second")
        return {"shared": "second", "two": 2}

    with app.test_request_context():
        rendered = render_template_string("{{ shared }} {{ one }} {{ two }}")
    assert order == ["first", "second"]
    assert rendered == "second 1 2"


def test_values_passed_to_render_template_win_over_processors(app: App) -> None:
    @app.context_processor
    def defaults() -> dict[str, t.Any]:
        return {"name": "processor", "other": "kept"}

    @app.route("/")
    def index() -> str:
        return render_template("hello.html", name="passed") + render_template_string(
            " {{ name }} {{ other }}", name="passed too"
        )

    assert app.test_client().get("/").text == "Hello passed! passed too kept"


def test_async_context_processor(app: App) -> None:
    @app.context_processor
    async def from_coroutine() -> dict[str, t.Any]:
        return {"name": "async"}

    @app.route("/")
    def index() -> str:
        return render_template("hello.html")

    assert app.test_client().get("/").text == "Hello async!"


def test_context_processor_receives_no_arguments_and_sees_request(app: App) -> None:
    @app.context_processor
    def current_path() -> dict[str, t.Any]:
        return {"path": request.path}

    @app.route("/here")
    def here() -> str:
        return render_template_string("{{ path }}")

    assert app.test_client().get("/here").text == "/here"


def test_context_processor_registered_after_a_render_is_used(app: App) -> None:
    with app.app_context():
        assert render_template_string("{{ late|default('none') }}") == "none"

    @app.context_processor
    def late() -> dict[str, t.Any]:
        return {"late": "here"}

    with app.app_context():
        assert render_template_string("{{ late|default('none') }}") == "here"


def test_context_processor_registered_while_a_context_is_active_is_used(
    app: App,
) -> None:
    """Setup is still open before the first request: a processor registered
    inside an active context applies to the next render, as a filter does
    (and as in Flask)."""
    with app.app_context():
        assert render_template_string("{{ late|default('none') }}") == "none"

        @app.context_processor
        def late() -> dict[str, t.Any]:
            return {"late": "here"}

        @app.template_filter
        def shout(value: str) -> str:
            return value.upper()

        assert render_template_string("{{ 'f'|shout }}") == "F"
        assert render_template_string("{{ late|default('none') }}") == "here"


def test_context_processor_appended_to_the_registry_after_a_render_is_used(
    app: App,
) -> None:
    """Flask code that appends to ``template_context_processors`` directly,
    for the app or a blueprint, after a render that found none."""
    with app.app_context():
        assert render_template_string("{{ late|default('none') }}") == "none"
    app.template_context_processors[None].append(lambda: {"late": "here"})
    with app.app_context():
        assert render_template_string("{{ late|default('none') }}") == "here"


def test_update_template_context_respects_passed_values(app: App) -> None:
    @app.context_processor
    def values() -> dict[str, t.Any]:
        return {"a": "processor", "b": "processor"}

    with app.test_request_context():
        context: dict[str, t.Any] = {"a": "mine"}
        app.update_template_context(context)
    assert context == {"a": "mine", "b": "processor"}


def test_context_processors_apply_to_streamed_templates(app: App) -> None:
    @app.context_processor
    def values() -> dict[str, t.Any]:
        return {"name": "streamed"}

    with app.test_request_context():
        assert "".join(stream_template("hello.html")) == "Hello streamed!"
        assert "".join(stream_template_string("{{ name }}")) == "streamed"


# -- filters, tests and globals --------------------------------------------------


def test_template_filter_without_parentheses(app: App) -> None:
    @app.template_filter
    def shout(value: str) -> str:
        return value.upper()

    assert shout("a") == "A"
    assert app.template_filters["shout"] is shout
    with app.app_context():
        assert render_template_string("{{ 'hi'|shout }}") == "HI"


def test_template_filter_with_empty_parentheses(app: App) -> None:
    @app.template_filter()
    def shout(value: str) -> str:
        return value.upper()

    with app.app_context():
        assert render_template_string("{{ 'hi'|shout }}") == "HI"


def test_template_filter_named(app: App) -> None:
    @app.template_filter("reverse_it")
    def backwards(value: str) -> str:
        return value[::-1]

    assert "backwards" not in app.template_filters
    with app.app_context():
        assert render_template_string("{{ 'abc'|reverse_it }}") == "cba"
        assert "backwards" not in app.jinja_env.filters


def test_add_template_filter(app: App) -> None:
    def shout(value: str) -> str:
        return value.upper()

    app.add_template_filter(shout)
    app.add_template_filter(shout, "yell")
    with app.app_context():
        assert render_template_string("{{ 'a'|shout }}{{ 'b'|yell }}") == "AB"


def test_template_test_without_parentheses(app: App) -> None:
    @app.template_test
    def even(n: int) -> bool:
        return n % 2 == 0

    assert even(2)
    with app.app_context():
        out = render_template_string("{{ 4 is even }} {{ 3 is even }}")
    assert out == "True False"


def test_template_test_with_empty_parentheses_and_named(app: App) -> None:
    @app.template_test()
    def big(n: int) -> bool:
        return n > 100

    @app.template_test("tiny")
    def is_tiny(n: int) -> bool:
        return n < 2

    with app.app_context():
        out = render_template_string("{{ 500 is big }} {{ 1 is tiny }} {{ 5 is tiny }}")
    assert out == "True True False"


def test_add_template_test(app: App) -> None:
    def positive(n: int) -> bool:
        return n > 0

    app.add_template_test(positive)
    app.add_template_test(positive, name="plus")
    with app.app_context():
        out = render_template_string("{{ 1 is positive }} {{ -1 is plus }}")
    assert out == "True False"


def test_template_global_without_parentheses(app: App) -> None:
    @app.template_global
    def answer() -> int:
        return 42

    assert answer() == 42
    with app.app_context():
        assert render_template_string("{{ answer() }}") == "42"


def test_template_global_with_empty_parentheses_and_named(app: App) -> None:
    @app.template_global()
    def one() -> int:
        return 1

    @app.template_global("two")
    def make_two() -> int:
        return 2

    with app.app_context():
        assert render_template_string("{{ one() }}{{ two() }}") == "12"


def test_add_template_global(app: App) -> None:
    def three() -> int:
        return 3

    app.add_template_global(three)
    app.add_template_global(three, "drei")
    with app.app_context():
        assert render_template_string("{{ three() }}{{ drei() }}") == "33"


def test_filters_tests_globals_registered_after_the_environment_exists(
    app: App,
) -> None:
    with app.app_context():
        assert render_template_string("x") == "x"
    assert app.template_renderer.created

    @app.template_filter
    def shout(value: str) -> str:
        return value.upper()

    @app.template_test("big")
    def is_big(n: int) -> bool:
        return n > 100

    def answer() -> int:
        return 42

    app.add_template_global(answer)
    with app.app_context():
        out = render_template_string("{{ 'a'|shout }} {{ 500 is big }} {{ answer() }}")
    assert out == "A True 42"
    assert app.jinja_env.filters["shout"] is shout


def test_filters_tests_globals_are_in_the_environment(app: App) -> None:
    @app.template_filter
    def shout(value: str) -> str:
        return value.upper()

    @app.template_test
    def even(n: int) -> bool:
        return n % 2 == 0

    @app.template_global
    def answer() -> int:
        return 42

    env = app.jinja_env
    assert env.filters["shout"] is shout
    assert env.tests["even"] is even
    assert env.globals["answer"] is answer


def test_template_filter_is_refused_after_the_first_request(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    app.test_client().get("/")
    with pytest.raises(AssertionError, match="first request"):
        app.add_template_filter(str.upper, "upper2")


# -- autoescaping --------------------------------------------------------------


@pytest.mark.parametrize("extension", ["html", "htm", "xml", "xhtml", "svg"])
def test_autoescape_is_on_for_markup_files(app: App, extension: str) -> None:
    with app.app_context():
        out = render_template(f"escape.{extension}", value="<b>&'</b>")
    assert out == "&lt;b&gt;&amp;&#39;&lt;/b&gt;"


def test_autoescape_is_off_for_txt_files(app: App) -> None:
    with app.app_context():
        assert render_template("escape.txt", value="<b>&</b>") == "<b>&</b>"


def test_autoescape_is_on_for_template_strings(app: App) -> None:
    with app.app_context():
        out = render_template_string("{{ value }}", value="<i>")
        assert out == "&lt;i&gt;"
        assert render_template_string("{{ value }}", value=Markup("<i>")) == "<i>"
        assert render_template_string("{{ value|safe }}", value="<i>") == "<i>"


def test_select_jinja_autoescape_defaults(app: App) -> None:
    assert app.select_jinja_autoescape(None) is True
    for name in ("a.html", "a.htm", "a.xml", "a.xhtml", "a.svg"):
        assert app.select_jinja_autoescape(name) is True
    assert app.select_jinja_autoescape("a.txt") is False
    assert app.select_jinja_autoescape("a.js") is False


def test_select_jinja_autoescape_overridden_in_a_subclass() -> None:
    class EscapeEverything(App):
        def select_jinja_autoescape(self, filename: str | None) -> bool:
            return filename is None or not filename.endswith(".xml")

    app = make_app(EscapeEverything)
    with app.app_context():
        assert render_template("escape.txt", value="<b>") == "&lt;b&gt;"
        assert render_template("escape.xml", value="<b>") == "<b>"
        assert render_template_string("{{ v }}", v="<b>") == "&lt;b&gt;"


def test_select_jinja_autoescape_set_on_the_app_before_the_environment() -> None:
    """Set on the instance before the environment exists, it is the rule, as
    an override is; the default rule renders as the method says."""
    app = make_app()
    app.select_jinja_autoescape = lambda filename: True  # type: ignore[method-assign]
    with app.app_context():
        assert render_template("escape.txt", value="<b>") == "&lt;b&gt;"
    plain = make_app()
    with plain.app_context():
        assert render_template("escape.txt", value="<b>") == "<b>"
        assert render_template("escape.xml", value="<b>") == "&lt;b&gt;"
        assert render_template_string("{{ v }}", v="<b>") == "&lt;b&gt;"


# -- the environment -----------------------------------------------------------


def test_jinja_env_is_an_environment_with_the_dispatching_loader(app: App) -> None:
    env = app.jinja_env
    assert isinstance(env, Environment)
    assert env.app is app
    assert isinstance(env.loader, DispatchingJinjaLoader)
    assert app.jinja_env is env
    assert "hello.html" in env.list_templates()
    assert "sub/inner.html" in env.list_templates()


def test_jinja_options_on_a_subclass() -> None:
    class TrimApp(App):
        jinja_options = {"trim_blocks": True}

    with make_app().app_context():
        plain = render_template("trim.html")
    trimming = make_app(TrimApp)
    with trimming.app_context():
        trimmed = render_template("trim.html")
    assert plain == "\nyes\n\nend"
    assert trimmed == "yes\nend"
    assert trimming.jinja_env.trim_blocks is True


def test_jinja_options_may_replace_autoescape() -> None:
    class NoEscape(App):
        jinja_options = {"autoescape": False}

    app = make_app(NoEscape)
    with app.app_context():
        assert render_template("escape.html", value="<b>") == "<b>"


def test_create_jinja_environment_overridden_in_a_subclass() -> None:
    created: list[Environment] = []

    class BrandedApp(App):
        def create_jinja_environment(self) -> Environment:
            env = super().create_jinja_environment()
            env.globals["brand"] = "Acme"
            created.append(env)
            return env

    app = make_app(BrandedApp)
    assert created == []
    with app.app_context():
        assert render_template_string("{{ brand }}") == "Acme"
        assert render_template_string("{{ brand }}!") == "Acme!"
    assert created == [app.jinja_env]


def test_custom_jinja_environment_class() -> None:
    class CustomEnvironment(Environment):
        def __init__(self, app: App, **options: t.Any) -> None:
            super().__init__(app, **options)
            self.globals["env_kind"] = "custom"

    class CustomApp(App):
        jinja_environment = CustomEnvironment

    app = make_app(CustomApp)
    env = app.jinja_env
    assert type(env) is CustomEnvironment
    assert env.app is app
    assert isinstance(env.loader, DispatchingJinjaLoader)
    with app.app_context():
        assert render_template_string("{{ env_kind }}") == "custom"
        assert render_template("hello.html", name="c") == "Hello c!"


def test_environment_is_created_lazily(app: App) -> None:
    assert app.template_renderer.created is False
    with app.app_context():
        assert app.template_renderer.created is False
        render_template("hello.html", name="x")
    assert app.template_renderer.created is True


def test_plain_text_app_never_creates_the_environment(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return "plain"

    @app.context_processor
    def unused() -> dict[str, t.Any]:
        return {}

    @app.template_filter
    def shout(value: str) -> str:
        return value.upper()

    client = app.test_client()
    for _ in range(3):
        assert client.get("/").text == "plain"
    assert app.template_renderer.created is False


def test_debug_setter_before_the_environment_exists_does_not_create_it(
    app: App,
) -> None:
    app.debug = True
    assert app.template_renderer.created is False
    assert app.jinja_env.auto_reload is True


# -- TEMPLATES_AUTO_RELOAD -----------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "debug", "expected"),
    [
        (None, False, False),
        (None, True, True),
        (True, False, True),
        (False, True, False),
    ],
)
def test_templates_auto_reload(
    setting: bool | None, debug: bool, expected: bool
) -> None:
    app = make_app()
    app.config["TEMPLATES_AUTO_RELOAD"] = setting
    app.config["DEBUG"] = debug
    assert app.jinja_env.auto_reload is expected


def test_changing_debug_after_the_environment_exists_updates_auto_reload(
    app: App,
) -> None:
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is True
    app.debug = False
    assert app.jinja_env.auto_reload is False


def test_changing_debug_keeps_an_explicit_auto_reload(app: App) -> None:
    app.config["TEMPLATES_AUTO_RELOAD"] = False
    assert app.jinja_env.auto_reload is False
    app.debug = True
    assert app.jinja_env.auto_reload is False


def _edit(path: Path, text: str) -> None:
    """Rewrite a template and move its modification time forward, so that a
    change is visible even on file systems with coarse timestamps."""
    before = path.stat().st_mtime
    path.write_text(text)
    os.utime(path, (before + 10, before + 10))


@pytest.mark.parametrize(("setting", "expected"), [(True, "new"), (False, "old")])
def test_auto_reload_rereads_an_edited_template(
    tmp_path: Path, setting: bool, expected: str
) -> None:
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.txt"
    page.write_text("old")
    app = App("reload_app", root_path=str(tmp_path))
    app.config["TEMPLATES_AUTO_RELOAD"] = setting
    with app.app_context():
        assert render_template("page.txt") == "old"
        _edit(page, "new")
        assert render_template("page.txt") == expected


# -- EXPLAIN_TEMPLATE_LOADING --------------------------------------------------


def test_explain_template_loading_logs_the_attempts(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with (
        caplog.at_level(logging.INFO, logger=app.logger.name),
        app.app_context(),
    ):
        assert render_template("hello.html", name="x") == "Hello x!"
    records = [r for r in caplog.records if r.name == app.logger.name]
    assert len(records) == 1
    assert records[0].levelno == logging.INFO
    message = records[0].getMessage()
    assert "'hello.html'" in message
    assert str(TEMPLATES) in message
    assert "found" in message
    assert "no match" not in message


def test_explain_template_loading_logs_a_miss(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with (
        caplog.at_level(logging.INFO, logger=app.logger.name),
        app.app_context(),
        pytest.raises(jinja2.TemplateNotFound),
    ):
        render_template("missing.html")
    messages = [r.getMessage() for r in caplog.records if r.name == app.logger.name]
    assert len(messages) == 1
    assert "'missing.html'" in messages[0]
    assert "no match" in messages[0]
    assert str(TEMPLATES) in messages[0]
    assert "the template could not be found" in messages[0]


def test_without_explain_template_loading_nothing_is_logged(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        caplog.at_level(logging.DEBUG, logger=app.logger.name),
        app.app_context(),
    ):
        render_template("hello.html", name="x")
    assert [r for r in caplog.records if r.name == app.logger.name] == []


# -- signals -------------------------------------------------------------------


def test_before_render_and_rendered_signals(app: App) -> None:
    before = Recorder()
    rendered = Recorder()
    events: list[str] = []

    @app.context_processor
    def extra() -> dict[str, t.Any]:
        return {"extra": 1}

    @app.route("/")
    def index() -> str:
        events.append("view")
        return render_template("hello.html", name="sig")

    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(rendered, app),
    ):
        response = app.test_client().get("/")
    assert response.text == "Hello sig!"
    for recorder in (before, rendered):
        assert len(recorder.calls) == 1
        sender, kwargs = recorder.calls[0]
        assert sender is app
        assert set(kwargs) == {"template", "context"}
        assert kwargs["template"].name == "hello.html"
        assert kwargs["context"]["name"] == "sig"
        assert kwargs["context"]["extra"] == 1


_FLASK_SIGNAL_CONTEXT = """
from flask import Flask, g, has_request_context, render_template_string
from flask import request, session
from flask.signals import before_render_template, template_rendered

app = Flask("signals")
app.secret_key = "k"
seen = []

def record(sender, template, context):
    seen.append(
        (
            sorted(context),
            context.get("g") is g._get_current_object(),
            has_request_context()
            and context.get("request") is request._get_current_object(),
            has_request_context()
            and context.get("session") is session._get_current_object(),
        )
    )

@app.route("/")
def index():
    return render_template_string("{{ a }}", a=1)

before_render_template.connect(record, app)
template_rendered.connect(record, app)
response = app.test_client().get("/")
print(seen, response.vary)
seen.clear()
with app.app_context():
    render_template_string("{{ a }}", a=1)
print([keys for keys, *rest in seen])
"""


def test_signal_context_has_g_and_request_as_in_flask() -> None:
    """Flask's default context processor puts ``g`` and ``request`` (not
    ``session``) into the context its template signals send; receivers find
    the same here, in a request and in an app context."""
    in_request, in_app_context = run_as_flask_and_framework(
        _FLASK_SIGNAL_CONTEXT
    ).splitlines()
    assert in_request.startswith("[(['a', 'g', 'request'], True, True, False),")
    assert in_app_context == "[['a', 'g'], ['a', 'g']]"


def test_signal_context_values_passed_win_over_the_defaults(app: App) -> None:
    """As in Flask, ``g`` and ``request`` are defaults: a value passed to
    ``render_template`` or from a context processor wins."""
    rendered = Recorder()

    @app.context_processor
    def own_g() -> dict[str, t.Any]:
        return {"g": "processor's g"}

    with (
        template_rendered.connected_to(rendered, app),
        app.test_request_context(),
    ):
        render_template_string("{{ g }} {{ request }}", request="passed")
    context = rendered.calls[0][1]["context"]
    assert (context["g"], context["request"]) == ("processor's g", "passed")


def test_before_render_template_may_change_the_context(app: App) -> None:
    def change(
        sender: App, template: jinja2.Template, context: dict[str, t.Any]
    ) -> None:
        context["name"] = "changed"

    with before_render_template.connected_to(change, app), app.app_context():
        assert render_template("hello.html", name="orig") == "Hello changed!"


def test_signals_for_template_strings(app: App) -> None:
    rendered = Recorder()
    with template_rendered.connected_to(rendered, app), app.app_context():
        render_template_string("{{ a }}", a=1)
    assert len(rendered.calls) == 1
    assert rendered.calls[0][1]["context"]["a"] == 1
    assert isinstance(rendered.calls[0][1]["template"], jinja2.Template)


def test_stream_template_signals_rendered_after_consumption(app: App) -> None:
    before = Recorder()
    rendered = Recorder()
    with (
        before_render_template.connected_to(before, app),
        template_rendered.connected_to(rendered, app),
        app.test_request_context("/?sep=,"),
    ):
        stream = stream_template("stream.html", items=[1, 2, 3])
        assert len(before.calls) == 1
        assert rendered.calls == []
        first = next(stream)
        assert rendered.calls == []
        rest = "".join(stream)
    assert first + rest == "1,2,3,"
    assert len(rendered.calls) == 1
    sender, kwargs = rendered.calls[0]
    assert sender is app
    assert kwargs["template"].name == "stream.html"
    assert kwargs["context"]["items"] == [1, 2, 3]


def test_stream_template_signals_through_the_client(app: App) -> None:
    rendered = Recorder()

    @app.route("/")
    def index() -> t.Iterator[str]:
        return stream_template("stream.html", items=["a", "b", "c"])

    with template_rendered.connected_to(rendered, app):
        response = app.test_client().get("/?sep=-")
        # The client reads the first chunk eagerly, not the whole stream.
        assert rendered.calls == []
        assert response.get_data(as_text=True) == "a-b-c-"
    assert len(rendered.calls) == 1


def test_signals_not_sent_to_receivers_of_another_app(app: App) -> None:
    other = make_app()
    rendered = Recorder()
    with template_rendered.connected_to(rendered, other), app.app_context():
        render_template_string("x")
    assert rendered.calls == []


# -- helpers -------------------------------------------------------------------


def test_get_template_attribute_calls_a_macro(app: App) -> None:
    with app.app_context():
        hello = get_template_attribute("macros.html", "hello")
        assert hello("World") == "Hello World!"
        assert hello("<x>") == "Hello &lt;x&gt;!"


def test_get_template_attribute_missing_attribute(app: App) -> None:
    with app.app_context(), pytest.raises(AttributeError):
        get_template_attribute("macros.html", "nope")


# -- tojson --------------------------------------------------------------------


def test_tojson_is_safe_inside_script(app: App) -> None:
    data = {"b": "</script><script>alert(1)</script>", "a": "<>&'"}
    with app.app_context():
        out = render_template("tojson.html", data=data)
    assert out == (
        '<script>var data = {"a": "\\u003c\\u003e\\u0026\\u0027",'
        ' "b": "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)'
        '\\u003c/script\\u003e"};</script>'
    )
    assert out.count("</script>") == 1


def test_tojson_uses_the_app_json_provider_defaults(app: App) -> None:
    with app.app_context():
        out = render_template_string(
            "{{ data|tojson }}", data={"z": 1, "a": date(2024, 6, 1)}
        )
    # Sorted keys and the provider's HTTP date conversion.
    assert out == '{"a": "Sat, 01 Jun 2024 00:00:00 GMT", "z": 1}'


def test_tojson_uses_a_custom_json_provider() -> None:
    class ISODates(DefaultJSONProvider):
        ensure_ascii = False

        @staticmethod
        def default(o: t.Any) -> t.Any:
            if isinstance(o, date):
                return o.isoformat()
            raise TypeError(type(o).__name__)

    class ISOApp(App):
        json_provider_class = ISODates

    app = make_app(ISOApp)
    with app.app_context():
        out = render_template_string(
            "{{ data|tojson }}", data={"z": "caf\u00e9", "a": date(2024, 6, 1)}
        )
    # Keys stay sorted: Jinja's "json.dumps_kwargs" policy asks for it, as in
    # Flask.
    assert out == '{"a": "2024-06-01", "z": "caf\u00e9"}'


# -- the TemplateRenderer strategy ---------------------------------------------


class SiteRenderer(TemplateRenderer):
    """Adds ``site_name`` to the context of every render."""

    def update_context(self, ctx: AppContext | None, context: dict[str, t.Any]) -> None:
        super().update_context(ctx, context)
        context.setdefault("site_name", "Example")


def test_renderer_swapped_by_constructor_keyword() -> None:
    renderer = SiteRenderer()
    app = make_app(template_renderer=renderer)
    assert app.template_renderer is renderer

    @app.route("/")
    def index() -> str:
        return render_template("site.html", name="a") + render_template_string(
            " {{ site_name }}"
        )

    assert app.test_client().get("/").text == "Example:a Example"


def test_renderer_swapped_by_class_attribute() -> None:
    class SiteApp(App):
        template_renderer_class = SiteRenderer

    app = make_app(SiteApp)
    assert type(app.template_renderer) is SiteRenderer
    with app.test_request_context():
        assert render_template("site.html", name="b") == "Example:b"
        assert "".join(stream_template("site.html", name="c")) == "Example:c"


def test_renderer_swapped_by_assignment(app: App) -> None:
    app.template_renderer = SiteRenderer()
    with app.app_context():
        assert render_template("site.html", name="d") == "Example:d"


def test_renderer_passed_values_still_win(app: App) -> None:
    app.template_renderer = SiteRenderer()
    with app.app_context():
        assert render_template("site.html", name="e", site_name="Mine") == "Mine:e"


def test_default_renderer_leaves_site_name_undefined(app: App) -> None:
    assert type(app.template_renderer) is TemplateRenderer
    with app.app_context():
        assert render_template("site.html", name="f") == ":f"


def test_renderer_is_refused_after_the_first_request(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    app.test_client().get("/")
    with pytest.raises(AssertionError, match="first request"):
        app.template_renderer = SiteRenderer()
