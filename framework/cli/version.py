"""``framework --version``: the versions of Python, framework, Werkzeug and
the Flask API.

Layer 4.
"""

from __future__ import annotations

import platform
import typing as t
from importlib import metadata

import click

__all__ = ["FLASK_API"]


#: The version of Flask's API this framework provides, for ``--version``.
FLASK_API = "3.1"


def _installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def get_version(ctx: t.Any, param: click.Parameter | None, value: t.Any) -> None:
    """The ``--version`` option's callback: print the versions of Python,
    framework and Werkzeug, and the Flask API level this framework provides
    (with the version of the Flask package when one is installed: Flask
    extensions depend on it, but the framework does not use it)."""
    if not value or ctx.resilient_parsing:
        return
    flask = _installed("flask")
    lines = [
        f"Python {platform.python_version()}",
        f"framework {_installed('framework') or 'unknown'}",
        f"Werkzeug {_installed('werkzeug') or 'unknown'}",
        f"Flask API {FLASK_API}"
        + (f" (installed: Flask {flask})" if flask else " (Flask not installed)"),
    ]
    click.echo("\n".join(lines), color=ctx.color)
    ctx.exit()
