"""framework.debughelpers: Flask's development-time errors and helpers."""

from __future__ import annotations

import io
import logging
import pathlib

import pytest
from jinja2 import DictLoader, TemplateNotFound
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
        "Looking for template 'page.html', loader by loader:\n"
        "    1: trying loader of application 'test_app'\n"
        "       jinja2.loaders.DictLoader -> no match\n"
        "    2: trying loader of blueprint 'shop' (test_debughelpers)\n"
        "       jinja2.loaders.DictLoader -> found"
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
    assert "2 loaders have the template; the first one wins" in own


def test_explain_template_loading_attempts_says_when_nothing_matched(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        explain_template_loading_attempts(
            app, "gone.html", [(DictLoader({}), app, None)]
        )
    assert "Error: the template could not be found." in caplog.text


# -- raised by the app itself in debug mode -----------------------------------


def _upload_view(app: App) -> None:
    @app.post("/upload")
    def upload() -> str:
        return request.files["cv"].filename or ""


def test_debug_mode_explains_a_file_sent_without_multipart(app: App) -> None:
    app.debug = True
    _upload_view(app)
    with pytest.raises(DebugFilesKeyError) as caught:
        app.test_client().post("/upload", data={"cv": "cv.pdf"})
    message = str(caught.value)
    assert "no file contents were transmitted" in message
    assert "This was submitted: 'cv.pdf'" in message


def test_without_debug_a_file_sent_without_multipart_is_a_400(app: App) -> None:
    _upload_view(app)
    response = app.test_client().post("/upload", data={"cv": "cv.pdf"})
    assert response.status_code == 400


def test_debug_mode_leaves_a_real_upload_alone(app: App) -> None:
    app.debug = True
    _upload_view(app)
    response = app.test_client().post(
        "/upload", data={"cv": (io.BytesIO(b"pdf"), "cv.pdf")}
    )
    assert response.data == b"cv.pdf"


def _slashed_form(app: App) -> None:
    @app.route("/items/", methods=["GET", "POST"])
    def items() -> str:
        return request.form.get("name", "none")


def test_debug_mode_refuses_a_redirect_that_drops_a_form(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.debug = True
    _slashed_form(app)
    monkeypatch.setattr(RequestRedirect, "code", 301)
    with pytest.raises(FormDataRoutingRedirect) as caught:
        app.test_client().post("/items", data={"name": "x"})
    message = str(caught.value)
    assert "canonical URL 'http://localhost/items/'" in message
    assert "ends with a slash" in message


def test_a_308_redirect_keeps_the_form_even_in_debug_mode(app: App) -> None:
    app.debug = True
    _slashed_form(app)
    response = app.test_client().post(
        "/items", data={"name": "x"}, follow_redirects=True
    )
    assert response.data == b"x"


@pytest.mark.parametrize("debug", [False, True])
def test_a_get_or_a_non_debug_post_is_simply_redirected(
    app: App, monkeypatch: pytest.MonkeyPatch, debug: bool
) -> None:
    app.debug = debug
    _slashed_form(app)
    monkeypatch.setattr(RequestRedirect, "code", 301)
    client = app.test_client()
    assert client.get("/items").status_code == 301
    if not debug:
        assert client.post("/items", data={"name": "x"}).status_code == 301


def test_a_missing_template_in_a_blueprint_view_points_at_its_folder(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    shop = Blueprint("shop", __name__)

    @shop.get("/shop")
    def page() -> str:
        return render_template("shop_page.html")

    app.register_blueprint(shop)
    app.config["EXPLAIN_TEMPLATE_LOADING"] = True
    with (
        caplog.at_level(logging.INFO, logger=app.logger.name),
        pytest.raises(TemplateNotFound),
    ):
        app.test_client().get("/shop")
    message = caplog.records[-1].getMessage()
    assert "1: trying loader of application 'test_app'" in message
    assert "Error: the template could not be found." in message
    assert "belongs to the blueprint 'shop'" in message
