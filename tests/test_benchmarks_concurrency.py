"""benchmarks/concurrency.py: a tiny batch against a real uvicorn on
127.0.0.1, so the script keeps working. Not a timed test: the goal is
lifted (``--goal``) and only the answers are checked."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.concurrency import ROOT, Batch, format_table

needs_uvicorn = pytest.mark.skipif(
    importlib.util.find_spec("uvicorn") is None,
    reason="uvicorn is not installed (the bench extra)",
)


@needs_uvicorn
def test_a_small_batch_is_answered_in_full(tmp_path: Path) -> None:
    report = tmp_path / "concurrency.json"
    done = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.concurrency",
            "--app", "framework", "--requests", "20", "--sleep", "0.2",
            "--goal", "60", "--timeout", "30", "--json", str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(report.read_text())
    (batch,) = result["batches"]
    assert batch["app"] == "framework"
    assert batch["errors"] == {}
    assert len(batch["latencies_s"]) == 20
    # Each request slept: no answer came back sooner than the sleep.
    assert min(batch["latencies_s"]) >= 0.2
    assert "framework" in done.stdout


def test_a_batch_with_failures_misses_the_goal() -> None:
    fast = Batch("framework", 3, 0.5, [0.4, 0.4, 0.4])
    partial = Batch("starlette", 3, 0.5, [0.4, 0.4], {"ConnectionResetError": 1})
    slow = Batch("quart", 3, 2.5, [2.0, 2.1, 2.4])
    rows = format_table([fast, partial, slow], goal=2.0).splitlines()
    assert rows[2].split()[-2:] == ["0", "yes"]
    assert rows[3].split()[-2:] == ["1", "no"]
    assert rows[4].split()[-2:] == ["0", "no"]
