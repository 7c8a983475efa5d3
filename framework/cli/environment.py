"""What the command line reads from and writes to the environment: dotenv
files, and the settings it hands the app and child processes.

Layer 4. :func:`~framework.cli.load_dotenv` loads ``.flaskenv``,
``.frameworkenv`` and ``.env`` (with python-dotenv, optional and imported
only here); :func:`~framework.cli.export_env` writes a setting in the
spelling the process reads, ``FRAMEWORK_`` or Flask's ``FLASK_``.
"""

from __future__ import annotations

import os
import sys

import click

from ..app import App
from ..config import ENV_PREFIXES

__all__ = ["DOTENV_FILES", "export_env", "load_dotenv"]


#: The dotenv files loaded by default, weakest first: Flask's public file,
#: ours, then the private ``.env``.
DOTENV_FILES = (".flaskenv", ".frameworkenv", ".env")


def _flask_alias_active() -> bool:
    """Whether ``import flask`` gives this framework in this process
    (:func:`framework.compat.flask.install` ran and something imported it)."""
    return getattr(sys.modules.get("flask"), "Flask", None) is App


def export_env(name: str, value: str) -> None:
    """Tell the app and child processes a setting through the environment:
    ``FRAMEWORK_<name>``, or ``FLASK_<name>`` when the Flask alias is active
    (Flask code reads those names, and Flask's test fixtures reset them).
    The other spelling is overwritten too when it is set, so that the two
    never disagree; :func:`~framework.config.env_setting` reads either.

    :param name: the setting without a prefix, such as ``"DEBUG"``.
    :param value: its new value.
    """
    flask, ours = ENV_PREFIXES
    primary, other = (flask, ours) if _flask_alias_active() else (ours, flask)
    os.environ[f"{primary}_{name}"] = value
    if f"{other}_{name}" in os.environ:
        os.environ[f"{other}_{name}"] = value


def load_dotenv(
    path: str | os.PathLike[str] | None = None, load_defaults: bool = True
) -> bool:
    """Load environment variables from dotenv files with python-dotenv.

    With ``load_defaults``, the files of
    :data:`~framework.cli.environment.DOTENV_FILES` are searched from the
    current folder upwards: ``.flaskenv`` and ``.frameworkenv`` (public
    defaults, committed) and ``.env`` (private values, not committed). A
    later file wins: ``.env`` over ``.frameworkenv`` over ``.flaskenv``, and
    ``path`` over all three. Variables already set in the environment are
    never overwritten.

    :param path: a file to load besides the default ones.
    :param load_defaults: also load the default files.
    :return: whether a file with at least one variable was loaded. ``False``
        when python-dotenv is not installed (a hint is printed when one of
        the files exists).
    """
    try:
        import dotenv
    except ImportError:
        if path or any(os.path.isfile(name) for name in DOTENV_FILES):
            click.secho(
                " * Tip: there are .env files present. Install python-dotenv"
                " (pip install python-dotenv: the 'dotenv' extra) to use them.",
                fg="yellow",
                err=True,
            )
        return False

    files = []
    if load_defaults:
        files = [dotenv.find_dotenv(name, usecwd=True) for name in DOTENV_FILES]
    if path is not None and os.path.isfile(path):
        files.append(os.fspath(path))
    merged: dict[str, str] = {}
    for found in filter(None, files):
        values = dotenv.dotenv_values(found, encoding="utf-8")
        merged.update((k, v) for k, v in values.items() if v is not None)
    for key, value in merged.items():
        os.environ.setdefault(key, value)
    return bool(merged)
