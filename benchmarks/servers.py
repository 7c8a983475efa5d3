"""Requests per second and latency through real servers, on loopback, with
a load generator: ``framework`` against Flask, Falcon and Bottle under
gunicorn (sync and gthread workers), and against Starlette, Quart and
Falcon's ASGI app under uvicorn and granian; one worker each.

Each row starts the server on a free port of 127.0.0.1 with one app of
:mod:`benchmarks.served`, checks its answer, warms it up, and runs ``wrk``
(Debian's package; ``make bench`` installs it) for a few seconds. A bare
app with no framework at all (``raw``) is run too: the most the server
gives one worker, so the report can say where the server, not the app,
sets the pace. On a machine of two or more cores the server is pinned to
one core and ``wrk`` to another (``taskset``), so they do not take turns
on the same one.

Run it from the repository root::

    python -m benchmarks.servers
    python -m benchmarks.servers --server uvicorn --scenario hello --duration 10
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
import subprocess
import sys
import tempfile
import time
import typing as t
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.served import ASGI_PEERS, SCENARIOS, WSGI_PEERS
from benchmarks.shapes import HELLO, JSON_DATA, TEMPLATES, template_items
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
    """One app under one server, loaded for a few seconds.

    :param server: the server's name.
    :param scenario: the scenario.
    :param peer: the app's framework (``raw``: no framework).
    :param requests_per_second: what ``wrk`` counted.
    :param p50_ms: the median latency.
    :param p99_ms: the 99th percentile latency.
    :param requests: the requests completed.
    :param errors: socket errors and non-2xx answers ``wrk`` saw.
    :param problem: why the row was not timed, if it was not.
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


def load_one(
    server: Server,
    scenario: str,
    peer: str,
    args: argparse.Namespace,
    log_folder: Path,
) -> Row:
    """Start ``server`` with ``peer``'s app of ``scenario``, check its
    answer, warm it up, load it, stop it.

    :param server: the server.
    :param scenario: the scenario.
    :param peer: the app's framework.
    :param args: the command line's options.
    :param log_folder: where the server's output goes.
    """
    row = Row(server.name, scenario, peer)
    server_prefix, wrk_prefix = pinning() if args.pin else ([], [])
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
    try:
        answer: list[tuple[int, bytes]] = []

        def answers() -> bool:
            try:
                answer.append(fetch(port))
            except OSError:
                return False
            return True

        if not wait_until(answers, process, START_TIMEOUT):
            output = log_path.read_text(errors="replace").splitlines()[-15:]
            row.problem = "did not start: " + " | ".join(output)
            return row
        row.problem = answer_problem(scenario, *answer[-1])
        if row.problem or args.check:
            return row
        if args.warmup > 0:
            run_wrk(port, args.warmup, args.connections, wrk_prefix)
        figures = run_wrk(port, args.duration, args.connections, wrk_prefix)
        row.requests_per_second = figures["requests_per_second"]
        row.p50_ms = figures["p50_ms"]
        row.p99_ms = figures["p99_ms"]
        row.requests = int(figures["requests"])
        row.errors = int(figures["errors"])
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            wait_or_kill(process, STOP_TIMEOUT)
    return row


def median_row(rounds: Sequence[Row]) -> Row:
    """The round of median requests per second; the first failed one if
    any failed.

    :param rounds: one app's rounds under one server.
    """
    failed = [row for row in rounds if row.problem]
    if failed:
        return failed[0]
    ordered = sorted(rounds, key=lambda row: row.requests_per_second)
    return ordered[(len(ordered) - 1) // 2]


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
    the best other framework's, whether it leads or ties, whether the
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
        group = {
            row.peer: row.requests_per_second
            for row in timed
            if (row.server, row.scenario) == (server, scenario) and row.peer != "raw"
        }
        ours = group.pop("framework", None)
        if ours is None or not group:
            continue
        best_peer = max(group, key=lambda peer: group[peer])
        best = group[best_peer]
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
                "framework_over_best": ours / best,
                "leads_or_ties": ours >= TIE * best,
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


def format_report(rows: Sequence[Row]) -> str:
    """The rows as a table, then the verdict of each server and scenario."""
    table: list[tuple[str, ...]] = [
        ("server", "scenario", "app", "req/s", "p50 ms", "p99 ms", "errors")
    ]
    for row in rows:
        if row.problem:
            table.append(
                (row.server, row.scenario, row.peer, "-", "-", "-", row.problem[:60])
            )
            continue
        table.append(
            (
                row.server,
                row.scenario,
                row.peer,
                f"{row.requests_per_second:.0f}",
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
            "framework/best",
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
                f"{verdict['framework_over_best']:.2f}",
                "yes" if verdict["leads_or_ties"] else "no",
                "yes" if verdict["server_bound"] else "no",
                "yes" if verdict["noisy"] else "no",
            )
        )
    if len(verdict_rows) > 1:
        lines.append(
            "framework's requests per second over the best other framework's"
            f" (a tie: at least {TIE}); server-bound: both reach"
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
        "rows": [asdict(row) for row in rows],
        "verdicts": verdicts(rows),
    }


# -- Command line ----------------------------------------------------------------


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
        default=3.0,
        help="seconds of load per row (default: 3; 30 for steadier figures)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rows per app, in rotating order; the median counts (default: 1;"
        " 3 or more on a shared machine)",
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
        + f"; {args.duration:g} s per row, {args.connections} connections,"
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
                rounds: dict[str, list[Row]] = {peer: [] for peer in peers}
                for number in range(1 if args.check else args.rounds):
                    # Which app goes first rotates, so a change in the
                    # machine's load does not always fall on the same one.
                    shift = number % len(peers)
                    for peer in peers[shift:] + peers[:shift]:
                        started = time.monotonic()
                        row = load_one(server, scenario, peer, args, Path(folder))
                        rounds[peer].append(row)
                        outcome = row.problem or (
                            "ok"
                            if args.check
                            else f"{row.requests_per_second:.0f} req/s"
                        )
                        print(
                            f"  {server.name} {scenario} {peer}: {outcome}"
                            f" ({time.monotonic() - started:.1f} s)",
                            flush=True,
                        )
                rows.extend(median_row(rounds[peer]) for peer in peers)
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
