"""The parts of :class:`framework.App`, one module per concern.

Layer 3, with :mod:`framework.app`, which composes them. Each module holds
one concern of the app: a group of its methods as a class ``App`` inherits
(``registration``, ``configuration``, ``templates``, ``urls``,
``serving``, ``commands``, ``testing_tools``, ``pipeline_methods``,
``sessions``), or the machinery its composition runs on (the strategy
attributes in ``strategy_attribute``, the resolution of Flask-style
overrides in ``overrides``). None of them is public API on its own: their
methods are documented, and used, as methods of ``App``.

A part declares, under ``TYPE_CHECKING``, the members of ``App`` its
methods use, so that each module type-checks without importing the app.
A request without errors or ``after_this_request`` callbacks calls one
part's method, ``save_request_session``; Python caches a method's lookup
by type, so a method defined on a base class costs no more per call than
one defined on ``App`` (callgrind counts the same instructions per WSGI
request as before the split).
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from ..wrappers import Response

    ResponseT = t.TypeVar("ResponseT", bound=Response, covariant=True)

    class MakesResponses(t.Protocol[ResponseT]):
        """An app whose responses are ``ResponseT``: the self type of the
        methods returning ``response_class`` instances, so that a subclass
        setting ``response_class = MyResponse`` gets ``MyResponse`` back."""

        @property
        def response_class(self) -> type[ResponseT]: ...
