"""The blinker signals the framework sends, all with ``sender=app``.

Layer 0. Flask's ten signals keep their names and keyword arguments; the
others are additions (see DESIGN.md). Every send in the package is guarded by
``if signal.receivers:`` so that a signal nobody listens to costs one
attribute read.
"""

from __future__ import annotations

# Also importable from here, as from flask.signals: extensions make their
# own signals with it (Flask-Login's come from flask.signals.Namespace).
from blinker import Namespace

_signals = Namespace()

#: Sent when a template was rendered, with ``template`` and ``context``.
template_rendered = _signals.signal("template-rendered")
#: Sent before a template renders, with ``template`` and ``context``.
before_render_template = _signals.signal("before-render-template")
#: Sent when a request context was set up, before any ``before_request``.
request_started = _signals.signal("request-started")
#: Sent when the URL was matched, with ``rule`` and ``view_args`` (new).
request_matched = _signals.signal("request-matched")
#: Sent when the response is ready, with ``response``.
request_finished = _signals.signal("request-finished")
#: Sent as the request context tears down, with ``exc``.
request_tearing_down = _signals.signal("request-tearing-down")
#: Sent when an unhandled exception reaches the error handling, with
#: ``exception``.
got_request_exception = _signals.signal("got-request-exception")
#: Sent as the application context tears down, with ``exc``.
appcontext_tearing_down = _signals.signal("appcontext-tearing-down")
#: Sent when an application context was pushed.
appcontext_pushed = _signals.signal("appcontext-pushed")
#: Sent when an application context was popped.
appcontext_popped = _signals.signal("appcontext-popped")
#: Sent by ``flash``, with ``message`` and ``category``.
message_flashed = _signals.signal("message-flashed")
#: Sent when the session was opened, with ``session`` (new).
session_opened = _signals.signal("session-opened")
#: Sent when the session was saved, with ``session`` (new).
session_saved = _signals.signal("session-saved")
#: Sent when configuration was loaded, with ``source`` (new).
config_loaded = _signals.signal("config-loaded")
#: Sent when a blueprint was registered, with ``blueprint`` and ``options``
#: (new).
blueprint_registered = _signals.signal("blueprint-registered")
#: Sent once, when setup freezes at the first request (new).
app_ready = _signals.signal("app-ready")

__all__ = [
    "app_ready",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "blueprint_registered",
    "config_loaded",
    "got_request_exception",
    "message_flashed",
    "request_finished",
    "request_matched",
    "request_started",
    "request_tearing_down",
    "session_opened",
    "session_saved",
    "template_rendered",
]
