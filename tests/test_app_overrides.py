"""Resolving Flask-style overrides into the pipeline
(:mod:`framework._app.overrides`), on real apps; ``tests/test_app.py``
checks that requests then honour them."""

from __future__ import annotations

import typing as t

from framework import App
from framework._app.overrides import overridden, resolve_pipeline
from framework.wrappers import Response


class _Teardown(Exception):
    pass


class _CustomApp(App):
    def make_response(self, rv: t.Any) -> t.Any:
        return super().make_response(rv)

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        raise _Teardown("from the override")


def _strategies(app: App) -> dict[str, object]:
    return {
        "router": app.router,
        "dispatcher": app.dispatcher,
        "response_converter": app.response_converter,
        "error_handling": app.error_handling,
    }


def test_a_plain_app_overrides_nothing() -> None:
    app = App(__name__)
    assert overridden(app, "make_response", App) is None
    pipeline = resolve_pipeline(app, _strategies(app), App)
    # The strategy's own bound method, no adapter in between.
    assert pipeline.make_response == app.response_converter.make_response


def test_a_subclass_method_is_an_override() -> None:
    app = _CustomApp(__name__)
    found = overridden(app, "make_response", App)
    assert found is not None
    assert found.__func__ is _CustomApp.make_response  # type: ignore[attr-defined]
    assert overridden(app, "handle_exception", App) is None


def test_a_function_set_on_the_instance_is_an_override() -> None:
    app = App(__name__)

    def handle(e: Exception) -> Response:
        return Response("handled", 500)

    app.handle_exception = handle  # type: ignore[method-assign]
    assert overridden(app, "handle_exception", App) is handle


def test_an_overridden_step_calls_the_app_method_through_the_context() -> None:
    app = _CustomApp(__name__)
    pipeline = resolve_pipeline(app, _strategies(app), App)
    assert pipeline.make_response.__name__ == "make_response"
    with app.test_request_context("/") as ctx:
        response = pipeline.make_response(ctx, "made")
    assert response.get_data() == b"made"


def test_an_overridden_teardown_step_returns_what_the_override_raised() -> None:
    app = _CustomApp(__name__)
    pipeline = resolve_pipeline(app, _strategies(app), App)
    with app.test_request_context("/") as ctx:
        errors = pipeline.teardown_request(ctx, None)
    assert [type(error) for error in errors] == [_Teardown]
