"""framework's apps of the API benchmarks (:mod:`benchmarks.api_run`),
written as a user of ``framework_api`` writes them: msgspec Structs with
``Meta`` constraints, the body and query parameters taken from the view's
hints, the answer serialised by its return annotation.

:data:`ASGI` has ``async def`` views, served by ``app.asgi``; :data:`WSGI`
the same views as plain ``def``, served as a WSGI app. Importing this module
fails with :class:`ImportError` while ``framework_api`` has no ``Api``
(the extension is being written); the driver then skips framework's column
and says why.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from typing import Annotated

import msgspec
from framework_api import Api, Created, Query
from msgspec import Meta

from framework import App

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

__all__ = ["ASGI", "WSGI"]


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


Limit = Annotated[int, Meta(ge=1, le=LIMIT_MAX)]


def _stored(order: NewOrder) -> Order:
    return Order(
        id=CREATED_ID, customer=order.customer, items=order.items, note=order.note
    )


def _summaries(
    limit: int, paid: bool, customer: str | None, tags: list[str]
) -> list[OrderSummary]:
    return [
        OrderSummary(id=number, customer=customer or "anyone", paid=paid, tags=tags)
        for number in range(1, limit + 1)
    ]


def asgi_app() -> ASGIApp:
    """The app with ``async def`` views, as served by an ASGI server."""
    app = App(__name__)
    Api(app)

    @app.post("/orders")
    async def create_order(order: NewOrder) -> Created[Order]:
        stored = _stored(order)
        return Created(stored, location=f"/orders/{stored.id}")

    @app.get("/orders")
    async def list_orders(
        limit: Query[Limit] = LIMIT_DEFAULT,
        paid: Query[bool] = False,
        customer: Query[str | None] = None,
        tag: Query[list[str] | None] = None,
    ) -> list[OrderSummary]:
        return _summaries(limit, paid, customer, tag or [])

    return t.cast(ASGIApp, app.asgi)


def wsgi_app() -> t.Any:
    """The app with ``def`` views, as served by a WSGI server."""
    app = App(__name__)
    Api(app)

    @app.post("/orders")
    def create_order(order: NewOrder) -> Created[Order]:
        stored = _stored(order)
        return Created(stored, location=f"/orders/{stored.id}")

    @app.get("/orders")
    def list_orders(
        limit: Query[Limit] = LIMIT_DEFAULT,
        paid: Query[bool] = False,
        customer: Query[str | None] = None,
        tag: Query[list[str] | None] = None,
    ) -> list[OrderSummary]:
        return _summaries(limit, paid, customer, tag or [])

    return app


#: The app of every scenario, by name: one app serves all three.
ASGI: dict[str, Callable[[], ASGIApp]] = {
    "create": asgi_app,
    "list": asgi_app,
    "invalid": asgi_app,
}
WSGI: dict[str, Callable[[], t.Any]] = {
    "create": wsgi_app,
    "list": wsgi_app,
    "invalid": wsgi_app,
}
