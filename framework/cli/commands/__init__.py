"""The built-in commands: ``run``, ``serve``, ``shell`` and ``routes``.

Layer 4. A module each; :class:`~framework.cli.FrameworkGroup` adds them
unless told not to.
"""

from __future__ import annotations

from .routes import routes_command
from .run import debugger_exposure_warning, run_command, show_server_banner
from .serve import serve_command
from .shell import shell_command

__all__ = [
    "debugger_exposure_warning",
    "routes_command",
    "run_command",
    "serve_command",
    "shell_command",
    "show_server_banner",
]
