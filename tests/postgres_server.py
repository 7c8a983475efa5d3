"""A throwaway PostgreSQL server for the tests, started from the server
binaries of the machine (Debian's layout: ``/usr/lib/postgresql/<version>/bin``).

:func:`running_postgres` makes a cluster in a temporary folder with
``initdb``, starts ``postgres`` on a free port of 127.0.0.1, waits until it
accepts connections, and on exit stops it (fast shutdown) and removes the
folder, also when starting failed halfway. ``initdb`` and ``postgres`` refuse
to run as root, so when the tests run as root they run as the ``postgres``
system user, who owns the folder.

The server is started through util-linux's ``setpriv --pdeathsig``, so that
it shuts down when the thread that started it dies, even by ``SIGKILL``
(a test run killed by a timeout): no server outlives the tests. Start it
from a thread that lives as long as the server (pytest's main thread).

Each test gets a database of its own (:meth:`PostgresServer.database`),
dropped after it: creating one from the template takes a few
milliseconds with ``fsync`` off.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import typing as t

import psycopg
from processes import free_port, wait_or_kill, wait_until

__all__ = ["PostgresServer", "find_bin_dir", "running_postgres"]

#: The superuser of the test cluster; it connects without a password.
USER = "test"

_STARTUP_TIMEOUT = 60.0
_SHUTDOWN_TIMEOUT = 30.0


def find_bin_dir() -> str:
    """The ``bin`` folder of the newest PostgreSQL server installed.

    :raise RuntimeError: if there is none; the tests must not skip.
    """
    found = glob.glob("/usr/lib/postgresql/*/bin/postgres")
    if not found:
        raise RuntimeError(
            "PostgreSQL's server binaries were not found in"
            " /usr/lib/postgresql/*/bin: install Debian's postgresql package"
            " (make test does)."
        )
    newest = max(found, key=lambda path: int(path.split("/")[-3].split(".")[0]))
    return os.path.dirname(newest)


def _find_setpriv() -> str:
    """util-linux's ``setpriv``, which starts the server with a parent-death
    signal.

    :raise RuntimeError: if it is not installed; the tests must not skip.
    """
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError(
            "setpriv was not found: install util-linux (Debian's essential"
            " package), which has it."
        )
    return setpriv


def _same_path(first: str, second: str) -> bool:
    return os.path.realpath(first) == os.path.realpath(second)


class PostgresServer:
    """A PostgreSQL server running in ``base_dir`` on ``port``.

    :param bin_dir: the folder of ``initdb`` and ``postgres``.
    :param base_dir: an empty folder for the cluster, the socket and the log.
    """

    def __init__(self, bin_dir: str, base_dir: str) -> None:
        self.bin_dir = bin_dir
        self.base_dir = base_dir
        self.data_dir = os.path.join(base_dir, "data")
        self.log_path = os.path.join(base_dir, "postgres.log")
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._as_user: dict[str, t.Any] = {}
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "initdb and postgres refuse to run as root, and there is no"
                    " 'postgres' user to run them as: install Debian's"
                    " postgresql package, which makes it."
                ) from None
            os.chown(base_dir, account.pw_uid, account.pw_gid)
            self._as_user = {
                "user": account.pw_uid,
                "group": account.pw_gid,
                "extra_groups": [],
            }
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [os.path.join(self.bin_dir, args[0]), *args[1:]],
            cwd=self.base_dir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            **self._as_user,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{args[0]} failed ({result.returncode}):\n"
                + result.stdout.decode(errors="replace")
                + result.stderr.decode(errors="replace")
            )

    def init(self) -> None:
        """Create the cluster, with the superuser :data:`USER` trusted."""
        self._run(
            "initdb",
            "-D",
            self.data_dir,
            "-A",
            "trust",
            "-U",
            USER,
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )

    def start(self, port: int | None = None) -> None:
        """Start the server and wait until it accepts connections.

        :param port: the port to listen on: the one of an earlier
            :meth:`start`, to bring a stopped server back where its clients
            expect it (its data kept). When ``None``, a free one; a port
            taken in the meantime by another process is then replaced by
            another one.
        """
        for _ in range(1 if port else 3):
            self.port = port or free_port()
            with open(self.log_path, "ab") as log:
                self.process = subprocess.Popen(
                    [
                        # Fast shutdown when the thread that starts it dies.
                        _find_setpriv(),
                        "--pdeathsig",
                        "INT",
                        "--",
                        os.path.join(self.bin_dir, "postgres"),
                        "-D",
                        self.data_dir,
                        "-k",
                        self.base_dir,
                        "-p",
                        str(self.port),
                        "-c",
                        "listen_addresses=127.0.0.1",
                        "-c",
                        "fsync=off",
                        "-c",
                        "synchronous_commit=off",
                        "-c",
                        "full_page_writes=off",
                    ],
                    cwd=self.base_dir,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    **self._as_user,
                )
            if self._wait_until_ready():
                return
        raise RuntimeError(f"postgres did not start:\n{self._log()}")

    def _wait_until_ready(self) -> bool:
        """Poll until the server answers; ``False`` if it exited, as it does
        when another server took the port first (that one is never used)."""
        assert self.process is not None
        if wait_until(self._answers, self.process, _STARTUP_TIMEOUT, interval=0.02):
            return True
        if self.process.poll() is not None:
            return False
        self.stop()
        raise RuntimeError(
            f"postgres did not accept connections in {_STARTUP_TIMEOUT}s:\n"
            + self._log()
        )

    def _answers(self) -> bool:
        """Whether this server accepts connections on its port, rather than
        none or another one (found by its data directory)."""
        try:
            with psycopg.connect(self.dsn("postgres"), connect_timeout=2) as conn:
                row = conn.execute("SHOW data_directory").fetchone()
        except psycopg.OperationalError:
            return False
        return row is not None and _same_path(row[0], self.data_dir)

    def _log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self) -> None:
        """Stop the server: a fast shutdown (``SIGINT``), which rolls back
        open transactions and closes connections; killed if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        wait_or_kill(process, _SHUTDOWN_TIMEOUT)

    def dsn(self, dbname: str) -> str:
        """A libpq connection string for ``dbname``."""
        return f"host=127.0.0.1 port={self.port} user={USER} dbname={dbname}"

    def url(self, dbname: str) -> str:
        """A SQLAlchemy URL for ``dbname``, with the psycopg driver."""
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{dbname}"

    def _execute(self, sql: str) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def database(self) -> t.Iterator[str]:
        """A new, empty database, dropped afterwards (connections still
        open are closed by the server). Yields its name."""
        name = f"test_{next(self._names)}"
        self._execute(f"CREATE DATABASE {name}")
        try:
            yield name
        finally:
            self._execute(f"DROP DATABASE {name} WITH (FORCE)")


@contextlib.contextmanager
def running_postgres() -> t.Iterator[PostgresServer]:
    """A running :class:`PostgresServer` in a temporary folder; stopped and
    the folder removed on exit."""
    bin_dir = find_bin_dir()
    base_dir = tempfile.mkdtemp(prefix="framework-postgres-")
    try:
        server = PostgresServer(bin_dir, base_dir)
        try:
            server.init()
            # Inside the try: a start that fails halfway (a timeout, an
            # interrupt) may have left a server running.
            server.start()
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(base_dir, ignore_errors=True)
