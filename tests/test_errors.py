"""Error handling: ``framework/errors.py`` alone and through ``App``."""

from __future__ import annotations

import logging
import typing as t

import pytest
from werkzeug.exceptions import (
    BadRequest,
    BadRequestKeyError,
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
)
from werkzeug.routing import RoutingException

from framework import (
    App,
    Response,
    abort,
    got_request_exception,
    redirect,
    request,
)
from framework.errors import ErrorHandling
from framework.testing import AppClient


class AppError(Exception):
    pass


class DatabaseError(AppError):
    pass


class ConnectionLost(DatabaseError):
    pass


class TeapotNotFound(NotFound):
    """An HTTP error subclass that keeps the 404 code."""


def _boom_app(app: App, exc: Exception) -> None:
    @app.route("/boom")
    def boom() -> str:
        raise exc


# -- registration --------------------------------------------------------


def test_errorhandler_by_code_404(app: App, client: AppClient) -> None:
    @app.errorhandler(404)
    def not_found(e: HTTPException) -> tuple[str, int]:
        assert isinstance(e, NotFound)
        return "custom 404", 404

    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.data == b"custom 404"


def test_errorhandler_by_code_500_for_abort(app: App, client: AppClient) -> None:
    @app.errorhandler(500)
    def server_error(e: HTTPException) -> tuple[str, int]:
        assert isinstance(e, InternalServerError)
        return "custom 500", 500

    @app.route("/abort500")
    def abort500() -> str:
        abort(500)

    response = client.get("/abort500")
    assert response.status_code == 500
    assert response.data == b"custom 500"


def test_errorhandler_by_exception_class(app: App, client: AppClient) -> None:
    @app.errorhandler(AppError)
    def handle(e: AppError) -> tuple[str, int]:
        return f"handled {e}", 409

    _boom_app(app, AppError("conflict"))
    response = client.get("/boom")
    assert response.status_code == 409
    assert response.data == b"handled conflict"


def test_errorhandler_by_http_exception_class_is_the_code(
    app: App, client: AppClient
) -> None:
    @app.errorhandler(Forbidden)
    def forbidden(e: HTTPException) -> tuple[str, int]:
        return "no entry", 403

    @app.route("/secret")
    def secret() -> str:
        abort(403)

    response = client.get("/secret")
    assert response.status_code == 403
    assert response.data == b"no entry"


def test_lookup_by_code_before_class(app: App, client: AppClient) -> None:
    """A handler for the status code wins over one for a base class."""

    @app.errorhandler(HTTPException)
    def any_http(e: HTTPException) -> tuple[str, int]:
        return f"generic {e.code}", t.cast(int, e.code)

    @app.errorhandler(404)
    def not_found(e: HTTPException) -> tuple[str, int]:
        return "by code", 404

    @app.route("/only-get")
    def only_get() -> str:
        return "ok"

    assert client.get("/nowhere").data == b"by code"
    response = client.post("/only-get")
    assert response.status_code == 405
    assert response.data == b"generic 405"


def test_exception_handler_catches_http_errors_without_code_handler(
    app: App, client: AppClient
) -> None:
    """As in Flask, a handler for ``Exception`` also receives HTTP errors."""

    @app.errorhandler(Exception)
    def everything(e: Exception) -> tuple[str, int]:
        return f"caught {type(e).__name__}", 418

    response = client.get("/nowhere")
    assert response.status_code == 418
    assert response.data == b"caught NotFound"


def test_mro_lookup_base_class_handler_catches_subclass(
    app: App, client: AppClient
) -> None:
    @app.errorhandler(AppError)
    def handle(e: AppError) -> tuple[str, int]:
        return f"base caught {type(e).__name__}", 400

    _boom_app(app, ConnectionLost())
    response = client.get("/boom")
    assert response.status_code == 400
    assert response.data == b"base caught ConnectionLost"


def test_mro_lookup_most_specific_wins(app: App, client: AppClient) -> None:
    @app.errorhandler(AppError)
    def base(e: AppError) -> tuple[str, int]:
        return "base", 400

    @app.errorhandler(DatabaseError)
    def database(e: AppError) -> tuple[str, int]:
        return "database", 503

    @app.route("/lost")
    def lost() -> str:
        raise ConnectionLost

    @app.route("/plain")
    def plain() -> str:
        raise AppError

    lost_response = client.get("/lost")
    assert (lost_response.status_code, lost_response.data) == (503, b"database")
    plain_response = client.get("/plain")
    assert (plain_response.status_code, plain_response.data) == (400, b"base")


def test_http_subclass_handler_more_specific_than_code_handler(
    app: App, client: AppClient
) -> None:
    @app.errorhandler(404)
    def by_code(e: HTTPException) -> tuple[str, int]:
        return "code 404", 404

    @app.errorhandler(TeapotNotFound)
    def by_subclass(e: HTTPException) -> tuple[str, int]:
        return "teapot 404", 404

    @app.route("/teapot")
    def teapot() -> str:
        raise TeapotNotFound

    assert client.get("/teapot").data == b"teapot 404"
    assert client.get("/nowhere").data == b"code 404"


def test_code_handler_catches_http_subclass(app: App, client: AppClient) -> None:
    @app.errorhandler(404)
    def by_code(e: HTTPException) -> tuple[str, int]:
        return f"code 404 for {type(e).__name__}", 404

    @app.route("/teapot")
    def teapot() -> str:
        raise TeapotNotFound

    assert client.get("/teapot").data == b"code 404 for TeapotNotFound"


def test_http_exception_handler_catches_all_http_errors(
    app: App, client: AppClient
) -> None:
    @app.errorhandler(HTTPException)
    def any_http(e: HTTPException) -> tuple[str, int]:
        return f"http {e.code}", t.cast(int, e.code)

    @app.route("/forbidden")
    def forbidden() -> str:
        abort(403)

    @app.route("/bad")
    def bad() -> str:
        abort(400)

    @app.route("/only-get")
    def only_get() -> str:
        return "ok"

    assert client.get("/nowhere").data == b"http 404"
    assert client.get("/forbidden").data == b"http 403"
    assert client.get("/bad").data == b"http 400"
    assert client.post("/only-get").data == b"http 405"


def test_http_exception_handler_does_not_catch_other_errors(app: App) -> None:
    @app.errorhandler(HTTPException)
    def any_http(e: HTTPException) -> str:
        return "http"

    _boom_app(app, ValueError("plain"))
    with pytest.raises(ValueError, match="plain"):
        app.test_client().get("/boom")


def test_register_error_handler(app: App, client: AppClient) -> None:
    def handle(e: Exception) -> tuple[str, int]:
        return f"registered {e}", 422

    app.register_error_handler(KeyError, handle)
    app.register_error_handler(404, lambda e: ("registered 404", 404))
    _boom_app(app, KeyError("k"))
    assert client.get("/boom").data == b"registered 'k'"
    assert client.get("/nowhere").data == b"registered 404"


def test_errorhandler_unknown_code_raises_value_error(app: App) -> None:
    with pytest.raises(ValueError, match="999"):
        app.errorhandler(999)(lambda e: "")
    with pytest.raises(ValueError):
        app.register_error_handler(999, lambda e: "")


def test_errorhandler_exception_instance_raises_type_error(app: App) -> None:
    with pytest.raises(TypeError, match="instance"):
        app.errorhandler(NotFound())(lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        app.errorhandler(ValueError("x"))(lambda e: "")  # type: ignore[arg-type]


def test_errorhandler_non_exception_class_raises_value_error(app: App) -> None:
    with pytest.raises(ValueError):
        app.errorhandler(int)(lambda e: "")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        app.errorhandler(KeyboardInterrupt)(lambda e: "")  # type: ignore[arg-type]


# -- abort and redirect --------------------------------------------------


def test_abort_404(app: App, client: AppClient) -> None:
    @app.route("/gone")
    def gone() -> str:
        abort(404)

    response = client.get("/gone")
    assert response.status_code == 404
    assert b"Not Found" in response.data


def test_abort_400_with_description(app: App, client: AppClient) -> None:
    @app.route("/bad")
    def bad() -> str:
        abort(400, description="The widget id must be a number.")

    response = client.get("/bad")
    assert response.status_code == 400
    assert b"The widget id must be a number." in response.data


def test_abort_description_reaches_handler(app: App, client: AppClient) -> None:
    @app.errorhandler(400)
    def bad_request(e: HTTPException) -> tuple[dict[str, t.Any], int]:
        return {"error": e.description}, 400

    @app.route("/bad")
    def bad() -> str:
        abort(400, description="missing id")

    response = client.get("/bad")
    assert response.status_code == 400
    assert response.json == {"error": "missing id"}


def test_abort_with_response(app: App, client: AppClient) -> None:
    @app.route("/teapot")
    def teapot() -> str:
        abort(Response("short and stout", status=418, headers={"X-Pot": "tea"}))

    response = client.get("/teapot")
    assert response.status_code == 418
    assert response.data == b"short and stout"
    assert response.headers["X-Pot"] == "tea"


def test_abort_outside_app_context_still_raises() -> None:
    with pytest.raises(NotFound):
        abort(404)
    with pytest.raises(BadRequest) as info:
        abort(400, description="outside")
    assert info.value.description == "outside"
    with pytest.raises(HTTPException) as with_response:
        abort(Response("x", status=409))
    assert with_response.value.response is not None
    assert with_response.value.response.status_code == 409


def test_redirect_default_302(app: App, client: AppClient) -> None:
    @app.route("/old")
    def old() -> Response:
        return redirect("/new")  # type: ignore[return-value]

    response = client.get("/old")
    assert response.status_code == 302
    assert response.headers["Location"] == "/new"


def test_redirect_code_301(app: App, client: AppClient) -> None:
    @app.route("/old")
    def old() -> Response:
        return redirect("https://example.org/moved", code=301)  # type: ignore[return-value]

    response = client.get("/old")
    assert response.status_code == 301
    assert response.headers["Location"] == "https://example.org/moved"


def test_redirect_uses_app_response_class(app: App) -> None:
    class MyResponse(Response):
        pass

    app.response_class = MyResponse
    with app.test_request_context():
        rv = redirect("/x")
    assert isinstance(rv, MyResponse)
    assert rv.status_code == 302


# -- unhandled errors ------------------------------------------------------


def test_unhandled_error_gives_500_without_traceback(app: App) -> None:
    app.testing = False
    _boom_app(app, ValueError("secret-db-password-in-message"))
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Internal Server Error" in response.data
    assert b"secret-db-password-in-message" not in response.data
    assert b"Traceback" not in response.data
    assert b"ValueError" not in response.data


def test_500_handler_receives_original_exception(app: App) -> None:
    app.testing = False
    error = ValueError("root cause")
    received: list[InternalServerError] = []

    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        received.append(e)
        return f"sorry: {type(e.original_exception).__name__}", 500

    _boom_app(app, error)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.data == b"sorry: ValueError"
    assert len(received) == 1
    assert isinstance(received[0], InternalServerError)
    assert received[0].original_exception is error


def test_internal_server_error_class_handler_receives_unhandled(app: App) -> None:
    app.testing = False

    @app.errorhandler(InternalServerError)
    def server_error(e: InternalServerError) -> tuple[str, int]:
        return "by class", 500

    _boom_app(app, RuntimeError())
    assert app.test_client().get("/boom").data == b"by class"


def test_unhandled_error_is_logged_with_path_and_method(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    error = ValueError("logged")

    @app.route("/boom", methods=["POST"])
    def boom() -> str:
        raise error

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().post("/boom")
    assert response.status_code == 500
    records = [r for r in caplog.records if r.name == app.logger.name]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.ERROR
    assert "/boom" in record.getMessage()
    assert "POST" in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[1] is error


# -- propagation -----------------------------------------------------------


def test_testing_propagates_exception_to_caller(app: App, client: AppClient) -> None:
    _boom_app(app, ValueError("to the test"))
    with pytest.raises(ValueError, match="to the test"):
        client.get("/boom")


def test_propagate_exceptions_false_overrides_testing(app: App) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert app.testing
    _boom_app(app, ValueError())
    assert app.test_client().get("/boom").status_code == 500


def test_propagate_exceptions_true_without_testing(app: App) -> None:
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = True
    _boom_app(app, ValueError("propagated"))
    with pytest.raises(ValueError, match="propagated"):
        app.test_client().get("/boom")


def test_debug_propagates(app: App) -> None:
    app.testing = False
    app.debug = True
    _boom_app(app, ValueError("debugging"))
    with pytest.raises(ValueError, match="debugging"):
        app.test_client().get("/boom")


def test_not_testing_not_debug_does_not_propagate(app: App) -> None:
    app.testing = False
    assert not app.debug
    _boom_app(app, ValueError())
    assert app.test_client().get("/boom").status_code == 500


# -- trapping --------------------------------------------------------------


def _abort_routes(app: App) -> None:
    @app.route("/nf")
    def nf() -> str:
        abort(404)

    @app.route("/bad")
    def bad() -> str:
        abort(400)

    @app.route("/form", methods=["POST"])
    def form() -> str:
        return request.form["missing"]


def test_trap_http_exceptions_propagates_when_testing(app: App) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    _abort_routes(app)
    with pytest.raises(NotFound):
        app.test_client().get("/nf")


def test_trap_http_exceptions_gives_500_when_not_propagating(app: App) -> None:
    """A trapped HTTP error is treated like any unhandled exception."""
    app.testing = False
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    _abort_routes(app)
    assert app.test_client().get("/nf").status_code == 500


def test_trapped_http_exception_still_reaches_its_handler(app: App) -> None:
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    _abort_routes(app)

    @app.errorhandler(404)
    def not_found(e: HTTPException) -> tuple[str, int]:
        return "handled while trapped", 404

    response = app.test_client().get("/nf")
    assert response.status_code == 404
    assert response.data == b"handled while trapped"


def test_trap_bad_request_errors(app: App) -> None:
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    _abort_routes(app)
    client = app.test_client()
    with pytest.raises(BadRequest):
        client.get("/bad")
    with pytest.raises(BadRequestKeyError):
        client.post("/form")
    assert client.get("/nf").status_code == 404


def test_missing_form_key_is_400(app: App, client: AppClient) -> None:
    _abort_routes(app)
    response = client.post("/form", data={"other": "1"})
    assert response.status_code == 400
    assert b"missing" not in response.data


def test_missing_form_key_in_debug_propagates(app: App) -> None:
    """In debug mode (``TRAP_BAD_REQUEST_ERRORS`` unset) the key error is
    trapped so that the debugger shows it."""
    app.testing = False
    app.debug = True
    _abort_routes(app)
    with pytest.raises(BadRequestKeyError):
        app.test_client().post("/form")


def test_missing_form_key_in_debug_shows_key(app: App) -> None:
    app.debug = True
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    _abort_routes(app)
    response = app.test_client().post("/form")
    assert response.status_code == 400
    assert b"KeyError" in response.data
    assert b"missing" in response.data


# -- signals and failing handlers -------------------------------------------


def test_got_request_exception_sent_with_exception(app: App) -> None:
    error = ValueError("signalled")
    received: list[tuple[t.Any, dict[str, t.Any]]] = []

    def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        received.append((sender, kwargs))

    _boom_app(app, error)
    with (
        got_request_exception.connected_to(receiver, app),
        pytest.raises(ValueError),
    ):
        app.test_client().get("/boom")
    assert received == [(app, {"exception": error})]


def test_got_request_exception_not_sent_for_handled_error(app: App) -> None:
    received: list[t.Any] = []

    @app.errorhandler(ValueError)
    def handle(e: ValueError) -> str:
        return "fine"

    _boom_app(app, ValueError())
    with got_request_exception.connected_to(lambda s, **kw: received.append(kw), app):
        assert app.test_client().get("/boom").data == b"fine"
    assert received == []


def test_error_handler_that_raises_goes_to_500(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False

    @app.errorhandler(AppError)
    def broken(e: AppError) -> str:
        raise KeyError("from the handler")

    _boom_app(app, AppError())
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"from the handler" not in response.data
    logged = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert any(isinstance(e, KeyError) for e in logged)


def test_error_handler_that_raises_propagates_when_testing(app: App) -> None:
    @app.errorhandler(AppError)
    def broken(e: AppError) -> str:
        raise KeyError("from the handler")

    _boom_app(app, AppError())
    with pytest.raises(KeyError, match="from the handler"):
        app.test_client().get("/boom")


def test_500_handler_that_raises_gives_plain_500(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    error = ValueError("original")
    handler_error = RuntimeError("the handler broke")

    @app.errorhandler(500)
    def broken(e: InternalServerError) -> str:
        raise handler_error

    _boom_app(app, error)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Internal Server Error" in response.data
    assert b"the handler broke" not in response.data
    assert b"original" not in response.data
    logged = [
        r.exc_info[1]
        for r in caplog.records
        if r.name == app.logger.name and r.levelno == logging.ERROR and r.exc_info
    ]
    assert error in logged
    assert handler_error in logged


def test_after_request_failing_on_error_response_is_logged(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.testing = False
    error = ValueError("view failed")
    hook_error = RuntimeError("hook failed")

    @app.after_request
    def broken_hook(response: Response) -> Response:
        raise hook_error

    _boom_app(app, error)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Internal Server Error" in response.data
    logged = [
        r.exc_info[1]
        for r in caplog.records
        if r.name == app.logger.name and r.levelno == logging.ERROR and r.exc_info
    ]
    assert error in logged
    assert hook_error in logged


# -- swapping the strategy ----------------------------------------------------


class ProblemErrorHandling(ErrorHandling):
    """Renders every HTTP error nobody handled as RFC 9457 problem details."""

    def handle_http(self, ctx: t.Any, exc: HTTPException) -> t.Any:
        rv = super().handle_http(ctx, exc)
        if rv is not exc or isinstance(exc, RoutingException):
            return rv
        response = ctx.app.json.response(
            {
                "type": "about:blank",
                "title": exc.name,
                "status": exc.code,
                "detail": exc.description,
            }
        )
        response.status_code = t.cast(int, exc.code)
        response.mimetype = "application/problem+json"
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response


def _assert_problem_json(client: AppClient) -> None:
    missing = client.get("/nowhere")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    body = missing.get_json(force=True)
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"
    assert body["status"] == 404
    assert isinstance(body["detail"], str) and body["detail"]

    forbidden = client.get("/forbidden")
    assert forbidden.status_code == 403
    assert forbidden.mimetype == "application/problem+json"
    assert forbidden.get_json(force=True) == {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "members only",
    }

    wrong_method = client.post("/forbidden")
    assert wrong_method.status_code == 405
    assert wrong_method.mimetype == "application/problem+json"
    assert wrong_method.get_json(force=True)["status"] == 405
    assert "GET" in wrong_method.headers["Allow"]


def _forbidden_route(app: App) -> None:
    @app.route("/forbidden")
    def forbidden() -> str:
        abort(403, description="members only")


def test_problem_json_error_handling_via_constructor() -> None:
    handling = ProblemErrorHandling()
    app = App("problem_app", error_handling=handling)
    app.testing = True
    assert app.error_handling is handling
    _forbidden_route(app)
    _assert_problem_json(app.test_client())


def test_problem_json_error_handling_via_class_attribute() -> None:
    class ProblemApp(App):
        error_handling_class = ProblemErrorHandling

    app = ProblemApp("problem_app")
    app.testing = True
    assert isinstance(app.error_handling, ProblemErrorHandling)
    _forbidden_route(app)
    _assert_problem_json(app.test_client())


def test_problem_json_error_handling_keeps_registered_handlers() -> None:
    app = App("problem_app", error_handling=ProblemErrorHandling())
    app.testing = True

    @app.errorhandler(404)
    def not_found(e: HTTPException) -> tuple[str, int]:
        return "mine", 404

    response = app.test_client().get("/nowhere")
    assert response.data == b"mine"
    assert response.mimetype == "text/html"


def test_app_subclass_overrides_handle_http_exception() -> None:
    class MyApp(App):
        def handle_http_exception(self, e: HTTPException) -> t.Any:
            return f"override {e.code}", e.code

    app = MyApp("override_app")
    app.testing = True

    @app.route("/forbidden")
    def forbidden() -> str:
        abort(403)

    client = app.test_client()
    assert client.get("/forbidden").data == b"override 403"
    missing = client.get("/nowhere")
    assert (missing.status_code, missing.data) == (404, b"override 404")


def test_app_subclass_overrides_handle_user_exception() -> None:
    seen: list[Exception] = []

    class MyApp(App):
        def handle_user_exception(self, e: Exception) -> t.Any:
            seen.append(e)
            if isinstance(e, KeyError):
                return "user override", 418
            return super().handle_user_exception(e)

    app = MyApp("override_app")
    app.testing = True

    @app.route("/key")
    def key() -> str:
        raise KeyError("k")

    @app.route("/nf")
    def nf() -> str:
        abort(404)

    client = app.test_client()
    response = client.get("/key")
    assert (response.status_code, response.data) == (418, b"user override")
    assert client.get("/nf").status_code == 404
    assert [type(e) for e in seen] == [KeyError, NotFound]


def test_app_subclass_overrides_handle_exception() -> None:
    class MyApp(App):
        def handle_exception(self, e: Exception) -> Response:
            return self.response_class(f"unhandled {type(e).__name__}", status=503)

    app = MyApp("override_app")
    app.testing = True
    _boom_app(app, ValueError())
    response = app.test_client().get("/boom")
    assert (response.status_code, response.data) == (503, b"unhandled ValueError")


# -- ErrorHandling alone -----------------------------------------------------


def test_find_handler_inside_test_request_context(app: App) -> None:
    @app.errorhandler(404)
    def not_found(e: HTTPException) -> str:
        return "nf"

    @app.errorhandler(AppError)
    def app_error(e: AppError) -> str:
        return "app"

    with app.test_request_context("/anything") as ctx:
        handling = app.error_handling
        assert handling.find_handler(ctx, NotFound()) is not_found
        assert handling.find_handler(ctx, TeapotNotFound()) is not_found
        assert handling.find_handler(ctx, ConnectionLost()) is app_error
        assert handling.find_handler(ctx, ValueError()) is None
        assert handling.find_handler(ctx, Forbidden()) is None


def test_handle_http_alone(app: App) -> None:
    @app.errorhandler(404)
    def not_found(e: HTTPException) -> str:
        return f"nf {e.description}"

    with app.test_request_context() as ctx:
        assert app.error_handling.handle_http(ctx, NotFound("x")) == "nf x"
        forbidden = Forbidden()
        assert app.error_handling.handle_http(ctx, forbidden) is forbidden


def test_handle_user_alone_reraises_unhandled(app: App) -> None:
    with app.test_request_context() as ctx:
        error = ValueError("no handler")
        with pytest.raises(ValueError) as info:
            app.error_handling.handle_user(ctx, error)
        assert info.value is error


# -- registering a handler that could never match -----------------------------


class _Custom(Exception):
    pass


@pytest.mark.parametrize(
    ("key", "error", "expected"),
    [
        (_Custom(), TypeError, "_Custom() is an instance, not a class."),
        (list, ValueError, "'list' is not a subclass of Exception."),
        (999, ValueError, "Use a subclass of HTTPException"),
    ],
)
def test_a_handler_key_that_can_not_match_is_refused(
    app: App, key: t.Any, error: type[Exception], expected: str
) -> None:
    with pytest.raises(error) as info:
        app.register_error_handler(key, lambda e: "x")
    assert expected in str(info.value)
