"""benchmarks/callgrind.py, benchmarks/wsgi_instructions.py and
benchmarks/asgi_instructions.py: callgrind's summary is read, the counts
table divides by the reference, the counts file is what ``--instructions``
reads back, and every app the counters would count is built, checked and
sent requests (``--check``: no valgrind, which would take minutes).

The counters run in subprocesses: the WSGI one loads the real Flask, which
must not load next to the test suite's Flask alias.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks import callgrind
from benchmarks.asgi_run import align_table
from benchmarks.goals import read_counts
from benchmarks.peers import falcon_wsgi_peer

CALLGRIND_REPORT = """\
==4242== Callgrind, a call-graph generating cache profiler
==4242== For interactive control, run 'callgrind_control -h'.
==4242==
==4242== Events    : Ir
==4242== Collected : 1234567890
==4242==
==4242== I   refs:      1,234,567,890
"""


def test_callgrind_summary_is_read() -> None:
    assert callgrind.collected(CALLGRIND_REPORT) == 1_234_567_890
    assert callgrind.collected("valgrind: command not found") is None


COUNTS = {
    "hello": {"framework": 54_000.0, "Flask": 324_000.0, "Falcon": 39_000.0},
    "session-write (cookie)": {"framework": 590_000.0, "Flask": 1_140_000.0},
}


def test_the_counts_table_divides_by_the_reference() -> None:
    table = callgrind.counts_table(
        COUNTS,
        ["framework", "Flask", "Falcon"],
        "Flask",
        align_table,
        extra=("framework", "Falcon"),
    )
    lines = table.splitlines()
    assert lines[0].split() == [
        "row",
        "framework",
        "Flask",
        "Falcon",
        "framework/Falcon",
    ]
    assert lines[2].split() == [
        "hello", "54,000", "(0.167)", "324,000", "39,000", "(0.120)", "1.385",
    ]  # fmt: skip
    # No Falcon app: empty cells, no ratio.
    assert lines[3].split()[-2:] == ["-", "-"]


def test_the_counts_file_is_what_instructions_reads(tmp_path: Path) -> None:
    path = tmp_path / "wsgi-instructions.json"
    callgrind.write_counts(path, COUNTS, 2000, "Flask", {"python": "3.11"}, [])
    assert read_counts(path) == COUNTS
    document = json.loads(path.read_text())
    assert document["requests"] == 2000
    assert document["ratio"]["hello"]["Flask"] == 1.0


def run_module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=callgrind.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_wsgi_row_has_its_apps_to_count() -> None:
    """Every row of benchmarks.run, for framework, Flask, Falcon and Bottle
    wherever they have an app; the Redis session row against Flask's cookie
    sessions, counted once for the cookie row."""
    done = run_module("benchmarks.wsgi_instructions", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    counted = [line for line in done.stdout.splitlines() if line.startswith("ok ")]
    for row in ("hello", "routing", "form", "404", "hooks", "json-large-orjson"):
        for peer in ("framework", "Flask", "Falcon", "Bottle"):
            assert f"ok {row} / {peer}" in counted
    assert "ok session-write (cookie) / Flask" in counted
    assert "ok session-write (redis) / framework" in counted
    assert not any("session-write (redis) / Flask" in line for line in counted)
    # Four peers for every scenario Falcon answers (all but the session
    # one, whose three rows are listed above). benchmarks.run itself is not
    # imported: it imports Flask, which must not leak into this process.
    assert len(counted) == len(falcon_wsgi_peer.WSGI) * 4 + 3


def test_every_asgi_scenario_has_its_apps_to_count() -> None:
    done = run_module("benchmarks.asgi_instructions", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    counted = set(done.stdout.splitlines())
    for scenario in ("hello", "json-echo", "404", "hooks", "template", "session"):
        for peer in ("starlette", "framework"):
            assert f"ok {scenario} / {peer}" in counted
    # Falcon has no sessions.
    assert "ok session / falcon" not in counted
    assert "ok hello / falcon" in counted


def test_a_send_run_is_what_callgrind_counts() -> None:
    """The process callgrind runs: build, warm up, send; nothing printed."""
    done = run_module("benchmarks.wsgi_instructions", "--send", "Falcon", "hello", "3")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""


def test_the_api_apps_are_checked_and_sent_requests() -> None:
    """benchmarks/api_instructions.py: the apps it counts by default answer
    every API scenario right, and an ASGI and a WSGI ``--send`` run, what
    callgrind counts, print nothing."""
    done = run_module("benchmarks.api_instructions", "--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok framework create" in done.stdout.splitlines()
    assert "ok framework-wsgi invalid" in done.stdout.splitlines()
    for peer, scenario in (("framework", "create"), ("framework-wsgi", "invalid")):
        done = run_module("benchmarks.api_instructions", "--send", peer, scenario, "3")
        assert done.returncode == 0, done.stderr
        assert done.stdout == ""
