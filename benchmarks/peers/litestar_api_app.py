"""Litestar's app of the API benchmarks (:mod:`benchmarks.api_run`), the way
Litestar's docs write one: msgspec Structs with ``Meta`` constraints, the
body the ``data`` parameter, query parameters as plain keyword parameters
(bounds with ``Parameter``), ``@post`` (201 by default) returning a
``Response`` to carry the ``Location``. ``async def`` handlers, on the loop.

Invalid input gets Litestar's own answer to a validation error: 400,
``{"status_code": 400, "detail": "Validation failed for POST /orders",
"extra": [...]}``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from typing import Annotated

import msgspec
from litestar import Litestar, Response, get, post
from litestar.params import Parameter
from msgspec import Meta

from ..api_shapes import (
    CREATED_ID,
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
from ..asgi_driver import ASGIApp

__all__ = ["ASGI"]


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


@post("/orders")
async def create_order(data: NewOrder) -> Response[Order]:
    """Store the order; 201 with its ``Location``."""
    stored = Order(
        id=CREATED_ID, customer=data.customer, items=data.items, note=data.note
    )
    return Response(
        stored, status_code=201, headers={"Location": f"/orders/{stored.id}"}
    )


@get("/orders")
async def list_orders(
    limit: Annotated[int, Parameter(ge=1, le=LIMIT_MAX)] = LIMIT_DEFAULT,
    paid: bool = False,
    customer: str | None = None,
    tag: list[str] | None = None,
) -> list[OrderSummary]:
    """The orders matching the filters."""
    tags = tag or []
    return [
        OrderSummary(id=number, customer=customer or "anyone", paid=paid, tags=tags)
        for number in range(1, limit + 1)
    ]


def build() -> ASGIApp:
    """The app of every API scenario."""
    return t.cast(ASGIApp, Litestar(route_handlers=[create_order, list_orders]))


#: One app serves every scenario.
ASGI: dict[str, Callable[[], ASGIApp]] = {
    "create": build,
    "list": build,
    "invalid": build,
}
