"""Errors and helpers that explain common mistakes during development.

Layer 4. Flask's ``flask.debughelpers`` names, for code and extensions that
import them. In debug mode the app raises these on its own: reading a file
field of a form sent without ``enctype="multipart/form-data"`` raises
:class:`DebugFilesKeyError` (the request installs
:func:`attach_enctype_error_multidict`), and a routing redirect that would
make the browser drop a form body raises :class:`FormDataRoutingRedirect`
(the dispatcher checks). Outside debug mode the same mistakes are a 400
and a redirect. The two errors live beside the code that raises them, in
lower layers, and are re-exported here. The app's template loader explains
its own lookups when ``EXPLAIN_TEMPLATE_LOADING`` is set;
:func:`explain_template_loading_attempts` does the same for a loader of
your own.
"""

from __future__ import annotations

import typing as t

from jinja2.loaders import BaseLoader

from .dispatch import FormDataRoutingRedirect
from .jinja_environment import _log_lookup
from .wrappers import DebugFilesKeyError, attach_enctype_error_multidict

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .scaffold import Scaffold

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
