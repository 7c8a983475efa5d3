"""framework_api.cli: ``framework api spec`` writes the app's OpenAPI
document, to standard output or a file; through the app's test runner, and
once through the real ``framework`` command."""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

import click
import pytest
from api_docs_app import build_spec, create_app
from framework_api.cli import add_api_commands
from servers import server_environment

from framework import App

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def app() -> App:
    return create_app()


def test_spec_writes_the_document_to_standard_output(app: App) -> None:
    result = app.test_cli_runner().invoke(args=["api", "spec"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == build_spec(app)
    # Indented by two spaces, one key a line.
    assert result.stdout.startswith('{\n  "openapi": "3.1.0",\n  "info": {\n')
    assert result.stdout.endswith("}\n")


def test_spec_writes_a_file_and_says_so(app: App, tmp_path: Path) -> None:
    target = tmp_path / "openapi.json"
    result = app.test_cli_runner().invoke(
        args=["api", "spec", "--output", str(target), "--indent", "0"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"Wrote the OpenAPI document (1 paths) to {target}.\n"
    text = target.read_text(encoding="utf-8")
    assert text.count("\n") == 1  # one line
    assert json.loads(text) == build_spec(app)


def test_a_document_that_cannot_be_made_is_an_error_not_a_traceback() -> None:
    app = App(__name__)

    def broken(app: App) -> dict[str, t.Any]:
        raise ValueError("two types are both named 'Item'")

    add_api_commands(app.cli, broken)
    result = app.test_cli_runner().invoke(args=["api", "spec"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: Can't make the OpenAPI document: two types are both named 'Item'\n"
    )


def test_bad_options_are_usage_errors(app: App, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api", "spec", "--indent", "-1"])
    assert result.exit_code == 2
    assert "Invalid value for '--indent': -1 is not in the range x>=0." in result.output
    result = runner.invoke(args=["api", "spec", "--output", str(tmp_path)])
    assert result.exit_code == 2
    assert "is a directory" in result.output


def test_an_existing_api_group_keeps_its_commands_and_gains_spec() -> None:
    app = App(__name__)

    @app.cli.group("api")
    def api() -> None:
        """Someone else's api group."""

    @api.command("ping")
    def ping() -> None:
        click.echo("pong")

    add_api_commands(app.cli, build_spec)
    assert app.cli.commands["api"] is api
    assert sorted(api.commands) == ["ping", "spec"]
    assert app.test_cli_runner().invoke(args=["api", "ping"]).output == "pong\n"


def test_the_framework_command_writes_the_spec(tmp_path: Path) -> None:
    framework = [sys.executable, "-m", "framework", "--app", "api_docs_app:app"]
    done = subprocess.run(
        [*framework, "api", "spec", "-o", "spec.json"],
        cwd=tmp_path,
        env=server_environment(TESTS, FRAMEWORK_SKIP_DOTENV="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "spec.json").read_text(encoding="utf-8"))
    assert list(document["paths"]) == ["/greet"]
    assert document["info"] == {"title": "Greeter", "version": "1.0"}
