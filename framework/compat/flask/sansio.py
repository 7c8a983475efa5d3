"""``flask.sansio`` under :func:`framework.compat.flask.install`.

Flask keeps the IO-free halves of its app, blueprint and scaffold classes
in this package and builds ``flask.Flask`` and ``flask.Blueprint`` on them.
This framework has one class of each, so the paths resolve to it:

========================== ======================================
``flask.sansio.app``       :mod:`framework.app` (``App`` is
                           :class:`framework.App`), via
                           :mod:`framework.compat.flask.app`
``flask.sansio.blueprints`` :mod:`framework.blueprints`
``flask.sansio.scaffold``  :mod:`framework.scaffold`, via
                           :mod:`framework.compat.flask.scaffold`
========================== ======================================

so ``isinstance(app, flask.sansio.app.App)`` holds for every app. Ported
code imports those framework modules instead.
"""

from __future__ import annotations

import importlib
import types

from framework.compat.flask import FLASK_MODULES


def __getattr__(name: str) -> types.ModuleType:
    """Import ``flask.sansio.<name>`` on first access, as a package does."""
    if name.startswith("_") or f"flask.sansio.{name}" not in FLASK_MODULES:
        raise AttributeError(f"module 'flask.sansio' has no attribute {name!r}")
    return importlib.import_module(f"flask.sansio.{name}")
