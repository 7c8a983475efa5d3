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
    from gunicorn.errors import AppImportError

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

        # Any: typeshed's WSGI types and the gunicorn stubs' own do not match.
        def load(self) -> t.Any:
            try:
                return load()
            except NoAppException as e:
                # Shown as one line, then gunicorn stops with "App failed to
                # load" instead of restarting the worker.
                raise AppImportError(f"Error: {e.format_message()}") from None

    EmbeddedGunicorn(prog="framework serve").run()
    # gunicorn's master always ends with SystemExit.
    raise SystemExit(0)
