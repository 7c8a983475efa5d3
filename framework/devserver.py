"""The development server's connections: ``framework run`` and
:meth:`App.run <framework.App.run>` close one that sends or reads nothing
for an idle timeout, and warn when threads are off.

Layer 4. werkzeug's development server sets no socket timeout, so an idle
or trickling connection is held forever, and without threads every other
client waits behind it. socketserver's ``timeout`` class attribute, given
through ``run_simple(request_handler=...)``, bounds each read and write;
the rest of this module keeps what that changes quiet (no traceback for a
timed-out connection), fair (a slow reader of a large answer is not cut)
and complete (the TLS handshake happens under the timeout, websockets have
none).
"""

from __future__ import annotations

import io
import math
import socket
import ssl
import typing as t

from werkzeug.serving import WSGIRequestHandler

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "checked_idle_timeout",
    "idle_timeout_handler",
    "idle_timeout_options",
    "single_thread_warning",
]

#: Seconds the development server waits on a connection that sends nothing
#: (or reads none of its answer) before closing it; ``App.run`` has the same
#: default. A client that is really sending a request never pauses that long
#: on the loopback or a LAN, so this closes only idle connections: the
#: browser's spare pre-opened ones, a stalled or trickling client. Short,
#: because without threads each one holds every other request that long.
DEFAULT_IDLE_TIMEOUT = 5.0


def checked_idle_timeout(seconds: float | None) -> float | None:
    """``seconds`` as the development server's idle timeout: ``None`` when
    it is ``0`` or ``None`` (no timeout, werkzeug's own behaviour).

    :raises ValueError: for a negative, infinite or NaN value.
    """
    if seconds is None or seconds == 0:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(
            "idle_timeout must be a positive number of seconds, or 0 or None"
            f" for no timeout, not {seconds!r}"
        )
    return float(seconds)


class _EndsAtTimeout(io.RawIOBase):
    """A connection's reader that reads as ended once a read has timed out.

    After a timeout :class:`socket.SocketIO` refuses every read with an
    :exc:`OSError`, and werkzeug, which drains what is left of a request
    before it closes the connection, would log that as a server error with
    a traceback. The connection closes either way: ending the stream lets
    it close quietly.
    """

    def __init__(self, raw: t.Any) -> None:
        super().__init__()
        self._raw = raw
        self._timed_out = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: t.Any) -> int | None:
        if self._timed_out:
            return 0
        try:
            return t.cast("int | None", self._raw.readinto(buffer))
        except TimeoutError:
            self._timed_out = True
            raise

    def close(self) -> None:
        self._raw.close()
        super().close()


class _PacedWriter(io.BufferedIOBase):
    """A connection's writer whose timeout bounds each pause, not each write.

    socketserver's writer calls ``sendall``, whose timeout bounds the whole
    call: a large answer to a client that reads steadily, only slower than
    its size per timeout, would be cut. ``send`` waits at most the timeout
    for room and then sends what fits, so only a client that reads nothing
    for that long is dropped.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: t.Any) -> int:
        with memoryview(data) as view, view.cast("B") as octets:
            sent, size = 0, len(octets)
            while sent < size:
                sent += self._sock.send(octets[sent:])
            return size

    def fileno(self) -> int:
        return self._sock.fileno()


class _IdleTimeoutHandler(WSGIRequestHandler):
    """werkzeug's request handler with a socket timeout: socketserver's
    ``setup()`` gives each connection's socket the ``timeout`` class
    attribute, so a read or send that makes no progress for that long
    raises :exc:`TimeoutError` and the connection closes.

    werkzeug drops a connection that fails mid-request without a word; one
    that times out in its request line or headers would be an ERROR line
    from http.server. Each becomes one INFO line here, and a connection
    that sent nothing at all (a browser's spare one) closes silently.
    """

    def setup(self) -> None:
        super().setup()
        if isinstance(self.rfile, io.BufferedReader):
            self.rfile = io.BufferedReader(_EndsAtTimeout(self.rfile.detach()))
        if self.wbufsize == 0:
            self.wfile = _PacedWriter(self.connection)

    def log_error(self, format: str, *args: t.Any) -> None:
        # http.server's "Request timed out: %r" is its only error logged
        # with an exception as the argument.
        if not (args and isinstance(args[0], TimeoutError)):
            super().log_error(format, *args)
        elif getattr(self, "raw_requestline", None):
            self._log_timeout("in its request headers")

    def connection_dropped(
        self, error: BaseException, environ: t.Any | None = None
    ) -> None:
        if isinstance(error, TimeoutError):
            self._log_timeout("mid-request")
        super().connection_dropped(error, environ)

    def _log_timeout(self, when: str) -> None:
        self.log(
            "info",
            "Closed a connection idle for %s s %s (the idle timeout)",
            f"{self.timeout:g}",
            when,
        )

    def run_wsgi(self) -> None:
        # A connection upgraded to another protocol (a websocket) is the
        # app's from now on: simple-websocket reads werkzeug.socket
        # directly and waits as long as its peer is quiet.
        if "Upgrade" in self.headers:
            self.connection.settimeout(None)
        super().run_wsgi()


def idle_timeout_handler(
    seconds: float | None,
    base: type[WSGIRequestHandler] | None = None,
) -> type[WSGIRequestHandler]:
    """The request handler class (``run_simple``'s ``request_handler``) with
    which the development server closes a connection that sends or reads
    nothing for ``seconds``. A request asking to upgrade the connection (a
    websocket) has no timeout once its headers are in.

    :param seconds: the idle timeout; ``0`` or ``None`` for none.
    :param base: a handler class of your own to add the timeout to;
        werkzeug's :class:`~werkzeug.serving.WSGIRequestHandler` by default.
    :raises ValueError: when ``seconds`` is negative, infinite or NaN.
    """
    timeout = checked_idle_timeout(seconds)
    if timeout is None:
        return base or WSGIRequestHandler
    bases = (_IdleTimeoutHandler,) if base is None else (_IdleTimeoutHandler, base)
    # A class per server: werkzeug sets protocol_version on the class it
    # is given, so a shared one would carry one server's into the next.
    return type("DevRequestHandler", bases, {"timeout": timeout})


class _HandshakeInHandler(ssl.SSLSocket):
    """The development server's listening TLS socket, accepting without the
    handshake. :meth:`ssl.SSLSocket.accept` does it at once, in the one
    thread that accepts and with no timeout, so a client that connects and
    sends nothing held the whole server; left to the first read, the
    handshake happens in the request handler, under the idle timeout."""

    def accept(self) -> tuple[ssl.SSLSocket, t.Any]:
        sock, address = socket.socket.accept(self)
        wrapped = self.context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False
        )
        return wrapped, address


def _handshake_in_handler(ssl_context: t.Any) -> t.Any:
    """``run_simple``'s ``ssl_context`` (a context, a ``(cert, key)`` pair or
    ``"adhoc"``) as a context whose server sockets leave the handshake to
    the request handler. A context with a socket class of its own is left
    alone."""
    from werkzeug.serving import generate_adhoc_ssl_context, load_ssl_context

    if isinstance(ssl_context, tuple):
        ssl_context = load_ssl_context(*ssl_context)
    elif ssl_context == "adhoc":
        ssl_context = generate_adhoc_ssl_context()
    if (
        isinstance(ssl_context, ssl.SSLContext)
        and ssl_context.sslsocket_class is ssl.SSLSocket
    ):
        ssl_context.sslsocket_class = _HandshakeInHandler
    return ssl_context


def idle_timeout_options(
    seconds: float | None, options: dict[str, t.Any]
) -> dict[str, t.Any]:
    """:func:`~werkzeug.serving.run_simple`'s keyword arguments ``options``
    with the idle timeout added: the ``request_handler`` from
    :func:`idle_timeout_handler` (made from the one given, if any) and,
    for HTTPS, an ``ssl_context`` whose TLS handshake happens under the
    timeout rather than before it (an :class:`ssl.SSLContext` you pass is
    given that socket class through its ``sslsocket_class``, unless it has
    one of its own).

    :param seconds: the idle timeout; ``0`` or ``None`` for none, which
        returns ``options`` as they are.
    :param options: the keyword arguments for ``run_simple``.
    :raises ValueError: when ``seconds`` is negative, infinite or NaN.
    """
    timeout = checked_idle_timeout(seconds)
    if timeout is None:
        return options
    added = dict(options)
    added["request_handler"] = idle_timeout_handler(
        timeout, options.get("request_handler")
    )
    if options.get("ssl_context") is not None:
        added["ssl_context"] = _handshake_in_handler(options["ssl_context"])
    return added


def single_thread_warning(idle_timeout: float | None) -> str:
    """The warning ``run --without-threads`` (and ``App.run(threaded=False)``)
    prints: one connection at a time means one slow client holds all others.

    :param idle_timeout: the server's idle timeout; ``0`` or ``None`` for none.
    """
    idle = (
        f"an idle one for up to the idle timeout, {idle_timeout:g} s"
        if idle_timeout
        else "and there is no idle timeout"
    )
    return (
        " * Warning: threads are off, so the server handles one connection at"
        f" a time: a slow or idle client blocks every other client ({idle})."
    )
