"""Errors and helpers that explain common mistakes during development.

Layer 4. Flask's ``flask.debughelpers`` names, for code and extensions that
import them. The core answers the mistakes these describe on its own (a
missing file field is a 400, a redirect is a redirect); call
:func:`attach_enctype_error_multidict` from a ``before_request`` hook in
debug mode for the louder error about a form without
``enctype="multipart/form-data"``. The app's template loader explains its
own lookups when ``EXPLAIN_TEMPLATE_LOADING`` is set;
:func:`explain_template_loading_attempts` does the same for a loader of
your own.
"""

from __future__ import annotations

import typing as t

from jinja2.loaders import BaseLoader
from werkzeug.routing import RequestRedirect

from .templating import _log_lookup

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .scaffold import Scaffold
    from .wrappers import Request

__all__ = [
    "DebugFilesKeyError",
    "FormDataRoutingRedirect",
    "UnexpectedUnicodeError",
    "attach_enctype_error_multidict",
    "explain_template_loading_attempts",
]


class UnexpectedUnicodeError(AssertionError, UnicodeError):
    """Text or bytes turned up where the other was expected; raised with a
    message that says where."""


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` failed because the form was not sent as
    ``multipart/form-data``: the browser sent the file's name in
    ``request.form`` instead of its content.

    :param request: the request whose ``files`` was read.
    :param key: the missing file field.
    """

    def __init__(self, request: Request, key: str) -> None:
        sent = request.form.getlist(key)
        message = (
            f"request.files has no file {key!r}: the request's mimetype is"
            f" {request.mimetype!r}, not 'multipart/form-data', so no file"
            ' content was sent. Add enctype="multipart/form-data" to the'
            " <form>."
        )
        if sent:
            names = ", ".join(repr(name) for name in sent)
            message += f" The browser sent only the file names: {names}."
        super().__init__(key)
        self.msg = message

    def __str__(self) -> str:
        return self.msg


class FormDataRoutingRedirect(AssertionError):
    """Routing answered a request that has a body (not ``GET``, ``HEAD`` or
    ``OPTIONS``) with a redirect that browsers follow without the body (not
    307 or 308), usually a missing trailing slash.

    :param request: the request; its ``routing_exception`` is the
        :class:`~werkzeug.routing.RequestRedirect`.
    """

    def __init__(self, request: Request) -> None:
        redirect = request.routing_exception
        if not isinstance(redirect, RequestRedirect):
            raise TypeError(
                "FormDataRoutingRedirect explains a routing redirect; this"
                f" request's routing_exception is {redirect!r}."
            )
        message = (
            f"{request.method} {request.url} was redirected to the canonical"
            f" URL {redirect.new_url}, and browsers drop the form data when"
            " they follow such a redirect."
        )
        if redirect.new_url.partition("?")[0] == f"{request.base_url}/":
            message += " The rule ends with a slash and the URL did not."
        message += (
            " Send the request to the canonical URL, or make the rule's"
            " redirect a 307 or 308."
        )
        super().__init__(message)


def attach_enctype_error_multidict(request: Request) -> None:
    """Make a missing key of ``request.files`` raise
    :class:`DebugFilesKeyError` instead of a plain ``KeyError`` when the
    form holds a field of that name: the sign of a form sent without
    ``enctype="multipart/form-data"``. For debug mode only.

    :param request: the request to change.
    """
    files = request.files
    base = type(files)

    def getitem(self: t.Any, key: str) -> t.Any:
        try:
            return base.__getitem__(self, key)
        except KeyError:
            if key not in request.form:
                raise
            raise DebugFilesKeyError(request, key) from None

    explained = type(base.__name__, (base,), {"__getitem__": getitem})
    explained.__module__ = base.__module__
    files.__class__ = explained


def explain_template_loading_attempts(
    app: App,
    template: str,
    attempts: list[tuple[BaseLoader, Scaffold, t.Any]],
) -> None:
    """Log at ``INFO`` on ``app.logger`` where ``template`` was looked for,
    in the words ``EXPLAIN_TEMPLATE_LOADING`` uses for the app's own
    lookups.

    :param app: the app whose logger gets the message.
    :param template: the template name.
    :param attempts: one ``(loader, app or blueprint, source)`` per folder
        searched, in order; ``source`` is what the loader's ``get_source``
        returned, or ``None`` when the folder does not have the template.
    """
    _log_lookup(
        app,
        template,
        [(owner, loader, source is not None) for loader, owner, source in attempts],
    )
