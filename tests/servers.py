"""HTTP servers the tests run for real: :class:`ServerProcess`, a server
subprocess that writes to a log file, is polled until it answers, is spoken
to over HTTP and is stopped with SIGTERM (then SIGKILL), its output in the
failure when something goes wrong; and the environment it runs in.

The plain process helpers it uses (a free port, polling, ending a process)
are in tests/processes.py."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import typing as t
import uuid
from pathlib import Path

import pytest
from processes import wait_or_kill, wait_until

__all__ = ["Reply", "ServerProcess", "server_environment"]

#: How long a server may take to answer its readiness check.
START_TIMEOUT = 20.0
#: How long a server may take to exit once asked to.
STOP_TIMEOUT = 15.0
#: How long a request may wait for the server's answer.
REQUEST_TIMEOUT = 15.0


def server_environment(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of this process for a server run from ``folder``:
    without the framework's or gunicorn's settings of the shell that runs
    the tests, with ``folder`` importable and the output unbuffered.

    :param extra: variables to set besides.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "GUNICORN_CMD_ARGS" and not key.startswith("FRAMEWORK_")
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(folder), *filter(None, [env.get("PYTHONPATH")])]
    )
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


class Reply(t.NamedTuple):
    """An HTTP response, read in full."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> t.Any:
        return json.loads(self.body)


class ServerProcess:
    """An HTTP server subprocess listening on ``127.0.0.1:port``, started
    at once; its output goes to a log file in ``folder``.

    :param argv: the command that starts it.
    :param port: the port it listens on.
    :param folder: its working folder, which also holds its log.
    :param env: its environment (see :func:`server_environment`).
    :param name: what failure messages call it.
    """

    def __init__(
        self,
        argv: list[str],
        *,
        port: int,
        folder: Path,
        env: dict[str, str],
        name: str = "the server",
    ) -> None:
        self.port = port
        self.folder = folder
        self.name = name
        self.log_path = folder / f"server-{uuid.uuid4().hex}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        """What the server wrote so far, stdout and stderr."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(
        self, path: str, body: bytes | None = None, timeout: float = START_TIMEOUT
    ) -> None:
        """Return once ``GET path`` answers 200 (with ``body``, if given);
        kill the server and fail the test, with its output, when it exits
        or does not answer so in time."""
        last_error: Exception | None = None

        def answers() -> bool:
            nonlocal last_error
            try:
                reply = self.request("GET", path, timeout=2)
            except OSError as e:
                last_error = e
                return False
            if reply.status == 200 and body in (None, reply.body):
                return True
            last_error = AssertionError(f"{path} answered {reply}")
            return False

        if wait_until(answers, self.process, timeout):
            return
        if self.process.poll() is not None:
            pytest.fail(
                f"{self.name} exited with {self.process.returncode} before"
                f" serving:\n{self.output()}"
            )
        self.kill()
        pytest.fail(
            f"{self.name} did not answer on 127.0.0.1:{self.port} within"
            f" {timeout}s ({last_error!r}):\n{self.output()}"
        )

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, then wait; return the exit status. A server that ignores
        SIGTERM for ``timeout`` seconds is killed and fails the test."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            if not wait_or_kill(self.process, timeout):
                pytest.fail(
                    f"{self.name} ignored SIGTERM for {timeout}s and was"
                    f" killed:\n{self.output()}"
                )
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL, then wait; nothing happens if the server has exited."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def connect(self, timeout: float = REQUEST_TIMEOUT) -> http.client.HTTPConnection:
        """A new connection to the server (made on its first request)."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> Reply:
        """Send one request on a new connection and read the whole answer."""
        connection = self.connect(timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def post_json(self, path: str, data: t.Any) -> Reply:
        """POST ``data`` as a JSON body to ``path``."""
        return self.request(
            "POST",
            path,
            body=json.dumps(data).encode(),
            headers={"Content-Type": "application/json"},
        )


def read_to_end(sock: socket.socket) -> bytes:
    """What the server sends on ``sock`` until it closes it."""
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while data := sock.recv(65536):
            received += data
    return received
