"""benchmarks/run.py, the WSGI scenarios against Flask, Falcon and Bottle:
every app answers every scenario as Flask does (the check the timed run
relies on), the check catches wrong answers, and a tiny run of every
scenario prints a row for each and writes every column to its JSON.

Flask is only ever loaded in a subprocess: the test suite must not load the
real ``flask`` next to the compatibility alias. The driver and the Falcon
and Bottle apps are Flask-free, and tested here directly.
"""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

from benchmarks.concurrency import ROOT
from benchmarks.peers import bottle_peer, falcon_wsgi_peer
from benchmarks.wsgi_driver import (
    Call,
    Reply,
    answer_problems,
    call_once,
    prepare,
    time_apps,
)

#: The scenarios, in order.
SCENARIOS = [
    "hello",
    "json",
    "routing",
    "template",
    "form",
    "json-echo",
    "404",
    "hooks",
    "json-large",
    "json-large-orjson",
    "json-large-msgspec",
    "session-write",
]
#: The rows of a full run, in order; session-write gives two.
ROWS = [
    *SCENARIOS[:-1],
    "session-write (cookie)",
    "session-write (redis)",
]


def run_benchmark(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m benchmarks.run ARGS`` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_app_answers_every_scenario_as_flask_does() -> None:
    done = run_benchmark("--check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith("ok ")] == [
        f"ok {name}" for name in SCENARIOS
    ]


def test_every_wsgi_scenario_runs(tmp_path: Path) -> None:
    out = tmp_path / "wsgi.json"
    done = run_benchmark("--rounds", "1", "--number", "2", "--json", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads(out.read_text())
    rows = [r["scenario"] for r in document["results"]]
    assert rows == ROWS
    for row in rows:
        assert row in done.stdout
    by_row = {r["scenario"]: r for r in document["results"]}
    # Falcon and Bottle have an app of every scenario but the session one.
    for row in ROWS[:-2]:
        assert set(by_row[row]["ratio"]) == {"framework", "Flask", "Falcon", "Bottle"}
        assert by_row[row]["ratio"]["Flask"] == 1.0
        assert by_row[row]["framework_over_falcon"] > 0
    for row in ROWS[-2:]:
        assert set(by_row[row]["ratio"]) == {"framework", "Flask"}
    assert "framework/Falcon" in done.stdout
    assert "hello: framework / Flask <= 0.08" in done.stdout
    assert document["slices"] == 20
    hello = by_row["hello"]
    # Every ratio comes with the spread of its rounds.
    assert hello["ratio_spread"]["Flask"]["median"] == 1.0
    assert hello["framework_over"]["Falcon"]["rounds"] == 1
    assert (
        hello["framework_over_falcon"]
        == (hello["framework_over_falcon_spread"]["median"])
    )
    goal = document["goals"][0]
    assert goal["spread"]["rounds"] == 1
    assert goal["instructions_ratio"] is None


def test_the_goals_are_judged_by_instructions_given(tmp_path: Path) -> None:
    counts = tmp_path / "wsgi-instructions.json"
    counts.write_text(
        json.dumps({"counts": {"hello": {"framework": 50_000, "Flask": 500_000}}})
    )
    out = tmp_path / "wsgi.json"
    done = run_benchmark(
        "--scenario", "hello", "--peer", "Falcon", "--rounds", "2",
        "--number", "4", "--slices", "2", "--instructions", str(counts),
        "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("hello: "))
    assert line.split()[-2:] == ["0.100", "no"]
    goal = json.loads(out.read_text())["goals"][0]
    assert goal["instructions_ratio"] == 0.1
    assert goal["instructions_met"] is False


def test_the_other_peers_have_an_app_of_every_scenario_but_sessions() -> None:
    for peer in (falcon_wsgi_peer, bottle_peer):
        assert set(peer.WSGI) == set(SCENARIOS) - {"session-write"}


@pytest.mark.parametrize("peer", [falcon_wsgi_peer, bottle_peer])
def test_the_peers_hooks_all_run(peer: object) -> None:
    app = peer.WSGI["hooks"]()  # type: ignore[attr-defined]
    reply = call_once(*prepare(app, Call()))
    assert reply.status.startswith("200")
    assert reply.body == b"before_request hooks run: 3"
    assert [reply.header(f"X-After-{n}") for n in range(3)] == ["1", "1", "1"]


def reply(status: str = "200 OK", body: bytes = b"", **headers: str) -> Reply:
    return Reply(
        status, tuple((k.replace("_", "-"), v) for k, v in headers.items()), body
    )


HTML = "text/html; charset=utf-8"
JSON = "application/json"
FLASK_HELLO = reply(body=b"Hello, World!", Content_Type=HTML)
FLASK_JSON = reply(body=b'{"hello":"world","n":42}\n', Content_Type=JSON)
FLASK_HOOKS = reply(body=b"ok", Content_Type=HTML, X_After_0="1", X_After_1="1")
WRONG = {
    "short body": (reply(body=b"Hello", Content_Type=HTML), FLASK_HELLO, "body"),
    "500": (
        reply("500 ERROR", b"Hello, World!", Content_Type=HTML),
        FLASK_HELLO,
        "body",
    ),
    "text/plain": (
        reply(body=b"Hello, World!", Content_Type="text/plain"),
        FLASK_HELLO,
        "body",
    ),
    "JSON short": (reply(body=b'{"n": 42}', Content_Type=JSON), FLASK_JSON, "json"),
    "not JSON": (reply(body=b"<html>", Content_Type=JSON), FLASK_JSON, "json"),
    "found": (
        reply(body=b"found", Content_Type=HTML),
        reply("404 NOT FOUND"),
        "status",
    ),
    "hook skipped": (
        reply(body=b"ok", Content_Type=HTML, X_After_0="1"),
        FLASK_HOOKS,
        "body",
    ),
}


@pytest.mark.parametrize("case", list(WRONG))
def test_answer_problems_catch_wrong_answers(case: str) -> None:
    wrong, flask_reply, compare = WRONG[case]
    headers = ("X-After-0", "X-After-1")
    assert answer_problems(wrong, flask_reply, compare, headers) != []


def test_answer_problems_accept_each_frameworks_own_spelling() -> None:
    """JSON spacing and key order, a charset, a 404 page are each
    framework's own."""
    assert (
        answer_problems(
            reply(body=b'{"n": 42, "hello": "world"}', Content_Type=JSON),
            FLASK_JSON,
            "json",
        )
        == []
    )
    assert (
        answer_problems(
            reply("404 Not Found", b'{"title": "404 Not Found"}'),
            reply("404 NOT FOUND", b"<!doctype html>"),
            "status",
        )
        == []
    )


def test_a_body_reaches_every_request() -> None:
    """Each request of a scenario with a body gets a fresh ``wsgi.input``:
    the second request reads the same form as the first."""
    app = bottle_peer.WSGI["form"]()
    prepared = prepare(
        app, Call("POST", "/", b"item=tea&count=3", "application/x-www-form-urlencoded")
    )
    assert call_once(*prepared).body == b"tea x 3"
    assert call_once(*prepared).body == b"tea x 3"


def test_apps_take_turns_slice_by_slice_within_a_round() -> None:
    """ABAB within a round, not AAAA then BBBB; the first app rotates."""
    calls: list[str] = []

    def app_named(name: str) -> t.Any:
        def app(environ: t.Any, start_response: t.Any) -> list[bytes]:
            calls.append(name)
            start_response("200 OK", [])
            return [b""]

        return app

    apps = {name: prepare(app_named(name), Call()) for name in "AB"}
    timings = time_apps(apps, rounds=2, number=4, parts=2)
    assert {name: len(rounds) for name, rounds in timings.items()} == {
        "A": 2,
        "B": 2,
    }
    assert all(value > 0 for rounds in timings.values() for value in rounds)
    # One warm-up request each, then per round two slices of two requests.
    assert "".join(calls) == "AB" + "AABB" + "BBAA" + "AABB" + "BBAA"
