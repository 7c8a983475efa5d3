"""benchmarks/charts.py: from the JSON the three runs write, the charts
(PNG files) and one results file with the ratios, the server rows and the
machine; a run that is missing leaves out its chart, not the others."""

from __future__ import annotations

import json
import typing as t
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


def spread(median: float, q1: float, q3: float) -> dict[str, float]:
    return {"median": median, "q1": q1, "q3": q3, "min": q1, "max": q3, "rounds": 9}


def test_tables_and_losses_carry_the_spread_and_the_instructions(
    tmp_path: Path,
) -> None:
    wsgi = {
        **WSGI,
        "results": [
            {
                "scenario": "hello",
                "ratio": {"framework": 0.09, "Flask": 1.0, "Falcon": 0.06},
                "ratio_spread": {"framework": spread(0.09, 0.085, 0.095)},
                "framework_over": {"Falcon": spread(1.2, 1.1, 1.4)},
                "framework_over_falcon": 1.2,
                "framework_over_falcon_spread": spread(1.2, 1.1, 1.4),
            }
        ],
        "goals": [
            {
                "scenario": "hello", "peer": "framework", "against": "Flask",
                "most": 0.08, "ratio": 0.09, "met": False,
                "spread": spread(0.09, 0.085, 0.095),
                "instructions_ratio": 0.17, "instructions_met": False,
            },
            {
                "scenario": "form", "peer": "framework", "against": "Flask",
                "most": 0.08, "ratio": None, "met": None, "spread": None,
                "instructions_ratio": 0.5, "instructions_met": False,
            },
        ],
    }  # fmt: skip
    servers = {
        **SERVERS,
        "verdicts": [
            {
                "server": "uvicorn", "scenario": "hello", "best_other": "Falcon",
                "framework_over_best": 0.9, "spread": spread(0.9, 0.85, 1.02),
                "cpu_over_best": 1.05, "leads_or_ties": False, "sure": False,
                "share_of_raw": 0.6, "server_bound": False, "noisy": False,
            }
        ],
    }  # fmt: skip
    write(tmp_path, "wsgi.json", wsgi)
    write(tmp_path, "servers.json", servers)
    assert charts.main([str(tmp_path)]) == 0
    # The bars get whiskers over the middle half of their rounds.
    assert (tmp_path / "wsgi-ratio.png").read_bytes().startswith(PNG)
    assert "1.20 [1.10\N{EN DASH}1.40]" in (tmp_path / "wsgi-table.inc").read_text()
    served = (tmp_path / "servers-table.inc").read_text()
    assert "0.90 [0.85\N{EN DASH}1.02]" in served and "1.05" in served
    losses = (tmp_path / "losses.inc").read_text().splitlines()
    assert losses == [
        "- WSGI, hello: framework takes 1.20 times Falcon's time (middle half"
        " of the rounds: 1.10 to 1.40).",
        "- WSGI goal missed: hello, framework / Flask is 0.090 (middle half of"
        " the rounds: 0.085 to 0.095), 0.170 by instructions (goal: at most"
        " 0.08).",
        # Counted, not timed: judged by instructions.
        "- WSGI goal missed: form, framework / Flask is 0.500 by instructions"
        " (goal: at most 0.08).",
        "- uvicorn, hello: framework serves 0.90 of Falcon's requests per"
        " second (middle half of the rounds: 0.85 to 1.02).",
    ]


def api_part(reference: str, ours: str, rival: str, over: float) -> dict[str, t.Any]:
    """One interface of an api.json: framework, the reference and a rival."""
    return {
        "reference": reference,
        "framework": ours,
        "labels": {reference: reference.title(), ours: "framework", rival: "Rival"},
        "results": [
            {
                "scenario": "create",
                "ratio": {reference: 1.0, ours: 0.2, rival: 0.2 / over},
                "ratio_spread": {ours: spread(0.2, 0.19, 0.21)},
                "framework_over": {
                    reference: spread(0.2, 0.19, 0.21),
                    rival: spread(over, over - 0.1, over + 0.1),
                },
            }
        ],
        "goals": [
            {
                "scenario": "create", "peer": ours, "against": rival, "most": 1.0,
                "ratio": over, "met": over <= 1.0,
                "spread": spread(over, over - 0.1, over + 0.1),
                "instructions_ratio": None, "instructions_met": None,
            }
        ],
    }  # fmt: skip


def test_the_typed_api_run_gets_its_charts_tables_and_losses(tmp_path: Path) -> None:
    write(
        tmp_path,
        "api.json",
        {
            "versions": {"fastapi": "0.165.0"},
            "asgi": api_part("fastapi", "framework", "litestar", 1.3),
            "wsgi": api_part("apiflask", "framework-wsgi", "flask-msgspec", 0.8),
        },
    )
    assert charts.main([str(tmp_path)]) == 0
    for interface in ("asgi", "wsgi"):
        assert (tmp_path / f"api-{interface}-ratio.png").read_bytes().startswith(PNG)
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["api"]["asgi"]["ratios"]["create"]["framework"] == 0.2
    assert results["api"]["wsgi"]["reference"] == "apiflask"
    asgi_table = (tmp_path / "api-asgi-table.inc").read_text()
    assert "framework / Rival" in asgi_table  # litestar, by its label
    assert "1.30 [1.20\N{EN DASH}1.40]" in asgi_table
    assert "framework / Fastapi" in asgi_table
    assert "µs" not in asgi_table
    wsgi_table = (tmp_path / "api-wsgi-table.inc").read_text()
    assert "framework / Apiflask" in wsgi_table
    assert "0.80 [0.70\N{EN DASH}0.90]" in wsgi_table
    # Only the goal missed is a loss.
    assert (tmp_path / "losses.inc").read_text().splitlines() == [
        "- Typed APIs, ASGI, create: framework / Rival is 1.300 (middle half of"
        " the rounds: 1.200 to 1.400) (goal: at most 1.0)."
    ]
