"""The floor of the API benchmarks (:mod:`benchmarks.api_run`) under ASGI:
Starlette with msgspec written by hand. Each endpoint decodes the body with
a prebuilt ``msgspec.json.Decoder(NewOrder)``, converts the query
parameters into a Struct with ``msgspec.convert(..., strict=False)``,
encodes its answer with ``msgspec.json.encode`` into a plain ``Response``.
No framework does less for a validated request: what a framework adds on
top of this is its own cost.

Invalid input gets 422 and msgspec's message, the first error only.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..api_shapes import (
    CREATED_ID,
)
from ..asgi_driver import ASGIApp
from .msgspec_api_models import ListQuery, NewOrder, Order, OrderSummary

__all__ = ["ASGI"]

JSON = "application/json"


decode_order = msgspec.json.Decoder(NewOrder).decode
encode = msgspec.json.encode


def invalid(error: Exception) -> Response:
    """422 and what msgspec found wrong."""
    return Response(encode({"detail": str(error)}), 422, media_type=JSON)


async def create_order(request: Request) -> Response:
    """Store the order; 201 with its ``Location``."""
    try:
        order = decode_order(await request.body())
    except msgspec.ValidationError as error:
        return invalid(error)
    except msgspec.DecodeError as error:
        return Response(encode({"detail": str(error)}), 400, media_type=JSON)
    stored = Order(
        id=CREATED_ID, customer=order.customer, items=order.items, note=order.note
    )
    return Response(
        encode(stored),
        201,
        headers={"Location": f"/orders/{stored.id}"},
        media_type=JSON,
    )


async def list_orders(request: Request) -> Response:
    """The orders matching the filters."""
    params = request.query_params
    raw: dict[str, t.Any] = dict(params)
    if "tag" in params:
        raw["tag"] = params.getlist("tag")
    try:
        query = msgspec.convert(raw, ListQuery, strict=False)
    except msgspec.ValidationError as error:
        return invalid(error)
    summaries = [
        OrderSummary(
            id=number,
            customer=query.customer or "anyone",
            paid=query.paid,
            tags=query.tag,
        )
        for number in range(1, query.limit + 1)
    ]
    return Response(encode(summaries), media_type=JSON)


def build() -> ASGIApp:
    """The app of every API scenario."""
    return t.cast(
        ASGIApp,
        Starlette(
            routes=[
                Route("/orders", create_order, methods=["POST"]),
                Route("/orders", list_orders, methods=["GET"]),
            ]
        ),
    )


#: One app serves every scenario.
ASGI: dict[str, Callable[[], ASGIApp]] = {
    "create": build,
    "list": build,
    "invalid": build,
}
