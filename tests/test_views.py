"""Class-based views: View (dispatch_request, methods, decorators,
provide_automatic_options, init_every_request, as_view) and MethodView
(methods derived from the handlers, inheritance, HEAD, 405, async), on apps
and blueprints. Flask 3.1 is the reference."""

from __future__ import annotations

import asyncio
import functools
import typing as t

import pytest

from framework import App, Blueprint, make_response, request, url_for
from framework.views import MethodView, View


def test_view_dispatch_request_gets_the_url_arguments(app: App) -> None:
    class Greet(View):
        def dispatch_request(self, name: str) -> str:
            return f"hello {name} ({request.method})"

    app.add_url_rule("/hello/<name>", view_func=Greet.as_view("greet"))
    client = app.test_client()
    assert client.get("/hello/ann").text == "hello ann (GET)"
    # Without ``methods`` the route's default (GET, with HEAD and OPTIONS).
    assert client.head("/hello/ann").status_code == 200
    assert client.post("/hello/ann").status_code == 405


def test_view_methods(app: App) -> None:
    class Echo(View):
        methods = ["GET", "POST"]

        def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/echo", view_func=Echo.as_view("echo"))
    client = app.test_client()
    assert client.get("/echo").text == "GET"
    assert client.post("/echo").text == "POST"
    response = client.delete("/echo")
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_view_methods_can_be_overridden_by_the_rule(app: App) -> None:
    class Echo(View):
        methods = ["GET"]

        def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/echo", view_func=Echo.as_view("echo"), methods=["PUT"])
    client = app.test_client()
    assert client.put("/echo").text == "PUT"
    assert client.get("/echo").status_code == 405


def test_view_without_dispatch_request_fails_loudly(app: App) -> None:
    class Empty(View):
        pass

    app.add_url_rule("/", view_func=Empty.as_view("empty"))
    with pytest.raises(NotImplementedError):
        app.test_client().get("/")


def test_as_view_name_and_attributes(app: App) -> None:
    class Documented(View):
        """The docstring."""

        methods = ["GET"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return "x"

    view = Documented.as_view("named")
    assert view.__name__ == "named"
    assert view.__doc__ == "The docstring."
    assert view.__module__ == Documented.__module__
    assert view.view_class is Documented  # type: ignore[attr-defined]
    assert view.methods == ["GET"]  # type: ignore[attr-defined]
    assert view.provide_automatic_options is False  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=view)
    assert app.view_functions["named"] is view
    with app.test_request_context():
        assert url_for("named") == "/"


def test_decorators_are_applied_in_order(app: App) -> None:
    def tag(label: str) -> t.Callable[[t.Callable[..., str]], t.Callable[..., str]]:
        def decorator(f: t.Callable[..., str]) -> t.Callable[..., str]:
            @functools.wraps(f)
            def wrapper(**kwargs: t.Any) -> str:
                return f"{label}({f(**kwargs)})"

            return wrapper

        return decorator

    class Tagged(View):
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self, n: int) -> str:
            return str(n)

    view = Tagged.as_view("tagged")
    app.add_url_rule("/<int:n>", view_func=view)
    assert app.test_client().get("/5").text == "outer(inner(5))"
    assert view.view_class is Tagged  # type: ignore[attr-defined]
    assert view.__name__ == "tagged"


def test_decorators_see_the_view_name(app: App) -> None:
    """Flask names the function before decorating it, so a decorator that
    records ``f.__name__`` (a login or cache decorator) sees ``name``."""
    seen: list[str] = []

    def record_name(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        seen.append(f.__name__)
        return f

    class Recorded(View):
        decorators = [record_name]

        def dispatch_request(self) -> str:
            return "x"

    Recorded.as_view("recorded")
    assert seen == ["recorded"]


def test_decorator_can_stop_the_request(app: App) -> None:
    def deny(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        @functools.wraps(f)
        def wrapper(**kwargs: t.Any) -> t.Any:
            if request.args.get("token") != "ok":
                return "forbidden", 403
            return f(**kwargs)

        return wrapper

    class Secret(View):
        decorators = [deny]

        def dispatch_request(self) -> str:
            return "secret"

    app.add_url_rule("/secret", view_func=Secret.as_view("secret"))
    client = app.test_client()
    assert client.get("/secret").status_code == 403
    assert client.get("/secret?token=ok").text == "secret"


def test_provide_automatic_options(app: App) -> None:
    class Auto(View):
        def dispatch_request(self) -> str:
            return request.method

    class Manual(View):
        methods = ["GET", "OPTIONS"]
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return f"manual {request.method}"

    class NoOptions(View):
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return request.method

    app.add_url_rule("/auto", view_func=Auto.as_view("auto"))
    app.add_url_rule("/manual", view_func=Manual.as_view("manual"))
    app.add_url_rule("/none", view_func=NoOptions.as_view("none"))
    client = app.test_client()
    auto = client.options("/auto")
    assert auto.status_code == 200
    assert auto.text == ""
    assert set(auto.allow) == {"GET", "HEAD", "OPTIONS"}
    assert client.options("/manual").text == "manual OPTIONS"
    assert client.options("/none").status_code == 405


def test_init_every_request_true_makes_an_instance_per_request(app: App) -> None:
    made: list[t.Any] = []

    class Counter(View):
        def __init__(self, start: int, *, step: int) -> None:
            made.append(self)
            self.value = start
            self.step = step

        def dispatch_request(self) -> str:
            self.value += self.step
            return str(self.value)

    app.add_url_rule("/", view_func=Counter.as_view("counter", 10, step=5))
    assert made == []
    client = app.test_client()
    assert [client.get("/").text for _ in range(3)] == ["15", "15", "15"]
    assert len(made) == 3
    assert len({id(instance) for instance in made}) == 3


def test_init_every_request_false_uses_one_instance(app: App) -> None:
    made: list[t.Any] = []

    class Counter(View):
        init_every_request = False

        def __init__(self, start: int, *, step: int) -> None:
            made.append(self)
            self.value = start
            self.step = step

        def dispatch_request(self) -> str:
            self.value += self.step
            return str(self.value)

    view = Counter.as_view("counter", 10, step=5)
    assert len(made) == 1
    app.add_url_rule("/", view_func=view)
    client = app.test_client()
    assert [client.get("/").text for _ in range(3)] == ["15", "20", "25"]
    assert len(made) == 1


def test_same_view_class_under_two_names(app: App) -> None:
    class Hello(View):
        def __init__(self, who: str) -> None:
            self.who = who

        def dispatch_request(self) -> str:
            return f"{request.endpoint} {self.who}"

    app.add_url_rule("/a", view_func=Hello.as_view("a", "ann"))
    app.add_url_rule("/b", view_func=Hello.as_view("b", "bob"))
    client = app.test_client()
    assert client.get("/a").text == "a ann"
    assert client.get("/b").text == "b bob"


def test_async_dispatch_request(app: App) -> None:
    class Slow(View):
        async def dispatch_request(self) -> str:  # type: ignore[override]
            await asyncio.sleep(0)
            return "async view"

    app.add_url_rule("/", view_func=Slow.as_view("slow"))
    assert app.test_client().get("/").text == "async view"


# -- MethodView ---------------------------------------------------------------


class ItemAPI(MethodView):
    def get(self, item_id: int) -> dict[str, t.Any]:
        return {"id": item_id, "method": request.method}

    def delete(self, item_id: int) -> tuple[str, int]:
        return "", 204


def test_method_view_methods_come_from_the_handlers() -> None:
    assert ItemAPI.methods == {"GET", "DELETE"}


def test_method_view_dispatches_by_method(app: App) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
    client = app.test_client()
    assert client.get("/items/3").json == {"id": 3, "method": "GET"}
    assert client.delete("/items/3").status_code == 204


def test_method_view_head_falls_back_to_get(app: App) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
    response = app.test_client().head("/items/3")
    assert response.status_code == 200
    assert response.data == b""
    assert response.mimetype == "application/json"


def test_method_view_explicit_head(app: App) -> None:
    class WithHead(MethodView):
        def get(self) -> str:
            return "get"

        def head(self) -> tuple[str, int, dict[str, str]]:
            return "", 200, {"X-Head": "own"}

    app.add_url_rule("/", view_func=WithHead.as_view("with_head"))
    assert app.test_client().head("/").headers["X-Head"] == "own"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_method_view_undefined_method_is_405(app: App, method: str) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
    response = app.test_client().open("/items/3", method=method)
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "DELETE", "OPTIONS"}


def test_method_view_automatic_options(app: App) -> None:
    app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
    response = app.test_client().options("/items/3")
    assert response.status_code == 200
    assert set(response.allow) == {"GET", "HEAD", "DELETE", "OPTIONS"}


def test_method_view_inheritance_adds_methods(app: App) -> None:
    class Base(MethodView):
        def get(self) -> str:
            return "base get"

    class WithPost(Base):
        def post(self) -> str:
            return "child post"

    class Override(WithPost):
        def get(self) -> str:
            return "override get"

    assert Base.methods == {"GET"}
    assert WithPost.methods == {"GET", "POST"}
    assert Override.methods == {"GET", "POST"}
    app.add_url_rule("/base", view_func=Base.as_view("base"))
    app.add_url_rule("/child", view_func=WithPost.as_view("child"))
    app.add_url_rule("/override", view_func=Override.as_view("override"))
    client = app.test_client()
    assert client.get("/child").text == "base get"
    assert client.post("/child").text == "child post"
    assert client.post("/base").status_code == 405
    assert client.get("/override").text == "override get"
    assert client.post("/override").text == "child post"


def test_method_view_mixin_handlers_count(app: App) -> None:
    class DeleteMixin:
        def delete(self) -> str:
            return "deleted"

    class Resource(DeleteMixin, MethodView):
        def get(self) -> str:
            return "got"

    assert Resource.methods == {"GET", "DELETE"}
    app.add_url_rule("/", view_func=Resource.as_view("resource"))
    assert app.test_client().delete("/").text == "deleted"


def test_method_view_explicit_methods_win(app: App) -> None:
    class Limited(MethodView):
        methods = ["GET"]

        def get(self) -> str:
            return "get"

        def post(self) -> str:
            return "post"

    assert Limited.methods == ["GET"]
    app.add_url_rule("/", view_func=Limited.as_view("limited"))
    assert app.test_client().post("/").status_code == 405


def test_method_view_without_handlers_keeps_default_methods(app: App) -> None:
    class Nothing(MethodView):
        pass

    assert Nothing.methods is None


def test_method_view_async_handlers(app: App) -> None:
    class AsyncAPI(MethodView):
        async def get(self) -> str:
            await asyncio.sleep(0)
            return "async get"

        async def post(self) -> tuple[str, int]:
            await asyncio.sleep(0)
            return f"async post {request.get_json()['n']}", 201

    assert AsyncAPI.methods == {"GET", "POST"}
    app.add_url_rule("/", view_func=AsyncAPI.as_view("async_api"))
    client = app.test_client()
    assert client.get("/").text == "async get"
    created = client.post("/", json={"n": 1})
    assert (created.status_code, created.text) == (201, "async post 1")
    assert client.head("/").status_code == 200


def test_method_view_with_constructor_and_decorators(app: App) -> None:
    def add_header(f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        @functools.wraps(f)
        def wrapper(**kwargs: t.Any) -> t.Any:
            response = make_response(f(**kwargs))
            response.headers["X-Decorated"] = "yes"
            return response

        return wrapper

    class Store(MethodView):
        decorators = [add_header]
        init_every_request = False

        def __init__(self, items: list[str]) -> None:
            self.items = items

        def get(self) -> str:
            return ",".join(self.items)

        def post(self) -> tuple[str, int]:
            self.items.append(request.form["item"])
            return "added", 201

    app.add_url_rule("/store", view_func=Store.as_view("store", ["a"]))
    client = app.test_client()
    assert client.post("/store", data={"item": "b"}).status_code == 201
    response = client.get("/store")
    assert response.text == "a,b"
    assert response.headers["X-Decorated"] == "yes"
    # A missing form field is the client's error.
    assert client.post("/store", data={}).status_code == 400


# -- on blueprints -------------------------------------------------------------


def test_class_based_views_on_a_blueprint(app: App) -> None:
    bp = Blueprint("api", __name__, url_prefix="/api")

    class Items(MethodView):
        def get(self) -> dict[str, t.Any]:
            return {
                "endpoint": request.endpoint,
                "blueprint": request.blueprint,
                "self": url_for(".items"),
                "item": url_for(".item", item_id=1),
            }

        def post(self) -> tuple[str, int]:
            return "created", 201

    bp.add_url_rule("/items", view_func=Items.as_view("items"))
    bp.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/api/items").json == {
        "endpoint": "api.items",
        "blueprint": "api",
        "self": "/api/items",
        "item": "/api/items/1",
    }
    assert client.post("/api/items").status_code == 201
    assert client.get("/api/items/2").json == {"id": 2, "method": "GET"}
    assert client.put("/api/items/2").status_code == 405
    assert client.get("/api/items/x").status_code == 404


def test_dot_in_as_view_name_on_a_blueprint_is_an_error() -> None:
    bp = Blueprint("bp", __name__)
    with pytest.raises(ValueError):
        bp.add_url_rule("/", view_func=ItemAPI.as_view("a.b"))


def test_view_class_set_on_the_function_is_the_one_instantiated(app: App) -> None:
    """With a new instance per request, the class is read from the view
    function each time, as Flask does."""

    class First(View):
        def dispatch_request(self) -> str:
            return "first"

    class Second(View):
        def dispatch_request(self) -> str:
            return "second"

    view = First.as_view("swap")
    app.add_url_rule("/swap", view_func=view)
    client = app.test_client()
    assert client.get("/swap").text == "first"
    view.view_class = Second  # type: ignore[attr-defined]
    assert client.get("/swap").text == "second"


def test_method_view_finds_a_method_added_after_the_class() -> None:
    """The methods found when the class was made answer without a search;
    one added later is still found."""

    class Thing(MethodView):
        def get(self) -> str:
            return "got"

    def post(self: Thing) -> str:
        return "posted"

    app = App(__name__)
    app.add_url_rule("/", view_func=Thing.as_view("thing"), methods=["GET", "POST"])
    Thing.post = post  # type: ignore[attr-defined]
    client = app.test_client()
    assert client.get("/").get_data(as_text=True) == "got"
    assert client.head("/").status_code == 200
    assert client.post("/").get_data(as_text=True) == "posted"
