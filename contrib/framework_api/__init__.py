"""Typed APIs for framework apps: validation, serialisation and OpenAPI 3.1
from a view's type hints, at msgspec speed (issue 21, in progress).

The extension builds on the core's :class:`~framework.binding.ViewBinder`
strategy: it compiles each typed view once, at setup, into the code that
validates the request's input and serialises the view's result.
"""

from __future__ import annotations
