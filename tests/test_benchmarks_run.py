"""benchmarks/run.py, the WSGI scenarios against Flask: a tiny run of every
scenario still checks both apps' answers and prints a row for each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import run


def test_every_wsgi_scenario_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "wsgi.json"
    status = run.main(["--rounds", "1", "--number", "2", "--json", str(out)])
    printed = capsys.readouterr()
    assert status == 0, printed.err
    rows = [r["scenario"] for r in json.loads(out.read_text())["results"]]
    expected = [s.name for s in run.SCENARIOS if s.name != "session-write"]
    assert rows == [*expected, "session-write (cookie)", "session-write (redis)"]
    for row in rows:
        assert row in printed.out
