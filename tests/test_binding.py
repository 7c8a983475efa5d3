"""The view binder strategy (framework/binding.py): what the pipeline calls
for each view, made once at setup."""

from __future__ import annotations

import asyncio
import functools
import threading
import typing as t

import pytest

from framework import App
from framework.binding import ViewBinder
from framework.interfaces import AppLike
from framework.interfaces import ViewBinder as ViewBinderProtocol
from framework.typing import RouteCallable
from framework.views import MethodView


class Doubling(ViewBinder):
    """Binds views that take ``n``: the view sees ``n`` doubled. Counts the
    binds, so tests can tell setup from requests."""

    def __init__(self) -> None:
        self.binds: list[str] = []

    def bind(self, app: AppLike, endpoint: str, view: RouteCallable) -> RouteCallable:
        self.binds.append(endpoint)
        if getattr(view, "takes_n", False) is not True:
            return super().bind(app, endpoint, view)
        if asyncio.iscoroutinefunction(view):

            @functools.wraps(view)
            async def bound_async(**values: t.Any) -> t.Any:
                return await view(n=values["n"] * 2)

            return bound_async

        @functools.wraps(view)
        def bound(**values: t.Any) -> t.Any:
            return view(n=values["n"] * 2)

        return bound


def _takes_n(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    view.takes_n = True  # type: ignore[attr-defined]
    return view


def _app(binder: ViewBinder | None = None) -> App:
    app = App(__name__, view_binder=binder)

    @app.get("/sync/<int:n>")
    @_takes_n
    def sync_view(n: int) -> str:
        return f"{n} in {threading.current_thread().name}"

    @app.get("/async/<int:n>")
    @_takes_n
    async def async_view(n: int) -> str:
        return f"{n} in {threading.current_thread().name}"

    @app.get("/plain/<int:n>")
    def plain(n: int) -> str:
        return str(n)

    return app


def test_the_default_binder_calls_views_as_registered() -> None:
    app = _app()
    assert type(app.view_binder) is ViewBinder
    assert isinstance(app.view_binder, ViewBinderProtocol)
    view = app.view_functions["plain"]
    assert app.view_binder.bind(app, "plain", view) is view
    assert app.test_client().get("/plain/3").text == "3"


def test_the_pipeline_calls_what_the_binder_made(transport: str) -> None:
    app = _app(Doubling())
    client = app.test_client(transport=transport)
    assert client.get("/sync/3").text.startswith("6 in ")
    assert client.get("/async/4").text.startswith("8 in ")
    assert client.get("/plain/5").text == "5"


def test_an_async_view_bound_as_a_coroutine_function_still_runs_on_the_loop() -> None:
    app = _app(Doubling())
    text = app.test_client(transport="asgi").get("/async/1").text
    # Under the ASGI test transport the loop runs in the client's thread;
    # a view sent to the thread pool would name a worker thread instead.
    assert text == "2 in framework-test-client"


def test_views_are_bound_at_setup_not_per_request() -> None:
    binder = Doubling()
    app = _app(binder)
    client = app.test_client()
    for _ in range(3):
        assert client.get("/sync/1").status_code == 200
    binds_after_three = len(binder.binds)
    client.get("/sync/1")
    client.get("/plain/1")
    assert len(binder.binds) == binds_after_three
    assert {"sync_view", "async_view", "plain"} <= set(binder.binds)


def test_registered_views_stay_as_they_are() -> None:
    app = _app(Doubling())
    app.test_client().get("/sync/1")
    assert app.view_functions["sync_view"].__name__ == "sync_view"
    assert not hasattr(app.view_functions["sync_view"], "__wrapped__")


def test_a_view_replaced_after_the_first_request_is_bound_too() -> None:
    binder = Doubling()
    app = _app(binder)
    client = app.test_client()
    assert client.get("/sync/2").text.startswith("4 ")

    @_takes_n
    def replacement(n: int) -> str:
        return f"replaced {n}"

    app.view_functions["sync_view"] = replacement
    assert client.get("/sync/2").text == "replaced 4"


def test_a_binder_comes_from_assignment_or_the_class_attribute() -> None:
    app = _app()
    app.view_binder = Doubling()
    assert app.test_client().get("/sync/3").text.startswith("6 ")

    class DoublingApp(App):
        view_binder_class = Doubling

    sub = DoublingApp(__name__)
    sub.add_url_rule("/<int:n>", view_func=_takes_n(lambda n: str(n)), endpoint="n")
    assert sub.test_client().get("/7").text == "14"


def test_the_binder_cannot_change_after_the_first_request() -> None:
    app = _app()
    app.test_client().get("/plain/1")
    with pytest.raises(AssertionError, match="view_binder"):
        app.view_binder = Doubling()


class Recording(ViewBinder):
    """Wraps the app's previous binder and records the endpoints it saw:
    how an extension adds a binder without replacing another's."""

    def __init__(self, inner: ViewBinderProtocol[t.Any]) -> None:
        self.inner = inner
        self.seen: list[str] = []

    def bind(self, app: AppLike, endpoint: str, view: RouteCallable) -> RouteCallable:
        self.seen.append(endpoint)
        return self.inner.bind(app, endpoint, view)


def test_binders_compose() -> None:
    app = _app(Doubling())
    outer = Recording(app.view_binder)
    app.view_binder = outer
    assert app.test_client().get("/sync/5").text.startswith("10 ")
    assert "sync_view" in outer.seen


def test_class_based_views_and_websocket_handlers() -> None:
    binder = Doubling()
    app = App(__name__, view_binder=binder)

    class Items(MethodView):
        def get(self, n: int) -> str:
            return f"item {n}"

    app.add_url_rule("/items/<int:n>", view_func=Items.as_view("items"))

    @app.websocket("/ws")
    async def ws(websocket: t.Any) -> None:
        await websocket.close()

    assert app.test_client().get("/items/2").text == "item 2"
    assert app.test_client(transport="asgi").get("/items/3").text == "item 3"
    assert "items" in binder.binds
    # A websocket handler takes the socket, not the request's input.
    assert "ws" not in binder.binds
