"""The default :class:`~framework.interfaces.ResponseConverter`.

Layer 2. Turns what a view returns into the app's ``response_class``:
strings, bytes, dicts and lists (as JSON), iterators (streamed), tuples with a
status and/or headers, response objects, ``HTTPException`` and any WSGI
callable.
"""

from __future__ import annotations

import collections.abc as cabc
import inspect
import typing as t

from attrs import define, field
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Response as _WerkzeugResponse

from .streams import AsyncBody

if t.TYPE_CHECKING:  # pragma: no cover
    from .ctx import AppContext, RequestContext
    from .interfaces import AppLike
    from .wrappers import Response

__all__ = ["ResponseConverter"]

_DEFAULT_GET_RESPONSE = HTTPException.get_response
_DEFAULT_GET_HEADERS = HTTPException.get_headers
_DEFAULT_GET_BODY = HTTPException.get_body
_DEFAULT_GET_DESCRIPTION = HTTPException.get_description
_HTML = "text/html; charset=utf-8"
#: Instance attributes a default HTTPException always has.
_PLAIN_INSTANCE = frozenset({"response"})


def _view_name(ctx: AppContext | None) -> str:
    if ctx is not None and ctx.is_request_context:
        endpoint = ctx.request.endpoint
        if endpoint is not None:
            return f"The view function for {endpoint!r}"
    return "The view function"


@define(slots=True)
class ResponseConverter:
    """Converts view return values into response objects."""

    # PERF: plain-text benchmark; the Content-Type of text bodies, or None
    # when the response class can't be built the fast way.
    _text_content_type: str | None = field(default=None, init=False)
    _fast_class: type[Response] | None = field(default=None, init=False)
    _pages: dict[type[HTTPException], tuple[bytes, str]] = field(
        factory=dict, init=False
    )

    def prepare(self, app: AppLike) -> None:
        """Decide whether text bodies may take the fast construction path of
        the app's response class."""
        response_class = app.response_class
        self._fast_class = None
        self._text_content_type = None
        self._pages.clear()
        supports_fast = getattr(response_class, "supports_fast", None)
        if supports_fast is not None and supports_fast():
            mimetype = response_class.default_mimetype
            if mimetype is not None:
                self._fast_class = response_class
                self._text_content_type = get_content_type(mimetype, "utf-8")

    def make_response(self, ctx: AppContext | None, rv: t.Any) -> Response:
        """Convert ``rv`` into a response.

        :param ctx: the active context, used for the app and the request
            environ; ``None`` outside any context.
        :param rv: a view's return value; see
            :data:`framework.typing.ResponseReturnValue` for the accepted
            forms.
        :raises TypeError: when ``rv`` is ``None`` or of no accepted form;
            the message names the view.
        """
        if ctx is None:
            raise RuntimeError(
                "make_response() needs an active app context, for the app's"
                " response class and JSON provider."
            )
        app = ctx.app
        response_class = app.response_class
        # PERF: plain-text benchmark; the most common return value first.
        if type(rv) is str:
            if response_class is self._fast_class:
                return response_class.fast(rv.encode(), self._text_content_type)  # type: ignore[arg-type]
            return response_class(rv)
        if type(rv) is dict:
            # PERF: JSON benchmark; the second most common return value,
            # spared the tuple, response-class and iterator checks below.
            return app.json.response(rv)

        status: t.Any = None
        headers: t.Any = None
        if isinstance(rv, tuple):
            size = len(rv)
            if size == 3:
                rv, status, headers = rv
            elif size == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    f"{_view_name(ctx)} returned a tuple of {size} items; a"
                    " tuple must have the form (body, status), (body, headers)"
                    " or (body, status, headers)."
                )

        if rv is None:
            raise TypeError(
                f"{_view_name(ctx)} returned None (or ended without a return"
                " statement), which is not a response: return a body, a"
                " response object or a (body, status, headers) tuple."
            )

        if not isinstance(rv, response_class):
            if isinstance(rv, HTTPException):
                # PERF: 404 benchmark; before the Iterator check, an ABC's.
                rv = self._from_http_exception(ctx, rv, response_class)
            elif hasattr(type(rv), "__aiter__"):
                # An async generator: a body streamed by async code.
                rv = response_class(AsyncBody(rv), status=status, headers=headers)
                status = headers = None
            elif isinstance(rv, (str, bytes, bytearray, cabc.Iterator)):
                rv = response_class(rv, status=status, headers=headers)  # type: ignore[arg-type]
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = app.json.response(rv)
            elif isinstance(rv, _WerkzeugResponse) or callable(rv):
                environ = ctx.request.environ if ctx.is_request_context else None
                try:
                    rv = response_class.force_type(rv, environ)
                except TypeError as e:
                    raise TypeError(
                        f"{_view_name(ctx)} returned an object that is not a"
                        f" valid response ({e})."
                    ).with_traceback(e.__traceback__) from None
            else:
                where = " as the body of a tuple" if status or headers else ""
                raise TypeError(
                    f"{_view_name(ctx)} returned something that can't be a"
                    f" response body{where}: it was a {type(rv).__name__}."
                    " Return a string, bytes, a dict, a list, an iterator, a"
                    " response object or a WSGI callable, alone or as the first"
                    " item of a (body, status, headers) tuple."
                )

        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status if isinstance(status, str) else status.decode()
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)
        return t.cast("Response", rv)

    def _from_http_exception(
        self, ctx: AppContext, exc: HTTPException, response_class: type[Response]
    ) -> Response:
        environ: t.Any = None
        if ctx.is_request_context:
            # werkzeug's default page reads nothing from the environ: a
            # request from a scope lends the few values it has instead of
            # building a whole environ for an error page.
            request_ctx = t.cast("RequestContext", ctx)
            environ = request_ctx._facts
            if environ is None:
                environ = request_ctx.request.environ
        cls = type(exc)
        if exc.response is not None or cls.get_response is not _DEFAULT_GET_RESPONSE:
            if ctx.is_request_context:
                environ = ctx.request.environ
            return t.cast(
                "Response",
                response_class.force_type(exc.get_response(environ), environ),
            )
        if (
            response_class is self._fast_class
            and exc.code is not None
            and cls.get_headers is _DEFAULT_GET_HEADERS
            and cls.get_body is _DEFAULT_GET_BODY
            and cls.get_description is _DEFAULT_GET_DESCRIPTION
        ):
            # PERF: 404 benchmark. werkzeug's default page depends only on
            # the class when the instance carries nothing of its own and the
            # description is a plain class string, so it is rendered once per
            # class; otherwise it is rendered each time.
            if exc.__dict__.keys() <= _PLAIN_INSTANCE:
                page = self._pages.get(cls)
                if page is None and isinstance(
                    inspect.getattr_static(cls, "description", None), str
                ):
                    page = self._pages[cls] = (
                        exc.get_body(environ).encode(),
                        _status_line(exc.code),
                    )
                if page is not None:
                    return response_class.fast(page[0], _HTML, page[1])
            return response_class.fast(
                exc.get_body(environ).encode(), _HTML, _status_line(exc.code)
            )
        return response_class(
            exc.get_body(environ), exc.code or 500, exc.get_headers(environ)
        )


def _status_line(code: int) -> str:
    """The status line werkzeug sends for ``code``, e.g. ``404 NOT FOUND``."""
    reason = HTTP_STATUS_CODES.get(code)
    return f"{code} {reason.upper()}" if reason else f"{code} UNKNOWN"
