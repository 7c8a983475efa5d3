"""Sphinx configuration for the framework manual.

Built by ``make docs`` with warnings as errors. Only Sphinx's built-in
extensions and theme are used: the build machine has no network access.
"""

from __future__ import annotations

import sys
import typing as t
from pathlib import Path

# Document the checkout next to this folder, even without an editable install.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import framework

project = "framework"
author = "the framework authors"
copyright = "the framework authors"
release = framework.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build"]
root_doc = "index"

# The package's docstrings are reST; keep members in source order, which
# follows the order a reader meets them in.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_default_options = {"show-inheritance": True}

# Annotations name werkzeug and standard-library types that are not part of
# this manual; cross-references to them are not checked.
nitpicky = False

default_role = "code"
highlight_language = "python3"
pygments_style = "sphinx"

html_theme = "alabaster"
html_theme_options = {
    "description": "Flask's API on a core of swappable strategies.",
    "fixed_sidebar": True,
}
# custom.css (alabaster links it from every page): on a phone, the text
# before the sidebar.
html_static_path = ["_static"]


def _hide_app_parts(
    app: object, name: str, obj: object, options: object, bases: list[type]
) -> None:
    """Leave App's parts (the classes of ``framework._app`` that group its
    methods by concern) out of its "Bases:" line: their methods are listed
    as App's own, and the classes are not API of their own."""
    bases[:] = [
        base for base in bases if not base.__module__.startswith("framework._app")
    ]


def setup(app: t.Any) -> None:
    app.connect("autodoc-process-bases", _hide_app_parts)
