"""FastAPI's app of the API benchmarks (:mod:`benchmarks.api_run`), the way
FastAPI's tutorial writes one: pydantic v2 models with ``Field``
constraints, the body a model parameter, query parameters with
``Annotated[..., Query(...)]``, the return annotation the response model,
``status_code=201`` on the route and the ``Location`` set on the injected
``Response``. ``async def`` endpoints, on the loop.

Invalid input gets FastAPI's own 422, ``{"detail": [...]}``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from typing import Annotated

from fastapi import FastAPI, Query, Response
from pydantic import BaseModel, Field

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


class Customer(BaseModel):
    """Who orders."""

    name: str = Field(min_length=1, max_length=NAME_MAX)
    email: str = Field(min_length=EMAIL_MIN, max_length=EMAIL_MAX)
    vip: bool = False


class LineItem(BaseModel):
    """One line of an order."""

    sku: str = Field(min_length=1, max_length=SKU_MAX)
    quantity: int = Field(gt=0, le=QUANTITY_MAX)
    unit_price: float = Field(gt=0)


class NewOrder(BaseModel):
    """An order as the client sends it."""

    customer: Customer
    items: list[LineItem] = Field(min_length=1, max_length=ITEMS_MAX)
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class Order(NewOrder):
    """An order as stored: with its id."""

    id: int


class OrderSummary(BaseModel):
    """One order of a list."""

    id: int
    customer: str
    paid: bool
    tags: list[str]


def build() -> ASGIApp:
    """The app of every API scenario."""
    app = FastAPI()

    @app.post("/orders", status_code=201)
    async def create_order(order: NewOrder, response: Response) -> Order:
        stored = Order(id=CREATED_ID, **order.model_dump())
        response.headers["Location"] = f"/orders/{stored.id}"
        return stored

    @app.get("/orders")
    async def list_orders(
        limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = LIMIT_DEFAULT,
        paid: bool = False,
        customer: str | None = None,
        tag: Annotated[list[str] | None, Query()] = None,
    ) -> list[OrderSummary]:
        tags = tag or []
        return [
            OrderSummary(id=number, customer=customer or "anyone", paid=paid, tags=tags)
            for number in range(1, limit + 1)
        ]

    return t.cast(ASGIApp, app)


#: One app serves every scenario.
ASGI: dict[str, Callable[[], ASGIApp]] = {
    "create": build,
    "list": build,
    "invalid": build,
}
