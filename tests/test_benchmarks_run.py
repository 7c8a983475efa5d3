"""benchmarks/run.py, the WSGI scenarios against Flask: a tiny run of every
scenario still checks both apps' answers and prints a row for each.

In a subprocess: the benchmark loads the real ``flask``, which the test
suite must not load next to the compatibility alias.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.concurrency import ROOT

#: The rows of a full run, in order; session-write gives two.
ROWS = [
    "hello",
    "json",
    "routing",
    "404",
    "hooks",
    "template",
    "json-large",
    "json-large-orjson",
    "session-write (cookie)",
    "session-write (redis)",
]


def test_every_wsgi_scenario_runs(tmp_path: Path) -> None:
    out = tmp_path / "wsgi.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--rounds", "1", "--number", "2",
         "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [r["scenario"] for r in json.loads(out.read_text())["results"]]
    assert rows == ROWS
    for row in rows:
        assert row in done.stdout
