"""framework.debughelpers: Flask's development-time errors and helpers."""

from __future__ import annotations

import logging
import pathlib

import pytest
from jinja2 import DictLoader
from werkzeug.routing import RequestRedirect

from framework import App, Blueprint, render_template, request
from framework.debughelpers import (
    DebugFilesKeyError,
    FormDataRoutingRedirect,
    UnexpectedUnicodeError,
    attach_enctype_error_multidict,
    explain_template_loading_attempts,
)


def test_unexpected_unicode_error_is_both_kinds() -> None:
    assert issubclass(UnexpectedUnicodeError, AssertionError)
    assert issubclass(UnexpectedUnicodeError, UnicodeError)


def test_files_key_missing_from_a_urlencoded_form_explains_enctype(app: App) -> None:
    with app.test_request_context("/", method="POST", data={"upload": "cv.pdf"}):
        attach_enctype_error_multidict(request)
        with pytest.raises(DebugFilesKeyError) as caught:
            request.files["upload"]
    message = str(caught.value)
    assert "'application/x-www-form-urlencoded'" in message
    assert 'enctype="multipart/form-data"' in message
    assert "'cv.pdf'" in message
    assert isinstance(caught.value, KeyError)


def test_files_key_absent_from_the_form_stays_a_plain_key_error(app: App) -> None:
    with app.test_request_context("/", method="POST", data={"other": "x"}):
        attach_enctype_error_multidict(request)
        with pytest.raises(KeyError) as caught:
            request.files["upload"]
        assert not isinstance(caught.value, DebugFilesKeyError)
        assert request.files.get("upload") is None


def test_form_data_routing_redirect_names_both_urls(app: App) -> None:
    with app.test_request_context("/items", method="POST") as ctx:
        ctx.request.routing_exception = RequestRedirect("http://localhost/items/")
        message = str(FormDataRoutingRedirect(ctx.request))
    assert "POST http://localhost/items" in message
    assert "http://localhost/items/" in message
    assert "ends with a slash" in message
    assert "307 or 308" in message


def test_form_data_routing_redirect_needs_a_redirect(app: App) -> None:
    with (
        app.test_request_context("/items", method="POST") as ctx,
        pytest.raises(TypeError, match="routing redirect"),
    ):
        FormDataRoutingRedirect(ctx.request)


def test_explain_template_loading_attempts_logs_each_folder(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    blueprint = Blueprint("shop", __name__)
    app_loader = DictLoader({})
    shop_loader = DictLoader({"page.html": "x"})
    source = shop_loader.get_source(app.jinja_env, "page.html")
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        explain_template_loading_attempts(
            app,
            "page.html",
            [(app_loader, app, None), (shop_loader, blueprint, source)],
        )
    assert caplog.records[-1].getMessage() == (
        "Looked for template 'page.html' in:\n"
        "    1: app 'test_app' (DictLoader): no match\n"
        "    2: blueprint 'shop' (DictLoader): found"
    )


def test_explain_template_loading_attempts_reads_like_the_apps_own(
    tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The same lookup, explained by the app (EXPLAIN_TEMPLATE_LOADING) and
    # by the helper, gives the same message.
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("app page")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "page.html").write_text("shop page")
    app = App("site", root_path=str(tmp_path))
    shop = Blueprint("shop", "shop", root_path=str(tmp_path), template_folder="shop")
    app.register_blueprint(shop)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        with app.app_context():
            assert render_template("page.html") == "app page"
        own = caplog.records[-1].getMessage()
        attempts = [
            (loader, owner, loader.get_source(app.jinja_env, "page.html"))
            for owner, loader in ((app, app.jinja_loader), (shop, shop.jinja_loader))
            if loader is not None
        ]
        explain_template_loading_attempts(app, "page.html", attempts)
    assert len(attempts) == 2
    assert caplog.records[-1].getMessage() == own
    assert "several folders have it" in own


def test_explain_template_loading_attempts_says_when_nothing_matched(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        explain_template_loading_attempts(
            app, "gone.html", [(DictLoader({}), app, None)]
        )
    assert "found nowhere" in caplog.text
