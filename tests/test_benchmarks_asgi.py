"""benchmarks/asgi_run.py and benchmarks/peers/: every framework's app of
every ASGI scenario answers right (the check the timed run relies on), the
checks catch wrong answers, and a tiny run prints its tables.

The peers are the ``bench`` extra's packages; the tests that need one that
is not installed are skipped. Flask (for Flask+a2wsgi, framework's ``def``
apps, which are the WSGI benchmarks' own, and Quart, built on Flask) is
only ever loaded in a subprocess: the test suite must not load the real
``flask`` next to the compatibility alias.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import asgi_run
from benchmarks.asgi_driver import Reply, Request
from benchmarks.asgi_run import (
    PEERS,
    SCENARIO_NAMES,
    SCENARIOS,
    MismatchError,
    Peer,
    Result,
    Started,
)
from benchmarks.concurrency import ROOT


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def installed(peer: Peer) -> bool:
    return importlib.util.find_spec(peer.requires) is not None


def builders(peer: Peer) -> dict[str, t.Any]:
    if not installed(peer):
        pytest.skip(f"{peer.requires} is not installed (the bench extra)")
    return peer.builders()


#: What a peer leaves out: Falcon has no sessions, and Starlette's ``def``
#: endpoints cannot read a body.
GAPS = {"falcon": {"session"}, "starlette-def": {"json-echo", "form"}}


def run_benchmark(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m benchmarks.asgi_run ARGS`` from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.asgi_run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_app_answers_every_scenario_right() -> None:
    """``--check``: each app of each framework, built, its lifespan started,
    answers the scenario's request right; only the documented gaps have no
    app."""
    for peer in PEERS:
        if not installed(peer):
            pytest.skip(f"{peer.requires} is not installed (the bench extra)")
    done = run_benchmark("--check")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = set(done.stdout.splitlines())
    for peer in PEERS:
        for scenario in SCENARIOS:
            gap = scenario.name in GAPS.get(peer.name, set())
            expected = f"{'none' if gap else 'ok'} {peer.name} {scenario.name}"
            assert expected in lines, done.stdout
    assert len(lines) == len(PEERS) * len(SCENARIOS)


def test_check_fails_on_a_wrong_answer(
    loop: asyncio.AbstractEventLoop, capsys: pytest.CaptureFixture[str]
) -> None:
    async def wrong(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        if scope["type"] == "lifespan":
            raise ValueError("no lifespan")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"Goodbye"})

    class WrongPeer:
        name = "wrong"

        def builders(self) -> dict[str, t.Any]:
            return {"hello": lambda: wrong}

    status = asgi_run.check_all(
        loop, [SCENARIO_NAMES["hello"]], [t.cast(Peer, WrongPeer())]
    )
    assert status == 1
    assert capsys.readouterr().out.startswith("WRONG wrong hello: MismatchError(")


def reply(status: int = 200, body: bytes = b"", **headers: str) -> Reply:
    return Reply(status, tuple(headers.items()), body)


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("hello", reply(body=b"Hello")),
        ("hello", reply(500, b"Hello, World!")),
        (
            "json",
            reply(body=b'{"hello": "world"}', **{"content-type": "application/json"}),
        ),
        (
            "json",
            reply(body=b'{"hello":"world","n":42}', **{"content-type": "text/plain"}),
        ),
        ("json", reply(body=b"<html>", **{"content-type": "application/json"})),
        ("404", reply(200, b"found")),
        ("hooks", reply(body=b"before_request hooks run: 2")),
        ("hooks", reply(body=b"before_request hooks run: 3", **{"X-After-0": "1"})),
        ("template", reply(body=b"<li><b>item 0 & co</b></li>")),
        ("form", reply(body=b"tea x None")),
        ("session", reply(body=b"user 42")),
        ("session", reply(body=b"user None", **{"set-cookie": "session=x"})),
    ],
)
def test_checks_catch_wrong_answers(name: str, wrong: Reply) -> None:
    assert SCENARIO_NAMES[name].check(wrong) != []


def test_a_wrong_app_is_reported_and_left_untimed(
    loop: asyncio.AbstractEventLoop,
) -> None:
    async def wrong(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        if scope["type"] == "lifespan":
            raise ValueError("no lifespan")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"Goodbye"})

    async def right(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        if scope["type"] == "lifespan":
            raise ValueError("no lifespan")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"Hello, World!"})

    with pytest.raises(MismatchError, match="Goodbye"):
        Started.start(loop, SCENARIO_NAMES["hello"], lambda: wrong)
    result, failures = asgi_run.run_scenario(
        loop,
        SCENARIO_NAMES["hello"],
        {"starlette": lambda: right, "framework": lambda: wrong},
        rounds=2,
        number=3,
    )
    assert list(result.timings) == ["starlette"]
    assert len(result.timings["starlette"]) == 2
    assert len(failures) == 1
    assert failures[0].startswith("hello / framework: MismatchError")


def test_ratios_and_goals_come_from_per_round_ratios() -> None:
    """A ratio is the median of each round's ratio (the two apps ran in the
    same round), not a ratio of two medians: here the median rounds are
    11 and 10 µs (0.909), but round by round framework takes 1.5, 0.5 and
    0.8 of Starlette's time."""
    result = Result(
        "hello",
        {
            "starlette": [10_000.0, 12_000.0, 11_000.0],
            "framework": [15_000.0, 6_000.0, 8_800.0],
            "framework-def": [90_000.0, 90_000.0, 90_000.0],
            "starlette-def": [100_000.0, 100_000.0, 100_000.0],
        },
    )
    assert result.median_us("starlette") == 11.0
    assert result.ratio("framework") == pytest.approx(0.8)
    spread = result.spread("framework")
    assert spread is not None
    assert (spread.low, spread.high, spread.rounds) == (0.5, 1.5, 3)
    assert result.ratio("quart") is None
    goals = {(g.scenario, g.peer): g for g in asgi_run.goal_rows([result])}
    assert goals["hello", "framework"].ratio == pytest.approx(0.8)
    assert goals["hello", "framework"].met is True
    # The middle half of the rounds (0.65 to 1.15) spans the goal of 1.0.
    assert goals["hello", "framework"].sure is False
    assert goals["hello", "framework-def"].ratio == pytest.approx(0.9)
    assert goals["hello", "framework-def"].instructions is None
    table = asgi_run.format_table([result], PEERS)
    assert "11.00" in table and "0.800 [0.650-1.150]" in table


def test_goals_are_judged_by_instructions_too() -> None:
    result = Result("hello", {"starlette": [10_000.0], "framework": [12_000.0]})
    counts = {
        "hello": {"starlette": 80_000.0, "framework": 72_000.0},
        "json": {"starlette": 100_000.0, "framework": 90_000.0},
    }
    goals = {(g.scenario, g.peer): g for g in asgi_run.goal_rows([result], counts)}
    hello = goals["hello", "framework"]
    assert (hello.met, hello.instructions_met) == (False, True)
    assert hello.instructions == pytest.approx(0.9)
    # Counted but not timed: judged by instructions alone.
    json_goal = goals["json", "framework"]
    assert (json_goal.time, json_goal.met, json_goal.instructions_met) == (
        None,
        None,
        True,
    )
    table = asgi_run.format_goals([result], counts)
    assert "hello: framework / Starlette <= 1.0" in table
    assert "0.900" in table


def test_a_tiny_run_prints_both_tables_and_writes_json(tmp_path: Path) -> None:
    for peer in PEERS[:2]:
        builders(peer)
    out = tmp_path / "asgi.json"
    done = run_benchmark(
        "--rounds", "2", "--number", "3", "--scenario", "hello",
        "--scenario", "form", "--peer", "framework", "--json", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Starlette µs" in done.stdout
    assert "hello: framework / Starlette <= 1.0" in done.stdout
    document = json.loads(out.read_text())
    assert [r["scenario"] for r in document["results"]] == ["hello", "form"]
    for result in document["results"]:
        assert set(result["rounds_us"]) == {"starlette", "framework"}
        assert all(len(v) == 2 for v in result["rounds_us"].values())
        assert result["ratio"]["starlette"] == 1.0
        assert result["requests_per_round"] == {"starlette": 3, "framework": 3}
        assert result["ratio_spread"]["framework"]["rounds"] == 2
    assert document["slices"] == 50
    assert document["goals"][0]["spread"]["rounds"] == 2


def test_profile_prints_a_listing(capsys: pytest.CaptureFixture[str]) -> None:
    builders(PEERS[0])
    status = asgi_run.main(
        ["--profile", "starlette", "--scenario", "hello", "--number", "5"]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "hello: 5 requests, by own time" in printed
    assert "function calls" in printed


def test_the_timed_request_of_a_login_scenario_carries_the_cookie(
    loop: asyncio.AbstractEventLoop,
) -> None:
    peer = next(p for p in PEERS if p.name == "framework")
    started = Started.start(loop, SCENARIO_NAMES["session"], builders(peer)["session"])
    started.stop(loop)
    assert isinstance(started.request, Request)
    cookie = dict(started.request.headers)["Cookie"]
    assert cookie.startswith("session=")


def test_rounds_are_sized_to_last_about_the_same() -> None:
    assert asgi_run.round_size(10_000, 25) == 2500  # 10 µs a request
    assert asgi_run.round_size(500_000, 25) == 50  # 500 µs a request
    assert asgi_run.round_size(100_000_000, 25) == 5  # never fewer than 5
    assert asgi_run.round_size(0, 25) == 100_000  # nor more than 100,000


def test_without_number_each_app_gets_its_own_round_size(
    loop: asyncio.AbstractEventLoop,
) -> None:
    async def quick(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        if scope["type"] == "lifespan":
            raise ValueError("no lifespan")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"Hello, World!"})

    async def slow(scope: t.Any, receive: t.Any, send: t.Any) -> None:
        if scope["type"] == "lifespan":
            raise ValueError("no lifespan")
        await asyncio.sleep(0.001)
        await quick(scope, receive, send)

    result, failures = asgi_run.run_scenario(
        loop,
        SCENARIO_NAMES["hello"],
        {"quick": lambda: quick, "slow": lambda: slow},
        rounds=2,
        round_ms=10,
    )
    assert failures == []
    assert result.numbers["slow"] <= 10 < result.numbers["quick"]


def test_apps_take_turns_slice_by_slice_within_a_round(
    loop: asyncio.AbstractEventLoop,
) -> None:
    """ABAB within a round, not AAAA then BBBB: each app's round spans the
    same stretch of time as the other's."""
    calls: list[str] = []

    def app_named(name: str) -> t.Any:
        async def app(scope: t.Any, receive: t.Any, send: t.Any) -> None:
            if scope["type"] == "lifespan":
                raise ValueError("no lifespan")
            calls.append(name)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"Hello, World!"})

        return app

    result, failures = asgi_run.run_scenario(
        loop,
        SCENARIO_NAMES["hello"],
        {"A": lambda: app_named("A"), "B": lambda: app_named("B")},
        rounds=2,
        number=4,
        parts=2,
    )
    assert failures == []
    assert {name: len(rounds) for name, rounds in result.timings.items()} == {
        "A": 2,
        "B": 2,
    }
    timed = "".join(calls)
    # The check (1 request each) and the warm-up (2 x 20 each) come first.
    assert timed[-16:] == "AABB" + "BBAA" + "AABB" + "BBAA"
