"""App composition: the pipeline honours Flask-style overrides of the methods
the default strategies would otherwise call directly, and strategy swaps by
assignment keep the app working."""

from __future__ import annotations

import gc
import sys
import typing as t
import weakref

import pytest
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import MapAdapter

from framework import (
    App,
    Blueprint,
    render_template_string,
    request,
    session,
    url_for,
)
from framework.ctx import has_app_context
from framework.routing import Router
from framework.wrappers import Request


def test_override_trap_http_exception_is_honoured() -> None:
    class TrappingApp(App):
        def trap_http_exception(self, e: Exception) -> bool:
            return isinstance(e, NotFound)

    app = TrappingApp(__name__)
    app.testing = True

    @app.get("/gone")
    def gone() -> str:
        raise NotFound()

    with pytest.raises(NotFound):
        app.test_client().get("/gone")


def test_override_create_url_adapter_is_honoured() -> None:
    calls: list[Request | None] = []

    class AdapterApp(App):
        def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
            calls.append(request)
            return super().create_url_adapter(request)

    app = AdapterApp(__name__)

    @app.get("/a/<int:n>")
    def a(n: int) -> str:
        return url_for("a", n=n + 1)

    assert app.test_client().get("/a/1").data == b"/a/2"
    assert len(calls) == 1 and calls[0] is not None


def test_override_inject_url_defaults_is_honoured() -> None:
    class DefaultsApp(App):
        def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
            values.setdefault("lang", "eo")
            super().inject_url_defaults(endpoint, values)

    app = DefaultsApp(__name__)

    @app.get("/<lang>/")
    def home(lang: str) -> str:
        return url_for("home")

    assert app.test_client().get("/en/").data == b"/eo/"


def test_assigning_a_router_without_a_map_keeps_the_rules() -> None:
    app = App(__name__)

    @app.get("/kept")
    def kept() -> str:
        return "still here"

    class CountingRouter(Router):
        matched = 0

        def match(self, ctx: t.Any) -> t.Any:
            type(self).matched += 1
            return super().match(ctx)

    app.router = CountingRouter()
    assert app.url_map is app.router.url_map
    assert app.test_client().get("/kept").data == b"still here"
    assert CountingRouter.matched == 1


def test_strategy_assignment_after_first_request_is_refused() -> None:
    app = App(__name__)
    app.add_url_rule("/", "index", lambda: "ok")
    app.test_client().get("/")
    for name in (
        "router",
        "dispatcher",
        "response_converter",
        "error_handling",
        "json",
    ):
        with pytest.raises(AssertionError, match=f"app.{name}"):
            setattr(app, name, getattr(app, name))


def test_pipeline_uses_strategies_directly_without_overrides() -> None:
    app = App(__name__)
    pipeline = app.pipeline
    assert pipeline.dispatch == app.dispatcher.dispatch
    assert pipeline.make_response == app.response_converter.make_response
    assert pipeline.handle_user == app.error_handling.handle_user
    assert pipeline.bind == app.router.bind


def test_http_exception_handler_sees_trapped_error_path(app: App) -> None:
    """A handler for HTTPException covers every HTTP error, including ones
    raised by routing."""

    @app.errorhandler(HTTPException)
    def any_http(e: HTTPException) -> tuple[str, int]:
        return f"{e.code} at {request.path}", e.code or 500

    assert app.test_client().get("/nowhere").data == b"404 at /nowhere"


def test_instance_level_overrides_are_honoured() -> None:
    """Extensions such as Flask-RESTful patch methods on the instance."""
    app = App(__name__)

    @app.get("/boom")
    def boom() -> str:
        raise ValueError("boom")

    original = app.handle_user_exception

    def patched(e: Exception) -> t.Any:
        if isinstance(e, ValueError):
            return "patched", 418
        return original(e)

    app.handle_user_exception = patched  # type: ignore[method-assign]
    response = app.test_client().get("/boom")
    assert response.status_code == 418
    assert response.data == b"patched"


def test_request_context_override_is_used_by_wsgi_app() -> None:
    made: list[str] = []

    class ContextApp(App):
        def request_context(self, environ: t.Any) -> t.Any:
            made.append(environ["PATH_INFO"])
            return super().request_context(environ)

    app = ContextApp(__name__)
    app.add_url_rule("/", "index", lambda: "ok")
    assert app.test_client().get("/").data == b"ok"
    assert made == ["/"]


def test_hook_registered_inside_an_open_context_is_seen(app: App) -> None:
    with app.test_request_context("/"):

        @app.before_request
        def late() -> str:
            return "from before_request"

        assert app.preprocess_request() == "from before_request"


def test_contexts_do_not_recompile_an_unchanged_setup() -> None:
    from framework.dispatch import Dispatcher

    class CountingDispatcher(Dispatcher):
        prepared = 0

        def prepare(self, app: App) -> None:
            type(self).prepared += 1
            super().prepare(app)

    app = App(__name__, dispatcher=CountingDispatcher())
    after_init = CountingDispatcher.prepared
    for _ in range(3):
        with app.app_context():
            pass
    assert CountingDispatcher.prepared == after_init
    app.before_request(lambda: None)
    with app.app_context():
        pass
    assert CountingDispatcher.prepared == after_init + 1


def test_request_started_receiver_errors_reach_error_handlers(app: App) -> None:
    from framework import abort
    from framework.signals import request_started

    @app.errorhandler(403)
    def forbidden(e: Exception) -> tuple[str, int]:
        return "handled 403", 403

    app.add_url_rule("/", "index", lambda: "ok")

    def deny(sender: App, **extra: t.Any) -> None:
        abort(403)

    with request_started.connected_to(deny, app):
        response = app.test_client().get("/")
    assert response.status_code == 403
    assert response.data == b"handled 403"


def test_open_instance_resource_reads_and_writes(tmp_path: t.Any) -> None:
    app = App(__name__, instance_path=str(tmp_path))
    with app.open_instance_resource("notes.txt", "w") as f:
        f.write("zoë")
    with app.open_instance_resource("notes.txt", "r") as f:
        assert f.read() == "zoë"
    with app.open_instance_resource("notes.txt") as f:
        assert f.read() == "zoë".encode()


def test_a_second_view_for_an_endpoint_is_refused(app: App) -> None:
    def first() -> str:
        return "first"

    def second() -> str:
        return "second"

    app.add_url_rule("/a", "page", first)
    # The same function again (another URL for it) is fine.
    app.add_url_rule("/also-a", "page", first)
    with pytest.raises(AssertionError, match="'page' already has the view"):
        app.add_url_rule("/b", "page", second)
    assert app.test_client().get("/also-a").data == b"first"


def test_a_view_set_on_view_functions_after_setup_is_dispatched(app: App) -> None:
    app.add_url_rule("/late", "late")
    with app.test_request_context("/"):
        pass  # setup prepared without a view for "late"
    app.view_functions["late"] = lambda: "late view"
    assert app.test_client().get("/late").data == b"late view"


def test_should_ignore_error_hides_the_error_from_teardown_callbacks() -> None:
    class QuietApp(App):
        def should_ignore_error(self, error: BaseException | None) -> bool:
            return isinstance(error, LookupError)

    app = QuietApp("test_app", static_folder=None)
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)
    app.teardown_appcontext(seen.append)

    @app.route("/<kind>")
    def fail(kind: str) -> str:
        raise KeyError(kind) if kind == "ignored" else ValueError(kind)

    client = app.test_client()
    assert client.get("/ignored").status_code == 500
    assert seen == [None, None]
    seen.clear()
    assert client.get("/seen").status_code == 500
    assert [type(e) for e in seen] == [ValueError, ValueError]


def test_a_base_exception_in_a_view_propagates_after_teardown(app: App) -> None:
    seen: list[BaseException | None] = []
    app.teardown_request(seen.append)

    @app.route("/")
    def interrupted() -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        app.test_client().get("/")
    assert [type(e) for e in seen] == [KeyboardInterrupt]
    # The request context was popped: no context is left active.
    assert not has_app_context()


def test_do_teardown_appcontext_runs_every_callback_then_raises_the_first(
    app: App,
) -> None:
    seen: list[BaseException | None] = []

    @app.teardown_appcontext
    def broken(exc: BaseException | None) -> None:
        if exc is not None:
            raise RuntimeError("first teardown broke")

    app.teardown_appcontext(seen.append)
    error = ValueError("the error")
    with app.app_context():
        with pytest.raises(RuntimeError, match="first teardown broke"):
            app.do_teardown_appcontext(error)
        assert seen == [error]
        # Without an argument, the exception being handled is passed.
        seen.clear()
        try:
            raise LookupError("being handled")
        except LookupError as handled:
            with pytest.raises(RuntimeError):
                app.do_teardown_appcontext()
            assert seen == [handled]
        seen.clear()
    assert seen == [None]  # the context's own pop ran them again


def test_last_teardowns_run_after_the_others_in_reverse_order() -> None:
    # teardown_appcontext(f, last=True): for an extension that releases
    # what the app's own callbacks may still use (framework_sqlalchemy).
    app = App("order_app")
    order: list[str] = []
    app.teardown_appcontext(lambda exc: order.append("user 1"))
    app.teardown_appcontext(lambda exc: order.append("ext 1"), last=True)
    app.teardown_appcontext(lambda exc: order.append("ext 2"), last=True)
    app.teardown_appcontext(lambda exc: order.append("user 2"))
    with app.app_context():
        pass
    assert order == ["user 2", "user 1", "ext 2", "ext 1"]


# -- setup after the first request -------------------------------------------


def test_setup_after_the_first_request_names_the_setup_method(
    app: App,
) -> None:
    @app.get("/")
    def index() -> str:
        return "ok"

    assert app.test_client().get("/").data == b"ok"
    with pytest.raises(AssertionError) as info:
        app.add_url_rule("/late", endpoint="late")
    assert "setup method 'add_url_rule'" in str(info.value)
    assert "first request" in str(info.value)


# -- the app is freed when its last reference goes ---------------------------


@pytest.fixture
def no_cycle_collector() -> t.Iterator[None]:
    """Turn the cycle collector off, so that only reference counting can
    free an object: what a test of "no reference cycle" needs."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _used_app(app_class: type[App] = App) -> App:
    """An app that has served requests through every strategy: routing,
    a blueprint, hooks, an error handler, sessions, JSON and templates."""
    app = app_class("freed_app", root_path=__file__.rpartition("/")[0])
    app.secret_key = "freed"
    shop = Blueprint("shop", __name__)

    @shop.get("/shop")
    def shop_index() -> str:
        return render_template_string("{{ url_for('shop.shop_index') }}")

    app.register_blueprint(shop)

    @app.before_request
    def before() -> None:
        pass

    @app.errorhandler(404)
    def not_found(e: Exception) -> tuple[str, int]:
        return "gone", 404

    @app.get("/")
    def index() -> dict[str, int]:
        session["n"] = 1
        return {"n": 1}

    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/shop").data == b"/shop"
    assert client.get("/nope").data == b"gone"
    assert client.get("/static/missing.txt").status_code == 404
    app.logger.debug("used")
    return app


@pytest.mark.usefixtures("no_cycle_collector")
def test_a_new_app_is_freed_by_reference_counting() -> None:
    app = App(__name__)
    assert app.view_functions["static"]
    ref = weakref.ref(app)
    del app
    assert ref() is None


@pytest.mark.usefixtures("no_cycle_collector")
def test_an_app_that_served_requests_is_freed_by_reference_counting() -> None:
    app = _used_app()
    ref = weakref.ref(app)
    # Only this frame holds the app: nothing the app owns points back to it.
    assert sys.getrefcount(app) == 2
    del app
    assert ref() is None


@pytest.mark.usefixtures("no_cycle_collector")
def test_an_app_with_overridden_pipeline_methods_is_freed() -> None:
    class CustomApp(App):
        def make_response(self, rv: t.Any) -> t.Any:
            return super().make_response(rv)

        def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
            return super().create_url_adapter(request)

        def raise_routing_exception(self, request: Request) -> t.NoReturn:
            super().raise_routing_exception(request)

    app = _used_app(CustomApp)
    ref = weakref.ref(app)
    del app
    assert ref() is None


def test_the_jinja_environment_holds_its_app_weakly() -> None:
    app = App(__name__)
    env = app.jinja_env
    assert env.app is app
    assert env.loader.app is app  # type: ignore[union-attr]
    del app
    gc.collect()
    with pytest.raises(RuntimeError, match="no longer exists"):
        env.app  # noqa: B018
    other = App(__name__)
    env.app = other
    assert env.app is other


def test_override_raise_routing_exception_gets_the_request() -> None:
    seen: list[Request] = []

    class RecordingApp(App):
        def raise_routing_exception(self, request: Request) -> t.NoReturn:
            seen.append(request)
            super().raise_routing_exception(request)

    app = RecordingApp(__name__)
    response = app.test_client().get("/missing")
    assert response.status_code == 404
    assert len(seen) == 1
    assert seen[0].path == "/missing"


def test_names_framework_app_had_before_the_split_still_import() -> None:
    import importlib

    import framework.app as app_module
    from framework._app.pipeline_methods import _sentinel
    from framework.package_paths import find_package, package_path

    # framework.compat.flask.scaffold exports these three from here.
    assert app_module._sentinel is _sentinel
    assert app_module._find_package is find_package
    assert app_module._package_path is package_path
    for name, (module, attribute) in app_module._MOVED.items():
        moved = getattr(importlib.import_module(module), attribute)
        assert getattr(app_module, name) is moved, name
    with pytest.raises(AttributeError, match="no_such_name"):
        app_module.no_such_name  # noqa: B018
