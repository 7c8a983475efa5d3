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

uvicorn, hypercorn and granian serve the app's ASGI callable,
``app.asgi``: async views and hooks are awaited on the server's event loop,
sync ones run in the app's thread pool (``ASGI_THREADS``, which
``threads`` sets). uvicorn is the default for an app with async code
(:mod:`.choice`), hardened like waitress (:mod:`.uvicorn_server`).
uvicorn and hypercorn run in one process, and ``workers`` forks more the
way it does for waitress; granian forks and looks after its own. What
each does with the limits is in its module: :mod:`.uvicorn_server`,
:mod:`.hypercorn_server`, :mod:`.granian_server`.
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

    from .limits import AsyncLimits

__all__ = [
    "ASGI_SERVERS",
    "MAX_DEFAULT_WORKERS",
    "WSGI_SERVERS",
    "ServeError",
    "ServerName",
    "default_workers",
    "serve",
]

#: The ``server`` argument. ``"auto"``: for an app with async code (see
#: :func:`.choice.wants_asgi`), the first of uvicorn, hypercorn and granian
#: that is installed; else waitress, or gunicorn when waitress is not
#: installed.
ServerName = t.Literal[
    "auto", "gunicorn", "waitress", "uvicorn", "hypercorn", "granian"
]

#: The servers that serve the app's ASGI callable, in the order ``"auto"``
#: looks for one.
ASGI_SERVERS = ("uvicorn", "hypercorn", "granian")
#: The WSGI servers, in the order ``"auto"`` looks for one.
WSGI_SERVERS = ("waitress", "gunicorn")

#: The most gunicorn workers, or waitress threads, chosen by default.
MAX_DEFAULT_WORKERS = 12

_NO_TIMEOUT = (
    "only gunicorn has this; {server} closes a connection past its deadlines"
    " instead (see --idle-timeout and --header-timeout)."
)
#: Options a server has no use for, and why, by server.
_REFUSED: dict[str, dict[tuple[str, ...], str]] = {
    "waitress": {("timeout",): _NO_TIMEOUT},
    "gunicorn": {
        ("connection_limit", "header_timeout"): "gunicorn has no such limit;"
        " it reads requests in its workers and needs a buffering proxy in"
        " front against slow clients."
    },
    "uvicorn": {("timeout",): _NO_TIMEOUT},
    "hypercorn": {("timeout",): _NO_TIMEOUT},
    "granian": {
        ("timeout",): _NO_TIMEOUT,
        ("idle_timeout",): "granian has no idle timeout; a connection that"
        " sends nothing stays open (put a proxy in front that closes them).",
    },
}
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


def _choose_server(server: str) -> str:
    """The server named, checked: known, installed and able to run here.
    ``"auto"`` stays ``"auto"`` when a WSGI and an ASGI server are both
    installed (the app decides: :func:`_auto_server`), else becomes the
    one kind installed."""
    if server == "auto":
        wsgi = _first_installed(WSGI_SERVERS)
        asgi = _first_installed(ASGI_SERVERS)
        if wsgi is None and asgi is None:
            raise ServeError(
                "No production server is installed: pip install waitress"
                " (anywhere) or gunicorn (Linux, macOS); the 'serve' extra"
                " installs both."
            )
        return "auto" if wsgi and asgi else t.cast("str", wsgi or asgi)
    if server not in WSGI_SERVERS + ASGI_SERVERS:
        raise ServeError(
            f"Unknown server {server!r}: choose 'auto', 'gunicorn', 'waitress',"
            " 'uvicorn', 'hypercorn' or 'granian'."
        )
    if server == "gunicorn" and os.name != "posix":
        raise ServeError(
            "gunicorn runs on Linux and macOS only: use the 'waitress' server."
        )
    if not _installed(server):
        extra = (
            "the 'serve' extra" if server in WSGI_SERVERS else f"the '{server}' extra"
        )
        package = "uvicorn[standard]" if server == "uvicorn" else server
        raise ServeError(f"{server} is not installed: pip install {package} ({extra}).")
    return server


def _first_installed(servers: tuple[str, ...]) -> str | None:
    for server in servers:
        if server == "gunicorn" and os.name != "posix":
            continue
        if _installed(server):
            return server
    return None


def _auto_server(wants_asgi: bool) -> str:
    """The server ``"auto"`` means for an app that wants an ASGI server or
    not, both kinds being installed."""
    servers = ASGI_SERVERS if wants_asgi else WSGI_SERVERS
    return t.cast("str", _first_installed(servers))


def _probe(info: ScriptInfo) -> bool:
    """Whether the app ``info`` finds wants an ASGI server, found out in a
    forked child that imports it, so that this process never does (the
    workers it forks import the app themselves). An app that fails to load
    there is taken for a WSGI one: its workers then report why."""
    from .choice import wants_asgi

    if os.name != "posix":
        return wants_asgi(info.load_app())
    read, write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child; tests see its answer
        verdict = b"?"
        try:
            os.close(read)
            verdict = b"a" if wants_asgi(info.load_app()) else b"w"
        except BaseException:
            pass
        finally:
            os.write(write, verdict)
            os._exit(0)
    os.close(write)
    try:
        verdict = os.read(read, 1)
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    return verdict == b"a"


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
    for options, why in _REFUSED[server].items():
        refused = [option for option in options if numbers[option] is not None]
        if refused:
            raise ServeError(f"{', '.join(refused)}: {why.format(server=server)}")


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
    """Serve ``app`` with a production server, WSGI or ASGI, until it is
    stopped (``SIGTERM``, ``SIGINT``, Ctrl+C), then end with
    :exc:`SystemExit` (status 0 after a stop). Never starts a reloader or
    a debugger.

    On ``SIGTERM`` or ``SIGINT`` the server stops listening, then answers
    the requests it has accepted within ``graceful_timeout`` seconds.
    waitress answers every accepted request, even one still arriving or
    waiting for a thread; gunicorn finishes the requests its workers are
    running, and connections still queued for a worker are reset; the ASGI
    servers finish the requests they have started and close idle
    connections. A second signal stops at once, with status 1.

    :param app: an import string in the ``--app`` syntax of the command
        line (``"hello:create_app()"``), a :class:`~framework.cli.ScriptInfo`,
        or the app itself (an ASGI server serves its ``asgi`` attribute; a
        WSGI server takes any WSGI application).
    :param server: ``"waitress"``, ``"gunicorn"``, ``"uvicorn"``,
        ``"hypercorn"``, ``"granian"``, or ``"auto"``: for an app with
        async views or hooks (:func:`.choice.wants_asgi`) the first of
        uvicorn, hypercorn and granian that is installed, else waitress
        (gunicorn when waitress is not installed).
    :param host: the interface to listen on; ``"0.0.0.0"`` for every IPv4
        one.
    :param port: the port; ``0`` for any free one (the banner shows it).
    :param workers: worker processes. waitress, uvicorn, hypercorn: 1 when
        ``None``; more are forked after the socket is open (POSIX only),
        and replaced if they die. granian: 1 when ``None``, forked and
        looked after by granian. gunicorn: :func:`default_workers` when
        ``None``.
    :param threads: threads per process that run the app's sync code.
        waitress: :func:`default_workers` by default. gunicorn: 1 by default
        (the ``sync`` worker); more runs the ``gthread`` worker. The ASGI
        servers run the app on an event loop and sync views in the app's
        own thread pool: this sets its ``ASGI_THREADS`` config key.
    :param timeout: gunicorn restarts a worker silent for this many seconds
        (30 when ``None``; 0 never does).
    :param graceful_timeout: seconds accepted requests get to be answered
        after ``SIGTERM`` (30 when ``None``).
    :param idle_timeout: seconds a connection may stay silent before it is
        closed: between requests, and for waitress also in the middle of a
        request (waitress, uvicorn: 30 when ``None``; gunicorn keeps a
        connection alive 2 seconds by default, and its sync worker not at
        all; hypercorn: see ``header_timeout``; granian has none).
    :param header_timeout: seconds a request may take from its first byte
        to the end of its headers, however slowly it trickles (10 when
        ``None``; not gunicorn). hypercorn has one timer for both: the
        shorter of this and ``idle_timeout``.
    :param connection_limit: waitress: open connections at most, per
        process (1000 when ``None``); the process's open-file limit is
        raised to fit, as far as its hard limit allows. uvicorn: the same,
        and requests too: at the limit the connections idle longest are
        closed, and with none idle new requests get a 503. hypercorn:
        connections served at once, per process; at the limit the
        connections idle longest are closed, and with none idle new ones
        wait to be served. granian: connections served at once per worker
        (its backpressure), silent ones included. Not gunicorn.
    :param access_log: write a line per request to standard output, in
        gunicorn's format (the common log format with referrer and user
        agent) under the WSGI servers and hypercorn, in uvicorn's and
        granian's own under those.
    :param preload: with worker processes, import the app once before
        forking them, instead of in each worker. See the module's
        description.
    :raises ServeError: when the server is not installed, an option does
        not apply to it, the address can't be listened on, or worker
        processes are asked for outside the main thread.
    :raises ~framework.cli.NoAppException: when the app can't be found.
    """
    name = _choose_server(server)
    numbers = {
        "workers": workers,
        "threads": threads,
        "timeout": timeout,
        "graceful_timeout": graceful_timeout,
        "idle_timeout": idle_timeout,
        "header_timeout": header_timeout,
        "connection_limit": connection_limit,
    }
    info: ScriptInfo | None = None
    loaded: t.Any = None
    if isinstance(app, str | ScriptInfo):
        info = ScriptInfo(app_import_path=app) if isinstance(app, str) else app
    elif callable(app):
        loaded = app
    else:
        raise ServeError(
            f"serve() takes an app, an import string or a ScriptInfo, not {app!r}."
        )
    if name == "auto":
        # Checked before the app is imported, whichever server it wants.
        _check_options("waitress", port, numbers | {"timeout": None})
        from .choice import wants_asgi

        if loaded is None and info is not None:
            # Import the app here only where the server it picks would
            # anyway: one process, or --preload. gunicorn (the WSGI choice
            # when waitress is missing) forks by default.
            forks_anyway = workers is None and _auto_server(False) == "gunicorn"
            if preload or ((workers or 1) == 1 and not forks_anyway):
                loaded = info.load_app()
            else:
                name = _auto_server(_probe(info))
        if name == "auto":
            name = _auto_server(wants_asgi(loaded))
    forks = name in ("gunicorn", "granian") or (workers or 1) > 1
    if forks and threading.current_thread() is not threading.main_thread():
        # The process that looks after workers handles signals, which only
        # the main thread may do; say so rather than let a ValueError out.
        who = name if name in ("gunicorn", "granian") else "Worker processes"
        alone = "waitress" if name in ("gunicorn", "granian") else name
        raise ServeError(
            f"{who} must run in the main thread (it handles signals); call"
            f" serve() from the main thread, or use {alone} with one process."
        )
    _check_options(name, port, numbers)
    if name == "gunicorn":
        workers = workers or default_workers()
    else:
        workers = workers or 1
        if workers > 1 and os.name != "posix" and name != "granian":
            raise ServeError(
                f"More than one {name} worker needs fork(), which Windows"
                " lacks: use threads."
            )
    load: t.Callable[[], t.Any]
    if loaded is not None:
        app_name = getattr(loaded, "name", None)
        label = f"app {app_name!r}" if isinstance(app_name, str) else repr(loaded)
        if info is not None:
            label = repr(info.app_import_path) if info.app_import_path else "the app"
        load, preloaded = (lambda: loaded), True
    else:
        assert info is not None
        label = repr(info.app_import_path) if info.app_import_path else "the app"
        # gunicorn and granian always fork: the app is imported in the
        # worker, unless preloaded.
        if preload or (workers == 1 and name not in ("gunicorn", "granian")):
            loaded = info.load_app()
            load, preloaded = (lambda: loaded), True
        else:
            # Fail now, in one line, when the module is missing; the workers
            # import it.
            info.find_app_module()
            load, preloaded = info.load_app, False

    if name in ASGI_SERVERS and preloaded:
        # A WSGI-only app is refused here, in one line, before forking.
        _asgi_of(name, loaded)
    sock = _listen(host, port)
    url = _url(host, sock.getsockname()[1])
    if name in ASGI_SERVERS:
        _serve_asgi(
            name,
            load,
            sock,
            label=label,
            url=url,
            preloaded=preloaded,
            workers=workers,
            threads=threads,
            limits=_async_limits(
                name,
                connection_limit=connection_limit,
                header_timeout=header_timeout,
                idle_timeout=idle_timeout,
                graceful_timeout=graceful_timeout,
                access_log=access_log,
            ),
        )
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


def _async_limits(
    name: str,
    *,
    connection_limit: int | None,
    header_timeout: int | None,
    idle_timeout: int | None,
    graceful_timeout: int | None,
    access_log: bool,
) -> AsyncLimits:
    from .limits import AsyncLimits, fit_open_files

    given: dict[str, t.Any] = {
        "connection_limit": connection_limit,
        "header_timeout": header_timeout,
        "idle_timeout": idle_timeout,
        "graceful_timeout": graceful_timeout,
    }
    limits = AsyncLimits(
        access_log=access_log, **{k: v for k, v in given.items() if v is not None}
    )
    if limits.connection_limit is not None:
        limits = attrs.evolve(
            limits, connection_limit=fit_open_files(limits.connection_limit)
        )
    return limits


def _asgi_of(name: str, app: t.Any) -> t.Any:
    """The ASGI application of ``app``: its ``asgi`` attribute."""
    asgi = getattr(app, "asgi", None)
    if asgi is None:
        raise ServeError(
            f"{name} serves ASGI applications: give it an App (it serves"
            f" app.asgi), not {app!r}."
        )
    return asgi


def _serve_asgi(
    name: str,
    load: t.Callable[[], t.Any],
    sock: socket.socket,
    *,
    label: str,
    url: str,
    preloaded: bool,
    workers: int,
    threads: int | None,
    limits: AsyncLimits,
) -> t.NoReturn:
    def load_asgi() -> t.Any:
        app = load()
        asgi = _asgi_of(name, app)
        if threads is not None:
            # The pool that runs sync views is made at the first request,
            # from this key.
            app.config["ASGI_THREADS"] = threads
        return asgi

    if workers == 1 and name != "granian":
        processes = "one process"
    else:
        # granian serves from worker processes even with one.
        processes = (
            f"{workers} worker process{'es' if workers > 1 else ''} (app loaded"
            f" {'before forking' if preloaded else 'in each worker'})"
        )
    pool = f"ASGI_THREADS={threads}" if threads is not None else "the app's thread pool"
    if name == "hypercorn":
        shorter = min(limits.header_timeout, limits.idle_timeout)
        deadlines = f"request headers within {shorter:g} s of being idle"
    else:
        deadlines = f"request headers within {limits.header_timeout:g} s"
    limit = (
        ""
        if limits.connection_limit is None
        else f", up to {limits.connection_limit} connections"
        + ("" if workers == 1 and name != "granian" else " each")
    )
    click.echo(
        f" * Serving {label} through ASGI with {name} on {url}: {processes},"
        f" sync views in {pool}{limit}, {deadlines}",
        err=True,
    )
    _log_to_stderr("framework.serving")

    if name == "granian":
        from .granian_server import run_granian

        def load_in_worker() -> t.Any:
            try:
                return load_asgi()
            except (NoAppException, ServeError) as e:
                click.echo(f"Error: {e.format_message()}", err=True)
                # gunicorn's status for an app that failed to load.
                raise SystemExit(4) from None

        run_granian(load_in_worker, sock, limits, workers=workers)

    run: t.Callable[..., None]
    if name == "uvicorn":
        from .uvicorn_server import run_uvicorn as run
    else:
        from .hypercorn_server import run_hypercorn as run

    if workers == 1:
        run(load_asgi(), sock, limits)
        raise SystemExit(0)

    from .workers import supervise

    supervisor = os.getpid()

    def work() -> int:
        try:
            app = load_asgi()
        except (NoAppException, ServeError) as e:
            click.echo(f"Error: {e.format_message()}", err=True)
            # gunicorn's status for an app that failed to load.
            return 4
        run(app, sock, limits, parent=supervisor, stop_signals=(signal.SIGTERM,))
        return 0

    status = supervise(
        workers, work, graceful_timeout=limits.graceful_timeout, on_stop=sock.close
    )
    raise SystemExit(status)


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
