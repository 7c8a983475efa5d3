"""The layer rule, type-only imports included: no module below ``App``'s
layer imports a module of that layer or above, not even for the type
checker.

``lint-imports`` checks the layers contract of pyproject.toml with
``TYPE_CHECKING`` imports left out (a lower layer may name a higher one's
types, as ``interfaces`` names the ``Request`` of layer 1). Import-linter
chooses that for the whole run, not per contract, so this test builds the
graph with those imports in (grimp, the graph library import-linter uses)
and applies the stricter rule to the top of the lower layers: layers 0 to
2 see the app only through :class:`framework.interfaces.AppLike`.
"""

from __future__ import annotations

import pathlib
import re
import tomllib

import grimp
import pytest

PYPROJECT = pathlib.Path(__file__).parent.parent / "pyproject.toml"


def _layers() -> list[set[str]]:
    """The layers of the import-linter contract, bottom first."""
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    return [
        set(re.split(r"\s*[:|]\s*", layer.strip())) for layer in contract["layers"]
    ][::-1]


def _lower_modules(graph: grimp.ImportGraph) -> set[str]:
    """Every module (subpackages' included) in a layer below framework.app's."""
    layers = _layers()
    app_layer = next(i for i, layer in enumerate(layers) if "framework.app" in layer)
    lower: set[str] = set()
    for layer in layers[:app_layer]:
        for name in layer:
            lower.add(name)
            lower |= graph.find_descendants(name)
    return lower


def _describe(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    lines = ", ".join(str(detail["line_number"]) for detail in details)
    return f"{importer} -> {imported} (line {lines})"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("framework", exclude_type_checking_imports=False)


def test_the_lower_layers_import_nothing_above_them(graph: grimp.ImportGraph) -> None:
    lower = _lower_modules(graph)
    upward = sorted(
        _describe(graph, importer, imported)
        for importer in lower
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.startswith("framework") and imported not in lower
    )
    assert upward == [], (
        "Modules below App's layer import a higher one (or the package root),"
        " counting imports under TYPE_CHECKING; name"
        " framework.interfaces.AppLike instead of App:\n" + "\n".join(upward)
    )


def test_the_rule_sees_type_only_imports(graph: grimp.ImportGraph) -> None:
    # The test above is only as strong as its graph: globals imports App for
    # the type checker alone, so the graph must show that import.
    details = graph.get_import_details(
        importer="framework.globals", imported="framework.app"
    )
    assert details, "the graph left out an import under TYPE_CHECKING"


def test_the_lower_layers_are_the_modules_below_app() -> None:
    layers = _layers()
    assert {"framework.typing", "framework.interfaces"} <= layers[0]
    lower = set().union(*layers[:3])
    assert {"framework.ctx", "framework.config", "framework.proxies"} <= lower
    assert {"framework.routing", "framework.sessions", "framework.json"} <= lower
    assert not {"framework.app", "framework.globals", "framework.scaffold"} & lower
