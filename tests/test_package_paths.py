"""Finding a package's folders on disk (:mod:`framework.package_paths`),
alone; ``tests/test_config.py`` checks the instance folders an app derives
from them."""

from __future__ import annotations

import pathlib
import sys

import pytest

from framework.package_paths import (
    find_package,
    find_package_path,
    install_prefix,
    package_path,
)


def _make_package(root: pathlib.Path, name: str) -> pathlib.Path:
    (root / name).mkdir(parents=True)
    (root / name / "__init__.py").write_text("", encoding="utf-8")
    return root / name


def test_find_package_path_is_the_folder_of_the_module(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _make_package(tmp_path, "pp_pkg_a")
    (package / "views.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert find_package_path("pp_pkg_a") == str(package.resolve())
    assert find_package_path("pp_pkg_a.views") == str(package.resolve())


def test_find_package_path_of_an_unknown_module_is_the_working_directory(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_package_path("pp_no_such_module") == str(tmp_path)


def test_package_path_is_the_folder_above_the_top_level_package(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_package(tmp_path, "pp_pkg_b")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert package_path("pp_pkg_b") == str(tmp_path)
    assert package_path("pp_pkg_b.sub.module") == str(tmp_path)


def test_package_path_of_a_namespace_package_is_the_part_holding_the_module(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pp_ns is spread over two folders; pp_ns.app lives in the second.
    first, second = tmp_path / "one", tmp_path / "two"
    (first / "pp_ns" / "other").mkdir(parents=True)
    (second / "pp_ns" / "app").mkdir(parents=True)
    monkeypatch.syspath_prepend(str(second))
    monkeypatch.syspath_prepend(str(first))
    assert package_path("pp_ns.app") == str(second)


def test_install_prefix_of_a_folder_under_the_python_prefix(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert install_prefix(pathlib.PurePath(tmp_path / "anything")) == str(tmp_path)


@pytest.mark.parametrize(
    ("folder", "prefix"),
    [
        ("/venv/lib/python3.11/site-packages", "/venv"),
        ("/venv/Lib/site-packages", "/venv"),
        ("/odd/site-packages", "/odd"),
        ("/home/me/project", None),
    ],
)
def test_install_prefix_of_a_folder_elsewhere(folder: str, prefix: str | None) -> None:
    assert install_prefix(pathlib.PurePosixPath(folder)) == (
        None if prefix is None else str(pathlib.PurePosixPath(prefix))
    )


def test_find_package_pairs_the_prefix_with_the_package_path(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_package(tmp_path, "pp_pkg_c")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert find_package("pp_pkg_c") == (None, str(tmp_path))
