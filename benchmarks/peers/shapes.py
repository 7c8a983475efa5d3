"""What the apps of every framework share: the data they serve and the
requests they answer, so that each builds the same app.

The WSGI scenarios' constants are reused from :mod:`benchmarks.run`, so an
ASGI scenario of the same name is the same app.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

from ..run import (
    BENCHMARKS_ROOT,
    ROUTE_COUNT,
    SESSION_DATA,
    SESSION_SECRET,
    TEMPLATE_ITEM_COUNT,
)

__all__ = [
    "BENCHMARKS_ROOT",
    "ECHO_DATA",
    "FORM_BODY",
    "HELLO",
    "JSON_DATA",
    "NOT_FOUND_RULES",
    "ROUTE_COUNT",
    "SESSION_DATA",
    "SESSION_SECRET",
    "TEMPLATES",
    "form_answer",
    "template_items",
]

#: The body of the hello scenario's answer.
HELLO = "Hello, World!"

#: What the json scenario's view returns.
JSON_DATA: dict[str, t.Any] = {"hello": "world", "n": 42}

#: The JSON document the json-echo scenario posts and gets back.
ECHO_DATA: dict[str, t.Any] = {
    "name": "tea",
    "count": 3,
    "tags": ["green", "loose"],
    "gift": False,
}

#: The urlencoded body the form scenario posts.
FORM_BODY = b"item=tea&count=3"

#: The rules of the 404 scenario: the request matches none of them.
NOT_FOUND_RULES = ("/", "/about", "/users/<int:id>", "/contact")

#: The folder of ``items.html``, for the frameworks that take a folder.
TEMPLATES = str(Path(BENCHMARKS_ROOT) / "templates")


def template_items() -> list[str]:
    """The items the template scenario renders, each needing escapes."""
    return [f"<b>item {i} & co</b>" for i in range(TEMPLATE_ITEM_COUNT)]


def form_answer(item: str, count: str) -> str:
    """The form scenario's answer for the fields it read.

    :param item: the ``item`` field.
    :param count: the ``count`` field.
    """
    return f"{item} x {count}"
