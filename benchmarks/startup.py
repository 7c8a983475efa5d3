"""Process start-up: import the framework and create an app, in a new process.

Each peer runs ``python -c "import X; app = X.App(...)"`` in a fresh
interpreter; a bare ``python -c pass`` runs beside them so the interpreter's
own start-up (and ``site``) can be subtracted. Every round runs each command
once, in an order that rotates from round to round, and a command's figure
is the best (shortest) of its rounds: start-up has no useful average, only
noise above a floor. The first run of each command is thrown away (it may
write bytecode caches).

The figure that matters is the ratio to Flask's and to Falcon's, of the
times net of the bare interpreter; milliseconds depend on the machine.

Run it from the repository root::

    python -m benchmarks.startup
    python -m benchmarks.startup --rounds 30
    python -m benchmarks.startup --importtime 25   # where each one's time goes
    python -m benchmarks.startup --importtime 15 --peer framework

``--importtime N`` prints, instead, for framework, Flask and Falcon (or the
``--peer`` given), the N slowest imports of each program by cumulative
time (``python -X importtime``, each module's best of five runs), after a
summary of all three: how many modules each imports and their total import
time (the sum of every module's own time), as ratios to Flask's and
Falcon's. The interpreter's own start-up (``site``...) is left out of the
summary, being the same for all; it shows among the slowest imports.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Sequence

#: What each peer's process runs: import the package, create one app.
PEERS: dict[str, str] = {
    "framework": "import framework; app = framework.App(__name__)",
    "flask": "import flask; app = flask.Flask(__name__)",
    "falcon": "import falcon; app = falcon.App()",
}

#: The interpreter alone; its time is subtracted from every peer's.
BASELINE = "pass"


def _environment() -> dict[str, str]:
    """The environment of the measured processes: this one's, minus anything
    that would change how an interpreter starts or what it prints."""
    env = dict(os.environ)
    for name in (
        "PYTHONPROFILEIMPORTTIME",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONWARNINGS",
    ):
        env.pop(name, None)
    return env


def run_once(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Run ``python -c code`` once.

    :param code: the program.
    :param env: the process's environment.
    :return: its wall time and its CPU time (user + system), in seconds.
    :raises RuntimeError: if the program fails (a peer not installed).
    """
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    # wait4 gives the child's own resource usage, which a busy machine
    # disturbs far less than the wall time.
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    if process.returncode != 0:
        raise RuntimeError(f"{code!r} failed:\n{errors.decode(errors='replace')}")
    return elapsed, usage.ru_utime + usage.ru_stime


def measure(programs: dict[str, str], rounds: int) -> dict[str, tuple[float, float]]:
    """The best wall time and the best CPU time of each program over
    ``rounds`` rounds.

    :param programs: name to ``-c`` program.
    :param rounds: how many times each program runs (after one warm-up run).
    :return: name to (best wall time, best CPU time), in seconds.
    """
    env = _environment()
    names = list(programs)
    for name in names:
        run_once(programs[name], env)
    wall = dict.fromkeys(names, float("inf"))
    cpu = dict.fromkeys(names, float("inf"))
    for index in range(rounds):
        # Rotating the order spreads whatever the machine does at a given
        # moment over every program alike.
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            elapsed, used = run_once(programs[name], env)
            wall[name] = min(wall[name], elapsed)
            cpu[name] = min(cpu[name], used)
    return {name: (wall[name], cpu[name]) for name in names}


def report(best: dict[str, tuple[float, float]]) -> str:
    """A table of each peer's best times, net of the bare interpreter's, and
    their ratios to Flask's and Falcon's, for wall time and CPU time.

    :param best: name to (wall, CPU) seconds, ``"python"`` being the bare
        interpreter.
    """
    net = {
        name: tuple(best[name][i] - best["python"][i] for i in (0, 1))
        for name in PEERS
        if name in best
    }

    def ratio(name: str, to: str, which: int) -> str:
        return f"{net[name][which] / net[to][which]:.2f}" if to in net else "-"

    header = (
        f"{'process':<10} {'wall ms':>8} {'CPU ms':>8} {'net wall':>9} {'net CPU':>8}"
        f" {'/Flask':>7} {'/Falcon':>8} {'/Flask':>7} {'/Falcon':>8}"
    )
    lines = [
        f"{'':<10} {'':>8} {'':>8} {'':>9} {'':>8} {'(wall)':>7} {'(wall)':>8}"
        f" {'(CPU)':>7} {'(CPU)':>8}",
        header,
        "-" * len(header),
    ]
    for name in ("python", *net):
        wall, cpu = best[name]
        row = f"{name:<10} {wall * 1000:>8.1f} {cpu * 1000:>8.1f}"
        if name in net:
            row += (
                f" {net[name][0] * 1000:>9.1f} {net[name][1] * 1000:>8.1f}"
                f" {ratio(name, 'flask', 0):>7} {ratio(name, 'falcon', 0):>8}"
                f" {ratio(name, 'flask', 1):>7} {ratio(name, 'falcon', 1):>8}"
            )
        lines.append(row)
    return "\n".join(lines)


#: Modules every interpreter imports before the program runs: the same for
#: every peer, so left out of the summary's totals.
INTERPRETER = ("site", "encodings", "_frozen_importlib_external", "zipimport")


def parse_importtime(report: str) -> dict[str, tuple[int, int]]:
    """The modules of a ``python -X importtime`` report, each with its
    cumulative and own time in µs.

    :param report: what the interpreter wrote to stderr.
    """
    found: dict[str, tuple[int, int]] = {}
    for line in report.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|")
        found[name.strip()] = (int(cumulative), int(own))
    return found


def import_profile(code: str, runs: int = 5) -> dict[str, tuple[int, int]]:
    """Each module ``code`` imports, with its smallest cumulative and own
    time in µs over ``runs`` runs of ``python -X importtime``, which a busy
    machine disturbs least.

    :param code: the program.
    :param runs: how many times to run it.
    """
    best: dict[str, tuple[int, int]] = {}
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            env=_environment(),
            capture_output=True,
            text=True,
            check=True,
        )
        for name, (cumulative, own) in parse_importtime(done.stderr).items():
            previous = best.get(name, (1 << 62, 1 << 62))
            best[name] = (min(previous[0], cumulative), min(previous[1], own))
    return best


def own_total(profile: dict[str, tuple[int, int]]) -> int:
    """The program's import time in µs, net of the interpreter's own: the
    sum of every module's own time, the interpreter's start-up modules
    (:data:`INTERPRETER`) left out.

    :param profile: a :func:`import_profile`.
    """
    return sum(
        own
        for name, (_, own) in profile.items()
        if name.split(".")[0] not in INTERPRETER
    )


def format_imports(profile: dict[str, tuple[int, int]], top: int) -> str:
    """The ``top`` slowest imports by cumulative time.

    :param profile: a :func:`import_profile`.
    :param top: how many entries to keep.
    """
    rows = sorted(
        ((cum, own, name) for name, (cum, own) in profile.items()), reverse=True
    )
    out = [f"{'cumulative µs':>13} {'self µs':>8}  module ({len(rows)} imported)"]
    out += [f"{cum:>13} {own:>8}  {name}" for cum, own, name in rows[:top]]
    return "\n".join(out)


def importtime(code: str, top: int, runs: int = 5) -> str:
    """The ``top`` slowest imports of ``code`` by cumulative time.

    :param code: the program.
    :param top: how many entries to keep.
    :param runs: how many times to run it; each module's best counts.
    """
    return format_imports(import_profile(code, runs), top)


def imports_summary(profiles: dict[str, dict[str, tuple[int, int]]]) -> str:
    """For each peer: the modules imported and the total import time, net
    of the interpreter's own, as ratios to Flask's and Falcon's.

    :param profiles: each peer's :func:`import_profile`, by name.
    """
    totals = {name: own_total(profile) for name, profile in profiles.items()}

    def ratio(name: str, to: str) -> str:
        return f"{totals[name] / totals[to]:.2f}" if totals.get(to) else "-"

    lines = [
        f"{'process':<10} {'modules':>7} {'/Flask':>7} {'/Falcon':>8}"
        f"  (import time, the sum of every module's own; best of each)",
    ]
    for name, profile in profiles.items():
        lines.append(
            f"{name:<10} {len(profile):>7} {ratio(name, 'flask'):>7}"
            f" {ratio(name, 'falcon'):>8}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure and print; the exit status is 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15, help="runs per process")
    parser.add_argument(
        "--peer",
        action="append",
        choices=sorted(PEERS),
        help="measure only this peer (repeatable; default all)",
    )
    parser.add_argument(
        "--importtime",
        type=int,
        metavar="N",
        help="print each peer's N slowest imports (python -X importtime),"
        " after a summary of their import times, instead of timing",
    )
    parser.add_argument(
        "--importtime-runs",
        type=int,
        default=5,
        metavar="N",
        help="runs of each program for --importtime; each module's best counts"
        " (default: 5)",
    )
    args = parser.parse_args(argv)
    if args.importtime:
        names = args.peer or list(PEERS)
        profiles = {
            name: import_profile(PEERS[name], max(1, args.importtime_runs))
            for name in names
        }
        print(imports_summary(profiles))
        for name, profile in profiles.items():
            print(f"\n{name}: {PEERS[name]}")
            print(format_imports(profile, args.importtime))
        return 0
    programs = {"python": BASELINE}
    programs.update({name: PEERS[name] for name in args.peer or PEERS})
    print(report(measure(programs, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
