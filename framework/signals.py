"""The blinker signals the framework sends, all with ``sender=app``.

Layer 0. Subscribe with ``signal.connect(receiver, app)`` (or
``connect_via``); a receiver gets the app and the keyword arguments listed
beside each signal. The package checks ``signal.receivers`` before each
send, so a signal with no receivers costs one attribute read per request.
"""

from __future__ import annotations

# Also importable from here, as from flask.signals: extensions make their
# own signals with it (Flask-Login's come from flask.signals.Namespace).
from blinker import NamedSignal, Namespace

_signals = Namespace()

# In the order a request meets them. Names and keyword arguments are Flask's
# for its ten signals; those marked "new" are ours.

#: An application context was pushed.
appcontext_pushed: NamedSignal = _signals.signal("appcontext-pushed")
#: The URL was matched, with ``rule`` and ``view_args`` (new; sent when the
#: request context is pushed, so before ``request_started``).
request_matched: NamedSignal = _signals.signal("request-matched")
#: The request context is set up; no ``before_request`` hook has run yet.
request_started: NamedSignal = _signals.signal("request-started")
#: The session was opened, with ``session`` (new).
session_opened: NamedSignal = _signals.signal("session-opened")
#: A template is about to render, with ``template`` and ``context``.
before_render_template: NamedSignal = _signals.signal("before-render-template")
#: A template has rendered, with ``template`` and ``context``.
template_rendered: NamedSignal = _signals.signal("template-rendered")
#: ``flash()`` stored a message, with ``message`` and ``category``.
message_flashed: NamedSignal = _signals.signal("message-flashed")
#: The session was saved, with ``session`` (new).
session_saved: NamedSignal = _signals.signal("session-saved")
#: The response is ready to send, with ``response``.
request_finished: NamedSignal = _signals.signal("request-finished")
#: An exception no handler took reached error handling, with ``exception``.
got_request_exception: NamedSignal = _signals.signal("got-request-exception")
#: The request context is tearing down, with ``exc``.
request_tearing_down: NamedSignal = _signals.signal("request-tearing-down")
#: The application context is tearing down, with ``exc``.
appcontext_tearing_down: NamedSignal = _signals.signal("appcontext-tearing-down")
#: An application context was popped.
appcontext_popped: NamedSignal = _signals.signal("appcontext-popped")
#: A WebSocket connection's context is set up; no ``before_websocket`` hook
#: has run yet (new, Quart's name).
websocket_started: NamedSignal = _signals.signal("websocket-started")
#: A WebSocket connection ended without an error in the app: the handler
#: and its ``after_websocket`` hooks returned, or the client went away
#: (new, Quart's name).
websocket_finished: NamedSignal = _signals.signal("websocket-finished")
#: A WebSocket handler or hook raised, with ``exception``; the connection
#: is closed with 1011 (new, Quart's name).
got_websocket_exception: NamedSignal = _signals.signal("got-websocket-exception")

# Setup, outside any request (all new).

#: Configuration was loaded, with ``source``.
config_loaded: NamedSignal = _signals.signal("config-loaded")
#: A blueprint was registered, with ``blueprint`` and ``options``.
blueprint_registered: NamedSignal = _signals.signal("blueprint-registered")
#: Setup froze, at the first request; sent once.
app_ready: NamedSignal = _signals.signal("app-ready")

#: The signals sent around every request, by the contexts and the
#: dispatcher.
_REQUEST_PATH = (
    appcontext_pushed,
    request_matched,
    request_started,
    request_finished,
    request_tearing_down,
    appcontext_tearing_down,
    appcontext_popped,
)

#: Whether none of the signals sent around every request has a receiver:
#: then a request whose view has no hooks either may skip every send. One
#: read instead of seven ``receivers`` checks (ASGI hello). Kept on each
#: ``connect`` and ``disconnect``; a weak receiver collected without a
#: disconnect leaves it ``False`` until :func:`refresh_request_path_quiet`
#: runs again (the dispatcher calls it while it is ``False``).
request_path_quiet = True


def refresh_request_path_quiet() -> bool:
    """Count the receivers of the request signals again; the new value of
    :data:`request_path_quiet`."""
    global request_path_quiet
    request_path_quiet = not any(s.receivers for s in _REQUEST_PATH)
    return request_path_quiet


def _recount(signal: object, **kwargs: object) -> None:
    refresh_request_path_quiet()


for _signal in _REQUEST_PATH:
    _signal.receiver_connected.connect(_recount)
    _signal.receiver_disconnected.connect(_recount)
del _signal

__all__ = [
    "app_ready",
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "blueprint_registered",
    "config_loaded",
    "got_request_exception",
    "got_websocket_exception",
    "message_flashed",
    "request_finished",
    "request_matched",
    "request_started",
    "request_tearing_down",
    "session_opened",
    "session_saved",
    "template_rendered",
    "websocket_finished",
    "websocket_started",
]
