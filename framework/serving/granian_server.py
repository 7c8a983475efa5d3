"""granian, embedded: a server written in Rust (hyper and tokio) that runs
the ASGI application in Python worker processes it forks and looks after.

granian's own options do the work:

- ``header_timeout`` is its HTTP/1 ``header_read_timeout``: a request
  whose headers are not complete in time is closed. hyper starts that
  timer at the request's first byte: a connection that never sends one
  stays open. granian has no idle timeout, and ``idle_timeout`` is
  refused.
- ``connection_limit`` is its ``backpressure``: connections served at
  once per worker; past it, new ones wait to be accepted. A connection
  that sends nothing holds its place for ever, so a client opening that
  many silent connections stops the worker serving anyone: granian
  belongs behind a proxy that closes idle connections (docs/deployment.rst).
- ``graceful_timeout`` is its ``workers_kill_timeout``: on ``SIGTERM`` the
  workers stop accepting and finish their requests, and are killed after
  that many seconds.
- ``workers`` are granian's worker processes; one that dies is replaced.

The workers serve the socket :func:`framework.serving.serve` opened (the
listening socket is inherited across the fork), as granian does on systems
without ``SO_REUSEPORT``; that takes two of granian's internal methods,
hence the pinned major version in the ``granian`` extra.
"""

from __future__ import annotations

import sys
import typing as t

from .stopping import stop_at_once

if t.TYPE_CHECKING:  # pragma: no cover
    import socket

    from .limits import AsyncLimits

__all__ = ["run_granian"]


def run_granian(
    load: t.Callable[[], t.Any],
    sock: socket.socket,
    limits: AsyncLimits,
    *,
    workers: int,
) -> t.NoReturn:
    """Serve the ASGI application ``load`` returns on ``sock`` with granian
    until ``SIGTERM`` or ``SIGINT``, drain, and end the process.

    :param load: called in each worker to get the ASGI application
        (``app.asgi``).
    :param sock: a socket already listening.
    :param limits: the limits; see the module's description.
    :param workers: worker processes.
    """
    from granian._granian import SocketHolder
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.server import MPServer

    host, port = sock.getsockname()[:2]
    sock.set_inheritable(True)

    class OnOurSocket(MPServer):
        """granian serving an open socket instead of opening its own, and
        stopping at once on a second signal."""

        interrupted = False

        # granian's own attributes, untyped: where its workers find the
        # socket to serve.
        _shd: t.Any
        _sfd: t.Any

        def _init_shared_socket(self) -> None:
            self._ssp = None
            # The descriptor, whether it is a Unix socket, the backlog.
            self._shd = t.cast("t.Any", SocketHolder)(sock.fileno(), False, 2048)
            self._sfd = sock.fileno()
            self._sso = sock

        def signal_handler_interrupt(self, *args: t.Any, **kwargs: t.Any) -> None:
            if self.interrupted:
                for worker in self.wrks:
                    worker.kill()  # type: ignore[no-untyped-call]
                stop_at_once()
            self.interrupted = True
            super().signal_handler_interrupt(  # type: ignore[no-untyped-call]
                *args, **kwargs
            )

    server = OnOurSocket(
        target="framework.serving",
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        http1_settings=HTTP1Settings(
            header_read_timeout=max(1, round(limits.header_timeout * 1000))
        ),
        backpressure=limits.connection_limit,
        log_access=limits.access_log,
        workers_kill_timeout=max(1, round(limits.graceful_timeout)),
        respawn_failed_workers=True,
    )

    server.serve(target_loader=load, wrap_loader=False)
    sys.stdout.flush()
    # granian ends its master with sys.exit only after a failure.
    raise SystemExit(0)
