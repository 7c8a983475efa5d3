"""``make run`` installs what the example blog needs and no more, and the
two commands of the README share one environment: ``make test`` after
``make run`` adds the development tools, ``make run`` after ``make test``
installs nothing.

Real ``make`` runs the repository's Makefile in a folder laid out like a
checkout, whose ``.venv/bin/python`` only writes down how it was called.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

MAKEFILE = Path(__file__).resolve().parent.parent / "Makefile"

pytestmark = pytest.mark.skipif(
    shutil.which("make") is None, reason="needs make, which `make test` runs in"
)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copy(MAKEFILE, tmp_path / "Makefile")
    (tmp_path / "pyproject.toml").write_text("[project]\n")
    (tmp_path / "contrib").mkdir()
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path / "calls"}\n')
    python.chmod(0o755)
    _age(tmp_path / "pyproject.toml", tmp_path / "contrib", python, seconds=100)
    return tmp_path


def _age(*paths: Path, seconds: int) -> None:
    """Date ``paths`` ``seconds`` in the past, so make sees what came later
    as newer whatever the file system's time resolution."""
    for path in paths:
        when = path.stat().st_mtime - seconds
        os.utime(path, (when, when))


def make(checkout: Path, target: str) -> list[str]:
    """Run ``make target``; the fake Python's calls, which are cleared."""
    result = subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = checkout / "calls"
    lines = calls.read_text().splitlines() if calls.exists() else []
    calls.unlink(missing_ok=True)
    return lines


RUN_BLOG = "-m examples.blog --host 127.0.0.1 --port 5000"


def test_make_run_installs_the_framework_and_its_asgi_server_only(
    checkout: Path,
) -> None:
    assert make(checkout, "run") == ["-m pip install --quiet -e .[asgi]", RUN_BLOG]


def test_make_run_again_installs_nothing(checkout: Path) -> None:
    make(checkout, "run")
    assert make(checkout, "run") == [RUN_BLOG]


def test_make_test_after_make_run_installs_the_dev_extra(checkout: Path) -> None:
    make(checkout, "run")
    # `make test` begins with this prerequisite (then the checkers and pytest).
    assert make(checkout, ".venv/.dev-installed") == [
        "-m pip install --quiet -e .[dev]"
    ]


def test_make_run_after_make_test_installs_nothing(checkout: Path) -> None:
    make(checkout, ".venv/.dev-installed")
    assert make(checkout, "run") == [RUN_BLOG]


def test_make_run_reinstalls_when_the_project_changed(checkout: Path) -> None:
    make(checkout, ".venv/.dev-installed")
    _age(checkout / ".venv" / ".dev-installed", seconds=50)
    (checkout / "pyproject.toml").write_text("[project]\nname = 'changed'\n")
    assert make(checkout, "run") == ["-m pip install --quiet -e .[asgi]", RUN_BLOG]
