"""The msgspec models of the API benchmarks' orders
(:mod:`benchmarks.api_run`), shared by the peers that validate with msgspec
Structs: framework, Litestar, and the hand-written Starlette and Flask
floors. Each of them would declare the same Structs with the same
``Meta`` bounds (those of :mod:`benchmarks.api_shapes`); FastAPI's,
APIFlask's and flask-smorest's apps declare theirs in their own libraries'
terms.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from ..api_shapes import (
    EMAIL_MAX,
    EMAIL_MIN,
    ITEMS_MAX,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    NAME_MAX,
    NOTE_MAX,
    QUANTITY_MAX,
    SKU_MAX,
)

__all__ = ["Customer", "LineItem", "ListQuery", "NewOrder", "Order", "OrderSummary"]


class Customer(msgspec.Struct):
    """Who orders."""

    name: Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
    email: Annotated[str, Meta(min_length=EMAIL_MIN, max_length=EMAIL_MAX)]
    vip: bool = False


class LineItem(msgspec.Struct):
    """One line of an order."""

    sku: Annotated[str, Meta(min_length=1, max_length=SKU_MAX)]
    quantity: Annotated[int, Meta(gt=0, le=QUANTITY_MAX)]
    unit_price: Annotated[float, Meta(gt=0)]


class NewOrder(msgspec.Struct):
    """An order as the client sends it."""

    customer: Customer
    items: Annotated[list[LineItem], Meta(min_length=1, max_length=ITEMS_MAX)]
    note: Annotated[str, Meta(max_length=NOTE_MAX)] | None = None


class Order(NewOrder, kw_only=True):
    """An order as stored: with its id."""

    id: int


class OrderSummary(msgspec.Struct):
    """One order of a list."""

    id: int
    customer: str
    paid: bool
    tags: list[str]


class ListQuery(msgspec.Struct):
    """The list's query parameters, as the hand-written floors convert
    them (framework and Litestar take them from their views' hints)."""

    limit: Annotated[int, Meta(ge=1, le=LIMIT_MAX)] = LIMIT_DEFAULT
    paid: bool = False
    customer: str | None = None
    tag: list[str] = []
