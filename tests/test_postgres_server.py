"""tests/postgres_server.py: the throwaway PostgreSQL server of the tests
leaves nothing behind, and is never mistaken for another server."""

from __future__ import annotations

import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import postgres_server as server_module
import psycopg
import pytest
from postgres_server import PostgresServer, running_postgres

TESTS = pathlib.Path(__file__).resolve().parent


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped by
    its new parent, does not)."""
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # The state follows the command name, which is in parentheses.
    return stat.rpartition(")")[2].split()[0] != "Z"


def _wait_until_dead(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


class Interrupted(Exception):
    """Stands for a Ctrl-C while the server starts."""


def test_server_stopped_when_starting_fails_halfway(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[subprocess.Popen[bytes]] = []
    wait_until_ready = PostgresServer._wait_until_ready

    def interrupted(self: PostgresServer) -> bool:
        assert self.process is not None
        started.append(self.process)
        assert wait_until_ready(self)  # the server runs...
        raise Interrupted  # ...when the start is interrupted

    monkeypatch.setattr(PostgresServer, "_wait_until_ready", interrupted)
    try:
        with pytest.raises(Interrupted), running_postgres():
            pass  # pragma: no cover (not reached)
        assert len(started) == 1
        assert started[0].poll() is not None
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()


SERVE_FOREVER = """\
import sys, time

from postgres_server import running_postgres

with running_postgres() as server:
    assert server.process is not None
    print(server.process.pid, server.base_dir, flush=True)
    time.sleep(600)
"""


def test_server_dies_with_the_process_that_started_it() -> None:
    # A test run killed by SIGKILL (a CI timeout) runs no clean-up code:
    # the server must still not outlive it.
    runner = subprocess.Popen(
        [sys.executable, "-c", SERVE_FOREVER],
        cwd=TESTS,
        stdout=subprocess.PIPE,
        text=True,
    )
    pid = 0
    base_dir = ""
    try:
        assert runner.stdout is not None
        line = runner.stdout.readline()
        pid_text, base_dir = line.split()
        pid = int(pid_text)
        assert _alive(pid)
        runner.kill()
        runner.wait()
        assert _wait_until_dead(pid), "postgres outlived the process that started it"
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
        if runner.stdout is not None:
            runner.stdout.close()
        if pid and _alive(pid):
            os.kill(pid, signal.SIGKILL)
            _wait_until_dead(pid)
        if base_dir:
            # Nobody was left to remove it.
            shutil.rmtree(base_dir, ignore_errors=True)


def test_port_taken_by_another_server_is_not_mistaken_for_ours(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race: a free port is chosen, then another process, here another
    # PostgreSQL server with the same trusted user, listens on it first.
    taken = postgres_server.port
    free_port = server_module.free_port
    ports = iter([taken])

    def taken_first() -> int:
        return next(ports, None) or free_port()

    monkeypatch.setattr(server_module, "free_port", taken_first)
    with running_postgres() as server:
        assert server.port != taken
        with psycopg.connect(server.dsn("postgres")) as conn:
            row = conn.execute("SHOW data_directory").fetchone()
        assert row is not None
        assert os.path.realpath(row[0]) == os.path.realpath(server.data_dir)
        process = server.process
        assert process is not None
    # Stopped, and its folder removed; the other server was left alone.
    assert process.poll() is not None
    assert not os.path.exists(server.base_dir)
    with psycopg.connect(postgres_server.dsn("postgres")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_stopped_server_starts_again_on_its_port_with_its_data() -> None:
    # What the outage tests rely on: clients keep their URL across the
    # outage, and find the data they left.
    with running_postgres() as server:
        port = server.port
        with psycopg.connect(server.dsn("postgres"), autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (n int)")
            conn.execute("INSERT INTO kept VALUES (7)")
        server.stop()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(server.dsn("postgres"), connect_timeout=2)
        server.start(port)
        assert server.port == port
        with psycopg.connect(server.dsn("postgres")) as conn:
            assert conn.execute("SELECT n FROM kept").fetchone() == (7,)
