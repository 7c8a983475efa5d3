"""The request pipeline: :class:`framework.dispatch.Dispatcher`, alone and
through :class:`framework.App` (hooks, teardown, OPTIONS/HEAD/405, async,
Flask-style overrides, swapping the strategy, ``app_ready``)."""

from __future__ import annotations

import logging
import typing as t

import pytest
from compat_alias import run_as_flask_and_framework

from framework import (
    App,
    Blueprint,
    abort,
    after_this_request,
    g,
    request,
)
from framework.ctx import RequestContext
from framework.dispatch import Dispatcher
from framework.signals import app_ready
from framework.testing import AppClient
from framework.wrappers import Response

if t.TYPE_CHECKING:
    from werkzeug.exceptions import HTTPException

    from framework.typing import ResponseReturnValue


# Every test runs through the WSGI and the ASGI callable (see the
# ``transport`` fixture in conftest.py): a difference between them fails.
pytestmark = pytest.mark.usefixtures("transport")


def _new_app(cls: type[App] = App, **kwargs: t.Any) -> App:
    app = cls("test_app", root_path=__file__.rpartition("/")[0], **kwargs)
    app.testing = True
    return app


def refuse_after_request(app: App, failure: t.Callable[[], object]) -> None:
    """Add an ``after_request`` hook that calls ``failure``, which raises, on
    the view's 200 response, and lets the answer to that error through."""

    @app.after_request
    def refuse(response: Response) -> Response:
        if response.status_code == 200:
            failure()
        return response


# -- before_request / after_request / after_this_request ---------------------


def test_before_request_hooks_run_in_registration_order(
    app: App, client: AppClient
) -> None:
    calls: list[str] = []

    @app.before_request
    def first() -> None:
        calls.append("first")

    @app.before_request
    def second() -> None:
        calls.append("second")

    @app.get("/")
    def index() -> str:
        calls.append("view")
        return "ok"

    response = client.get("/")
    assert response.data == b"ok"
    assert calls == ["first", "second", "view"]


def test_before_request_return_value_short_circuits_view_and_later_hooks(
    app: App, client: AppClient
) -> None:
    calls: list[str] = []

    @app.before_request
    def first() -> None:
        calls.append("first")

    @app.before_request
    def stopper() -> str:
        calls.append("stopper")
        return "stopped"

    @app.before_request
    def third() -> None:
        calls.append("third")

    @app.after_request
    def after(response: Response) -> Response:
        calls.append("after")
        response.headers["X-After"] = "ran"
        return response

    @app.get("/")
    def index() -> str:
        calls.append("view")
        return "view"

    response = client.get("/")
    assert response.status_code == 200
    assert response.data == b"stopped"
    assert response.headers["X-After"] == "ran"
    assert calls == ["first", "stopper", "after"]


def test_after_request_hooks_run_in_reverse_registration_order(
    app: App, client: AppClient
) -> None:
    calls: list[str] = []

    @app.after_request
    def registered_first(response: Response) -> Response:
        calls.append("registered_first")
        return response

    @app.after_request
    def registered_second(response: Response) -> Response:
        calls.append("registered_second")
        return response

    @app.get("/")
    def index() -> str:
        return "ok"

    client.get("/")
    assert calls == ["registered_second", "registered_first"]


def test_after_request_hook_can_replace_the_response(
    app: App, client: AppClient
) -> None:
    @app.after_request
    def replace(response: Response) -> Response:
        return Response(f"replaced {response.get_data(as_text=True)}", status=202)

    @app.get("/")
    def index() -> str:
        return "original"

    response = client.get("/")
    assert response.status_code == 202
    assert response.data == b"replaced original"


@pytest.mark.parametrize("testing", [True, False])
def test_http_error_from_after_request_hook_goes_to_its_handler(
    app: App, testing: bool
) -> None:
    # Flask answers 500 here; the hook asked for a 403, and the app's 403
    # handler answers it, as for a view.
    app.testing = testing
    seen: list[int] = []

    @app.after_request
    def refuse(response: Response) -> Response:
        seen.append(response.status_code)
        if response.status_code == 200:
            abort(403)
        return response

    @app.errorhandler(403)
    def forbidden(e: Exception) -> tuple[str, int]:
        return "handled 403", 403

    @app.get("/")
    def index() -> str:
        return "original"

    response = app.test_client().get("/")
    assert response.status_code == 403
    assert response.data == b"handled 403"
    # The hooks ran again on the answer that went out.
    assert seen == [200, 403]


def test_after_this_request_runs_again_on_the_answer_to_an_after_request_error(
    app: App, client: AppClient
) -> None:
    seen: list[int] = []

    refuse_after_request(app, lambda: abort(403))

    @app.get("/")
    def index() -> str:
        @after_this_request
        def record(response: Response) -> Response:
            seen.append(response.status_code)
            return response

        return "original"

    assert client.get("/").status_code == 403
    assert seen == [200, 403]


def test_http_error_from_after_request_hook_without_handler(
    app: App, client: AppClient
) -> None:
    refuse_after_request(app, lambda: abort(503))

    @app.get("/")
    def index() -> str:
        return "original"

    response = client.get("/")
    assert response.status_code == 503
    assert b"Service Unavailable" in response.data


def test_other_errors_from_after_request_hook_are_still_500(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    error = RuntimeError("hook broke")

    def broken() -> None:
        raise error

    refuse_after_request(app, broken)

    @app.get("/")
    def index() -> str:
        return "original"

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/")
    assert response.status_code == 500
    assert any(r.exc_info and r.exc_info[1] is error for r in caplog.records)


@pytest.mark.parametrize(
    ("failure", "status"),
    [(lambda: abort(403), 403), (lambda: 1 / 0, 500)],
    ids=["http-error", "other-error"],
)
def test_response_dropped_by_an_after_request_error_is_closed(
    app: App, failure: t.Callable[[], object], status: int
) -> None:
    # The error's answer replaces the view's response; the server never sees
    # the dropped one, so the dispatcher must close it (an open file of
    # send_file, a stream) instead of leaving that to the garbage collector.
    app.testing = False
    closed: list[str] = []
    refuse_after_request(app, failure)

    @app.get("/")
    def index() -> Response:
        response = Response(iter([b"the view's body"]))
        response.call_on_close(lambda: closed.append("view's response"))
        return response

    response = app.test_client().get("/")
    assert response.status_code == status
    assert closed == ["view's response"]


def test_closing_the_dropped_response_fails_the_error_still_wins(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    refuse_after_request(app, lambda: abort(403))

    @app.get("/")
    def index() -> Response:
        response = Response("the view's body")
        response.call_on_close(lambda: 1 / 0)
        return response

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/")
    assert response.status_code == 403
    (record,) = caplog.records
    assert "not sent" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ZeroDivisionError)


def test_after_this_request_runs_before_after_request_hooks(
    app: App, client: AppClient
) -> None:
    calls: list[str] = []

    @app.after_request
    def hook(response: Response) -> Response:
        calls.append("after_request")
        response.headers["X-Order"] = response.headers.get("X-Order", "") + "hook"
        return response

    @app.get("/")
    def index() -> str:
        @after_this_request
        def callback(response: Response) -> Response:
            calls.append("after_this_request")
            response.headers["X-Order"] = "callback,"
            return response

        calls.append("view")
        return "ok"

    response = client.get("/")
    assert calls == ["view", "after_this_request", "after_request"]
    assert response.headers["X-Order"] == "callback,hook"


def test_after_this_request_can_replace_the_response(
    app: App, client: AppClient
) -> None:
    @app.get("/")
    def index() -> str:
        after_this_request(lambda response: Response("from callback", status=201))
        return "from view"

    response = client.get("/")
    assert response.status_code == 201
    assert response.data == b"from callback"


@pytest.mark.one_transport
def test_after_this_request_outside_a_request_raises(app: App) -> None:
    def callback(response: Response) -> Response:
        return response

    with pytest.raises(RuntimeError, match="request"):
        after_this_request(callback)
    with app.app_context(), pytest.raises(RuntimeError, match="request"):
        after_this_request(callback)


# -- 404, url_value_preprocessors --------------------------------------------


def test_before_request_runs_when_the_url_does_not_match(
    app: App, client: AppClient
) -> None:
    seen: list[str] = []

    @app.before_request
    def record() -> None:
        seen.append(request.path)

    @app.get("/")
    def index() -> str:
        return "ok"

    response = client.get("/missing")
    assert response.status_code == 404
    assert seen == ["/missing"]


def test_before_request_return_value_answers_an_unmatched_url(
    app: App, client: AppClient
) -> None:
    """As in Flask, the routing error is raised only during dispatch, which a
    before_request return value skips."""

    @app.before_request
    def catch_all() -> str | None:
        if request.path == "/maintenance":
            return "down for maintenance"
        return None

    response = client.get("/maintenance")
    assert response.status_code == 200
    assert response.data == b"down for maintenance"
    assert client.get("/other").status_code == 404


def test_before_request_runs_on_405(app: App, client: AppClient) -> None:
    seen: list[str] = []

    @app.before_request
    def record() -> None:
        seen.append(request.method)

    @app.get("/")
    def index() -> str:
        return "ok"

    assert client.post("/").status_code == 405
    assert seen == ["POST"]


def test_url_value_preprocessor_runs_before_before_request_and_edits_view_args(
    app: App, client: AppClient
) -> None:
    calls: list[str] = []

    @app.url_value_preprocessor
    def pull_lang(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        calls.append(f"preprocessor {endpoint}")
        assert values is not None
        g.lang = values.pop("lang")
        values["page"] = values["page"] * 10

    @app.before_request
    def before() -> None:
        calls.append(f"before lang={g.lang}")

    @app.get("/<lang>/page/<int:page>")
    def page(page: int) -> str:
        calls.append("view")
        return f"{g.lang}:{page}"

    response = client.get("/fr/page/3")
    assert response.data == b"fr:30"
    assert calls == ["preprocessor page", "before lang=fr", "view"]


def test_url_value_preprocessor_runs_on_404_with_no_endpoint(
    app: App, client: AppClient
) -> None:
    seen: list[tuple[str | None, t.Any]] = []

    @app.url_value_preprocessor
    def record(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        seen.append((endpoint, values))

    assert client.get("/missing").status_code == 404
    assert seen == [(None, None)]


# -- teardown ----------------------------------------------------------------


def test_teardown_callbacks_receive_none_on_success(
    app: App, client: AppClient
) -> None:
    received: list[tuple[str, BaseException | None]] = []

    @app.teardown_request
    def td_request(exc: BaseException | None) -> None:
        received.append(("request", exc))

    @app.teardown_appcontext
    def td_app(exc: BaseException | None) -> None:
        received.append(("appcontext", exc))

    @app.get("/")
    def index() -> str:
        return "ok"

    assert client.get("/").data == b"ok"
    assert received == [("request", None), ("appcontext", None)]
    client.get("/")
    assert len(received) == 4


def test_teardown_runs_after_a_404(app: App, client: AppClient) -> None:
    received: list[BaseException | None] = []

    @app.teardown_request
    def td_request(exc: BaseException | None) -> None:
        received.append(exc)

    assert client.get("/nowhere").status_code == 404
    assert received == [None]


def test_teardown_receives_the_unhandled_exception_in_testing_mode(
    app: App, client: AppClient
) -> None:
    received: list[tuple[str, BaseException | None]] = []
    boom = ValueError("boom")

    @app.teardown_request
    def td_request(exc: BaseException | None) -> None:
        received.append(("request", exc))

    @app.teardown_appcontext
    def td_app(exc: BaseException | None) -> None:
        received.append(("appcontext", exc))

    @app.get("/")
    def index() -> str:
        raise boom

    with pytest.raises(ValueError, match="boom") as info:
        client.get("/")
    assert info.value is boom
    assert received == [("request", boom), ("appcontext", boom)]


def test_teardown_receives_the_exception_answered_with_500(
    app: App, client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    received: list[tuple[str, BaseException | None]] = []
    boom = ValueError("boom")

    @app.teardown_request
    def td_request(exc: BaseException | None) -> None:
        received.append(("request", exc))

    @app.teardown_appcontext
    def td_app(exc: BaseException | None) -> None:
        received.append(("appcontext", exc))

    @app.get("/")
    def index() -> str:
        raise boom

    with caplog.at_level(logging.ERROR):
        response = client.get("/")
    assert response.status_code == 500
    assert received == [("request", boom), ("appcontext", boom)]


def test_teardown_receives_none_when_an_error_handler_handled_the_error(
    app: App, client: AppClient
) -> None:
    received: list[BaseException | None] = []

    @app.teardown_request
    def td_request(exc: BaseException | None) -> None:
        received.append(exc)

    @app.errorhandler(ValueError)
    def handle(e: ValueError) -> tuple[str, int]:
        return "handled", 400

    @app.get("/")
    def index() -> str:
        raise ValueError("handled below")

    response = client.get("/")
    assert response.status_code == 400
    assert response.data == b"handled"
    assert received == [None]


def test_teardown_request_callbacks_run_in_reverse_order(
    app: App, client: AppClient
) -> None:
    calls: list[str] = []

    @app.teardown_request
    def registered_first(exc: BaseException | None) -> None:
        calls.append("registered_first")

    @app.teardown_request
    def registered_second(exc: BaseException | None) -> None:
        calls.append("registered_second")

    client.get("/")
    assert calls == ["registered_second", "registered_first"]


def test_every_teardown_runs_and_the_first_error_propagates_in_testing(
    app: App, client: AppClient
) -> None:
    calls: list[str] = []

    @app.teardown_request
    def request_last(exc: BaseException | None) -> None:
        calls.append("request_last")

    @app.teardown_request
    def request_raises_second(exc: BaseException | None) -> None:
        calls.append("request_raises_second")
        raise KeyError("second")

    @app.teardown_request
    def request_raises_first(exc: BaseException | None) -> None:
        calls.append("request_raises_first")
        raise LookupError("first")

    @app.teardown_appcontext
    def app_last(exc: BaseException | None) -> None:
        calls.append("app_last")

    @app.teardown_appcontext
    def app_raises(exc: BaseException | None) -> None:
        calls.append("app_raises")
        raise RuntimeError("third")

    @app.get("/")
    def index() -> str:
        return "ok"

    with pytest.raises(LookupError, match="first") as info:
        client.get("/")
    assert type(info.value) is LookupError
    assert calls == [
        "request_raises_first",
        "request_raises_second",
        "request_last",
        "app_raises",
        "app_last",
    ]


@pytest.mark.one_transport
def test_every_teardown_appcontext_runs_even_when_one_raises(app: App) -> None:
    calls: list[str] = []

    @app.teardown_appcontext
    def last(exc: BaseException | None) -> None:
        calls.append("last")

    @app.teardown_appcontext
    def raises(exc: BaseException | None) -> None:
        calls.append("raises")
        raise ValueError("teardown failed")

    with pytest.raises(ValueError, match="teardown failed"), app.app_context():
        pass
    assert calls == ["raises", "last"]


def test_teardown_errors_are_logged_and_the_response_delivered(
    app: App, client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    calls: list[str] = []

    @app.teardown_request
    def request_ok(exc: BaseException | None) -> None:
        calls.append("request_ok")

    @app.teardown_request
    def request_raises(exc: BaseException | None) -> None:
        calls.append("request_raises")
        raise ValueError("request teardown failed")

    @app.teardown_appcontext
    def app_raises(exc: BaseException | None) -> None:
        calls.append("app_raises")
        raise RuntimeError("appcontext teardown failed")

    @app.get("/")
    def index() -> str:
        return "delivered"

    with caplog.at_level(logging.ERROR):
        response = client.get("/")
    assert response.status_code == 200
    assert response.data == b"delivered"
    assert calls == ["request_raises", "request_ok", "app_raises"]
    logged = [
        (r.levelno, r.exc_info[1])
        for r in caplog.records
        if r.name == app.logger.name and r.exc_info
    ]
    assert [(level, type(e), str(e)) for level, e in logged] == [
        (logging.ERROR, ValueError, "request teardown failed"),
        (logging.ERROR, RuntimeError, "appcontext teardown failed"),
    ]


# -- OPTIONS, HEAD, 405 ------------------------------------------------------


def test_automatic_options_lists_allowed_methods(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> str:
        return "x"

    @app.route("/both", methods=["GET", "POST"])
    def both() -> str:
        return "x"

    response = client.options("/")
    assert response.status_code == 200
    assert response.data == b""
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS"}
    assert set(client.options("/both").allow) == {"GET", "HEAD", "OPTIONS", "POST"}


def test_automatic_options_does_not_call_the_view(app: App, client: AppClient) -> None:
    calls: list[str] = []

    @app.get("/")
    def index() -> str:
        calls.append("view")
        return "x"

    assert client.options("/").status_code == 200
    assert calls == []


def test_provide_automatic_options_false_on_a_route(
    app: App, client: AppClient
) -> None:
    @app.route("/", provide_automatic_options=False)
    def index() -> str:
        return "x"

    response = client.options("/")
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD"}


def test_provide_automatic_options_false_on_the_view_function(
    app: App, client: AppClient
) -> None:
    def index() -> str:
        return "x"

    index.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/", view_func=index)
    assert client.options("/").status_code == 405


def test_provide_automatic_options_config_false(app: App, client: AppClient) -> None:
    app.config["PROVIDE_AUTOMATIC_OPTIONS"] = False

    @app.get("/")
    def index() -> str:
        return "x"

    response = client.options("/")
    assert response.status_code == 405
    assert "OPTIONS" not in response.allow


def test_explicit_options_method_calls_the_view(app: App, client: AppClient) -> None:
    @app.route("/", methods=["GET", "OPTIONS"])
    def index() -> str:
        return f"view saw {request.method}"

    response = client.options("/")
    assert response.status_code == 200
    assert response.data == b"view saw OPTIONS"


def test_head_of_get_route_has_headers_without_body(
    app: App, client: AppClient
) -> None:
    @app.get("/")
    def index() -> Response:
        return Response("hello world", headers={"X-Custom": "yes"})

    get = client.get("/")
    head = client.head("/")
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == "11"
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["X-Custom"] == "yes"


def test_method_not_allowed_has_allow_header(app: App, client: AppClient) -> None:
    @app.get("/")
    def index() -> str:
        return "x"

    response = client.post("/")
    assert response.status_code == 405
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS"}
    assert client.delete("/").status_code == 405


# -- async -------------------------------------------------------------------


def test_async_view_and_async_hooks(app: App, client: AppClient) -> None:
    calls: list[str] = []

    @app.url_value_preprocessor
    def preprocess(endpoint: str | None, values: dict[str, t.Any] | None) -> None:
        calls.append("preprocessor")

    @app.before_request
    async def before() -> None:
        calls.append("before")

    @app.after_request
    async def after(response: Response) -> Response:
        calls.append("after")
        response.headers["X-Async"] = "1"
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown {exc}")

    @app.teardown_appcontext
    async def teardown_app(exc: BaseException | None) -> None:
        calls.append(f"teardown_app {exc}")

    @app.get("/<int:n>")
    async def view(n: int) -> str:
        @after_this_request
        async def callback(response: Response) -> Response:
            calls.append("after_this_request")
            return response

        calls.append("view")
        return f"async {n * 2}"

    response = client.get("/21")
    assert response.data == b"async 42"
    assert response.headers["X-Async"] == "1"
    assert calls == [
        "preprocessor",
        "before",
        "view",
        "after_this_request",
        "after",
        "teardown None",
        "teardown_app None",
    ]


def test_async_before_request_can_short_circuit(app: App, client: AppClient) -> None:
    @app.before_request
    async def before() -> str:
        return "from async hook"

    @app.get("/")
    async def view() -> str:
        raise AssertionError("the view must not run")

    assert client.get("/").data == b"from async hook"


def test_async_view_exception_propagates(app: App, client: AppClient) -> None:
    @app.get("/")
    async def view() -> str:
        raise ValueError("async failure")

    with pytest.raises(ValueError, match="async failure"):
        client.get("/")


# -- Flask-style overrides in an App subclass --------------------------------


def test_override_dispatch_request() -> None:
    calls: list[str] = []

    class MyApp(App):
        def dispatch_request(self) -> ResponseReturnValue:
            calls.append(f"dispatch_request {request.path}")
            rv = super().dispatch_request()
            assert isinstance(rv, str)
            return rv.upper()

    app = _new_app(MyApp)

    @app.get("/")
    def index() -> str:
        return "hello"

    response = app.test_client().get("/")
    assert response.data == b"HELLO"
    assert calls == ["dispatch_request /"]


def test_override_preprocess_request() -> None:
    calls: list[str] = []

    class MyApp(App):
        def preprocess_request(self) -> ResponseReturnValue | None:
            calls.append("preprocess_request")
            rv = super().preprocess_request()
            if rv is None and request.path == "/blocked":
                return "blocked by override", 403
            return rv

    app = _new_app(MyApp)

    @app.before_request
    def hook() -> None:
        calls.append("hook")

    @app.get("/")
    def index() -> str:
        return "ok"

    @app.get("/blocked")
    def blocked() -> str:
        return "should not be reached"

    client = app.test_client()
    assert client.get("/").data == b"ok"
    response = client.get("/blocked")
    assert response.status_code == 403
    assert response.data == b"blocked by override"
    assert calls == ["preprocess_request", "hook"] * 2


def test_override_process_response() -> None:
    calls: list[str] = []

    class MyApp(App):
        def process_response(self, response: Response) -> Response:
            calls.append("process_response")
            response = super().process_response(response)
            response.headers["X-Processed"] = "override"
            return response

    app = _new_app(MyApp)

    @app.after_request
    def hook(response: Response) -> Response:
        calls.append("after_request")
        return response

    @app.get("/")
    def index() -> str:
        return "ok"

    response = app.test_client().get("/")
    assert response.headers["X-Processed"] == "override"
    assert calls == ["process_response", "after_request"]


def test_override_finalize_request() -> None:
    seen: list[tuple[t.Any, bool]] = []

    class MyApp(App):
        def finalize_request(
            self,
            rv: ResponseReturnValue | HTTPException,
            from_error_handler: bool = False,
        ) -> Response:
            seen.append((rv, from_error_handler))
            response = super().finalize_request(rv, from_error_handler)
            response.headers["X-Finalized"] = "yes"
            return response

    app = _new_app(MyApp)

    @app.get("/")
    def index() -> str:
        return "ok"

    response = app.test_client().get("/")
    assert response.data == b"ok"
    assert response.headers["X-Finalized"] == "yes"
    assert seen == [("ok", False)]


def test_override_do_teardown_request_runs_without_callbacks() -> None:
    """An app with no teardown_request callbacks skips the step, unless a
    subclass overrides it."""
    seen: list[BaseException | None] = []

    class MyApp(App):
        def do_teardown_request(self, exc: BaseException | None = None) -> None:
            seen.append(exc)
            super().do_teardown_request(exc)

    app = _new_app(MyApp)

    @app.get("/")
    def index() -> str:
        return "ok"

    assert app.test_client().get("/").data == b"ok"
    assert seen == [None]


def test_override_finalize_request_sees_error_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[tuple[str, bool]] = []

    class MyApp(App):
        def finalize_request(
            self,
            rv: ResponseReturnValue | HTTPException,
            from_error_handler: bool = False,
        ) -> Response:
            seen.append((type(rv).__name__, from_error_handler))
            return super().finalize_request(rv, from_error_handler)

    app = _new_app(MyApp)
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/")
    def index() -> str:
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/")
    assert response.status_code == 500
    assert seen == [("InternalServerError", True)]


def test_override_full_dispatch_request() -> None:
    calls: list[str] = []

    class MyApp(App):
        def full_dispatch_request(self) -> Response:
            calls.append("before full_dispatch_request")
            response = super().full_dispatch_request()
            calls.append("after full_dispatch_request")
            response.headers["X-Full"] = "wrapped"
            return response

    app = _new_app(MyApp)

    @app.before_request
    def hook() -> None:
        calls.append("before_request")

    @app.get("/")
    def index() -> str:
        calls.append("view")
        return "ok"

    response = app.test_client().get("/")
    assert response.headers["X-Full"] == "wrapped"
    assert calls == [
        "before full_dispatch_request",
        "before_request",
        "view",
        "after full_dispatch_request",
    ]


def test_override_make_default_options_response() -> None:
    calls: list[str] = []

    class MyApp(App):
        def make_default_options_response(self) -> Response:
            calls.append("make_default_options_response")
            response = super().make_default_options_response()
            response.headers["Access-Control-Allow-Origin"] = "*"
            return response

    app = _new_app(MyApp)

    @app.route("/", methods=["GET", "PUT"])
    def index() -> str:
        return "ok"

    response = app.test_client().options("/")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS", "PUT"}
    assert calls == ["make_default_options_response"]


# -- swapping the Dispatcher -------------------------------------------------


class TaggingDispatcher(Dispatcher):
    """Counts dispatches and tags each response."""

    count = 0

    def dispatch(self, ctx: RequestContext) -> ResponseReturnValue:
        type(self).count += 1
        rv = super().dispatch(ctx)
        assert isinstance(rv, str)
        return f"[{rv}]"

    def process_response(self, ctx: RequestContext, response: Response) -> Response:
        response = super().process_response(ctx, response)
        response.headers["X-Dispatcher"] = type(self).__name__
        return response


def _add_index(app: App) -> None:
    @app.get("/")
    def index() -> str:
        return "index"


def test_custom_dispatcher_via_constructor() -> None:
    dispatcher = TaggingDispatcher()
    app = _new_app(dispatcher=dispatcher)
    _add_index(app)
    assert app.dispatcher is dispatcher
    response = app.test_client().get("/")
    assert response.data == b"[index]"
    assert response.headers["X-Dispatcher"] == "TaggingDispatcher"


def test_custom_dispatcher_via_dispatcher_class() -> None:
    class MyApp(App):
        dispatcher_class = TaggingDispatcher

    app = _new_app(MyApp)
    _add_index(app)
    assert type(app.dispatcher) is TaggingDispatcher
    response = app.test_client().get("/")
    assert response.data == b"[index]"
    assert response.headers["X-Dispatcher"] == "TaggingDispatcher"


def test_custom_dispatcher_via_assignment_before_first_request(app: App) -> None:
    _add_index(app)
    with app.test_request_context("/"):
        pass  # a context before the first request does not freeze setup
    app.dispatcher = TaggingDispatcher()
    response = app.test_client().get("/")
    assert response.data == b"[index]"
    assert response.headers["X-Dispatcher"] == "TaggingDispatcher"


def test_constructor_dispatcher_wins_over_dispatcher_class() -> None:
    class Other(Dispatcher):
        pass

    class MyApp(App):
        dispatcher_class = Other

    app = _new_app(MyApp, dispatcher=TaggingDispatcher())
    _add_index(app)
    assert app.test_client().get("/").data == b"[index]"


def test_dispatcher_assignment_after_first_request_raises(
    app: App, client: AppClient
) -> None:
    _add_index(app)
    original = app.dispatcher
    client.get("/")
    with pytest.raises(AssertionError, match=r"app\.dispatcher") as info:
        app.dispatcher = TaggingDispatcher()
    assert "first request" in str(info.value)
    assert app.dispatcher is original
    assert client.get("/").data == b"index"


def test_setup_methods_after_first_request_raise(app: App, client: AppClient) -> None:
    _add_index(app)
    client.get("/")

    def late() -> str:
        return "late"

    with pytest.raises(AssertionError, match="first request"):
        app.add_url_rule("/late", view_func=late)
    with pytest.raises(AssertionError, match="first request"):
        app.route("/late")(late)
    with pytest.raises(AssertionError, match="before_request"):
        app.before_request(lambda: None)
    with pytest.raises(AssertionError, match="first request"):
        app.after_request(lambda r: r)
    with pytest.raises(AssertionError, match="first request"):
        app.teardown_request(lambda e: None)
    assert client.get("/late").status_code == 404


# -- the Dispatcher alone ----------------------------------------------------


@pytest.mark.one_transport
def test_dispatcher_alone_preprocess_dispatch_finalize(app: App) -> None:
    calls: list[str] = []

    @app.before_request
    def before() -> None:
        calls.append("before")

    @app.after_request
    def after(response: Response) -> Response:
        calls.append("after")
        response.headers["X-After"] = "1"
        return response

    @app.get("/x")
    def x() -> str:
        calls.append("view")
        return "from x"

    with app.test_request_context("/x") as ctx:
        dispatcher = app.dispatcher
        assert dispatcher.preprocess(ctx) is None
        rv = dispatcher.dispatch(ctx)
        assert rv == "from x"
        response = dispatcher.finalize(ctx, rv)
    assert isinstance(response, Response)
    assert response.data == b"from x"
    assert response.headers["X-After"] == "1"
    assert calls == ["before", "view", "after"]


@pytest.mark.one_transport
def test_dispatcher_alone_preprocess_returns_the_short_circuit_value(
    app: App,
) -> None:
    @app.before_request
    def stop() -> tuple[str, int]:
        return "stop", 401

    with app.test_request_context("/x") as ctx:
        assert app.dispatcher.preprocess(ctx) == ("stop", 401)
        response = app.dispatcher.finalize(ctx, ("stop", 401))
    assert response.status_code == 401


@pytest.mark.one_transport
def test_dispatcher_alone_dispatch_raises_the_routing_error(app: App) -> None:
    from werkzeug.exceptions import NotFound

    with app.test_request_context("/x") as ctx, pytest.raises(NotFound):
        app.dispatcher.dispatch(ctx)


@pytest.mark.one_transport
def test_dispatcher_alone_full_dispatch(app: App) -> None:
    @app.get("/x")
    def x() -> tuple[str, int]:
        return "made", 201

    with app.test_request_context("/x") as ctx:
        response = app.dispatcher.full_dispatch(ctx)
    assert response.status_code == 201
    assert response.data == b"made"


@pytest.mark.one_transport
def test_fresh_dispatcher_prepares_itself_for_the_context_app(app: App) -> None:
    calls: list[str] = []

    @app.before_request
    def before() -> None:
        calls.append("before")

    @app.get("/x")
    def x() -> str:
        return "x"

    dispatcher = Dispatcher()
    with app.test_request_context("/x") as ctx:
        assert dispatcher.preprocess(ctx) is None
        assert dispatcher.dispatch(ctx) == "x"
    assert calls == ["before"]


@pytest.mark.one_transport
def test_dispatcher_alone_make_default_options_response(app: App) -> None:
    @app.route("/x", methods=["GET", "POST"])
    def x() -> str:
        return "x"

    with app.test_request_context("/x", method="OPTIONS") as ctx:
        response = app.dispatcher.make_default_options_response(ctx)
        dispatched = app.dispatcher.dispatch(ctx)
    assert set(response.allow) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert isinstance(dispatched, Response)
    assert set(dispatched.allow) == {"GET", "HEAD", "OPTIONS", "POST"}


# -- app_ready ---------------------------------------------------------------


def test_app_ready_fires_once_at_first_request(app: App, client: AppClient) -> None:
    _add_index(app)
    received: list[t.Any] = []

    def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        received.append(sender)

    with app_ready.connected_to(receiver, app):
        with app.test_request_context("/"):
            pass
        assert received == []
        assert not app.got_first_request
        client.get("/")
        assert received == [app]
        assert app.got_first_request
        client.get("/")
        client.get("/missing")
    assert received == [app]


_FLASK_LATE_WRITES = """
from flask import Flask, render_template_string

app = Flask("late")
ran = []

@app.get("/")
def index():
    return render_template_string("{{ who }}", who="original")

client = app.test_client()
print(client.get("/").text)
app.view_functions["index"] = lambda: render_template_string("{{ who }}")
app.before_request_funcs.setdefault(None, []).append(lambda: ran.append("before"))
app.before_request_funcs[None].append(lambda: ran.append("before 2"))
app.after_request_funcs[None].append(lambda r: ran.append("after") or r)
app.teardown_request_funcs[None].append(lambda e: ran.append("teardown"))
app.teardown_appcontext_funcs.append(lambda e: ran.append("appcontext"))
app.url_value_preprocessors[None].append(lambda e, v: ran.append("values"))
app.template_context_processors[None].append(lambda: {"who": "processor"})
print(client.get("/").text)
print(ran)
"""


@pytest.mark.wsgi_only(
    reason="runs in a subprocess, whose clients keep the default transport"
)
def test_registries_written_after_the_first_request_are_used_as_in_flask() -> None:
    """Flask reads its registries at every request, so direct writes after
    the first request take effect; here the app compiles again on such a
    write, with the same result."""
    output = run_as_flask_and_framework(_FLASK_LATE_WRITES).splitlines()
    assert output[:2] == ["original", "processor"]
    assert "'before'" in output[2] and "'appcontext'" in output[2]


def test_blueprint_hooks_written_after_the_first_request_are_used() -> None:
    """A write to a blueprint's scope in the app's registry after the first
    request reaches that blueprint's requests only."""
    app = App("late_bp")
    shop = Blueprint("shop", __name__)
    ran: list[str] = []

    @shop.get("/shop")
    def buy() -> str:
        return "bought"

    @app.get("/")
    def index() -> str:
        return "home"

    app.register_blueprint(shop)
    client = app.test_client()
    assert client.get("/shop").text == "bought"
    app.before_request_funcs["shop"].append(lambda: ran.append("shop"))
    assert client.get("/").text == "home"
    assert ran == []
    assert client.get("/shop").text == "bought"
    assert ran == ["shop"]
    app.before_request_funcs["shop"].clear()
    client.get("/shop")
    assert ran == ["shop"]


def test_registry_rewrite_calls_ensure_sync_once_per_new_function() -> None:
    """Compiling again after a write makes only the new function sync-safe:
    the views and hooks already compiled keep theirs."""
    seen: list[str] = []

    class Counting(App):
        def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
            seen.append(getattr(func, "__name__", "?"))
            return super().ensure_sync(func)

    app = Counting("counting")

    @app.get("/")
    def index() -> str:
        return "original"

    client = app.test_client()
    client.get("/")
    seen.clear()

    def replacement() -> str:
        return "replacement"

    app.view_functions["index"] = replacement
    assert client.get("/").text == "replacement"
    assert client.get("/").text == "replacement"
    assert seen.count("replacement") == 1
    assert "index" not in seen
