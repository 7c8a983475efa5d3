"""``framework run --asgi``: the development server under ASGI. uvicorn
serves :attr:`App.asgi <framework.App.asgi>` (with its reloader in debug
mode), and in debug mode an error shows a traceback page.

Layer 4, beside :mod:`framework.devserver`. werkzeug's interactive debugger
is WSGI middleware: it needs the WSGI call to wrap, and it runs the code
typed in the browser in the frame that failed, which under ASGI may be a
coroutine on the server's loop. So under ASGI the page is read-only: the
traceback with the source around each line, no console, no PIN.

With the reloader, uvicorn's supervisor starts the server in a fresh
process that imports the app by name, where werkzeug's re-runs the command
line. The parent hands the child what the command line knew (the ``--app``
value, or the importable name of a custom group's ``create_app``) in an
environment variable, and the child loads the app from it with
:meth:`ScriptInfo.load_app <framework.cli.ScriptInfo.load_app>`, as the
command did. Which files to watch is werkzeug's business, as under WSGI:
the supervisor asks werkzeug's reloader loop (stat, or watchdog when it is
installed) what changed, so ``--extra-files`` and ``--exclude-patterns``
mean what they mean for ``framework run`` without ``--asgi``. A change stops
the child with ``SIGTERM`` (its ``after_serving`` hooks run) and starts a
new one.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import sys
import traceback
import typing as t
from pathlib import Path

from .asgi import Receive, Scope, Send

if t.TYPE_CHECKING:
    from .app import App
    from .cli.loading import ScriptInfo

__all__ = ["DebugTracebackMiddleware", "run_asgi_server", "traceback_page"]

_log = logging.getLogger(__name__)

#: An ASGI 3 application.
ASGIApp = t.Callable[[Scope, Receive, Send], t.Awaitable[None]]

#: How the reloading parent tells its child which app to serve (JSON).
_CHILD_ENV = "FRAMEWORK_ASGI_DEVSERVER"
#: What uvicorn's reloader imports in its child: :func:`_app_in_child`.
_CHILD_ENTRY = f"{__name__}:_app_in_child"
#: ``--idle-timeout 0`` ("never"): uvicorn's keep-alive timeout takes a
#: number of seconds, so a day stands for never.
_NO_IDLE_TIMEOUT = 24 * 3600.0
#: Seconds between two looks for changed files: werkzeug's own interval.
_RELOAD_INTERVAL = 1.0


class DebugTracebackMiddleware:
    """ASGI middleware that answers an unhandled exception with a traceback
    page (:func:`traceback_page`), status 500, and logs the traceback.
    ``framework run --asgi`` wraps the app in it in debug mode; never use it
    where others can reach the server, since the page shows your source.

    The exception reaches it only when the app lets it through, as in debug
    mode (``PROPAGATE_EXCEPTIONS``); otherwise the app answers its own 500.
    An error in a streamed body the app logs itself, cutting the response
    off. One that escapes after the response started (from other
    middleware, say) can't be answered with the page either: it is logged
    and goes on to the server, which closes the connection.

    :param app: the ASGI application to wrap, e.g. ``app.asgi``.
    """

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection; only HTTP requests get the page."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: t.MutableMapping[str, t.Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception as error:
            where = f"{scope.get('method', '?')} {scope.get('path', '?')}"
            if started:
                _log.error(
                    "Error on %s after its response had started: no traceback"
                    " page can be sent, the connection is closed.",
                    where,
                )
                raise
            _log.error("Error on %s", where, exc_info=error)
            # The top frame, this method's, says nothing about the error.
            body = traceback_page(error, skip=1).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


_PAGE = """\
<!doctype html>
<html lang=en>
<head>
<meta charset=utf-8>
<title>{title} // framework run --asgi</title>
<style>
body {{ font: 15px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }}
h1 {{ font-size: 1.6em; margin: 0 0 .3em; color: #a00; }}
blockquote, pre.plain {{ font: 13px/1.4 ui-monospace, monospace; }}
blockquote {{ margin: 1em 0; padding: .6em 1em; background: #fee;
  border-left: 4px solid #a00; white-space: pre-wrap; }}
.traceback ul {{ list-style: none; padding: 0; }}
.frame {{ margin: .8em 0; border: 1px solid #ddd; }}
.frame h4 {{ margin: 0; padding: .3em .6em; font-weight: normal;
  background: #f3f3f3; }}
.source pre.line {{ margin: 0; padding: 0 .6em; font-size: 13px;
  white-space: pre; overflow-x: auto; }}
.source pre.current {{ background: #ffd; font-weight: bold; }}
.source pre.before, .source pre.after {{ color: #777; }}
.source.library {{ opacity: .7; }}
.note {{ margin: 2em 0 1em; color: #555; }}
pre.plain {{ background: #f6f6f6; padding: 1em; overflow-x: auto; }}
</style>
</head>
<body>
<h1>{exception_type}</h1>
{summary}
<p class=note>This page shows the traceback only. werkzeug's interactive
debugger is WSGI middleware, so under <code>framework run --asgi</code> there
is no prompt in the browser: run without <code>--asgi</code> to inspect the
frames interactively.</p>
<details><summary>The traceback as text</summary>
<pre class=plain>{plaintext}</pre>
</details>
</body>
</html>
"""


def traceback_page(error: BaseException, *, skip: int = 0) -> str:
    """A read-only HTML page about ``error``: the exception, and for each
    frame of its traceback (and of the exceptions it was raised from) the
    file, line and function with the source around the line, rendered by
    werkzeug's :class:`~werkzeug.debug.tbtools.DebugTraceback`, plus the
    plain-text traceback. It has no scripts and evaluates nothing.

    :param error: the exception, with its ``__traceback__``.
    :param skip: how many frames to leave off the top of the traceback.
    """
    from werkzeug.debug.tbtools import DebugTraceback

    rendered = DebugTraceback(error, skip=skip)
    summary = traceback.format_exception_only(type(error), error)
    return _PAGE.format(
        title=html.escape(summary[-1].strip()),
        exception_type=html.escape(type(error).__name__),
        summary=rendered.render_traceback_html(),
        plaintext=html.escape(rendered.render_traceback_text()),
    )


class _FailingApp:
    """What the reloader's child serves when the app does not load (a
    syntax error being fixed): every request raises the loading error, so
    the traceback page shows it, and the reloader keeps watching."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raise self.error
        # A lifespan scope returns at once: the server goes on without one.


def _child_target(info: ScriptInfo) -> dict[str, str | None] | None:
    """What the child needs to load the same app as ``info``: the ``--app``
    value, or the importable name of the group's ``create_app``; ``None``
    when that function can't be imported by name (a lambda, a local
    function, one defined in ``__main__``)."""
    if info.create_app is None:
        return {"app": info.app_import_path, "factory": None}
    module = getattr(info.create_app, "__module__", None)
    name = getattr(info.create_app, "__qualname__", "")
    if module is None or module == "__main__" or not name.isidentifier():
        return None
    return {"app": None, "factory": f"{module}:{name}"}


def _app_in_child() -> ASGIApp:
    """The ASGI app uvicorn's reloader serves in its child process, loaded
    from what :func:`run_asgi_server` put in the environment."""
    from werkzeug.utils import import_string

    from .cli.loading import ScriptInfo

    spec = json.loads(os.environ[_CHILD_ENV])
    factory = import_string(spec["factory"]) if spec["factory"] else None
    # The parent loaded the dotenv files already; the child inherits them.
    info = ScriptInfo(
        app_import_path=spec["app"], create_app=factory, load_dotenv_defaults=False
    )
    served: ASGIApp
    try:
        served = info.load_app().asgi
    except Exception as error:
        traceback.print_exc()
        served = _FailingApp(error)
    if spec["tracebacks"]:
        served = DebugTracebackMiddleware(served)
    return served


def _watched_folder(info: ScriptInfo) -> str | None:
    """The folder of the app's module (of its top-level package, for a
    module in one), which the reloader watches besides the current folder;
    ``None`` when it is not known."""
    if info.create_app is not None:
        name = getattr(info.create_app, "__module__", None)
    else:
        name = info.find_app_module()
    top = sys.modules.get((name or "").partition(".")[0])
    filename = getattr(top, "__file__", None)
    return None if filename is None else str(Path(filename).resolve().parent)


def _changed_files_loop(
    extra_files: t.Iterable[str], exclude_patterns: t.Iterable[str]
) -> t.Any:
    """werkzeug's reloader loop of choice (``auto``: watchdog when it is
    installed, else stat), entered (its first look taken), noting the files
    that changed in its ``changed`` set instead of ending the process.

    werkzeug's loop decides a reload by calling ``trigger_reload``, which
    exits with status 3 for werkzeug's parent to see; here the parent is
    uvicorn's supervisor, which asks and restarts the child itself."""
    from werkzeug._reloader import reloader_loops

    # A class chosen at run time: typed loosely, as uvicorn_server does.
    Base: t.Any = reloader_loops["auto"]

    class Noting(Base):  # type: ignore[misc]
        def __init__(self) -> None:
            # Before the base's __init__: watchdog's hands its handler our
            # trigger_reload there.
            self.changed: set[str] = set()
            super().__init__(
                extra_files=extra_files,
                exclude_patterns=exclude_patterns,
                interval=_RELOAD_INTERVAL,
            )

        def trigger_reload(self, filename: str | bytes) -> None:
            self.changed.add(os.fsdecode(filename))

    loop = Noting()
    loop.__enter__()
    return loop


def _watching_supervisor(
    config: t.Any,
    sock: t.Any,
    extra_files: list[str],
    exclude_patterns: list[str],
) -> t.Any:
    """uvicorn's reloading supervisor for ``config`` on ``sock``, watching
    the files werkzeug's reloader would (the modules loaded so far, the
    ``.py`` files of the non-system folders on ``sys.path``), the ``.py``
    files of the folders and the files in ``extra_files``, less those that
    match ``exclude_patterns``."""
    import uvicorn
    from uvicorn.supervisors.basereload import BaseReload

    class WerkzeugWatch(BaseReload):
        def __init__(self) -> None:
            super().__init__(config, uvicorn.Server(config).run, [sock])
            self.watch = _changed_files_loop(extra_files, exclude_patterns)
            self.reloader_name = f"werkzeug's {self.watch.name} reloader"

        def should_restart(self) -> list[Path] | None:
            self.pause()
            self.watch.run_step()
            if not self.watch.changed:
                return None
            changed = sorted(Path(name) for name in self.watch.changed)
            # A fresh first look, as werkzeug's fresh child would take: the
            # new child loads what is there now.
            self.watch.__exit__(None, None, None)
            self.watch = _changed_files_loop(extra_files, exclude_patterns)
            return changed

        def shutdown(self) -> None:
            self.watch.__exit__(None, None, None)
            super().shutdown()

    return WerkzeugWatch()


def run_asgi_server(
    info: ScriptInfo,
    app: App,
    *,
    host: str,
    port: int,
    reload: bool,
    tracebacks: bool,
    ssl_files: tuple[str, str] | None = None,
    idle_timeout: float | None = None,
    extra_files: t.Sequence[str] | None = None,
    exclude_patterns: t.Sequence[str] | None = None,
) -> None:
    """Serve ``app.asgi`` with uvicorn until it is stopped: the server of
    ``framework run --asgi``.

    :param info: what the command line knows about the app; the reloader's
        child loads the app from it again.
    :param app: the app, already loaded (served as it is without reload).
    :param host: the interface to listen on.
    :param port: the port to listen on.
    :param reload: restart when a file werkzeug's reloader watches changes
        (the app's modules, the ``.py`` files of the current folder, of the
        app's folder and of the other non-system folders on ``sys.path``).
    :param tracebacks: answer an unhandled exception with a traceback page
        (:class:`DebugTracebackMiddleware`).
    :param ssl_files: a certificate file and its key file, for HTTPS.
    :param idle_timeout: uvicorn's keep-alive timeout in seconds; ``None``
        for (nearly) never.
    :param extra_files: more files (or folders, for their ``.py`` files)
        the reloader watches.
    :param exclude_patterns: :mod:`fnmatch` patterns of paths the reloader
        ignores.
    :raises ImportError: when uvicorn is not installed.
    """
    import uvicorn

    options: dict[str, t.Any] = {
        "host": host,
        "port": port,
        "interface": "asgi3",
        # The app serves lifespan: a failing startup is an error, not a
        # sign that the app has no lifespan support.
        "lifespan": "on",
        "timeout_keep_alive": _NO_IDLE_TIMEOUT
        if idle_timeout is None
        else idle_timeout,
    }
    if ssl_files is not None:
        options["ssl_certfile"], options["ssl_keyfile"] = ssl_files
    target = _child_target(info) if reload else None
    if reload and target is None:
        _log.warning(
            "Not reloading: uvicorn's reloader imports the app by name, and"
            " the create_app function of this command can't be."
        )
    if target is None:
        served: ASGIApp = app.asgi
        if tracebacks:
            served = DebugTracebackMiddleware(served)
        uvicorn.run(served, **options)
        return
    os.environ[_CHILD_ENV] = json.dumps({**target, "tracebacks": tracebacks})
    # werkzeug walks a folder given as an extra file for its .py files: the
    # current folder and the app's are watched even when not on sys.path
    # (the `framework` script puts its own folder there, not this one).
    watched = [os.getcwd(), *filter(None, [_watched_folder(info)])]
    config = uvicorn.Config(_CHILD_ENTRY, factory=True, **options)
    sock = config.bind_socket()
    # uvicorn binds here and listens only in the child, once it has loaded
    # the app: a client that comes as the banner shows would be refused.
    # Listening now queues it until the child accepts.
    sock.listen(config.backlog)
    supervisor = _watching_supervisor(
        config, sock, [*watched, *(extra_files or ())], list(exclude_patterns or ())
    )
    with contextlib.suppress(KeyboardInterrupt):
        supervisor.run()
