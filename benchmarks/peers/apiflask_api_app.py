"""APIFlask's app of the API benchmarks (:mod:`benchmarks.api_run`), the way
APIFlask's docs write one: marshmallow schemas of ``apiflask.fields`` with
``apiflask.validators``, ``@app.input`` for the body and for the query
string, ``@app.output(..., status_code=201)`` for the answer, and the
``Location`` returned as a header beside the data. Plain ``def`` views,
served as a WSGI app.

Invalid input gets APIFlask's own 422, ``{"message": "Validation error",
"detail": {...}}``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from apiflask import APIFlask, Schema, fields
from apiflask.validators import Length, Range

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

__all__ = ["WSGI"]


class CustomerSchema(Schema):
    """Who orders."""

    name = fields.String(required=True, validate=Length(1, NAME_MAX))
    email = fields.String(required=True, validate=Length(EMAIL_MIN, EMAIL_MAX))
    vip = fields.Boolean(load_default=False)


class LineItemSchema(Schema):
    """One line of an order."""

    sku = fields.String(required=True, validate=Length(1, SKU_MAX))
    quantity = fields.Integer(
        required=True, validate=Range(min=0, max=QUANTITY_MAX, min_inclusive=False)
    )
    unit_price = fields.Float(required=True, validate=Range(min=0, min_inclusive=False))


class NewOrderSchema(Schema):
    """An order as the client sends it."""

    customer = fields.Nested(CustomerSchema, required=True)
    items = fields.List(
        fields.Nested(LineItemSchema), required=True, validate=Length(1, ITEMS_MAX)
    )
    note = fields.String(
        allow_none=True, load_default=None, validate=Length(max=NOTE_MAX)
    )


class OrderSchema(NewOrderSchema):
    """An order as stored: with its id."""

    id = fields.Integer(required=True)


class ListQuerySchema(Schema):
    """The list's query parameters."""

    limit = fields.Integer(load_default=LIMIT_DEFAULT, validate=Range(1, LIMIT_MAX))
    paid = fields.Boolean(load_default=False)
    customer = fields.String(load_default=None)
    tag = fields.List(fields.String(), load_default=list)


class OrderSummarySchema(Schema):
    """One order of a list."""

    id = fields.Integer()
    customer = fields.String()
    paid = fields.Boolean()
    tags = fields.List(fields.String())


def build() -> t.Any:
    """The app of every API scenario."""
    app = APIFlask(__name__)

    @app.post("/orders")
    @app.input(NewOrderSchema)
    @app.output(OrderSchema, status_code=201)
    def create_order(json_data: dict[str, t.Any]) -> t.Any:
        stored = {"id": CREATED_ID, **json_data}
        return stored, {"Location": f"/orders/{stored['id']}"}

    @app.get("/orders")
    @app.input(ListQuerySchema, location="query")
    @app.output(OrderSummarySchema(many=True))
    def list_orders(query_data: dict[str, t.Any]) -> t.Any:
        customer = query_data["customer"] or "anyone"
        return [
            {
                "id": number,
                "customer": customer,
                "paid": query_data["paid"],
                "tags": query_data["tag"],
            }
            for number in range(1, query_data["limit"] + 1)
        ]

    return app


#: One app serves every scenario.
WSGI: dict[str, Callable[[], t.Any]] = {
    "create": build,
    "list": build,
    "invalid": build,
}
