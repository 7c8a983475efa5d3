"""CSRF protection for framework apps.

:class:`CSRFProtect` keeps one random token per session and refuses a
request with an unsafe method (anything but ``GET``, ``HEAD``, ``OPTIONS``
and ``TRACE``) unless it sends that token back, in a form field or in a
header. Pages put the token in their forms with ``{{ csrf_token() }}``::

    from framework import App
    from framework_csrf import CSRFProtect

    app = App(__name__)
    app.secret_key = "a long random value"
    csrf = CSRFProtect(app)

The extension uses only the public API: a ``before_request`` hook, a
template global, a blueprint setup callback, the session and the config.
"""

from __future__ import annotations

import hmac
import secrets
import typing as t

from werkzeug.exceptions import BadRequest

from framework import App, Blueprint, current_app, request, session

if t.TYPE_CHECKING:
    from framework.blueprints import BlueprintSetupState

__all__ = ["EXTENSION_KEY", "CSRFError", "CSRFProtect", "csrf_token", "validate_csrf"]

#: The key of :attr:`App.extensions <framework.App.extensions>` this
#: extension is stored under.
EXTENSION_KEY: t.Final[str] = "framework_csrf"

#: Methods that must not change state, and are never checked.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

#: The config keys and their defaults, set by :meth:`CSRFProtect.init_app`.
DEFAULTS: dict[str, t.Any] = {
    "CSRF_ENABLED": True,
    "CSRF_FIELD_NAME": "csrf_token",
    "CSRF_HEADER_NAME": "X-CSRFToken",
    "CSRF_SESSION_KEY": "_csrf_token",
}

_T = t.TypeVar("_T", bound="t.Callable[..., t.Any] | Blueprint")


class CSRFError(BadRequest):
    """A request failed the CSRF check: **400 Bad Request**.

    Register an error handler for it to answer differently, for example
    with a page that asks the user to reload the form::

        @app.errorhandler(CSRFError)
        def csrf_failed(e):
            return {"error": e.description}, 400
    """

    description = "The CSRF token is missing or invalid."


def _config(key: str) -> t.Any:
    return current_app.config.get(key, DEFAULTS[key])


def csrf_token() -> str:
    """The CSRF token of the current session, created on first use.

    The same token is returned for every request of a session until the
    session is cleared; it is stored in the session under
    ``CSRF_SESSION_KEY``. Needs a request context and a secret key (the
    session must be writable). Templates call it as ``{{ csrf_token() }}``.

    :return: a URL-safe random string.
    """
    key = _config("CSRF_SESSION_KEY")
    token = session.get(key)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[key] = token
    return token


def validate_csrf(token: str | None) -> None:
    """Check ``token`` against the current session's token, in constant
    time.

    :param token: the token the client sent, or ``None`` if it sent none.
    :raise CSRFError: if the token is missing, the session has no token, or
        the two differ.
    """
    if not token:
        raise CSRFError("The CSRF token is missing.")
    expected = session.get(_config("CSRF_SESSION_KEY"))
    if not isinstance(expected, str) or not expected:
        raise CSRFError(
            "The CSRF session token is missing: load the form again (the"
            " session may have expired or been cleared)."
        )
    # Compare bytes: compare_digest refuses str with non-ASCII characters.
    if not hmac.compare_digest(
        token.encode("utf-8", "surrogateescape"),
        expected.encode("utf-8", "surrogateescape"),
    ):
        raise CSRFError("The CSRF token is invalid.")


def _free_template_global(app: App, name: str) -> bool:
    """Whether ``name`` is no other extension's template global yet: not
    registered through the app, nor set on a Jinja environment that exists
    already (Flask-WTF writes ``app.jinja_env.globals`` directly). Looking
    does not create the environment."""
    existing: object = app.template_globals.get(name)
    if existing is None and app.template_renderer.created:
        existing = app.jinja_env.globals.get(name)
    return existing is None or existing is csrf_token


class CSRFProtect:
    """The CSRF extension: checks the token of every unsafe request.

    Use it directly, ``CSRFProtect(app)``, or with an app factory,
    ``csrf = CSRFProtect()`` then ``csrf.init_app(app)``. One instance may
    serve several apps; :meth:`exempt` applies to all of them.

    Config keys (set on the app; defaults are added by :meth:`init_app`):

    ``CSRF_ENABLED``
        Check requests (default ``True``). Tests often turn it off;
        :func:`csrf_token` keeps working.
    ``CSRF_FIELD_NAME``
        The form field that carries the token (default ``"csrf_token"``).
    ``CSRF_HEADER_NAME``
        The header that carries the token, for JavaScript clients (default
        ``"X-CSRFToken"``).
    ``CSRF_SESSION_KEY``
        The session key the token is stored under (default
        ``"_csrf_token"``).

    :param app: an app to set up right away.
    """

    def __init__(self, app: App | None = None) -> None:
        self._exempt_views: set[t.Callable[..., t.Any]] = set()
        self._exempt_blueprints: set[str] = set()
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Set up ``app``: config defaults, ``app.extensions["framework_csrf"]``,
        the ``csrf_token`` and ``framework_csrf_token`` template globals and
        the checking hook.

        ``csrf_token`` is left alone when another extension already set it
        (Flask-WTF's, through the Flask alias); ``framework_csrf_token`` is
        always this extension's.

        :param app: the app to protect.
        """
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        # Not "csrf": Flask-WTF registers its CSRFProtect there, and Flask
        # extensions (Flask-Security-Too, Flask-AppBuilder) look it up by
        # that key expecting Flask-WTF's object.
        app.extensions[EXTENSION_KEY] = self
        app.add_template_global(csrf_token, "framework_csrf_token")
        if _free_template_global(app, "csrf_token"):
            app.add_template_global(csrf_token, "csrf_token")
        app.before_request(self._check_request)

    def exempt(self, view: _T) -> _T:
        """Skip the check for a view function, or for every view of a
        blueprint (and of the blueprints nested in it). Usable as a
        decorator, above or below the route decorator::

            @csrf.exempt
            @app.post("/webhook")
            def webhook(): ...

            csrf.exempt(api_blueprint)

        Exempt a blueprint before registering it so that registrations
        under another ``name=`` or inside a parent blueprint are exempt
        too; exempted later, it is matched by its own name only.

        :param view: a view function (or the view of ``View.as_view()``),
            or a :class:`~framework.Blueprint`.
        :return: ``view``, unchanged.
        """
        if isinstance(view, Blueprint):
            self._exempt_blueprints.add(view.name)

            def record_name(state: BlueprintSetupState) -> None:
                self._exempt_blueprints.add(state.full_name)

            # Once registered, a blueprint's setup is closed, and its own name
            # is all that can be matched.
            if not view.is_registered:
                view.record(record_name)
        else:
            self._exempt_views.add(view)
        return view

    def is_exempt(self) -> bool:
        """Whether the current request's view or one of its blueprints was
        exempted with :meth:`exempt`."""
        if any(name in self._exempt_blueprints for name in request.blueprints):
            return True
        endpoint = request.endpoint
        if endpoint is None:
            return False
        view = current_app.view_functions.get(endpoint)
        if view is None:
            return False
        return view in self._exempt_views or (
            getattr(view, "view_class", None) in self._exempt_views
        )

    def protect(self) -> None:
        """Check the current request's token now, whatever its method: for
        views exempted from the automatic check that still want it.

        :raise CSRFError: if the token is missing or wrong.
        """
        token = request.form.get(_config("CSRF_FIELD_NAME")) or request.headers.get(
            _config("CSRF_HEADER_NAME")
        )
        validate_csrf(token)

    def _check_request(self) -> None:
        """The ``before_request`` hook: check unsafe requests that routed to
        a view that is not exempt."""
        if not _config("CSRF_ENABLED"):
            return
        if request.method in SAFE_METHODS:
            return
        # A request that did not route ends in 404 or 405 anyway.
        if request.endpoint is None:
            return
        if self.is_exempt():
            return
        self.protect()
