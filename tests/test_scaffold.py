"""The registry shared by App and Blueprint: ``framework/scaffold.py`` alone
and through both."""

from __future__ import annotations

import typing as t

import pytest
from werkzeug.exceptions import HTTPException, NotFound

from framework import App, Blueprint
from framework.scaffold import (
    _SCOPED_REGISTRIES,
    _handing_back,
    exception_class_and_code,
)


class Teapot(HTTPException):
    code = 418


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (404, (NotFound, 404)),
        (NotFound, (NotFound, 404)),
        (Teapot, (Teapot, 418)),
        (HTTPException, (HTTPException, None)),
        (KeyError, (KeyError, None)),
    ],
)
def test_exception_class_and_code_resolves_codes_and_classes(
    given: type[BaseException] | int, expected: tuple[type[BaseException], int | None]
) -> None:
    assert exception_class_and_code(given) == expected


def test_an_unknown_code_is_refused_with_the_way_out() -> None:
    with pytest.raises(ValueError, match="Use a subclass of HTTPException"):
        exception_class_and_code(999)


def test_an_exception_instance_is_refused_naming_its_class() -> None:
    with pytest.raises(TypeError, match=r"KeyError\('x'\) is an instance, not a class"):
        exception_class_and_code(KeyError("x"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "named"),
    [(list, "list"), (KeyboardInterrupt, "KeyboardInterrupt"), ("x", "'x'")],
)
def test_what_is_not_an_exception_class_is_refused(given: t.Any, named: str) -> None:
    with pytest.raises(
        ValueError, match=f"'{named}' is not a subclass of Exception\\."
    ):
        exception_class_and_code(given)


def test_handing_back_registers_and_returns_the_same_function() -> None:
    seen: list[t.Callable[[], int]] = []

    def view() -> int:
        return 1

    assert _handing_back(seen.append)(view) is view
    assert seen == [view]


@pytest.mark.parametrize("owner", [App, Blueprint])
def test_every_scoped_registry_starts_empty_and_fills_per_scope(
    owner: type[App] | type[Blueprint],
) -> None:
    obj = App(__name__) if owner is App else Blueprint("bp", __name__)
    assert len(_SCOPED_REGISTRIES) == 9
    for name in _SCOPED_REGISTRIES:
        registry = getattr(obj, name)
        assert dict(registry) == {}
        assert registry["unseen"] == []  # a scope appears on first use
        registry["bp"].append(print)
        assert dict(registry) == {"unseen": [], "bp": [print]}
    # Each scope is a list of its own, not one shared default.
    first, second = (getattr(obj, name) for name in list(_SCOPED_REGISTRIES)[:2])
    assert first["bp"] is not second["bp"]


@pytest.mark.parametrize(
    ("decorator", "registry"),
    [
        ("before_request", "before_request_funcs"),
        ("after_request", "after_request_funcs"),
        ("teardown_request", "teardown_request_funcs"),
        ("context_processor", "template_context_processors"),
        ("url_value_preprocessor", "url_value_preprocessors"),
        ("url_defaults", "url_default_functions"),
        ("before_websocket", "before_websocket_funcs"),
        ("after_websocket", "after_websocket_funcs"),
        ("teardown_websocket", "teardown_websocket_funcs"),
    ],
)
def test_hook_decorators_append_under_the_own_scope_and_return_the_function(
    decorator: str, registry: str
) -> None:
    app = App(__name__)

    def hook(*args: t.Any) -> None:
        return None

    assert getattr(app, decorator)(hook) is hook
    assert getattr(app, decorator)(hook) is hook
    assert getattr(app, registry)[None] == [hook, hook]


def test_route_takes_the_endpoint_when_the_decorator_runs() -> None:
    app = App(__name__)
    decorate = app.route("/a", endpoint="first")
    # Nothing is registered until the decorator gets the view.
    assert "first" not in app.view_functions
    assert [r.rule for r in app.url_map.iter_rules()] == ["/static/<path:filename>"]

    def a() -> str:
        return "a"

    assert decorate(a) is a
    assert app.view_functions["first"] is a
    assert app.test_client().get("/a").data == b"a"


def test_endpoint_decorator_binds_a_rule_added_without_a_view() -> None:
    app = App(__name__)
    app.add_url_rule("/b", "bee")

    @app.endpoint("bee")
    def b() -> str:
        return "b"

    assert app.view_functions["bee"] is b
    assert app.test_client().get("/b").data == b"b"


def test_errorhandler_returns_the_handler_and_registers_it_by_code() -> None:
    app = App(__name__)

    def gone(e: Exception) -> tuple[str, int]:
        return "gone", 404

    assert app.errorhandler(404)(gone) is gone
    assert app.error_handler_spec[None][404] == {NotFound: gone}
    assert app.test_client().get("/nowhere").data == b"gone"
