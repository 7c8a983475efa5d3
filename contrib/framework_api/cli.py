"""The ``api`` command group: ``framework api spec`` writes the app's
OpenAPI document, for a client generator, a linter or a diff in review::

    framework --app shop api spec --output openapi.json

:func:`add_api_commands` adds the group to ``app.cli``; the commands run in
an app context and build the document with the function they were given.
"""

from __future__ import annotations

import json
import typing as t

import click

from framework import current_app
from framework.cli import AppGroup

if t.TYPE_CHECKING:
    from .docs_ui import SpecBuilder

__all__ = ["add_api_commands", "api_commands"]


def api_commands(build_spec: SpecBuilder) -> AppGroup:
    """The ``api`` group, whose ``spec`` command writes what ``build_spec``
    makes of the app.

    :param build_spec: makes the OpenAPI document of an app.
    """
    group = AppGroup("api", help="The app's typed API: its OpenAPI document.")

    @group.command("spec")
    @click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, writable=True, allow_dash=True),
        default="-",
        show_default=True,
        help="The file to write; '-' for standard output.",
    )
    @click.option(
        "--indent",
        type=click.IntRange(min=0),
        default=2,
        show_default=True,
        help="Spaces per level of indentation; 0 for one line.",
    )
    def spec(output: str, indent: int) -> None:
        """Write the app's OpenAPI document as JSON."""
        try:
            document = build_spec(current_app._get_current_object())  # type: ignore[attr-defined]
        except (TypeError, ValueError) as e:
            raise click.ClickException(f"Can't make the OpenAPI document: {e}") from e
        text = json.dumps(document, indent=indent or None, ensure_ascii=False)
        with click.open_file(output, "w", encoding="utf-8", atomic=output != "-") as f:
            f.write(text + "\n")
        if output != "-":
            paths = len(document.get("paths", {}))
            click.echo(
                f"Wrote the OpenAPI document ({paths} paths) to {output}.", err=True
            )

    return group


def add_api_commands(cli: click.Group, build_spec: SpecBuilder) -> None:
    """Add the ``api`` group to ``cli``; if ``cli`` already has an ``api``
    group, add the commands it lacks to that group instead of replacing it.

    :param cli: the app's commands, ``app.cli``.
    :param build_spec: makes the OpenAPI document of an app.
    """
    ours = api_commands(build_spec)
    existing = cli.commands.get("api")
    if existing is None:
        cli.add_command(ours)
    elif isinstance(existing, click.Group):
        for name, command in ours.commands.items():
            if name not in existing.commands:
                existing.add_command(command, name)
