"""The two scenarios the WSGI benchmarks do not have (a JSON body echoed, a
form field read), as sync apps of Flask's API: built once for ``framework``
(its ``def`` views under ASGI) and once for Flask (through a2wsgi).

The other scenarios reuse the WSGI benchmarks' builders of
:mod:`benchmarks.run` as they are.
"""

from __future__ import annotations

import typing as t
from collections.abc import Callable

from ..shapes import form_answer

__all__ = ["build_form", "build_json_echo"]


def build_json_echo(app_class: Callable[..., t.Any], request: t.Any) -> t.Any:
    """An app whose ``POST /`` answers with the JSON document it was sent.

    :param app_class: :class:`framework.App` or :class:`flask.Flask`.
    :param request: that framework's ``request`` proxy.
    """
    app = app_class(__name__)

    def echo() -> t.Any:
        return request.get_json()

    app.add_url_rule("/", view_func=echo, methods=["POST"])
    return app


def build_form(app_class: Callable[..., t.Any], request: t.Any) -> t.Any:
    """An app whose ``POST /`` reads two fields of an urlencoded form.

    :param app_class: :class:`framework.App` or :class:`flask.Flask`.
    :param request: that framework's ``request`` proxy.
    """
    app = app_class(__name__)

    def order() -> str:
        form = request.form
        return form_answer(form["item"], form["count"])

    app.add_url_rule("/", view_func=order, methods=["POST"])
    return app
