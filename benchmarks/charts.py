"""Charts of a benchmark run, and one results file: reads the JSON that
``benchmarks.run``, ``benchmarks.asgi_run``, ``benchmarks.servers`` and
``benchmarks.api_run`` wrote into a folder (``wsgi.json``, ``asgi.json``,
``servers.json``, ``api.json``; any may be missing) and writes beside them:

- ``wsgi-ratio.png``: each scenario's time over Flask's, one bar per
  framework (lower is better);
- ``asgi-ratio.png``: each scenario's time over Starlette's, one bar per
  framework;
- ``servers-rps.png``: requests per second through each server, one bar
  per app (higher is better);
- ``api-asgi-ratio.png`` and ``api-wsgi-ratio.png``: each typed-API
  scenario's time over FastAPI's (ASGI) and APIFlask's (WSGI);
- ``results.json``: the ratios and server rows of all four, with the
  machine they were taken on; ``machine.txt``: the machine, in a line;
- ``wsgi-table.inc``, ``asgi-table.inc``, ``servers-table.inc``,
  ``api-table.inc`` and ``losses.inc``: the same figures as reST tables,
  and the list of where
  framework loses, for the docs' Performance page (ratios only), each
  ratio with the interquartile range of its rounds where the run gave one,
  and each goal's verdict by instructions where the run was given counts.

Run it from the repository root (``make bench`` does)::

    python -m benchmarks.charts benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import typing as t
from collections.abc import Sequence
from pathlib import Path

__all__ = ["losses", "machine", "main", "summary", "tables"]

#: The bars' colours, one per framework, the same in every chart.
COLOURS = {
    "framework": "#d62728",
    "Flask": "#7f7f7f",
    "Falcon": "#1f77b4",
    "Bottle": "#2ca02c",
    "Starlette": "#9467bd",
    "starlette": "#9467bd",
    "Quart": "#8c564b",
    "quart": "#8c564b",
    "falcon": "#1f77b4",
    "flask-a2wsgi": "#7f7f7f",
    "framework-def": "#ff9896",
    "starlette-def": "#c5b0d5",
    "raw": "#dddddd",
    "framework-wsgi": "#d62728",
    "fastapi": "#17becf",
    "litestar": "#bcbd22",
    "starlette-msgspec": "#9467bd",
    "apiflask": "#e377c2",
    "flask-smorest": "#8c564b",
    "flask-msgspec": "#7f7f7f",
}
#: The ASGI peers drawn, and their labels.
ASGI_BARS = {
    "framework": "framework",
    "quart": "Quart",
    "falcon": "Falcon",
    "flask-a2wsgi": "Flask+a2wsgi",
}
#: Charts are small: they go into the docs as they are.
SIZE = (8.0, 3.6)
DPI = 90


def machine() -> dict[str, t.Any]:
    """What the figures were taken on: CPU model, cores, Python, and the
    load average when the charts were drawn (a loaded machine moves every
    ratio)."""
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    try:
        load = [round(value, 2) for value in os.getloadavg()]
    except OSError:
        load = []
    return {
        "cpu": model,
        "cpus": os.cpu_count(),
        "system": platform.system(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "load_average": load,
    }


def _load(folder: Path, name: str) -> dict[str, t.Any] | None:
    path = folder / name
    if not path.exists():
        return None
    return t.cast(dict[str, t.Any], json.loads(path.read_text(encoding="utf-8")))


def summary(folder: Path) -> dict[str, t.Any]:
    """The ratios of the in-process runs and the server rows, by run.

    :param folder: where the runs wrote their JSON.
    """
    document: dict[str, t.Any] = {"machine": machine()}
    wsgi = _load(folder, "wsgi.json")
    if wsgi is not None:
        document["wsgi"] = {
            "versions": wsgi["versions"],
            "reference": wsgi["reference"],
            "ratios": {r["scenario"]: r["ratio"] for r in wsgi["results"]},
            "framework_over_falcon": {
                r["scenario"]: r["framework_over_falcon"] for r in wsgi["results"]
            },
            "framework_over_falcon_spread": {
                r["scenario"]: r.get("framework_over_falcon_spread")
                for r in wsgi["results"]
            },
            "ratio_spread": {
                r["scenario"]: r.get("ratio_spread", {}) for r in wsgi["results"]
            },
            "framework_over": {
                r["scenario"]: r.get("framework_over", {}) for r in wsgi["results"]
            },
            "goals": wsgi["goals"],
        }
    asgi = _load(folder, "asgi.json")
    if asgi is not None:
        document["asgi"] = {
            "versions": asgi["versions"],
            "reference": asgi["reference"],
            "ratios": {r["scenario"]: r["ratio"] for r in asgi["results"]},
            "ratio_spread": {
                r["scenario"]: r.get("ratio_spread", {}) for r in asgi["results"]
            },
            "goals": asgi["goals"],
        }
    api = _load(folder, "api.json")
    if api is not None:
        document["api"] = {"versions": api["versions"]}
        for interface in ("asgi", "wsgi"):
            part = api.get(interface)
            if part is None:
                continue
            document["api"][interface] = {
                "reference": part["reference"],
                "framework": part["framework"],
                "labels": part.get("labels", {}),
                "ratios": {r["scenario"]: r["ratio"] for r in part["results"]},
                "ratio_spread": {
                    r["scenario"]: r.get("ratio_spread", {}) for r in part["results"]
                },
                "framework_over": {
                    r["scenario"]: r.get("framework_over", {}) for r in part["results"]
                },
                "goals": part["goals"],
            }
    served = _load(folder, "servers.json")
    if served is not None:
        document["servers"] = {
            "versions": served["versions"],
            "duration_s": served["duration_s"],
            "connections": served["connections"],
            "rows": served["rows"],
            "verdicts": served["verdicts"],
        }
    return document


#: A bar's whisker: the first and third quartile of its rounds.
Whisker = tuple[float, float] | None


def _bars(
    axes: t.Any,
    groups: Sequence[str],
    series: dict[str, list[float | None]],
    colours: dict[str, str],
    whiskers: dict[str, list[Whisker]] | None = None,
) -> None:
    """Grouped bars: one group per entry of ``groups``, one bar per series
    (a missing value leaves a gap), each with a whisker over the middle
    half of its rounds where ``whiskers`` has one."""
    width = 0.8 / max(1, len(series))
    for index, (label, values) in enumerate(series.items()):
        offsets = [
            g + (index - (len(series) - 1) / 2) * width for g in range(len(groups))
        ]
        spans = (whiskers or {}).get(label) or [None] * len(values)
        present = [
            (x, v, span)
            for x, v, span in zip(offsets, values, spans, strict=True)
            if v is not None
        ]
        if not present:
            continue
        axes.bar(
            [x for x, _, _ in present],
            [v for _, v, _ in present],
            width,
            label=label,
            color=colours.get(label),
        )
        spanned = [(x, v, span) for x, v, span in present if span is not None]
        if spanned:
            axes.errorbar(
                [x for x, _, _ in spanned],
                [v for _, v, _ in spanned],
                yerr=[
                    [max(0.0, v - span[0]) for _, v, span in spanned],
                    [max(0.0, span[1] - v) for _, v, span in spanned],
                ],
                fmt="none",
                ecolor="black",
                elinewidth=0.8,
                capsize=1.5,
            )
    values = [v for vs in series.values() for v in vs if v is not None and v > 0]
    tallest = max(values, default=1.0)
    if tallest / min(values, default=1.0) > 50:
        # Ratios from 0.1 to 100 (Flask through a2wsgi next to Starlette):
        # on a linear scale every bar but the tallest would be a sliver.
        axes.set_yscale("log")
        axes.set_ylim(min(values) / 2, tallest * 4)
    else:
        # Head room for the legend above the tallest bar.
        axes.set_ylim(0, tallest * 1.3)
    axes.set_xticks(range(len(groups)))
    axes.set_xticklabels(groups, rotation=30, ha="right", fontsize=8)
    axes.tick_params(axis="y", labelsize=8)


def _whisker(spread: dict[str, t.Any] | None) -> Whisker:
    """The quartiles of a spread of several rounds; ``None`` otherwise."""
    if not spread or spread.get("rounds", 0) < 2:
        return None
    return (float(spread["q1"]), float(spread["q3"]))


def ratio_chart(
    path: Path,
    ratios: dict[str, dict[str, float | None]],
    bars: dict[str, str],
    reference: str,
    spreads: dict[str, dict[str, t.Any]] | None = None,
) -> None:
    """One group of bars per scenario: each framework's time over the
    reference's, with a line at 1, and a whisker over the middle half of
    the rounds where the run gave the spread.

    :param path: the PNG to write.
    :param ratios: each scenario's ratios by peer name.
    :param bars: the peers drawn, name to label.
    :param reference: the reference's label, for the title.
    :param spreads: each scenario's ratio spreads by peer name, if any.
    """
    import matplotlib.pyplot as plt

    scenarios = list(ratios)
    series = {
        label: [ratios[s].get(name) for s in scenarios] for name, label in bars.items()
    }
    colours = {label: COLOURS.get(name, "#333333") for name, label in bars.items()}
    whiskers = {
        label: [_whisker((spreads or {}).get(s, {}).get(name)) for s in scenarios]
        for name, label in bars.items()
    }
    figure, axes = plt.subplots(figsize=SIZE, dpi=DPI)
    _bars(axes, scenarios, series, colours, whiskers)
    axes.axhline(1.0, color="black", linewidth=0.8)
    axes.set_ylabel(f"time / {reference}'s (lower is better)", fontsize=8)
    axes.set_title(
        f"Time per request, in process, as a ratio to {reference}", fontsize=9
    )
    axes.legend(fontsize=7, ncol=len(series))
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def servers_chart(path: Path, rows: Sequence[dict[str, t.Any]]) -> None:
    """One panel per server, one group of bars per scenario, one bar per
    app: requests per second.

    :param path: the PNG to write.
    :param rows: the server rows of :mod:`benchmarks.servers`.
    """
    import matplotlib.pyplot as plt

    timed = [row for row in rows if row["requests_per_second"] > 0]
    names = list(dict.fromkeys(row["server"] for row in timed))
    if not names:
        return
    columns = 2 if len(names) > 1 else 1
    lines = (len(names) + columns - 1) // columns
    figure, panels = plt.subplots(
        lines, columns, figsize=(SIZE[0], 2.6 * lines), dpi=DPI, squeeze=False
    )
    for panel, server in zip(panels.flat, names, strict=False):
        mine = [row for row in timed if row["server"] == server]
        scenarios = list(dict.fromkeys(row["scenario"] for row in mine))
        peers = list(dict.fromkeys(row["peer"] for row in mine))
        rates = {
            (row["scenario"], row["peer"]): row["requests_per_second"] for row in mine
        }
        series = {peer: [rates.get((s, peer)) for s in scenarios] for peer in peers}
        spans = {(row["scenario"], row["peer"]): row.get("spread") for row in mine}
        whiskers = {
            peer: [_whisker(spans.get((s, peer))) for s in scenarios] for peer in peers
        }
        _bars(panel, scenarios, series, COLOURS, whiskers)
        panel.set_title(f"{server}, 1 worker", fontsize=9)
        panel.set_ylabel("requests/s", fontsize=8)
        panel.legend(fontsize=6, ncol=3)
    for panel in list(panels.flat)[len(names) :]:
        panel.set_visible(False)
    figure.suptitle("Through a server, wrk on loopback (higher is better)", fontsize=9)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


#: An empty cell (a bare "-" would start a list in a reST table's cell).
NONE = "\N{EN DASH}"


def _cell(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def _spread_cell(value: float | None, spread: dict[str, t.Any] | None) -> str:
    """A ratio, and the interquartile range of its rounds when known."""
    if value is None or not spread:
        return _cell(value)
    return f"{value:.2f} [{spread['q1']:.2f}{NONE}{spread['q3']:.2f}]"


def _iqr_text(spread: dict[str, t.Any] | None, digits: int = 2) -> str:
    """`` (middle half of the rounds: 1.10 to 1.25)``, or nothing."""
    if not spread or spread.get("rounds", 0) < 2:
        return ""
    return (
        f" (middle half of the rounds: {spread['q1']:.{digits}f} to"
        f" {spread['q3']:.{digits}f})"
    )


def list_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A reST ``list-table`` of ``rows`` under ``header``."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in (header, *rows):
        lines.append(f"   * - {row[0]}")
        lines.extend(f"     - {cell}" for cell in row[1:])
    return "\n".join(lines) + "\n"


#: The ASGI runs' peer names, as the docs write them.
ASGI_LABELS = {
    "starlette": "Starlette",
    "framework-def": "framework def",
    "starlette-def": "Starlette def",
}
#: The WSGI columns of the docs' table.
WSGI_COLUMNS = ("framework", "Falcon", "Bottle")
#: The ASGI columns of the docs' table, and their headings.
ASGI_COLUMNS = {
    "framework": "framework",
    "quart": "Quart",
    "falcon": "Falcon",
    "flask-a2wsgi": "Flask+a2wsgi",
}


def tables(document: dict[str, t.Any]) -> dict[str, str]:
    """The run's figures as reST tables, by file name; ratios only.

    :param document: a :func:`summary`.
    """
    found: dict[str, str] = {}
    wsgi = document.get("wsgi")
    if wsgi is not None:
        spreads = wsgi.get("framework_over_falcon_spread", {})
        rows = [
            (
                scenario,
                *(_cell(ratios.get(name)) for name in WSGI_COLUMNS),
                _spread_cell(
                    wsgi["framework_over_falcon"].get(scenario), spreads.get(scenario)
                ),
            )
            for scenario, ratios in wsgi["ratios"].items()
        ]
        found["wsgi-table.inc"] = list_table(
            ("scenario", *WSGI_COLUMNS, "framework / Falcon"), rows
        )
    asgi = document.get("asgi")
    if asgi is not None:
        rows = []
        spreads = asgi.get("ratio_spread", {})
        for scenario, ratios in asgi["ratios"].items():
            def_ratio = None
            ours, theirs = ratios.get("framework-def"), ratios.get("starlette-def")
            if ours is not None and theirs:
                def_ratio = ours / theirs
            rows.append(
                (
                    scenario,
                    _spread_cell(
                        ratios.get("framework"),
                        spreads.get(scenario, {}).get("framework"),
                    ),
                    *(_cell(ratios.get(name)) for name in list(ASGI_COLUMNS)[1:]),
                    _cell(def_ratio),
                )
            )
        found["asgi-table.inc"] = list_table(
            ("scenario", *ASGI_COLUMNS.values(), "framework def / Starlette def"), rows
        )
    served = document.get("servers")
    if served is not None:
        rows = [
            (
                verdict["server"],
                verdict["scenario"],
                verdict["best_other"],
                _spread_cell(verdict["framework_over_best"], verdict.get("spread")),
                _cell(verdict.get("cpu_over_best")),
                NONE
                if verdict["share_of_raw"] is None
                else f"{verdict['share_of_raw']:.0%}",
                "yes" if verdict["server_bound"] else "no",
                "yes" if verdict.get("noisy") else "no",
            )
            for verdict in served["verdicts"]
        ]
        found["servers-table.inc"] = list_table(
            (
                "server",
                "scenario",
                "vs",
                "ratio [IQR]",
                "CPU ratio",
                "of bare",
                "server-bound",
                "noisy",
            ),
            rows,
        )
    api = document.get("api")
    for interface, against in API_AGAINST.items():
        part = (api or {}).get(interface)
        if part is not None:
            found[f"api-{interface}-table.inc"] = api_table(part, against)
    found["losses.inc"] = losses(document)
    return found


#: framework's time over each of these, per interface, in the docs' tables
#: of the typed-API scenarios: the rivals and the hand-written floor.
API_AGAINST = {
    "asgi": ("litestar", "starlette-msgspec", "fastapi"),
    "wsgi": ("apiflask", "flask-smorest", "flask-msgspec"),
}


def api_table(part: dict[str, t.Any], against: Sequence[str]) -> str:
    """One interface's typed-API scenarios as a reST table: framework's
    time over each of ``against``'s, with the interquartile range of the
    rounds.

    :param part: an interface of the ``api`` part of a :func:`summary`.
    :param against: the peers framework is divided by, one column each.
    """
    labels = part.get("labels", {})
    rows = []
    for scenario, over in part["framework_over"].items():
        cells = []
        for name in against:
            spread = over.get(name)
            cells.append(
                _spread_cell(None if spread is None else spread["median"], spread)
            )
        rows.append((scenario, *cells))
    return list_table(
        ("scenario", *(f"framework / {labels.get(name, name)}" for name in against)),
        rows,
    )


def _missed(goal: dict[str, t.Any]) -> bool:
    """The goal was missed by time, or, where it was not timed, by
    instructions."""
    if goal.get("met") is not None:
        return not goal["met"]
    return goal.get("instructions_met") is False


def _goal_figures(goal: dict[str, t.Any]) -> str:
    """A goal's time ratio with the middle half of its rounds, and its
    instruction ratio, as far as the run has them."""
    parts = []
    if goal.get("ratio") is not None:
        parts.append(f"{goal['ratio']:.3f}{_iqr_text(goal.get('spread'), 3)}")
    if goal.get("instructions_ratio") is not None:
        parts.append(f"{goal['instructions_ratio']:.3f} by instructions")
    return ", ".join(parts) or NONE


def losses(document: dict[str, t.Any]) -> str:
    """Where framework loses in the run, as a reST bullet list: slower than
    Falcon or Bottle in process, past the goals' ratios, slower than
    Starlette, behind the best other framework through a server.

    :param document: a :func:`summary`.
    """
    items: list[str] = []
    wsgi = document.get("wsgi")
    if wsgi is not None:
        for scenario, ratios in wsgi["ratios"].items():
            direct = wsgi.get("framework_over", {}).get(scenario, {})
            slower = []
            for name in ("Falcon", "Bottle"):
                spread = direct.get(name)
                # The median of per-round ratios where the run gave it; a
                # ratio of the two ratios to Flask's in an older run.
                if spread:
                    over = spread["median"]
                elif ratios.get("framework") and ratios.get(name):
                    over = ratios["framework"] / ratios[name]
                else:
                    continue
                if over > 1:
                    slower.append(f"{over:.2f} times {name}'s time{_iqr_text(spread)}")
            if slower:
                items.append(
                    f"WSGI, {scenario}: framework takes " + "; ".join(slower) + "."
                )
        for goal in wsgi["goals"]:
            if _missed(goal) and goal["against"] != "Falcon":
                items.append(
                    f"WSGI goal missed: {goal['scenario']}, {goal['peer']} /"
                    f" {goal['against']} is {_goal_figures(goal)} (goal:"
                    f" at most {goal['most']})."
                )
    asgi = document.get("asgi")
    if asgi is not None:
        for goal in asgi["goals"]:
            if _missed(goal):
                peer = ASGI_LABELS.get(goal["peer"], goal["peer"])
                against = ASGI_LABELS.get(goal["against"], goal["against"])
                items.append(
                    f"ASGI, {goal['scenario']}: {peer} / {against} is"
                    f" {_goal_figures(goal)} (goal: at most {goal['most']})."
                )
    api = document.get("api") or {}
    for interface in API_AGAINST:
        part = api.get(interface)
        if part is None:
            continue
        labels = part.get("labels", {})
        for goal in part["goals"]:
            if _missed(goal):
                items.append(
                    f"Typed APIs, {interface.upper()}, {goal['scenario']}:"
                    f" framework / {labels.get(goal['against'], goal['against'])}"
                    f" is {_goal_figures(goal)} (goal: at most {goal['most']})."
                )
    served = document.get("servers")
    if served is not None:
        for verdict in served["verdicts"]:
            if not verdict["leads_or_ties"]:
                bound = " (server-bound)" if verdict["server_bound"] else ""
                if verdict.get("noisy"):
                    bound += " (noisy: the load changed during the run)"
                items.append(
                    f"{verdict['server']}, {verdict['scenario']}: framework"
                    f" serves {verdict['framework_over_best']:.2f} of"
                    f" {verdict['best_other']}'s requests per second"
                    f"{_iqr_text(verdict.get('spread'))}{bound}."
                )
    if not items:
        return "Nowhere in this run.\n"
    return "\n".join(f"- {item}" for item in items) + "\n"


def _api_bars(part: dict[str, t.Any]) -> list[str]:
    """The peers of a typed-API chart: every one timed but the reference,
    framework first."""
    names = dict.fromkeys(name for ratios in part["ratios"].values() for name in ratios)
    names.pop(part["reference"], None)
    ours = part["framework"]
    return ([ours] if ours in names else []) + [n for n in names if n != ours]


def main(argv: Sequence[str] | None = None) -> int:
    """Draw the charts of the runs in a folder and write its results file.

    :param argv: the arguments; ``sys.argv[1:]`` when ``None``.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.charts",
        description="Draw a benchmark run's charts and write its results.json.",
    )
    parser.add_argument("folder", type=Path, help="where the runs wrote their JSON")
    args = parser.parse_args(argv)
    import matplotlib

    # No display: the charts only go to files.
    matplotlib.use("Agg")
    document = summary(args.folder)
    written = []
    if "wsgi" in document:
        ratio_chart(
            args.folder / "wsgi-ratio.png",
            document["wsgi"]["ratios"],
            {"framework": "framework", "Falcon": "Falcon", "Bottle": "Bottle"},
            "Flask",
            document["wsgi"].get("ratio_spread"),
        )
        written.append("wsgi-ratio.png")
    if "asgi" in document:
        ratio_chart(
            args.folder / "asgi-ratio.png",
            document["asgi"]["ratios"],
            ASGI_BARS,
            "Starlette",
            document["asgi"].get("ratio_spread"),
        )
        written.append("asgi-ratio.png")
    for interface, part in document.get("api", {}).items():
        if interface not in API_AGAINST:
            continue
        labels = part.get("labels", {})
        ratio_chart(
            args.folder / f"api-{interface}-ratio.png",
            part["ratios"],
            {name: labels.get(name, name) for name in _api_bars(part)},
            labels.get(part["reference"], part["reference"]),
            part.get("ratio_spread"),
        )
        written.append(f"api-{interface}-ratio.png")
    if "servers" in document:
        servers_chart(args.folder / "servers-rps.png", document["servers"]["rows"])
        written.append("servers-rps.png")
    (args.folder / "results.json").write_text(
        json.dumps(document, indent=2) + "\n", encoding="utf-8"
    )
    for name, text in tables(document).items():
        (args.folder / name).write_text(text, encoding="utf-8")
        written.append(name)
    described = document["machine"]
    (args.folder / "machine.txt").write_text(
        f"{described['cpu']}, {described['cpus']} cores, {described['system']},"
        f" {described['python']}\nload average (1, 5, 15 minutes) when the charts"
        f" were drawn: {', '.join(map(str, described['load_average']))}\n",
        encoding="utf-8",
    )
    print(
        f"wrote {', '.join([*written, 'results.json', 'machine.txt'])} in {args.folder}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
