"""Production serving: :func:`serve` runs an app under waitress or gunicorn.

Layer 4. ``framework serve`` is this function behind command-line options.
The servers are optional dependencies (the ``serve`` extra), imported only
once chosen.

waitress is the default: a process whose event loop reads whole requests
before a thread runs the app, hardened in :mod:`.waitress_server` against
slow and idle clients and stopped without losing an accepted request. It
can face clients directly. ``workers`` forks more such processes on the
same socket (:mod:`.workers`), for apps that need more than one core; each
takes new connections only while it has a thread free.

gunicorn runs a master process that forks worker processes: several cores
for CPU-bound apps, but a worker reads a request's headers itself, with no
deadline, so it belongs behind a proxy that buffers requests (nginx). Given
an import string or the command line's app, the master never imports the
app: each worker imports it after the fork, as plain gunicorn does by
default. So nothing the app opens while it is created (database
connections, clients, threads) is shared between processes, and ``SIGHUP``
starts workers on the code on disk. ``preload=True`` imports the app once,
in the master, before the fork instead: workers start faster and share
memory, but the app must then open nothing until it serves a request. An
app object passed to :func:`serve` is already loaded, so it is preloaded.
"""

from __future__ import annotations

import errno
import importlib.util
import logging
import os
import signal
import socket
import sys
import threading
import typing as t

import attrs
import click

from ..cli import NoAppException, ScriptInfo

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication

__all__ = [
    "MAX_DEFAULT_WORKERS",
    "ServeError",
    "ServerName",
    "default_workers",
    "serve",
]

#: The ``server`` argument: ``"auto"`` is waitress when it is installed,
#: gunicorn otherwise.
ServerName = t.Literal["auto", "gunicorn", "waitress"]

#: The most gunicorn workers, or waitress threads, chosen by default.
MAX_DEFAULT_WORKERS = 12

#: Options that one server has and the other has not.
_GUNICORN_ONLY = ("timeout",)
_WAITRESS_ONLY = ("connection_limit", "header_timeout")
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
        if _installed("waitress"):
            return "waitress"
        if os.name == "posix" and _installed("gunicorn"):
            return "gunicorn"
        raise ServeError(
            "No production server is installed: pip install waitress (anywhere)"
            " or gunicorn (Linux, macOS); the 'serve' extra installs both."
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
        raise ServeError(
            f"{server} is not installed: pip install {server} (the 'serve' extra)."
        )
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
        least = 0 if option in ("timeout", "graceful_timeout") else 1
        if value is not None and value < least:
            raise ServeError(f"{option} must be at least {least}, not {value}.")
    only = _GUNICORN_ONLY if server == "waitress" else _WAITRESS_ONLY
    refused = [option for option in only if numbers[option] is not None]
    if refused and server == "waitress":
        raise ServeError(
            f"{', '.join(refused)}: only gunicorn has this; waitress closes a"
            " connection past its deadlines instead (see --idle-timeout and"
            " --header-timeout)."
        )
    if refused:
        raise ServeError(
            f"{', '.join(refused)}: only waitress has this; gunicorn reads"
            " requests in its workers and needs a buffering proxy in front"
            " against slow clients."
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
    idle_timeout: int | None = None,
    header_timeout: int | None = None,
    connection_limit: int | None = None,
    access_log: bool = False,
    preload: bool = False,
) -> t.NoReturn:
    """Serve ``app`` with a production WSGI server until it is stopped
    (``SIGTERM``, ``SIGINT``, Ctrl+C), then end with :exc:`SystemExit`
    (status 0 after a stop). Never starts a reloader or a debugger.

    On ``SIGTERM`` or ``SIGINT`` the server stops listening, then answers
    the requests it has accepted within ``graceful_timeout`` seconds.
    waitress answers every accepted request, even one still arriving or
    waiting for a thread; gunicorn finishes the requests its workers are
    running, and connections still queued for a worker are reset.

    :param app: an import string in the ``--app`` syntax of the command
        line (``"hello:create_app()"``), a :class:`~framework.cli.ScriptInfo`,
        or the app (any WSGI application) itself.
    :param server: ``"waitress"``, ``"gunicorn"``, or ``"auto"``: waitress
        when it is installed, gunicorn otherwise.
    :param host: the interface to listen on; ``"0.0.0.0"`` for every IPv4
        one.
    :param port: the port; ``0`` for any free one (the banner shows it).
    :param workers: worker processes. waitress: 1 when ``None``; more are
        forked after the socket is open (POSIX only), each with
        ``threads`` threads, and replaced if they die. gunicorn:
        :func:`default_workers` when ``None``.
    :param threads: threads per process. waitress: :func:`default_workers`
        by default. gunicorn: 1 by default (the ``sync`` worker); more runs
        the ``gthread`` worker.
    :param timeout: gunicorn restarts a worker silent for this many seconds
        (30 when ``None``; 0 never does).
    :param graceful_timeout: seconds accepted requests get to be answered
        after ``SIGTERM`` (30 when ``None``).
    :param idle_timeout: seconds a connection may stay silent before it is
        closed: between requests, and for waitress also in the middle of a
        request (waitress: 30 when ``None``; gunicorn keeps a connection
        alive 2 seconds by default, and its sync worker not at all).
    :param header_timeout: waitress: seconds a request may take from its
        first byte to the end of its headers, however slowly it trickles
        (10 when ``None``).
    :param connection_limit: waitress: open connections at most, per
        process (1000 when ``None``); the process's open-file limit is
        raised to fit, as far as its hard limit allows.
    :param access_log: write a line per request to standard output, in
        gunicorn's format (the common log format with referrer and user
        agent).
    :param preload: with worker processes, import the app once before
        forking them, instead of in each worker. See the module's
        description.
    :raises ServeError: when the server is not installed, an option does
        not apply to it, the address can't be listened on, or gunicorn is
        asked for outside the main thread.
    :raises ~framework.cli.NoAppException: when the app can't be found.
    """
    name = _choose_server(server)
    forks = name == "gunicorn" or (workers or 1) > 1
    if forks and threading.current_thread() is not threading.main_thread():
        # The process that looks after workers handles signals, which only
        # the main thread may do; say so rather than let a ValueError out.
        raise ServeError(
            f"{'gunicorn' if name == 'gunicorn' else 'Worker processes'} must"
            " run in the main thread (it handles signals); call serve() from"
            " the main thread, or use waitress with one process."
        )
    _check_options(
        name,
        port,
        {
            "workers": workers,
            "threads": threads,
            "timeout": timeout,
            "graceful_timeout": graceful_timeout,
            "idle_timeout": idle_timeout,
            "header_timeout": header_timeout,
            "connection_limit": connection_limit,
        },
    )
    if name == "waitress":
        workers = workers or 1
        if workers > 1 and os.name != "posix":
            raise ServeError(
                "More than one waitress worker needs fork(), which Windows"
                " lacks: use threads."
            )
    else:
        workers = workers or default_workers()
    load: t.Callable[[], WSGIApplication]
    if isinstance(app, str | ScriptInfo):
        info = ScriptInfo(app_import_path=app) if isinstance(app, str) else app
        label = repr(info.app_import_path) if info.app_import_path else "the app"
        if preload or (workers == 1 and name == "waitress"):
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
        _serve_gunicorn(
            load,
            sock,
            label=label,
            url=url,
            preloaded=preloaded,
            workers=workers,
            threads=threads or 1,
            settings={
                "timeout": 30 if timeout is None else timeout,
                "graceful_timeout": 30
                if graceful_timeout is None
                else graceful_timeout,
                "accesslog": "-" if access_log else None,
                "errorlog": "-",
                "reload": False,
            }
            | ({} if idle_timeout is None else {"keepalive": idle_timeout}),
        )
    _serve_waitress(
        load,
        sock,
        label=label,
        url=url,
        preloaded=preloaded,
        workers=workers,
        threads=threads or default_workers(),
        access_log=access_log,
        options={
            "connection_limit": connection_limit,
            "header_timeout": header_timeout,
            "idle_timeout": idle_timeout,
            "graceful_timeout": graceful_timeout,
        },
    )


def _serve_waitress(
    load: t.Callable[[], WSGIApplication],
    sock: socket.socket,
    *,
    label: str,
    url: str,
    preloaded: bool,
    workers: int,
    threads: int,
    access_log: bool,
    options: dict[str, int | None],
) -> t.NoReturn:
    from .waitress_server import Limits, fit_open_files, run_waitress

    limits = Limits(**{k: v for k, v in options.items() if v is not None})
    limits = attrs.evolve(
        limits, connection_limit=fit_open_files(limits.connection_limit)
    )
    processes = (
        "one process"
        if workers == 1
        else f"{workers} worker processes (app loaded"
        f" {'before forking' if preloaded else 'in each worker'})"
    )
    each = "" if workers == 1 else " each"
    click.echo(
        f" * Serving {label} with waitress on {url}: {processes}, {threads}"
        f" thread{'s' if threads > 1 else ''}{each}, up to"
        f" {limits.connection_limit} connections{each}, request headers within"
        f" {limits.header_timeout:g} s",
        err=True,
    )
    _log_to_stderr("waitress", "framework.serving")

    def served() -> WSGIApplication:
        app = load()
        if access_log:
            from .access_log import with_access_log

            app = with_access_log(app)
        return app

    if workers == 1:
        run_waitress(served(), sock, threads, limits)
        raise SystemExit(0)

    from .workers import supervise

    supervisor = os.getpid()

    def work() -> int:
        try:
            app = served()
        except NoAppException as e:
            click.echo(f"Error: {e.format_message()}", err=True)
            # gunicorn's status for an app that failed to load.
            return 4
        run_waitress(
            app,
            sock,
            threads,
            limits,
            shares_listener=True,
            parent=supervisor,
            stop_signals=(signal.SIGTERM,),
        )
        return 0

    status = supervise(
        workers, work, graceful_timeout=limits.graceful_timeout, on_stop=sock.close
    )
    raise SystemExit(status)


def _serve_gunicorn(
    load: t.Callable[[], WSGIApplication],
    sock: socket.socket,
    *,
    label: str,
    url: str,
    preloaded: bool,
    workers: int,
    threads: int,
    settings: dict[str, t.Any],
) -> t.NoReturn:
    from .gunicorn_server import run_gunicorn

    loading = "before forking" if preloaded else "in each worker"
    click.echo(
        f" * Serving {label} with gunicorn on {url}: {workers} worker"
        f"{'s' if workers > 1 else ''}, {threads} thread"
        f"{'s' if threads > 1 else ''} each, app loaded {loading}",
        err=True,
    )
    run_gunicorn(
        load,
        sock,
        settings
        | {
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
        },
    )


def _log_to_stderr(*names: str) -> None:
    """Give the server's loggers a handler on standard error, at ``INFO``,
    unless logging is configured to print their records already (as the
    app's logger gets its default handler)."""
    from ..logging import has_level_handler

    for name in names:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
        if not has_level_handler(logger):
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(
                logging.Formatter(
                    "[%(asctime)s] %(levelname)s in %(name)s: %(message)s"
                )
            )
            logger.addHandler(handler)
