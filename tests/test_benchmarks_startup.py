"""benchmarks/startup.py's ``--importtime``: ``python -X importtime``'s
report is read, the summary compares the peers' import times net of the
interpreter's own, and a real run lists each peer's slowest imports.

The peers' programs run in subprocesses (Flask must not load next to the
test suite's Flask alias)."""

from __future__ import annotations

import subprocess
import sys

from benchmarks import startup
from benchmarks.concurrency import ROOT

REPORT = """\
import time: self [us] | cumulative | imported package
import time:       300 |        300 |   _io
import time:      2000 |       2500 | site
import time:       150 |        150 |     werkzeug._internal
import time:      1200 |       1350 |   werkzeug
import time:       800 |       2150 | framework
"""


def test_the_importtime_report_is_read() -> None:
    profile = startup.parse_importtime(REPORT)
    assert profile["framework"] == (2150, 800)
    assert profile["werkzeug._internal"] == (150, 150)
    assert len(profile) == 5


def test_the_total_leaves_the_interpreter_out() -> None:
    profile = startup.parse_importtime(REPORT)
    # _io + werkzeug._internal + werkzeug + framework; site is the
    # interpreter's own.
    assert startup.own_total(profile) == 300 + 150 + 1200 + 800


def test_the_summary_gives_ratios_to_flask_and_falcon() -> None:
    profiles = {
        "framework": {"framework": (900, 900)},
        "flask": {"flask": (1200, 1200)},
        "falcon": {"falcon": (600, 600), "site": (5000, 5000)},
    }
    lines = startup.imports_summary(profiles).splitlines()
    assert lines[1].split() == ["framework", "1", "0.75", "1.50"]
    assert lines[3].split() == ["falcon", "2", "0.50", "1.00"]


def test_the_slowest_imports_by_cumulative_time() -> None:
    listing = startup.format_imports(startup.parse_importtime(REPORT), 2)
    lines = listing.splitlines()
    assert "(5 imported)" in lines[0]
    assert [line.split()[-1] for line in lines[1:]] == ["site", "framework"]


def test_importtime_lists_each_peers_slowest_imports() -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.startup", "--importtime", "3",
            "--importtime-runs", "1", "--peer", "framework", "--peer", "falcon",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "framework: import framework; app = framework.App(__name__)" in out
    assert "falcon: import falcon; app = falcon.App()" in out
    summary = out.split("\n\n")[0].splitlines()
    assert [line.split()[0] for line in summary[1:]] == ["framework", "falcon"]
