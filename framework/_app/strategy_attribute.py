"""The attribute of :class:`~framework.App` that holds one strategy.

Layer 3, part of :mod:`framework.app`. :class:`StrategyAttribute` makes
``app.router``, ``app.dispatcher``... plain reads of the instance's
dictionary, swappable by assignment until setup freezes; an assignment
re-resolves the pipeline.
"""

from __future__ import annotations

import operator
import typing as t

__all__ = ["StrategyAttribute"]

T = t.TypeVar("T")


class _Composes(t.Protocol):
    """What a strategy assignment needs of the app: the setup guard, the
    setup counter and the pipeline resolution."""

    __dict__: dict[str, t.Any]
    _setup_version: int
    _pipeline_ready: bool

    def _check_setup_finished(self, f_name: str) -> None: ...
    def _prepare(self) -> None: ...


class StrategyAttribute(property, t.Generic[T]):
    """An ``App`` attribute holding a strategy: swappable by assignment until
    the first request, refused afterwards.

    A :class:`property` whose getter is :func:`operator.attrgetter` of the
    instance's slot: read by C code, with no Python frame (PERF: ASGI
    json; ``app.json``, ``app.router``... are read on every request).
    """

    def __init__(self) -> None:
        super().__init__(None, self._assign)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.slot = f"_{name}_strategy"
        # property's C fields are set by __init__ only: set them again,
        # now that the slot is known.
        super().__init__(operator.attrgetter(self.slot), self._assign)

    if t.TYPE_CHECKING:  # pragma: no cover

        @t.overload  # type: ignore[override]
        def __get__(self, obj: None, owner: type) -> StrategyAttribute[T]: ...

        @t.overload
        def __get__(self, obj: object, owner: type) -> T: ...

        def __get__(
            self, obj: object | None, owner: type | None = None
        ) -> T | StrategyAttribute[T]: ...

        def __set__(self, obj: t.Any, value: T) -> None: ...

    def _assign(self, obj: _Composes, value: T) -> None:
        previous = obj.__dict__.get(self.slot)
        if previous is not None:
            obj._check_setup_finished(f"app.{self.name} = ...")
            # A new router without a map of its own keeps the app's rules.
            if getattr(value, "url_map", False) is None:
                value.url_map = previous.url_map  # type: ignore[attr-defined]
        obj.__dict__[self.slot] = value
        obj._setup_version += 1
        if obj._pipeline_ready:
            obj._prepare()
