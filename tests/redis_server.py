"""A throwaway ``redis-server`` on 127.0.0.1, for the tests of
``framework_redis`` and for the session benchmark.

The server runs in a temporary folder with persistence off (``--save ''
--appendonly no``), on a free port, and is stopped (and its folder removed)
by :meth:`RedisServer.stop`. ``make test`` and ``make bench`` install Debian's
``redis-server`` when it is missing; without it, starting fails loudly.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

# The tests import this module as ``redis_server`` (tests/ is on sys.path);
# the benchmarks, as ``tests.redis_server``.
if __package__:
    from .processes import free_port, wait_or_kill, wait_until
else:
    from processes import free_port, wait_or_kill, wait_until

__all__ = ["RedisServer"]

#: How long a server may take to answer its first PING.
START_TIMEOUT = 10.0
#: How long a server may take to exit once asked to.
STOP_TIMEOUT = 10.0


def redis_server_binary() -> str:
    """The path of ``redis-server``.

    :raise RuntimeError: if it is not installed.
    """
    found = shutil.which("redis-server") or shutil.which(
        "redis-server", path="/usr/sbin:/usr/local/sbin"
    )
    if found is None:
        raise RuntimeError(
            "redis-server is not installed: run `make test`, which installs"
            " it (Debian package redis-server), or install it yourself."
        )
    return found


def server_pid(port: int, timeout: float = 0.5) -> int | None:
    """The process id of the Redis server answering on ``127.0.0.1:port``
    (from ``INFO server``), or ``None`` if none answers.

    :param port: the server's port.
    :param timeout: how long to wait for the connection and each read.
    """
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"INFO server\r\n")
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
                found = re.search(rb"\r\nprocess_id:(\d+)\r\n", reply)
                if found:
                    return int(found[1])
    except OSError:
        pass
    return None


class RedisServer:
    """A ``redis-server`` subprocess; see the module docstring.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.

    :param port: the port to listen on; a free one when ``None``.
    """

    def __init__(self, port: int | None = None) -> None:
        self._fixed_port = port
        self.port = port or 0
        self.process: subprocess.Popen[bytes] | None = None
        self._folder: Path | None = None

    @property
    def url(self) -> str:
        """The server's ``redis://`` URL, database 0."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING.

        A port that was taken between choosing it and binding it is replaced
        by another free one (unless the port was given).

        :raise RuntimeError: if the server does not start.
        """
        if self.process is not None:
            raise RuntimeError("The Redis server is already running.")
        binary = redis_server_binary()
        self._folder = Path(tempfile.mkdtemp(prefix="redis-test-"))
        attempts = 1 if self._fixed_port else 3
        for _ in range(attempts):
            self.port = self._fixed_port or free_port()
            log = self._folder / "redis.log"
            self.process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self._folder),
                    "--logfile",
                    str(log),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_until_ready():
                return self
            self._end_process()
        output = (self._folder / "redis.log").read_text(errors="replace")[-2000:]
        self._remove_folder()
        raise RuntimeError(f"redis-server did not start on 127.0.0.1:\n{output}")

    def _wait_until_ready(self) -> bool:
        process = self.process
        assert process is not None
        # Answered by our process, not by another server that held the port
        # first (a suite running in parallel): ours would exit on the failed
        # bind, and the other one must not be used.
        return wait_until(
            lambda: server_pid(self.port) == process.pid,
            process,
            START_TIMEOUT,
            interval=0.01,
        )

    def stop(self) -> None:
        """Stop the server and remove its folder; nothing happens if it is
        not running."""
        self._end_process()
        self._remove_folder()

    def restart(self) -> None:
        """Start the server again, empty, on the same port (after
        :meth:`stop`, or to replace a running one)."""
        self._fixed_port = self.port
        self.stop()
        self.start()

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections stay open but nothing
        is answered, as with a hung server."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Undo :meth:`pause`."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    def _end_process(self) -> None:
        process = self.process
        if process is None:
            return
        self.process = None
        if process.poll() is not None:
            return
        # A paused server must be woken first. SHUTDOWN NOSAVE ends it at
        # once; SIGTERM waits for the server's next tick. The command goes
        # only to our process: another server may hold the port.
        os.kill(process.pid, signal.SIGCONT)
        if not self._shut_down(process):
            process.terminate()
        wait_or_kill(process, STOP_TIMEOUT)

    def _shut_down(self, process: subprocess.Popen[bytes]) -> bool:
        """Send SHUTDOWN NOSAVE to ``process``; ``False`` if it could not be
        sent to it."""
        if server_pid(self.port, timeout=1) != process.pid:
            return False
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"SHUTDOWN NOSAVE\r\n")
                sock.recv(64)
        except OSError:
            return False
        return True

    def _remove_folder(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
