"""The context-bound proxies of the lower layers: ``g``, ``request``,
``session`` and the active contexts.

Layer 1. Each is a werkzeug :class:`~werkzeug.local.LocalProxy` over the
context variable of :mod:`framework.ctx`. :mod:`framework.globals`, Flask's
public module for them, adds ``current_app``: typed as the composed
:class:`~framework.App`, it belongs to layer 3, and this module lets the
lower layers (the template renderer puts ``g``, ``request`` and ``session``
into every template) use the others without importing it.
"""

from __future__ import annotations

import operator
import typing as t

from werkzeug.local import LocalProxy

from .ctx import _NO_APP, _NO_REQUEST, _NO_WEBSOCKET, _cv_context

if t.TYPE_CHECKING:  # pragma: no cover
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .websockets import WebSocket
    from .wrappers import Request

__all__ = ["app_ctx", "g", "request", "request_ctx", "session", "websocket"]


def context_proxy(
    attribute: str, unbound_message: str, made: str | None = None
) -> t.Any:
    """A :class:`~werkzeug.local.LocalProxy` of the active context's
    ``attribute`` that reaches the object's public attributes directly.

    PERF: hooks and form benchmarks; werkzeug's proxy finds ``g.x`` or
    ``request.form`` only after a failed lookup on itself (an
    ``AttributeError`` made and dropped, then three more calls): about
    1.3 us a read on CPython 3.11. A public name (no leading underscore)
    is never an attribute of the proxy itself, so it goes straight to the
    object; any other name, and everything else the proxy does, is
    werkzeug's.

    :param attribute: the attribute of the active context to proxy.
    :param unbound_message: the ``RuntimeError`` message outside any
        context.
    :param made: a plain attribute of the context holding the object once
        ``attribute`` (a property) made it, ``None`` before: read first,
        so that the property's frame runs only until then. Only ``"_g"``
        (``g``'s) is supported; it is read as a plain attribute.
    :raise ValueError: ``made`` is another name.
    """
    target = operator.attrgetter(attribute)
    active = _cv_context.get

    def __getattribute__(self: t.Any, name: str) -> t.Any:
        if name and name[0] == "_":
            return object.__getattribute__(self, name)
        ctx = active(None)
        if ctx is None:
            raise RuntimeError(unbound_message)
        return getattr(target(ctx), name)

    def __setattr__(self: t.Any, name: str, value: t.Any) -> None:
        ctx = active(None)
        if ctx is None:
            raise RuntimeError(unbound_message)
        setattr(target(ctx), name, value)

    if made is not None:
        # PERF: hooks benchmark; the same, without the property's frame
        # once the object exists. ``_g``, the one slot made for, is read
        # directly: an attribute load is cheaper than an attrgetter call.
        if made != "_g":
            raise ValueError(f"context_proxy(made={made!r}): only '_g' is known")

        def __getattribute__(self: t.Any, name: str) -> t.Any:
            if name and name[0] == "_":
                return object.__getattribute__(self, name)
            ctx = active(None)
            if ctx is None:
                raise RuntimeError(unbound_message)
            found = ctx._g
            return getattr(target(ctx) if found is None else found, name)

        def __setattr__(self: t.Any, name: str, value: t.Any) -> None:
            ctx = active(None)
            if ctx is None:
                raise RuntimeError(unbound_message)
            found = ctx._g
            setattr(target(ctx) if found is None else found, name, value)

    proxy_class = type(
        "LocalProxy",
        (LocalProxy,),
        {
            "__slots__": (),
            "__module__": __name__,
            "__getattribute__": __getattribute__,
            "__setattr__": __setattr__,
        },
    )
    return proxy_class(_cv_context, attribute, unbound_message=unbound_message)


#: The active app context; during a request that was pushed on its own, the
#: request context itself (see
#: :attr:`RequestContext.app_context <framework.ctx.RequestContext.app_context>`).
app_ctx: AppContext = LocalProxy(  # type: ignore[assignment]
    _cv_context, "app_context", unbound_message=_NO_APP
)
#: A namespace for data that lives as long as the app context.
g: _AppCtxGlobals = context_proxy("g", _NO_APP, made="_g")
#: The active request context.
request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_context, "request_context", unbound_message=_NO_REQUEST
)
#: The current request.
request: Request = context_proxy("request", _NO_REQUEST)
#: The current session.
session: SessionMixin = context_proxy("session", _NO_REQUEST)


#: The current WebSocket connection, in an ``@app.websocket`` handler and
#: its hooks.
websocket: WebSocket = context_proxy("websocket", _NO_WEBSOCKET)
