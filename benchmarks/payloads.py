"""The JSON records the benchmarks and the soak serve: one builder, so that
both measure the same shape of data. Standard library only (the soak's app
must not import the benchmark suite's Flask)."""

from __future__ import annotations

import typing as t

__all__ = ["records"]


def records(count: int) -> list[dict[str, t.Any]]:
    """``count`` records of 8 keys of mixed types.

    Ints, strings (one with a non-ASCII character, escaped by default), a
    nested list, a bool and ``None``, with keys out of order so sorting them
    costs something.

    :param count: how many records.
    """
    return [
        {
            "id": i,
            "name": f"User {i}",
            "email": f"user{i}@example.com",
            "city": "Zürich" if i % 5 == 0 else "Lyon",
            "score": (i * 37) % 101,
            "tags": ["alpha", "beta", f"group-{i % 7}"],
            "active": i % 3 != 0,
            "manager_id": None if i % 4 == 0 else i // 4,
        }
        for i in range(count)
    ]
