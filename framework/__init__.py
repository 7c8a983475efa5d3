"""framework: a micro web framework with Flask's API, a layered core of
swappable strategies, strict typing and a fast request path.

The package's names are imported on first use (:pep:`562`): ``import
framework`` alone loads almost nothing, ``framework.App`` loads what an app
needs, and the templates, the ASGI and WebSocket machinery, the command line
and the development server load when something first uses them.
"""

from __future__ import annotations

import sys
import typing as t

from ._werkzeug_package import install as _install_werkzeug

# Before anything imports werkzeug: its package __init__ loads a development
# server and a test client that most processes never use.
_install_werkzeug()

if t.TYPE_CHECKING:  # pragma: no cover
    from . import json as json
    from .app import App as App
    from .blueprints import Blueprint as Blueprint
    from .config import Config as Config
    from .ctx import after_this_request as after_this_request
    from .ctx import copy_current_request_context as copy_current_request_context
    from .ctx import has_app_context as has_app_context
    from .ctx import has_request_context as has_request_context
    from .globals import current_app as current_app
    from .globals import g as g
    from .globals import request as request
    from .globals import session as session
    from .globals import websocket as websocket
    from .helpers import abort as abort
    from .helpers import flash as flash
    from .helpers import get_flashed_messages as get_flashed_messages
    from .helpers import get_template_attribute as get_template_attribute
    from .helpers import make_response as make_response
    from .helpers import redirect as redirect
    from .helpers import send_file as send_file
    from .helpers import send_from_directory as send_from_directory
    from .helpers import stream_with_context as stream_with_context
    from .helpers import url_for as url_for
    from .json import jsonify as jsonify
    from .signals import appcontext_popped as appcontext_popped
    from .signals import appcontext_pushed as appcontext_pushed
    from .signals import appcontext_tearing_down as appcontext_tearing_down
    from .signals import before_render_template as before_render_template
    from .signals import got_request_exception as got_request_exception
    from .signals import got_websocket_exception as got_websocket_exception
    from .signals import message_flashed as message_flashed
    from .signals import request_finished as request_finished
    from .signals import request_started as request_started
    from .signals import request_tearing_down as request_tearing_down
    from .signals import template_rendered as template_rendered
    from .signals import websocket_finished as websocket_finished
    from .signals import websocket_started as websocket_started
    from .sse import Event as Event
    from .sse import EventStream as EventStream
    from .templating import render_template as render_template
    from .templating import render_template_string as render_template_string
    from .templating import stream_template as stream_template
    from .templating import stream_template_string as stream_template_string
    from .websockets import WebSocketDisconnect as WebSocketDisconnect
    from .wrappers import Request as Request
    from .wrappers import Response as Response

__version__ = "0.1.0.dev0"

#: Each exported name and the module of this package that defines it (a
#: submodule's own name: the submodule).
_EXPORTS: dict[str, str] = {
    "json": "json",
    "App": "app",
    "Blueprint": "blueprints",
    "Config": "config",
    "after_this_request": "ctx",
    "copy_current_request_context": "ctx",
    "has_app_context": "ctx",
    "has_request_context": "ctx",
    "current_app": "globals",
    "g": "globals",
    "request": "globals",
    "session": "globals",
    "websocket": "globals",
    "abort": "helpers",
    "flash": "helpers",
    "get_flashed_messages": "helpers",
    "get_template_attribute": "helpers",
    "make_response": "helpers",
    "redirect": "helpers",
    "send_file": "helpers",
    "send_from_directory": "helpers",
    "stream_with_context": "helpers",
    "url_for": "helpers",
    "jsonify": "json",
    "appcontext_popped": "signals",
    "appcontext_pushed": "signals",
    "appcontext_tearing_down": "signals",
    "before_render_template": "signals",
    "got_request_exception": "signals",
    "got_websocket_exception": "signals",
    "message_flashed": "signals",
    "request_finished": "signals",
    "request_started": "signals",
    "request_tearing_down": "signals",
    "template_rendered": "signals",
    "websocket_finished": "signals",
    "websocket_started": "signals",
    "Event": "sse",
    "EventStream": "sse",
    "render_template": "templating",
    "render_template_string": "templating",
    "stream_template": "templating",
    "stream_template_string": "templating",
    "WebSocketDisconnect": "websockets",
    "Request": "wrappers",
    "Response": "wrappers",
}

# A literal, for type checkers (``from framework import *`` in stubs).
__all__ = [
    "App",
    "Blueprint",
    "Config",
    "Event",
    "EventStream",
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

# This namespace; the builtin globals() is hidden once framework.globals is
# imported, as the submodule becomes this package's attribute "globals".
_namespace = globals()


def __getattr__(name: str) -> t.Any:
    """Import an exported name's module on first access; the name is kept
    here, so later reads are plain attribute reads."""
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    # __import__, not importlib.import_module: the interpreter's own import
    # path, which ``python -X importtime`` sees and times as one entry.
    __import__(f"{__name__}.{module}")
    loaded = sys.modules[f"{__name__}.{module}"]
    value = loaded if module == name else getattr(loaded, name)
    _namespace[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*_namespace, *_EXPORTS})
