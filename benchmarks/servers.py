"""Requests per second and latency through real servers, on loopback, with
a load generator: ``framework`` against Flask, Falcon and Bottle under
gunicorn (sync and gthread workers), and against Starlette, Quart and
Falcon's ASGI app under uvicorn and granian; one worker each.

For each server and scenario, every peer's app of :mod:`benchmarks.served`
is started in a server of its own on a free port of 127.0.0.1, its answer
checked and warmed up; then the apps take turns under ``wrk`` (Debian's
package; ``make bench`` installs it) in several short rounds, A B C A B C
..., the first one rotating, so a change of the machine's load falls on
every app alike. A row is the median round, with the spread of the rounds;
framework's ratio to the best other app is the median of the per-round
ratios, with their spread. A bare
app with no framework at all (``raw``) is run too: the most the server
gives one worker, so the report can say where the server, not the app,
sets the pace. On a machine of two or more cores the server is pinned to
one core and ``wrk`` to another (``taskset``), so they do not take turns
on the same one.

Run it from the repository root::

    python -m benchmarks.servers
    python -m benchmarks.servers --server uvicorn --scenario hello --rounds 9
"""

from __future__ import annotations

import argparse
import functools
import http.client
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import typing as t
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from benchmarks.served import ASGI_PEERS, SCENARIOS, WSGI_PEERS
from benchmarks.shapes import HELLO, JSON_DATA, TEMPLATES, template_items
from benchmarks.spread import Spread, round_ratios
from tests.processes import wait_or_kill, wait_until

#: The repository's root: servers run there, so ``benchmarks`` imports.
ROOT = Path(__file__).resolve().parent.parent
#: How long a server may take to answer its first request.
START_TIMEOUT = 30.0
#: How long it may take to exit after SIGTERM before it is killed.
STOP_TIMEOUT = 15.0
#: A framework's requests per second within this share of the best peer's
#: count as a tie (a short run on a shared machine moves by that much).
TIE = 0.95
#: An app whose requests per second reach this share of the bare app's is
#: held back by the server, not by itself.
SERVER_BOUND = 0.8
#: No app can serve more than the bare app: one that beats it by more than
#: this share shows the machine's load changed under the run.
NOISE = 1.1


@dataclass(frozen=True)
class Server:
    """A server, and how to start it with one worker.

    :param name: the name ``--server`` selects it by.
    :param interface: ``"wsgi"`` or ``"asgi"``.
    :param argv: the command after ``python -m``, ``{port}`` filled in.
    """

    name: str
    interface: str
    argv: tuple[str, ...]

    def command(self, port: int) -> list[str]:
        """The command line serving ``benchmarks.served:app`` on ``port``."""
        return [sys.executable, "-m", *(arg.format(port=port) for arg in self.argv)]

    @property
    def peers(self) -> tuple[str, ...]:
        """The apps this server runs."""
        return WSGI_PEERS if self.interface == "wsgi" else ASGI_PEERS


_GUNICORN = ("gunicorn", "--workers", "1", "--bind", "127.0.0.1:{port}")
_GUNICORN_TAIL = ("--log-level", "warning", "benchmarks.served:app")
SERVERS: tuple[Server, ...] = (
    Server(
        "gunicorn-sync",
        "wsgi",
        (*_GUNICORN, "--worker-class", "sync", *_GUNICORN_TAIL),
    ),
    Server(
        "gunicorn-gthread",
        "wsgi",
        (*_GUNICORN, "--worker-class", "gthread", "--threads", "4", *_GUNICORN_TAIL),
    ),
    Server(
        "uvicorn",
        "asgi",
        (
            "uvicorn", "--host", "127.0.0.1", "--port", "{port}",
            "--loop", "uvloop", "--http", "httptools", "--no-access-log",
            "--log-level", "warning", "benchmarks.served:app",
        ),
    ),
    Server(
        "granian",
        "asgi",
        (
            "granian", "--interface", "asgi", "--host", "127.0.0.1",
            "--port", "{port}", "--workers", "1", "--no-ws",
            "--log-level", "warning", "benchmarks.served:app",
        ),
    ),
)  # fmt: skip
SERVER_NAMES = {server.name: server for server in SERVERS}


@dataclass
class Row:
    """One app under one server, loaded in several short rounds.

    :param server: the server's name.
    :param scenario: the scenario.
    :param peer: the app's framework (``raw``: no framework).
    :param requests_per_second: the median round's requests per second.
    :param p50_ms: the median latency, the median over the rounds.
    :param p99_ms: the 99th percentile latency, the median over the rounds.
    :param requests: the requests completed, over all the rounds.
    :param errors: socket errors and non-2xx answers ``wrk`` saw, over all
        the rounds.
    :param problem: why the row was not timed, if it was not.
    :param rounds_rps: each round's requests per second, in the order run.
    :param cpu_us_per_request: the serving processes' CPU time (user +
        system, every process of the server's tree) over the requests
        served, in µs; 0 where ``/proc`` cannot be read. The machine's
        other load moves it far less than the rate.
    """

    server: str
    scenario: str
    peer: str
    requests_per_second: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    requests: int = 0
    errors: int = 0
    problem: str = ""
    rounds_rps: list[float] = field(default_factory=list)
    cpu_us_per_request: float = 0.0

    def add(self, figures: dict[str, float], cpu_seconds: float | None = None) -> None:
        """Take one round's figures (:func:`parse_wrk`) into the row: its
        rate among the rounds, its latency into the medians.

        :param figures: what one run of ``wrk`` reported.
        :param cpu_seconds: the server's CPU time during the round, if read.
        """
        if cpu_seconds is not None and figures["requests"]:
            self._cpu += cpu_seconds
            self._cpu_requests += int(figures["requests"])
            self.cpu_us_per_request = self._cpu / self._cpu_requests * 1e6
        self.rounds_rps.append(figures["requests_per_second"])
        self._p50.append(figures["p50_ms"])
        self._p99.append(figures["p99_ms"])
        self.requests += int(figures["requests"])
        self.errors += int(figures["errors"])
        self.requests_per_second = statistics.median(self.rounds_rps)
        self.p50_ms = statistics.median(self._p50)
        self.p99_ms = statistics.median(self._p99)

    def __post_init__(self) -> None:
        self._p50: list[float] = []
        self._p99: list[float] = []
        self._cpu = 0.0
        self._cpu_requests = 0

    @property
    def spread(self) -> Spread | None:
        """The rounds' requests per second: median and spread."""
        return Spread.of(self.rounds_rps)


# -- Checking an answer ------------------------------------------------------------


@functools.cache
def rendered_template() -> bytes:
    """``items.html`` as Jinja2 alone renders it, autoescaped."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return env.get_template("items.html").render(items=template_items()).encode()


def answer_problem(scenario: str, status: int, body: bytes) -> str:
    """What is wrong with an answer to ``GET /`` of ``scenario``; empty if
    nothing.

    :param scenario: the scenario.
    :param status: the answer's status.
    :param body: the answer's body.
    """
    if status != 200:
        return f"status {status}"
    if scenario == "json":
        try:
            right = json.loads(body) == JSON_DATA
        except ValueError:
            right = False
    elif scenario == "template":
        right = body == rendered_template()
    else:
        right = body == HELLO.encode()
    return "" if right else f"body {body[:200]!r}"


def fetch(port: int) -> tuple[int, bytes]:
    """``GET /`` from the server on ``port``: the status and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# -- Running a server and the load generator ------------------------------------


def tree_cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) of process ``pid`` and all its
    descendants (gunicorn's workers, granian's), from ``/proc``; ``None``
    where ``/proc`` cannot be read (not Linux).

    :param pid: the server's process id.
    """
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        stats = list(Path("/proc").glob("[0-9]*/stat"))
    except OSError:
        return None
    for path in stats:
        try:
            text = path.read_text(encoding="ascii", errors="replace")
        except OSError:
            continue  # gone since the listing
        # The command name, in brackets, may hold spaces: split after it.
        fields = text.rpartition(")")[2].split()
        process = int(path.parent.name)
        parents[process] = int(fields[1])
        times[process] = (int(fields[11]) + int(fields[12])) / tick
    if pid not in times:
        return None
    family = {pid}
    grown = True
    while grown:
        children = {child for child, parent in parents.items() if parent in family}
        grown = not children <= family
        family |= children
    return sum(times[member] for member in family)


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pinning() -> tuple[list[str], list[str]]:
    """The ``taskset`` prefixes of the server's and ``wrk``'s commands: a
    core each on a machine of two or more, nothing on one."""
    if (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return [], []
    return ["taskset", "-c", "0"], ["taskset", "-c", "1"]


def server_environment(interface: str, peer: str, scenario: str) -> dict[str, str]:
    """This process's environment for a server, with the app chosen and the
    repository importable."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "GUNICORN_CMD_ARGS" and not key.startswith("FRAMEWORK_")
    }
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    env.update(
        BENCH_INTERFACE=interface,
        BENCH_PEER=peer,
        BENCH_SCENARIO=scenario,
        PYTHONUNBUFFERED="1",
    )
    return env


#: wrk's latency units, in milliseconds.
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> dict[str, float]:
    """The figures of ``wrk --latency``'s report: ``requests_per_second``,
    ``p50_ms``, ``p99_ms``, ``requests`` and ``errors``.

    :param output: what wrk printed.
    :raise ValueError: the report has no requests per second.
    """
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if found is None:
        raise ValueError(f"no Requests/sec in wrk's report:\n{output}")
    figures = {"requests_per_second": float(found.group(1))}
    for percentile, key in (("50", "p50_ms"), ("99", "p99_ms")):
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        figures[key] = float(match.group(1)) * _UNITS[match.group(2)] if match else 0.0
    total = re.search(r"(\d+) requests in", output)
    figures["requests"] = float(total.group(1)) if total else 0.0
    errors = 0
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    figures["errors"] = float(errors)
    return figures


def run_wrk(
    port: int, seconds: float, connections: int, prefix: Sequence[str]
) -> dict[str, float]:
    """Load ``GET /`` on ``port`` for ``seconds`` and return wrk's figures.

    :param port: the server's port.
    :param seconds: how long.
    :param connections: how many keep-alive connections wrk holds open.
    :param prefix: what goes before ``wrk`` (its ``taskset``).
    """
    argv = [
        *prefix,
        "wrk",
        "--threads", "1",
        "--connections", str(connections),
        "--duration", f"{max(1, round(seconds))}s",
        "--timeout", "5s",
        "--latency",
        f"http://127.0.0.1:{port}/",
    ]  # fmt: skip
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}")
    return parse_wrk(done.stdout)


@dataclass
class Running:
    """A server started with one app, answering on its port.

    :param peer: the app's framework.
    :param process: the server's process.
    :param port: its port on 127.0.0.1.
    """

    peer: str
    process: subprocess.Popen[bytes]
    port: int

    def stop(self) -> None:
        """Ask the server to exit (SIGTERM); kill it if it takes too long."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            wait_or_kill(self.process, STOP_TIMEOUT)


def start(
    server: Server,
    scenario: str,
    peer: str,
    args: argparse.Namespace,
    log_folder: Path,
) -> tuple[Running, str]:
    """Start ``server`` with ``peer``'s app of ``scenario`` and check its
    answer.

    :param server: the server.
    :param scenario: the scenario.
    :param peer: the app's framework.
    :param args: the command line's options.
    :param log_folder: where the server's output goes.
    :return: the running server, and what is wrong with its answer (empty
        if nothing; the caller stops it either way).
    """
    server_prefix = pinning()[0] if args.pin else []
    port = free_port()
    log_path = log_folder / f"{server.name}-{scenario}-{peer}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*server_prefix, *server.command(port)],
            cwd=ROOT,
            env=server_environment(server.interface, peer, scenario),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    running = Running(peer, process, port)
    answer: list[tuple[int, bytes]] = []

    def answers() -> bool:
        try:
            answer.append(fetch(port))
        except OSError:
            return False
        return True

    if not wait_until(answers, process, START_TIMEOUT):
        output = log_path.read_text(errors="replace").splitlines()[-15:]
        return running, "did not start: " + " | ".join(output)
    return running, answer_problem(scenario, *answer[-1])


def load_group(
    server: Server,
    scenario: str,
    peers: Sequence[str],
    args: argparse.Namespace,
    log_folder: Path,
    progress: t.Callable[[str], None] = print,
) -> list[Row]:
    """Every peer's app of ``scenario`` under ``server``: start each in a
    server of its own, check its answer, warm it up, then load them in
    turn for ``args.rounds`` short rounds of ``args.duration`` seconds,
    the first one rotating every round; stop them all.

    The servers all stay up while the others are loaded (an idle server
    costs nothing), so the rounds can take turns without a restart between
    them, and a round of each app spans about the same stretch of time.

    :param server: the server.
    :param scenario: the scenario.
    :param peers: the apps' frameworks.
    :param args: the command line's options.
    :param log_folder: where the servers' output goes.
    :param progress: told of each round, a line each.
    """
    rows = {peer: Row(server.name, scenario, peer) for peer in peers}
    running: list[Running] = []
    wrk_prefix = pinning()[1] if args.pin else []
    try:
        for peer in peers:
            started, problem = start(server, scenario, peer, args, log_folder)
            if problem:
                rows[peer].problem = problem
                started.stop()
                progress(f"  {server.name} {scenario} {peer}: {problem}")
                continue
            running.append(started)
            if args.check:
                progress(f"  {server.name} {scenario} {peer}: ok")
        if args.check:
            return list(rows.values())
        if args.warmup > 0:
            for one in running:
                run_wrk(one.port, args.warmup, args.connections, wrk_prefix)
        for number in range(args.rounds):
            # Which app goes first rotates, so a change in the machine's
            # load does not always fall on the same one.
            shift = number % max(1, len(running))
            for one in running[shift:] + running[:shift]:
                before = tree_cpu_seconds(one.process.pid)
                figures = run_wrk(one.port, args.duration, args.connections, wrk_prefix)
                after = tree_cpu_seconds(one.process.pid)
                rows[one.peer].add(
                    figures,
                    None if before is None or after is None else after - before,
                )
                progress(
                    f"  {server.name} {scenario} {one.peer} round {number + 1}:"
                    f" {figures['requests_per_second']:.0f} req/s"
                )
    finally:
        for one in running:
            one.stop()
    return list(rows.values())


# -- Reporting --------------------------------------------------------------------


def versions(servers: Sequence[Server]) -> dict[str, str]:
    """The versions the results depend on, wrk's included."""
    found = {"python": platform.python_version()}
    names = ["framework", "flask", "falcon", "bottle", "starlette", "quart"]
    names += [server.argv[0] for server in servers]
    for name in dict.fromkeys(names):
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    try:
        wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        found["wrk"] = (wrk.stdout or wrk.stderr).split()[1]
    except (OSError, IndexError):
        found["wrk"] = "not installed"
    return found


def verdicts(rows: Sequence[Row]) -> list[dict[str, t.Any]]:
    """For each server and scenario: framework's requests per second over
    the best other framework's (the one of the highest median rate), the
    median of per-round ratios and their spread, whether it leads or ties,
    whether the
    server dominates (framework and the best other both reach
    :data:`SERVER_BOUND` of the bare app's hello), and whether the figures
    are noise (an app beat the bare app by more than :data:`NOISE`: the
    machine's load changed between rows, and a longer run with more
    ``--rounds`` is needed)."""
    timed = [row for row in rows if row.requests_per_second > 0]
    raw = {
        row.server: row.requests_per_second
        for row in timed
        if row.peer == "raw" and row.scenario == "hello"
    }
    found = []
    groups = dict.fromkeys((row.server, row.scenario) for row in timed)
    for server, scenario in groups:
        by_peer = {
            row.peer: row
            for row in timed
            if (row.server, row.scenario) == (server, scenario) and row.peer != "raw"
        }
        group = {peer: row.requests_per_second for peer, row in by_peer.items()}
        ours = group.pop("framework", None)
        if ours is None or not group:
            continue
        best_peer = max(group, key=lambda peer: group[peer])
        best = group[best_peer]
        # Round by round: the two were loaded a moment apart in each round.
        ours_rounds = by_peer["framework"].rounds_rps
        best_rounds = by_peer[best_peer].rounds_rps
        spread = (
            Spread.of(round_ratios(ours_rounds, best_rounds))
            if ours_rounds and len(ours_rounds) == len(best_rounds)
            else None
        )
        ratio = ours / best if spread is None else spread.median
        ceiling = raw.get(server)
        server_bound = (
            ceiling is not None
            and ours >= SERVER_BOUND * ceiling
            and best >= SERVER_BOUND * ceiling
        )
        found.append(
            {
                "server": server,
                "scenario": scenario,
                "best_other": best_peer,
                "framework_over_best": ratio,
                "cpu_over_best": (
                    by_peer["framework"].cpu_us_per_request
                    / by_peer[best_peer].cpu_us_per_request
                    if by_peer[best_peer].cpu_us_per_request
                    else None
                ),
                "spread": None if spread is None else spread.as_json(),
                "leads_or_ties": ratio >= TIE,
                # The middle half of the rounds lies on one side of a tie.
                "sure": spread is not None and (spread.q1 >= TIE or spread.q3 < TIE),
                "share_of_raw": None if ceiling is None else ours / ceiling,
                "server_bound": server_bound,
                "noisy": ceiling is not None and max(ours, best) > NOISE * ceiling,
            }
        )
    return found


def align_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as an aligned text table, the first row the heading."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if i < 3 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _spread_fields(document: dict[str, t.Any]) -> dict[str, t.Any]:
    """A :class:`Spread`'s fields from its JSON object."""
    return {
        "median": document["median"],
        "q1": document["q1"],
        "q3": document["q3"],
        "low": document["min"],
        "high": document["max"],
        "rounds": document["rounds"],
    }


def format_report(rows: Sequence[Row]) -> str:
    """The rows as a table, then the verdict of each server and scenario."""
    table: list[tuple[str, ...]] = [
        (
            "server",
            "scenario",
            "app",
            "req/s [IQR]",
            "CPU µs/req",
            "p50 ms",
            "p99 ms",
            "errors",
        )
    ]
    for row in rows:
        if row.problem:
            table.append(
                (row.server, row.scenario, row.peer, *["-"] * 4, row.problem[:60])
            )
            continue
        spread = row.spread
        table.append(
            (
                row.server,
                row.scenario,
                row.peer,
                "-" if spread is None else spread.cell(0),
                f"{row.cpu_us_per_request:.1f}" if row.cpu_us_per_request else "-",
                f"{row.p50_ms:.2f}",
                f"{row.p99_ms:.2f}",
                str(row.errors),
            )
        )
    lines = [align_table(table), ""]
    verdict_rows: list[tuple[str, ...]] = [
        (
            "server",
            "scenario",
            "vs",
            "framework/best [IQR]",
            "CPU/best",
            "lead or tie",
            "server-bound",
            "noisy",
        )
    ]
    for verdict in verdicts(rows):
        verdict_rows.append(
            (
                verdict["server"],
                verdict["scenario"],
                verdict["best_other"],
                f"{verdict['framework_over_best']:.2f}"
                if verdict["spread"] is None
                else Spread(**_spread_fields(verdict["spread"])).cell(2),
                "-"
                if verdict["cpu_over_best"] is None
                else f"{verdict['cpu_over_best']:.2f}",
                ("yes" if verdict["leads_or_ties"] else "no")
                + ("" if verdict["sure"] else "?"),
                "yes" if verdict["server_bound"] else "no",
                "yes" if verdict["noisy"] else "no",
            )
        )
    if len(verdict_rows) > 1:
        lines.append(
            "framework's requests per second over the best other framework's,"
            " the median of per-round ratios [their interquartile range]"
            f" (a tie: at least {TIE}); CPU/best: framework's server CPU time"
            " per request over the same app's (lower is better); '?': the middle"
            " half of the rounds spans the tie line; server-bound:"
            " both reach"
            f" {SERVER_BOUND:.0%} of the bare app's hello; noisy: an app beat the"
            " bare app, so the load changed during the run (use more --rounds)"
        )
        lines.append(align_table(verdict_rows))
    return "\n".join(lines)


def to_json(
    rows: Sequence[Row], args: argparse.Namespace, servers: Sequence[Server]
) -> dict[str, t.Any]:
    """The run as a JSON document."""
    return {
        "versions": versions(servers),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "pinned": bool(args.pin and pinning()[0]),
        },
        "duration_s": args.duration,
        "rounds": args.rounds,
        "connections": args.connections,
        "rows": [
            {
                **asdict(row),
                "spread": None if row.spread is None else row.spread.as_json(),
            }
            for row in rows
        ],
        "verdicts": verdicts(rows),
    }


# -- Command line ----------------------------------------------------------------


def positive_int(text: str) -> int:
    """Parse a whole number that must be at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def positive_float(text: str) -> float:
    """Parse a number that must be above 0."""
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, not {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.servers",
        description="Requests per second and latency of framework and its "
        "peers through gunicorn, uvicorn and granian, one worker each, "
        "loaded by wrk on loopback.",
    )
    parser.add_argument(
        "--duration",
        type=positive_float,
        default=1.0,
        help="seconds of load per round (default: 1; whole seconds, as wrk takes them)",
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        default=5,
        help="rounds per app, the apps taking turns round by round; the median"
        " counts (default: 5; more on a shared machine)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=1.0,
        help="seconds of load before each row, not counted (default: 1)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=16,
        help="keep-alive connections wrk holds open (default: 16)",
    )
    parser.add_argument(
        "--server",
        action="append",
        choices=list(SERVER_NAMES),
        metavar="NAME",
        help="only this server; repeat for several. Choices: "
        + ", ".join(SERVER_NAMES),
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        metavar="NAME",
        help="only this scenario; repeat for several. Choices: " + ", ".join(SCENARIOS),
    )
    parser.add_argument(
        "--peer",
        action="append",
        metavar="NAME",
        help="only this app (framework and raw always run); repeat for several."
        f" WSGI: {', '.join(WSGI_PEERS[2:])}; ASGI: {', '.join(ASGI_PEERS[2:])}",
    )
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="do not pin the server and wrk to separate cores",
    )
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the results as JSON"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only start each server with each app and check its answer",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rows and return the exit status: 1 if an app answered wrongly
    or did not start, or wrk saw errors; else 0.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    args = parse_args(argv)
    if not args.check and shutil.which("wrk") is None:
        print(
            "wrk is not installed: apt-get install wrk (make bench does)",
            file=sys.stderr,
        )
        return 1
    servers = [s for s in SERVERS if not args.server or s.name in args.server]
    scenarios = [s for s in SCENARIOS if not args.scenario or s in args.scenario]
    wanted = None if not args.peer else {"raw", "framework", *args.peer}
    info = versions(servers)
    print(
        ", ".join(f"{name} {version}" for name, version in info.items())
        + f"; {args.rounds} rounds of {args.duration:g} s per app, the apps"
        f" taking turns; {args.connections} connections,"
        + (
            " server and wrk pinned to a core each" if args.pin and pinning()[0] else ""
        ),
        flush=True,
    )
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as folder:
        for server in servers:
            for scenario in scenarios:
                peers = [
                    peer
                    for peer in server.peers
                    if (peer != "raw" or scenario == "hello")
                    and (wanted is None or peer in wanted)
                ]
                rows.extend(
                    load_group(
                        server,
                        scenario,
                        peers,
                        args,
                        Path(folder),
                        lambda line: print(line, flush=True),
                    )
                )
    failed = any(row.problem or row.errors for row in rows)
    if not args.check:
        print()
        print(format_report(rows))
    if args.json is not None:
        args.json.write_text(
            json.dumps(to_json(rows, args, servers), indent=2) + "\n", encoding="utf-8"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
