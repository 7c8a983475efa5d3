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

from litestar import Litestar, Response, get, post
from litestar.params import Parameter

from ..api_shapes import (
    CREATED_ID,
    LIMIT_DEFAULT,
    LIMIT_MAX,
)
from ..asgi_driver import ASGIApp
from .msgspec_api_models import NewOrder, Order, OrderSummary

__all__ = ["ASGI"]


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
