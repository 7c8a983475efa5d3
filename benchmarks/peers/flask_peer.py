"""Flask served to an ASGI server through a2wsgi's ``WSGIMiddleware``: what
a Flask user who needs an ASGI server does today.

The apps are the WSGI benchmarks' Flask apps, unchanged; a2wsgi runs each
request in its thread pool and carries the response back to the loop.
"""

from __future__ import annotations

from collections.abc import Callable

import flask
from a2wsgi import WSGIMiddleware

from .. import run
from ..asgi_driver import ASGIApp
from . import flaskapi

__all__ = ["SYNC"]


def _bridged(build: Callable[[], object]) -> Callable[[], ASGIApp]:
    """A builder of the Flask app of ``build``, behind a2wsgi."""

    def bridged() -> ASGIApp:
        return WSGIMiddleware(build())  # type: ignore[arg-type,return-value]

    return bridged


#: Flask's ``def`` views, by scenario.
SYNC: dict[str, Callable[[], ASGIApp]] = {
    "hello": _bridged(lambda: run.build_hello(run.FLASK)),
    "json": _bridged(lambda: run.build_json(run.FLASK)),
    "json-echo": _bridged(lambda: flaskapi.build_json_echo(flask.Flask, flask.request)),
    "routing": _bridged(lambda: run.build_routing(run.FLASK)),
    "404": _bridged(lambda: run.build_not_found(run.FLASK)),
    "hooks": _bridged(lambda: run.build_hooks(run.FLASK)),
    "template": _bridged(lambda: run.build_template(run.FLASK)),
    "form": _bridged(lambda: flaskapi.build_form(flask.Flask, flask.request)),
    "json-large": _bridged(lambda: run.build_json_large(run.FLASK)),
    "session": _bridged(lambda: run.build_session_write(run.FLASK)),
}
