"""framework.proxies: the proxies of layer 1 are the very objects that
framework.globals (Flask's module for them) and the templates use."""

from __future__ import annotations

import typing as t

import pytest

import framework
import framework.globals
from framework import App, proxies, render_template_string


def test_globals_hands_out_the_same_objects() -> None:
    for name in proxies.__all__:
        assert getattr(framework.globals, name) is getattr(proxies, name)
    assert framework.request is proxies.request
    assert framework.g is proxies.g
    assert framework.session is proxies.session


def test_templates_see_the_same_objects() -> None:
    app = App(__name__)
    with app.test_request_context("/?who=ann"):
        env = app.jinja_env
        assert env.globals["request"] is proxies.request
        assert env.globals["g"] is proxies.g
        assert env.globals["session"] is proxies.session
        proxies.g.colour = "green"
        rendered = render_template_string("{{ request.args.who }} {{ g.colour }}")
        assert rendered == "ann green"


@pytest.mark.parametrize("name", ["request", "session", "request_ctx"])
def test_a_request_proxy_outside_a_request_names_the_context(name: str) -> None:
    with pytest.raises(RuntimeError, match="request context"):
        bool(getattr(proxies, name).__dict__)


@pytest.mark.parametrize("name", ["g", "app_ctx"])
def test_an_app_proxy_outside_a_context_names_the_context(name: str) -> None:
    with pytest.raises(RuntimeError, match="application context"):
        bool(getattr(proxies, name).__dict__)


def test_proxied_attributes_read_write_and_fail_as_the_object_does() -> None:
    """The proxies reach public attributes directly; reads, writes, missing
    names and private names behave as through werkzeug's proxy."""
    app = App(__name__)
    app.secret_key = "test"
    g = framework.g
    with app.test_request_context("/page?q=1"):
        g.colour = "green"
        assert framework.globals.app_ctx.g.colour == "green"
        assert g.colour == "green"
        assert g.get("colour") == "green"
        assert not hasattr(g, "missing")
        with pytest.raises(AttributeError, match="missing"):
            _ = g.missing
        with pytest.raises(AttributeError):
            getattr(g, "")
        g._private = 1
        assert g._private == 1
        assert g._get_current_object() is framework.globals.app_ctx.g
        assert framework.request.args["q"] == "1"
        assert framework.request.path == "/page"
        assert isinstance(framework.request, framework.Request)
        assert framework.current_app.name == app.name
        framework.session["k"] = "v"
        assert framework.session.get("k") == "v"
    with pytest.raises(RuntimeError, match="application context"):
        _ = g.colour
    with pytest.raises(RuntimeError, match="application context"):
        g.colour = "red"
    with pytest.raises(RuntimeError, match="request context"):
        _ = framework.request.path


def test_g_is_the_contexts_g_in_every_role() -> None:
    """``g`` reads the namespace the active context has, whether it made it
    itself, shares it with an outer app context, or is a request's app
    role during ``teardown_appcontext``."""
    app = App(__name__)
    g = framework.g
    seen: list[t.Any] = []

    @app.get("/")
    def index() -> str:
        g.value = "set in view"
        return "ok"

    @app.teardown_appcontext
    def after(exc: BaseException | None) -> None:
        seen.append(g.get("value"))

    app.test_client().get("/")
    assert seen == ["set in view"]
    with app.app_context() as outer:
        g.outer = 1
        with app.test_request_context("/"):
            assert g.outer == 1
            g.inner = 2
        assert outer.g.inner == 2
