"""``framework shell``: an interactive Python shell in the app context.

Layer 4.
"""

from __future__ import annotations

import code
import os
import pathlib
import sys
import typing as t

import click

from ...app import App
from ...globals import current_app
from ..groups import with_appcontext

__all__ = ["shell_command"]


def _shell_namespace(app: App) -> dict[str, t.Any]:
    """The names the shell starts with: those the PYTHONSTARTUP file
    defines, as in the standard interpreter, then the app's shell context,
    which wins."""
    namespace: dict[str, t.Any] = {}
    startup = pathlib.Path(os.environ.get("PYTHONSTARTUP") or "")
    if startup.name and startup.is_file():
        exec(compile(startup.read_text(), str(startup), "exec"), namespace)
    return namespace | app.make_shell_context()


def _offer_completion(namespace: dict[str, t.Any]) -> None:
    """Tab completion over ``namespace`` and history, on a terminal where
    the readline module exists."""
    hook = getattr(sys, "__interactivehook__", None)
    if hook is None or not sys.stdin.isatty():
        return
    try:
        import readline
        from rlcompleter import Completer
    except ImportError:
        return
    hook()
    readline.set_completer(Completer(namespace).complete)


@click.command("shell", short_help="Run a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Start an interactive Python shell with the app context pushed.

    The names app and g are defined, and those of the app's shell context
    processors. Reads PYTHONSTARTUP like the standard interpreter.
    """
    app: App = current_app._get_current_object()  # type: ignore[attr-defined]
    namespace = _shell_namespace(app)
    _offer_completion(namespace)
    header = [
        f"Python {sys.version} on {sys.platform}",
        f"App: {app.name}",
        f"Instance: {app.instance_path}",
    ]
    code.interact(banner="\n".join(header), local=namespace, exitmsg="")
