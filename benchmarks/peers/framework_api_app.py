"""framework's apps of the API benchmarks (:mod:`benchmarks.api_run`),
written as a user of ``framework_api`` writes them: msgspec Structs with
``Meta`` constraints (:mod:`.msgspec_api_models`), the body and query
parameters taken from the view's hints, the answer serialised by its
return annotation.

:data:`ASGI` has ``async def`` views, served by ``app.asgi``; :data:`WSGI`
the same views as plain ``def``, served as a WSGI app.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from typing import Annotated

from framework_api import Api, Created, Query
from msgspec import Meta

from framework import App

from ..api_shapes import (
    CREATED_ID,
    LIMIT_DEFAULT,
    LIMIT_MAX,
)
from ..asgi_driver import ASGIApp
from .msgspec_api_models import NewOrder, Order, OrderSummary

__all__ = ["ASGI", "WSGI"]


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
