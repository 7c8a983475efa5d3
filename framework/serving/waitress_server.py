"""waitress, hardened against slow clients and stopped without losing a
request: what :func:`framework.serving.serve` runs by default.

waitress reads every request, headers and body, in one event loop before a
thread sees it, so a client that trickles its bytes costs a socket, not a
thread. What it lacks, this module adds:

- A deadline for the request headers: a connection that has started a
  request and not finished its headers within ``header_timeout`` seconds
  is closed (waitress's own timeout only sees silence, and a client that
  sends a byte every few seconds is never silent).
- A connection limit high enough to outlast such clients until their
  deadline, on ``poll()`` (``select()`` stops at 1024 descriptors), with
  the process's open-file limit raised to fit it.
- A drain on ``SIGTERM`` and ``SIGINT``: the listening socket closes at
  once, idle connections close, and every request already accepted (even
  one still arriving, or queued for a thread) is answered before the
  process ends, within ``graceful_timeout`` seconds. waitress's own stop
  cancels queued requests and stops flushing answers. A second signal
  stops at once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import typing as t

import attrs
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

from .. import streams
from ..lifespan import StartupFailed, start_serving, stop_serving
from .limits import fit_open_files

if t.TYPE_CHECKING:  # pragma: no cover
    from types import FrameType

    from _typeshed.wsgi import WSGIApplication

    from ..lifespan import ServingApp

__all__ = ["HardenedWaitress", "Limits", "OncePer", "fit_open_files", "run_waitress"]

logger = logging.getLogger("framework.serving")

#: Seconds a connection accepted but silent when the server stops has to
#: start its request.
_FIRST_WORDS = 1.0

#: ``recv`` that never waits, where the platform has the flag (the sockets
#: are non-blocking anyway).
_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)


@attrs.frozen
class Limits:
    """How long and how many: what keeps slow and idle clients from
    starving the others.

    :param connection_limit: open connections at most; past it, new ones
        wait in the listen queue until one closes.
    :param header_timeout: seconds a request may take from its first byte
        to the end of its headers.
    :param idle_timeout: seconds a connection may stay silent between
        requests, or in the middle of a body, before it is closed.
    :param graceful_timeout: seconds accepted requests get to be answered
        after ``SIGTERM`` or ``SIGINT``.
    """

    connection_limit: int = 1000
    header_timeout: float = 10.0
    idle_timeout: float = 30.0
    graceful_timeout: float = 30.0


class _DeadlineChannel(HTTPChannel):
    """An HTTP connection that knows by when its current request must have
    finished its headers (``None``: no request is being read, or its headers
    are in)."""

    header_deadline: float | None = None
    #: Whether the client has sent anything yet.
    spoke = False

    def received(self, data: bytes) -> bool:
        self.spoke = True
        started = self.request
        done: bool = super().received(data)
        request = self.request
        if request is None or request.headers_finished:
            self.header_deadline = None
        elif request is not started or self.header_deadline is None:
            # A new request began with these bytes.
            timeout = t.cast("HardenedWaitress", self.server).limits.header_timeout
            self.header_deadline = time.monotonic() + timeout
        return done

    @property
    def idle(self) -> bool:
        """Whether nothing is owed on this connection: no request being
        read, none being answered, no answer left to send, and nothing
        received but not read yet (a request pipelined behind the one being
        answered waits unread in the socket; closing it would reset the
        connection under it)."""
        return (
            self.request is None
            and not self.requests
            and not self.total_outbufs_len
            and not self._input_waiting()
        )

    def _input_waiting(self) -> bool:
        sock = self.socket
        if sock is None:
            return False
        try:
            return bool(sock.recv(1, socket.MSG_PEEK | _DONTWAIT))
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            # Gone already: nothing to answer.
            return False


class HardenedWaitress(TcpWSGIServer):
    """waitress's TCP server with :class:`Limits`, checked each second.

    :param app: the WSGI application.
    :param sock: a socket already listening.
    :param threads: threads that run the app.
    :param limits: the limits.
    :param shares_listener: whether other processes accept on ``sock`` too:
        then this one accepts only while it has a thread free, and leaves
        the connection to one that has.
    :param parent: the pid of the process that looks after this one: when
        it is gone (killed, out of memory), this one drains and stops
        rather than hold the port with no one to stop it.
    """

    channel_class = _DeadlineChannel

    def __init__(
        self,
        app: WSGIApplication,
        sock: socket.socket,
        *,
        threads: int,
        limits: Limits,
        shares_listener: bool = False,
        parent: int | None = None,
    ) -> None:
        self.limits = limits
        self.shares_listener = shares_listener
        self.parent = parent
        self.stopping = False
        self.silent_until = 0.0
        self.timed_out_headers = 0
        #: Every dispatcher of this server's loop by descriptor: the
        #: listening socket, the wake-up pipe, the connections.
        self.socket_map: dict[int, t.Any] = {}
        super().__init__(
            app,
            map=self.socket_map,
            _sock=sock,
            bind_socket=False,
            sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
            threads=threads,
            # waitress counts its listening socket and wake-up pipe too.
            connection_limit=limits.connection_limit + 2,
            channel_timeout=limits.idle_timeout,
            # The deadlines are checked this often.
            cleanup_interval=1,
            asyncore_use_poll=True,
            # X-Forwarded-* headers reach the app as they came, as with
            # gunicorn: the app decides whom to believe (werkzeug's
            # ProxyFix).
            clear_untrusted_proxy_headers=False,
        )

    def readable(self) -> bool:
        accepting: bool = super().readable()
        if accepting and self.shares_listener:
            # Take a connection only with a thread free for it: a process
            # whose threads are all busy leaves it to one that has one.
            # Connections that have sent nothing yet are not counted: an
            # attacker opening silent ones would stop every process from
            # accepting.
            tasks = self.task_dispatcher
            idle = len(tasks.threads) - tasks.stop_count - tasks.active_count
            return idle > len(tasks.queue)
        return accepting

    def maintenance(self, now: float) -> None:
        """Close connections past a deadline: silent for ``idle_timeout``
        (waitress's check) or without their headers by ``header_timeout``.
        Runs about once a second."""
        # waitress's check, to the second: its stubs want an int.
        super().maintenance(int(now))
        if (
            self.parent is not None
            and not self.stopping
            and os.getppid() != self.parent
        ):
            logger.warning(
                "The supervisor (pid %d) is gone: this worker stops", self.parent
            )
            self.stopping = True
        clock = time.monotonic()
        channels = self.channels()
        for channel in channels:
            deadline = channel.header_deadline
            if deadline is not None and clock > deadline and not channel.will_close:
                channel.header_deadline = None
                channel.will_close = True
                self.timed_out_headers += 1
        self._make_room(channels)
        if self.timed_out_headers and not self.stopping:
            logger.info(
                "Closed %d connection(s) that sent no complete request headers"
                " within %g s",
                self.timed_out_headers,
                self.limits.header_timeout,
            )
            self.timed_out_headers = 0

    def _make_room(self, channels: list[_DeadlineChannel]) -> None:
        """At the connection limit, close the connections that have been
        idle longest (a tenth of the limit at most): a client may close a
        kept-alive connection at any time, and one waiting to connect is
        owed a turn more than one that sends nothing."""
        if self.stopping or len(channels) < self.limits.connection_limit:
            return
        idle = sorted(
            (c for c in channels if c.idle and not c.will_close),
            key=lambda c: c.last_activity,
        )
        for channel in idle[: max(1, self.limits.connection_limit // 10)]:
            channel.will_close = True

    def channels(self) -> list[_DeadlineChannel]:
        """The open connections."""
        # The stubs call active_channels a channel; it is a dict of them.
        return list(
            t.cast("dict[int, _DeadlineChannel]", self.active_channels).values()
        )

    def serve(self) -> None:
        """Serve until :meth:`stop` is called, then drain: see the module's
        description."""
        while not self.stopping:
            wasyncore.poll2(self.adj.asyncore_loop_timeout, self.socket_map)
        self._drain()

    def stop(self) -> None:
        """Ask :meth:`serve` to drain and return; safe from a signal
        handler."""
        self.stopping = True
        # Wakes the loop now rather than at its next timeout.
        self.pull_trigger()

    def _drain(self) -> None:
        # Event streams end now rather than hold the drain to its deadline.
        streams.drain()
        self._accept_waiting()
        # Refuse new connections from now on.
        wasyncore.dispatcher.close(self)
        started = time.monotonic()
        deadline = started + self.limits.graceful_timeout
        # A connection that has sent nothing yet, just accepted, most likely
        # has its request on the way: it gets a moment before it counts as
        # idle.
        self.silent_until = started + _FIRST_WORDS
        busy = self._close_idle()
        if busy:
            logger.info(
                "Stopping: answering %d connection(s) still in progress (up to %g s)",
                busy,
                self.limits.graceful_timeout,
            )
        while busy and (left := deadline - time.monotonic()) > 0:
            wasyncore.poll2(min(left, 0.1), self.socket_map)
            self.maintenance(time.time())
            busy = self._close_idle()
        if busy:
            logger.warning(
                "Stopped with %d connection(s) unanswered after %g s",
                busy,
                self.limits.graceful_timeout,
            )
        self.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
        wasyncore.close_all(self.socket_map)

    def _accept_waiting(self) -> None:
        """Accept every connection waiting in the listen queue, whatever the
        limits: its client was told it is open, and closing the listening
        socket would reset it unanswered."""
        while True:
            before = len(self.socket_map)
            self.handle_accept()
            if len(self.socket_map) == before:
                return

    def _close_idle(self) -> int:
        """Mark idle connections to close; return how many are busy."""
        busy = 0
        waiting = time.monotonic() < self.silent_until
        for channel in self.channels():
            if channel.idle and (channel.spoke or not waiting):
                channel.will_close = True
            elif not channel.will_close:
                busy += 1
        return busy


class OncePer(logging.Filter):
    """Let a logger's records through at most once per ``seconds``: waitress
    writes "Task queue depth is N" for every request that waits for a
    thread, thousands of lines a second under a burst, when one line now
    and then says as much.

    :param seconds: the least time between two records let through.
    """

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.last = -seconds

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self.last < self.seconds:
            return False
        self.last = now
        return True


def run_waitress(
    app: WSGIApplication,
    sock: socket.socket,
    threads: int,
    limits: Limits,
    *,
    shares_listener: bool = False,
    parent: int | None = None,
    stop_signals: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT),
) -> None:
    """Serve ``app`` on ``sock`` with :class:`HardenedWaitress` until one of
    ``stop_signals``, drain, and return.

    :param app: the WSGI application.
    :param sock: a socket already listening.
    :param threads: threads that run the app.
    :param limits: the limits.
    :param shares_listener: see :class:`HardenedWaitress`.
    :param parent: see :class:`HardenedWaitress`.
    :param stop_signals: the signals that stop the server; a second one
        stops it at once.
    """
    on_main = threading.current_thread() is threading.main_thread()
    box: list[HardenedWaitress] = []
    signalled_early: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        if not box:
            # The startup hooks still run: stop once they are done, so that
            # the shutdown hooks run too (the default action would end the
            # process between the two).
            signalled_early.append(signum)
            return
        server = box[0]
        if server.stopping:
            # A second signal: the operator will not wait.
            raise SystemExit(1)
        server.stop()

    # Signals reach only the main thread; off it, the caller stops this
    # server by ending its own process.
    previous = (
        {sig: signal.signal(sig, stop) for sig in stop_signals} if on_main else {}
    )
    try:
        # Before the server takes connections: a failed startup serves nothing.
        served_app = _start_serving(app)
        try:
            box.append(
                HardenedWaitress(
                    app,
                    sock,
                    threads=threads,
                    limits=limits,
                    shares_listener=shares_listener,
                    parent=parent,
                )
            )
            queue_logger = logging.getLogger("waitress.queue")
            if not any(isinstance(f, OncePer) for f in queue_logger.filters):
                queue_logger.addFilter(OncePer(10))
            if not signalled_early:
                box[0].serve()
        finally:
            stop_serving(served_app)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start_serving(app: WSGIApplication) -> ServingApp | None:
    """Run the app's serving startup hooks (:mod:`framework.lifespan`); if
    one fails, say why and end the process with status 3, gunicorn's for a
    worker that failed to boot."""
    try:
        return start_serving(app)
    except StartupFailed as error:
        logger.error("%s", error)
        raise SystemExit(3) from None
