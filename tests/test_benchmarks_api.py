"""benchmarks/api_run.py and its apps (benchmarks/peers/*_api_app.py): every
peer answers every API scenario right (the check the timed run relies on),
the check catches wrong answers, and a tiny run times every peer and writes
its JSON.

APIFlask, flask-smorest and Flask+msgspec load the real ``flask``, so the
driver only ever runs in a subprocess here: the test suite must not load it
next to the compatibility alias. The checks themselves are Flask-free and
tested directly.
"""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from benchmarks import api_run
from benchmarks.api_run import (
    FRAMEWORK_ASGI,
    FRAMEWORK_WSGI,
    PEER_NAMES,
    PEERS,
    SCENARIO_NAMES,
    SCENARIOS,
    Peer,
    Result,
)
from benchmarks.api_shapes import CREATED_LOCATION, created_order, order_summaries
from benchmarks.asgi_driver import Reply as AsgiReply
from benchmarks.concurrency import ROOT
from benchmarks.wsgi_driver import Reply as WsgiReply


def run_benchmark(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m benchmarks.api_run ARGS`` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.api_run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_app_answers_every_scenario_right() -> None:
    done = run_benchmark("--check")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    checked = [line for line in lines if line.startswith(("ok ", "WRONG "))]
    assert checked == [
        f"ok {peer.name} {scenario.name}" for peer in PEERS for scenario in SCENARIOS
    ], done.stdout


def test_a_tiny_run_times_every_peer_and_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "api.json"
    done = run_benchmark(
        "--rounds", "2", "--number", "3", "--slices", "1", "--json", str(out)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ASGI: time / FastAPI's time" in done.stdout
    assert "WSGI: time / APIFlask's time" in done.stdout
    document = json.loads(out.read_text())
    assert document["versions"]["fastapi"] != "not installed"
    for interface, reference in (("asgi", "fastapi"), ("wsgi", "apiflask")):
        part = document[interface]
        assert part["reference"] == reference
        assert [r["scenario"] for r in part["results"]] == list(SCENARIO_NAMES)
        names = {p.name for p in PEERS if p.interface == interface}
        for row in part["results"]:
            assert set(row["ratio"]) == names
            assert row["ratio"][reference] == 1.0
            assert all(len(rounds) == 2 for rounds in row["rounds_us"].values())
        assert part["goals"], "framework's goals are judged"


# -- The check, on made-up replies ---------------------------------------------

FASTAPI = PEER_NAMES["fastapi"]
LITESTAR = PEER_NAMES["litestar"]
JSON = {"content-type": "application/json"}
PROBLEM = {"content-type": "application/problem+json"}
CREATED = json.dumps(created_order()).encode()
LISTED = json.dumps(order_summaries()).encode()


def problem(*pointers: str, status: int = 422) -> bytes:
    return json.dumps(
        {
            "type": "about:blank",
            "title": "Unprocessable Content",
            "status": status,
            "detail": f"{len(pointers)} fields are invalid.",
            "errors": [{"in": "body", "pointer": p, "detail": "x"} for p in pointers],
        }
    ).encode()


ALL_POINTERS = sorted(api_run.INVALID_POINTERS)


def asgi(status: int, body: bytes, **headers: str) -> AsgiReply:
    return AsgiReply(status, tuple(headers.items()), body)


@pytest.mark.parametrize(
    ("scenario", "peer", "reply"),
    [
        ("create", FASTAPI, asgi(201, CREATED, **JSON, location=CREATED_LOCATION)),
        (
            "create",
            FRAMEWORK_ASGI,
            asgi(201, CREATED, **JSON, location=f"http://localhost{CREATED_LOCATION}"),
        ),
        ("list", FASTAPI, asgi(200, LISTED, **{"content-type": "application/json"})),
        ("invalid", FASTAPI, asgi(422, b'{"detail": []}', **JSON)),
        ("invalid", LITESTAR, asgi(400, b'{"status_code": 400}', **JSON)),
        ("invalid", FRAMEWORK_ASGI, asgi(422, problem(*ALL_POINTERS), **PROBLEM)),
        (
            "create",
            FRAMEWORK_WSGI,
            WsgiReply(
                "201 CREATED",
                (("Content-Type", "application/json"), ("Location", CREATED_LOCATION)),
                CREATED,
            ),
        ),
    ],
)
def test_the_check_passes_right_answers(
    scenario: str, peer: Peer, reply: t.Any
) -> None:
    assert SCENARIO_NAMES[scenario].check(peer)(reply) == []


@pytest.mark.parametrize(
    ("scenario", "peer", "reply", "problem_text"),
    [
        ("create", FASTAPI, asgi(200, CREATED, **JSON, location="/orders/1"), "status"),
        ("create", FASTAPI, asgi(201, CREATED, **JSON), "Location"),
        (
            "create",
            FASTAPI,
            asgi(201, CREATED, **{"content-type": "text/html"}, location="/orders/1"),
            "content-type",
        ),
        (
            "create",
            FASTAPI,
            asgi(201, CREATED.replace(b'"quantity": 2', b'"quantity": 3'), **JSON),
            "JSON",
        ),
        ("list", FASTAPI, asgi(200, b"[]", **JSON), "JSON"),
        ("list", FASTAPI, asgi(200, b"not json", **JSON), "not JSON"),
        ("invalid", FASTAPI, asgi(400, b"{}", **JSON), "status"),
        ("invalid", FASTAPI, asgi(422, b"{}", **{"content-type": "text/html"}), "JSON"),
        ("invalid", LITESTAR, asgi(422, b"{}", **JSON), "status"),
        # framework: problem details, listing every bad field.
        ("invalid", FRAMEWORK_ASGI, asgi(422, problem(*ALL_POINTERS), **JSON), "type"),
        (
            "invalid",
            FRAMEWORK_ASGI,
            asgi(422, problem(ALL_POINTERS[0]), **PROBLEM),
            "errors point",
        ),
        (
            "invalid",
            FRAMEWORK_ASGI,
            asgi(422, problem(*ALL_POINTERS, status=400), **PROBLEM),
            "problem status",
        ),
        ("invalid", FRAMEWORK_ASGI, asgi(422, b"[]", **PROBLEM), "not an object"),
        (
            "list",
            FRAMEWORK_WSGI,
            WsgiReply("500 INTERNAL SERVER ERROR", (), b"<h1>oops</h1>"),
            "status",
        ),
    ],
)
def test_the_check_catches_wrong_answers(
    scenario: str, peer: Peer, reply: t.Any, problem_text: str
) -> None:
    problems = SCENARIO_NAMES[scenario].check(peer)(reply)
    assert any(problem_text in line for line in problems), problems


def test_the_requests_are_the_same_under_both_interfaces() -> None:
    listing = SCENARIO_NAMES["list"]
    assert listing.asgi_request().scope()["query_string"] == listing.query.encode()
    assert listing.wsgi_call().path == f"/orders?{listing.query}"
    create = SCENARIO_NAMES["create"]
    request, call = create.asgi_request(), create.wsgi_call()
    assert request.body == call.body == create.encoded_body()
    assert json.loads(call.body) == create.body
    assert ("Content-Type", "application/json") in request.headers
    assert call.content_type == "application/json"


# -- The tables and goals, on made-up timings ------------------------------------


def made_up(scenario: str, **means: float) -> Result:
    """A result of three rounds per peer, each round at ``mean`` ns."""
    return Result(scenario, {name: [mean] * 3 for name, mean in means.items()})


def test_the_asgi_goals_are_judged_against_litestar_and_the_floor() -> None:
    results = [
        made_up(
            "create",
            fastapi=120,
            framework=27,
            litestar=55,
            **{"starlette-msgspec": 20},
        ),
        made_up(
            "invalid",
            fastapi=200,
            framework=90,
            litestar=80,
            **{"starlette-msgspec": 9},
        ),
    ]
    verdicts = {(v.scenario, v.against): v for v in api_run.goal_rows("asgi", results)}
    assert set(verdicts) == {
        ("create", "litestar"),
        ("invalid", "litestar"),
        ("create", "starlette-msgspec"),
    }
    assert verdicts["create", "litestar"].met
    assert verdicts["create", "starlette-msgspec"].ratio == pytest.approx(1.35)
    assert verdicts["create", "starlette-msgspec"].met
    assert not verdicts["invalid", "litestar"].met
    table = api_run.format_table(
        "asgi", results, [p for p in PEERS if p.interface == "asgi"]
    )
    header = table.splitlines()[0]
    assert header.split()[:2] == ["scenario", "FastAPI"]
    assert "framework/Litestar" in header
    assert "framework/Starlette+msgspec" in header
    # framework over FastAPI, and over Litestar, on create's row.
    assert "0.225 [0.225-0.225]" in table.splitlines()[2]
    assert "0.491 [0.491-0.491]" in table.splitlines()[2]


def test_the_wsgi_goal_is_a_fifth_of_apiflask() -> None:
    results = [made_up("list", apiflask=500, **{"framework-wsgi": 90})]
    (verdict,) = api_run.goal_rows("wsgi", results)
    assert (verdict.peer, verdict.against, verdict.most) == (
        "framework-wsgi",
        "apiflask",
        0.2,
    )
    assert verdict.met
    assert api_run.goal_rows("wsgi", [made_up("list", apiflask=500)]) == []
