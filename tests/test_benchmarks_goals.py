"""benchmarks/goals.py: each goal judged by the median of per-round time
ratios (and whether their middle half settles it) and by instruction
counts, and the counts a counter wrote read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.asgi_run import align_table
from benchmarks.goals import (
    Verdict,
    format_verdicts,
    instruction_ratio,
    judge,
    read_counts,
)
from benchmarks.spread import Spread

GOALS = [
    ("hello", "framework", "Flask", 0.08),
    (None, "framework", "Falcon", 1.3),
]
TIMES = {
    ("hello", "framework", "Flask"): Spread.of([0.07, 0.075, 0.09]),
    ("hello", "framework", "Falcon"): Spread.of([1.1, 1.2, 1.25]),
    ("json", "framework", "Falcon"): Spread.of([1.0, 1.4, 1.6]),
}
COUNTS = {
    "hello": {"framework": 50_000.0, "Flask": 320_000.0, "Falcon": 40_000.0},
    "form": {"framework": 90_000.0, "Falcon": 30_000.0},
}


def verdicts() -> dict[tuple[str, str], Verdict]:
    found = judge(GOALS, ["hello", "json", "form"], lambda *key: TIMES.get(key), COUNTS)
    return {(v.scenario, v.against): v for v in found}


def test_a_goal_for_every_scenario_covers_each_row_judged_somehow() -> None:
    found = verdicts()
    assert list(found) == [
        ("hello", "Flask"),
        ("hello", "Falcon"),
        ("json", "Falcon"),
        ("form", "Falcon"),
    ]


def test_time_and_instructions_each_give_a_verdict() -> None:
    found = verdicts()
    hello = found["hello", "Falcon"]
    assert hello.ratio == 1.2 and hello.met is True and hello.sure is True
    assert hello.instructions == pytest.approx(1.25)
    assert hello.instructions_met is True
    # Timed only: the middle half of the rounds (1.2 to 1.5) spans 1.3.
    json_goal = found["json", "Falcon"]
    assert json_goal.met is False and json_goal.sure is False
    assert json_goal.instructions is None and json_goal.instructions_met is None
    # Counted only.
    form = found["form", "Falcon"]
    assert form.time is None and form.met is None
    assert form.instructions == pytest.approx(3.0)
    assert form.instructions_met is False


def test_the_json_of_a_verdict() -> None:
    document = verdicts()["hello", "Flask"].as_json()
    assert document["ratio"] == 0.075
    assert document["met"] is True
    assert document["sure"] is False
    assert document["spread"]["max"] == 0.09
    assert document["instructions_ratio"] == pytest.approx(50 / 320)
    assert document["instructions_met"] is False


def test_the_goals_table_shows_both_verdicts() -> None:
    table = format_verdicts(list(verdicts().values()), align_table)
    lines = table.splitlines()
    assert lines[0].split() == ["goal", "time", "[IQR]", "met", "instructions", "met"]
    hello = next(line for line in lines if line.startswith("hello: framework / Flask"))
    assert hello.split()[-5:] == ["0.075", "[0.073-0.082]", "yes?", "0.156", "no"]
    form = next(line for line in lines if line.startswith("form:"))
    assert form.split()[-4:] == ["-", "-", "3.000", "no"]


def test_an_instruction_ratio_needs_both_counts() -> None:
    assert instruction_ratio(COUNTS, "form", "framework", "Falcon") == 3.0
    assert instruction_ratio(COUNTS, "form", "framework", "Flask") is None
    assert instruction_ratio(None, "form", "framework", "Falcon") is None


def test_counts_are_read_back(tmp_path: Path) -> None:
    path = tmp_path / "counts.json"
    path.write_text(json.dumps({"counts": {"hello": {"framework": 5}}}))
    assert read_counts(path) == {"hello": {"framework": 5.0}}
    path.write_text(json.dumps({"results": []}))
    with pytest.raises(ValueError, match="no instruction counts"):
        read_counts(path)
