"""What the apps of the benchmarks share: the sizes and data of the
scenarios, so that each framework builds the same app.

The standard library only: the ASGI benchmarks and their tests import it
without Flask (the test suite must not load the real ``flask`` next to the
compatibility alias).
"""

from __future__ import annotations

import typing as t
from pathlib import Path

__all__ = [
    "BENCHMARKS_ROOT",
    "ECHO_DATA",
    "FORM_BODY",
    "HELLO",
    "JSON_DATA",
    "JSON_RECORD_COUNT",
    "NOT_FOUND_RULES",
    "ROUTE_COUNT",
    "SESSION_DATA",
    "SESSION_SECRET",
    "TEMPLATES",
    "TEMPLATE_ITEM_COUNT",
    "form_answer",
    "template_items",
]

#: How many routes the routing scenario registers.
ROUTE_COUNT = 200

#: The ``root_path`` of the template scenario's apps: this folder, so every
#: app loads ``templates/items.html`` from the same place.
BENCHMARKS_ROOT = str(Path(__file__).resolve().parent)

#: How many items the template scenario renders.
TEMPLATE_ITEM_COUNT = 10

#: The secret key of the session scenario's apps.
SESSION_SECRET = "benchmark secret key"

#: What the session scenario's client has in its session before the timed
#: requests.
SESSION_DATA: dict[str, t.Any] = {"user_id": 42, "cart": ["tea", "cake"]}

#: The body of the hello scenario's answer.
HELLO = "Hello, World!"

#: What the json scenario's view returns.
JSON_DATA: dict[str, t.Any] = {"hello": "world", "n": 42}

#: How many records the large JSON scenario sends
#: (:func:`benchmarks.payloads.records`).
JSON_RECORD_COUNT = 50

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
