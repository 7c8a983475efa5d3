"""How sure a benchmark's figure is: the median of per-round ratios and
their spread, and the interleaving that makes rounds comparable.

A ratio of two medians hides how much the rounds disagreed; on a shared
machine two runs of the same code can then disagree by a half. Here each
round gives one ratio (two apps timed within the same round, slice by
slice, so both met the same load), the figure is the median of those
ratios, and the spread (the quartiles, and the lowest and highest round)
goes beside it: a reader sees at once whether a verdict of 1.25 against a
goal of 1.3 is a verdict or a coin toss.

Standard library only: the benchmarks of every interface use it.
"""

from __future__ import annotations

import statistics
import typing as t
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Spread", "round_ratios", "slices"]


@dataclass(frozen=True)
class Spread:
    """The median of some per-round figures, and how far the rounds spread.

    :param median: the median round's figure.
    :param q1: the first quartile (a quarter of the rounds are below it).
    :param q3: the third quartile (a quarter of the rounds are above it).
    :param low: the lowest round's figure.
    :param high: the highest round's figure.
    :param rounds: how many rounds.
    """

    median: float
    q1: float
    q3: float
    low: float
    high: float
    rounds: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread | None:
        """The spread of ``values``; ``None`` when there are none.

        :param values: one figure per round.
        """
        if not values:
            return None
        if len(values) == 1:
            only = float(values[0])
            return cls(only, only, only, only, only, 1)
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
        return cls(
            statistics.median(values), q1, q3, min(values), max(values), len(values)
        )

    @property
    def relative_iqr(self) -> float:
        """The interquartile range over the median: 0.02 means the middle
        half of the rounds lies within 2 % of the median's size."""
        return (self.q3 - self.q1) / self.median if self.median else 0.0

    def cell(self, digits: int = 3) -> str:
        """The median and, in brackets, the interquartile range:
        ``1.180 [1.150-1.230]``.

        :param digits: digits after the point.
        """
        return f"{self.median:.{digits}f} [{self.q1:.{digits}f}-{self.q3:.{digits}f}]"

    def as_json(self) -> dict[str, t.Any]:
        """The spread as a JSON object."""
        return {
            "median": self.median,
            "q1": self.q1,
            "q3": self.q3,
            "min": self.low,
            "max": self.high,
            "rounds": self.rounds,
        }


def round_ratios(ours: Sequence[float], theirs: Sequence[float]) -> list[float]:
    """Each round's figure of ``ours`` over the same round's of ``theirs``.

    :param ours: one figure per round.
    :param theirs: the other app's figures, round for round.
    :raise ValueError: the two ran a different number of rounds.
    """
    if len(ours) != len(theirs):
        raise ValueError(f"{len(ours)} rounds against {len(theirs)}")
    return [a / b for a, b in zip(ours, theirs, strict=True) if b]


def slices(number: int, parts: int) -> list[int]:
    """``number`` requests cut into ``parts`` slices as even as can be (no
    empty slice), so several apps can take turns slice by slice within a
    round: ABAB..., not AAAA then BBBB, each app's round then spans the
    same stretch of the machine's load as the others'.

    :param number: the requests of one app's round.
    :param parts: how many slices; fewer when there are fewer requests.
    """
    parts = max(1, min(parts, number))
    size, extra = divmod(number, parts)
    return [size + (1 if index < extra else 0) for index in range(parts)]
