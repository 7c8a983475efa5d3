"""gunicorn, embedded: a master process with the settings of
:func:`framework.serving.serve` and nothing else.

gunicorn's workers read a request's headers in the thread that answers it,
with no deadline: a client that trickles its bytes holds a worker. Behind a
proxy that buffers whole requests (nginx, a cloud load balancer) this does
not matter; facing clients directly, waitress is the safer choice.
"""

from __future__ import annotations

import typing as t

from ..cli import NoAppException

if t.TYPE_CHECKING:  # pragma: no cover
    import socket

    from _typeshed.wsgi import WSGIApplication

__all__ = ["run_gunicorn"]


def run_gunicorn(
    load: t.Callable[[], WSGIApplication],
    sock: socket.socket,
    settings: dict[str, t.Any],
) -> t.NoReturn:
    """Run gunicorn's master on ``sock`` until it stops; it ends the
    process with :exc:`SystemExit`.

    :param load: called in each worker (or once, before forking, when the
        app is preloaded) to get the app.
    :param sock: a socket already listening; gunicorn takes it over.
    :param settings: gunicorn settings by name.
    """
    from gunicorn.app.base import BaseApplication
    from gunicorn.errors import AppImportError, HaltServer

    # gunicorn takes over the bound socket by its file descriptor; it closes
    # it itself, so the socket object must no longer own it.
    settings["bind"] = [f"fd://{sock.detach()}"]

    class EmbeddedGunicorn(BaseApplication):
        """gunicorn with the given settings only: no config file, no
        ``GUNICORN_CMD_ARGS``."""

        def load_config(self) -> None:
            for key, value in settings.items():
                self.cfg.set(key, value)
            # gunicorn 25.1+ opens a control socket at one path shared by
            # every gunicorn of the user: two apps would fight over it.
            if "control_socket_disable" in self.cfg.settings:
                self.cfg.set("control_socket_disable", True)
            # The app's serving hooks run in each worker (framework.lifespan).
            self.cfg.set("post_worker_init", _start_serving)
            self.cfg.set("worker_exit", _stop_serving)

        # Any: typeshed's WSGI types and the gunicorn stubs' own do not match.
        def load(self) -> t.Any:
            try:
                return load()
            except NoAppException as e:
                # Shown as one line, then gunicorn stops with "App failed to
                # load" instead of restarting the worker.
                raise AppImportError(f"Error: {e.format_message()}") from None

    try:
        EmbeddedGunicorn(prog="framework serve").run()
    except HaltServer as halt:
        # While halting for a worker that failed to boot, gunicorn reaps a
        # second one that failed the same way and raises again, uncaught.
        raise SystemExit(halt.exit_status) from None
    # gunicorn's master always ends with SystemExit.
    raise SystemExit(0)


def _start_serving(worker: t.Any) -> None:
    """gunicorn's ``post_worker_init``: the app's startup hooks, in the
    worker, before it serves. A failure ends the worker with gunicorn's
    boot-error status, on which the master stops rather than restart it."""
    from .. import streams
    from ..lifespan import StartupFailed, start_serving

    # A sync worker tells the master it is alive only between requests:
    # long streams tell it on each event and keep-alive instead.
    streams.on_activity = worker.notify
    _drain_streams_on_stop(worker)
    try:
        start_serving(worker.wsgi)
    except StartupFailed as error:
        worker.log.error("%s", error)
        raise SystemExit(3) from None


def _drain_streams_on_stop(worker: t.Any) -> None:
    """End the worker's event streams when it is told to stop gracefully
    (``SIGTERM``), before gunicorn's own handler: a worker in the middle of
    a stream would otherwise keep streaming until the master kills it at
    the end of the grace period."""
    import signal

    from .. import streams

    previous = signal.getsignal(signal.SIGTERM)

    def stop(signum: int, frame: t.Any) -> None:
        streams.drain()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, stop)
    # gunicorn's handlers are set to resume interrupted system calls; keep
    # it so for the replacement.
    signal.siginterrupt(signal.SIGTERM, False)


def _stop_serving(server: t.Any, worker: t.Any) -> None:
    """gunicorn's ``worker_exit``, in the worker: its shutdown hooks."""
    from ..lifespan import find_app, stop_serving

    stop_serving(find_app(getattr(worker, "wsgi", None)))
