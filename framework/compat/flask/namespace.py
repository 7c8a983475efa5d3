"""What ``import flask`` gives once :func:`framework.compat.flask.install`
ran: Flask's top-level names, bound to this framework's objects.

Everything the ``framework`` package exports is here under the same name,
plus ``Flask``, Flask's name for :class:`~framework.App`; as on the
``framework`` package, a name's module is imported on first access.
Flask's submodules (``flask.json``, ``flask.globals``...) are reachable as
attributes, as they are on Flask's own package.
"""

from __future__ import annotations

import importlib
import typing as t

import framework
from framework import App as App
from framework.compat.flask import FLASK_MODULES

if t.TYPE_CHECKING:  # pragma: no cover
    from framework import Blueprint as Blueprint
    from framework import Config as Config
    from framework import Event as Event
    from framework import EventStream as EventStream
    from framework import Request as Request
    from framework import Response as Response
    from framework import WebSocketDisconnect as WebSocketDisconnect
    from framework import abort as abort
    from framework import after_this_request as after_this_request
    from framework import appcontext_popped as appcontext_popped
    from framework import appcontext_pushed as appcontext_pushed
    from framework import appcontext_tearing_down as appcontext_tearing_down
    from framework import before_render_template as before_render_template
    from framework import copy_current_request_context as copy_current_request_context
    from framework import current_app as current_app
    from framework import flash as flash
    from framework import g as g
    from framework import get_flashed_messages as get_flashed_messages
    from framework import get_template_attribute as get_template_attribute
    from framework import got_request_exception as got_request_exception
    from framework import got_websocket_exception as got_websocket_exception
    from framework import has_app_context as has_app_context
    from framework import has_request_context as has_request_context
    from framework import json as json
    from framework import jsonify as jsonify
    from framework import make_response as make_response
    from framework import message_flashed as message_flashed
    from framework import redirect as redirect
    from framework import render_template as render_template
    from framework import render_template_string as render_template_string
    from framework import request as request
    from framework import request_finished as request_finished
    from framework import request_started as request_started
    from framework import request_tearing_down as request_tearing_down
    from framework import send_file as send_file
    from framework import send_from_directory as send_from_directory
    from framework import session as session
    from framework import stream_template as stream_template
    from framework import stream_template_string as stream_template_string
    from framework import stream_with_context as stream_with_context
    from framework import template_rendered as template_rendered
    from framework import url_for as url_for
    from framework import websocket as websocket
    from framework import websocket_finished as websocket_finished
    from framework import websocket_started as websocket_started

#: Flask's name for the application class: ``Flask is App``.
Flask = App

#: The Flask API level this framework implements, for extensions that
#: compare ``flask.__version__`` to pick a code path. It is not the
#: framework's own version (``framework.__version__``).
__version__ = "3.1.0"

#: What ``from flask import *`` gives: the names are imported on first use,
#: so the module's dictionary does not list them all until then. A literal,
#: for tools that read it without importing: ``framework.__all__`` and
#: ``Flask`` (tests/test_startup.py checks that they agree).
__all__ = [
    "App",
    "Blueprint",
    "Config",
    "Event",
    "EventStream",
    "Flask",
    "Request",
    "Response",
    "WebSocketDisconnect",
    "abort",
    "after_this_request",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "got_websocket_exception",
    "has_app_context",
    "has_request_context",
    "json",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
    "websocket",
    "websocket_finished",
    "websocket_started",
]

# This namespace; the builtin globals() is hidden once "import flask.globals"
# makes that submodule this module's attribute "globals".
_namespace = globals()


def __getattr__(name: str) -> t.Any:
    """A name ``framework`` exports, imported on first access and kept here;
    or ``flask.<name>``, imported on first access, as ``import flask`` makes
    Flask's submodules available as attributes."""
    if name in framework.__all__:
        value = getattr(framework, name)
        _namespace[name] = value
        return value
    if name.startswith("_") or f"flask.{name}" not in FLASK_MODULES:
        raise AttributeError(f"module 'flask' has no attribute {name!r}")
    return importlib.import_module(f"flask.{name}")


def __dir__() -> list[str]:
    return sorted({*_namespace, *framework.__all__})
