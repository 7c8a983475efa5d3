"""Import werkzeug's submodules without its package's ``__init__``.

werkzeug's ``__init__`` imports its development server (``werkzeug.serving``,
which brings ``http.server``, ``socketserver``, ``ssl`` and ``http.client``)
and its test client (``werkzeug.test``) only to offer four shortcuts:
``werkzeug.run_simple``, ``werkzeug.Client``, ``werkzeug.Request`` and
``werkzeug.Response``. Every ``import werkzeug.<anything>`` runs it first, so
an app that only routes and answers requests would pay for a server and a
test client it never uses: about a fifth of the framework's start-up.

:func:`install` puts the package in :data:`sys.modules` without running its
``__init__``; its submodules import as usual (the import system only needs
the package's ``__path__``). The first time anything reads a name the
package itself would define, the real ``__init__`` runs in the package's
namespace, so ``werkzeug.Client``, ``from werkzeug import run_simple`` and
the like behave as they always did, only later. A process that imported
werkzeug before the framework keeps the package as it is.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
import typing as t

_NAME = "werkzeug"


class _DeferredPackage(types.ModuleType):
    """werkzeug's package module, its ``__init__`` not run yet.

    A module's class may be swapped (:mod:`importlib` allows it): reading a
    missing attribute lands in :meth:`__getattr__`, which runs the package's
    code once and then turns the module back into a plain module.
    """

    def __getattr__(self, name: str) -> t.Any:
        # ``werkzeug.exceptions`` and ``from werkzeug import exceptions``
        # name a submodule: import that alone, as the real package would have
        # (its __init__ imports most of them as a side effect).
        if not name.startswith("__") and _is_submodule(name):
            __import__(f"{_NAME}.{name}")  # seen by -X importtime
            return sys.modules[f"{_NAME}.{name}"]
        _run_init(self)
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(
                f"module {_NAME!r} has no attribute {name!r}"
            ) from None


# Held while the package's __init__ runs: a thread reading a name meanwhile
# waits for it. Re-entrant: the __init__'s own imports may read the package.
_lock = threading.RLock()
_running = False


def _is_submodule(name: str) -> bool:
    package = sys.modules.get(_NAME)
    path = getattr(package, "__path__", None)
    if path is None:
        return False
    return importlib.util.find_spec(f"{_NAME}.{name}") is not None


def _run_init(module: types.ModuleType) -> None:
    """Run the package's own ``__init__`` in ``module``, once."""
    global _running
    with _lock:
        # _running: the __init__ itself (its submodules) read a name it has
        # not defined yet; that is the usual AttributeError, not a rerun.
        if _running or type(module) is not _DeferredPackage:
            return
        spec = module.__spec__
        assert spec is not None and spec.loader is not None
        _running = True
        try:
            spec.loader.exec_module(module)
        finally:
            _running = False
        # A plain module from here on: a missing name is a plain miss.
        module.__class__ = types.ModuleType  # type: ignore[assignment]


def install() -> None:
    """Register werkzeug's package without running its ``__init__``, unless
    it is imported already (or is not installed, which importing the
    framework reports as usual)."""
    if _NAME in sys.modules:
        return
    spec = importlib.util.find_spec(_NAME)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    module.__class__ = _DeferredPackage
    sys.modules[_NAME] = module
