"""Where a package or module lives on disk.

Layer 1, standard library only. An app or blueprint resolves its relative
folders (static files, templates, config files) against the folder of the
module that made it (:func:`find_package_path`), and finds its default
instance folder from where the top-level package is installed
(:func:`find_package`).
"""

from __future__ import annotations

import importlib.util
import os
import pathlib
import sys

__all__ = ["find_package", "find_package_path", "install_prefix", "package_path"]


def find_package_path(import_name: str) -> str:
    """The folder that holds the module or package ``import_name``; the
    working directory when it can't be found (an interactive session)."""
    module = sys.modules.get(import_name.partition(":")[0])
    file: str | None = getattr(module, "__file__", None)
    if file is None:
        try:
            spec = importlib.util.find_spec(import_name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or spec.origin in (None, "namespace", "built-in", "frozen"):
            return os.getcwd()
        file = spec.origin
    assert file is not None
    return str(pathlib.Path(file).resolve().parent)


def package_path(import_name: str) -> str:
    """The folder holding the top-level package or module of
    ``import_name``; the current directory when it can't be found (e.g.
    ``__main__`` or an interactive session)."""
    root_name = import_name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(root_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return os.getcwd()
    locations = spec.submodule_search_locations
    if not locations:
        # A plain module: its folder.
        return os.path.dirname(spec.origin or os.getcwd())
    if spec.origin is not None and spec.origin != "namespace":
        # A regular package: the folder containing the package folder.
        return os.path.dirname(os.path.dirname(spec.origin))
    # A namespace package spans folders: pick the one holding the app's part.
    first = next(iter(locations))
    try:
        sub = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        sub = None
    if sub is not None and sub.submodule_search_locations:
        own = pathlib.Path(os.path.commonpath(list(sub.submodule_search_locations)))
        first = next((loc for loc in locations if own.is_relative_to(loc)), first)
    return os.path.dirname(first)


def find_package(import_name: str) -> tuple[str | None, str]:
    """``(installation prefix or None, package path)`` for ``import_name``;
    see :func:`install_prefix` and :func:`package_path`."""
    path = package_path(import_name)
    return install_prefix(pathlib.PurePath(path)), path


def install_prefix(folder: pathlib.PurePath) -> str | None:
    """The prefix a package in ``folder`` is installed under: ``sys.prefix``
    when the folder is inside it; for a ``site-packages`` folder elsewhere
    (a virtualenv), the folder above its ``lib`` (``lib/site-packages`` on
    Windows, ``lib/pythonX.Y/site-packages`` on POSIX), or the folder that
    holds it. ``None`` for a package that is not installed."""
    python_prefix = pathlib.PurePath(os.path.abspath(sys.prefix))
    if folder.is_relative_to(python_prefix):
        return str(python_prefix)
    if folder.name.lower() != "site-packages":
        return None
    for lib in folder.parents[:2]:
        if lib.name.lower() == "lib":
            return str(lib.parent)
    return str(folder.parent)
