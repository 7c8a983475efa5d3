"""flask-smorest's app of the API benchmarks (:mod:`benchmarks.api_run`),
the way flask-smorest's docs write one: marshmallow schemas, a
``Blueprint`` registered on an ``Api``, ``@blp.arguments`` for the body and
for the query string, ``@blp.response(201, ...)`` for the answer, and the
``Location`` returned as a header beside the data. Plain ``def`` views,
served as a WSGI app.

Invalid input gets flask-smorest's own 422, ``{"code": 422, "status":
"Unprocessable Entity", "errors": {...}}``.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

import marshmallow as ma
from flask import Flask
from flask_smorest import Api, Blueprint
from marshmallow.validate import Length, Range

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


class CustomerSchema(ma.Schema):
    """Who orders."""

    name = ma.fields.String(required=True, validate=Length(1, NAME_MAX))
    email = ma.fields.String(required=True, validate=Length(EMAIL_MIN, EMAIL_MAX))
    vip = ma.fields.Boolean(load_default=False)


class LineItemSchema(ma.Schema):
    """One line of an order."""

    sku = ma.fields.String(required=True, validate=Length(1, SKU_MAX))
    quantity = ma.fields.Integer(
        required=True, validate=Range(min=0, max=QUANTITY_MAX, min_inclusive=False)
    )
    unit_price = ma.fields.Float(
        required=True, validate=Range(min=0, min_inclusive=False)
    )


class NewOrderSchema(ma.Schema):
    """An order as the client sends it."""

    customer = ma.fields.Nested(CustomerSchema, required=True)
    items = ma.fields.List(
        ma.fields.Nested(LineItemSchema), required=True, validate=Length(1, ITEMS_MAX)
    )
    note = ma.fields.String(
        allow_none=True, load_default=None, validate=Length(max=NOTE_MAX)
    )


class OrderSchema(NewOrderSchema):
    """An order as stored: with its id."""

    id = ma.fields.Integer(required=True)


class ListQuerySchema(ma.Schema):
    """The list's query parameters."""

    limit = ma.fields.Integer(load_default=LIMIT_DEFAULT, validate=Range(1, LIMIT_MAX))
    paid = ma.fields.Boolean(load_default=False)
    customer = ma.fields.String(load_default=None)
    tag = ma.fields.List(ma.fields.String(), load_default=list)


class OrderSummarySchema(ma.Schema):
    """One order of a list."""

    id = ma.fields.Integer()
    customer = ma.fields.String()
    paid = ma.fields.Boolean()
    tags = ma.fields.List(ma.fields.String())


def build() -> t.Any:
    """The app of every API scenario."""
    app = Flask(__name__)
    app.config.update(API_TITLE="Orders", API_VERSION="v1", OPENAPI_VERSION="3.0.3")
    api = Api(app)
    blp = Blueprint("orders", __name__, url_prefix="/orders")

    @blp.route("", methods=["POST"])
    @blp.arguments(NewOrderSchema)
    @blp.response(201, OrderSchema)
    def create_order(new_order: dict[str, t.Any]) -> t.Any:
        stored = {"id": CREATED_ID, **new_order}
        return stored, {"Location": f"/orders/{stored['id']}"}

    @blp.route("", methods=["GET"])
    @blp.arguments(ListQuerySchema, location="query")
    @blp.response(200, OrderSummarySchema(many=True))
    def list_orders(query: dict[str, t.Any]) -> t.Any:
        customer = query["customer"] or "anyone"
        return [
            {
                "id": number,
                "customer": customer,
                "paid": query["paid"],
                "tags": query["tag"],
            }
            for number in range(1, query["limit"] + 1)
        ]

    api.register_blueprint(blp)
    return app


#: One app serves every scenario.
WSGI: dict[str, Callable[[], t.Any]] = {
    "create": build,
    "list": build,
    "invalid": build,
}
