"""benchmarks/fanout.py: a tiny run of each backend, so that the script
keeps working; the figures are benchmarks/README.md's, not a test's."""

from __future__ import annotations

import pytest

from benchmarks.fanout import main


def test_a_small_fan_out_runs_on_both_backends(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--subscribers", "20", "--rounds", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("one message to 20 subscribers of one group")
    rows = {line.split()[0]: line.split()[1:] for line in lines[4:]}
    assert set(rows) == {"memory", "redis"}
    for fastest, median, slowest in rows.values():
        assert 0 < float(fastest) <= float(median) <= float(slowest)
