"""The floor of the API benchmarks (:mod:`benchmarks.api_run`) under WSGI:
Flask with msgspec written by hand. Each view decodes the body with a
prebuilt ``msgspec.json.Decoder(NewOrder)``, converts the query parameters
into a Struct with ``msgspec.convert(..., strict=False)``, and encodes its
answer with ``msgspec.json.encode`` into a plain ``Response``: what Flask
itself costs around a validated request, with nothing of an extension's.

Invalid input gets 422 and msgspec's message, the first error only.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import msgspec
from flask import Flask, Response, request

from ..api_shapes import (
    CREATED_ID,
)
from .msgspec_api_models import ListQuery, NewOrder, Order, OrderSummary

__all__ = ["WSGI"]

JSON = "application/json"


decode_order = msgspec.json.Decoder(NewOrder).decode
encode = msgspec.json.encode


def invalid(error: Exception, status: int = 422) -> Response:
    """422 (or ``status``) and what msgspec found wrong."""
    return Response(encode({"detail": str(error)}), status, mimetype=JSON)


def build() -> t.Any:
    """The app of every API scenario."""
    app = Flask(__name__)

    @app.post("/orders")
    def create_order() -> Response:
        try:
            order = decode_order(request.get_data())
        except msgspec.ValidationError as error:
            return invalid(error)
        except msgspec.DecodeError as error:
            return invalid(error, 400)
        stored = Order(
            id=CREATED_ID, customer=order.customer, items=order.items, note=order.note
        )
        return Response(
            encode(stored),
            201,
            {"Location": f"/orders/{stored.id}"},
            mimetype=JSON,
        )

    @app.get("/orders")
    def list_orders() -> Response:
        args = request.args
        raw: dict[str, t.Any] = args.to_dict()
        if "tag" in args:
            raw["tag"] = args.getlist("tag")
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
        return Response(encode(summaries), mimetype=JSON)

    return app


#: One app serves every scenario.
WSGI: dict[str, Callable[[], t.Any]] = {
    "create": build,
    "list": build,
    "invalid": build,
}
