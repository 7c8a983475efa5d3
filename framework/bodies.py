"""Request bodies: size limits that refuse instead of truncating, and a
form parser that refuses malformed bodies.

Layer 1. Used by :class:`framework.wrappers.Request`:

- a body over ``MAX_CONTENT_LENGTH`` is a 413 however it is sent (declared
  or chunked), read no further than the limit plus one byte, never cut
  short silently;
- a body sent with ``Transfer-Encoding`` that the server did not delimit
  is a 411 when read;
- a malformed multipart body is a 400, never an empty form;
  ``MAX_FORM_MEMORY_SIZE`` limits each form field, urlencoded ones too;
- an error the server raises while reading the body (a malformed chunk, a
  client that disconnects mid-body) is a 400 (:class:`BodyReadError`),
  reported in one log line, never a 500 with a traceback.

Under ASGI, :func:`read_body` reads the body before dispatch (in memory,
or in a spooled temporary file past a size) and stops at the limit, or at
a timeout (408); the :class:`ReadBody` it gives raises the errors above at
the same access or read as under WSGI.
"""

from __future__ import annotations

import io
import re
import tempfile
import types
import typing as t
import weakref
from urllib.parse import unquote, unquote_to_bytes

from attrs import define
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import (
    BadRequest,
    ClientDisconnected,
    HTTPException,
    LengthRequired,
    RequestEntityTooLarge,
    RequestTimeout,
)
from werkzeug.formparser import FormDataParser as _WerkzeugFormDataParser
from werkzeug.formparser import MultiPartParser
from werkzeug.wsgi import LimitedStream, get_content_length

if t.TYPE_CHECKING:  # pragma: no cover
    import asyncio

    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.datastructures import FileStorage

__all__ = [
    "NO_BODY",
    "STREAM_BODY",
    "BodyReadError",
    "ClientGone",
    "FormDataParser",
    "ReadBody",
    "StreamedBody",
    "empty_multidict",
    "fields_multidict",
    "input_stream",
    "parse_urlencoded",
    "query_fields",
    "read_body",
    "stream_body",
]

#: A Content-Length value: digits, with the blanks a header may carry.
_LENGTH = re.compile(r"[ \t]*[0-9]+[ \t]*")


def input_stream(
    environ: WSGIEnvironment,
    max_length: int | None,
    report: t.Callable[[str], None] | None = None,
) -> t.IO[bytes]:
    """The body of the request in ``environ``, as a stream that never reads
    past the body or past ``max_length`` bytes.

    - A declared ``Content-Length`` over ``max_length`` raises 413 at once,
      before anything is read.
    - A ``Content-Length`` that is not a whole number raises 400.
    - A declared ``Content-Length`` bounds the read, and a body that ends
      before it (the client went away) raises :class:`BodyReadError` (400),
      even under a server that marks the end of the body and would end it
      quietly.
    - Without a ``Content-Length``, a body whose end the server marks
      (``wsgi.input_terminated``, set for chunked requests) is read to its
      end; with a ``max_length``, the read that would go past it raises
      413, after at most ``max_length + 1`` bytes. Werkzeug's stream
      instead ends quietly at the limit.
    - Otherwise the body is empty, unless a ``Transfer-Encoding`` says there
      is one: reading it then raises 411, where werkzeug returns nothing.
    - Whatever the server's ``wsgi.input`` raises while it is read raises
      :class:`BodyReadError` (400), after ``report`` is called with a line
      that says what the server found.

    :param environ: the WSGI environ.
    :param max_length: the limit in bytes, or ``None`` for none.
    :param report: called with one line when the server fails to read the
        body; ``None`` reports nothing.
    """
    declared = environ.get("CONTENT_LENGTH")
    if declared and _LENGTH.fullmatch(declared) is None:
        # werkzeug reads a malformed length as 0: an empty body the client
        # did not send. Refuse it, as a server parsing the header would.
        raise _malformed_length(declared)
    # A server that gives no input stream sent no body (the key is required
    # by PEP 3333, but its absence is no reason for a 500).
    server_input = environ.get("wsgi.input")
    if declared and "HTTP_TRANSFER_ENCODING" not in environ:
        # PERF: form post and JSON body in benchmarks; what
        # get_content_length gives for a well-formed length, without its
        # three frames. int() ignores the blanks _LENGTH allows.
        length: int | None = int(declared)
    else:
        length = get_content_length(environ)
    if length is not None and max_length is not None and length > max_length:
        raise RequestEntityTooLarge()
    if length is not None:
        # Servers that mark the end of the body (gunicorn, waitress) still
        # end a Content-Length body quietly when the client goes away before
        # sending all of it: counting the bytes is what tells.
        if server_input is None:
            server_input = io.BytesIO()
        return _ServerInput(server_input, report, length)  # type: ignore[return-value]
    if "wsgi.input_terminated" in environ:
        stream = _server_input(server_input, report)
        if max_length is None:
            return stream
        return t.cast("t.IO[bytes]", _MaxLengthStream(stream, max_length))
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return t.cast("t.IO[bytes]", _UnreadableBody())
    return io.BytesIO()


def _malformed_length(declared: str) -> BadRequest:
    return BadRequest(
        f"The Content-Length header ({declared[:40]!r}) is not a whole number of bytes."
    )


def _server_input(
    server_input: t.Any,
    report: t.Callable[[str], None] | None,
    length: int | None = None,
) -> t.IO[bytes]:
    if server_input is None:
        server_input = io.BytesIO()
    return _ServerInput(server_input, report, length)  # type: ignore[return-value]


class BodyReadError(ClientDisconnected):
    """400 Bad Request: the server could not read the request body, because
    the client sent a malformed one (a bad chunk size or terminator, a bad
    chunk extension or trailer) or went away before its end. The server's
    own error, if it raised one, is the ``__cause__``."""

    description = (
        "The request body is malformed or was cut short: the server could not read it."
    )


class _ServerInput:
    """The server's ``wsgi.input``, read no further than a declared length,
    whose errors become :class:`BodyReadError`.

    Servers report a body they cannot parse by raising from ``read``, each
    with its own classes: gunicorn raises ``InvalidChunkSize``,
    ``ChunkMissingTerminator``, ``InvalidHeader`` for a bad trailer or
    ``NoMoreData`` (some ``OSError``, some not), and any server raises
    ``OSError`` when the socket fails. The framework must not import a
    server to name them, and no other code runs inside ``read``: so
    whatever escapes the server's stream, except an HTTP error a middleware
    chose to raise, is the client's malformed body.

    With a declared ``length``, a body that ends before it is also a
    :class:`BodyReadError`: gunicorn and waitress mark every body as
    delimited (``wsgi.input_terminated``) and end one cut short quietly.
    Counting here, rather than in werkzeug's ``LimitedStream`` on top, keeps
    a body read to one Python call per read.

    Only requests that read a body make one.
    """

    __slots__ = ("_declared", "_remaining", "_report", "_stream")

    def __init__(
        self,
        stream: t.Any,
        report: t.Callable[[str], None] | None,
        length: int | None = None,
    ) -> None:
        self._stream = stream
        self._report = report
        self._declared = length
        #: Bytes still to come, or -1 when the server marks the end.
        self._remaining = -1 if length is None else length

    def _failed(self, error: Exception) -> BodyReadError:
        if self._report is not None:
            message = str(error)[:200]
            self._report(
                "The request body could not be read, answering 400:"
                f" {type(error).__name__}{': ' if message else ''}{message}"
            )
        return BodyReadError()

    def _cut_short(self) -> BodyReadError:
        declared = t.cast(int, self._declared)
        if self._report is not None:
            self._report(
                "The request body ended after"
                f" {declared - self._remaining} of its {declared} declared"
                " bytes, answering 400"
            )
        return BodyReadError()

    def _read(self, read: t.Callable[[int], bytes], size: int) -> bytes:
        try:
            return read(size)
        except HTTPException:
            raise
        except Exception as e:
            raise self._failed(e) from e

    def read(self, size: int | None = -1) -> bytes:
        remaining = self._remaining
        if size is None or size < 0:
            if remaining < 0:
                return self._read(self._stream.read, -1)
            if remaining:
                # PERF: form post and JSON body in benchmarks; the whole
                # body in one read, the usual case, read without the
                # loop below.
                try:
                    data: bytes = self._stream.read(remaining)
                except HTTPException:
                    raise
                except Exception as e:
                    raise self._failed(e) from e
                if len(data) == remaining:
                    self._remaining = 0
                    return data
                if not data:
                    raise self._cut_short()
                remaining = self._remaining = remaining - len(data)
                return data + self.read()
            # A server may hand out less than asked before the end.
            parts: list[bytes] = []
            while remaining:
                data = self._read(self._stream.read, remaining)
                if not data:
                    raise self._cut_short()
                parts.append(data)
                remaining = self._remaining = remaining - len(data)
            return b"".join(parts)
        if remaining < 0:
            return self._read(self._stream.read, size)
        if size > remaining:
            size = remaining
        if size == 0:
            return b""
        data = self._read(self._stream.read, size)
        if not data:
            raise self._cut_short()
        self._remaining = remaining - len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        remaining = self._remaining
        if size is None or size < 0 or 0 <= remaining < size:
            size = remaining
        if remaining < 0:
            return self._read(self._stream.readline, size)
        if size == 0:
            return b""
        data = self._read(self._stream.readline, size)
        if not data:
            raise self._cut_short()
        self._remaining = remaining - len(data)
        return data

    def readable(self) -> bool:
        return True

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines = []
        total = 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> t.Iterator[bytes]:
        while line := self.readline():
            yield line

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


class _MaxLengthStream(LimitedStream):
    """A body of unknown length that may be at most ``max_length`` bytes:
    reads up to ``max_length + 1`` bytes, and raises 413 on the read that
    gets that last byte, so an over-long body is refused, not truncated."""

    def __init__(self, stream: t.IO[bytes], max_length: int) -> None:
        super().__init__(stream, max_length + 1, is_max=True)

    def readinto(self, b: bytearray) -> int | None:  # type: ignore[override]
        size = super().readinto(b)
        if self.is_exhausted:
            raise RequestEntityTooLarge()
        return size


class _UnreadableBody(io.RawIOBase):
    """A body announced by ``Transfer-Encoding`` that the server did not
    delimit: reading it would block or read past the request, so a read
    raises 411 Length Required."""

    def readable(self) -> bool:
        return True

    def readinto(self, b: t.Any) -> int:
        raise LengthRequired(
            "The request has a body without a Content-Length, and the server"
            " did not mark where it ends."
        )


class _MultipartReader:
    """What the multipart parser reads through (``read`` is all it calls):
    counts the bytes read, and hands them over in pieces of at most
    ``piece`` bytes.

    werkzeug's decoder refuses (413) any single piece that, with what it
    still buffers, is over ``max_form_memory_size``, and it reads 64 KiB at
    a time: with a smaller limit, any body bigger than the limit was
    refused, files included. Pieces of half the limit keep the limit to
    what it is documented to be, the size of one non-file field.
    """

    __slots__ = ("_read", "count", "piece")

    def __init__(self, stream: t.IO[bytes], limit: int | None) -> None:
        self._read = stream.read
        self.count = 0
        self.piece = -1 if limit is None else max(limit // 2, 1)

    def read(self, size: int = -1) -> bytes:
        piece = self.piece
        if piece > 0 and (size < 0 or size > piece):
            size = piece
        data = self._read(size)
        self.count += len(data)
        return data


class FormDataParser(_WerkzeugFormDataParser):
    """werkzeug's form parser, strict about bad input:

    - a malformed body (``multipart/form-data`` without a boundary, with the
      wrong boundary, truncated, a part without ``Content-Disposition``,
      part headers that are not UTF-8) raises 400, where werkzeug returns an
      empty form; an empty body is still an empty form;
    - ``max_form_memory_size`` limits each non-file multipart field, as
      documented; werkzeug also refuses any body over it when it is under
      64 KiB, files included;
    - in an ``application/x-www-form-urlencoded`` body, a name or value
      longer than ``max_form_memory_size`` bytes (decoded) raises 413, as a
      multipart field does (werkzeug applies the limit to multipart only);
    - invalid UTF-8 in a urlencoded body stays percent-encoded (``%FF``),
      whether it was sent percent-encoded or as a raw byte (werkzeug drops
      the whole form for a raw byte).

    Pass ``silent=True`` for werkzeug's behaviour on malformed bodies.
    """

    def __init__(
        self,
        stream_factory: t.Any = None,
        max_form_memory_size: int | None = None,
        max_content_length: int | None = None,
        cls: type[MultiDict[str, t.Any]] | None = None,
        silent: bool = False,
        *,
        max_form_parts: int | None = None,
    ) -> None:
        super().__init__(
            stream_factory,
            max_form_memory_size,
            max_content_length,
            cls,
            silent,
            max_form_parts=max_form_parts,
        )

    def parse(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str] | None = None,
    ) -> tuple[t.IO[bytes], MultiDict[str, str], MultiDict[str, FileStorage]]:
        """Parse a form body; raise 400 when it is malformed."""
        try:
            return super().parse(stream, mimetype, content_length, options)
        except ValueError as e:  # only raised when not silent
            raise BadRequest(f"The {mimetype} body is malformed.") from e

    def _parse_multipart(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> tuple[t.IO[bytes], MultiDict[str, str], MultiDict[str, FileStorage]]:
        boundary = options.get("boundary", "")
        if not boundary:
            raise ValueError("The multipart body has no boundary parameter.")
        # The files parsed so far are closed when parsing fails (a 413 in
        # the middle of a body, a malformed part): werkzeug leaves them open.
        created: list[t.IO[bytes]] = []
        factory = self.stream_factory

        def stream_factory(
            total_content_length: int | None,
            content_type: str | None,
            filename: str | None,
            content_length: int | None = None,
        ) -> t.IO[bytes]:
            container = factory(
                total_content_length=total_content_length,
                content_type=content_type,
                filename=filename,
                content_length=content_length,
            )
            created.append(container)
            return container

        parser = MultiPartParser(
            stream_factory=stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
        )
        encoded_boundary = boundary.encode("ascii")
        reader = _MultipartReader(stream, self.max_form_memory_size)
        try:
            form, files = parser.parse(
                t.cast("t.IO[bytes]", reader), encoded_boundary, content_length
            )
        except BaseException as e:
            for container in created:
                container.close()
            if isinstance(e, ValueError) and reader.count == 0 and not stream.read(1):
                # No body at all: nothing was sent, so nothing is hidden.
                return stream, self.cls(), self.cls()
            raise
        return stream, form, files

    def _parse_urlencoded(
        self,
        stream: t.IO[bytes],
        mimetype: str,
        content_length: int | None,
        options: dict[str, str],
    ) -> tuple[t.IO[bytes], MultiDict[str, str], MultiDict[str, FileStorage]]:
        form = parse_urlencoded(stream.read(), self.max_form_memory_size, self.cls)
        return stream, form, self.cls()


def parse_urlencoded(
    body: bytes, limit: int | None, cls: type[MultiDict[str, t.Any]]
) -> MultiDict[str, t.Any]:
    """The fields of an ``application/x-www-form-urlencoded`` body, as
    :class:`FormDataParser` reads them: invalid UTF-8 stays
    percent-encoded, and a name or value longer than ``limit`` bytes once
    decoded raises 413.

    :param body: the whole body.
    :param limit: ``max_form_memory_size``, or ``None`` for no limit.
    :param cls: the multi-dict class to return.
    """
    if limit is not None and len(body) > limit:
        _check_urlencoded_sizes(body, limit)
    return fields_multidict(body.decode("utf-8", "werkzeug.url_quote"), cls)


def fields_multidict(
    text: str, cls: type[MultiDict[str, t.Any]]
) -> MultiDict[str, t.Any]:
    """``cls(query_fields(text))``: the fields of a query string or
    urlencoded body in a multi-dict.

    :param text: the decoded query string or body.
    :param cls: the multi-dict class to return.
    """
    if cls is ImmutableMultiDict or cls is MultiDict:
        # PERF: form post benchmark; the lists werkzeug's constructor would
        # make from the pairs, made directly (its constructor tells a
        # mapping from pairs with two ABC checks, then makes them).
        fields = cls.__new__(cls)
        dict.update(fields, _field_lists(text))
        return fields
    return cls(query_fields(text))


def empty_multidict(cls: type[MultiDict[str, t.Any]]) -> MultiDict[str, t.Any]:
    """An empty ``cls()``: for werkzeug's own classes, without running
    their constructor (PERF: form post benchmark).

    :param cls: the multi-dict class.
    """
    if cls is ImmutableMultiDict or cls is MultiDict:
        return cls.__new__(cls)
    return cls()


def _field_lists(text: str) -> dict[str, list[str]]:
    """What :func:`query_fields` reads from ``text``, as each name's list
    of values, names in order of first appearance: a multi-dict's
    contents."""
    fields: dict[str, list[str]] = {}
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "+" in name:
            name = name.replace("+", " ")
        if "%" in name:
            name = unquote(name, errors="werkzeug.url_quote")
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = unquote(value, errors="werkzeug.url_quote")
        values = fields.get(name)
        if values is None:
            fields[name] = [value]
        else:
            values.append(value)
    return fields


def query_fields(text: str) -> list[tuple[str, str]]:
    """The ``(name, value)`` pairs of a query string or urlencoded body,
    as ``urllib.parse.parse_qsl(text, keep_blank_values=True,
    errors="werkzeug.url_quote")`` gives them (werkzeug's reading): empty
    fields skipped, a field without ``=`` an empty value, ``+`` a space,
    invalid UTF-8 in a percent escape left percent-encoded.

    PERF: form post benchmark; ``parse_qsl`` calls ``unquote`` (and it
    ``_coerce_args``) for every name and value, escapes or not.

    :param text: the decoded query string or body.
    """
    fields = []
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "+" in name:
            name = name.replace("+", " ")
        if "%" in name:
            name = unquote(name, errors="werkzeug.url_quote")
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = unquote(value, errors="werkzeug.url_quote")
        fields.append((name, value))
    return fields


def _check_urlencoded_sizes(body: bytes, limit: int) -> None:
    """Raise 413 when a name or a value of the urlencoded ``body`` is longer
    than ``limit`` bytes once decoded. Only fields longer than the limit as
    sent can be, so only those are decoded."""
    for field in body.split(b"&"):
        if len(field) > limit:
            for part in field.split(b"=", 1):
                if len(unquote_to_bytes(part.replace(b"+", b" "))) > limit:
                    raise RequestEntityTooLarge()


# -- bodies from an ASGI server ------------------------------------------------
#
# Under ASGI the body is read before dispatch, so that sync code, run in a
# worker thread, finds it already there. What is read, and when each error
# is raised, matches input_stream: a view sees the same bytes and the same
# 400/411/413 at the same read, whichever protocol served it.

#: The ASGI ``receive`` callable: awaits the next message from the server.
_Receive = t.Callable[[], t.Awaitable[t.Mapping[str, t.Any]]]


class ClientGone(Exception):
    """The client disconnected (an ASGI ``http.disconnect`` message) before
    its whole request body arrived: there is nobody left to answer, so the
    adapter sends no response.

    Deliberately not an :class:`~werkzeug.exceptions.HTTPException`: an
    error handler must not render a page that no one will receive.
    """


@define(eq=False)
class ReadBody:
    """A request body read ahead from an ASGI server by :func:`read_body`:
    what arrived, in memory or in a spooled temporary file, and whether
    reading stopped at the limit.

    Nothing is refused here: :meth:`stream` raises each error on the access
    or the read that raises it under WSGI, so a view that never reads the
    body is never refused for it. Close it with :meth:`close` when the
    request ends. Its attributes are read-only by convention: requests
    without a body share one instance (not frozen, which costs 0.6 µs a
    request).
    """

    #: The bytes received, or a :class:`~tempfile.SpooledTemporaryFile`
    #: holding them once they outgrew the spool size.
    content: bytes | tempfile.SpooledTemporaryFile[bytes] = b""
    #: How many bytes were received.
    size: int = 0
    #: The declared ``Content-Length``, or ``None`` when there was none.
    length: int | None = None
    #: The ``max_length`` the body was read with.
    limit: int | None = None
    #: Reading stopped because of ``limit``: the declared length was over
    #: it, so nothing was read, or a body without one reached
    #: ``limit + 1`` bytes, which were kept.
    over_limit: bool = False
    #: The ``Content-Length`` header when it is not a whole number (nothing
    #: was read), else ``None``.
    bad_length: str | None = None

    def stream(
        self,
        max_length: int | None,
        report: t.Callable[[str], None] | None = None,
    ) -> t.IO[bytes]:
        """The body as :func:`input_stream` would give it for the same
        request under WSGI: the same bytes, and the same errors at the same
        access or read. Call it once per request: the streams share a file.

        - A ``Content-Length`` that is not a whole number raises 400.
        - A declared length over ``max_length``, or over the limit the body
          was read with, raises 413 at once.
        - A declared body that ended early (the server said no more body
          before ``Content-Length`` bytes) raises :class:`BodyReadError`
          (400) on the read that reaches its end, after ``report`` is
          called with the line :func:`input_stream` reports.
        - A body without a declared length longer than ``max_length`` raises
          413 on the read that gets byte ``max_length + 1``. The body was
          only read up to the read limit plus one byte: a ``max_length``
          raised since then can't bring the rest back, and the read of that
          byte raises 413 all the same.

        :param max_length: the limit in force now (a view or hook may have
            lowered :attr:`Request.max_content_length`), or ``None``.
        :param report: called with one line when the body was cut short;
            ``None`` reports nothing.
        """
        if self.bad_length is not None:
            raise _malformed_length(self.bad_length)
        length = self.length
        if length is not None:
            if self.over_limit or (max_length is not None and length > max_length):
                raise RequestEntityTooLarge()
            if self.size < length:
                # _ServerInput counts the bytes and raises the WSGI error,
                # with the WSGI report line, where the body runs out.
                return _server_input(self._open(), report, length)
            return self._open()
        if self.over_limit:
            limit = t.cast(int, self.limit)
            if max_length is None or max_length > limit:
                max_length = limit
        if max_length is not None and self.size > max_length:
            return t.cast("t.IO[bytes]", _MaxLengthStream(self._open(), max_length))
        # Within the limit, the body is the whole stream: the wrappers that
        # WSGI needs for a server's input would change nothing here.
        return self._open()

    def content_stream(self) -> t.IO[bytes]:
        """What arrived, as a binary stream at its start, with no limit
        checked: the ``wsgi.input`` of an environ built for the request."""
        return self._open()

    def _open(self) -> t.IO[bytes]:
        content = self.content
        if isinstance(content, bytes):
            return io.BytesIO(content)
        content.seek(0)
        return t.cast("t.IO[bytes]", content)

    def close(self) -> None:
        """Close the temporary file, if the body needed one."""
        if not isinstance(self.content, bytes):
            self.content.close()


#: The attribute :func:`stream_body` sets on a view.
STREAM_BODY = "__framework_stream_body__"

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def stream_body(view: F) -> F:
    """Mark an async view as reading its request body itself, as it
    arrives, with ``async for chunk in request.aiter_body()``: under ASGI
    the adapter then does not read the body ahead into memory or a
    temporary file, for uploads too large for either. ``get_data()``,
    ``form``, ``files``, ``json`` and ``stream`` then raise
    :class:`RuntimeError`. ``MAX_CONTENT_LENGTH`` still applies (413).

    Only a request that runs on the event loop streams (an async view with
    async or loop-safe hooks); one that runs in a thread has its body read
    ahead as usual, and under WSGI ``aiter_body()`` reads the server's
    input stream.
    """
    setattr(view, STREAM_BODY, True)
    return view


class StreamedBody:
    """The body of a request whose view streams it (:func:`stream_body`):
    nothing is read ahead; :meth:`chunks` reads it from the server.

    :param receive: the ASGI ``receive`` callable.
    :param content_length: the ``Content-Length`` header, if any.
    """

    def __init__(self, receive: _Receive, content_length: str | None) -> None:
        self.receive = receive
        self.content_length = content_length
        self._consumed = False

    def stream(
        self, max_length: int | None, report: t.Callable[[str], None] | None = None
    ) -> t.IO[bytes]:
        """Refuse sync access: the view reads the body itself."""
        raise RuntimeError(
            "This view is marked @stream_body: read the body with"
            " 'async for chunk in request.aiter_body()', not with get_data(),"
            " form, files, json or stream."
        )

    def content_stream(self) -> t.IO[bytes]:
        """The ``wsgi.input`` of an environ built for the request: a stream
        whose reads raise, as :meth:`stream` does."""
        return t.cast("t.IO[bytes]", _RefusedInput(self))

    def close(self) -> None:
        """Nothing to close: nothing was stored."""

    async def chunks(self, max_length: int | None) -> t.AsyncIterator[bytes]:
        """The body's chunks as the server delivers them.

        :raise RequestEntityTooLarge: the declared length, or the bytes
            received, go over ``max_length``.
        :raise ClientDisconnected: the client went away mid-body.
        :raise RuntimeError: read twice.
        """
        if self._consumed:
            raise RuntimeError("The request body was already read.")
        self._consumed = True
        if self.content_length is not None:
            if not _LENGTH.fullmatch(self.content_length):
                raise _malformed_length(self.content_length)
            if max_length is not None and int(self.content_length) > max_length:
                raise RequestEntityTooLarge()
        size = 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if max_length is not None and size > max_length:
                raise RequestEntityTooLarge()
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return


class _RefusedInput(io.RawIOBase):
    """An input stream for a body that the view streams itself."""

    def __init__(self, body: StreamedBody) -> None:
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int:
        self.body.stream(None)
        return 0  # pragma: no cover - stream() raises


#: What requests that declare no body read: shared, since nothing in it
#: changes.
NO_BODY = _NO_BODY = ReadBody()


async def read_body(
    receive: _Receive,
    *,
    content_length: str | None,
    chunked: bool,
    max_length: int | None,
    spool_size: int,
    timeout: float | None,
) -> ReadBody:
    """Read a request body from an ASGI server, before dispatch, within
    ``max_length`` and ``timeout``.

    - Without a ``Content-Length`` (``None`` or empty) and not ``chunked``,
      the body is empty and ``receive`` is never called.
    - A ``Content-Length`` that is not a whole number, or that is over
      ``max_length``, reads nothing: the result's :meth:`ReadBody.stream`
      raises 400 or 413 when the request first asks for its body.
    - A declared body is read up to its length; one without a length up to
      its end, or to ``max_length + 1`` bytes, where reading stops (the
      result is :attr:`~ReadBody.over_limit`; reading the body then raises
      413). The client is answered without waiting for the rest.
    - Up to ``spool_size`` bytes are kept in memory; a longer body goes to
      a :class:`~tempfile.SpooledTemporaryFile` already rolled over to disk.
    - A body that ends early (the server sends no more, short of the
      declared length) is kept: reading it raises :class:`BodyReadError`
      (400), as under WSGI.

    ``timeout`` bounds the time taken by the whole body, not the wait for
    each message: a client that drips one byte at a time gets no more time
    than one that sends nothing.

    Cancelling the task closes the temporary file and lets
    :class:`asyncio.CancelledError` through.

    Reading stops once the declared length has come, so a last, empty
    ``http.request`` message may still be waiting: whoever calls
    ``receive`` next (to watch for ``http.disconnect``) skips it.

    :param receive: the ASGI ``receive`` callable of the request.
    :param content_length: the ``Content-Length`` header, or ``None``.
    :param chunked: whether a body without a declared length may follow: a
        ``Transfer-Encoding`` header under HTTP/1.1; under HTTP/2 and 3,
        whose bodies need neither, any request without a
        ``Content-Length``.
    :param max_length: the limit in bytes (``MAX_CONTENT_LENGTH``), or
        ``None`` for none.
    :param spool_size: the largest body kept in memory, in bytes.
    :param timeout: the seconds the whole body may take, or ``None`` to
        wait as long as the server does. It needs an :mod:`asyncio` loop
        (the read's task is cancelled at the deadline).
    :raises ClientGone: the client disconnected before the end of the body.
    :raises werkzeug.exceptions.RequestTimeout: (408) the body took longer
        than ``timeout``.
    """
    length: int | None = None
    if content_length:
        if _LENGTH.fullmatch(content_length) is None:
            return ReadBody(bad_length=content_length)
        length = int(content_length)
        if max_length is not None and length > max_length:
            return ReadBody(length=length, limit=max_length, over_limit=True)
        if length == 0:
            return ReadBody(length=0, limit=max_length)
        wanted: int | None = length
    elif chunked:
        wanted = None if max_length is None else max_length + 1
    else:
        return _NO_BODY
    # PERF: json-echo and API create benchmarks (ASGI). The first message
    # is asked for by hand: a server that has it at hand (the whole of a
    # small body, as usual) answers without waiting, and then no deadline
    # is set at all; one that has to wait is awaited below, under it.
    awaited = receive()
    first: t.Awaitable[t.Mapping[str, t.Any]] = awaited
    # Only a coroutine (an ``async def receive``) is stepped by hand; any
    # other awaitable (granian's future, a plain iterator) is awaited as
    # usual.
    if type(awaited) is _Coroutine:
        steps = awaited.__await__()
        try:
            waiting = steps.send(None)
        except StopIteration as done:
            message = done.value
            if (
                length is not None
                and type(message) is dict
                and message.get("type") == "http.request"
                and not message.get("more_body", False)
            ):
                chunk = message.get("body", b"")
                if type(chunk) is bytes and len(chunk) == length <= spool_size:
                    return ReadBody(chunk, length, length, max_length)
            first = _AtHand(message)
        else:
            first = _Resumed(steps, waiting)
    if timeout is None:
        return await _receive(receive, length, wanted, max_length, spool_size, first)
    # Imported here: a running loop has loaded asyncio already, and WSGI
    # apps, which import this module too, should not pay for it at start.
    import asyncio

    task = asyncio.current_task()
    if task is None:  # pragma: no cover - asyncio runs coroutines in tasks
        raise RuntimeError("read_body with a timeout must run in an asyncio task.")
    loop = task.get_loop()
    deadlines = _deadlines_of(loop)
    deadlines.add(task, loop.time() + timeout, loop)
    try:
        body = await _receive(receive, length, wanted, max_length, spool_size, first)
    except asyncio.CancelledError:
        # Cancelled by its deadline, and by nothing else: a timeout. A
        # cancel from elsewhere (the server, a task group) goes on.
        if deadlines.forget(task) and task.uncancel() == 0:
            raise RequestTimeout(
                f"The request body did not arrive within {timeout:g} seconds."
            ) from None
        raise
    except BaseException:
        deadlines.forget(task)
        raise
    deadlines.forget(task)
    return body


class _Deadlines:
    """The deadlines of the body reads in progress on one event loop, kept
    with one timer for them all: past its deadline, a read's task is
    cancelled, and :func:`read_body` answers 408.

    PERF: a timer per read (``asyncio.timeout``, or ``call_at`` and
    ``cancel``) added 5 to 8 µs to reading a small body on the 2-core
    bench machine, more than the read itself. Here a read costs a dict
    insert and delete; a timer is set only when none is due by the read's
    deadline, so about once per timeout under steady traffic.

    Holds no reference to its loop (the timers do, from the loop's own
    queue), so that the loop can be the key of a weak dictionary.
    """

    __slots__ = ("__weakref__", "_expired", "_reads", "_wake")

    def __init__(self) -> None:
        self._reads: dict[asyncio.Task[t.Any], float] = {}
        self._expired: set[asyncio.Task[t.Any]] = set()
        #: When the timer in charge fires, or ``None`` when none is set.
        self._wake: float | None = None

    def add(
        self,
        task: asyncio.Task[t.Any],
        deadline: float,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        """Cancel ``task`` at ``deadline`` (``loop.time()``), unless
        :meth:`forget` is called first."""
        self._reads[task] = deadline
        wake = self._wake
        if wake is None or deadline < wake:
            self._arm(loop, deadline)

    def forget(self, task: asyncio.Task[t.Any]) -> bool:
        """Stop watching ``task``; whether its deadline had passed."""
        del self._reads[task]
        expired = self._expired
        if expired and task in expired:
            expired.discard(task)
            return True
        return False

    def _arm(self, loop: asyncio.AbstractEventLoop, at: float) -> None:
        # A timer set earlier for a later time still fires, sees that it
        # is no longer in charge, and does nothing: cheaper than keeping
        # its handle (which would hold the loop) to cancel it.
        self._wake = at
        loop.call_at(at, self._fire, at)

    def _fire(self, at: float) -> None:
        if at != self._wake:
            return
        self._wake = None
        reads = self._reads
        if not reads:
            return
        loop = next(iter(reads)).get_loop()
        # The loop may run a timer a clock tick early: ``at`` is due.
        now = max(loop.time(), at)
        expired = self._expired
        upcoming: float | None = None
        for task, deadline in reads.items():
            if task in expired:
                continue
            if deadline <= now:
                expired.add(task)
                task.cancel()
            elif upcoming is None or deadline < upcoming:
                upcoming = deadline
        if upcoming is not None:
            self._arm(loop, upcoming)


#: The :class:`_Deadlines` of each event loop that read a body with a
#: timeout.
_deadlines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Deadlines] = (
    weakref.WeakKeyDictionary()
)
#: The loop (weakly) and the :class:`_Deadlines` found last, in one tuple so
#: that threads running loops of their own never see half of an update.
_last: tuple[weakref.ref[asyncio.AbstractEventLoop], _Deadlines] | None = None


def _deadlines_of(loop: asyncio.AbstractEventLoop) -> _Deadlines:
    # PERF: a weak dictionary lookup makes a weak reference each time
    # (0.5 µs); most processes serve from one loop.
    global _last
    last = _last
    if last is not None and last[0]() is loop:
        return last[1]
    deadlines = _deadlines.get(loop)
    if deadlines is None:
        deadlines = _deadlines[loop] = _Deadlines()
    _last = (weakref.ref(loop), deadlines)
    return deadlines


#: The type of a coroutine object, which :func:`read_body` may step by hand.
_Coroutine = types.CoroutineType


class _AtHand:
    """An awaitable of a message received already."""

    __slots__ = ("message",)

    def __init__(self, message: t.Mapping[str, t.Any]) -> None:
        self.message = message

    def __await__(self) -> t.Generator[t.Any, t.Any, t.Mapping[str, t.Any]]:
        return self.message
        yield  # a generator, that returns at once


class _Resumed:
    """The rest of an await begun by hand (``steps`` gave ``waiting``,
    what it waits for), to be awaited as a whole: what the loop sends or
    throws in goes on to ``steps``, as ``await`` would have done."""

    __slots__ = ("steps", "waiting")

    def __init__(self, steps: t.Generator[t.Any, t.Any, t.Any], waiting: t.Any) -> None:
        self.steps = steps
        self.waiting = waiting

    def __await__(self) -> t.Generator[t.Any, t.Any, t.Any]:
        steps, waiting = self.steps, self.waiting
        while True:
            try:
                sent = yield waiting
            except GeneratorExit:
                steps.close()
                raise
            except BaseException as error:
                try:
                    waiting = steps.throw(error)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    waiting = steps.send(sent)
                except StopIteration as done:
                    return done.value


async def _receive(
    receive: _Receive,
    length: int | None,
    wanted: int | None,
    max_length: int | None,
    spool_size: int,
    first: t.Awaitable[t.Mapping[str, t.Any]] | None = None,
) -> ReadBody:
    """Receive ``http.request`` messages until the body ends or ``wanted``
    bytes (``None``: no bound) have come; ``first`` gives the first one
    (an await of ``receive()`` already begun)."""
    parts: list[bytes] = []
    size = 0
    spool: tempfile.SpooledTemporaryFile[bytes] | None = None
    try:
        more = True
        while more:
            if first is not None:
                message = await first
                first = None
            else:
                message = await receive()
            kind = message.get("type")
            if kind == "http.disconnect":
                raise ClientGone(
                    f"The client disconnected after {size} bytes of the request body."
                )
            if kind != "http.request":
                raise RuntimeError(
                    f"The ASGI server sent a {kind!r} message while the request"
                    " body was read; only 'http.request' and 'http.disconnect'"
                    " are valid here."
                )
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            if wanted is not None and size + len(chunk) >= wanted:
                # Enough: a declared body ends here, and one without a
                # length is refused at limit + 1 bytes without the rest.
                chunk = chunk[: wanted - size]
                more = False
            if not chunk:
                continue
            size += len(chunk)
            if spool is None and size > spool_size:
                # A write to a fresh temporary file lands in the page cache:
                # far cheaper than a thread hop per chunk to keep it off
                # the loop. The file outlives this call (it is the result),
                # so no ``with``; it is closed here if reading fails.
                spool = tempfile.SpooledTemporaryFile(max_size=spool_size)  # noqa: SIM115
                spool.write(b"".join(parts))
                parts.clear()
                spool.rollover()
            if spool is None:
                parts.append(chunk)
            else:
                spool.write(chunk)
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    return ReadBody(
        content=b"".join(parts) if spool is None else spool,
        size=size,
        length=length,
        limit=max_length,
        over_limit=length is None and size == wanted,
    )
