"""Run Flask extensions on this framework, unmodified.

Call :func:`install` once, before anything imports ``flask`` (at the top of
the module that creates the app, or of the WSGI entry point)::

    import framework.compat.flask

    framework.compat.flask.install()

    from flask_login import LoginManager  # imports "flask": gets framework

From then on ``import flask`` gives a module with Flask's top-level names
bound to this framework's objects (``flask.Flask is framework.App``), and
``import flask.<module>`` gives the framework module of the same path
(``flask.globals is framework.globals``); see :data:`FLASK_MODULES`. The
alias works even when Flask itself is installed (Flask extensions depend on
it, so pip installs it): an import hook placed first on
:data:`sys.meta_path` answers for ``flask`` and its submodules before the
installed package is looked at.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import typing as t

from framework.ctx import _AppCtxGlobals

__all__ = [
    "FLASK_MODULES",
    "FlaskAlreadyImportedError",
    "install",
    "is_installed",
    "uninstall",
]

#: Flask's public module paths and the framework modules they resolve to
#: once :func:`install` ran. Most are the framework module itself
#: (``flask.globals is framework.globals``). Where Flask has names that
#: ours lack (``Flask``, ``FlaskClient``, ``FlaskCliRunner``,
#: ``FlaskGroup``, three functions of ``flask.helpers``), a small module of
#: this package adds them to the framework module's names. Flask's
#: ``flask.sansio`` modules resolve to the one class this framework has of
#: each (``flask.sansio.app.App is framework.App``).
FLASK_MODULES: t.Final[t.Mapping[str, str]] = types.MappingProxyType(
    {
        "flask": "framework.compat.flask.namespace",
        "flask.app": "framework.compat.flask.app",
        "flask.blueprints": "framework.blueprints",
        "flask.cli": "framework.compat.flask.cli",
        "flask.config": "framework.config",
        "flask.ctx": "framework.ctx",
        "flask.debughelpers": "framework.debughelpers",
        "flask.globals": "framework.globals",
        "flask.helpers": "framework.compat.flask.helpers",
        "flask.json": "framework.json",
        "flask.json.provider": "framework.json.provider",
        "flask.json.tag": "framework.json.tag",
        "flask.logging": "framework.logging",
        "flask.sansio": "framework.compat.flask.sansio",
        "flask.sansio.app": "framework.compat.flask.app",
        "flask.sansio.blueprints": "framework.blueprints",
        "flask.sansio.scaffold": "framework.compat.flask.scaffold",
        "flask.sessions": "framework.sessions",
        "flask.signals": "framework.signals",
        "flask.templating": "framework.templating",
        "flask.testing": "framework.compat.flask.testing",
        "flask.typing": "framework.typing",
        "flask.views": "framework.views",
        "flask.wrappers": "framework.wrappers",
    }
)


#: The Flask paths that have submodules in :data:`FLASK_MODULES`.
_PACKAGES = frozenset(name.rpartition(".")[0] for name in FLASK_MODULES)


class FlaskAlreadyImportedError(RuntimeError):
    """Raised by :func:`install` when Flask itself was imported first: the
    modules that imported it hold Flask's objects, and mixing those with
    the framework's would fail in confusing ways later."""


class _AliasLoader(importlib.abc.Loader):
    """Loads ``flask.<path>`` as an existing framework module: the module
    object is shared, not copied, so ``flask.globals is framework.globals``.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self._spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self.target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system has just set the module's __spec__ to the alias
        # spec; give the framework module its own back, so that reloading
        # it or running it with -m keeps working.
        module.__spec__ = self._spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    """The import hook :func:`install` puts first on :data:`sys.meta_path`:
    answers for ``flask`` and ``flask.*`` from :data:`FLASK_MODULES` and
    leaves every other import to the next finders."""

    def find_spec(
        self,
        fullname: str,
        path: t.Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "flask" and not fullname.startswith("flask."):
            return None
        alias = FLASK_MODULES.get(fullname)
        if alias is None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: with framework.compat.flask"
                " installed, 'flask' is this framework, which has Flask's"
                f" public modules ({', '.join(sorted(FLASK_MODULES))}) but"
                " not this one.",
                name=fullname,
            )
        # "flask" needs a __path__ for its submodules to be importable; a
        # plain module such as framework.globals must not be given one.
        return importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(alias), is_package=fullname in _PACKAGES
        )


_finder = _AliasFinder()


def _is_alias(name: str, module: types.ModuleType | None) -> bool:
    target = FLASK_MODULES.get(name)
    return target is not None and module is sys.modules.get(target)


def install() -> None:
    """Make ``import flask`` and ``import flask.<module>`` resolve to this
    framework. Safe to call more than once.

    :raise FlaskAlreadyImportedError: Flask itself is already imported
        (something imported ``flask`` or a Flask extension before this
        call); call :func:`install` earlier.
    """
    real = sorted(
        name
        for name, module in list(sys.modules.items())
        if (name == "flask" or name.startswith("flask."))
        and not _is_alias(name, module)
    )
    if real:
        top = sys.modules.get(real[0])
        where = getattr(top, "__file__", None) or "an unknown location"
        raise FlaskAlreadyImportedError(
            f"Flask itself is already imported ({real[0]} from {where}), so"
            " 'import flask' can no longer be pointed at this framework."
            " Call framework.compat.flask.install() before anything imports"
            " flask or a Flask extension: at the top of the module that"
            " creates the app, or of the WSGI entry point."
        )
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    # Code written for Flask sees g by Flask's name (Flask's own tests
    # compare repr(flask.g)).
    _AppCtxGlobals._display_name = "flask.g"


def uninstall() -> None:
    """Undo :func:`install`: remove the import hook and forget the aliased
    ``flask`` modules. Modules that imported ``flask`` meanwhile (Flask
    extensions) keep the framework objects they hold; forget them too
    (delete them from :data:`sys.modules`) before importing them again."""
    while _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    _AppCtxGlobals._display_name = "framework.g"
    for name, module in list(sys.modules.items()):
        if _is_alias(name, module):
            del sys.modules[name]


def is_installed() -> bool:
    """Whether :func:`install` is in effect."""
    return _finder in sys.meta_path
