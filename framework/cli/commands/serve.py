"""``framework serve``: the app under a production server: waitress or
gunicorn (WSGI), uvicorn, hypercorn or granian (ASGI).

Layer 4. The command checks its options and refuses debug mode;
:func:`framework.serving.serve` does the serving, imported only when this
command runs so that the others start faster.
"""

from __future__ import annotations

import typing as t

import click

from ...config import get_debug_flag
from ..loading import ScriptInfo, pass_script_info
from ..params import _host_option, _port_option

if t.TYPE_CHECKING:  # pragma: no cover
    from ...serving import ServerName

__all__ = ["serve_command"]


@click.command("serve", short_help="Serve the app with a production server.")
@_host_option
@_port_option(8000)
@click.option(
    "--server",
    type=click.Choice(
        ("auto", "gunicorn", "waitress", "uvicorn", "hypercorn", "granian")
    ),
    default="auto",
    help="The server. 'auto': uvicorn for an app with async views or hooks,"
    " waitress otherwise (each when installed).",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes: 1, except for gunicorn: 2 x CPU cores + 1, at most 12.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Threads per process: 2 x CPU cores + 1, at most 12, for waitress;"
    " 1 per gunicorn worker. ASGI servers run the app on an event loop: this"
    " sizes the app's pool for sync views (ASGI_THREADS).",
)
@click.option(
    "--timeout",
    type=click.IntRange(min=0),
    default=None,
    help="gunicorn: restart a worker silent for this many seconds (30; 0: never).",
)
@click.option(
    "--graceful-timeout",
    type=click.IntRange(min=0),
    default=None,
    help="Seconds accepted requests get to be answered on SIGTERM (30).",
)
@click.option(
    "--idle-timeout",
    type=click.IntRange(min=1),
    default=None,
    help="Close a connection silent for this many seconds (30; gunicorn: its"
    " keep-alive, 2). hypercorn: one timer with --header-timeout, the shorter"
    " wins; granian has none.",
)
@click.option(
    "--header-timeout",
    type=click.IntRange(min=1),
    default=None,
    help="Close a connection whose request headers take longer (10). Not gunicorn.",
)
@click.option(
    "--connection-limit",
    type=click.IntRange(min=1),
    default=None,
    help="waitress: open connections at most (1000), more wait to be accepted;"
    " uvicorn: the same, a 503 when none is idle; hypercorn: the same, more"
    " wait when none is idle; granian: connections at once per worker. Not"
    " gunicorn.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    help="Write a line per request to standard output.",
)
@click.option(
    "--preload",
    is_flag=True,
    help="With worker processes: import the app once, before forking them.",
)
@pass_script_info
def serve_command(
    info: ScriptInfo,
    host: str,
    port: int,
    server: str,
    workers: int | None,
    threads: int | None,
    timeout: int | None,
    graceful_timeout: int | None,
    idle_timeout: int | None,
    header_timeout: int | None,
    connection_limit: int | None,
    access_log: bool,
    preload: bool,
) -> None:
    """Serve the app with a production server: waitress by default, or
    gunicorn (WSGI); uvicorn by default for an app with async views or
    hooks, or hypercorn or granian (ASGI, serving app.asgi). Install them
    with pip install waitress gunicorn (the 'serve' extra), and the extras
    'uvicorn', 'hypercorn', 'granian' ('asgi': uvicorn).

    \b
    waitress (the default) can face clients directly: it reads each
    request whole before a thread runs the app, closes connections whose
    headers trickle past --header-timeout or that go silent past
    --idle-timeout, and keeps up to --connection-limit connections open.
    It runs one process; --workers forks more, for apps that need more
    than one core. gunicorn (--server gunicorn) has none of these
    defences: a slow client holds a worker, so put a buffering proxy
    (nginx) in front of it.

    \b
    uvicorn reads requests on its event loop and, hardened here, closes
    connections past --header-timeout and --idle-timeout too. hypercorn
    has one timer for both (the shorter).
    granian has no --idle-timeout: a connection that sends nothing stays
    open, so put a proxy in front of it. --timeout is gunicorn's only.

    On SIGTERM or Ctrl+C the server stops listening and answers the
    requests it accepted, for up to --graceful-timeout seconds; a second
    signal stops it at once.

    Never starts the reloader or the debugger, and refuses debug mode.
    """
    if get_debug_flag():
        raise click.UsageError(
            "'serve' is for production and refuses debug mode: remove --debug"
            " or unset FRAMEWORK_DEBUG (use 'run' to develop)."
        )
    # L4 to L4; loaded only by this command, so other commands start faster.
    from ...serving import serve

    serve(
        info,
        server=t.cast("ServerName", server),
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        timeout=timeout,
        graceful_timeout=graceful_timeout,
        idle_timeout=idle_timeout,
        header_timeout=header_timeout,
        connection_limit=connection_limit,
        access_log=access_log,
        preload=preload,
    )
