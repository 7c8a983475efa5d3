"""Typed APIs for framework apps: validation, serialisation and OpenAPI 3.1
from a view's type hints, at msgspec speed.

::

    from framework import App
    from framework_api import Api, Created, Query

    app = App(__name__)
    api = Api(app)


    @app.post("/items")
    def create(body: NewItem, dry_run: Query[bool] = False) -> Created[Item]: ...

The extension builds on the core's :class:`~framework.binding.ViewBinder`
strategy: it compiles each typed view once, at setup, into the code that
validates the request's input and serialises the view's result.
"""

from __future__ import annotations

from .binding import ApiBinder
from .extension import DEFAULTS, EXTENSION_KEY, Api
from .markers import (
    Body,
    BodyParam,
    Cookie,
    CookieParam,
    Form,
    FormParam,
    Header,
    HeaderParam,
    Param,
    Query,
    QueryParam,
)
from .problems import (
    PROBLEM_MEDIA_TYPE,
    BodyTooLarge,
    InvalidRequest,
    InvalidResponse,
    MalformedBody,
    Problem,
    UnsupportedBodyType,
)
from .returns import Created, Reply

__all__ = [
    "DEFAULTS",
    "EXTENSION_KEY",
    "PROBLEM_MEDIA_TYPE",
    "Api",
    "ApiBinder",
    "Body",
    "BodyParam",
    "BodyTooLarge",
    "Cookie",
    "CookieParam",
    "Created",
    "Form",
    "FormParam",
    "Header",
    "HeaderParam",
    "InvalidRequest",
    "InvalidResponse",
    "MalformedBody",
    "Param",
    "Problem",
    "Query",
    "QueryParam",
    "Reply",
    "UnsupportedBodyType",
]
