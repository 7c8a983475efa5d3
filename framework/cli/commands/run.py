"""``framework run``: the app under werkzeug's development server, with
the reloader and the debugger in debug mode; with ``--asgi``, under
uvicorn, with the reloader and a traceback page in debug mode.

Layer 4. The server's connection handling (the idle timeout) is
:mod:`framework.devserver`'s, the ASGI server's
:mod:`framework.devserver_asgi`'s; this module turns options into their
arguments and warns where the debugger is exposed.
"""

from __future__ import annotations

import os
import traceback
import typing as t

import click
from werkzeug.serving import is_running_from_reloader

from ...config import get_debug_flag
from ...devserver import (
    DEFAULT_IDLE_TIMEOUT,
    checked_idle_timeout,
    idle_timeout_options,
    single_thread_warning,
)
from ..groups import EnvOption
from ..loading import ScriptInfo, pass_script_info
from ..params import (
    CertParamType,
    SeparatedPathType,
    _host_option,
    _pair_key_with_cert,
    _port_option,
    _set_debug,
)

__all__ = ["debugger_exposure_warning", "run_command", "show_server_banner"]


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print which app is served and whether debug mode is on (once, not
    again in the reloader's child process)."""
    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving framework app '{app_import_path}'")
    click.echo(f" * Debug mode: {'on' if debug else 'off'}")


_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def debugger_exposure_warning(host: str, *, interactive: bool = True) -> str | None:
    """The warning ``run`` prints when the debugger listens on ``host``:
    ``None`` for a loopback address, which only this machine reaches.

    :param interactive: whether it is werkzeug's interactive debugger, which
        runs code, rather than the read-only traceback page of ``--asgi``.
    """
    if host in _LOOPBACK:
        return None
    if not interactive:
        return (
            f" * Warning: the traceback page is reachable on {host}; anyone"
            " who can reach it can read your source code around any error."
        )
    return (
        f" * Warning: the debugger is reachable on {host}; anyone who can"
        " reach it and knows the PIN can run code."
    )


def _loaded_or_failing_app(info: ScriptInfo) -> t.Any:
    """The app to serve. In the reloader's child a broken app is served as
    a WSGI app that raises its error on every request, so that the reloader
    keeps watching and fixing the code brings the app back."""
    try:
        return info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise
        traceback.print_exc()
        error = e

        def failing(environ: t.Any, start_response: t.Any) -> t.Any:
            raise error from None

        return failing


def _idle_timeout_option(
    ctx: click.Context, param: click.Parameter, value: float
) -> float | None:
    try:
        return checked_idle_timeout(value)
    except ValueError:
        raise click.BadParameter(
            f"{value:g} is not a timeout: give a positive number of seconds,"
            " or 0 for none.",
            ctx,
            param,
        ) from None


def _refuse_for_asgi(with_threads: bool, cert: t.Any) -> None:
    """Refuse the options of werkzeug's server that uvicorn has no
    equivalent for, rather than ignore them."""
    if not with_threads:
        raise click.UsageError(
            "--without-threads has no meaning with --asgi: sync views run in"
            " the app's thread pool (ASGI_THREADS), async ones on the loop."
        )
    if cert is not None and not isinstance(cert, tuple):
        raise click.UsageError(
            "With --asgi, --cert takes a certificate file and --key its key"
            " file; 'adhoc' and SSLContext import paths are werkzeug's."
        )


def _require_uvicorn() -> None:
    try:
        import uvicorn  # noqa: F401
    except ImportError:
        raise click.ClickException(
            "--asgi serves the app with uvicorn, which is not installed: run"
            " pip install 'framework[uvicorn]' (or pip install uvicorn)."
        ) from None


@click.command("run", short_help="Run a development server.")
@_host_option
@_port_option(5000)
@click.option(
    "--cert",
    type=CertParamType(),
    is_eager=True,
    cls=EnvOption,
    help="A certificate file, 'adhoc', or an ssl.SSLContext import path.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_pair_key_with_cert,
    expose_value=False,
    cls=EnvOption,
    help="The key file for --cert.",
)
@click.option(
    "--debug/--no-debug",
    default=None,
    callback=_set_debug,
    expose_value=False,
    allow_from_autoenv=False,
    help="Turn debug mode on or off; the same as giving it before 'run'.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    cls=EnvOption,
    help="Restart when code changes; on by default in debug mode.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    cls=EnvOption,
    help="The interactive debugger; on in debug mode, refused without it.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    cls=EnvOption,
    help="Serve each request in its own thread.",
)
@click.option(
    "--extra-files",
    default=None,
    type=SeparatedPathType(),
    cls=EnvOption,
    help=f"More files the reloader watches, separated by {os.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    default=None,
    type=SeparatedPathType(),
    cls=EnvOption,
    help=f"fnmatch patterns the reloader ignores, separated by {os.pathsep!r}.",
)
@click.option(
    "--idle-timeout",
    default=DEFAULT_IDLE_TIMEOUT,
    type=float,
    callback=_idle_timeout_option,
    cls=EnvOption,
    metavar="SECONDS",
    help="Close a connection that sends or reads nothing for this many seconds"
    f" ({DEFAULT_IDLE_TIMEOUT:g}; 0: never).",
)
@click.option(
    "--asgi",
    is_flag=True,
    default=False,
    cls=EnvOption,
    help="Serve app.asgi with uvicorn, as in production under ASGI. In debug"
    " mode errors show a traceback page: the interactive debugger is WSGI-only.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: t.Any,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
    idle_timeout: float | None,
    asgi: bool,
) -> None:
    """Serve the app with werkzeug's development server, or with uvicorn
    (--asgi). Not for production: use 'framework serve' or another server.

    Debug mode (--debug) turns on the reloader and the debugger (under
    --asgi, a read-only traceback page).
    """
    if asgi:
        _refuse_for_asgi(with_threads, cert)
        _require_uvicorn()
    served = _loaded_or_failing_app(info)
    debug = get_debug_flag()
    if debugger and not debug:
        # The debugger runs code sent from the browser: only in debug mode.
        raise click.UsageError("--debugger needs debug mode: add --debug.")
    debugger = debug if debugger is None else debugger
    warning = (
        debugger_exposure_warning(host, interactive=not asgi) if debugger else None
    )
    if warning is not None:
        click.secho(warning, fg="red", err=True)
    if not with_threads and not is_running_from_reloader():
        click.secho(single_thread_warning(idle_timeout), fg="yellow", err=True)
    show_server_banner(debug, info.app_import_path)
    use_reloader = debug if reload is None else reload
    if asgi:
        from ...devserver_asgi import run_asgi_server

        run_asgi_server(
            info,
            served,
            host=host,
            port=port,
            reload=use_reloader,
            tracebacks=debugger,
            ssl_files=cert,
            idle_timeout=idle_timeout,
            extra_files=extra_files,
            exclude_patterns=exclude_patterns,
        )
        return

    from werkzeug.serving import run_simple

    options = {
        "use_reloader": use_reloader,
        "use_debugger": debugger,
        "threaded": with_threads,
        "ssl_context": cert,
        "extra_files": extra_files,
        "exclude_patterns": exclude_patterns,
    }
    run_simple(host, port, served, **idle_timeout_options(idle_timeout, options))
