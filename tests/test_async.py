"""Async support: ``async def`` views, hooks, error handlers, context
processors and signal receivers run through ``App.ensure_sync``; synchronous
code is never checked per request."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import sys
import typing as t
from collections import Counter

import pytest
from werkzeug.exceptions import NotFound

from framework import (
    App,
    Response,
    g,
    render_template_string,
    request,
    request_finished,
    request_started,
)
from framework.testing import AppClient
from framework.views import MethodView, View

# -- async code runs -------------------------------------------------------------


def test_async_error_handlers(app: App, client: AppClient) -> None:
    @app.errorhandler(404)
    async def not_found(e: NotFound) -> tuple[str, int]:
        await asyncio.sleep(0)
        return f"no {request.path}", 404

    @app.errorhandler(KeyError)
    async def key_error(e: KeyError) -> str:
        return f"missing {e.args[0]}"

    @app.get("/key")
    def key() -> str:
        raise KeyError("name")

    assert client.get("/nowhere").data == b"no /nowhere"
    assert client.get("/key").data == b"missing name"


def test_async_500_handler(app: App) -> None:
    app.testing = False

    @app.errorhandler(500)
    async def server_error(e: Exception) -> tuple[str, int]:
        return "async 500", 500

    @app.get("/")
    def index() -> str:
        raise ValueError("broken")

    response = app.test_client().get("/")
    assert (response.status_code, response.data) == (500, b"async 500")


def test_async_context_processor(app: App) -> None:
    @app.context_processor
    async def user() -> dict[str, str]:
        await asyncio.sleep(0)
        return {"user": "ada"}

    @app.get("/")
    def index() -> str:
        return render_template_string("hello {{ user }}")

    assert app.test_client().get("/").data == b"hello ada"


def test_async_signal_receivers(app: App, client: AppClient) -> None:
    seen: list[str] = []

    async def started(sender: App, **extra: t.Any) -> None:
        seen.append(f"started {request.path}")

    async def finished(sender: App, response: Response, **extra: t.Any) -> None:
        seen.append(f"finished {response.status_code}")

    @app.get("/")
    def index() -> str:
        return "ok"

    with (
        request_started.connected_to(started, app),
        request_finished.connected_to(finished, app),
    ):
        client.get("/")
    assert seen == ["started /", "finished 200"]


def test_async_class_based_views(app: App, client: AppClient) -> None:
    class Hello(View):
        async def dispatch_request(self, **kwargs: t.Any) -> str:  # type: ignore[override]
            await asyncio.sleep(0)
            return f"hello {kwargs['name']}"

    class Items(MethodView):
        init_every_request = False

        async def get(self) -> str:
            return "async get"

        def post(self) -> str:
            return "sync post"

    app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello"))
    app.add_url_rule("/items", view_func=Items.as_view("items"))
    assert client.get("/hello/ada").data == b"hello ada"
    assert client.get("/items").data == b"async get"
    assert client.head("/items").status_code == 200
    assert client.post("/items").data == b"sync post"


def test_async_code_sees_and_updates_the_context(app: App, client: AppClient) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    @app.before_request
    async def before() -> None:
        g.seen = request.path
        var.set("set by an async hook")

    @app.get("/")
    def index() -> str:
        # asgiref hands context variable changes back to the caller.
        return f"{g.seen} {var.get()}"

    assert client.get("/").data == b"/ set by an async hook"


def test_async_to_sync_directly(app: App) -> None:
    async def add(a: int, b: int) -> int:
        await asyncio.sleep(0)
        return a + b

    assert app.async_to_sync(add)(1, 2) == 3
    assert app.ensure_sync(add)(3, b=4) == 7


def test_ensure_sync_returns_sync_functions_unchanged(app: App) -> None:
    def sync() -> None:
        pass

    assert app.ensure_sync(sync) is sync


# -- without asgiref -----------------------------------------------------------------


@pytest.fixture
def no_asgiref(monkeypatch: pytest.MonkeyPatch) -> None:
    """asgiref cannot be imported, as when the async extra isn't installed."""
    monkeypatch.setitem(sys.modules, "asgiref", None)
    monkeypatch.setitem(sys.modules, "asgiref.sync", None)


def test_async_views_need_no_asgiref(
    app: App, client: AppClient, no_asgiref: None
) -> None:
    @app.get("/")
    async def index() -> str:
        await asyncio.sleep(0)
        return "async without asgiref"

    assert client.get("/").data == b"async without asgiref"


def test_async_calls_under_wsgi_share_one_loop(app: App, client: AppClient) -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    @app.get("/")
    async def index() -> str:
        loops.append(asyncio.get_running_loop())
        return "ok"

    client.get("/")
    client.get("/")
    assert len(loops) == 2
    assert loops[0] is loops[1]
    assert loops[0].is_running()


def test_missing_asgiref_does_not_matter_to_sync_apps(
    app: App, client: AppClient, no_asgiref: None
) -> None:
    @app.before_request
    def before() -> None:
        g.x = "sync"

    @app.get("/")
    def index() -> str:
        return g.x  # type: ignore[no-any-return]

    assert client.get("/").data == b"sync"


# -- sync code pays nothing per request ---------------------------------------------


class CountingApp(App):
    """Counts ``ensure_sync`` calls per callable."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        self.wrapped: Counter[t.Any] = Counter()
        super().__init__(*args, **kwargs)

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        self.wrapped[func] += 1
        return super().ensure_sync(func)


def make_sync_app() -> CountingApp:
    app = CountingApp("test_async_counting")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.before_request
    def before() -> None:
        g.before = True

    @app.after_request
    def after(response: Response) -> Response:
        response.headers["X-After"] = "1"
        return response

    @app.teardown_request
    def teardown(exc: BaseException | None) -> None:
        pass

    @app.teardown_appcontext
    def teardown_app(exc: BaseException | None) -> None:
        pass

    @app.context_processor
    def processor() -> dict[str, str]:
        return {"who": "sync"}

    @app.errorhandler(404)
    def not_found(e: NotFound) -> tuple[str, int]:
        return "not here", 404

    @app.errorhandler(KeyError)
    def key_error(e: KeyError) -> str:
        return "key error"

    @app.errorhandler(500)
    def server_error(e: Exception) -> tuple[str, int]:
        return "server error", 500

    @app.get("/")
    def index() -> str:
        return render_template_string("{{ who }}")

    @app.get("/key")
    def key() -> str:
        raise KeyError("k")

    @app.get("/fail")
    def fail() -> str:
        raise ValueError("v")

    class Hello(View):
        def dispatch_request(self, **kwargs: t.Any) -> str:
            return "view"

    class Items(MethodView):
        def get(self) -> str:
            return "items"

    app.add_url_rule("/hello", view_func=Hello.as_view("hello"))
    app.add_url_rule("/items", view_func=Items.as_view("items"))
    return app


URLS = ["/", "/key", "/fail", "/missing", "/hello", "/items"]


def test_ensure_sync_is_called_at_most_once_per_callable() -> None:
    app = make_sync_app()
    client = app.test_client()
    for _ in range(5):
        for url in URLS:
            assert client.get(url).status_code in (200, 404, 500)
    assert app.wrapped
    assert max(app.wrapped.values()) == 1, app.wrapped


def test_no_coroutine_checks_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_sync_app()
    client = app.test_client()
    for url in URLS:  # the first requests prepare and fill the caches
        client.get(url)

    checks: list[t.Any] = []
    original = inspect.iscoroutinefunction

    def counting(func: t.Any) -> bool:
        checks.append(func)
        return original(func)

    monkeypatch.setattr(inspect, "iscoroutinefunction", counting)
    monkeypatch.setattr(type(app), "ensure_sync", _refuse)
    for _ in range(3):
        for url in URLS:
            client.get(url)
    assert checks == []


def _refuse(self: App, func: t.Callable[..., t.Any]) -> t.NoReturn:
    raise AssertionError(f"ensure_sync({func!r}) called during a request")


def test_one_function_in_several_places_is_wrapped_once() -> None:
    """A coroutine function registered under two endpoints and as an async
    MethodView method, prepared again after setup changed, is wrapped by
    ensure_sync once: the app keeps one memo (sync_callable)."""
    app = CountingApp(__name__)

    async def shared() -> str:
        return "shared"

    app.add_url_rule("/a", "a", shared)
    app.add_url_rule("/b", "b", shared)

    class Items(MethodView):
        async def get(self) -> str:
            return "items"

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    with app.app_context():  # prepares the strategies once
        pass
    app.add_url_rule("/c", "c", shared)  # setup changed: prepared again
    client = app.test_client()
    for url in ("/a", "/b", "/c", "/items", "/items"):
        assert client.get(url).status_code == 200
    assert app.wrapped[shared] == 1
    assert app.wrapped[Items.get] == 1
    assert app.sync_callable(shared) is app.sync_callable(shared)
