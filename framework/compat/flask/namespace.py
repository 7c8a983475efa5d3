"""What ``import flask`` gives once :func:`framework.compat.flask.install`
ran: Flask's top-level names, bound to this framework's objects.

Everything the ``framework`` package exports is here under the same name,
plus ``Flask``, Flask's name for :class:`~framework.App`. Flask's submodules
(``flask.json``, ``flask.globals``...) are reachable as attributes, as they
are on Flask's own package.
"""

from __future__ import annotations

import importlib
import types

from framework import App as App
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
from framework.compat.flask import FLASK_MODULES

#: Flask's name for the application class: ``Flask is App``.
Flask = App

#: The Flask API level this framework implements, for extensions that
#: compare ``flask.__version__`` to pick a code path. It is not the
#: framework's own version (``framework.__version__``).
__version__ = "3.1.0"


def __getattr__(name: str) -> types.ModuleType:
    """Import ``flask.<name>`` on first access, as ``import flask`` makes
    Flask's submodules available as attributes."""
    if name.startswith("_") or f"flask.{name}" not in FLASK_MODULES:
        raise AttributeError(f"module 'flask' has no attribute {name!r}")
    return importlib.import_module(f"flask.{name}")
