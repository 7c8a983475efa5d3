"""benchmarks/charts.py: from the JSON the three runs write, the charts
(PNG files) and one results file with the ratios, the server rows and the
machine; a run that is missing leaves out its chart, not the others."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import charts

PNG = b"\x89PNG\r\n\x1a\n"


def write(folder: Path, name: str, document: object) -> None:
    (folder / name).write_text(json.dumps(document))


WSGI = {
    "versions": {"python": "3.11"},
    "reference": "Flask",
    "results": [
        {
            "scenario": "hello",
            "ratio": {"framework": 0.1, "Flask": 1.0, "Falcon": 0.06, "Bottle": 0.14},
            "framework_over_falcon": 0.1 / 0.06,
        },
        {
            "scenario": "session-write (cookie)",
            "ratio": {"framework": 0.5, "Flask": 1.0},
            "framework_over_falcon": None,
        },
    ],
    "goals": [],
}
SERVERS = {
    "versions": {"wrk": "4.1.0"},
    "duration_s": 3.0,
    "connections": 16,
    "rows": [
        {"server": "uvicorn", "scenario": "hello", "peer": "raw",
         "requests_per_second": 9000.0},
        {"server": "uvicorn", "scenario": "hello", "peer": "framework",
         "requests_per_second": 7000.0},
        {"server": "uvicorn", "scenario": "hello", "peer": "Starlette",
         "requests_per_second": 0.0, "problem": "status 500"},
    ],
    "verdicts": [],
}  # fmt: skip


def test_charts_and_results_of_a_run(tmp_path: Path) -> None:
    write(tmp_path, "wsgi.json", WSGI)
    write(tmp_path, "servers.json", SERVERS)
    assert charts.main([str(tmp_path)]) == 0
    for name in ("wsgi-ratio.png", "servers-rps.png"):
        assert (tmp_path / name).read_bytes().startswith(PNG)
    # No ASGI run in the folder: no ASGI chart, and no error.
    assert not (tmp_path / "asgi-ratio.png").exists()
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["wsgi"]["ratios"]["hello"]["Falcon"] == 0.06
    assert results["wsgi"]["framework_over_falcon"]["hello"] > 1
    assert results["servers"]["rows"] == SERVERS["rows"]
    assert "asgi" not in results
    assert results["machine"]["cpus"] >= 1
    assert "cores" in (tmp_path / "machine.txt").read_text()
    # The docs' tables: ratios, never times.
    table = (tmp_path / "wsgi-table.inc").read_text()
    assert table.startswith(".. list-table::")
    assert "0.06" in table and "1.67" in table
    assert "µs" not in table
    losses = (tmp_path / "losses.inc").read_text()
    assert "WSGI, hello: framework takes 1.67 times Falcon's time." in losses
    assert "WSGI, session" not in losses
