"""App's URL building: ``url_for``, its error handlers and defaults, URL
adapters, and redirects.

Layer 3, part of :mod:`framework.app`: :class:`URLMethods` is a base class
of :class:`~framework.App`, documented as ``App``'s methods. Matching and
building are the :class:`~framework.interfaces.Router` strategy's job;
these methods are the Flask-named way to reach it.
"""

from __future__ import annotations

import typing as t

from werkzeug.routing import BuildError, MapAdapter
from werkzeug.utils import redirect as _werkzeug_redirect

from .. import interfaces
from .. import typing as ft
from ..ctx import AppContext, RequestContext, _cv_context, _with_request_beneath
from ..wrappers import Request, check_redirect_target

if t.TYPE_CHECKING:  # pragma: no cover
    from ..interfaces import AppLike
    from . import MakesResponses, ResponseT

__all__ = ["URLMethods"]


def _ask_build_handler(
    handler: ft.URLBuildErrorHandler,
    error: BuildError,
    endpoint: str,
    values: dict[str, t.Any],
) -> tuple[str | None, BuildError]:
    """One URL build error handler's answer: its URL (``None`` for none),
    and the error to pass on, the one it raised if it raised one."""
    try:
        return handler(error, endpoint, values), error
    except BuildError as raised:
        return None, raised


class URLMethods:
    """Part of :class:`~framework.App`: its URL building methods."""

    if t.TYPE_CHECKING:
        # What these methods use of App, for the type checker.
        router: interfaces.Router
        url_build_error_handlers: list[ft.URLBuildErrorHandler]

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:
        """A URL adapter for ``request``, or for the app without a request
        (needs ``SERVER_NAME``)."""
        if request is None:
            return self.router.bind(AppContext(t.cast("AppLike", self)))
        app = t.cast("AppLike", self)
        return self.router.bind(RequestContext(app, request=request))

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Let the ``url_defaults`` callbacks fill in ``values``."""
        self.router.inject_url_defaults(_cv_context.get(None), endpoint, values)

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build the URL of ``endpoint``; see :func:`framework.url_for`."""
        ctx = _cv_context.get(None)
        if ctx is None:
            ctx = AppContext(t.cast("AppLike", self))
            in_request = False
        elif ctx.is_request_context:
            in_request = True
        else:
            ctx = _with_request_beneath(ctx)
            in_request = ctx.is_request_context
        if _external is None:
            _external = _scheme is not None or not in_request
        if endpoint[:1] == ".":
            # Relative to the current blueprint, if any.
            blueprint = ctx.request.blueprint if in_request else None
            endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
        try:
            # PERF: keywords, not an options dict: url_for runs per link.
            return self.router.build(
                ctx,
                endpoint,
                values,
                anchor=_anchor,
                external=_external,
                method=_method,
                scheme=_scheme,
            )
        except BuildError as error:
            # The handlers see what url_for was given, as in Flask: the
            # values with the underscored options among them.
            given = (("_anchor", _anchor), ("_method", _method), ("_scheme", _scheme))
            values.update(given, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Ask each of :attr:`url_build_error_handlers` for a URL; raise the
        error when none gives one. A handler that raises a ``BuildError``
        hands that error to the next one (and to the caller, if it is the
        last)."""
        for handler in self.url_build_error_handlers:
            url, error = _ask_build_handler(handler, error, endpoint, values)
            if url is not None:
                return url
        raise error

    def redirect(
        self: MakesResponses[ResponseT], location: str, code: int = 302
    ) -> ResponseT:
        """A redirect response of :attr:`response_class`.

        :raises werkzeug.exceptions.BadRequest: ``location`` holds a control
            character, such as CR or LF, which would split the header.
        """
        return _werkzeug_redirect(  # type: ignore[return-value]
            check_redirect_target(location), code, Response=self.response_class
        )
