"""benchmarks/soak.py: a short soak against a real ``framework serve``, so
the script keeps working, and its pass/fail rules fed with made-up
samples and answers."""

from __future__ import annotations

import http.client
import itertools
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.soak import (
    MIX,
    ROOT,
    Answer,
    Kind,
    Sample,
    Tally,
    answer_failures,
    check_answer,
    make_cycle,
    memory_by_process,
    memory_failures,
)

MB = 1024  # KiB

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the soak reads /proc"
)


def test_short_soak_passes_under_wsgi_and_asgi(tmp_path: Path) -> None:
    """1,000 requests of the whole mix through ``framework serve`` with its
    defaults (a WSGI server), then 1,000 through ``--server uvicorn`` (the
    same app through ASGI): under each, every kind gets its expected status
    and body, and the memory of every serving process is reported."""
    report = tmp_path / "soak.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.soak",
            "--requests",
            "1000",
            "--clients",
            "2",
            "--interval",
            "0.1",
            "--max-growth-mb",
            "50",
            "--json",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASS") == 2
    document = json.loads(report.read_text())
    assert document["passed"] is True
    runs = document["runs"]
    assert [run["server"] for run in runs][1] == "uvicorn"
    assert runs[0]["server"] != "uvicorn"
    expected = {kind.name: {str(kind.status)} for kind in MIX}
    for result in runs:
        assert result["passed"] is True
        assert result["failures"] == []
        assert {name: set(c) for name, c in result["statuses"].items()} == expected
        assert sum(n for c in result["statuses"].values() for n in c.values()) == 1000
        assert result["wrong"] == {}
        assert result["errors"] == {}
        assert result["processes"]
        for process in result["processes"]:
            assert process["warmup_mb"] > 10
            assert process["end_mb"] is not None
        assert result["samples"][-1]["done"] == 1000


def samples(*points: tuple[int, dict[int, int]]) -> list[Sample]:
    """Samples half a second apart of ``(requests done, {pid: KiB})``."""
    return [Sample(i / 2, done, rss) for i, (done, rss) in enumerate(points)]


def test_growth_over_the_limit_after_warmup_fails() -> None:
    """The peak counts, even when the memory falls back before the end."""
    run = samples(
        (0, {7: 20 * MB}),
        (100, {7: 30 * MB}),
        (500, {7: 36 * MB + 1}),
        (1000, {7: 31 * MB}),
    )
    [process] = memory_by_process(run, warmup=100)
    assert (process.warmup_kb, process.max_kb, process.end_kb) == (
        30 * MB,
        36 * MB + 1,
        31 * MB,
    )
    [failure] = memory_failures([process], max_growth_kb=5 * MB)
    assert "process 7 grew by 6.0 MB after the warm-up (at most 5 MB)" in failure


def test_growth_up_to_the_limit_passes_and_warmup_growth_is_free() -> None:
    run = samples(
        (0, {7: 10 * MB, 8: 10 * MB}),
        (50, {7: 25 * MB, 8: 26 * MB}),
        (120, {7: 30 * MB, 8: 30 * MB}),
        (600, {7: 35 * MB, 8: 31 * MB}),
        (1000, {7: 35 * MB, 8: 30 * MB}),
    )
    processes = memory_by_process(run, warmup=100)
    assert [p.growth_kb for p in processes] == [5 * MB, 1 * MB]
    assert memory_failures(processes, max_growth_kb=5 * MB) == []


def test_the_warmup_ends_at_the_first_sample_past_it() -> None:
    run = samples(
        (0, {7: 10 * MB}),
        (90, {7: 20 * MB}),
        (130, {7: 24 * MB}),
        (1000, {7: 30 * MB}),
    )
    [process] = memory_by_process(run, warmup=100)
    assert process.warmup_kb == 24 * MB
    assert memory_failures([process], max_growth_kb=5 * MB) != []
    assert memory_failures([process], max_growth_kb=6 * MB) == []


def test_a_worker_replaced_after_warmup_fails() -> None:
    """A restarted worker starts small again: its leak would go unseen."""
    run = samples(
        (0, {7: 30 * MB}),
        (100, {7: 30 * MB}),
        (500, {8: 25 * MB}),
        (1000, {8: 25 * MB}),
    )
    failures = memory_failures(memory_by_process(run, warmup=100), 5 * MB)
    assert len(failures) == 2
    assert "process 7 exited before the end" in failures[0]
    assert "process 8 started after the warm-up" in failures[1]


def test_a_worker_replaced_during_warmup_does_not_count() -> None:
    run = samples(
        (0, {7: 30 * MB}),
        (50, {8: 28 * MB}),
        (100, {8: 30 * MB}),
        (1000, {8: 31 * MB}),
    )
    assert memory_failures(memory_by_process(run, warmup=100), 5 * MB) == []


def test_no_serving_process_fails() -> None:
    assert memory_failures([], 5 * MB) == ["no serving process was found"]


def tally(**statuses: dict[int, int]) -> Tally:
    """A tally of these answers by kind (``raise_`` for ``raise``,
    ``bad_json`` for ``bad-json``)."""
    names = {kind.name for kind in MIX}
    result = Tally()
    for name, counts in statuses.items():
        kind = name.rstrip("_").replace("_", "-")
        assert kind in names
        result.statuses[kind] = Counter(counts)
    return result


def test_expected_statuses_pass() -> None:
    """A 500 from the raising view and a 400 for bad JSON are expected."""
    seen = tally(hello={200: 10}, raise_={500: 3}, bad_json={400: 2})
    assert answer_failures(seen) == []


def test_unexpected_statuses_wrong_bodies_and_errors_fail() -> None:
    seen = tally(hello={200: 10, 502: 2}, raise_={500: 3, 503: 1})
    seen.wrong["template"] = 4
    seen.errors["ConnectionResetError"] = 5
    assert answer_failures(seen) == [
        "hello: 502 x 2 instead of 200",
        "template: 4 wrong answers",
        "raise: 503 x 1 instead of 500",
        "5 requests got no answer: ConnectionResetError",
    ]


def test_the_cycle_sends_each_kind_as_often_as_its_weight() -> None:
    cycle = make_cycle(MIX)
    assert Counter(cycle) == {i: kind.weight for i, kind in enumerate(MIX)}
    # Spread out: the heaviest kind never comes twice in a row.
    assert all(a != b for a, b in itertools.pairwise(cycle))


EXPECTING_CONTENT = [k for k in MIX if k.check and k.name != "raise"]


@pytest.mark.parametrize("kind", EXPECTING_CONTENT, ids=lambda k: k.name)
def test_a_garbled_answer_is_wrong_not_a_crash(kind: Kind) -> None:
    """Every check of a body's content refuses an answer of the right
    status with a body it can't even parse, so the load generator counts it
    and goes on."""
    garbled = Answer(kind.status, http.client.HTTPMessage(), b"\x00 {not json")
    assert check_answer(kind, garbled) is False


@pytest.mark.parametrize(
    ("body", "right"),
    [
        (b"<h1>Internal Server Error</h1>", True),
        (b"DeliberateError: the soak app's deliberate error", False),
        (b"Traceback (most recent call last):", False),
    ],
)
def test_the_500_page_must_not_show_the_error(body: bytes, right: bool) -> None:
    [kind] = [k for k in MIX if k.name == "raise"]
    assert check_answer(kind, Answer(500, http.client.HTTPMessage(), body)) is right
