"""Type-only checks of ``framework_api``, run by ``mypy --strict`` in
``make test``: a typed view returning a model, ``Created[...]`` or
``Reply[...]`` registers through the route decorators, ``add_url_rule``
and a MethodView without a cast, and the markers are their types inside
the view. Nothing here runs under pytest."""

from __future__ import annotations

import typing as t

import msgspec
from framework_api import Api, Created, Header, Query, Reply

from framework import App, Blueprint, Response
from framework.views import MethodView

app = App(__name__)
api = Api(app, title="Shop", version="1.0")
shop = Blueprint("shop", __name__)


class NewItem(msgspec.Struct):
    name: t.Annotated[str, msgspec.Meta(max_length=80)]
    price: t.Annotated[float, msgspec.Meta(gt=0)]


class Item(NewItem):
    id: int = 0


@app.post("/items")
def create(item: NewItem, dry_run: Query[bool] = False) -> Created[Item]:
    t.assert_type(dry_run, bool)
    return Created(Item(item.name, item.price, id=1), location="/items/1")


@shop.get("/items/<int:item_id>")
async def show(item_id: int, x_trace: Header[str | None] = None) -> Item:
    t.assert_type(x_trace, str | None)
    return Item("pen", 1.5, id=item_id)


def listing(page: Query[int] = 1) -> Reply[list[Item]] | Response:
    return Reply([Item("pen", 1.5)], headers={"X-Page": str(page)})


app.add_url_rule("/listing", view_func=listing)


class Stock(MethodView):
    def put(self, item_id: int, count: Query[int]) -> Reply[None]:
        return Reply(None, status=204)


app.add_url_rule("/stock/<int:item_id>", view_func=Stock.as_view("stock"))
app.register_blueprint(shop)
t.assert_type(api.spec(app), dict[str, t.Any])
