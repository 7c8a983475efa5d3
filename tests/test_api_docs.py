"""Every public name has an entry in the API reference (docs/api.rst), so a
new public function can't ship undocumented."""

from __future__ import annotations

import importlib
import pathlib
import re
import types
import typing as t

import pytest
from docs_build import build_html

import framework

API = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "api.rst").read_text(
    encoding="utf-8"
)

#: Targets of autodoc and hand-written directives, e.g. ``framework.url_for``.
DOCUMENTED = set(
    re.findall(r"^\.\. (?:auto\w+|data|function|class)::\s+([\w.]+)", API, re.M)
)
#: Members named in ``.. automodule:: X`` / ``:members: a, b``.
DOCUMENTED |= {
    f"{module}.{member.strip()}"
    for module, members in re.findall(
        r"^\.\. automodule::\s+([\w.]+)\n\s+:members:[ \t]*(\S[^\n]*)$", API, re.M
    )
    for member in members.split(",")
}
#: Modules documented whole with ``automodule`` and ``:members:``.
WHOLE_MODULES = set(
    re.findall(r"^\.\. automodule::\s+([\w.]+)\n\s+:members:\s*$", API, re.M)
)

#: Modules whose ``__all__`` the API reference documents exactly: every
#: name in it, and no other name of the module.
EXACT_MODULES = [
    "framework.bodies",
    "framework.dispatch",
    "framework.errors",
    "framework.json",
    "framework.json.orjson",
    "framework.json.provider",
    "framework.responses",
    "framework.routing",
    "framework.scaffold",
    "framework.static",
    "framework.wrappers",
]

PUBLIC_MODULES = [
    *EXACT_MODULES,
    "framework.asgi",
    "framework.blueprints",
    "framework.cli",
    "framework.cli.commands",
    "framework.cli.commands.routes",
    "framework.cli.commands.run",
    "framework.cli.commands.serve",
    "framework.cli.commands.shell",
    "framework.cli.environment",
    "framework.cli.groups",
    "framework.cli.loading",
    "framework.cli.params",
    "framework.cli.root",
    "framework.cli.version",
    "framework.config",
    "framework.compat.flask",
    "framework.concurrency",
    "framework.ctx",
    "framework.debughelpers",
    "framework.devserver",
    "framework.helpers",
    "framework.interfaces",
    "framework.json.tag",
    "framework.logging",
    "framework.serving",
    "framework.sse",
    "framework.streams",
    "framework.serving.access_log",
    "framework.serving.gunicorn_server",
    "framework.serving.waitress_server",
    "framework.serving.workers",
    "framework.sessions",
    "framework.settings",
    "framework.signals",
    "framework.templating",
    "framework.testing",
    "framework.views",
]


def _resolve(target: str) -> object:
    """The object a directive documents, e.g. ``framework.signals.g``."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise LookupError(target)


DOCUMENTED_IDS = {id(_resolve(target)) for target in DOCUMENTED}
#: The ``__all__`` of a package documented whole documents the names its
#: modules define there (``framework.cli.ScriptInfo``, defined in
#: ``framework.cli.loading``).
DOCUMENTED_IDS |= {
    id(getattr(module, name))
    for module in map(importlib.import_module, WHOLE_MODULES)
    for name in getattr(module, "__all__", ())
}


def _documented(module: str, name: str, obj: object) -> bool:
    if module in WHOLE_MODULES or id(obj) in DOCUMENTED_IDS:
        return True
    return getattr(obj, "__module__", None) in WHOLE_MODULES


def _public_names(module: types.ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, (types.ModuleType, t.TypeVar))
        and getattr(value, "__module__", module.__name__) == module.__name__
    ]


def test_top_level_names_are_documented() -> None:
    missing = [
        name
        for name in dir(framework)
        if not name.startswith("_")
        and name != "annotations"
        and not isinstance(getattr(framework, name), types.ModuleType)
        and not _documented("framework", name, getattr(framework, name))
    ]
    assert missing == []


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_module_names_are_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    missing = [
        name
        for name in _public_names(module)
        if not _documented(module_name, name, getattr(module, name))
    ]
    assert missing == []


@pytest.mark.parametrize("module_name", EXACT_MODULES)
def test_module_declares_what_is_public(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert isinstance(getattr(module, "__all__", None), list)
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert hasattr(module, name), name


@pytest.mark.parametrize("module_name", EXACT_MODULES)
def test_api_reference_documents_only_public_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    prefix = f"{module_name}."
    named = {
        target[len(prefix) :].partition(".")[0]
        for target in DOCUMENTED
        if target.startswith(prefix)
        # A target of a submodule (framework.json.provider.X) is that
        # module's business.
        and not isinstance(
            getattr(module, target[len(prefix) :].partition(".")[0], None),
            types.ModuleType,
        )
    }
    assert named - set(module.__all__) == set()


def _app_parts() -> list[type]:
    """The classes of framework._app that App inherits its methods from."""
    return [
        base
        for base in framework.App.__mro__
        if base.__module__.startswith("framework._app")
    ]


def _part_names(part: type) -> list[str]:
    return [name for name in vars(part) if not name.startswith("_")]


@pytest.fixture(scope="module")
def api_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    """docs/api.rst built alone, as HTML, with the manual's configuration."""
    html = build_html(tmp_path_factory.mktemp("api"), "api", ["api.rst"])
    return (html / "api.html").read_text(encoding="utf-8")


def test_the_app_page_lists_the_methods_of_apps_parts(api_html: str) -> None:
    parts = _app_parts()
    assert len(parts) >= 5
    missing = [
        f"{part.__name__}.{name}"
        for part in parts
        for name in _part_names(part)
        if f'id="framework.App.{name}"' not in api_html
    ]
    assert missing == []


def test_the_app_page_shows_no_part_as_a_class_of_its_own(api_html: str) -> None:
    # Not in App's "Bases:" line, nor documented anywhere on the page.
    assert "framework._app" not in api_html
    for part in _app_parts():
        assert part.__name__ not in api_html, part.__name__


def _found(cls: type, name: str) -> object:
    """``name`` as a lookup on ``cls`` finds it, before any descriptor runs."""
    return next(vars(klass)[name] for klass in cls.__mro__ if name in vars(klass))


def test_every_method_of_a_part_is_the_one_app_has() -> None:
    # The parts' order among App's bases makes each of their methods App's
    # (Scaffold's abstract add_url_rule included): no other base shadows one.
    shadowed = [
        f"{part.__name__}.{name}"
        for part in _app_parts()
        for name in vars(part)
        if not name.startswith("__")
        and name not in vars(framework.App)
        and _found(framework.App, name) is not vars(part)[name]
    ]
    assert shadowed == []
