"""benchmarks/spread.py: the median of per-round figures with its
quartiles and extremes, per-round ratios, and the slices a round is cut
into so the apps can take turns within it."""

from __future__ import annotations

import pytest

from benchmarks.spread import Spread, round_ratios, slices


def test_the_spread_of_rounds() -> None:
    spread = Spread.of([1.0, 5.0, 2.0, 3.0, 4.0])
    assert spread is not None
    assert spread.median == 3.0
    assert (spread.q1, spread.q3) == (2.0, 4.0)
    assert (spread.low, spread.high, spread.rounds) == (1.0, 5.0, 5)
    assert spread.relative_iqr == pytest.approx(2 / 3)
    assert spread.cell() == "3.000 [2.000-4.000]"
    assert spread.cell(2) == "3.00 [2.00-4.00]"
    assert spread.as_json() == {
        "median": 3.0,
        "q1": 2.0,
        "q3": 4.0,
        "min": 1.0,
        "max": 5.0,
        "rounds": 5,
    }


def test_one_round_has_no_spread_and_none_has_no_figure() -> None:
    one = Spread.of([1.25])
    assert one == Spread(1.25, 1.25, 1.25, 1.25, 1.25, 1)
    assert Spread.of([]) is None


def test_ratios_pair_the_rounds() -> None:
    assert round_ratios([2.0, 3.0, 8.0], [1.0, 3.0, 4.0]) == [2.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="2 rounds against 3"):
        round_ratios([1.0, 2.0], [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("number", "parts", "expected"),
    [
        (1000, 20, [50] * 20),
        (10, 3, [4, 3, 3]),
        (3, 10, [1, 1, 1]),
        (7, 1, [7]),
    ],
)
def test_a_round_is_cut_into_even_slices(
    number: int, parts: int, expected: list[int]
) -> None:
    assert slices(number, parts) == expected
    assert sum(slices(number, parts)) == number
