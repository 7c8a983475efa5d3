"""The issue's goals judged twice: from time (the median of per-round
ratios, with their spread) and from instructions (callgrind's counts per
request, which the machine's load cannot move).

Time is what a user feels, but on a shared machine it moves from run to
run; instructions stay put to a few per request but miss what costs time
without instructions (cache misses, a dict materialised by a ``__dict__``
read, a thread hop). A verdict both agree on is one to trust; where they
disagree, or where the middle half of the timed rounds spans the goal, the
table says so.

Standard library only: :mod:`benchmarks.run`, :mod:`benchmarks.asgi_run`
and the instruction counters share it.
"""

from __future__ import annotations

import json
import typing as t
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .spread import Spread

__all__ = [
    "Counts",
    "Goal",
    "Verdict",
    "format_verdicts",
    "instruction_ratio",
    "judge",
    "read_counts",
]

#: A goal: ``(scenario, or None for every scenario, peer, against, most)``:
#: the peer's figure over the other's is at most ``most``.
Goal = tuple[str | None, str, str, float]
#: Instructions per request, by row (a scenario) and peer.
Counts = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class Verdict:
    """One goal of one scenario, judged from what the run measured.

    :param scenario: the row.
    :param peer: the app whose figure is divided.
    :param against: the app it is divided by.
    :param most: the goal: the ratio is at most this.
    :param time: the per-round time ratios' median and spread; ``None``
        if the run timed neither app.
    :param instructions: the ratio of instructions per request; ``None``
        if they were not counted.
    """

    scenario: str
    peer: str
    against: str
    most: float
    time: Spread | None = None
    instructions: float | None = None

    @property
    def ratio(self) -> float | None:
        """The time ratio (the median round's)."""
        return None if self.time is None else self.time.median

    @property
    def met(self) -> bool | None:
        """The goal is met by time; ``None`` if not timed."""
        return None if self.time is None else self.time.median <= self.most

    @property
    def sure(self) -> bool:
        """The middle half of the timed rounds lies on one side of the goal:
        another run would most likely give the same verdict."""
        if self.time is None:
            return False
        return self.time.q3 <= self.most or self.time.q1 > self.most

    @property
    def instructions_met(self) -> bool | None:
        """The goal is met by instructions; ``None`` if not counted."""
        if self.instructions is None:
            return None
        return self.instructions <= self.most

    def as_json(self) -> dict[str, t.Any]:
        """The verdict as a JSON object (``ratio`` and ``met`` by time)."""
        return {
            "scenario": self.scenario,
            "peer": self.peer,
            "against": self.against,
            "most": self.most,
            "ratio": self.ratio,
            "met": self.met,
            "sure": self.sure,
            "spread": None if self.time is None else self.time.as_json(),
            "instructions_ratio": self.instructions,
            "instructions_met": self.instructions_met,
        }


def instruction_ratio(
    counts: Counts | None, scenario: str, peer: str, against: str
) -> float | None:
    """``peer``'s instructions per request over ``against``'s in a row.

    :param counts: the counts, or ``None`` if none were given.
    :param scenario: the row.
    :param peer: the app divided.
    :param against: the app it is divided by.
    """
    row = (counts or {}).get(scenario, {})
    ours, theirs = row.get(peer), row.get(against)
    if ours is None or not theirs:
        return None
    return ours / theirs


def judge(
    goals: Sequence[Goal],
    scenarios: Sequence[str],
    time: Callable[[str, str, str], Spread | None],
    counts: Counts | None = None,
) -> list[Verdict]:
    """Every goal the run can judge, by time, by instructions or both,
    goal by goal and in the rows' order.

    :param goals: the goals.
    :param scenarios: the rows, in order.
    :param time: ``(scenario, peer, against)`` to the time ratios' spread,
        or ``None`` where the run did not time both.
    :param counts: instructions per request by row and peer, if counted.
    """
    verdicts = []
    for scenario, peer, against, most in goals:
        for row in scenarios:
            if scenario is not None and row != scenario:
                continue
            spread = time(row, peer, against)
            instructions = instruction_ratio(counts, row, peer, against)
            if spread is not None or instructions is not None:
                verdicts.append(Verdict(row, peer, against, most, spread, instructions))
    return verdicts


def _met_cell(met: bool | None, sure: bool = True) -> str:
    if met is None:
        return "-"
    return ("yes" if met else "no") + ("" if sure else "?")


def format_verdicts(
    verdicts: Sequence[Verdict],
    align: Callable[[list[tuple[str, ...]]], str],
    label: Callable[[str], str] = str,
) -> str:
    """The goals table: each goal's time ratio with its interquartile range
    and verdict, and its instruction ratio and verdict.

    A time verdict of ``yes?`` or ``no?`` is one the middle half of the
    rounds does not settle: the quartiles lie on both sides of the goal.

    :param verdicts: the judged goals.
    :param align: lays rows out as a text table, the first the heading.
    :param label: a peer's name as the table writes it.
    """
    rows: list[tuple[str, ...]] = [("goal", "time [IQR]", "met", "instructions", "met")]
    for verdict in verdicts:
        rows.append(
            (
                f"{verdict.scenario}: {label(verdict.peer)} /"
                f" {label(verdict.against)} <= {verdict.most}",
                "-" if verdict.time is None else verdict.time.cell(),
                _met_cell(verdict.met, verdict.sure),
                "-" if verdict.instructions is None else f"{verdict.instructions:.3f}",
                _met_cell(verdict.instructions_met),
            )
        )
    return align(rows)


def read_counts(path: Path) -> dict[str, dict[str, float]]:
    """The instructions per request an instruction counter wrote with
    ``--json``.

    :param path: the file.
    :raise ValueError: it holds no counts.
    """
    document = json.loads(path.read_text(encoding="utf-8"))
    counts = document.get("counts") if isinstance(document, dict) else None
    if not isinstance(counts, dict):
        raise ValueError(f"{path}: no instruction counts (write it with --json)")
    return {
        str(row): {str(peer): float(value) for peer, value in by_peer.items()}
        for row, by_peer in counts.items()
    }


#: What the goal tables' footnote says.
LEGEND = (
    "time: the median of per-round ratios [its interquartile range]; '?': the"
    " middle half of the rounds spans the goal. instructions: callgrind's"
    " instructions per request, over the other's"
)
