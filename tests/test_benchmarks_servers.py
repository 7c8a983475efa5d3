"""benchmarks/servers.py: wrk's report is read right, wrong answers are
caught before any load, the verdicts compare framework with the best other
app, and real servers start with the benchmark's apps and answer right.

The servers run in subprocesses on free ports of 127.0.0.1, each started
and stopped by the benchmark itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import servers
from benchmarks.concurrency import ROOT
from benchmarks.servers import (
    Row,
    answer_problem,
    parse_wrk,
    tree_cpu_seconds,
    verdicts,
)
from benchmarks.shapes import HELLO

WRK_REPORT = """\
Running 3s test @ http://127.0.0.1:40123/
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms  610.52us  14.93ms   91.20%
    Req/Sec     7.71k   412.18     8.21k    86.67%
  Latency Distribution
     50%    1.98ms
     75%    2.21ms
     90%    2.55ms
     99%  850.00us
  23041 requests in 3.00s, 3.30MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   7679.41
Transfer/sec:      1.10MB
"""


def test_wrk_report_is_read() -> None:
    figures = parse_wrk(WRK_REPORT)
    assert figures["requests_per_second"] == 7679.41
    assert figures["p50_ms"] == 1.98
    assert figures["p99_ms"] == pytest.approx(0.85)
    assert figures["requests"] == 23041
    assert figures["errors"] == 7


def test_a_report_without_a_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="Requests/sec"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


@pytest.mark.parametrize(
    ("scenario", "status", "body"),
    [
        ("hello", 200, b"Hello"),
        ("hello", 500, HELLO.encode()),
        ("json", 200, b'{"hello": "world"}'),
        ("json", 200, b"<html>"),
        ("template", 200, b"<li><b>item 0 & co</b></li>"),
    ],
)
def test_wrong_answers_are_caught(scenario: str, status: int, body: bytes) -> None:
    assert answer_problem(scenario, status, body) != ""


def test_right_answers_pass() -> None:
    assert answer_problem("hello", 200, HELLO.encode()) == ""
    assert answer_problem("json", 200, b'{"n": 42, "hello": "world"}') == ""
    assert answer_problem("template", 200, servers.rendered_template()) == ""


def row(server: str, scenario: str, peer: str, *rates: float) -> Row:
    """A row loaded in one round per rate."""
    loaded = Row(server, scenario, peer)
    for rate in rates:
        loaded.add(
            {
                "requests_per_second": rate,
                "p50_ms": 1.0,
                "p99_ms": 2.0,
                "requests": rate,
                "errors": 0.0,
            }
        )
    return loaded


def test_verdicts_compare_with_the_best_other_app() -> None:
    rows = [
        row("uvicorn", "hello", "raw", 10_000),
        row("uvicorn", "hello", "framework", 9_000),
        row("uvicorn", "hello", "Starlette", 8_500),
        row("uvicorn", "hello", "Quart", 3_000),
        row("uvicorn", "json", "framework", 4_000),
        row("uvicorn", "json", "Starlette", 5_000),
    ]
    found = {v["scenario"]: v for v in verdicts(rows)}
    assert found["hello"]["best_other"] == "Starlette"
    assert found["hello"]["framework_over_best"] == pytest.approx(9_000 / 8_500)
    assert found["hello"]["leads_or_ties"] is True
    # Both reach 80% of the bare app: the server sets the pace.
    assert found["hello"]["server_bound"] is True
    assert found["json"]["leads_or_ties"] is False
    assert found["json"]["server_bound"] is False
    assert found["json"]["share_of_raw"] == pytest.approx(0.4)
    assert not any(v["noisy"] for v in found.values())


def test_an_app_faster_than_the_bare_app_marks_the_figures_noisy() -> None:
    rows = [
        row("granian", "hello", "raw", 4_000),
        row("granian", "hello", "framework", 8_000),
        row("granian", "hello", "Starlette", 9_000),
    ]
    assert [v["noisy"] for v in verdicts(rows)] == [True]


def test_a_row_is_its_median_round_with_the_spread() -> None:
    loaded = row("s", "hello", "a", 5.0, 1.0, 3.0, 4.0)
    assert loaded.requests_per_second == 3.5
    assert loaded.rounds_rps == [5.0, 1.0, 3.0, 4.0]
    assert loaded.requests == 13
    spread = loaded.spread
    assert spread is not None and (spread.low, spread.high) == (1.0, 5.0)


def test_cpu_per_request_sums_the_rounds() -> None:
    loaded = Row("s", "hello", "a")
    figures = {"requests_per_second": 1.0, "p50_ms": 1.0, "p99_ms": 1.0}
    loaded.add({**figures, "requests": 1000.0, "errors": 0.0}, 0.05)
    loaded.add({**figures, "requests": 3000.0, "errors": 0.0}, 0.25)
    assert loaded.cpu_us_per_request == pytest.approx(75.0)


def test_framework_is_compared_round_by_round() -> None:
    """The verdict is the median of per-round ratios: the rounds of
    framework and of the best other app were loaded a moment apart."""
    rows = [
        row("uvicorn", "json", "framework", 900, 400, 1000),
        row("uvicorn", "json", "Starlette", 1000, 500, 800),
    ]
    [verdict] = verdicts(rows)
    # Per round: 0.9, 0.8, 1.25.
    assert verdict["framework_over_best"] == pytest.approx(0.9)
    assert verdict["spread"]["min"] == pytest.approx(0.8)
    assert verdict["spread"]["max"] == pytest.approx(1.25)
    assert verdict["leads_or_ties"] is False
    # The middle half of the rounds (0.85 to 1.075) spans the tie line.
    assert verdict["sure"] is False


def test_the_cpu_of_a_process_tree() -> None:
    """A process's CPU time counts in its parent's tree; a process that
    has exited has none."""
    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.2\n"
            "while time.process_time() < end: pass\nprint('busy', flush=True)\n"
            "input()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "busy\n"
        theirs = tree_cpu_seconds(child.pid)
        mine = tree_cpu_seconds(os.getpid())
        assert theirs is not None and mine is not None
        assert theirs >= 0.15
        assert mine >= theirs
    finally:
        child.communicate("\n", timeout=30)
    assert tree_cpu_seconds(child.pid) is None


def run_benchmark(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m benchmarks.servers ARGS`` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.servers", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_servers_start_with_the_apps_and_answer_right() -> None:
    """gunicorn's gthread worker (WSGI) and uvicorn (ASGI) each serve the
    bare app, framework's and one peer's; every answer is checked."""
    done = run_benchmark(
        "--check", "--scenario", "hello", "--server", "gunicorn-gthread",
        "--server", "uvicorn", "--peer", "Falcon",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    for line in (
        "gunicorn-gthread hello raw: ok",
        "gunicorn-gthread hello framework: ok",
        "gunicorn-gthread hello Falcon: ok",
        "uvicorn hello raw: ok",
        "uvicorn hello framework: ok",
        "uvicorn hello Falcon: ok",
    ):
        assert line in done.stdout


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_a_short_load_run_writes_its_rows(tmp_path: Path) -> None:
    out = tmp_path / "servers.json"
    done = run_benchmark(
        "--scenario", "hello", "--server", "granian", "--peer", "Starlette",
        "--duration", "1", "--rounds", "2", "--warmup", "0", "--connections", "4",
        "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(out.read_text())
    rows = {r["peer"]: r for r in document["rows"]}
    assert set(rows) == {"raw", "framework", "Starlette"}
    for found in rows.values():
        assert found["requests_per_second"] > 0 and found["errors"] == 0
        assert 0 < found["p50_ms"] <= found["p99_ms"]
        # Two rounds each, taking turns; the server's CPU per request read.
        assert len(found["rounds_rps"]) == 2
        assert found["spread"]["rounds"] == 2
        assert found["cpu_us_per_request"] > 0
    assert [v["best_other"] for v in document["verdicts"]] == ["Starlette"]
    assert "framework/best" in done.stdout
