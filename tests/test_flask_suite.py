"""Flask 3.1.3's own test suite runs on this framework: through the alias
and ported, with exactly the failures ``tests/flask_suite/known_failures.txt``
lists (each with its reason). ``tests/flask_suite/run.py`` does the work."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).parent / "flask_suite" / "run.py"


@pytest.mark.parametrize("mode", ["alias", "port"])
def test_flask_suite_fails_only_where_known(mode: str) -> None:
    result = subprocess.run(
        [sys.executable, str(RUNNER), "--mode", mode],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    summary = re.search(rf"flask-suite {mode}: (\d+) passed", report)
    assert summary is not None, report
