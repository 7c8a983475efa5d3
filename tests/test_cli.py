"""The ``framework`` command line: app discovery, its errors, the built-in
commands, app and blueprint command groups, dotenv files, and one real
development server started in a subprocess."""

from __future__ import annotations

import itertools
import os
import pathlib
import platform
import shutil
import ssl
import subprocess
import sys
import textwrap
import time
import typing as t
import urllib.error
import urllib.request
from importlib import metadata

import click
import pytest
from click.testing import CliRunner
from processes import free_port
from servers import ServerProcess, server_environment

from framework import App, Blueprint, current_app, g
from framework.cli import (
    AppGroup,
    FrameworkGroup,
    NoAppException,
    ScriptInfo,
    cli,
    debugger_exposure_warning,
    find_app_by_string,
    find_best_app,
    load_dotenv,
    locate_app,
    prepare_import,
    run_command,
    with_appcontext,
)
from framework.testing import AppCliRunner

_ENV = (
    *("FRAMEWORK_APP", "FRAMEWORK_DEBUG", "FRAMEWORK_RUN_FROM_CLI"),
    *("FLASK_APP", "FLASK_DEBUG", "FLASK_RUN_FROM_CLI", "FLASK_SKIP_DOTENV"),
    *("FRAMEWORK_SKIP_DOTENV", "PYTHONSTARTUP"),
)
_counter = itertools.count()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI writes to os.environ (FRAMEWORK_RUN_FROM_CLI, FRAMEWORK_DEBUG)
    and reads Flask's names too: restore it after each test, and skip the
    repository's dotenv files unless a test asks for them."""
    for name in _ENV:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("FRAMEWORK_SKIP_DOTENV", "1")
    monkeypatch.setattr(sys, "path", list(sys.path))


@pytest.fixture
def make_module(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> t.Iterator[t.Callable[[str], str]]:
    """Write a module into tmp_path (the current folder) and return its
    unique name; the modules are forgotten after the test."""
    monkeypatch.chdir(tmp_path)
    names: list[str] = []

    def make(source: str, name: str | None = None) -> str:
        name = name or f"cli_app_{next(_counter)}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        names.append(name)
        return name

    yield make
    for name in names:
        sys.modules.pop(name, None)


def run(*args: str, **kwargs: t.Any) -> click.testing.Result:
    return CliRunner().invoke(cli, list(args), **kwargs)


APP_SOURCE = """
from framework import App

{name} = App("{label}")

@{name}.get("/")
def index():
    return "hello"
"""


# -- discovery -------------------------------------------------------------


@pytest.mark.parametrize("attribute", ["app", "application", "web"])
def test_discover_module_attribute(
    make_module: t.Callable[..., str], attribute: str
) -> None:
    name = make_module(APP_SOURCE.format(name=attribute, label="found"))
    info = ScriptInfo(app_import_path=name)
    assert info.load_app().name == "found"


@pytest.mark.parametrize("factory", ["create_app", "make_app"])
def test_discover_factory(make_module: t.Callable[..., str], factory: str) -> None:
    name = make_module(
        f"""
        from framework import App

        def {factory}():
            return App("made")
        """
    )
    assert ScriptInfo(app_import_path=name).load_app().name == "made"


def test_discover_by_name_and_call(make_module: t.Callable[..., str]) -> None:
    name = make_module(
        """
        from framework import App

        first = App("first")
        second = App("second")

        def build(label, *, suffix=""):
            return App(label + suffix)
        """
    )
    assert ScriptInfo(app_import_path=f"{name}:second").load_app().name == "second"
    info = ScriptInfo(app_import_path=f"{name}:build('x', suffix='y')")
    assert info.load_app().name == "xy"
    # A function named without a call is called without arguments.
    with pytest.raises(NoAppException, match="could not call it"):
        ScriptInfo(app_import_path=f"{name}:build").load_app()


def test_discover_file_path(tmp_path: pathlib.Path) -> None:
    package = tmp_path / "cli_pkg_path"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "web.py").write_text(APP_SOURCE.format(name="app", label="in-pkg"))
    try:
        info = ScriptInfo(app_import_path=str(package / "web.py"))
        assert info.load_app().name == "in-pkg"
        assert str(tmp_path) in sys.path
    finally:
        sys.modules.pop("cli_pkg_path.web", None)
        sys.modules.pop("cli_pkg_path", None)


@pytest.mark.parametrize("variable", ["FRAMEWORK_APP", "FLASK_APP"])
def test_discover_env_var(
    make_module: t.Callable[..., str], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    name = make_module(APP_SOURCE.format(name="app", label="from-env"))
    monkeypatch.setenv(variable, name)
    result = run("routes")
    assert result.exit_code == 0, result.output
    assert "index" in result.output


def test_framework_app_wins_over_flask_app(
    make_module: t.Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = """
        import click
        from framework import App

        app = App("{label}")

        @app.cli.command()
        def which():
            click.echo(app.name)
        """
    monkeypatch.setenv("FLASK_APP", make_module(source.format(label="flasks")))
    monkeypatch.setenv("FRAMEWORK_APP", make_module(source.format(label="ours")))
    assert run("which").output == "ours\n"


@pytest.mark.parametrize("filename", ["wsgi", "app"])
def test_discover_file_in_cwd(make_module: t.Callable[..., str], filename: str) -> None:
    make_module(APP_SOURCE.format(name="app", label="cwd"), name=filename)
    assert ScriptInfo().load_app().name == "cwd"


def test_discover_functions_directly(make_module: t.Callable[..., str]) -> None:
    name = make_module(APP_SOURCE.format(name="app", label="direct"))
    app = locate_app(prepare_import(f"{name}.py"), None)
    module = sys.modules[name]
    assert find_best_app(module) is app
    assert find_app_by_string(module, "app") is app
    assert locate_app("cli_no_such_module", None, raise_if_not_found=False) is None


def test_create_app_wins(make_module: t.Callable[..., str]) -> None:
    app = App("given")
    assert ScriptInfo(create_app=lambda: app).load_app() is app


# -- discovery errors ------------------------------------------------------

ERRORS = {
    "missing module": (
        "",
        "cli_no_such_module",
        "Could not import 'cli_no_such_module'",
    ),
    "missing attribute": (
        APP_SOURCE.format(name="app", label="x"),
        "{name}:nothing",
        "has no attribute 'nothing'",
    ),
    "not an app": ("value = 3\n", "{name}:value", "gave 3, not an App"),
    "several apps": (
        "from framework import App\na = App('a')\nb = App('b')\n",
        "{name}",
        "Found several apps",
    ),
    "empty module": ("x = 1\n", "{name}", "tried the attributes 'app'"),
    "factory returns None": (
        "def create_app():\n    return None\n",
        "{name}",
        "returned None, not an App",
    ),
    "non-literal argument": (
        "def create_app(x):\n    pass\n",
        "{name}:create_app(os.sep)",
        "must be Python literals",
    ),
    "unpacked keywords": (
        "def create_app(**kw):\n    pass\n",
        "{name}:create_app(**{{'a': 1}})",
        "must be Python literals",
    ),
    "unpacked positionals": (
        "def create_app(*a):\n    pass\n",
        "{name}:create_app(*[1])",
        "must be Python literals",
    ),
    "not a call": ("", "{name}:a.b", "is not an attribute name"),
    "bad syntax": ("", "{name}:create_app(", "Could not parse"),
    "call of a non-function": ("x = 1\n", "{name}:x()", "is not a function"),
}


@pytest.mark.parametrize("case", ERRORS, ids=list(ERRORS))
def test_bad_app_is_one_line(make_module: t.Callable[..., str], case: str) -> None:
    source, target, message = ERRORS[case]
    name = make_module(source)
    result = run("--app", target.format(name=name), "routes")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr


def test_no_app_anywhere(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("routes")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "Error: Could not locate an app: no --app option, no FRAMEWORK_APP (or"
        " FLASK_APP) environment variable, and no wsgi.py or app.py in"
        f" {tmp_path}. Use '--app module' or 'module:name'."
    ]


def test_unknown_command_with_bad_app(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("--app", "cli_no_such_module", "custom")
    assert result.exit_code == 2
    # Why the app's commands are missing, then click's usage and its error.
    assert "Could not import 'cli_no_such_module'" in result.stderr
    assert "Usage: framework" in result.stderr
    assert "No such command 'custom'" in result.stderr


def test_unknown_command_without_app_names_the_variables(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("custom")
    assert result.exit_code == 2
    assert "FRAMEWORK_APP (or FLASK_APP)" in result.stderr
    assert "Usage:" in result.stderr


def test_help_lists_builtins_when_app_is_missing(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("--help")
    assert result.exit_code == 0
    for command in ("run", "shell", "routes"):
        assert command in result.stdout
    assert "Could not locate an app" in result.stderr
    assert "FRAMEWORK_APP (or FLASK_APP)" in result.stderr


def test_help_lists_the_app_commands_from_the_environment(
    make_module: t.Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_module(
        """
        from framework import App

        app = App("helped")

        @app.cli.command()
        def greet():
            "Say hello."
        """
    )
    monkeypatch.setenv("FRAMEWORK_APP", name)
    result = run("--help")
    assert result.exit_code == 0
    assert "greet" in result.stdout
    assert result.stderr == ""


def test_import_error_inside_the_module_shows_where(
    make_module: t.Callable[..., str],
) -> None:
    name = make_module(
        """
        x = 1
        import cli_missing_dependency
        """
    )
    result = run("--app", name, "routes")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: While importing '{name}', an ImportError was raised inside it:"
    )
    assert "Traceback (most recent call last):" in result.stderr
    # The user's file and line, and the line itself; not the import system.
    assert f'{name}.py", line 3, in <module>' in result.stderr
    assert "import cli_missing_dependency" in result.stderr
    assert "No module named 'cli_missing_dependency'" in result.stderr
    assert "importlib" not in result.stderr
    assert "framework/cli/" not in result.stderr


def test_import_error_raised_by_the_module_itself(
    make_module: t.Callable[..., str],
) -> None:
    name = make_module("raise ImportError('needs a newer thing')\n")
    result = run("--app", name, "routes")
    assert result.exit_code == 2
    assert "an ImportError was raised inside it" in result.stderr
    assert f'{name}.py", line 1' in result.stderr
    assert "ImportError: needs a newer thing" in result.stderr


def test_missing_package_of_a_dotted_app_is_not_found(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("--app", "cli_no_pkg.web", "routes")
    assert result.exit_code == 2
    assert "Could not import 'cli_no_pkg.web'" in result.stderr
    assert "Traceback" not in result.stderr


def test_error_inside_module_is_not_hidden(make_module: t.Callable[..., str]) -> None:
    name = make_module("raise RuntimeError('broken module')\n")
    result = run("--app", name, "routes")
    assert result.exit_code == 1
    assert isinstance(result.exception, RuntimeError)


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"Python {platform.python_version()}"
    assert lines[1] == f"framework {metadata.version('framework')}"
    assert lines[2] == f"Werkzeug {metadata.version('werkzeug')}"
    # The Flask API level provided, and the Flask package that extensions
    # pulled in (which the framework does not use).
    assert lines[3] == f"Flask API 3.1 (installed: Flask {metadata.version('flask')})"


def _all_commands() -> t.Iterator[tuple[str, click.Command]]:
    ctx = click.Context(cli)
    yield "framework", cli
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        yield name, command


def test_help_has_no_rest_markup(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, command in _all_commands():
        ctx = click.Context(command, info_name=name)
        text = command.get_help(ctx) + (command.get_short_help_str() or "")
        for markup in ("``", ":func:", ":class:", ":meth:", ":param"):
            assert markup not in text, (name, text)


@pytest.mark.parametrize("module", ["framework", "framework.cli"])
def test_usage_says_framework_under_python_m(
    tmp_path: pathlib.Path, module: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _ENV}
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: framework [OPTIONS] COMMAND")


def test_names_flask_cli_has_from_its_imports_stay_importable() -> None:
    # Flask extensions import them from flask.cli, which is framework.cli
    # under the alias (flask-openapi3: from flask.cli import click).
    import werkzeug.serving
    from click.core import ParameterSource

    import framework.cli
    from framework.config import get_debug_flag, import_string

    assert framework.cli.click is click
    assert framework.cli.current_app is current_app
    assert framework.cli.get_debug_flag is get_debug_flag
    assert framework.cli.import_string is import_string
    assert framework.cli.ParameterSource is ParameterSource
    running = werkzeug.serving.is_running_from_reloader
    assert framework.cli.is_running_from_reloader is running


# -- routes ------------------------------------------------------------------


@pytest.fixture
def routes_app() -> App:
    app = App("routes_app", static_folder=None)

    @app.post("/b")
    def zeta() -> str:
        return ""

    @app.route("/a", methods=["GET", "PUT"])
    def alpha() -> str:
        return ""

    return app


def test_routes_table(routes_app: App) -> None:
    result = routes_app.test_cli_runner().invoke(cli, ["routes"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Endpoint  Methods   Rule",
        "--------  --------  ----",
        "alpha     GET, PUT  /a",
        "zeta      POST      /b",
    ]


@pytest.mark.parametrize(
    ("sort", "first"),
    [("endpoint", "alpha"), ("methods", "alpha"), ("rule", "alpha"), ("match", "zeta")],
)
def test_routes_sort(routes_app: App, sort: str, first: str) -> None:
    result = routes_app.test_cli_runner().invoke(cli, ["routes", "--sort", sort])
    assert result.output.splitlines()[2].startswith(first)


def test_routes_all_methods(routes_app: App) -> None:
    runner = routes_app.test_cli_runner()
    assert "HEAD" not in runner.invoke(cli, ["routes"]).output
    output = runner.invoke(cli, ["routes", "--all-methods"]).output
    assert "GET, HEAD, OPTIONS, PUT" in output


def test_routes_subdomain_column() -> None:
    app = App("subdomains", static_folder=None, subdomain_matching=True)
    app.add_url_rule("/", "api", lambda: "", subdomain="api")
    output = app.test_cli_runner().invoke(cli, ["routes", "-s", "domain"]).output
    assert output.splitlines()[0] == "Endpoint  Methods  Subdomain  Rule"
    assert "api       GET      api        /" in output


def test_routes_none() -> None:
    app = App("empty", static_folder=None)
    result = app.test_cli_runner().invoke(cli, ["routes"])
    assert result.output == "No routes were registered.\n"


# -- shell -------------------------------------------------------------------


def test_shell_namespace_and_context() -> None:
    app = App("shell_app")

    @app.shell_context_processor
    def extra() -> dict[str, t.Any]:
        return {"answer": 42}

    code = "print(app.name, answer, g._get_current_object() is not None)\n"
    result = app.test_cli_runner().invoke(cli, ["shell"], input=code)
    assert result.exit_code == 0, result.output
    assert "shell_app 42 True" in result.stdout
    assert "App: shell_app" in result.stderr


def test_shell_startup_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    startup = tmp_path / "startup.py"
    startup.write_text("from_startup = 'yes'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    app = App("shell_app")
    result = app.test_cli_runner().invoke(cli, ["shell"], input="print(from_startup)\n")
    assert "yes" in result.stdout


def test_make_shell_context() -> None:
    app = App("shell_app")
    app.shell_context_processor(lambda: {"x": 1})
    with app.app_context():
        namespace = app.make_shell_context()
    assert namespace["app"] is app
    assert namespace["g"] is g
    assert namespace["x"] == 1


# -- app and blueprint commands ------------------------------------------------


def test_app_command_runs_in_app_context() -> None:
    app = App("commands")

    @app.cli.command()
    @click.argument("who")
    def hello(who: str) -> None:
        click.echo(f"hello {who} from {current_app.name}")

    @app.cli.command
    def bare() -> None:
        click.echo(current_app.name)

    runner = app.test_cli_runner()
    assert isinstance(runner, AppCliRunner)
    assert isinstance(app.cli, AppGroup)
    assert runner.invoke(args=["hello", "you"]).output == "hello you from commands\n"
    assert runner.invoke(args="bare").output == "commands\n"


def test_app_command_through_framework_group(make_module: t.Callable[..., str]) -> None:
    name = make_module(
        """
        import click
        from framework import App, current_app

        app = App("custom")

        @app.cli.command("greet")
        def greet():
            click.echo("greetings from " + current_app.name)
        """
    )
    result = run("--app", name, "greet")
    assert result.exit_code == 0, result.output
    assert result.output == "greetings from custom\n"
    assert "greet" in run("--app", name, "--help").output


def test_app_command_without_app_context() -> None:
    app = App("commands")

    @app.cli.command(with_appcontext=False)
    def plain() -> None:
        from framework import has_app_context

        click.echo(str(has_app_context()))

    assert app.test_cli_runner().invoke(args=["plain"]).output == "False\n"


def test_app_subgroup() -> None:
    app = App("commands")

    @app.cli.group()
    def db() -> None:
        pass

    @db.command()
    def init() -> None:
        click.echo(f"init {current_app.name}")

    assert isinstance(db, AppGroup)
    assert app.test_cli_runner().invoke(args=["db", "init"]).output == "init commands\n"


def test_with_appcontext_on_plain_command() -> None:
    app = App("plain")

    @click.command()
    @with_appcontext
    def which() -> None:
        click.echo(current_app.name)

    result = app.test_cli_runner().invoke(which)
    assert result.output == "plain\n"


@pytest.mark.parametrize(
    ("cli_group", "options", "args"),
    [
        (..., {}, ["users", "add"]),
        ("people", {}, ["people", "add"]),
        (None, {}, ["add"]),
        ("people", {"cli_group": "staff"}, ["staff", "add"]),
    ],
)
def test_blueprint_commands(
    cli_group: t.Any, options: dict[str, t.Any], args: list[str]
) -> None:
    kwargs = {} if cli_group is ... else {"cli_group": cli_group}
    bp = Blueprint("users", __name__, **kwargs)

    @bp.cli.command("add")
    def add() -> None:
        click.echo(f"added in {current_app.name}")

    app = App("bp_app")
    app.register_blueprint(bp, **options)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert result.output == "added in bp_app\n"


def test_blueprint_without_commands_adds_no_group() -> None:
    bp = Blueprint("quiet", __name__)
    app = App("bp_app")
    app.register_blueprint(bp)
    assert "cli" not in bp.__dict__
    assert app.cli.commands == {}


def test_plugin_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    @click.command()
    def plugin() -> None:
        click.echo("from a plugin")

    class EntryPoint:
        name = "plugged"

        def load(self) -> click.Command:
            return plugin

    groups: list[str] = []

    def entry_points(group: str) -> list[EntryPoint]:
        groups.append(group)
        return [EntryPoint()]

    monkeypatch.setattr("importlib.metadata.entry_points", entry_points)
    group = FrameworkGroup(create_app=lambda: App("plugins"))
    result = CliRunner().invoke(group, ["plugged"])
    assert result.output == "from a plugin\n"
    assert groups == ["framework.commands"]


# -- debug and dotenv ------------------------------------------------------------


def test_debug_flag(make_module: t.Callable[..., str]) -> None:
    name = make_module(
        """
        import click
        from framework import App, current_app

        app = App("debugged")

        @app.cli.command()
        def mode():
            click.echo(str(current_app.debug))
        """
    )
    assert run("--app", name, "--debug", "mode").output == "True\n"
    assert os.environ["FRAMEWORK_DEBUG"] == "1"
    assert run("--app", name, "--no-debug", "mode").output == "False\n"


def test_env_files(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("CLI_A", "CLI_B", "CLI_C", "CLI_SET"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setenv("CLI_SET", "kept")
    (tmp_path / ".frameworkenv").write_text("CLI_A=public\nCLI_B=public\n")
    (tmp_path / ".env").write_text("CLI_B=private\nCLI_SET=overwritten\n")
    (tmp_path / "extra.env").write_text("CLI_C=extra\nCLI_A=extra\n")
    assert load_dotenv("extra.env")
    assert os.environ["CLI_A"] == "extra"
    assert os.environ["CLI_B"] == "private"
    assert os.environ["CLI_C"] == "extra"
    assert os.environ["CLI_SET"] == "kept"


def test_env_files_flask_spelling(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("CLI_A", "CLI_B", "CLI_C"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    (tmp_path / ".flaskenv").write_text("CLI_A=flask\nCLI_B=flask\nCLI_C=flask\n")
    (tmp_path / ".frameworkenv").write_text("CLI_B=framework\nCLI_C=framework\n")
    (tmp_path / ".env").write_text("CLI_C=private\n")
    assert load_dotenv()
    # .env wins over .frameworkenv, which wins over .flaskenv.
    assert (os.environ["CLI_A"], os.environ["CLI_B"], os.environ["CLI_C"]) == (
        "flask",
        "framework",
        "private",
    )


def test_load_dotenv_without_files(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert not load_dotenv("no-such-file", load_defaults=False)


@pytest.mark.parametrize("variable", ["FRAMEWORK_SKIP_DOTENV", "FLASK_SKIP_DOTENV"])
def test_skip_dotenv_either_spelling(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FRAMEWORK_SKIP_DOTENV")
    monkeypatch.setenv(variable, "1")
    monkeypatch.setenv("CLI_SKIPPED", "")
    monkeypatch.delenv("CLI_SKIPPED")
    (tmp_path / ".flaskenv").write_text("CLI_SKIPPED=loaded\n")
    (tmp_path / ".env").write_text("CLI_SKIPPED=loaded\n")
    run("--help")
    assert "CLI_SKIPPED" not in os.environ
    monkeypatch.setenv(variable, "0")
    run("--help")
    assert os.environ["CLI_SKIPPED"] == "loaded"


def test_debug_flag_keeps_the_other_spelling_in_step(
    make_module: t.Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = make_module(
        """
        import click
        from framework import App, current_app

        app = App("stepped")

        @app.cli.command()
        def mode():
            click.echo(str(current_app.debug))
        """
    )
    # A stale FLASK_DEBUG must not undo --no-debug.
    monkeypatch.setenv("FLASK_DEBUG", "1")
    assert run("--app", name, "--no-debug", "mode").output == "False\n"
    assert os.environ["FRAMEWORK_DEBUG"] == os.environ["FLASK_DEBUG"] == "0"


ALIAS_SCRIPT = """
import os
import framework.compat.flask

framework.compat.flask.install()
import flask
from click.testing import CliRunner

app = flask.Flask("aliased")
runner = CliRunner()
result = runner.invoke(flask.cli.cli, ["--debug", "routes"], obj=flask.cli.ScriptInfo(
    create_app=lambda: app))
print(result.exit_code, sorted(k for k in os.environ if k.endswith(
    ("_DEBUG", "_RUN_FROM_CLI"))), os.environ.get("FLASK_DEBUG"))
"""


def test_under_the_flask_alias_the_command_writes_flask_names(
    tmp_path: pathlib.Path,
) -> None:
    # The alias is process-wide: a subprocess keeps it out of this one.
    env = {k: v for k, v in os.environ.items() if k not in _ENV}
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", ALIAS_SCRIPT],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == ("0 ['FLASK_DEBUG', 'FLASK_RUN_FROM_CLI'] 1")


def test_env_file_option_and_skip(
    make_module: t.Callable[..., str],
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("CLI_DEFAULT", "CLI_OPTION"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    name = make_module(
        """
        import os
        import click
        from framework import App

        app = App("envs")

        @app.cli.command()
        def show():
            click.echo(os.environ.get("CLI_DEFAULT", "-"))
            click.echo(os.environ.get("CLI_OPTION", "-"))
        """
    )
    (tmp_path / ".env").write_text("CLI_DEFAULT=default\n")
    (tmp_path / "my.env").write_text("CLI_OPTION=option\n")
    # FRAMEWORK_SKIP_DOTENV (set by the fixture) skips .env, not --env-file.
    result = run("--env-file", "my.env", "--app", name, "show")
    assert result.output == "-\noption\n"
    monkeypatch.delenv("FRAMEWORK_SKIP_DOTENV")
    result = run("--app", name, "show")
    assert result.output == "default\noption\n"


def test_app_from_dotenv(
    make_module: t.Callable[..., str],
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FRAMEWORK_SKIP_DOTENV")
    name = make_module(APP_SOURCE.format(name="app", label="dotenv"))
    (tmp_path / ".frameworkenv").write_text(f"FRAMEWORK_APP={name}\n")
    result = run("routes")
    assert result.exit_code == 0, result.output
    assert "index" in result.output


# -- run: options -------------------------------------------------------------------


def run_context(*args: str) -> click.Context:
    """The context ``framework run ARGS`` would run in: its options parsed
    and checked (environment variables included), no server started."""
    parent = cli.make_context("framework", ["run"])
    return run_command.make_context("run", list(args), parent=parent)


def test_run_defaults() -> None:
    params = run_context().params
    assert (params["host"], params["port"]) == ("127.0.0.1", 5000)
    assert params["reload"] is None  # follows debug mode
    assert params["debugger"] is None
    assert params["with_threads"] is True
    assert params["cert"] is None


@pytest.mark.parametrize("prefix", ["FRAMEWORK_RUN_", "FLASK_RUN_"])
def test_run_options_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, prefix: str
) -> None:
    monkeypatch.setenv(f"{prefix}PORT", "8123")
    monkeypatch.setenv(f"{prefix}HOST", "127.0.0.2")
    params = run_context().params
    assert (params["host"], params["port"]) == ("127.0.0.2", 8123)


def test_run_environment_framework_spelling_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASK_RUN_PORT", "8001")
    monkeypatch.setenv("FRAMEWORK_RUN_PORT", "8002")
    assert run_context().params["port"] == 8002
    assert run_context("--port", "8003").params["port"] == 8003


def greeting_cli() -> tuple[AppCliRunner, FrameworkGroup, App]:
    """A framework command for an app with ``greet --name``, a nested
    ``tools say --word`` group (a plain click group, as a plugin's), and
    ``mark --tag`` whose option names its variable explicitly."""
    app = App(__name__)

    @app.cli.command("greet")
    @click.option("--name", default="nobody")
    def greet(name: str) -> None:
        click.echo(f"name={name}")

    tools = click.Group("tools")

    @tools.command("say")
    @click.option("--word", default="none")
    def say(word: str) -> None:
        click.echo(f"word={word}")

    app.cli.add_command(tools)

    @app.cli.command("mark")
    @click.option("--tag", default="none", envvar="MARK_TAG")
    def mark(tag: str) -> None:
        click.echo(f"tag={tag}")

    return AppCliRunner(app), FrameworkGroup(create_app=lambda: app), app


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "nobody"),
        ({"FLASK_GREET_NAME": "flask"}, "flask"),
        ({"FRAMEWORK_GREET_NAME": "ours"}, "ours"),
        ({"FLASK_GREET_NAME": "flask", "FRAMEWORK_GREET_NAME": "ours"}, "ours"),
        ({"FLASK_GREET_NAME": "flask", "FRAMEWORK_GREET_NAME": ""}, "flask"),
    ],
)
def test_app_command_option_from_either_spelling(
    env: dict[str, str], expected: str
) -> None:
    runner, group, _ = greeting_cli()
    env = {"FLASK_GREET_NAME": None, "FRAMEWORK_GREET_NAME": None, **env}  # type: ignore[dict-item]
    result = runner.invoke(group, ["greet"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output == f"name={expected}\n"


def test_app_command_option_given_beats_both_spellings() -> None:
    runner, group, _ = greeting_cli()
    env = {"FLASK_GREET_NAME": "flask", "FRAMEWORK_GREET_NAME": "ours"}
    result = runner.invoke(group, ["greet", "--name", "given"], env=env)
    assert result.output == "name=given\n"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"FLASK_TOOLS_SAY_WORD": "flask"}, "flask"),
        ({"FRAMEWORK_TOOLS_SAY_WORD": "ours"}, "ours"),
        ({"FLASK_TOOLS_SAY_WORD": "flask", "FRAMEWORK_TOOLS_SAY_WORD": "ours"}, "ours"),
    ],
)
def test_nested_group_command_option_from_either_spelling(
    env: dict[str, str], expected: str
) -> None:
    runner, group, _ = greeting_cli()
    result = runner.invoke(group, ["tools", "say"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output == f"word={expected}\n"


def test_app_cli_with_our_prefix_reads_flask_spelling() -> None:
    """``app.cli`` run on its own, as a custom script would with click's
    ``auto_envvar_prefix``, reads both spellings as well."""
    runner, _, app = greeting_cli()
    env = {"FLASK_GREET_NAME": "flask", "FRAMEWORK_GREET_NAME": None}
    result = runner.invoke(app.cli, ["greet"], env=env, auto_envvar_prefix="FRAMEWORK")
    assert result.output == "name=flask\n"


def test_explicit_envvar_option_reads_only_its_own() -> None:
    runner, group, _ = greeting_cli()
    # Closing the context pops the app context that finding "mark" pushed.
    with group.make_context("framework", ["mark"]) as ctx:
        mark = group.get_command(ctx, "mark")
    assert mark is not None
    assert type(mark.params[0]) is click.Option
    flask_only = {"FLASK_MARK_TAG": "flask", "MARK_TAG": None}
    assert runner.invoke(group, ["mark"], env=flask_only).output == "tag=none\n"
    both = {"FLASK_MARK_TAG": "flask", "MARK_TAG": "explicit"}
    assert runner.invoke(group, ["mark"], env=both).output == "tag=explicit\n"


def test_user_option_classes_keep_their_type_and_behaviour() -> None:
    class Upper(click.Option):
        def type_cast_value(self, ctx: click.Context, value: t.Any) -> t.Any:
            return str(super().type_cast_value(ctx, value)).upper()

    app = App(__name__)

    @app.cli.command("shout")
    @click.option("--word", default="x", cls=Upper)
    def shout(word: str) -> None:
        click.echo(word)

    group = FrameworkGroup(create_app=lambda: app)
    result = app.test_cli_runner().invoke(
        group, ["shout"], env={"FLASK_SHOUT_WORD": "loud", "FRAMEWORK_SHOUT_WORD": None}
    )
    assert result.output == "LOUD\n"
    assert isinstance(shout.params[0], Upper)


@pytest.mark.parametrize("prefix", ["FLASK_ROUTES_", "FRAMEWORK_ROUTES_"])
def test_routes_sort_from_either_spelling(prefix: str) -> None:
    app = App(__name__, static_folder=None)
    app.add_url_rule("/b", "a_endpoint", lambda: "")
    app.add_url_rule("/a", "b_endpoint", lambda: "")
    group = FrameworkGroup(create_app=lambda: app)
    env = {
        "FLASK_ROUTES_SORT": None,
        "FRAMEWORK_ROUTES_SORT": None,
        f"{prefix}SORT": "rule",
    }
    result = app.test_cli_runner().invoke(group, ["routes"], env=env)
    assert result.exit_code == 0, result.output
    rows = [line.split()[0] for line in result.output.splitlines()[2:]]
    assert rows == ["b_endpoint", "a_endpoint"], result.output


def test_routes_sort_framework_spelling_wins() -> None:
    app = App(__name__, static_folder=None)
    app.add_url_rule("/b", "a_endpoint", lambda: "")
    app.add_url_rule("/a", "b_endpoint", lambda: "")
    group = FrameworkGroup(create_app=lambda: app)
    env = {"FLASK_ROUTES_SORT": "rule", "FRAMEWORK_ROUTES_SORT": "endpoint"}
    result = app.test_cli_runner().invoke(group, ["routes"], env=env)
    rows = [line.split()[0] for line in result.output.splitlines()[2:]]
    assert rows == ["a_endpoint", "b_endpoint"]


def test_reading_flask_spelling_leaves_environ_alone() -> None:
    runner, group, _ = greeting_cli()
    env = {"FLASK_GREET_NAME": "flask", "FRAMEWORK_GREET_NAME": None}
    before = dict(os.environ)
    runner.invoke(group, ["greet"], env=env)
    assert dict(os.environ) == before


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_run_port_out_of_range_is_a_usage_error(port: str) -> None:
    with pytest.raises(click.BadParameter, match="is not in the range 0<=x<=65535"):
        run_context("--port", port)


@pytest.mark.parametrize(("args", "value"), [(["--debug"], "1"), (["--no-debug"], "0")])
def test_run_debug_option(args: list[str], value: str) -> None:
    run_context(*args)
    assert os.environ["FRAMEWORK_DEBUG"] == value


def test_run_debug_option_keeps_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRAMEWORK_DEBUG", "1")
    run_context()
    assert os.environ["FRAMEWORK_DEBUG"] == "1"


def test_debugger_exposure_warning() -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        assert debugger_exposure_warning(host) is None
    warning = debugger_exposure_warning("0.0.0.0")
    assert warning is not None
    assert "reachable on 0.0.0.0" in warning


# -- run: certificates -------------------------------------------------------------


@pytest.fixture
def pem_files(tmp_path: pathlib.Path) -> tuple[str, str]:
    """A certificate and a key file; the option checks only that they exist."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("")
    key.write_text("")
    return os.path.realpath(cert), os.path.realpath(key)


def test_run_cert_and_key_files(pem_files: tuple[str, str]) -> None:
    cert, key = pem_files
    assert run_context("--cert", cert, "--key", key).params["cert"] == (cert, key)
    # --cert is read first whatever the order.
    assert run_context("--key", key, "--cert", cert).params["cert"] == (cert, key)


@pytest.mark.parametrize(
    ("which", "message"),
    [("cert", 'Required when using "--cert"'), ("key", '"--cert" must also be given')],
)
def test_run_cert_and_key_go_together(
    pem_files: tuple[str, str], which: str, message: str
) -> None:
    cert, key = pem_files
    args = ["--cert", cert] if which == "cert" else ["--key", key]
    with pytest.raises(click.BadParameter, match=message):
        run_context(*args)


def test_run_cert_adhoc_without_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes "import cryptography" fail, as when it is
    # not installed (the dev extra installs it).
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(click.BadParameter) as info:
        run_context("--cert", "adhoc")
    assert "pip install cryptography" in info.value.format_message()


def test_run_cert_adhoc_takes_no_key(pem_files: tuple[str, str]) -> None:
    assert run_context("--cert", "adhoc").params["cert"] == "adhoc"
    assert run_context("--cert", "ADHOC").params["cert"] == "adhoc"
    with pytest.raises(click.BadParameter, match='is adhoc, "--key" is not used'):
        run_context("--cert", "adhoc", "--key", pem_files[1])


def test_run_cert_ssl_context(
    pem_files: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    monkeypatch.setitem(sys.modules, "cli_ssl_context", context)
    assert run_context("--cert", "cli_ssl_context").params["cert"] is context
    # A function returning a context is called.
    made = run_context("--cert", "ssl.create_default_context").params["cert"]
    assert isinstance(made, ssl.SSLContext)
    with pytest.raises(click.BadParameter, match='is an SSLContext, "--key"'):
        run_context("--cert", "cli_ssl_context", "--key", pem_files[1])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("cli_not_a_module", "can't be imported"),
        ("ssl.NoSuchThing", "can't be imported"),
        ("os.sep", "is str, not an ssl.SSLContext"),
        ("framework", "is module, not an ssl.SSLContext"),
        # A class is not called: ssl.SSLContext() would be a context without
        # a certificate, and every handshake would fail.
        ("ssl.SSLContext", "is a class, not an ssl.SSLContext"),
    ],
)
def test_run_cert_that_is_nothing_usable(value: str, message: str) -> None:
    with pytest.raises(click.BadParameter, match=message):
        run_context("--cert", value)


# -- run: real servers -----------------------------------------------------------

SERVED_APP = """
import os
import threading

from framework import App, current_app

app = App(__name__)


@app.get("/")
def index():
    return "served by the framework command"


@app.get("/facts")
def facts():
    return {
        "debug": current_app.debug,
        # socketserver's threading mix-in names its request threads so.
        "request_thread": "process_request_thread" in threading.current_thread().name,
        "reloader_child": os.environ.get("WERKZEUG_RUN_MAIN") == "true",
    }


@app.get("/boom")
def boom():
    raise RuntimeError("boom")
"""


@pytest.fixture(scope="module")
def app_folder(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("served")
    (folder / "served_app.py").write_text(SERVED_APP)
    return folder


def framework_server(folder: pathlib.Path, *args: str) -> ServerProcess:
    """``framework --app served_app ARGS run --port P`` in a subprocess,
    answering on 127.0.0.1:P."""
    port = free_port()
    argv = [sys.executable, "-m", "framework", "--app", "served_app", *args]
    argv += ["--port", str(port)]
    env = {k: v for k, v in server_environment(folder).items() if k not in _ENV}
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    return ServerProcess(argv, port=port, folder=folder, env=env)


@pytest.fixture(scope="module")
def plain_server(app_folder: pathlib.Path) -> t.Iterator[ServerProcess]:
    server = framework_server(app_folder, "run")
    server.wait_ready("/")
    yield server
    server.stop()


def test_run_serves_the_app(plain_server: ServerProcess) -> None:
    reply = plain_server.request("GET", "/")
    assert (reply.status, reply.body) == (200, b"served by the framework command")
    facts = plain_server.request("GET", "/facts").json()
    # Threads, no reloader, no debug mode by default.
    assert facts == {"debug": False, "request_thread": True, "reloader_child": False}
    output = plain_server.output()
    assert " * Serving framework app 'served_app'" in output
    assert " * Debug mode: off" in output


def test_run_without_debugger_hides_errors(plain_server: ServerProcess) -> None:
    reply = plain_server.request("GET", "/boom")
    assert reply.status == 500
    assert b"Traceback" not in reply.body
    assert b"RuntimeError" not in reply.body


@pytest.fixture(scope="module")
def debug_server(app_folder: pathlib.Path) -> t.Iterator[ServerProcess]:
    watched = app_folder / "watched.txt"
    watched.write_text("1")
    server = framework_server(
        app_folder,
        *("run", "--debug", "--without-threads", "--extra-files", str(watched)),
    )
    server.wait_ready("/")
    yield server
    server.stop()


def test_run_debug_option_gives_reloader_and_debugger(
    debug_server: ServerProcess,
) -> None:
    facts = debug_server.request("GET", "/facts").json()
    assert facts == {"debug": True, "request_thread": False, "reloader_child": True}
    reply = debug_server.request("GET", "/boom")
    assert reply.status == 500
    # The interactive debugger's page, with the error in it.
    assert b"Werkzeug Debugger" in reply.body
    assert b"RuntimeError: boom" in reply.body
    assert " * Debug mode: on" in debug_server.output()


def test_run_reloads_on_extra_files(
    debug_server: ServerProcess, app_folder: pathlib.Path
) -> None:
    time.sleep(0.1)  # a later modification time than the reloader's snapshot
    (app_folder / "watched.txt").write_text("2")
    deadline = time.monotonic() + 10
    while "Detected change" not in debug_server.output():
        assert time.monotonic() < deadline, debug_server.output()
        time.sleep(0.1)
    debug_server.wait_ready("/")


def test_run_debugger_needs_debug_mode(app_folder: pathlib.Path) -> None:
    server = framework_server(app_folder, "run", "--debugger")
    status = server.process.wait(timeout=30)
    assert status == 2
    assert "--debugger needs debug mode" in server.output()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_run_with_certificate_serves_https(app_folder: pathlib.Path) -> None:
    cert, key = app_folder / "cert.pem", app_folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-nodes"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert), "-days", "1"),
            *("-subj", "/CN=127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server = framework_server(app_folder, "run", "--cert", str(cert), "--key", str(key))
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    url = f"https://127.0.0.1:{server.port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2, context=context) as r:
                    body = r.read()
                break
            except (urllib.error.URLError, ConnectionError):
                if server.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(server.output())
                time.sleep(0.1)
        assert body == b"served by the framework command"
    finally:
        server.stop()


def test_app_run_uses_server_name(app_folder: pathlib.Path) -> None:
    port = free_port()
    script = app_folder / "run_directly.py"
    script.write_text(
        "from served_app import app\n"
        f"app.config['SERVER_NAME'] = '127.0.0.1:{port}'\n"
        "app.run(load_dotenv=False)\n"
    )
    env = {k: v for k, v in server_environment(app_folder).items() if k not in _ENV}
    server = ServerProcess(
        [sys.executable, str(script)], port=port, folder=app_folder, env=env
    )
    try:
        server.wait_ready("/")
        facts = server.request("GET", "/facts").json()
        assert facts["debug"] is False
        assert facts["reloader_child"] is False
    finally:
        server.stop()


def test_app_run_does_nothing_under_the_command(
    make_module: t.Callable[..., str],
) -> None:
    name = make_module(
        """
        from framework import App

        app = App("unguarded")
        app.run()
        """
    )
    result = run("--app", name, "routes")
    assert result.exit_code == 0, result.output
    assert "Ignoring app.run()" in result.stderr


def test_cli_runner_restores_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    app = App("restored")
    result = app.test_cli_runner().invoke(cli, ["--debug", "routes"])
    assert result.exit_code == 0, result.output
    assert "FRAMEWORK_RUN_FROM_CLI" not in os.environ
    assert "FRAMEWORK_DEBUG" not in os.environ


_FLASK_PLUGIN_SCRIPT = """
import sys
import click
from framework import App
from framework.cli import FrameworkGroup, ScriptInfo

group = FrameworkGroup()
info = ScriptInfo(create_app=lambda: App("plain"))
with click.Context(group, info_name="framework", obj=info) as ctx:
    before = group.list_commands(ctx)
print("flask imported:", "flask" in sys.modules)
import framework.compat.flask
framework.compat.flask.install()
import flask
with click.Context(group, info_name="framework", obj=info) as ctx:
    after = group.list_commands(ctx)
print("before:", " ".join(before))
print("after:", " ".join(after))
"""


def test_flask_extension_commands_join_once_the_alias_is_active() -> None:
    # flask.commands entry points (Flask-AppBuilder's "fab", installed by
    # the dev extra) import flask: loading them without the alias would
    # import Flask itself, so they wait for it.
    result = subprocess.run(
        [sys.executable, "-c", _FLASK_PLUGIN_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    assert lines["flask imported"] == "False"
    assert "fab" not in lines["before"].split()
    assert "fab" in lines["after"].split()
    assert "run" in lines["after"].split()
