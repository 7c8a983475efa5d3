"""Execution contexts and proxies: ``framework/ctx.py`` and ``globals.py``."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import typing as t

import pytest

from framework import (
    App,
    copy_current_request_context,
    current_app,
    g,
    has_app_context,
    has_request_context,
    redirect,
    request,
    session,
    stream_with_context,
)
from framework.ctx import AppContext, RequestContext, _AppCtxGlobals
from framework.testing import AppClient

# -- proxies outside and inside contexts ---------------------------------------


# Every test runs through the WSGI and the ASGI callable (see the
# ``transport`` fixture in conftest.py): a difference between them fails.
pytestmark = pytest.mark.usefixtures("transport")


@pytest.mark.one_transport
def test_proxies_outside_any_context_raise() -> None:
    assert not has_app_context()
    assert not has_request_context()
    with pytest.raises(RuntimeError, match="application context"):
        current_app.name  # noqa: B018
    with pytest.raises(RuntimeError, match="application context"):
        g.x  # noqa: B018
    with pytest.raises(RuntimeError, match="request context"):
        request.path  # noqa: B018
    with pytest.raises(RuntimeError, match="request context"):
        session.get("x")


@pytest.mark.one_transport
def test_proxies_inside_app_context(app: App) -> None:
    with app.app_context():
        assert has_app_context()
        assert not has_request_context()
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert current_app.name == "test_app"
        g.value = 42
        assert g.value == 42
        with pytest.raises(RuntimeError, match="request context"):
            request.path  # noqa: B018
        with pytest.raises(RuntimeError, match="request context"):
            session.get("x")
    assert not has_app_context()


@pytest.mark.one_transport
def test_proxies_inside_request_context(app: App) -> None:
    with app.test_request_context("/path?q=1", method="POST") as ctx:
        assert isinstance(ctx, RequestContext)
        assert has_app_context()
        assert has_request_context()
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert request._get_current_object() is ctx.request  # type: ignore[attr-defined]
        assert request.path == "/path"
        assert request.args["q"] == "1"
        assert request.method == "POST"
        g.user = "ann"
        assert ctx.g.user == "ann"
    assert not has_request_context()
    assert not has_app_context()


@pytest.mark.one_transport
def test_app_context_nesting_gives_each_its_own_g(app: App) -> None:
    other = App("other_app")
    with app.app_context():
        g.level = "outer"
        with app.app_context():
            assert current_app._get_current_object() is app  # type: ignore[attr-defined]
            assert "level" not in g
            g.level = "inner"
            with other.app_context():
                assert current_app._get_current_object() is other  # type: ignore[attr-defined]
                assert "level" not in g
            assert current_app._get_current_object() is app  # type: ignore[attr-defined]
            assert g.level == "inner"
        assert g.level == "outer"
    assert not has_app_context()


@pytest.mark.one_transport
def test_same_app_context_pushed_twice_tears_down_once(app: App) -> None:
    calls: list[BaseException | None] = []
    app.teardown_appcontext(calls.append)
    ctx = app.app_context()
    with ctx:
        with ctx:
            g.x = 1
        assert calls == []
        assert g.x == 1
    assert calls == [None]


@pytest.mark.one_transport
def test_request_context_inside_app_context_shares_g(app: App) -> None:
    with app.app_context():
        g.shared = "from app context"
        with app.test_request_context("/"):
            assert g.shared == "from app context"
            g.added = "from request"
        assert g.added == "from request"


@pytest.mark.one_transport
def test_request_context_inside_other_apps_context_has_own_g(app: App) -> None:
    other = App("other_app")
    with other.app_context():
        g.shared = "other"
        with app.test_request_context("/"):
            assert current_app._get_current_object() is app  # type: ignore[attr-defined]
            assert "shared" not in g
        assert g.shared == "other"


# -- g -------------------------------------------------------------------------


@pytest.mark.one_transport
def test_g_methods(app: App) -> None:
    with app.app_context():
        assert g.get("missing") is None
        assert g.get("missing", "dflt") == "dflt"
        with pytest.raises(AttributeError):
            g.missing  # noqa: B018
        g.a = 1
        assert g.get("a") == 1
        assert "a" in g
        assert "b" not in g
        assert g.setdefault("b", 2) == 2
        assert g.setdefault("b", 3) == 2
        assert sorted(g) == ["a", "b"]
        assert g.pop("a") == 1
        assert "a" not in g
        assert g.pop("a", "gone") == "gone"
        with pytest.raises(KeyError):
            g.pop("a")
        del g.b
        assert list(g) == []
        assert "test_app" in repr(g)


@pytest.mark.one_transport
def test_g_get_reads_only_what_was_set(app: App) -> None:
    with app.app_context():
        # The namespace's own methods and Python's attributes are not
        # values set on g.
        assert g.get("pop") is None
        assert g.get("get", "dflt") == "dflt"
        assert g.get("__class__") is None
        assert g.get("_display_name") is None
        assert g.get(3, "dflt") == "dflt"  # type: ignore[arg-type]
        g.pop = "set"  # type: ignore[assignment]
        assert g.get("pop") == "set"
        g.n = 0
        assert g.get("n", 5) == 0
        g.nothing = None
        assert g.get("nothing", 5) is None


@pytest.mark.one_transport
def test_g_get_of_a_subclass_ignores_its_attributes(app: App) -> None:
    class WithDefaults(_AppCtxGlobals):
        limit = 10

        @property
        def computed(self) -> int:
            return 1

    class Lenient(_AppCtxGlobals):
        def __getattr__(self, name: str) -> t.Any:
            return "made up"

    app.app_ctx_globals_class = WithDefaults
    with app.app_context():
        assert g.limit == 10
        assert g.get("limit") is None
        assert g.get("computed") is None
        g.limit = 3
        assert g.get("limit") == 3
    app.app_ctx_globals_class = Lenient
    with app.app_context():
        assert g.anything == "made up"
        assert g.get("anything") is None
        g.anything = 1
        assert g.get("anything") == 1


@pytest.mark.one_transport
def test_custom_app_ctx_globals_class(app: App) -> None:
    class MyGlobals(_AppCtxGlobals):
        def answer(self) -> int:
            return 42

    app.app_ctx_globals_class = MyGlobals
    with app.app_context():
        assert g.answer() == 42


# -- teardown ------------------------------------------------------------------


@pytest.mark.one_transport
def test_teardown_appcontext_runs_when_app_context_pops(app: App) -> None:
    calls: list[BaseException | None] = []

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        assert has_app_context()
        calls.append(exc)

    with app.app_context():
        assert calls == []
    assert calls == [None]


@pytest.mark.one_transport
def test_teardown_appcontext_receives_the_exception(app: App) -> None:
    calls: list[BaseException | None] = []
    app.teardown_appcontext(calls.append)
    error = ValueError("in block")
    with pytest.raises(ValueError), app.app_context():
        raise error
    assert calls == [error]


def test_teardown_appcontext_runs_after_each_request(
    app: App, client: AppClient
) -> None:
    calls: list[BaseException | None] = []
    app.teardown_appcontext(calls.append)

    @app.route("/")
    def index() -> str:
        return "ok"

    client.get("/")
    client.get("/")
    assert calls == [None, None]


@pytest.mark.one_transport
def test_teardown_appcontext_left_to_outer_app_context(app: App) -> None:
    calls: list[BaseException | None] = []
    app.teardown_appcontext(calls.append)
    with app.app_context():
        with app.test_request_context("/"):
            pass
        assert calls == []
    assert calls == [None]


# -- isolation across threads and tasks ------------------------------------------


@pytest.mark.one_transport
def test_request_contexts_isolated_across_threads(app: App) -> None:
    barrier = threading.Barrier(2, timeout=5)
    results: dict[str, tuple[str, str, str]] = {}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            with app.test_request_context(f"/{name}?who={name}"):
                g.name = name
                barrier.wait()  # both contexts are pushed now
                results[name] = (request.path, request.args["who"], g.name)
                barrier.wait()  # both read before either pops
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert errors == []
    assert results == {"a": ("/a", "a", "a"), "b": ("/b", "b", "b")}
    assert not has_request_context()


@pytest.mark.one_transport
def test_main_thread_context_not_visible_in_other_thread(app: App) -> None:
    seen: list[bool] = []
    with app.test_request_context("/"):
        thread = threading.Thread(
            target=lambda: seen.append(has_app_context() or has_request_context())
        )
        thread.start()
        thread.join(5)
    assert seen == [False]


@pytest.mark.one_transport
def test_request_contexts_isolated_across_asyncio_tasks(app: App) -> None:
    async def worker(name: str, barrier: asyncio.Barrier) -> tuple[str, str]:
        with app.test_request_context(f"/{name}"):
            g.name = name
            await barrier.wait()
            await asyncio.sleep(0)
            return request.path, g.name

    async def main() -> list[tuple[str, str]]:
        barrier = asyncio.Barrier(2)
        return list(await asyncio.gather(worker("a", barrier), worker("b", barrier)))

    assert asyncio.run(main()) == [("/a", "a"), ("/b", "b")]
    assert not has_app_context()


def test_async_view_sees_request(app: App, client: AppClient) -> None:
    @app.route("/async")
    async def view() -> str:
        await asyncio.sleep(0)
        return f"{request.path} {current_app.name}"

    assert client.get("/async").data == b"/async test_app"


# -- copy_current_request_context ------------------------------------------------


def test_copy_current_request_context_in_other_thread(
    app: App, client: AppClient
) -> None:
    seen: dict[str, t.Any] = {}

    @app.route("/work")
    def work() -> str:
        @copy_current_request_context
        def job() -> None:
            seen["path"] = request.path
            seen["arg"] = request.args["n"]
            seen["request"] = request._get_current_object()  # type: ignore[attr-defined]
            seen["app"] = current_app._get_current_object()  # type: ignore[attr-defined]

        seen["outer"] = request._get_current_object()  # type: ignore[attr-defined]
        thread = threading.Thread(target=job)
        thread.start()
        thread.join(5)
        return "done"

    assert client.get("/work?n=7").data == b"done"
    assert seen["path"] == "/work"
    assert seen["arg"] == "7"
    assert seen["request"] is seen["outer"]
    assert seen["app"] is app


def test_copy_current_request_context_after_the_response(
    app: App, client: AppClient
) -> None:
    """Background work may run after the view returned."""
    go = threading.Event()
    seen: list[str] = []
    threads: list[threading.Thread] = []

    @app.route("/later")
    def later() -> str:
        @copy_current_request_context
        def job() -> None:
            go.wait(5)
            seen.append(f"{request.path}?{request.query_string.decode()}")

        thread = threading.Thread(target=job)
        thread.start()
        threads.append(thread)
        return "accepted"

    assert client.get("/later?id=3").data == b"accepted"
    go.set()
    threads[0].join(5)
    assert seen == ["/later?id=3"]


@pytest.mark.one_transport
def test_copy_current_request_context_outside_request_raises(app: App) -> None:
    with pytest.raises(RuntimeError):
        copy_current_request_context(lambda: None)
    with app.app_context(), pytest.raises(RuntimeError):
        copy_current_request_context(lambda: None)


# -- popping -----------------------------------------------------------------------


@pytest.mark.one_transport
def test_popping_wrong_app_context_raises(app: App) -> None:
    def scenario() -> None:
        first = app.app_context()
        second = app.app_context()
        first.push()
        second.push()
        with pytest.raises(AssertionError):
            first.pop()

    contextvars.copy_context().run(scenario)
    assert not has_app_context()


@pytest.mark.one_transport
def test_popping_wrong_request_context_raises(app: App) -> None:
    def scenario() -> None:
        first = app.test_request_context("/first")
        second = app.test_request_context("/second")
        first.push()
        second.push()
        with pytest.raises(AssertionError):
            first.pop()

    contextvars.copy_context().run(scenario)
    assert not has_request_context()


@pytest.mark.one_transport
def test_contexts_pop_in_order(app: App) -> None:
    outer = app.app_context()
    inner = app.test_request_context("/")
    outer.push()
    inner.push()
    assert has_request_context()
    inner.pop()
    assert has_app_context() and not has_request_context()
    outer.pop()
    assert not has_app_context()


# -- stream_with_context ------------------------------------------------------------


def test_stream_with_context_keeps_request_while_streaming(
    app: App, client: AppClient
) -> None:
    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            yield "path="
            yield request.path
            yield " name="
            yield request.args["name"]

        return stream_with_context(generate())

    response = client.get("/stream?name=ann")
    assert response.status_code == 200
    assert response.data == b"path=/stream name=ann"
    assert not has_request_context()


def test_stream_with_context_as_decorator(app: App, client: AppClient) -> None:
    @app.route("/stream")
    def stream() -> t.Any:
        @stream_with_context
        def generate() -> t.Iterator[str]:
            yield f"{request.method} {g.get('marker')}"

        g.marker = "kept"
        return generate()

    assert client.get("/stream").data == b"GET kept"


def test_plain_generator_has_no_request_while_streaming(
    app: App, client: AppClient
) -> None:
    """The counterpart: without stream_with_context the request is gone."""
    seen: list[bool] = []

    @app.route("/stream")
    def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            seen.append(has_request_context())
            yield "body"

        return generate()

    assert client.get("/stream").data == b"body"
    assert seen == [False]


@pytest.mark.one_transport
def test_stream_with_context_outside_request_raises(app: App) -> None:
    with pytest.raises(RuntimeError):
        stream_with_context(iter(["x"]))


# -- the null session ----------------------------------------------------------------


@pytest.mark.one_transport
def test_session_is_empty_null_session(app: App) -> None:
    with app.test_request_context("/"):
        assert session.get("user") is None
        assert "user" not in session
        assert len(session) == 0
        assert dict(session) == {}
        assert not session.permanent


@pytest.mark.one_transport
def test_session_write_raises_mentioning_secret_key(app: App) -> None:
    with app.test_request_context("/"):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            session["user"] = "ann"
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            session.update(user="ann")
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            session.setdefault("user", "ann")
        assert dict(session) == {}


def test_session_read_in_view_is_empty(app: App, client: AppClient) -> None:
    @app.route("/")
    def index() -> str:
        return f"user={session.get('user')!r}"

    response = client.get("/")
    assert response.data == b"user=None"
    assert "Set-Cookie" not in response.headers


@pytest.mark.one_transport
def test_app_context_is_app_context_instance(app: App) -> None:
    ctx = app.app_context()
    assert isinstance(ctx, AppContext)
    assert not isinstance(ctx, RequestContext)
    assert ctx.app is app


def test_teardown_appcontext_runs_after_the_request_is_gone(app: App) -> None:
    seen: list[tuple[bool, bool, str | None]] = []

    @app.teardown_appcontext
    def check(exc: BaseException | None) -> None:
        seen.append((has_request_context(), has_app_context(), g.get("user")))

    @app.get("/")
    def index() -> str:
        g.user = "ann"
        return "ok"

    app.test_client().get("/")
    assert seen == [(False, True, "ann")]


@pytest.mark.one_transport
def test_request_ctx_proxy_is_false_in_an_app_context(app: App) -> None:
    from framework.globals import request_ctx

    with app.app_context():
        assert not request_ctx
        assert not request
    with app.test_request_context("/"):
        assert request_ctx
        assert request_ctx.request is request._get_current_object()  # type: ignore[attr-defined]


@pytest.mark.one_transport
def test_app_ctx_proxy_is_the_app_context_itself(app: App) -> None:
    from framework.globals import app_ctx

    with app.app_context() as ctx:
        assert app_ctx._get_current_object() is ctx  # type: ignore[attr-defined]


def test_app_ctx_is_one_object_for_a_request_and_its_teardown(app: App) -> None:
    # Extensions key per-context state on app_ctx (Flask-SQLAlchemy's
    # scoped session) and clean it up in teardown_appcontext.
    from framework.globals import app_ctx

    seen: list[object] = []

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        seen.append(app_ctx._get_current_object())  # type: ignore[attr-defined]

    @app.get("/")
    def index() -> str:
        seen.append(app_ctx._get_current_object())  # type: ignore[attr-defined]
        seen.append(app_ctx._get_current_object())  # type: ignore[attr-defined]
        g.user = "ann"
        return "ok"

    app.test_client().get("/")
    app.test_client().get("/")
    assert len(seen) == 6
    assert seen[0] is seen[1] is seen[2]
    assert seen[3] is seen[4] is seen[5]
    assert seen[0] is not seen[3]
    # A request pushed on its own is its own app context: no second object.
    assert isinstance(seen[0], AppContext)
    assert isinstance(seen[0], RequestContext)


@pytest.mark.one_transport
def test_app_ctx_of_a_request_shares_its_g(app: App) -> None:
    from framework.globals import app_ctx

    with app.test_request_context("/"):
        g.user = "ann"
        assert app_ctx.g.user == "ann"
        app_ctx.g.role = "admin"
        assert g.role == "admin"


@pytest.mark.one_transport
def test_app_ctx_of_a_request_inside_an_app_context_is_the_outer(app: App) -> None:
    from framework.globals import app_ctx

    with app.app_context() as outer, app.test_request_context("/"):
        assert app_ctx._get_current_object() is outer  # type: ignore[attr-defined]


@pytest.mark.one_transport
def test_request_context_pushed_again_alone_gets_its_own_app_context(
    app: App,
) -> None:
    # Pushed inside an app context, the request borrows its app context and
    # g; pushed again on its own, it must not run its teardown in that
    # (finished) outer context or keep the outer's g.
    from framework.globals import app_ctx

    torn_down_in: list[object] = []

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        torn_down_in.append(app_ctx._get_current_object())  # type: ignore[attr-defined]

    ctx = app.test_request_context("/")
    with app.app_context() as outer:
        g.owner = "outer"
        with ctx:
            assert app_ctx._get_current_object() is outer  # type: ignore[attr-defined]
    assert torn_down_in == [outer]
    with ctx:
        own = app_ctx._get_current_object()  # type: ignore[attr-defined]
        assert own is not outer
        assert "owner" not in g
    assert torn_down_in == [outer, own]


def test_async_view_can_stream_with_context(app: App) -> None:
    @app.get("/stream")
    async def stream() -> t.Any:
        def generate() -> t.Iterator[str]:
            yield "path="
            yield request.path

        return stream_with_context(generate())

    response = app.test_client().get("/stream")
    assert response.status_code == 200
    assert response.data == b"path=/stream"


def test_with_client_and_redirects_keep_the_final_requests_g(app: App) -> None:
    @app.get("/go")
    def go() -> t.Any:
        g.go = 1
        return redirect("/dest")

    @app.get("/dest")
    def dest() -> str:
        g.seen = 1
        return "arrived"

    with app.test_client() as client:
        assert client.get("/go", follow_redirects=True).data == b"arrived"
        assert request.path == "/dest"
        assert "seen" in g and "go" not in g


# -- Flask's context variables: _cv_app and _cv_request ----------------------------


@pytest.mark.one_transport
def test_cv_request_is_none_in_a_bare_app_context(app: App) -> None:
    from framework.ctx import _cv_app, _cv_request

    assert _cv_app.get(None) is None
    assert _cv_request.get(None) is None
    with pytest.raises(LookupError):
        _cv_app.get()
    with pytest.raises(LookupError):
        _cv_request.get()
    with app.app_context() as ctx:
        assert _cv_app.get() is ctx
        assert _cv_request.get(None) is None
        with pytest.raises(LookupError):
            _cv_request.get()


@pytest.mark.one_transport
def test_cv_request_is_the_request_context_inside_a_request(app: App) -> None:
    from framework.ctx import _cv_app, _cv_request
    from framework.globals import app_ctx

    with app.test_request_context("/") as ctx:
        assert _cv_request.get() is ctx
        # A request pushed on its own is its own app context.
        assert _cv_app.get() is ctx
        assert _cv_app.get() is app_ctx._get_current_object()  # type: ignore[attr-defined]
    with app.app_context() as outer, app.test_request_context("/") as ctx:
        assert _cv_request.get() is ctx
        assert _cv_app.get() is outer


@pytest.mark.one_transport
def test_cv_app_set_and_reset_without_pushing(app: App) -> None:
    # Extensions (and background-thread code) set the variable directly.
    from framework.ctx import _cv_app

    calls: list[BaseException | None] = []
    app.teardown_appcontext(calls.append)
    token = _cv_app.set(AppContext(app))
    try:
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        g.x = 1
        assert g.x == 1
    finally:
        _cv_app.reset(token)
    assert not has_app_context()
    assert calls == []  # set is not a push: no teardown


@pytest.mark.one_transport
def test_cv_request_set_none_leaves_the_app_context(app: App) -> None:
    from framework.ctx import _cv_request

    with app.test_request_context("/"):
        g.kept = "yes"
        token = _cv_request.set(None)
        try:
            assert not has_request_context()
            assert has_app_context()
            assert current_app.name == app.name
            assert g.kept == "yes"
        finally:
            _cv_request.reset(token)
        assert request.path == "/"


@pytest.mark.one_transport
def test_app_context_pushed_during_a_request_keeps_the_request(app: App) -> None:
    from framework.ctx import _cv_app, _cv_request
    from framework.globals import request_ctx

    with app.test_request_context("/inner?x=1") as req:
        g.level = "request"
        with app.app_context() as inner:
            # As in Flask: a new app context (its own g) over the request.
            assert _cv_app.get() is inner
            assert _cv_request.get() is req
            assert has_request_context()
            assert request.args["x"] == "1"
            assert request_ctx._get_current_object() is req  # type: ignore[attr-defined]
            assert "level" not in g
            with App("other").app_context():
                assert request.path == "/inner"
        assert g.level == "request"
    assert not has_request_context()


@pytest.mark.one_transport
def test_app_context_has_no_session_attribute_without_a_request(app: App) -> None:
    # Flask's app context has no session; Flask-SocketIO tells Flask
    # versions apart with hasattr(app_ctx, "session").
    from framework.globals import app_ctx

    with app.app_context():
        assert not hasattr(app_ctx, "session")
        with pytest.raises(RuntimeError, match="request context"):
            session.get("x")
    with app.test_request_context("/"):
        assert hasattr(app_ctx, "session")


# -- reference counting and order ---------------------------------------------------


def test_context_refcounts_inside_a_view(app: App, client: AppClient) -> None:
    # Pushing the request's own app and request context again inside the
    # view counts up; only the outermost pop tears down, in Flask's order.
    from framework.globals import app_ctx, request_ctx

    called: list[str] = []
    app.teardown_request(lambda exc: called.append("request"))
    app.teardown_appcontext(lambda exc: called.append("app"))

    @app.get("/")
    def index() -> str:
        with app_ctx, request_ctx:
            pass
        assert request.environ["werkzeug.request"] is not None
        return "ok"

    assert client.get("/").data == b"ok"
    assert called == ["request", "app"]


@pytest.mark.one_transport
def test_popping_out_of_order_names_both_contexts(app: App) -> None:
    def scenario() -> None:
        first = app.test_request_context("/first")
        second = app.test_request_context("/second")
        first.push()
        second.push()
        with pytest.raises(AssertionError, match=r"Popped wrong request context\."):
            first.pop()

    contextvars.copy_context().run(scenario)

    def app_scenario() -> None:
        first = app.app_context()
        first.push()
        app.app_context().push()
        with pytest.raises(AssertionError, match=r"Popped wrong app context\."):
            first.pop()

    contextvars.copy_context().run(app_scenario)


@pytest.mark.one_transport
def test_teardown_appcontext_of_a_request_sees_no_request(app: App) -> None:
    from framework.globals import app_ctx

    seen: list[t.Any] = []

    @app.teardown_appcontext
    def teardown(exc: BaseException | None) -> None:
        seen.append((has_request_context(), g.user, app_ctx._get_current_object()))  # type: ignore[attr-defined]

    with app.test_request_context("/") as ctx:
        g.user = "ann"
    assert seen == [(False, "ann", ctx)]


# -- extension state on context objects ---------------------------------------------


def test_objects_an_extension_reaches_take_new_attributes(app: App) -> None:
    from framework import Blueprint
    from framework.globals import app_ctx, request_ctx

    blueprint = Blueprint("bp", __name__)
    blueprint._ext_state = "bp"  # type: ignore[attr-defined]
    app._ext_state = "app"  # type: ignore[attr-defined]
    app.register_blueprint(blueprint)
    seen: dict[str, t.Any] = {}

    @app.after_request
    def after(response: t.Any) -> t.Any:
        response._ext_state = "response"
        seen["response"] = response._ext_state
        return response

    @app.get("/")
    def index() -> str:
        # Flask-Limiter keeps its per-request state on the request context.
        request_ctx._limiter_request_context = "req-ctx"  # type: ignore[attr-defined]
        app_ctx._ext_state = "app-ctx"  # type: ignore[attr-defined]
        request._ext_state = "request"  # type: ignore[attr-defined]
        g._ext_state = "g"
        seen["ctx"] = request_ctx._limiter_request_context  # type: ignore[attr-defined]
        return "ok"

    app.test_client().get("/")
    assert seen == {"ctx": "req-ctx", "response": "response"}
    with app.app_context() as ctx:
        ctx._ext_state = "plain"  # type: ignore[attr-defined]
        assert ctx._ext_state == "plain"  # type: ignore[attr-defined]


# -- matching before the push ---------------------------------------------------------


@pytest.mark.one_transport
def test_prematch_matches_without_the_signal_and_push_sends_it(app: App) -> None:
    from framework.signals import request_matched

    @app.get("/item/<int:n>")
    def item(n: int) -> str:
        return str(n)

    sent: list[t.Any] = []

    def record(sender: App, **kwargs: t.Any) -> None:
        sent.append(kwargs["view_args"])

    with request_matched.connected_to(record, app):
        ctx = app.test_request_context("/item/3")
        ctx.prematch()
        assert ctx.request.url_rule is not None
        assert ctx.request.view_args == {"n": 3}
        assert sent == []
        with ctx:
            assert sent == [{"n": 3}]
        with ctx:  # pushed again: matched and announced once only
            pass
    assert sent == [{"n": 3}]


@pytest.mark.one_transport
def test_prematch_stores_a_routing_error(app: App) -> None:
    ctx = app.test_request_context("/missing")
    ctx.prematch()
    assert ctx.request.url_rule is None
    assert ctx.request.routing_exception is not None
    assert ctx.request.routing_exception.code == 404


@pytest.mark.one_transport
def test_request_context_from_a_request_without_environ(app: App) -> None:
    built = app.request_class.from_values("/from-request")
    ctx = RequestContext(app, request=built)
    with ctx:
        assert request._get_current_object() is built  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="environ or a request"):
        RequestContext(app)


# -- review: Flask's behaviour the one-variable design must keep -------------------


@pytest.mark.one_transport
def test_cv_app_set_during_a_request_keeps_the_request(app: App) -> None:
    # Code written for Flask sets an app context directly (so that an
    # extension's per-context state is fresh); Flask's request variable
    # is untouched by it, so the request stays visible.
    from framework.ctx import _cv_app, _cv_request

    with app.test_request_context("/here") as req:
        inner = AppContext(app)
        token = _cv_app.set(inner)
        try:
            assert _cv_app.get() is inner
            assert _cv_request.get() is req
            assert request.path == "/here"
            assert has_request_context()
        finally:
            _cv_app.reset(token)
        assert _cv_app.get() is req
    assert not has_app_context()
    assert not has_request_context()


@pytest.mark.one_transport
def test_cv_request_set_none_keeps_g_made_meanwhile(app: App) -> None:
    # With the request hidden, g is still the request's app context's g,
    # also when it is first used while hidden.
    from framework.ctx import _cv_request

    with app.test_request_context("/"):
        token = _cv_request.set(None)
        try:
            g.made = "hidden"
        finally:
            _cv_request.reset(token)
        assert g.get("made") == "hidden"


def test_copied_request_context_shares_the_session(app: App) -> None:
    # Flask's copy holds the request's session object, so what the
    # copy writes is saved with the response, even when the view had
    # not touched the session before copying.
    app.secret_key = "secret"

    @app.get("/")
    def index() -> str:
        @copy_current_request_context
        def work() -> None:
            session["done"] = "yes"

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return str(session.get("done"))

    client = app.test_client()
    assert client.get("/").text == "yes"
    with client.session_transaction() as saved:
        assert saved["done"] == "yes"


@pytest.mark.one_transport
def test_popping_the_wrong_request_context_still_tears_down(app: App) -> None:
    # The error is raised, but a request that was its own app context
    # still runs the teardown_appcontext callbacks, as in Flask, so that
    # what they release (a database session) is not leaked.
    calls: list[str] = []
    app.teardown_request(lambda exc: calls.append("request"))
    app.teardown_appcontext(lambda exc: calls.append("app"))

    def scenario() -> None:
        req = app.test_request_context("/")
        req.push()
        app.app_context().push()
        with pytest.raises(AssertionError, match="Popped wrong request context"):
            req.pop()

    contextvars.copy_context().run(scenario)
    assert calls == ["request", "app"]


def test_url_for_in_an_app_context_pushed_during_a_request(app: App) -> None:
    # Flask builds against the request there (its request variable is
    # separate): relative URLs, the request's host, the request's
    # blueprint for ".name"; ours built from SERVER_NAME and, without it,
    # raised. Celery tasks run eagerly in a view do this.
    from framework import Blueprint, url_for

    blueprint = Blueprint("bp", __name__)

    @blueprint.get("/page")
    def page() -> str:
        with app.app_context():
            return " ".join(
                (url_for(".page"), url_for("page_", _external=True), url_for("bp.page"))
            )

    @app.get("/top")
    def page_() -> str:
        return "top"

    app.register_blueprint(blueprint, url_prefix="/bp")
    body = app.test_client().get("/bp/page", base_url="http://example.org").text
    assert body == "/bp/page http://example.org/top /bp/page"


def test_templates_in_an_app_context_pushed_during_a_request(app: App) -> None:
    # The request's blueprint's context processors run, as in Flask.
    from framework import Blueprint, render_template_string

    blueprint = Blueprint("bp", __name__)

    @blueprint.context_processor
    def section() -> dict[str, str]:
        return {"section": "shop"}

    @blueprint.get("/")
    def index() -> str:
        with app.app_context():
            g.who = "inner"
            source = "{{ section }} {{ request.path }} {{ g.who }}"
            return render_template_string(source)

    app.register_blueprint(blueprint, url_prefix="/shop")
    assert app.test_client().get("/shop/").text == "shop /shop/ inner"


@pytest.mark.one_transport
def test_cv_request_set_none_hides_the_request_beneath_an_app_context(
    app: App,
) -> None:
    # Inside an app context pushed during a request, setting Flask's
    # request variable to None hides that request too, as in Flask.
    from framework.ctx import _cv_app, _cv_request

    with app.test_request_context("/") as req, app.app_context() as inner:
        token = _cv_request.set(None)
        try:
            assert _cv_request.get(None) is None
            assert not has_request_context()
            assert _cv_app.get() is inner
        finally:
            _cv_request.reset(token)
        assert _cv_request.get() is req
    # A request pushed inside an app context: with the request hidden,
    # the app context is that outer one.
    with app.app_context() as outer, app.test_request_context("/"):
        token = _cv_request.set(None)
        try:
            assert _cv_app.get() is outer
        finally:
            _cv_request.reset(token)
