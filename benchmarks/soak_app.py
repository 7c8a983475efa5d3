"""The app ``benchmarks/soak.py`` serves: one view per kind of request of
its mix, written with the public API only.

Serve it as ``framework --app benchmarks.soak_app serve`` from the
repository root. Its ``root_path`` is this folder, so it renders
``templates/items.html``, the template of ``benchmarks/run.py``; its static
folder is that same ``templates`` folder, so ``/static/items.html`` is a
real file sent the way any static file is, with no folder of its own.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterator

from framework import (
    App,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from framework.typing import ResponseReturnValue

from .payloads import records

#: How many records ``/large-json`` sends: about 30 KB of JSON.
LARGE_JSON_RECORDS = 200

#: How many chunks ``/stream`` yields, and the size of each.
STREAM_CHUNKS = 20
STREAM_CHUNK_SIZE = 512

#: The items ``/template`` renders; each holds characters autoescaping
#: changes, so the body shows that it ran.
TEMPLATE_ITEMS = [f"<b>item {i} & co</b>" for i in range(10)]


class DeliberateError(RuntimeError):
    """What ``/raise`` raises: the generic 500 page must show none of it."""


def large_payload() -> list[dict[str, t.Any]]:
    """:data:`LARGE_JSON_RECORDS` records: see :func:`benchmarks.payloads.records`."""
    return records(LARGE_JSON_RECORDS)


def create_app() -> App:
    """The soak app, in production mode (debug off)."""
    app = App(__name__, static_folder="templates", static_url_path="/static")
    app.secret_key = "soak: not a secret, the app only counts visits"
    payload = large_payload()

    @app.get("/")
    def hello() -> str:
        return "Hello, World!"

    @app.post("/json")
    def echo_json() -> dict[str, t.Any]:
        # Malformed JSON never gets here: get_json answers 400 for it.
        data = request.get_json()
        return {"echo": data, "count": len(data["items"])}

    @app.get("/template")
    def page() -> str:
        return render_template("items.html", items=TEMPLATE_ITEMS)

    @app.get("/session")
    def visits() -> str:
        session["visits"] = session.get("visits", 0) + 1
        return str(session["visits"])

    @app.post("/form")
    def order() -> str:
        return f"{request.form['name']} x {int(request.form['quantity'])}"

    @app.get("/redirect")
    def moved() -> ResponseReturnValue:
        return redirect(url_for("hello"))

    @app.get("/raise")
    def fail() -> str:
        raise DeliberateError("the soak app's deliberate error")

    @app.get("/stream")
    def stream() -> Response:
        def chunks() -> Iterator[str]:
            # Reading the request while streaming is what
            # stream_with_context is for.
            fill = request.args.get("fill", "x")
            for _ in range(STREAM_CHUNKS):
                yield fill * STREAM_CHUNK_SIZE

        return Response(stream_with_context(chunks()), mimetype="text/plain")

    @app.get("/large-json")
    def large_json() -> Response:
        return jsonify(payload)

    return app


app = create_app()
