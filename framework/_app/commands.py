"""App on the command line: its ``framework`` commands, the ``shell``
command's namespace, and ``app.run()``.

Layer 3, part of :mod:`framework.app`: :class:`CommandLineMethods` is a
base class of :class:`~framework.App`, documented as ``App``'s methods. The
command line and the development server are layer 4
(:mod:`framework.cli`, :mod:`framework.devserver`); these methods load them
when first used, so an app that never touches them never imports them.
"""

from __future__ import annotations

import functools
import sys
import typing as t

from .. import typing as ft
from ..config import Config, env_setting, get_debug_flag, get_load_dotenv
from ..scaffold import setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication

    from ..cli import AppGroup

__all__ = ["CommandLineMethods"]

T_shell_context_processor = t.TypeVar(
    "T_shell_context_processor", bound=ft.ShellContextProcessorCallable
)


class CommandLineMethods:
    """Part of :class:`~framework.App`: its command line methods."""

    if t.TYPE_CHECKING:
        # What these methods use of App, for the type checker.
        name: str
        config: Config
        debug: bool
        shell_context_processors: list[ft.ShellContextProcessorCallable]

    @setupmethod
    def shell_context_processor(
        self, f: T_shell_context_processor
    ) -> T_shell_context_processor:
        """Register a function returning names for the ``shell`` command."""
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, t.Any]:
        """The namespace of the ``shell`` command: ``app``, ``g`` and what
        the shell context processors return."""
        from ..globals import g

        namespace: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    @functools.cached_property
    def cli(self) -> AppGroup:
        """The app's commands, run by ``framework --app APP NAME``: an
        :class:`~framework.cli.AppGroup`; add them with
        ``@app.cli.command()``. Created on first use."""
        from ..cli import AppGroup

        return AppGroup(self.name)

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        *,
        idle_timeout: float | None = 5.0,
        **options: t.Any,
    ) -> None:
        """Serve the app with werkzeug's development server (not for
        production: use a WSGI server such as gunicorn).

        Does nothing when called while the ``framework`` command runs the
        app's module (``FRAMEWORK_RUN_FROM_CLI`` is set): keep the call
        under ``if __name__ == "__main__":``.

        :param host: the interface to listen on; ``127.0.0.1`` by default.
        :param port: the port; ``5000`` by default, or the one in
            ``SERVER_NAME``.
        :param debug: enable debug mode (reloader and debugger).
        :param load_dotenv: load ``.env``, ``.frameworkenv`` and
            ``.flaskenv`` first (with python-dotenv), and take debug mode
            from ``FRAMEWORK_DEBUG`` or ``FLASK_DEBUG`` when set.
        :param idle_timeout: close a connection that sends or reads nothing
            for this many seconds (``framework run --idle-timeout``); ``0``
            or ``None`` for never. Added to the ``request_handler`` option
            when one is given (see :func:`framework.devserver.idle_timeout_options`).
        :param options: passed to :func:`werkzeug.serving.run_simple`.
            With ``threaded=False`` (and no ``processes``) a warning says
            that one slow client blocks every other.
        :raises ValueError: when ``idle_timeout`` is negative, infinite or
            NaN.
        """
        from werkzeug.serving import is_running_from_reloader, run_simple

        from .. import cli, devserver

        if env_setting("RUN_FROM_CLI") == "true":
            if not is_running_from_reloader():
                print(
                    " * Ignoring app.run(): the 'framework' command is already"
                    " serving or running this app. Call app.run() only under"
                    ' if __name__ == "__main__":',
                    file=sys.stderr,
                )
            return
        if get_load_dotenv(load_dotenv):
            cli.load_dotenv()
            if env_setting("DEBUG") is not None:
                self.debug = get_debug_flag()
        if debug is not None:
            self.debug = bool(debug)
        # An explicit host or port wins, then SERVER_NAME's; 0 is a port
        # (the system picks a free one), not a missing value.
        name_host, _, name_port = (self.config.get("SERVER_NAME") or "").partition(":")
        host = host or name_host or "127.0.0.1"
        port = int(port if port is not None else name_port or 5000)
        options.setdefault("use_reloader", self.debug)
        options.setdefault("use_debugger", self.debug)
        options.setdefault("threaded", True)
        options = devserver.idle_timeout_options(idle_timeout, options)
        one_at_a_time = not options["threaded"] and options.get("processes", 1) <= 1
        if one_at_a_time and not is_running_from_reloader():
            print(devserver.single_thread_warning(idle_timeout), file=sys.stderr)
        cli.show_server_banner(self.debug, self.name)
        run_simple(host, port, t.cast("WSGIApplication", self), **options)
