"""framework.serving.hypercorn_server's connection limit, run for real: one
``framework serve --server hypercorn --connection-limit 5`` on 127.0.0.1,
with hypercorn's own timer set far off (30 s), so that only the limit can
close a silent connection or hold a new one back."""

from __future__ import annotations

import contextlib
import socket
import sys
import textwrap
import time
import typing as t

import pytest
from processes import free_port
from servers import ServerProcess, read_to_end, server_environment

from framework.serving.hypercorn_server import limited_connections

LIMIT = 5

APP_SOURCE = textwrap.dedent(
    """
    import asyncio

    from framework import App, request

    app = App(__name__)


    @app.get("/health")
    def health():
        return "ok"


    @app.get("/slow")
    async def slow():
        await asyncio.sleep(float(request.args["seconds"]))
        return "slow done"
    """
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("hypercorn-limit")
    (folder / "limitapp.py").write_text(APP_SOURCE, encoding="utf-8")
    port = free_port()
    process = ServerProcess(
        [
            *(sys.executable, "-m", "framework.cli", "--app", "limitapp", "serve"),
            *("--server", "hypercorn", "--connection-limit", str(LIMIT)),
            *("--header-timeout", "30", "--idle-timeout", "30"),
            *("--port", str(port)),
        ],
        port=port,
        folder=folder,
        env=server_environment(folder, FRAMEWORK_SKIP_DOTENV="1"),
        name="hypercorn --connection-limit 5",
    )
    process.wait_ready("/health", body=b"ok")
    yield process
    assert process.stop() == 0, process.output()
    assert "Traceback" not in process.output(), process.output()


def send_health(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    return sock


def test_the_banner_names_the_limit(server: ServerProcess) -> None:
    assert f"up to {LIMIT} connections" in server.output()


def test_at_the_limit_the_longest_idle_connection_makes_room(
    server: ServerProcess,
) -> None:
    with contextlib.ExitStack() as stack:
        silent = [
            stack.enter_context(socket.create_connection(("127.0.0.1", server.port)))
            for _ in range(LIMIT)
        ]
        time.sleep(0.2)
        started = time.monotonic()
        with send_health(server.port) as probe:
            answer = read_to_end(probe)
        # Far sooner than hypercorn's own timer (30 s) would have closed one.
        assert time.monotonic() - started < 3, server.output()
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert answer.endswith(b"ok")
        # The one closed for it is the first that was opened.
        silent[0].settimeout(3)
        assert silent[0].recv(1) == b""
        silent[-1].settimeout(0.2)
        with pytest.raises(TimeoutError):
            silent[-1].recv(1)


def test_with_every_place_busy_a_new_connection_waits_for_one(
    server: ServerProcess,
) -> None:
    """Five requests in flight fill the limit: a sixth connection is not
    answered while they run (not refused, not answered 503), and is
    answered once one of them is done and idle; the five are answered in
    full."""
    busy = [server.connect() for _ in range(LIMIT)]
    try:
        for connection in busy:
            # Kept alive after their answer: the sixth gets a place only by
            # closing one of them once it is idle.
            connection.request("GET", "/slow?seconds=1")
        time.sleep(0.3)
        with send_health(server.port) as waiting:
            waiting.settimeout(0.4)
            with pytest.raises(TimeoutError):
                waiting.recv(1)
            waiting.settimeout(10)
            answer = read_to_end(waiting)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        for connection in busy:
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, b"slow done")
    finally:
        for connection in busy:
            connection.close()


def test_a_hypercorn_without_the_expected_class_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hypercorn.asyncio import run

    from framework.serving import ServeError

    monkeypatch.delattr(run, "TCPServer")
    with (
        pytest.raises(ServeError, match="the limit can't be applied"),
        limited_connections(LIMIT),
    ):
        pass


def test_the_limit_is_in_place_only_within_the_block() -> None:
    from hypercorn.asyncio import run

    original: t.Any = vars(run)["TCPServer"]
    with limited_connections(LIMIT):
        limited = vars(run)["TCPServer"]
        assert limited is not original
        assert issubclass(limited, original)
    assert vars(run)["TCPServer"] is original
