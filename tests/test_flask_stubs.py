"""The ``framework-flask-stubs`` distribution built from ``typings/``: it
installs the ``flask`` stubs as a PEP 561 ``flask-stubs`` package, and with
it installed ``mypy --strict`` checks an application that keeps ``import
flask`` against this framework's API, even with Flask itself installed."""

from __future__ import annotations

import ast
import importlib.util
import pathlib
import shutil
import subprocess
import sys
import tomllib

import pytest

from framework.compat.flask import FLASK_MODULES

ROOT = pathlib.Path(__file__).resolve().parent.parent
STUBS = ROOT / "typings"
CHECK = ROOT / "tests" / "type_check" / "check_flask_alias.py"


def _pyproject(path: pathlib.Path) -> dict[str, object]:
    with (path / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]  # type: ignore[no-any-return]


def _stub_modules() -> set[str]:
    names = set()
    for path in (STUBS / "flask").rglob("*.pyi"):
        parts = path.relative_to(STUBS).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.add(".".join(parts))
    return names


def test_every_aliased_module_has_a_stub() -> None:
    # A module added to the alias without a stub is an import error to
    # mypy in every application that uses it.
    assert _stub_modules() == set(FLASK_MODULES)


def _exports(source: pathlib.Path) -> set[str]:
    """The names a module or stub file exports to a type checker that does
    not re-export implicitly (as ``mypy --strict``): ``__all__`` if it has
    one, else its public definitions, ``import a as a`` re-exports and star
    imports."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*":
                    assert node.module is not None and node.level == 0
                    names |= _module_exports(node.module)
                elif alias.asname == alias.name:
                    names.add(alias.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
    if "__all__" in names:
        return set(_module_all(source))
    return {name for name in names if not name.startswith("_")} | (
        {"__version__"} & names
    )


def _module_all(source: pathlib.Path) -> list[str]:
    for node in ast.parse(source.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__"
            for target in node.targets
        ):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{source}: __all__ is not a literal list")


def _module_exports(name: str) -> set[str]:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin is not None, name
    return _exports(pathlib.Path(spec.origin))


def _stub_path(module: str) -> pathlib.Path:
    path = STUBS.joinpath(*module.split(".")).with_suffix(".pyi")
    if path.exists():
        return path
    return STUBS.joinpath(*module.split("."), "__init__.pyi")


@pytest.mark.parametrize("module", sorted(FLASK_MODULES))
def test_every_public_name_of_the_alias_is_in_its_stub(module: str) -> None:
    # A name the alias has at run time but the stub lacks is an error to
    # mypy in an application that uses it.
    missing = _module_exports(FLASK_MODULES[module]) - _exports(_stub_path(module))
    assert not missing, f"typings/{module.replace('.', '/')}: add {sorted(missing)}"


def test_version_and_dependency_follow_the_framework() -> None:
    framework = _pyproject(ROOT)
    stubs = _pyproject(STUBS)
    assert stubs["name"] == "framework-flask-stubs"
    assert stubs["version"] == framework["version"]
    assert stubs["dependencies"] == [f"framework=={framework['version']}"]


def _mypy(
    workdir: pathlib.Path, site: pathlib.Path | None
) -> subprocess.CompletedProcess[str]:
    """mypy --strict on the alias check file, with no mypy_path: ``flask``
    can only come from ``site`` (an installed package) or from Flask."""
    config = workdir / "mypy.ini"
    config.write_text("[mypy]\nstrict = True\n", encoding="utf-8")
    # The framework is installed editable through an import hook, which
    # mypy can't follow: the source tree stands in for its installed copy.
    env = {"MYPYPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    if site is not None:
        # mypy searches the interpreter's sys.path for stub packages, as it
        # does site-packages.
        env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(config),
            "--cache-dir",
            str(workdir / "cache"),
            "--no-error-summary",
            str(workdir / CHECK.name),
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The distribution, built from a copy of ``typings/`` (a build writes
    into its source folder) and installed into a folder of its own."""
    base = tmp_path_factory.mktemp("flask-stubs")
    source = base / "source"
    shutil.copytree(STUBS, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "-q", "-w", str(base / "dist"), str(source)],
        check=True,
        timeout=300,
    )
    (wheel,) = (base / "dist").glob("framework_flask_stubs-*.whl")
    site = base / "site"
    subprocess.run(
        [*pip, "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        timeout=300,
    )
    return site


def test_the_wheel_installs_flask_stubs(installed: pathlib.Path) -> None:
    installed_modules = {
        ".".join(path.relative_to(installed).with_suffix("").parts)
        .replace("flask-stubs", "flask")
        .removesuffix(".__init__")
        for path in (installed / "flask-stubs").rglob("*.pyi")
    }
    assert installed_modules == _stub_modules()
    # A stub-only package: nothing importable named flask.
    assert not (installed / "flask").exists()


def test_mypy_checks_import_flask_against_the_framework(
    installed: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    shutil.copy(CHECK, tmp_path)
    result = _mypy(tmp_path, installed)
    assert result.returncode == 0, result.stdout + result.stderr
    # Without the stubs the same file is checked against the Flask installed
    # next to the framework (the extensions under test need it) and fails:
    # the stubs are what made it pass.
    result = _mypy(tmp_path, None)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Expression is of type "FlaskClient", not "AppClient"' in result.stdout
