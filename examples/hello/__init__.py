"""A small example app; ``python -m examples.hello`` serves it on
http://127.0.0.1:5000/ (``make run`` serves the blog, ``examples.blog``).

Two blueprints make it up: ``books`` (HTML pages, with its own templates and
static files) and ``api`` (JSON, with class-based views). The app itself
holds the shared layout (``templates/layout.html``), the stylesheet
(``static/style.css``), the HTML 404 page and a timing hook.
"""

from __future__ import annotations

import os
import time
import typing as t

from framework import App, g, redirect, render_template, url_for

from .api import bp as api
from .books import bp as books


def create_app() -> App:
    app = App(__name__)
    # Sessions, and so flashed messages, are signed with the secret key. In
    # production set FRAMEWORK_SECRET_KEY to a long random value: anyone who
    # knows the key can forge sessions.
    app.secret_key = os.environ.get("FRAMEWORK_SECRET_KEY", "dev-only-not-a-secret")

    app.register_blueprint(books)
    app.register_blueprint(api)

    @app.get("/")
    def index() -> t.Any:
        return redirect(url_for("books.index"))

    @app.errorhandler(404)
    def not_found(error: t.Any) -> tuple[str, int]:
        return render_template("404.html"), 404

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def add_timing(response: t.Any) -> t.Any:
        elapsed_ms = (time.perf_counter() - g.started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.2f}"
        return response

    return app


app = create_app()
