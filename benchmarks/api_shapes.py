"""What the API benchmarks' apps share: the models' constraints, the
requests and the answers every peer must give (:mod:`benchmarks.api_run`).

Each peer writes its own models in its own way (pydantic, msgspec Structs,
marshmallow schemas, framework's hints), but with the bounds below, so all
of them validate the same thing. Standard library only: the test suite
imports it without Flask.

The shapes, in words:

- ``NewOrder``: ``customer`` (a ``Customer``: ``name``, 1 to 80
  characters; ``email``, 3 to 120; ``vip``, a bool), ``items`` (1 to 50
  ``LineItem``: ``sku``, 1 to 32 characters; ``quantity``, an int above 0
  and at most 1,000; ``unit_price``, a number above 0) and ``note`` (at
  most 500 characters, or null);
- ``Order``: a ``NewOrder`` with an ``id``, answered 201 with a
  ``Location`` of ``/orders/<id>``;
- ``OrderSummary``: ``id``, ``customer``, ``paid``, ``tags``, listed by
  ``GET /orders`` with the query parameters ``limit`` (1 to 100, default
  10), ``paid`` (a bool, default false), ``customer`` (optional) and
  ``tag`` (repeated, a list).
"""

from __future__ import annotations

import json
import typing as t

__all__ = [
    "CREATED_ID",
    "CREATED_LOCATION",
    "EMAIL_MAX",
    "EMAIL_MIN",
    "INVALID_ORDER",
    "ITEMS_MAX",
    "LIMIT_DEFAULT",
    "LIMIT_MAX",
    "LIST_QUERY",
    "NAME_MAX",
    "NOTE_MAX",
    "ORDER",
    "QUANTITY_MAX",
    "SKU_MAX",
    "created_order",
    "order_summaries",
]

#: The customer's name: 1 to this many characters.
NAME_MAX = 80
#: The customer's email address: from this many characters...
EMAIL_MIN = 3
#: ... to this many.
EMAIL_MAX = 120
#: A line item's SKU: 1 to this many characters.
SKU_MAX = 32
#: A line item's quantity: above 0, at most this.
QUANTITY_MAX = 1000
#: An order has 1 to this many line items.
ITEMS_MAX = 50
#: The order's note: at most this many characters.
NOTE_MAX = 500
#: ``limit`` of the list: 1 to this, ...
LIMIT_MAX = 100
#: ... this when absent.
LIMIT_DEFAULT = 10

#: The id every app gives the order it creates.
CREATED_ID = 1
#: The ``Location`` of the created order.
CREATED_LOCATION = f"/orders/{CREATED_ID}"

#: The valid order the POST scenario sends: every field given (an app's
#: defaults never show in the comparison), three line items, a non-ASCII
#: name.
ORDER: dict[str, t.Any] = {
    "customer": {"name": "Ada Lovelace-Byron", "email": "ada@example.com", "vip": True},
    "items": [
        {"sku": "TEA-GREEN-100", "quantity": 2, "unit_price": 4.5},
        {"sku": "CAKE-LEMON", "quantity": 1, "unit_price": 12.25},
        {"sku": "MUG-WHITE", "quantity": 4, "unit_price": 7.0},
    ],
    "note": "Leave it with the neighbour, Élodie.",
}

#: The invalid order the 422 scenario sends: well-formed JSON, three fields
#: out of bounds (an empty name, a quantity of 0, a negative price), so a
#: framework that lists every bad field has to find all three.
INVALID_ORDER: dict[str, t.Any] = {
    "customer": {"name": "", "email": "ada@example.com", "vip": False},
    "items": [
        {"sku": "TEA-GREEN-100", "quantity": 0, "unit_price": 4.5},
        {"sku": "CAKE-LEMON", "quantity": 1, "unit_price": -12.25},
    ],
    "note": None,
}

#: The list scenario's query string: every parameter given, ``tag`` twice.
LIST_QUERY = "limit=5&paid=true&customer=Ada&tag=gift&tag=express"


def created_order() -> dict[str, t.Any]:
    """The document the POST scenario must get back: the order with its id."""
    return {"id": CREATED_ID, **json.loads(json.dumps(ORDER))}


def order_summaries() -> list[dict[str, t.Any]]:
    """The document the list scenario must get back for :data:`LIST_QUERY`:
    ``limit`` summaries numbered from 1, each carrying the filters."""
    return [
        {"id": number, "customer": "Ada", "paid": True, "tags": ["gift", "express"]}
        for number in range(1, 6)
    ]
