"""Processes the tests start: a free port on 127.0.0.1 for a server,
polling a process until it is ready, and ending it.

Only the standard library: tests/redis_server.py uses it, and the
benchmarks use that without the test dependencies.
"""

from __future__ import annotations

import socket
import subprocess
import time
import typing as t

__all__ = ["free_port", "wait_or_kill", "wait_until"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    ready: t.Callable[[], bool],
    process: subprocess.Popen[bytes],
    timeout: float,
    interval: float = 0.05,
) -> bool:
    """Call ``ready`` every ``interval`` seconds until it returns true.

    :param ready: whether the server is ready; called again while it is not.
    :param process: the server's process: once it has exited, waiting ends.
    :param timeout: how many seconds to wait at most.
    :return: ``True`` when ``ready`` said so; ``False`` when the process
        exited or the time ran out first (``process.poll()`` tells which).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if ready():
            return True
        time.sleep(interval)
    return False


def wait_or_kill(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait for ``process``, already asked to exit, and kill it if it has
    not exited within ``timeout`` seconds.

    :return: whether it exited by itself.
    """
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return False
    return True
