"""A server command run as a user would type it, on a port the system
picks: :func:`announced_server` starts it with ``--port 0``, reads the
address it announces (``http://127.0.0.1:<port>``) from its output, and
stops it, with any process it started (the reloader's child), at the end.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import typing as t
from pathlib import Path

from processes import wait_or_kill, wait_until

__all__ = ["announced_server"]

_ADDRESS = re.compile(r"http://127\.0\.0\.1:\d+")


@contextlib.contextmanager
def announced_server(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 60
) -> t.Iterator[str]:
    """Run ``argv`` (a ``framework ... run`` or ``serve`` command) with
    ``--port 0`` in place of its port, and yield the address it announces.

    :param argv: the command; its ``--port`` value is replaced, or
        ``--port 0`` added.
    :param cwd: the folder it runs in, which also holds its log.
    :param env: its environment.
    :param timeout: how long it may take to announce its address.
    """
    argv = list(argv)
    if "--port" in argv:
        argv[argv.index("--port") + 1] = "0"
    else:
        argv += ["--port", "0"]
    log_path = cwd / f".server-{os.getpid()}-{id(argv)}.log"
    with log_path.open("wb") as log:
        # A session of its own, so that stopping the group also stops the
        # reloader's child process.
        server = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def announced() -> bool:
            return bool(_ADDRESS.search(log_path.read_text(errors="replace")))

        if not wait_until(announced, server, timeout):
            raise AssertionError(
                f"{' '.join(argv)} announced no address (exit status"
                f" {server.poll()}):\n{log_path.read_text(errors='replace')}"
            )
        found = _ADDRESS.search(log_path.read_text(errors="replace"))
        assert found is not None
        yield found.group()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        wait_or_kill(server, 30)
        log_path.unlink(missing_ok=True)
