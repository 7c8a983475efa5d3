"""The request and response objects.

Layer 1. Thin subclasses of werkzeug's wrappers that carry what routing
found (``url_rule``, ``view_args``) and read their limits from the active
app's config.

They are also where hostile input is refused (see ``docs/security.rst``):
request bodies go through :mod:`framework.bodies` (413 instead of
truncation, 400 instead of an empty form); invalid
UTF-8 in the query string, form or cookies never becomes a 500; and a
response refuses, when it is set, a header name, status line or cookie
that could split the response, and never sends a scheme-relative
``Location``.
"""

from __future__ import annotations

import io
import json as _stdlib_json
import logging
import re
import sys
import typing as t

from werkzeug.datastructures import EnvironHeaders, Headers
from werkzeug.datastructures.mixins import ImmutableHeadersMixin
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser as _WerkzeugFormDataParser
from werkzeug.sansio.http import parse_cookie
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Request as _WerkzeugRequest
from werkzeug.wrappers import Response as _WerkzeugResponse

from .bodies import (
    FormDataParser,
    ReadBody,
    StreamedBody,
    empty_multidict,
    fields_multidict,
    input_stream,
    parse_urlencoded,
)
from .ctx import _cv_context
from .streams import AsyncBody

if t.TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable
    from datetime import datetime, timedelta
    from http import HTTPStatus

    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict
    from werkzeug.routing import Rule

# DebugFilesKeyError and attach_enctype_error_multidict are defined here, by
# the request that raises and installs them, and are public in
# framework.debughelpers, Flask's module for them.
__all__ = [
    "Request",
    "Response",
    "ResponseHeaders",
    "check_header_name",
    "check_redirect_target",
    "scope_facts",
    "scope_to_environ",
]


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


class _Limit:
    """A request limit read from the active app's config: one werkzeug
    reads as a plain attribute. A value assigned on the request wins;
    outside an app, werkzeug's own default applies."""

    def __init__(self, config_key: str) -> None:
        self.config_key = config_key

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.werkzeug_default = getattr(_WerkzeugRequest, name)
        #: The attribute holding a value assigned on the request; the
        #: class's ``None`` until then.
        self.assigned = f"_assigned_{name}"
        setattr(owner, self.assigned, None)

    @t.overload
    def __get__(self, request: None, owner: type) -> _Limit: ...

    @t.overload
    def __get__(self, request: object, owner: type) -> int | None: ...

    def __get__(self, request: object | None, owner: type) -> _Limit | int | None:
        if request is None:
            return self
        # An attribute of its own, not __dict__ (which reading would make
        # on CPython 3.11, about 1 us).
        assigned = getattr(request, self.assigned)
        if assigned is not None:
            return assigned  # type: ignore[no-any-return]
        ctx = _cv_context.get(None)
        if ctx is None:
            return self.werkzeug_default  # type: ignore[no-any-return]
        return ctx.app.config[self.config_key]  # type: ignore[no-any-return]

    def __set__(self, request: object, value: int | None) -> None:
        setattr(request, self.assigned, value)


_T = t.TypeVar("_T")


class _Cached(t.Generic[_T]):
    """A request attribute computed on first read and kept on the instance,
    as werkzeug's ``cached_property`` does; ``del request.form`` forgets
    it, and assigning one replaces it.

    PERF: form post and JSON body in benchmarks. werkzeug's is a data
    descriptor: every read of ``request.form`` runs its ``__get__`` frame,
    and the first one reads the instance's ``__dict__`` (on CPython 3.11
    that turns the inline attribute values into a dict). This one has no
    ``__set__``: the value is an ordinary instance attribute, found before
    the descriptor on later reads, with no Python frame.
    """

    def __init__(self, compute: t.Callable[[t.Any], _T]) -> None:
        self.compute = compute
        self.__doc__ = compute.__doc__
        self.__name__ = compute.__name__

    @t.overload
    def __get__(self, request: None, owner: type) -> _Cached[_T]: ...

    @t.overload
    def __get__(self, request: object, owner: type) -> _T: ...

    def __get__(self, request: object | None, owner: type) -> _Cached[_T] | _T:
        if request is None:
            return self
        value = self.compute(request)
        setattr(request, self.__name__, value)
        return value


class DebugFilesKeyError(KeyError, AssertionError):
    """``request.files[key]`` failed because the form was not sent as
    ``multipart/form-data``: the browser sent the file's name in
    ``request.form`` instead of its content. Raised in debug mode only;
    importable from :mod:`framework.debughelpers`, as in Flask.

    :param request: the request whose ``files`` was read.
    :param key: the missing file field.
    """

    def __init__(self, request: Request, key: str) -> None:
        super().__init__(key)
        parts = [
            f"request.files has no file {key!r}. The request's mimetype is"
            f" {request.mimetype!r}, not 'multipart/form-data', so no file"
            " contents were transmitted: add"
            ' enctype="multipart/form-data" to the <form>.'
        ]
        names = request.form.getlist(key)
        if names:
            listed = ", ".join(map(repr, names))
            parts.append(
                f"The browser sent the file names in request.form instead."
                f" This was submitted: {listed}"
            )
        self.msg = "\n\n".join(parts)

    def __str__(self) -> str:
        return self.msg


DebugFilesKeyError.__module__ = "framework.debughelpers"


def attach_enctype_error_multidict(request: Request) -> None:
    """Make a missing key of ``request.files`` raise
    :class:`DebugFilesKeyError` instead of a plain ``KeyError`` when the
    form holds a field of that name: the sign of a form sent without
    ``enctype="multipart/form-data"``. The request does it on its own in
    debug mode; importable from :mod:`framework.debughelpers`.

    :param request: the request to change.
    """
    files = request.files
    plain = type(files)

    def getitem(self: t.Any, key: str) -> t.Any:
        try:
            return plain.__getitem__(self, key)
        except KeyError:
            if key not in request.form:
                raise
            raise DebugFilesKeyError(request, key) from None

    # A subclass made for this one object, under the same name, so that
    # repr() and type checks elsewhere see the class they expect.
    files.__class__ = type(
        plain.__name__,
        (plain,),
        {"__getitem__": getitem, "__module__": plain.__module__},
    )


attach_enctype_error_multidict.__module__ = "framework.debughelpers"


class _ScopeEnviron:
    """``Request.environ`` of a request built by :meth:`Request.from_scope`:
    made from the ASGI scope on first read, then kept in the instance dict.

    A descriptor without ``__set__``, so an instance's own ``environ`` (every
    request built from a WSGI environ has one) is found before it, and a
    request from a scope that nobody asks for its environ never builds one.
    Set on :class:`Request` by the first :meth:`Request.from_scope` call.
    """

    @t.overload
    def __get__(self, request: None, owner: type) -> _ScopeEnviron: ...

    @t.overload
    def __get__(self, request: Request, owner: type) -> WSGIEnvironment: ...

    def __get__(
        self, request: Request | None, owner: type
    ) -> _ScopeEnviron | WSGIEnvironment:
        if request is None:
            return self
        scope = request._asgi_scope
        if scope is None:
            # Made without __init__ or from_scope: nothing to build from.
            raise AttributeError(
                f"{type(request).__name__!r} object has no attribute 'environ'"
            )
        environ = scope_to_environ(scope, request._asgi_input())
        # As werkzeug's __init__ does for a request built from an environ.
        environ["werkzeug.request"] = request
        request.environ = environ  # the instance's own, found first from now on
        request._environ_made = True
        return environ


#: Whether :class:`Request` has its :class:`_ScopeEnviron` yet; a flag,
#: since reading ``Request.__dict__`` makes a mapping proxy each time.
_scope_environ_installed = False


def _install_scope_environ() -> None:
    global _scope_environ_installed
    Request.environ = _ScopeEnviron()  # type: ignore[assignment]
    _scope_environ_installed = True


class _DecodedOnRead:
    """``ScopeHeaders._list``: the header list, decoded from the scope's
    bytes the first time a header is read, then kept in the instance dict
    (a descriptor without ``__set__``, so that copy is found first)."""

    @t.overload
    def __get__(self, headers: None, owner: type) -> _DecodedOnRead: ...

    @t.overload
    def __get__(self, headers: ScopeHeaders, owner: type) -> list[tuple[str, str]]: ...

    def __get__(
        self, headers: ScopeHeaders | None, owner: type
    ) -> _DecodedOnRead | list[tuple[str, str]]:
        if headers is None:
            return self
        # An attribute, not __dict__["_list"]: reading __dict__ would turn
        # the instance's inline attribute values into a dict.
        decoded = headers._list = _decode_headers(headers._raw)
        return decoded


class ScopeHeaders(ImmutableHeadersMixin, Headers):  # type: ignore[misc]
    """The headers of a request built by :meth:`Request.from_scope`:
    read-only, like those of a request built from a WSGI environ, and with
    the same names and values (see :func:`scope_to_environ`). They are
    decoded from the scope on first read. A copy is a mutable
    :class:`~werkzeug.datastructures.Headers`.

    :param defaults: ``(name, value)`` pairs of strings to hold, for a
        slice; :meth:`Request.from_scope` gives the scope's bytes instead.
    """

    # PERF: ASGI hello; a request that reads no header decodes none (a
    # dozen for a browser's request, the biggest part of from_scope).
    _list = _DecodedOnRead()

    #: The scope's ``headers``, ``(name, value)`` byte pairs.
    _raw: t.Sequence[tuple[bytes, bytes]]

    def __init__(self, defaults: t.Iterable[tuple[str, str]] | None = None) -> None:
        self._list = list(defaults or ())

    def copy(self) -> Headers:  # type: ignore[override]
        """A mutable copy of the headers."""
        return Headers(self._list)

    def __copy__(self) -> Headers:  # type: ignore[override]
        return self.copy()


def _decode_headers(raw: t.Sequence[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """The header list of a request whose scope holds ``raw``: what a
    request built from the scope's environ reads (see :func:`_header_list`),
    quickly when every name was seen before and none repeats."""
    names = _HEADER_NAMES
    try:
        found = {names[name]: value.decode("latin-1") for name, value in raw}
    except KeyError:
        return _header_list(raw)
    # PERF: building a dict finds repeated names at no extra cost; a
    # request with one takes the general path.
    if len(found) == len(raw):
        return list(found.items())
    return _header_list(raw)


class Request(_WerkzeugRequest):
    """The request object: werkzeug's ``Request`` plus what routing found.

    Set as :attr:`App.request_class`; subclass it and set your own to add
    attributes.
    """

    json_module: t.Any = _AppJSON

    #: Parses form bodies: :class:`FormDataParser`, which answers 400 for a
    #: malformed body where werkzeug's gives an empty form.
    form_data_parser_class: type[_WerkzeugFormDataParser] = FormDataParser

    #: The :class:`~werkzeug.routing.Rule` that matched, or ``None`` when
    #: matching failed or has not run.
    url_rule: Rule | None = None

    #: The URL arguments of the matched rule, or ``None``.
    view_args: dict[str, t.Any] | None = None

    #: The error matching raised (404, 405, a redirect), stored so that it is
    #: raised during dispatch, after ``before_request`` hooks ran.
    routing_exception: Exception | None = None

    #: The body size limit in bytes: set on the request, else the app's
    #: ``MAX_CONTENT_LENGTH``.
    max_content_length = _Limit("MAX_CONTENT_LENGTH")
    #: The limit for one non-file multipart field: set on the request, else
    #: the app's ``MAX_FORM_MEMORY_SIZE``.
    max_form_memory_size = _Limit("MAX_FORM_MEMORY_SIZE")
    #: The limit on the number of multipart parts: set on the request, else
    #: the app's ``MAX_FORM_PARTS``.
    max_form_parts = _Limit("MAX_FORM_PARTS")  # type: ignore[assignment]

    # A request built by from_scope keeps the scope and the body until its
    # environ or body is wanted; the body becomes a stream on first read.
    _asgi_scope: t.Mapping[str, t.Any] | None = None
    _asgi_body: bytes | t.IO[bytes] | ReadBody | StreamedBody = b""
    #: For a request from a scope: the environ values the request path
    #: reads on every request (see :func:`scope_facts`), so that the whole
    #: environ is built only for code that asks for it; ``None`` for a
    #: request built from an environ.
    _facts: dict[str, t.Any] | None = None
    #: werkzeug's flag against reading the body; set on each request built
    #: from an environ, the class's ``False`` for one from a scope.
    shallow: bool = False
    # PERF: ASGI hello; flags rather than looking in the instance's
    # __dict__, whose first read turns the inline attribute values into a
    # dict (-1 us per request).
    #: Whether the form was parsed (there may be files to close).
    _form_loaded = False
    #: Whether the form was an urlencoded body parsed here, which has no
    #: files to close.
    _form_urlencoded = False
    #: Whether the environ of a request from a scope was built.
    _environ_made = False

    def __init__(
        self,
        environ: WSGIEnvironment,
        populate_request: bool = True,
        shallow: bool = False,
    ) -> None:
        """Build the request of a WSGI ``environ``: the same attributes as
        werkzeug's constructor sets, from the same environ values.

        :param environ: the WSGI environ.
        :param populate_request: store the request in the environ, under
            ``werkzeug.request``.
        :param shallow: refuse to read the body (for middleware).
        """
        # PERF: hello; werkzeug's constructor runs in seven frames (its
        # sansio base, the headers' two, the server, the two decodings).
        # PERF: hello; only what every request reads is set here: the rest
        # (scheme, root_path, query_string, remote_addr, server, headers)
        # is made from the environ on first read, below.
        self.method = environ.get("REQUEST_METHOD", "GET").upper()
        # The WSGI strings carry UTF-8 bytes as latin-1 code points; an
        # ASCII string reads the same either way.
        path = environ.get("PATH_INFO") or ""
        if not path.isascii():
            path = path.encode("latin1").decode(errors="replace")
        self.path = "/" + path.lstrip("/")
        # Raise UnicodeError now, as werkzeug's constructor would, for a
        # string no request can be built from (the app answers 400),
        # rather than when it is read.
        text = environ.get("QUERY_STRING")
        if text and not text.isascii():
            text.encode("latin1")
        text = environ.get("SCRIPT_NAME")
        if text and not text.isascii():
            text.encode("latin1")
        self.environ = environ
        if shallow:
            self.shallow = True
        elif populate_request:
            environ["werkzeug.request"] = self

    @_Cached
    def scheme(self) -> str:
        """The URL scheme of the request, ``http`` or ``https``."""
        return self.environ.get("wsgi.url_scheme", "http")  # type: ignore[no-any-return]

    @_Cached
    def root_path(self) -> str:
        """The path the app is mounted at, without a trailing slash
        (``SCRIPT_NAME``)."""
        root = self.environ.get("SCRIPT_NAME")
        if not root:
            return ""
        if not root.isascii():
            root = root.encode("latin1").decode(errors="replace")
        return root.rstrip("/")  # type: ignore[no-any-return]

    @_Cached
    def query_string(self) -> bytes:
        """The raw query string, the part of the URL after ``?``."""
        return self.environ.get("QUERY_STRING", "").encode("latin1")  # type: ignore[no-any-return]

    @_Cached
    def remote_addr(self) -> str | None:
        """The client's address, as the server gives it."""
        return self.environ.get("REMOTE_ADDR")

    @_Cached
    def server(self) -> tuple[str, int | None] | None:
        """The server's address, ``(host, port)``; the port is ``None`` for
        a Unix socket, the whole is ``None`` when the server gave none.
        Made from the environ on first read (PERF: hello; most requests
        never read it)."""
        environ = self.environ
        name = environ.get("SERVER_NAME")
        if name is None:
            return None
        try:
            port: int | None = int(environ.get("SERVER_PORT"))  # type: ignore[arg-type]
        except (TypeError, ValueError):  # a Unix socket
            port = None
        return (name, port)

    @_Cached
    def headers(self) -> Headers:
        """The request headers, read-only, by case-insensitive name. Made
        on first read (PERF: hello; they read the environ, which most
        requests' code reads directly)."""
        headers = EnvironHeaders.__new__(EnvironHeaders)
        headers._list = []
        headers.environ = self.environ
        return headers

    @classmethod
    def from_scope(
        cls,
        scope: t.Mapping[str, t.Any],
        body: bytes | t.IO[bytes] | ReadBody = b"",
        facts: dict[str, t.Any] | None = None,
    ) -> t.Self:
        """Build the request of an ASGI HTTP ``scope`` whose body was already
        read, without a WSGI environ: :attr:`environ` is made from the scope
        (by :func:`scope_to_environ`) only when something reads it.

        Every attribute is what a request built from
        ``scope_to_environ(scope, body)`` has, the body and its limits
        included. A request class that overrides ``__init__`` is built from
        that environ, so that its ``__init__`` runs.

        :param scope: the ASGI HTTP connection scope.
        :param body: the whole request body, as bytes or as a binary file
            positioned at its start (a spooled temporary file for a large
            one), or what :func:`~framework.bodies.read_body` read, whose
            limits and errors the body then keeps. Nothing is read from it
            until the body is asked for.
        :param facts: what :func:`scope_facts` gives for ``scope``, when the
            caller has it already.
        :raise TypeError: a header is not a pair of bytes.
        """
        if cls.__init__ is not Request.__init__:
            if isinstance(body, ReadBody):
                body = body.content_stream()
            return cls(scope_to_environ(scope, body))
        if not _scope_environ_installed:
            # PERF: WSGI hello; installed on first use, since a class-level
            # descriptor keeps Python from specializing every read of a
            # WSGI request's own environ (+1.4% instructions per hello).
            _install_scope_environ()
        self = cls.__new__(cls)
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path:
            root_path, path = _split_root(root_path, path)
        method: str = scope["method"]
        scheme: str = scope.get("scheme") or "http"
        server = scope.get("server")
        client = scope.get("client")
        query_string: bytes = scope.get("query_string", b"")
        raw = scope["headers"]
        if type(raw) is not list:
            raw = list(raw)
        if facts is None:
            # PERF: ASGI hello; the facts from the values read here.
            facts = _facts_of(raw, method, root_path, path, query_string, scheme)
            if server is not None:
                facts["SERVER_NAME"] = server[0]
                if server[1] is not None:
                    facts["SERVER_PORT"] = str(server[1])
        headers = ScopeHeaders.__new__(ScopeHeaders)
        headers._raw = raw
        # What werkzeug's sansio __init__ sets, normalized the same way.
        self.method = method.upper()
        self.scheme = scheme
        self.server = None if server is None else (server[0], server[1])
        self.root_path = root_path.rstrip("/")
        self.path = "/" + path.lstrip("/")
        self.query_string = query_string
        self.headers = headers
        self.remote_addr = client[0] if client else None
        self._asgi_scope = scope
        self._asgi_body = body
        self._facts = facts
        return self

    def _set_asgi_body(self, body: ReadBody | StreamedBody) -> None:
        """Give a request built by :meth:`from_scope` the body read since
        (the ASGI adapter matches the URL first, to know whether to read
        it); an environ built meanwhile gets it as its input too."""
        self._asgi_body = body
        if self._environ_made:
            self.environ["wsgi.input"] = body.content_stream()

    def _asgi_input(self) -> t.IO[bytes]:
        """The body of a request built by :meth:`from_scope` as a binary
        stream: ``wsgi.input`` of its environ, and what :attr:`stream`
        reads."""
        body = self._asgi_body
        if isinstance(body, (bytes, bytearray, memoryview)):
            body = self._asgi_body = io.BytesIO(body)
        elif isinstance(body, (ReadBody, StreamedBody)):
            # What arrived, unchecked: the environ's input, which the WSGI
            # limits then apply to, as to a server's input.
            return body.content_stream()
        return body

    async def aiter_body(self, chunk_size: int = 64 * 1024) -> t.AsyncIterator[bytes]:
        """The request body, chunk by chunk, for async code: as the server
        delivers it when the view is marked
        :func:`~framework.bodies.stream_body` (under ASGI), otherwise read
        from :attr:`stream` (in chunks of ``chunk_size`` bytes).

        :raise werkzeug.exceptions.RequestEntityTooLarge: over
            :attr:`max_content_length`.
        """
        body = self._asgi_body
        if isinstance(body, StreamedBody):
            async for chunk in body.chunks(self.max_content_length):
                yield chunk
            return
        stream = self.stream
        while True:
            chunk = stream.read(chunk_size)
            if not chunk:
                return
            yield chunk

    @property
    def want_form_data_parsed(self) -> bool:
        """Whether the body is parsed as a form: ``True`` when a
        ``Content-Type`` was sent."""
        if self._facts is not None and not self._environ_made:
            # A scope request whose environ was not built: the same header.
            return bool(self.headers.get("Content-Type"))
        return bool(self.environ.get("CONTENT_TYPE"))

    @_Cached
    def stream(self) -> t.IO[bytes]:
        """The request body, read at most once, within its limits.

        Like werkzeug's, except that a body sent without a ``Content-Length``
        (chunked, with the server setting ``wsgi.input_terminated``) that is
        longer than :attr:`max_content_length` is a 413 rather than cut at
        the limit; at most ``max_content_length + 1`` bytes are read to find
        out. A body with a ``Transfer-Encoding`` but no ``Content-Length``
        that the server did not mark as terminated can't be read safely: a
        read raises 411 rather than returning nothing.

        :raises werkzeug.exceptions.RequestEntityTooLarge: at once when the
            declared ``Content-Length`` is over the limit, else on the read
            that goes past it.
        """
        if self.shallow:
            raise RuntimeError(
                "This request was created with 'shallow=True', reading"
                " from the input stream is disabled."
            )
        if isinstance(self._asgi_body, StreamedBody):
            return self._asgi_body.stream(None)  # raises: the view streams it
        environ: WSGIEnvironment | None = (
            None if self._facts is not None and not self._environ_made else self.environ
        )
        if environ is None and isinstance(self._asgi_body, ReadBody):
            # Read ahead by the ASGI adapter, which kept what the limits
            # need to raise the same errors as a WSGI read would.
            return self._asgi_body.stream(self.max_content_length, _report_body_error)
        if environ is None:
            # A request from a scope whose environ was not built: the keys
            # the limits read, without building the rest.
            environ = {
                "wsgi.input": self._asgi_input(),
                "wsgi.input_terminated": True,
            }
            length = self.headers.get("Content-Length")
            if length is not None:
                environ["CONTENT_LENGTH"] = length
        return input_stream(environ, self.max_content_length, _report_body_error)

    @property
    def is_json(self) -> bool:
        """Whether the ``Content-Type`` is JSON: ``application/json`` or
        ``application/*+json``."""
        # PERF: JSON body in benchmark; the common exact value is compared
        # without parsing the header (five calls).
        facts = self._facts
        if facts is not None and not self._environ_made:
            # PERF: JSON body in benchmark (ASGI); the one header, read with
            # the scope's facts, spares decoding them all. Several
            # Content-Type headers are joined there: the first one decides.
            if facts.get("CONTENT_TYPE") == "application/json":
                return True
            content_type = self.headers.get("Content-Type")
        else:
            content_type = self.environ.get("CONTENT_TYPE")
        return content_type == "application/json" or super().is_json

    def get_json(
        self, force: bool = False, silent: bool = False, cache: bool = True
    ) -> t.Any | None:
        """The body parsed as JSON, with the app's JSON provider; see
        werkzeug's :meth:`~werkzeug.wrappers.Request.get_json` for the
        arguments. A body that is not JSON is a 415, invalid JSON a 400
        (see :meth:`on_json_loading_failed`).
        """
        if force or silent or not cache or not _plain_json(type(self)):
            return super().get_json(force, silent, cache)
        # PERF: JSON body in benchmark; the usual call, get_json(), in four
        # frames fewer than werkzeug's: its get_data and the JSON module's.
        parsed = self._cached_json[0]
        if parsed is not Ellipsis:
            return parsed
        if not self.is_json:
            return self.on_json_loading_failed(None)
        data = getattr(self, "_cached_data", None)
        if data is None:
            data = self._cached_data = self.stream.read()
        try:
            parsed = self.json_module.loads(data)
        except ValueError as e:
            parsed = self.on_json_loading_failed(e)
            self._cached_json = (parsed, self._cached_json[1])
        else:
            self._cached_json = (parsed, parsed)
        return parsed

    @_Cached
    def args(self) -> MultiDict[str, str]:
        """The parsed query string. Invalid UTF-8 stays percent-encoded
        (``%FF``), whether it was sent percent-encoded or as a raw byte
        (werkzeug answers 500 for the raw byte)."""
        query = self.query_string.decode("utf-8", "werkzeug.url_quote")
        return fields_multidict(query, self.parameter_storage_class)

    @_Cached
    def full_path(self) -> str:
        """The path and the query string, ``/page?q=1``. Invalid UTF-8 in the
        query string stays percent-encoded (werkzeug raises on a raw
        non-UTF-8 byte)."""
        query = self.query_string.decode("utf-8", "werkzeug.url_quote")
        return f"{self.path}?{query}"

    @_Cached
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies the client sent, decoded as UTF-8; invalid bytes
        become U+FFFD (werkzeug reads raw bytes as latin-1)."""
        facts = self._facts
        if facts is not None and not self._environ_made:
            # PERF: session benchmark (ASGI); the Cookie headers as the
            # scope's facts joined them, as the decoded headers join them,
            # without decoding the others.
            header = facts.get("HTTP_COOKIE", "")
        else:
            header = ";".join(self.headers.getlist("Cookie"))
        return parse_cookie(  # type: ignore[return-value]
            header.encode("latin-1", "replace").decode("utf-8", "replace"),
            cls=self.dict_storage_class,
        )

    @_Cached
    def form(self) -> ImmutableMultiDict[str, str]:
        """The form fields of a urlencoded or multipart body, parsed on first
        read (uploaded files are in :attr:`files`); empty for other
        bodies. A malformed body is a 400, one over the limits a 413."""
        self._load_form_data()
        return self.form

    @_Cached
    def files(self) -> ImmutableMultiDict[str, FileStorage]:
        """The uploaded files of a multipart body, by field name, parsed on
        first read; empty for other bodies."""
        self._load_form_data()
        return self.files

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or ``None``."""
        if self.url_rule is not None:
            return self.url_rule.endpoint  # type: ignore[no-any-return]
        return None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint the matched endpoint belongs to,
        or ``None``."""
        rule = self.url_rule
        if rule is None:
            return None
        owner, dot, _ = rule.endpoint.rpartition(".")
        return owner if dot else None

    @property
    def blueprints(self) -> list[str]:
        """The current blueprint and its parents, innermost first."""
        name = self.blueprint
        if name is None:
            return []
        return blueprint_chain(name)

    def close(self) -> None:
        """Close the uploaded files, if the body was parsed; the request
        context calls it when the request ends."""
        # PERF: hello; werkzeug's close() costs ~1 us even with nothing
        # to close, and most requests never parse a form.
        if self._form_loaded and not self._form_urlencoded:
            super().close()

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Answer 400 for a body that is not valid JSON; the parser's message
        is included only in debug mode, where it helps the developer."""
        if e is None:
            return super().on_json_loading_failed(e)
        ctx = _cv_context.get(None)
        if ctx is not None and ctx.app.debug:
            raise BadRequest(f"Failed to decode JSON object: {e}")
        raise BadRequest("The request body is not valid JSON.")

    def _load_form_data(self) -> None:
        if self._form_loaded:
            # Parsed before, unless the form was deleted since (reading
            # vars() costs, but only here, off the usual path).
            if "form" in vars(self):
                return
        else:
            self._form_loaded = True
        if self._parse_urlencoded_here():
            multipart = False
        else:
            super()._load_form_data()
            multipart = self.mimetype == "multipart/form-data"
        # In debug mode, a file field read from a form that was not sent as
        # multipart explains itself instead of being a bare 400. The form is
        # parsed once per request, so the check costs nothing per request.
        if not multipart and not self.files:
            ctx = _cv_context.get(None)
            if ctx is not None and ctx.app.debug:
                attach_enctype_error_multidict(self)

    def _parse_urlencoded_here(self) -> bool:
        """Parse an ``application/x-www-form-urlencoded`` body into
        :attr:`form` without a parser object, when the class parses forms
        the default way; return whether it did.

        PERF: form post benchmark; werkzeug's route to the same result
        builds a parser (reading three limits), parses the Content-Type
        twice and reads the Content-Length again, a dozen calls. The body,
        its limits and its errors are those of :class:`FormDataParser`:
        :attr:`stream` raises 413 or 400 as it would, and
        :func:`~framework.bodies.parse_urlencoded` is its parsing.
        """
        cls = type(self)
        plain = _PLAIN_FORMS.get(cls)
        if plain is None:
            plain = _PLAIN_FORMS[cls] = (
                cls.form_data_parser_class is FormDataParser
                and cls.make_form_data_parser is _WerkzeugRequest.make_form_data_parser
                and cls._get_stream_for_parsing
                is _WerkzeugRequest._get_stream_for_parsing
            )
        if not plain:
            return False
        if self._facts is not None and not self._environ_made:
            content_type = self.headers.get("Content-Type")
        else:
            content_type = self.environ.get("CONTENT_TYPE")
        if content_type != "application/x-www-form-urlencoded":
            return False
        # What werkzeug's _get_stream_for_parsing does.
        cached_data = getattr(self, "_cached_data", None)
        stream = io.BytesIO(cached_data) if cached_data is not None else self.stream
        storage = self.parameter_storage_class
        try:
            form = parse_urlencoded(stream.read(), self.max_form_memory_size, storage)
        except ValueError as e:
            raise BadRequest(
                "The application/x-www-form-urlencoded body is malformed."
            ) from e
        # Attributes, not __dict__ entries: see _Cached.
        self.stream = stream
        self.form = form  # type: ignore[assignment]
        self.files = empty_multidict(storage)  # type: ignore[assignment]
        self._form_urlencoded = True
        return True


#: Whether each request class reads its body the default way, for
#: :meth:`Request.get_json`'s fast path; few classes.
_PLAIN_JSON: dict[type, bool] = {}


def _plain_json(cls: type[Request]) -> bool:
    plain = _PLAIN_JSON.get(cls)
    if plain is None:
        plain = _PLAIN_JSON[cls] = cls.get_data is _WerkzeugRequest.get_data
    return plain


#: Whether each request class parses urlencoded forms the default way
#: (see :meth:`Request._parse_urlencoded_here`); few classes.
_PLAIN_FORMS: dict[type, bool] = {}


def _report_body_error(line: str) -> None:
    """Log, as one warning of the current app, that the server could not
    read a request's body: the client's fault, so no traceback."""
    ctx = _cv_context.get(None)
    logger = ctx.app.logger if ctx is not None else logging.getLogger(__name__)
    logger.warning("%s", line)


def scope_to_environ(
    scope: t.Mapping[str, t.Any], body: bytes | t.IO[bytes] = b""
) -> WSGIEnvironment:
    """The WSGI environ of an ASGI HTTP ``scope`` whose body was already
    read, as a WSGI server would have made it for the same request.

    - ``SCRIPT_NAME`` is the scope's ``root_path``; ``PATH_INFO`` is its
      ``path`` without that prefix (the ASGI spec includes it; a server that
      leaves it out is understood too), both encoded the WSGI way (the UTF-8
      bytes read as latin-1).
    - ``QUERY_STRING`` holds the raw query bytes; ``REQUEST_URI`` and
      ``RAW_URI`` the request target as sent, when the scope has a
      ``raw_path``.
    - Headers become ``HTTP_*`` keys (and ``CONTENT_TYPE``,
      ``CONTENT_LENGTH``); a repeated header is joined with ``", "``, cookies
      with ``"; "``. A header whose name holds an underscore is dropped, as
      gunicorn and waitress drop it: it would read as the same key as its
      dashed twin (``X-Forwarded_For`` posing as ``X-Forwarded-For``).
    - ``SERVER_NAME``/``SERVER_PORT`` and ``REMOTE_ADDR``/``REMOTE_PORT``
      come from ``server`` and ``client``, left out when the scope has none.
    - ``wsgi.input`` is the body; ``wsgi.input_terminated`` is set, since
      the server delimited the body; ``asgi.scope`` is the scope itself.

    :param scope: the ASGI HTTP connection scope.
    :param body: the whole request body, as bytes or as a binary file
        positioned at its start.
    """
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path:
        root_path, path = _split_root(root_path, path)
    query: bytes = scope.get("query_string", b"")
    environ: WSGIEnvironment = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": _wsgi_str(root_path.rstrip("/")),
        "PATH_INFO": _wsgi_str(path),
        "QUERY_STRING": query.decode("latin-1"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme") or "http",
        "wsgi.input": (
            io.BytesIO(body)
            if isinstance(body, (bytes, bytearray, memoryview))
            else body
        ),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
        "asgi.scope": scope,
    }
    server = scope.get("server")
    if server is not None:
        environ["SERVER_NAME"] = server[0]
        if server[1] is not None:
            environ["SERVER_PORT"] = str(server[1])
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
        environ["REMOTE_PORT"] = str(client[1])
    raw_path = scope.get("raw_path")
    if raw_path is not None:
        target = raw_path.decode("latin-1")
        if query:
            target = f"{target}?{environ['QUERY_STRING']}"
        environ["REQUEST_URI"] = environ["RAW_URI"] = target
    environ.update(_environ_headers(scope["headers"]))
    return environ


#: The headers :func:`scope_facts` keeps, by ASGI name, with their environ
#: keys.
_FACT_HEADERS = {
    b"host": "HTTP_HOST",
    b"cookie": "HTTP_COOKIE",
    b"upgrade": "HTTP_UPGRADE",
    b"connection": "HTTP_CONNECTION",
    b"content-length": "CONTENT_LENGTH",
    b"transfer-encoding": "HTTP_TRANSFER_ENCODING",
    b"content-type": "CONTENT_TYPE",
}


def scope_facts(scope: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """The few environ values that matching, binding and the session read
    on every request, with the values :func:`scope_to_environ` gives them:
    the method, ``SCRIPT_NAME``, ``PATH_INFO``, ``QUERY_STRING``, the
    scheme, the server, and the ``Host``, ``Cookie``, ``Upgrade``,
    ``Connection``, ``Content-Length`` and ``Transfer-Encoding`` headers
    when sent. A key is missing when the environ would not have it.

    :raise TypeError: a header is not a pair of bytes (checked here, so that
        no later read of a header fails inside the app).
    """
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path:
        root_path, path = _split_root(root_path, path)
    facts = _facts_of(
        scope["headers"],
        scope["method"],
        root_path,
        path,
        scope.get("query_string", b""),
        scope.get("scheme") or "http",
    )
    server = scope.get("server")
    if server is not None:
        _server_facts(facts, server)
    return facts


def _facts_of(
    headers: t.Iterable[tuple[bytes, bytes]],
    method: str,
    root_path: str,
    path: str,
    query_string: bytes,
    scheme: str,
) -> dict[str, t.Any]:
    """:func:`scope_facts` from the scope's values, the root path split off
    the path; the server's are added by :func:`_server_facts`."""
    facts: dict[str, t.Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": _wsgi_str(root_path.rstrip("/")) if root_path else "",
        "PATH_INFO": path if path.isascii() else _wsgi_str(path),
        "QUERY_STRING": query_string.decode("latin-1") if query_string else "",
        "wsgi.url_scheme": scheme,
    }
    for name, value in headers:
        if type(name) is not bytes or type(value) is not bytes:
            raise TypeError(f"An ASGI header is not a pair of bytes: {name!r}")
        key = _FACT_HEADERS.get(name)
        if key is not None:
            text = value.decode("latin-1")
            before = facts.get(key)
            if before is not None:
                text = f"{before}{'; ' if key == 'HTTP_COOKIE' else ', '}{text}"
            facts[key] = text
    return facts


def _server_facts(facts: dict[str, t.Any], server: t.Sequence[t.Any]) -> None:
    facts["SERVER_NAME"] = server[0]
    if server[1] is not None:
        facts["SERVER_PORT"] = str(server[1])


def _split_root(root_path: str, path: str) -> tuple[str, str]:
    """``(root_path, path)`` with the root's prefix taken off ``path`` when
    ``path`` starts with it as whole segments (``/app`` is not a prefix of
    ``/apple``)."""
    root = root_path.rstrip("/")
    if path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return root_path, path[len(root) :]
    return root_path, path


def _wsgi_str(text: str) -> str:
    """``text`` as a WSGI environ holds a path: its UTF-8 bytes read as
    latin-1. A lone surrogate, which no server should send, is kept as
    bytes rather than raising."""
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


#: The environ key of each ASGI header name seen (lowercase bytes), or
#: ``None`` for a name that is dropped. Bounded, so that a client sending
#: made-up names cannot grow it without end.
_ENVIRON_KEYS: dict[bytes, str | None] = {}
#: The name a request built from an environ shows for each plain header
#: name seen (no underscore), for :meth:`Request.from_scope`'s fast path.
_HEADER_NAMES: dict[bytes, str] = {}
_NAMES_KEPT = 512
_BODY_KEYS = {"CONTENT_TYPE", "CONTENT_LENGTH"}


def _environ_key(name: bytes) -> str | None:
    """The environ key of the ASGI header ``name``, or ``None`` when a WSGI
    server would drop it (an underscore in it)."""
    try:
        return _ENVIRON_KEYS[name]
    except KeyError:
        pass
    text = name.decode("latin-1")
    key: str | None
    if "_" in text:
        key = None
    else:
        key = text.upper().replace("-", "_")
        if key not in _BODY_KEYS:
            key = f"HTTP_{key}"
    if len(_ENVIRON_KEYS) < _NAMES_KEPT:
        _ENVIRON_KEYS[name] = key
        if key is not None:
            _HEADER_NAMES[name] = _shown_name(key)
    return key


def _shown_name(key: str) -> str:
    """The header name werkzeug shows for the environ ``key``:
    ``HTTP_X_REAL_IP`` is ``X-Real-Ip``."""
    if key.startswith("HTTP_"):
        key = key[5:]
    return key.replace("_", "-").title()


def _environ_headers(raw: t.Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """The environ keys and values of the ASGI header list ``raw``: repeated
    headers joined (cookies with ``"; "``, others with ``", "``), names with
    an underscore dropped."""
    found: dict[str, str] = {}
    for name, value in raw:
        key = _environ_key(name)
        if key is None:
            continue
        text = value.decode("latin-1")
        before = found.get(key)
        if before is None:
            found[key] = text
        else:
            joint = "; " if key == "HTTP_COOKIE" else ", "
            found[key] = f"{before}{joint}{text}"
    return found


def _header_list(raw: t.Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """The headers, as a request built from the environ of ``raw`` reads
    them: in order of first appearance, repeated ones joined.

    werkzeug's environ headers skip an empty ``Content-Type`` or
    ``Content-Length`` when iterated but return ``""`` when asked for one;
    here it is listed, so that asking gives the same answer."""
    return [(_shown_name(key), value) for key, value in _environ_headers(raw).items()]


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


#: An HTTP header name: a token (RFC 9110), so no spaces, colons, CR or LF.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_NEWLINE = re.compile(r"[\r\n]")
#: Header names found valid by :meth:`ResponseHeaders.__setitem__`;
#: bounded, so that made-up names can't grow it without end.
_CHECKED_NAMES: set[str] = set()
#: What a cookie name, domain or path may not contain: control characters
#: (CR and LF among them), and ``;`` which would start a cookie attribute.
_COOKIE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f;]")


#: What a redirect target may not hold: control characters, CR and LF among
#: them, which would end the ``Location`` header and start another. A tab
#: is allowed in a header value, and the Location check of
#: :meth:`Response.get_wsgi_headers` already deals with it.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def check_redirect_target(location: str) -> str:
    """Return ``location`` unchanged, or raise 400 Bad Request when it holds
    a control character (CR, LF, NUL..., a tab excepted).

    A redirect target often comes from the client (``?next=``): refused
    here, it is the client's error, where werkzeug's refusal of a CR or LF
    in a header value is a 500, and other control characters reach the
    server, which sends them or answers 500.

    :param location: the URL to redirect to.
    :raises werkzeug.exceptions.BadRequest: it holds a control character.
    """
    if _CONTROL.search(location) is not None:
        raise BadRequest(
            "The redirect target holds a control character (CR, LF or"
            " another), which a Location header cannot carry."
        )
    return location


def check_header_name(name: str) -> None:
    """Raise ``ValueError`` unless ``name`` is a valid header name: a
    non-empty token of letters, digits and ``!#$%&'*+-.^_`|~``. A name with
    CR or LF in it would let a client-controlled value split the response."""
    if not isinstance(name, str) or _HEADER_NAME.fullmatch(name) is None:
        raise ValueError(
            f"Invalid header name {name!r}: a header name is made of letters,"
            " digits and !#$%&'*+-.^_`|~, without spaces, colons, CR or LF."
        )


class ResponseHeaders(Headers):
    """The headers of a :class:`Response`: werkzeug's
    :class:`~werkzeug.datastructures.Headers`, which refuses CR and LF in
    values, made to refuse invalid names as well (``ValueError``), so that
    no header can split the response."""

    def add(self, key: str, value: t.Any, /, **kwargs: t.Any) -> None:
        """Add a header; see :meth:`werkzeug.datastructures.Headers.add`."""
        check_header_name(key)
        super().add(key, value, **kwargs)

    def set(self, key: str, value: t.Any, /, **kwargs: t.Any) -> None:
        """Replace a header; see :meth:`werkzeug.datastructures.Headers.set`."""
        check_header_name(key)
        super().set(key, value, **kwargs)

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        if type(key) is str and type(value) is str:
            # PERF: hooks benchmark; what set() does for a plain name and
            # value, in one frame instead of four: the name's and the
            # value's checks, then the first header of that name replaced
            # and any later one removed, or the header appended. A name
            # checked once is remembered; only names of the same length
            # are lowered to compare.
            if key not in _CHECKED_NAMES:
                check_header_name(key)
                if len(_CHECKED_NAMES) < _NAMES_KEPT:
                    _CHECKED_NAMES.add(key)
            if "\n" in value or "\r" in value:
                raise ValueError("Header values must not contain newline characters.")
            headers = self._list
            size = len(key)
            lowered = key.lower()
            for index, (name, _) in enumerate(headers):
                if len(name) == size and name.lower() == lowered:
                    headers[index] = (key, value)
                    headers[index + 1 :] = [
                        h for h in headers[index + 1 :] if h[0].lower() != lowered
                    ]
                    return
            headers.append((key, value))
            return
        if isinstance(key, str):
            # werkzeug's __setitem__ calls set(), which checks the name:
            # once, not twice.
            self.set(key, value)
            return
        if isinstance(key, int):
            check_header_name(value[0])
        else:
            value = list(value)
            for name, _ in value:
                check_header_name(name)
        super().__setitem__(key, value)


def _response_headers(headers: t.Any) -> Headers:
    """``headers`` as a :class:`ResponseHeaders`. A werkzeug ``Headers``
    object is checked and kept (not copied), as werkzeug's ``Response``
    keeps it."""
    if not isinstance(headers, Headers):
        return ResponseHeaders(headers)
    for name, _ in headers:
        check_header_name(name)
    if type(headers) is Headers:
        # Same layout, more checks: later changes are checked too.
        headers.__class__ = ResponseHeaders
    return headers


def _check_cookie_part(
    what: str, value: str | None, forbidden: re.Pattern[str]
) -> None:
    if value is not None and forbidden.search(value) is not None:
        refused = (
            "CR or LF"
            if forbidden is _NEWLINE
            else "control characters (CR, LF...) or ';'"
        )
        raise ValueError(
            f"The cookie {what} {value!r} must not contain {refused}: the"
            " Set-Cookie header could be split or given other attributes."
        )


class Response(_WerkzeugResponse):
    """The response object: werkzeug's ``Response`` with an HTML default
    mimetype, as views returning strings expect.

    Set as :attr:`App.response_class`.
    """

    default_mimetype: str | None = "text/html"

    json_module = _AppJSON  # type: ignore[assignment]

    autocorrect_location_header = False

    def __init__(
        self,
        response: Iterable[bytes] | bytes | Iterable[str] | str | None = None,
        status: int | str | HTTPStatus | None = None,
        headers: t.Mapping[str, str | Iterable[str]]
        | Iterable[tuple[str, str]]
        | None = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        if type(headers) is not ResponseHeaders:
            headers = _response_headers(headers)
        if (
            response is not None
            and type(response) is not AsyncBody
            and hasattr(type(response), "__aiter__")
        ):
            # An async generator given directly, as make_response() wraps
            # one: streamed by async code under either protocol.
            response = AsyncBody(response)  # type: ignore[arg-type]
        super().__init__(
            response, status, headers, mimetype, content_type, direct_passthrough
        )

    @property
    def status(self) -> str:
        """The status line, e.g. ``"200 OK"``. Setting one with CR or LF in
        it raises ``ValueError``."""
        return self._status

    @status.setter
    def status(self, value: str | int | HTTPStatus) -> None:
        if isinstance(value, str) and _NEWLINE.search(value) is not None:
            raise ValueError(f"The status {value!r} must not contain CR or LF.")
        self._status, self._status_code = self._clean_status(value)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header; see werkzeug's
        :meth:`~werkzeug.wrappers.Response.set_cookie` for the arguments.

        :raises ValueError: when the name, domain or path contains a control
            character (CR and LF among them) or ``;``, or the value or a
            string ``expires`` contains CR or LF. werkzeug would quote some
            of these and pass others into the header.
        """
        _check_cookie_part("name", key, _COOKIE_FORBIDDEN)
        _check_cookie_part("value", value, _NEWLINE)
        _check_cookie_part("path", path, _COOKIE_FORBIDDEN)
        _check_cookie_part("domain", domain, _COOKIE_FORBIDDEN)
        if isinstance(expires, str):
            _check_cookie_part("expiry", expires, _NEWLINE)
        super().set_cookie(
            key,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    @classmethod
    def force_type(
        cls, response: _WerkzeugResponse, environ: WSGIEnvironment | None = None
    ) -> _WerkzeugResponse:
        """Make ``response`` (any WSGI response or app) one of this class;
        see werkzeug's :meth:`~werkzeug.wrappers.Response.force_type`. Its
        headers become checked ones.

        :raises ValueError: when a header name of ``response`` is invalid.
        """
        rv = t.cast("Response", super().force_type(response, environ))
        if type(rv.headers) is not ResponseHeaders:
            rv.headers = _response_headers(rv.headers)
        return rv

    def get_wsgi_headers(self, environ: WSGIEnvironment) -> Headers:
        """The headers to send, as werkzeug computes them, except that a
        ``Location`` a browser would read as scheme-relative
        (``//evil.example/``, and what ``iri_to_uri`` turns into that) is
        sent as a path on this host (``/evil.example/``): a redirect built
        from a request path never leads to another host. Give a URL with a
        scheme to redirect to another host.

        :raises ValueError: for an invalid header name in headers that were
            assigned without the checks of :class:`ResponseHeaders`.
        """
        headers = self.headers
        if type(headers) is not ResponseHeaders:
            for name, _ in headers:
                check_header_name(name)
        for key, value in headers:
            if len(key) == 8 and key.lower() == "location":
                uri = iri_to_uri(value)
                if uri.startswith("//"):
                    headers["Location"] = "/" + uri.lstrip("/")
                break
        return super().get_wsgi_headers(environ)

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
            and cls.__init__ is Response.__init__
            and cls.__call__ is Response.__call__
            and cls.get_wsgi_response is _WerkzeugResponse.get_wsgi_response
            and cls.get_wsgi_headers is Response.get_wsgi_headers
            and cls.get_app_iter is _WerkzeugResponse.get_app_iter
        )

    @classmethod
    def fast(
        cls,
        body: bytes,
        content_type: str,
        status: str = "200 OK",
        location: str | None = None,
    ) -> t.Self:
        """A response with ``body``, built without the general constructor's
        argument handling. The result is an ordinary response that hooks and
        users may change; only use it when :meth:`supports_fast` is true.

        :param body: the encoded body.
        :param content_type: the full ``Content-Type`` value.
        :param status: the full status line, e.g. ``"404 NOT FOUND"``.
        :param location: a ``Location`` header to send (a 201 or a
            redirect), as ``headers["Location"] = location`` would set it.
        :raise ValueError: ``location`` has a newline character in it.
        """
        self = cls.__new__(cls)
        # PERF: hello; str() of an int and int() of a status line cost
        # more than the rest of this method: both are looked up.
        size = len(body)
        length = _LENGTH_TEXT[size] if size < _LENGTHS_KEPT else str(size)
        header_list = [("Content-Type", content_type), ("Content-Length", length)]
        # Not ResponseHeaders(): its __init__ only makes the list replaced here.
        headers = ResponseHeaders.__new__(ResponseHeaders)
        self.headers = headers
        self._status = status
        code = _STATUS_CODES.get(status)
        if code is None:
            code = int(status[:3])
            if len(_STATUS_CODES) < _NAMES_KEPT:
                _STATUS_CODES[status] = code
        self._status_code = code
        self.direct_passthrough = False
        self._on_close = []
        body_list = [body]
        self.response = body_list
        if location is None:
            headers._list = header_list.copy()
            self._fast = (header_list, body_list)
            return self
        # PERF: API create benchmark (201 with a Location); set here rather
        # than through the headers, and kept in the fast lane when werkzeug's
        # header pass would send it unchanged.
        if "\n" in location or "\r" in location:
            raise ValueError("Header values must not contain newline characters.")
        header_list.append(("Location", location))
        headers._list = header_list.copy()
        if _URI_PATH(location) is not None and not self.autocorrect_location_header:
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
                and (
                    header_list == fast[0]
                    or _plain_headers(self.headers, self.autocorrect_location_header)
                )
            ):
                start_response(self._status, header_list.copy())
                if environ.get("REQUEST_METHOD") == "HEAD":
                    return ()
                return fast[1]
        return super().__call__(environ, start_response)

    def asgi_head(
        self, method: str
    ) -> tuple[int, list[tuple[bytes, bytes]], t.Iterable[bytes]] | None:
        """The status code, ASGI headers and body of a response built by
        :meth:`fast` that nobody changed in a way werkzeug's WSGI output
        would rewrite; ``None`` otherwise (the ASGI adapter then takes the
        response's WSGI output). The ASGI twin of ``__call__``'s fast lane.

        :param method: the request's method (``HEAD`` gets no body).
        """
        fast = self._fast
        if fast is None or self.response is not fast[1] or self._on_close:
            return None
        header_list: list[tuple[str, str]] = self.headers._list
        code = self._status_code
        if code < 200 or code == 204 or code == 304:
            return None
        body = () if method == "HEAD" else fast[1]
        if header_list == fast[0]:
            # PERF: hello; the type's bytes are cached, the length is new.
            content_type = _ASGI_TYPES.get(header_list[0][1]) or _asgi_value(
                header_list[0][1]
            )
            length = header_list[1][1].encode("latin-1")
            if len(header_list) == 2:
                return (
                    code,
                    [(b"content-type", content_type), (b"content-length", length)],
                    body,
                )
            # The Location fast() was given: a path of ASCII characters.
            return (
                code,
                [
                    (b"content-type", content_type),
                    (b"content-length", length),
                    (b"location", header_list[2][1].encode("ascii")),
                ],
                body,
            )
        if not _plain_headers(self.headers, self.autocorrect_location_header):
            return None
        headers = [
            (_asgi_name(name), value.encode("latin-1")) for name, value in header_list
        ]
        return code, headers, body

    @property
    def max_cookie_size(self) -> int:  # type: ignore[override]
        """The app's ``MAX_COOKIE_SIZE``, or werkzeug's default outside an
        app."""
        ctx = _cv_context.get(None)
        if ctx is None:
            return super().max_cookie_size
        return ctx.app.config["MAX_COOKIE_SIZE"]  # type: ignore[no-any-return]


#: The Content-Length values of bodies shorter than this many bytes are
#: made once, in :data:`_LENGTH_TEXT`.
_LENGTHS_KEPT = 2048
_LENGTH_TEXT = [str(size) for size in range(_LENGTHS_KEPT)]
#: The status codes of status lines :meth:`Response.fast` was given; few,
#: and bounded all the same.
_STATUS_CODES: dict[str, int] = {}


#: ASGI header names (lowercase bytes) of response header names seen;
#: bounded, so that made-up names can't grow it without end.
_ASGI_NAMES: dict[str, bytes] = {}


def _asgi_name(name: str) -> bytes:
    found = _ASGI_NAMES.get(name)
    if found is None:
        found = name.lower().encode("latin-1")
        if len(_ASGI_NAMES) < _NAMES_KEPT:
            _ASGI_NAMES[name] = found
    return found


#: The bytes of the Content-Type values of fast responses seen; few, and
#: bounded all the same.
_ASGI_TYPES: dict[str, bytes] = {}


def _asgi_value(content_type: str) -> bytes:
    found = _ASGI_TYPES.get(content_type)
    if found is None:
        found = content_type.encode("latin-1")
        if len(_ASGI_TYPES) < _NAMES_KEPT:
            _ASGI_TYPES[content_type] = found
    return found


def _plain_headers(headers: Headers, autocorrect_location: bool = False) -> bool:
    """Whether the headers are checked ones with a Content-Length and nothing
    werkzeug's header pass would rewrite.

    :param autocorrect_location: the response's
        ``autocorrect_location_header``: werkzeug then makes every
        ``Location`` absolute.
    """
    if type(headers) is not ResponseHeaders:
        # Replaced by an object whose names were never checked.
        return False
    has_length = False
    # PERF: hooks benchmark; only names of the lengths looked for are
    # lowered.
    for key, value in headers._list:
        size = len(key)
        if size == 14:
            if key == "Content-Length" or key.lower() == "content-length":
                has_length = True
        elif (
            (size == 8 or size == 16)
            and key.lower() in _REWRITTEN
            # PERF: API create benchmark (201 with a Location); a path
            # that iri_to_uri returns as it is needs no rewriting.
            and (_URI_PATH(value) is None or (autocorrect_location and size == 8))
        ):
            return False
    return has_length


#: The headers werkzeug's WSGI header pass may rewrite, lowercase.
_REWRITTEN = frozenset({"location", "content-location"})
#: A URL path, with a query, that werkzeug's ``iri_to_uri`` leaves as it is:
#: only characters it keeps unquoted in a path (and then in a query), no
#: empty query or fragment it would drop, no host it would lower-case.
_URI_PATH = re.compile(
    r"/(?!/)[A-Za-z0-9\-._~!$&'()*+,/:;=@%]*(?:\?[A-Za-z0-9\-._~!$&'()*+,/:;=?@%]+)?"
).fullmatch
