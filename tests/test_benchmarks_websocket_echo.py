"""benchmarks/websocket_echo.py: a tiny run against real uvicorns on
127.0.0.1, so the script keeps working. Not a timed test: the goal is
lifted (``--goal 0``) and only the answers and the report's shape are
checked."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.concurrency import ROOT
from benchmarks.websocket_echo import (
    Rounds,
    cpu_seconds,
    format_cpu,
    format_goals,
    format_table,
    ratio,
)

on_linux = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/<pid>/stat"
)

needs_uvicorn = pytest.mark.skipif(
    importlib.util.find_spec("uvicorn") is None
    or importlib.util.find_spec("websockets") is None,
    reason="uvicorn[standard] is not installed (the bench extra)",
)


@needs_uvicorn
def test_a_tiny_run_times_every_measure_of_each_app(tmp_path: Path) -> None:
    report = tmp_path / "websocket.json"
    done = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.websocket_echo",
            "--app", "framework", "--app", "starlette",
            "--rounds", "1", "--messages", "20", "--window", "5",
            "--handshakes", "3", "--goal", "0", "--json", str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(report.read_text())
    assert [r["app"] for r in result["results"]] == ["framework", "starlette"]
    for rounds in result["results"]:
        for measure in ("echo", "pipelined", "handshake"):
            (figure,) = rounds[measure]
            assert figure > 0
        if sys.platform.startswith("linux"):
            assert set(rounds["cpu_us"]) == {"echo", "pipelined", "handshake"}
    assert [goal["met"] for goal in result["goals"]] == [True, True]
    assert "echo: framework / Starlette rate >= 0" in done.stdout


def test_ratios_are_taken_round_by_round_against_starlette() -> None:
    framework = Rounds("framework", [90, 200], [100, 100], [50, 100])
    starlette = Rounds("starlette", [100, 100], [100, 50], [100, 100])
    results = [framework, starlette]
    # Round 1: 0.9, round 2: 2.0; the median of the two.
    assert ratio(results, "framework", "echo") == pytest.approx(1.45)
    assert ratio(results, "framework", "pipelined") == pytest.approx(1.5)
    assert ratio(results, "framework", "handshake") == pytest.approx(0.75)
    assert ratio([framework], "framework", "echo") is None
    table = format_table(results).splitlines()
    assert table[2].split()[:3] == ["framework", "145", "1.450"]
    assert table[3].split()[:3] == ["starlette", "100", "1.000"]


def test_a_rate_under_the_goal_is_not_met() -> None:
    slow = Rounds("framework", [90], [96], [100])
    starlette = Rounds("starlette", [100], [100], [100])
    goals = format_goals([slow, starlette], 0.95).splitlines()
    assert goals[2].split()[-2:] == ["0.900", "no"]
    assert goals[3].split()[-2:] == ["0.960", "yes"]
    # Without Starlette there is nothing to judge.
    assert format_goals([slow], 0.95).splitlines()[2:] == []


@on_linux
def test_a_process_cpu_time_is_read_from_proc() -> None:
    start = cpu_seconds(os.getpid())
    assert start is not None
    sum(range(3_000_000))  # a few tens of milliseconds of work
    now = cpu_seconds(os.getpid())
    assert now is not None and now > start
    assert cpu_seconds(None) is None


def test_cpu_time_is_compared_with_starlettes() -> None:
    cpu = {"echo": 30.0, "pipelined": 20.0, "handshake": 500.0}
    framework = Rounds("framework", [1], [1], [1], cpu)
    cpu = {"echo": 20.0, "pipelined": 20.0, "handshake": 1000.0}
    starlette = Rounds("starlette", [1], [1], [1], cpu)
    rows = format_cpu([framework, starlette]).splitlines()
    assert rows[2].split() == [
        "framework", "30.0", "1.500", "20.0", "1.000", "500.0", "0.500"
    ]  # fmt: skip
    # A run that could not read the servers' CPU time has no such table.
    assert format_cpu([Rounds("framework", [1], [1], [1])]) == ""
