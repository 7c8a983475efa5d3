"""Which kind of server an app wants: a WSGI one, or an ASGI one because
it has async code.

Under a WSGI server async views and hooks work, but each call crosses to
one event loop thread and back; under an ASGI server they are awaited on
the server's own loop, and many slow requests cost no thread each. So
``framework serve`` picks an ASGI server by default when the app has any
async view, hook or error handler (:func:`wants_asgi`), and the hardened
WSGI server otherwise.
"""

from __future__ import annotations

import inspect
import typing as t

from ..concurrency import CallKind, classify

__all__ = ["async_functions", "wants_asgi"]


def wants_asgi(app: object) -> bool:
    """Whether ``app`` is better served by an ASGI server: it has async
    code (see :func:`async_functions`), or routes only an ASGI server can
    serve.

    :param app: the app; anything else (a plain WSGI callable) has no
        views to look at, and wants a WSGI server.
    """
    return _has_websocket_routes(app) or any(True for _ in async_functions(app))


def async_functions(app: object) -> t.Iterator[t.Callable[..., t.Any]]:
    """The functions of ``app`` that run on an event loop under ASGI:
    views (each method of a class-based view), ``before_request``,
    ``after_request``, ``teardown_request`` and ``teardown_appcontext``
    functions, URL value preprocessors and error handlers, of the app and
    its blueprints, that are ``async def`` (:attr:`CallKind.ASYNC`, see
    :func:`~framework.concurrency.classify`) or async generators (a
    streaming body produced on the loop). Sync functions marked
    :func:`~framework.concurrency.loop_safe` don't count: they run as well
    under WSGI.

    :param app: the app.
    """
    for view in getattr(app, "view_functions", {}).values():
        view_class = getattr(view, "view_class", None)
        methods = getattr(view_class, "methods", None) or (None,)
        if any(_runs_on_loop(view, method) for method in methods):
            yield view
    for name in (
        "before_request_funcs",
        "after_request_funcs",
        "teardown_request_funcs",
        "url_value_preprocessors",
    ):
        for functions in getattr(app, name, {}).values():
            yield from filter(_runs_on_loop, functions)
    yield from filter(_runs_on_loop, getattr(app, "teardown_appcontext_funcs", ()))
    for by_code in getattr(app, "error_handler_spec", {}).values():
        for by_class in by_code.values():
            yield from filter(_runs_on_loop, by_class.values())


def _runs_on_loop(f: t.Callable[..., t.Any], method: str | None = None) -> bool:
    kind = classify(f, method)
    return kind is CallKind.ASYNC or (
        kind is CallKind.INLINE and inspect.isasyncgenfunction(inspect.unwrap(f))
    )


def _has_websocket_routes(app: object) -> bool:
    """Whether ``app`` has ``@app.websocket`` routes (an async handler on a
    websocket rule), which only an ASGI server serves. A sync view on a
    websocket rule takes a WSGI server's socket over itself (Flask-Sock),
    so it does not count."""
    url_map = getattr(app, "url_map", None)
    views = getattr(app, "view_functions", {})
    return url_map is not None and any(
        rule.websocket and inspect.iscoroutinefunction(views.get(rule.endpoint))
        for rule in url_map.iter_rules()
    )
