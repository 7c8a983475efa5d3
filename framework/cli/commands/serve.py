"""``framework serve``: the app under a production WSGI server, waitress
or gunicorn.

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
    type=click.Choice(("auto", "gunicorn", "waitress")),
    default="auto",
    help="The WSGI server; 'auto' is waitress when installed, else gunicorn.",
)
@click.option(
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes: 1 for waitress; 2 x CPU cores + 1, at most 12, for"
    " gunicorn.",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=None,
    help="Threads per process: 2 x CPU cores + 1, at most 12, for waitress;"
    " 1 per gunicorn worker.",
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
    help="Close a connection silent for this many seconds (waitress: 30;"
    " gunicorn: its keep-alive, 2).",
)
@click.option(
    "--header-timeout",
    type=click.IntRange(min=1),
    default=None,
    help="waitress: close a connection whose request headers take longer (10).",
)
@click.option(
    "--connection-limit",
    type=click.IntRange(min=1),
    default=None,
    help="waitress: open connections at most (1000); more wait to be accepted.",
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
    """Serve the app with a production WSGI server: waitress by default,
    or gunicorn. Install them with pip install waitress gunicorn (the
    'serve' extra).

    \b
    waitress (the default) can face clients directly: it reads each
    request whole before a thread runs the app, closes connections whose
    headers trickle past --header-timeout or that go silent past
    --idle-timeout, and keeps up to --connection-limit connections open.
    It runs one process; --workers forks more, for apps that need more
    than one core. gunicorn (--server gunicorn) has none of these
    defences: a slow client holds a worker, so put a buffering proxy
    (nginx) in front of it.

    On SIGTERM or Ctrl+C the server stops listening and answers the
    requests it accepted, for up to --graceful-timeout seconds.

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
