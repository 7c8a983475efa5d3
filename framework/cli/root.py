"""The root ``framework`` command: :class:`~framework.cli.FrameworkGroup`
and its instance :data:`cli`, both importable from :mod:`framework.cli`.

Layer 4. Its options (``--env-file``, ``--app``, ``--debug``,
``--version``) act before a command loads the app; its commands are the
built-in ones, those installed packages add through entry points, and the
app's own.
"""

from __future__ import annotations

import collections.abc as cabc
import importlib.util
import traceback
import typing as t
from importlib import metadata

import click

from ..app import App
from ..ctx import has_app_context
from ..globals import current_app
from .commands import routes_command, run_command, serve_command, shell_command
from .environment import _flask_alias_active, export_env, load_dotenv
from .groups import AppGroup, EnvOption, read_both_spellings
from .loading import NoAppException, ScriptInfo
from .params import _set_debug
from .version import get_version

__all__ = ["FrameworkGroup", "cli", "main"]


#: The entry-point group installed packages add commands through.
PLUGIN_GROUP = "framework.commands"
#: Flask extensions' entry-point group (Flask-Limiter's ``limiter``,
#: Flask-AppBuilder's ``fab``...), read once the Flask alias is active:
#: loading those commands earlier would import Flask itself.
FLASK_PLUGIN_GROUP = "flask.commands"


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value


def _load_env_file(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    if value is not None and importlib.util.find_spec("dotenv") is None:
        raise click.BadParameter(
            "python-dotenv must be installed to load an env file"
            " (pip install python-dotenv: the 'dotenv' extra).",
            ctx,
            param,
        )
    # FRAMEWORK_SKIP_DOTENV skips the default files only, never --env-file.
    defaults = ctx.ensure_object(ScriptInfo).load_dotenv_defaults
    if value is not None or defaults:
        load_dotenv(value, load_defaults=defaults)
    return value


# Options of the root group, eager so that they act before a command (or
# --help) loads the app: --env-file first, as it may set FRAMEWORK_APP.
_env_file_option = EnvOption(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file (needs python-dotenv).",
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)
_app_option = EnvOption(
    ["-A", "--app"],
    metavar="IMPORT",
    help=(
        "The app to load, as 'module', 'module:name' or"
        " 'module:create_app(args)'; FRAMEWORK_APP (or FLASK_APP) when not"
        " given, then wsgi.py or app.py in the current folder."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)
_debug_option = EnvOption(
    ["--debug/--no-debug"],
    default=None,
    help="Turn debug mode on or off (sets FRAMEWORK_DEBUG).",
    expose_value=False,
    callback=_set_debug,
)
_version_option = click.Option(
    ["--version"],
    help="Show the versions of Python, framework and Werkzeug, and exit.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


class FrameworkGroup(AppGroup):
    """The root ``framework`` group: ``--app``, ``--debug``, ``--env-file``
    and ``--version``, the built-in commands, plugin commands from the
    ``framework.commands`` entry-point group, and the app's own commands.

    :param add_default_commands: add ``run``, ``serve``, ``shell`` and
        ``routes``.
    :param create_app: a function returning the app, for a custom script.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load ``.env``, ``.frameworkenv`` and ``.flaskenv``.
    :param set_debug_flag: set ``app.debug`` from ``FRAMEWORK_DEBUG`` (or
        ``FLASK_DEBUG``).
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., App] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        ours: list[click.Parameter] = [_env_file_option, _app_option, _debug_option]
        if add_version_option:
            ours.append(_version_option)
        extra["params"] = [*(extra.get("params") or ()), *ours]
        settings = extra.setdefault("context_settings", {})
        settings.setdefault("auto_envvar_prefix", "FRAMEWORK")
        super().__init__(**extra)
        read_both_spellings(self)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            for command in (run_command, serve_command, shell_command, routes_command):
                self.add_command(command)
        self._plugins_loaded = False
        self._flask_plugins_loaded = False

    def _add_plugin_commands(self) -> None:
        """Add the commands of installed packages' entry points, on first
        need rather than at import, which would slow every command. Flask
        extensions' commands (:data:`FLASK_PLUGIN_GROUP`) join once the
        Flask alias is active, usually after the app's module installed it;
        a name taken already keeps its command."""
        groups = []
        if not self._plugins_loaded:
            self._plugins_loaded = True
            groups.append((PLUGIN_GROUP, True))
        if not self._flask_plugins_loaded and _flask_alias_active():
            self._flask_plugins_loaded = True
            groups.append((FLASK_PLUGIN_GROUP, False))
        for group, replace in groups:
            for entry in metadata.entry_points(group=group):
                if replace or entry.name not in self.commands:
                    self.add_command(entry.load(), entry.name)

    def _app_commands(self, ctx: click.Context) -> click.Group | None:
        """The app's command group, or ``None`` (after printing why) when the
        app can't be found."""
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as e:
            click.secho(f"Error: {e.format_message()}\n", err=True, fg="red")
            return None
        # App commands, their parameters' callbacks included, run in the
        # app's context without asking for it.
        active = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
        if active is not app:
            ctx.with_resource(app.app_context())
        return app.cli

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        self._add_plugin_commands()
        # Built-in and plugin commands work even when the app is broken.
        command = super().get_command(ctx, name)
        if command is not None or ctx.resilient_parsing:
            return command
        group = self._app_commands(ctx)
        self._add_plugin_commands()  # the app may have installed the alias
        command = super().get_command(ctx, name)
        if command is not None or group is None:
            return command
        return read_both_spellings(group.get_command(ctx, name))

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._add_plugin_commands()
        names = set(super().list_commands(ctx))
        try:
            group = self._app_commands(ctx)
        except Exception:
            # The help still lists the built-in commands; show why the app's
            # are missing, whatever went wrong in its code.
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        else:
            if group is not None:
                names.update(group.list_commands(ctx))
        self._add_plugin_commands()  # the app may have installed the alias
        names.update(super().list_commands(ctx))
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # app.run() inside the app's module must not start a second server.
        export_env("RUN_FROM_CLI", "true")
        if "obj" not in self.context_settings:
            extra.setdefault(
                "obj",
                ScriptInfo(
                    create_app=self.create_app,
                    set_debug_flag=self.set_debug_flag,
                    load_dotenv_defaults=self.load_dotenv,
                ),
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        help_only = len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        if help_only or (not args and self.no_args_is_help):
            # The help lists the app's commands: read the env files and
            # FRAMEWORK_APP now, as no option callback runs before it.
            for option in (_env_file_option, _app_option):
                option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


#: The ``framework`` command.
cli = FrameworkGroup(
    name="framework",
    help="""\
A command line for framework apps.

Tell it which app to load with the --app option, or the FRAMEWORK_APP
(or FLASK_APP) environment variable; without either, wsgi.py or app.py in
the current folder is used. Variables in .env, .frameworkenv and .flaskenv
are loaded first when python-dotenv is installed.
""",
)


def main(args: cabc.Sequence[str] | None = None) -> None:
    """Run the ``framework`` command: the console script's entry point, and
    what ``python -m framework`` and ``python -m framework.cli`` run. The
    usage line says ``framework`` however it was started."""
    cli.main(args=args, prog_name="framework")
