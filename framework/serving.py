"""Production serving: :func:`serve` runs an app under gunicorn or waitress.

Layer 4. ``framework serve`` is this function behind command-line options.
The servers are optional dependencies (``pip install 'framework[serve]'``),
imported only once chosen.

gunicorn runs a master process that forks worker processes. Given an import
string or the command line's app, the master never imports the app: each
worker imports it after the fork, as plain gunicorn does by default. So
nothing the app opens while it is created (database connections, clients,
threads) is shared between processes, and ``SIGHUP`` starts workers on the
code on disk. ``preload=True`` imports the app once, in the master, before
the fork instead: workers start faster and share memory, but the app must
then open nothing until it serves a request. An app object passed to
:func:`serve` is already loaded, so it is preloaded.

waitress serves from the current process with a pool of threads.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import signal
import socket
import sys
import threading
import time
import typing as t

import click

from .cli import NoAppException, ScriptInfo

if t.TYPE_CHECKING:  # pragma: no cover
    from types import FrameType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = [
    "MAX_DEFAULT_WORKERS",
    "ServeError",
    "ServerName",
    "default_workers",
    "serve",
]

#: The ``server`` argument: ``"auto"`` is gunicorn on POSIX when it is
#: installed, waitress otherwise.
ServerName = t.Literal["auto", "gunicorn", "waitress"]

#: The most gunicorn workers, or waitress threads, chosen by default.
MAX_DEFAULT_WORKERS = 12

_INSTALL = "pip install 'framework[serve]'"
#: The listen queue of the socket :func:`serve` opens: gunicorn's default.
#: gunicorn keeps the queue of a socket that already listens, waitress sets
#: its own (1024).
_BACKLOG = 2048
_BIND_HINTS = {
    errno.EADDRINUSE: " (another program listens there: stop it or choose"
    " another port)",
    errno.EACCES: " (ports below 1024 need privileges: use a higher port"
    " behind a proxy)",
    errno.EADDRNOTAVAIL: " (no network interface of this machine has that address)",
}


class ServeError(click.ClickException):
    """The app can't be served as asked: the server is not installed, the
    address can't be listened on, or an option does not apply to the
    server. ``framework serve`` shows it as one ``Error: ...`` line and exits
    with status 1."""


def default_workers() -> int:
    """How many requests are served at once by default: twice the CPU cores
    this process may run on, plus 1, at most :data:`MAX_DEFAULT_WORKERS`.
    gunicorn gets that many worker processes, waitress that many threads."""
    if sys.platform == "linux":
        # The cores a container or taskset allows, not the machine's.
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _choose_server(server: str) -> t.Literal["gunicorn", "waitress"]:
    if server == "auto":
        if os.name == "posix" and _installed("gunicorn"):
            return "gunicorn"
        if _installed("waitress"):
            return "waitress"
        raise ServeError(
            f"No production server is installed: {_INSTALL} installs gunicorn"
            " (Linux, macOS) and waitress (anywhere)."
        )
    if server == "gunicorn":
        if os.name != "posix":
            raise ServeError(
                "gunicorn runs on Linux and macOS only: use the 'waitress' server."
            )
    elif server != "waitress":
        raise ServeError(
            f"Unknown server {server!r}: choose 'auto', 'gunicorn' or 'waitress'."
        )
    if not _installed(server):
        raise ServeError(f"{server} is not installed: {_INSTALL}.")
    return "gunicorn" if server == "gunicorn" else "waitress"


def _check_options(
    server: str,
    port: int,
    numbers: dict[str, int | None],
) -> None:
    if not 0 <= port <= 65535:
        raise ServeError(
            f"Port {port} does not exist: use 1 to 65535 (0 for any free port)."
        )
    for option, value in numbers.items():
        least = 1 if option in ("workers", "threads") else 0
        if value is not None and value < least:
            raise ServeError(f"{option} must be at least {least}, not {value}.")
    if server == "waitress":
        refused = [
            option
            for option in ("workers", "timeout", "graceful_timeout")
            if numbers[option] is not None
            and not (option == "workers" and numbers[option] == 1)
        ]
        if refused:
            raise ServeError(
                f"{', '.join(refused)}: only gunicorn has this; waitress serves"
                " from one process with threads (set threads, or use gunicorn)."
            )


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``, for the server to accept on.
    Listening here turns a bad address into one clear error before any
    server starts, and leaves no moment for another program to take the
    port: a socket that is only bound does not hold it against another one
    bound with ``SO_REUSEADDR``."""
    try:
        found = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except (socket.gaierror, UnicodeError) as e:
        # UnicodeError: a name no DNS label can encode, such as "a..b".
        reason = e.strerror if isinstance(e, OSError) else "not a valid host name"
        raise ServeError(
            f"Can't listen on {host!r}: {reason}. Give an IP address of this"
            " machine, or a name that resolves to one."
        ) from None
    family, kind, proto, _, address = found[0]
    sock = socket.socket(family, kind, proto)
    try:
        if os.name == "posix":
            # A restart must not wait for the old connections' TIME_WAIT.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(_BACKLOG)
    except OSError as e:
        sock.close()
        hint = _BIND_HINTS.get(e.errno or 0, "")
        raise ServeError(
            f"Can't listen on {_url(host, port)}: {e.strerror}{hint}."
        ) from None
    return sock


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def serve(
    app: WSGIApplication | str | ScriptInfo,
    *,
    server: ServerName = "auto",
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int | None = None,
    threads: int | None = None,
    timeout: int | None = None,
    graceful_timeout: int | None = None,
    access_log: bool = False,
    preload: bool = False,
) -> t.NoReturn:
    """Serve ``app`` with a production WSGI server until it is stopped
    (``SIGTERM``, ``SIGINT``, Ctrl+C), then end with :exc:`SystemExit`
    (status 0 after a stop). Never starts a reloader or a debugger.

    :param app: an import string in the ``--app`` syntax of the command
        line (``"hello:create_app()"``), a :class:`~framework.cli.ScriptInfo`,
        or the app (any WSGI application) itself.
    :param server: ``"gunicorn"``, ``"waitress"``, or ``"auto"``: gunicorn on
        POSIX when it is installed, waitress otherwise.
    :param host: the interface to listen on; ``"0.0.0.0"`` for every IPv4
        one.
    :param port: the port; ``0`` for any free one (the banner shows it).
    :param workers: gunicorn worker processes; :func:`default_workers` when
        ``None``. waitress takes ``None`` or 1.
    :param threads: threads per process. gunicorn: 1 by default (the
        ``sync`` worker); more runs the ``gthread`` worker. waitress:
        :func:`default_workers` by default.
    :param timeout: gunicorn restarts a worker silent for this many seconds
        (30 when ``None``; 0 never does).
    :param graceful_timeout: on ``SIGTERM``, gunicorn gives running requests
        this many seconds to finish (30 when ``None``). waitress waits up to
        5 seconds.
    :param access_log: write a line per request to standard output, in
        gunicorn's format (the common log format with referrer and user
        agent).
    :param preload: gunicorn: import the app in the master before forking
        the workers, instead of in each worker. See the module's
        description.
    :raises ServeError: when the server is not installed, an option does
        not apply to it, the address can't be listened on, or gunicorn is
        asked for outside the main thread.
    :raises ~framework.cli.NoAppException: when the app can't be found.
    """
    name = _choose_server(server)
    if name == "gunicorn" and threading.current_thread() is not threading.main_thread():
        # gunicorn's master installs signal handlers, which only the main
        # thread may do; say so rather than let its ValueError through.
        raise ServeError(
            "gunicorn must run in the main thread (it handles signals); call"
            " serve() from the main thread, or use server='waitress'."
        )
    _check_options(
        name,
        port,
        {
            "workers": workers,
            "threads": threads,
            "timeout": timeout,
            "graceful_timeout": graceful_timeout,
        },
    )
    load: t.Callable[[], WSGIApplication]
    if isinstance(app, str | ScriptInfo):
        info = ScriptInfo(app_import_path=app) if isinstance(app, str) else app
        label = repr(info.app_import_path) if info.app_import_path else "the app"
        if name == "waitress" or preload:
            loaded: WSGIApplication = info.load_app()
            load, preloaded = (lambda: loaded), True
        else:
            # Fail now, in one line, when the module is missing; the workers
            # import it.
            info.find_app_module()
            load, preloaded = info.load_app, False
    elif callable(app):
        app_name = getattr(app, "name", None)
        label = f"app {app_name!r}" if isinstance(app_name, str) else repr(app)
        load, preloaded = (lambda: app), True
    else:
        raise ServeError(
            f"serve() takes an app, an import string or a ScriptInfo, not {app!r}."
        )

    sock = _listen(host, port)
    url = _url(host, sock.getsockname()[1])
    if name == "gunicorn":
        workers = workers or default_workers()
        threads = threads or 1
        loading = "before forking" if preloaded else "in each worker"
        click.echo(
            f" * Serving {label} with gunicorn on {url}: {workers} worker"
            f"{'s' if workers > 1 else ''}, {threads} thread"
            f"{'s' if threads > 1 else ''} each, app loaded {loading}",
            err=True,
        )
        _run_gunicorn(
            load,
            sock,
            {
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync",
                "timeout": 30 if timeout is None else timeout,
                "graceful_timeout": 30
                if graceful_timeout is None
                else graceful_timeout,
                "accesslog": "-" if access_log else None,
                "errorlog": "-",
                "reload": False,
            },
        )
    threads = threads or default_workers()
    click.echo(
        f" * Serving {label} with waitress on {url}: one process, {threads}"
        f" thread{'s' if threads > 1 else ''}",
        err=True,
    )
    served = load()
    _run_waitress(_with_access_log(served) if access_log else served, sock, threads)


def _run_gunicorn(
    load: t.Callable[[], WSGIApplication],
    sock: socket.socket,
    settings: dict[str, t.Any],
) -> t.NoReturn:
    from gunicorn.app.base import BaseApplication
    from gunicorn.errors import AppImportError

    # gunicorn takes over the bound socket by its file descriptor; it closes
    # it itself, so the socket object must no longer own it.
    settings["bind"] = [f"fd://{sock.detach()}"]

    class EmbeddedGunicorn(BaseApplication):
        """gunicorn with the settings of :func:`serve` only: no config file,
        no ``GUNICORN_CMD_ARGS``."""

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


def _run_waitress(
    app: WSGIApplication, sock: socket.socket, threads: int
) -> t.NoReturn:
    from waitress.server import create_server

    # X-Forwarded-* headers reach the app as they came, as with gunicorn:
    # the app decides whom to believe (werkzeug's ProxyFix).
    server = create_server(
        app, sockets=[sock], threads=threads, clear_untrusted_proxy_headers=False
    )
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)
    if in_main_thread:
        # waitress lets running requests finish on SystemExit; SIGTERM's
        # default would kill it in the middle of them.
        signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        server.close()
    raise SystemExit(0)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _with_access_log(app: WSGIApplication) -> WSGIApplication:
    """Wrap ``app`` to write a line per response to standard output, in
    gunicorn's default format; waitress has no access log of its own."""

    def logged(environ: WSGIEnvironment, start_response: StartResponse) -> t.Any:
        def log_and_start(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Any:
            length = next((v for k, v in headers if k.lower() == "content-length"), "-")
            target = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
            if "REQUEST_URI" not in environ and environ.get("QUERY_STRING"):
                target += f"?{environ['QUERY_STRING']}"
            request_line = (
                f"{environ.get('REQUEST_METHOD', '')} {target}"
                f" {environ.get('SERVER_PROTOCOL', '')}"
            )
            fields = (
                _escape(environ.get("REMOTE_ADDR") or "-"),
                time.strftime("[%d/%b/%Y:%H:%M:%S %z]"),
                _escape(request_line),
                status.split(" ", 1)[0],
                length,
                _escape(environ.get("HTTP_REFERER", "-")),
                _escape(environ.get("HTTP_USER_AGENT", "-")),
            )
            sys.stdout.write('{} - - {} "{}" {} {} "{}" "{}"\n'.format(*fields))
            sys.stdout.flush()
            return start_response(status, headers, exc_info)

        return app(environ, log_and_start)

    return logged


def _escape(text: str) -> str:
    """``text`` safe inside a quoted log field: a client must not be able to
    forge a log line with a newline, or end the field with a quote."""
    escaped = []
    for c in text:
        if c in '"\\':
            escaped.append(f"\\{c}")
        elif c.isprintable():
            escaped.append(c)
        else:
            escaped.append(c.encode("unicode_escape").decode("ascii"))
    return "".join(escaped)
