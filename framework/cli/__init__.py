"""The ``framework`` command line.

Layer 4. ``framework --app APP COMMAND`` finds the application (see
:func:`locate_app`), then runs one of the built-in commands (``run``,
``serve``, ``shell``, ``routes``), a command an installed package adds through the
``framework.commands`` entry-point group, or a command of ``app.cli``.

Commands of an :class:`AppGroup` run inside an app context; use
:func:`with_appcontext` for a plain click command that needs one.

Every name below is importable from ``framework.cli``, as Flask's are from
``flask.cli``; each lives in a module with one job:

=============================  =================================================
:mod:`~framework.cli.loading`  finding and loading the app (:class:`ScriptInfo`)
:mod:`~.environment`           dotenv files, settings written to the environment
:mod:`~.groups`                :class:`AppGroup`, :class:`EnvOption`
:mod:`~.params`                parameters the commands share, ``--cert``
:mod:`~.version`               ``--version``
:mod:`~.commands`              ``run``, ``serve``, ``shell``, ``routes``
:mod:`~.root`                  the ``framework`` command, :class:`FrameworkGroup`
=============================  =================================================
"""

from __future__ import annotations

import click as click
from click.core import ParameterSource as ParameterSource
from werkzeug.serving import is_running_from_reloader as is_running_from_reloader

from ..config import get_debug_flag, get_load_dotenv
from ..config import import_string as import_string
from ..globals import current_app as current_app
from .commands import (
    debugger_exposure_warning,
    routes_command,
    run_command,
    serve_command,
    shell_command,
    show_server_banner,
)
from .environment import DOTENV_FILES, export_env, load_dotenv
from .groups import AppGroup, EnvOption, read_both_spellings, with_appcontext
from .loading import APP_NAMES as APP_NAMES
from .loading import FACTORY_NAMES as FACTORY_NAMES
from .loading import (
    NoAppException,
    ScriptInfo,
    find_app_by_string,
    find_best_app,
    locate_app,
    pass_script_info,
    prepare_import,
)
from .params import CertParamType, SeparatedPathType
from .root import FLASK_PLUGIN_GROUP as FLASK_PLUGIN_GROUP
from .root import PLUGIN_GROUP as PLUGIN_GROUP
from .root import FrameworkGroup, cli, main
from .version import FLASK_API
from .version import get_version as get_version

# The names imported "as" themselves stay importable from here as before,
# outside __all__ and the docs: Flask's flask.cli has get_version, click,
# current_app and the others too, and extensions import them from it
# (flask-openapi3: from flask.cli import click).
__all__ = [
    "DOTENV_FILES",
    "FLASK_API",
    "AppGroup",
    "CertParamType",
    "EnvOption",
    "FrameworkGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "cli",
    "debugger_exposure_warning",
    "export_env",
    "find_app_by_string",
    "find_best_app",
    "get_debug_flag",
    "get_load_dotenv",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "read_both_spellings",
    "routes_command",
    "run_command",
    "serve_command",
    "shell_command",
    "show_server_banner",
    "with_appcontext",
]
