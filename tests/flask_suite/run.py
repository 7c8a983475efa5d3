"""Run Flask 3.1.3's own test suite against this framework, unmodified.

Two runs, from Flask's source distribution downloaded at run time (never
copied into this repository):

``alias``
    Flask's ``tests/`` exactly as published, with
    :func:`framework.compat.flask.install` called first (by the pytest plugin
    ``alias_plugin``): what an app or extension that keeps ``import flask``
    sees.
``port``
    The same tests rewritten on the fly the way a user ports an app:
    ``flask`` imports become ``framework``, ``Flask`` becomes ``App`` (and the
    other Flask-named classes their names here), ``FLASK_`` environment
    variables ``FRAMEWORK_``, ``.flaskenv`` ``.frameworkenv``.

Each run is compared with ``known_failures.txt`` beside this file: a test
that fails and is not listed there, or a listed test that now passes, fails
the run, so the list stays exact. Usage::

    python -m tests.flask_suite.run [--mode alias|port|both] [-k EXPR]

``make flask-suite`` runs both.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tokenize
from pathlib import Path

FLASK_VERSION = "3.1.3"
HERE = Path(__file__).resolve().parent
KNOWN_FAILURES = HERE / "known_failures.txt"

#: Flask's class names and ours, for the ported run.
CLASS_NAMES = {
    "Flask": "App",
    "FlaskClient": "AppClient",
    "FlaskCliRunner": "AppCliRunner",
    "FlaskGroup": "FrameworkGroup",
}

#: Rewrites inside string literals (code written to files, module paths,
#: environment variable names), applied in order.
STRING_REWRITES = [
    (re.compile(r"FLASK_"), "FRAMEWORK_"),
    (re.compile(r"\.flaskenv"), ".frameworkenv"),
    (re.compile(r"\bflask\.Flask\b"), "framework.App"),
    (re.compile(r"\b(import|from) flask\b"), r"\1 framework"),
    (re.compile(r"(?<![/\w.])flask\.(?=[a-z_])(?!palletsprojects)"), "framework."),
    (re.compile(r"\bFlask\("), "App("),
]


def cache_dir() -> Path:
    """Where the downloaded source distribution is kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "framework-flask-suite"


def flask_source() -> Path:
    """Flask's unpacked source distribution, downloaded on first use."""
    cache = cache_dir()
    tree = cache / f"flask-{FLASK_VERSION}"
    if (tree / "tests").is_dir():
        return tree
    cache.mkdir(parents=True, exist_ok=True)
    archive = cache / f"flask-{FLASK_VERSION}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                "--no-binary", ":all:", f"flask=={FLASK_VERSION}", "-d", str(cache),
            ],
            check=True,
        )  # fmt: skip
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return tree


def port_source(text: str) -> str:
    """``text``, a Python module of Flask's tests, rewritten as a user
    porting it would: names (not strings) ``flask`` and the Flask class
    names become ours; strings get :data:`STRING_REWRITES`."""
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        new: str | None = None
        if tok.type == tokenize.NAME:
            if tok.string == "flask":
                new = "framework"
            elif tok.string in CLASS_NAMES:
                new = CLASS_NAMES[tok.string]
        elif tok.type == tokenize.STRING or tok.type == getattr(
            tokenize, "FSTRING_MIDDLE", -1
        ):
            new = tok.string
            for pattern, replacement in STRING_REWRITES:
                new = pattern.sub(replacement, new)
            if new == tok.string:
                new = None
        if new is not None:
            (row, col), (end_row, end_col) = tok.start, tok.end
            if row == end_row:
                edits.append((row, col, end_col, new))
            else:  # a multi-line string: rewrite its lines one by one
                for number in range(row, end_row + 1):
                    line = lines[number - 1]
                    for pattern, replacement in STRING_REWRITES:
                        line = pattern.sub(replacement, line)
                    lines[number - 1] = line
    for row, col, end_col, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[end_col:]
    return "".join(lines)


def prepare(mode: str, workdir: Path) -> Path:
    """A fresh copy of Flask's ``tests/`` (and its ``pyproject.toml``, which
    holds the pytest settings) for ``mode``; returns the project root."""
    source = flask_source()
    root = workdir / mode
    shutil.copytree(source / "tests", root / "tests")
    shutil.copy(source / "pyproject.toml", root / "pyproject.toml")
    if mode == "port":
        for path in sorted(root.rglob("*")):
            if path.suffix == ".py":
                path.write_text(port_source(path.read_text()))
            elif path.name == ".flaskenv":
                path.rename(path.with_name(".frameworkenv"))
    return root


def run(mode: str, workdir: Path, extra: list[str], verbose: bool) -> dict[str, str]:
    """Run one mode; return each test's outcome by node id."""
    root = prepare(mode, workdir)
    report = workdir / f"{mode}.jsonl"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(HERE), *filter(None, [env.get("PYTHONPATH")])]
    )
    # Flask's CLI tests read the environment: start from a clean one.
    for name in list(env):
        if name.startswith(("FLASK_", "FRAMEWORK_")):
            del env[name]
    plugin = "alias_plugin" if mode == "alias" else "port_plugin"
    env["FRAMEWORK_SUITE_REPORT"] = str(report)
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", plugin,
            "-p", "no:cacheprovider", "--continue-on-collection-errors",
            "tests", *extra,
        ],
        cwd=root, env=env, check=False, text=True,
        stdout=None if verbose else subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    if not verbose and not report.exists():
        print(result.stdout)  # pytest itself failed: show why
    rank = {"passed": 0, "skipped": 1, "failed": 2}
    outcomes: dict[str, str] = {}
    for line in report.read_text().splitlines() if report.exists() else []:
        entry = json.loads(line)
        node, outcome = entry["node"], entry["outcome"]
        if rank[outcome] >= rank[outcomes.get(node, "passed")]:
            outcomes[node] = outcome
    return outcomes


def known_failures() -> dict[str, dict[str, str]]:
    """``known_failures.txt``: ``<mode> <node id>  # why``, ``*`` for both;
    for each mode, the reason by node id."""
    known: dict[str, dict[str, str]] = {"alias": {}, "port": {}}
    for line in KNOWN_FAILURES.read_text().splitlines():
        entry, _, why = line.partition("#")
        if not entry.strip():
            continue
        mode, node = entry.split(None, 1)
        for each in known if mode == "*" else [mode]:
            known[each][node.strip()] = why.strip()
    return known


def write_known_failures(
    failed: dict[str, set[str]], old: dict[str, dict[str, str]]
) -> None:
    """Rewrite ``known_failures.txt`` from this run, keeping the reasons
    already written and marking new entries for one."""
    header = [
        line for line in KNOWN_FAILURES.read_text().splitlines() if line.startswith("#")
    ]
    rows = []
    for node in sorted(failed["alias"] | failed["port"]):
        modes = [mode for mode in ("alias", "port") if node in failed[mode]]
        mode = "*" if len(modes) == 2 else modes[0]
        why = next((old[m][node] for m in modes if old[m].get(node)), "REASON NEEDED")
        rows.append(f"{mode} {node}  # {why}")
    KNOWN_FAILURES.write_text("\n".join([*header, *rows]) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["alias", "port", "both"], default="both")
    parser.add_argument("-k", dest="keyword", help="pytest's -k, for one test")
    parser.add_argument("-v", "--verbose", action="store_true", help="pytest's output")
    parser.add_argument(
        "--update", action="store_true", help="rewrite known_failures.txt from this run"
    )
    args = parser.parse_args(argv)
    extra = ["-k", args.keyword] if args.keyword else []
    modes = ["alias", "port"] if args.mode == "both" else [args.mode]
    known = known_failures()
    failures: dict[str, set[str]] = {"alias": set(), "port": set()}
    status = 0
    with tempfile.TemporaryDirectory(prefix="flask-suite-") as tmp:
        for mode in modes:
            outcomes = run(mode, Path(tmp), extra, args.verbose)
            failed = {node for node, what in outcomes.items() if what == "failed"}
            failures[mode] = failed
            passed = sum(what == "passed" for what in outcomes.values())
            print(
                f"flask-suite {mode}: {passed} passed, {len(failed)} failed,"
                f" {len(outcomes) - passed - len(failed)} skipped"
                f" of {len(outcomes)}"
            )
            new = sorted(failed - set(known[mode]))
            fixed = sorted(
                node for node in known[mode] if node not in failed and node in outcomes
            )
            for node in new:
                print(f"  NEW FAILURE ({mode}): {node}")
            for node in fixed:
                print(f"  NOW PASSES, drop from known_failures.txt ({mode}): {node}")
            if new or fixed:
                status = 1
    if args.update:
        if extra or len(modes) < 2:
            parser.error("--update needs the whole suite in both modes")
        write_known_failures(failures, known)
        status = 0
    return status


if __name__ == "__main__":
    sys.exit(main())
