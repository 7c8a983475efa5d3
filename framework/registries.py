"""Registries that report their changes: the app's ``view_functions`` and
hook registries.

Layer 1. The app compiles its views and hooks when setup freezes, so that a
request looks nothing up in the registries. Flask reads them at every
request, and code written for it writes to them directly
(``app.view_functions["index"] = stub`` in a test,
``app.before_request_funcs.setdefault(None, []).append(f)`` in an
extension), also after the first request. These containers call a function
after every write, with which the app compiles again: a write takes effect
as in Flask, and a request pays nothing, since it never reads them.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t

__all__ = ["WatchedDict", "WatchedList", "WatchedScopes"]

K = t.TypeVar("K")
V = t.TypeVar("V")

#: Called with no arguments after each write.
OnChange = t.Callable[[], None]


class WatchedList(list[V]):
    """A list that calls :attr:`on_change` after each write.

    :param on_change: called after every change to the list.
    :param items: the first items; no call for them.
    """

    def __init__(self, on_change: OnChange, items: cabc.Iterable[V] = ()) -> None:
        super().__init__(items)
        #: Called after every change to the list.
        self.on_change = on_change

    def __reduce__(self) -> t.Any:
        # A copy or pickle is a plain list: the callback belongs to the app.
        return (list, (list(self),))

    def append(self, item: V, /) -> None:
        super().append(item)
        self.on_change()

    def extend(self, items: cabc.Iterable[V], /) -> None:
        super().extend(items)
        self.on_change()

    def insert(self, index: t.SupportsIndex, item: V, /) -> None:
        super().insert(index, item)
        self.on_change()

    def remove(self, item: V, /) -> None:
        super().remove(item)
        self.on_change()

    def pop(self, index: t.SupportsIndex = -1, /) -> V:
        item = super().pop(index)
        self.on_change()
        return item

    def clear(self) -> None:
        super().clear()
        self.on_change()

    def sort(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().sort(*args, **kwargs)
        self.on_change()

    def reverse(self) -> None:
        super().reverse()
        self.on_change()

    def __setitem__(self, index: t.Any, value: t.Any) -> None:
        super().__setitem__(index, value)
        self.on_change()

    def __delitem__(self, index: t.SupportsIndex | slice) -> None:
        super().__delitem__(index)
        self.on_change()

    def __iadd__(self, items: cabc.Iterable[V]) -> t.Self:  # type: ignore[override, misc]
        super().__iadd__(items)
        self.on_change()
        return self

    def __imul__(self, times: t.SupportsIndex) -> t.Self:
        super().__imul__(times)
        self.on_change()
        return self


class WatchedDict(dict[K, V]):
    """A dict that calls :attr:`on_change` after each write.

    :param on_change: called after every change to the dict.
    """

    def __init__(self, on_change: OnChange) -> None:
        super().__init__()
        #: Called after every change to the dict.
        self.on_change = on_change

    def __reduce__(self) -> t.Any:
        return (dict, (dict(self),))

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.on_change()

    def __delitem__(self, key: K) -> None:
        super().__delitem__(key)
        self.on_change()

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().update(*args, **kwargs)
        self.on_change()

    def setdefault(self, key: K, default: t.Any = None) -> t.Any:
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: K, *default: t.Any) -> t.Any:
        value = super().pop(key, *default)
        self.on_change()
        return value

    def popitem(self) -> tuple[K, V]:
        item = super().popitem()
        self.on_change()
        return item

    def clear(self) -> None:
        super().clear()
        self.on_change()

    def __ior__(self, other: t.Any) -> t.Self:  # type: ignore[override, misc]
        self.update(other)
        return self


class WatchedScopes(WatchedDict[K, list[V]]):
    """A ``{scope: [functions]}`` registry, like ``defaultdict(list)``, that
    calls :attr:`on_change` after each write to it or to one of its lists.
    Lists stored in it become :class:`WatchedList` (a copy of the list
    given), so that ``registry.setdefault(None, []).append(f)`` is seen.

    :param on_change: called after every change.
    """

    def __missing__(self, key: K) -> list[V]:
        # As defaultdict(list): reading a missing scope adds it, empty.
        funcs: list[V] = WatchedList(self.on_change)
        dict.__setitem__(self, key, funcs)
        return funcs

    def __setitem__(self, key: K, value: list[V]) -> None:
        if not isinstance(value, WatchedList):
            value = WatchedList(self.on_change, value)
        super().__setitem__(key, value)

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            dict.__setitem__(
                self,
                key,
                value
                if isinstance(value, WatchedList)
                else WatchedList(self.on_change, value),
            )
        self.on_change()

    @property
    def default_factory(self) -> type[list[t.Any]]:
        """``list``, as for the ``defaultdict(list)`` Flask uses."""
        return list
