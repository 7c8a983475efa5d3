"""The parts of :class:`framework.App`, one module per concern.

Layer 3, with :mod:`framework.app`, which composes them. Each module holds
one concern of the app: a group of its methods as a class ``App`` inherits
(templates, URL building, serving, the command line, the test tools, the
Flask-named pipeline methods), or the machinery its composition runs on
(the strategy attributes, the resolution of Flask-style overrides). None of
them is public API on its own: their methods are documented, and used, as
methods of ``App``.
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
