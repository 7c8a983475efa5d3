"""Message flashing: stored in the session, shown once, filtered by
category, available in templates, signalled."""

from __future__ import annotations

import typing as t

import pytest

from framework import App, flash, get_flashed_messages, render_template_string
from framework.signals import message_flashed


@pytest.fixture
def app() -> App:
    app = App("flash_app")
    app.testing = True
    app.secret_key = "flash secret"

    @app.post("/flash")
    def add() -> str:
        flash("saved")
        flash("careful", "warning")
        flash("<b>broken</b>", "error")
        return "flashed"

    @app.get("/show")
    def show() -> t.Any:
        return {"messages": get_flashed_messages()}

    return app


def test_messages_show_once(app: App) -> None:
    client = app.test_client()
    client.post("/flash")
    assert client.get("/show").json == {
        "messages": ["saved", "careful", "<b>broken</b>"]
    }
    assert client.get("/show").json == {"messages": []}


def test_categories_and_filters(app: App) -> None:
    @app.get("/detail")
    def detail() -> t.Any:
        return {
            "all": get_flashed_messages(with_categories=True),
            "errors": get_flashed_messages(category_filter=["error"]),
            "warnings": get_flashed_messages(True, ["warning"]),
            "again": get_flashed_messages(),
        }

    client = app.test_client()
    client.post("/flash")
    assert client.get("/detail").json == {
        "all": [
            ["message", "saved"],
            ["warning", "careful"],
            ["error", "<b>broken</b>"],
        ],
        "errors": ["<b>broken</b>"],
        "warnings": [["warning", "careful"]],
        "again": ["saved", "careful", "<b>broken</b>"],
    }


def test_messages_in_templates_are_escaped(app: App) -> None:
    @app.get("/page")
    def page() -> str:
        return render_template_string(
            "{% for c, m in get_flashed_messages(with_categories=true) %}"
            "[{{ c }}:{{ m }}]{% endfor %}"
        )

    client = app.test_client()
    client.post("/flash")
    assert client.get("/page").data == (
        b"[message:saved][warning:careful][error:&lt;b&gt;broken&lt;/b&gt;]"
    )


def test_message_flashed_signal(app: App) -> None:
    sent: list[tuple[str, str]] = []

    def record(sender: App, message: str, category: str) -> None:
        sent.append((category, message))

    with message_flashed.connected_to(record, app):
        app.test_client().post("/flash")
    assert sent == [
        ("message", "saved"),
        ("warning", "careful"),
        ("error", "<b>broken</b>"),
    ]


def test_flash_without_a_secret_key_names_secret_key() -> None:
    app = App("no_key")
    app.testing = True

    @app.post("/flash")
    def add() -> str:
        flash("x")
        return "never"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        app.test_client().post("/flash")


def test_flash_outside_a_request_raises(app: App) -> None:
    with pytest.raises(RuntimeError, match="flash"), app.app_context():
        flash("x")
