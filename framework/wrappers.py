"""The request and response objects.

Layer 1. Thin subclasses of werkzeug's wrappers that carry what routing
found (``url_rule``, ``view_args``) and read their limits from the active
app's config.
"""

from __future__ import annotations

import json as _stdlib_json
import typing as t

from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest
from werkzeug.wrappers import Request as _WerkzeugRequest
from werkzeug.wrappers import Response as _WerkzeugResponse

from .ctx import _cv_context

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.routing import Rule


class _AppJSON:
    """What ``Request.get_json`` and ``Response.json`` parse with: the
    active app's JSON provider, or the standard library outside an app."""

    @staticmethod
    def loads(s: str | bytes, **kwargs: t.Any) -> t.Any:
        ctx = _cv_context.get(None)
        try:
            if ctx is None:
                return _stdlib_json.loads(s, **kwargs)
            return ctx.app.json.loads(s, **kwargs)
        except RecursionError:
            # A body nested deeper than the parser can follow is bad input
            # (400 via on_json_loading_failed), not a server error.
            raise ValueError("The JSON document is nested too deeply.") from None

    @staticmethod
    def dumps(obj: t.Any, **kwargs: t.Any) -> str:
        ctx = _cv_context.get(None)
        if ctx is None:
            return _stdlib_json.dumps(obj, **kwargs)
        return ctx.app.json.dumps(obj, **kwargs)


class Request(_WerkzeugRequest):
    """The request object: werkzeug's ``Request`` plus what routing found.

    Set as :attr:`App.request_class`; subclass it and set your own to add
    attributes.
    """

    json_module: t.Any = _AppJSON

    #: The :class:`~werkzeug.routing.Rule` that matched, or ``None`` when
    #: matching failed or has not run.
    url_rule: Rule | None = None

    #: The URL arguments of the matched rule, or ``None``.
    view_args: dict[str, t.Any] | None = None

    #: The error matching raised (404, 405, a redirect), stored so that it is
    #: raised during dispatch, after ``before_request`` hooks ran.
    routing_exception: Exception | None = None

    _max_content_length: int | None = None
    _max_form_memory_size: int | None = None
    _max_form_parts: int | None = None

    @property
    def max_content_length(self) -> int | None:
        """The body size limit in bytes: set on the request, else the app's
        ``MAX_CONTENT_LENGTH``."""
        if self._max_content_length is not None:
            return self._max_content_length
        ctx = _cv_context.get(None)
        if ctx is None:
            return super().max_content_length
        return ctx.app.config["MAX_CONTENT_LENGTH"]  # type: ignore[no-any-return]

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    @property
    def max_form_memory_size(self) -> int | None:
        """The limit for one non-file multipart field: set on the request,
        else the app's ``MAX_FORM_MEMORY_SIZE``."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        ctx = _cv_context.get(None)
        if ctx is None:
            return super().max_form_memory_size
        return ctx.app.config["MAX_FORM_MEMORY_SIZE"]  # type: ignore[no-any-return]

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property  # type: ignore[override]
    def max_form_parts(self) -> int | None:
        """The limit on the number of multipart parts: set on the request,
        else the app's ``MAX_FORM_PARTS``."""
        if self._max_form_parts is not None:
            return self._max_form_parts
        ctx = _cv_context.get(None)
        if ctx is None:
            return super().max_form_parts
        return ctx.app.config["MAX_FORM_PARTS"]  # type: ignore[no-any-return]

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or ``None``."""
        if self.url_rule is not None:
            return t.cast(str, self.url_rule.endpoint)
        return None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint the matched endpoint belongs to,
        or ``None``."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        return blueprint_chain(name)

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Answer 400 for a body that is not valid JSON; the parser's message
        is included only in debug mode, where it helps the developer."""
        if e is None:
            return super().on_json_loading_failed(e)
        ctx = _cv_context.get(None)
        if ctx is not None and ctx.app.debug:
            raise BadRequest(f"Failed to decode JSON object: {e}")
        raise BadRequest("The request body is not valid JSON.")


def blueprint_chain(name: str) -> list[str]:
    """``"a.b.c"`` gives ``["a.b.c", "a.b", "a"]``: a blueprint and its
    parents, innermost first."""
    out = [name]
    while "." in name:
        name = name.rpartition(".")[0]
        out.append(name)
    return out


def scopes_outer_first(blueprint: str | None) -> list[str | None]:
    """The hook scopes of an endpoint in blueprint ``blueprint``: the app
    (``None``), then its blueprints from outermost to innermost, so
    ``"a.b"`` gives ``[None, "a", "a.b"]``."""
    if not blueprint:
        return [None]
    return [None, *reversed(blueprint_chain(blueprint))]


class Response(_WerkzeugResponse):
    """The response object: werkzeug's ``Response`` with an HTML default
    mimetype, as views returning strings expect.

    Set as :attr:`App.response_class`.
    """

    default_mimetype: str | None = "text/html"

    json_module = _AppJSON  # type: ignore[assignment]

    autocorrect_location_header = False

    # PERF: plain-text, JSON, 404 and hooks benchmarks. The header list and
    # body list of a response made by ``fast()``; ``__call__`` sends them
    # without werkzeug's general header pass while that pass would change
    # nothing (see ``__call__``).
    _fast: tuple[list[tuple[str, str]], list[bytes]] | None = None

    @classmethod
    def supports_fast(cls) -> bool:
        """Whether :meth:`fast` may be used: the class does not customize
        construction or the WSGI output. Checked at setup, not per request."""
        return (
            cls.default_status == 200
            and cls.automatically_set_content_length
            and cls.__init__ is _WerkzeugResponse.__init__
            and cls.__call__ is Response.__call__
            and cls.get_wsgi_response is _WerkzeugResponse.get_wsgi_response
            and cls.get_wsgi_headers is _WerkzeugResponse.get_wsgi_headers
            and cls.get_app_iter is _WerkzeugResponse.get_app_iter
        )

    @classmethod
    def fast(cls, body: bytes, content_type: str, status: str = "200 OK") -> t.Self:
        """A response with ``body``, built without the general constructor's
        argument handling. The result is an ordinary response that hooks and
        users may change; only use it when :meth:`supports_fast` is true.

        :param body: the encoded body.
        :param content_type: the full ``Content-Type`` value.
        :param status: the full status line, e.g. ``"404 NOT FOUND"``.
        """
        self = cls.__new__(cls)
        header_list = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
        ]
        headers = Headers()
        headers._list = header_list.copy()
        self.headers = headers
        self._status = status
        self._status_code = int(status.partition(" ")[0])
        self.direct_passthrough = False
        self._on_close = []
        body_list = [body]
        self.response = body_list
        self._fast = (header_list, body_list)
        return self

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> t.Iterable[bytes]:
        """Send the response as a WSGI app."""
        fast = self._fast
        if fast is not None and self.response is fast[1] and not self._on_close:
            # The body is still the one buffered list fast() made, so the
            # general path would only rewrite Location/Content-Location
            # headers, fill in a missing Content-Length, or empty the body
            # for statuses without one. When none of that applies, its output
            # equals this.
            header_list: list[tuple[str, str]] = self.headers._list
            code = self._status_code
            if (
                code >= 200
                and code != 204
                and code != 304
                and (header_list == fast[0] or _plain_headers(header_list))
            ):
                start_response(self._status, header_list.copy())
                if environ.get("REQUEST_METHOD") == "HEAD":
                    return ()
                return fast[1]
        return super().__call__(environ, start_response)

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """The app's ``MAX_COOKIE_SIZE``, or werkzeug's default outside an
        app."""
        ctx = _cv_context.get(None)
        if ctx is None:
            return super().max_cookie_size
        return ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]


def _plain_headers(header_list: list[tuple[str, str]]) -> bool:
    """Whether the headers have a Content-Length and nothing werkzeug's
    header pass would rewrite."""
    has_length = False
    for key, _ in header_list:
        lower = key.lower()
        if lower == "content-length":
            has_length = True
        elif lower == "location" or lower == "content-location":
            return False
    return has_length
