"""The context-bound proxies: ``current_app``, ``g``, ``request``,
``session``, and the contexts themselves.

Layer 1. Each is a werkzeug :class:`~werkzeug.local.LocalProxy` over one of
the two context variables of :mod:`framework.ctx`: ``current_app``, ``g``
and ``app_ctx`` read the app context variable, ``request``, ``session`` and
``request_ctx`` the request context variable, so a request stays visible
inside an app context pushed during it, as in Flask.
"""

from __future__ import annotations

import typing as t

from werkzeug.local import LocalProxy

from .ctx import _NO_APP, _NO_REQUEST, _cv_app, _cv_request

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

__all__ = [
    "app_ctx",
    "current_app",
    "g",
    "request",
    "request_ctx",
    "request_proxy",
    "session",
]

#: Flask's messages for a proxy used outside its context, by Flask's names.
_no_app_msg = _NO_APP
_no_req_msg = _NO_REQUEST

#: The active app context. During a request that was pushed without an app
#: context of its app around it, that is the request context itself (a
#: :class:`~framework.ctx.RequestContext` is an app context).
app_ctx: AppContext = LocalProxy(  # type: ignore[assignment]
    _cv_app, unbound_message=_NO_APP
)
#: The app handling the current request or owning the current app context.
current_app: App = LocalProxy(  # type: ignore[assignment]
    _cv_app, "app", unbound_message=_NO_APP
)
#: A namespace for data that lives as long as the app context.
g: _AppCtxGlobals = LocalProxy(  # type: ignore[assignment]
    _cv_app, "g", unbound_message=_NO_APP
)
#: The active request context.
request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_request, unbound_message=_NO_REQUEST
)
#: The current request.
request: Request = LocalProxy(  # type: ignore[assignment]
    _cv_request, "request", unbound_message=_NO_REQUEST
)

_RequestT = t.TypeVar("_RequestT", bound="Request")


def request_proxy(request_class: type[_RequestT]) -> _RequestT:
    """:data:`request`, typed as the app's own request class for the type
    checker: ``request = request_proxy(MyApp.request_class)``. It returns
    the very same proxy, so using it costs nothing.

    :param request_class: the app's :attr:`~framework.App.request_class`
        (or a base class of it): what the proxy is typed as. Nothing checks
        that the app really uses it.
    :raises TypeError: when ``request_class`` is not a subclass of
        :class:`~framework.Request`.
    """
    from .wrappers import Request

    if not (isinstance(request_class, type) and issubclass(request_class, Request)):
        raise TypeError(
            f"request_proxy() takes a subclass of framework.Request, not"
            f" {request_class!r}."
        )
    return t.cast(_RequestT, request)


#: The current session.
session: SessionMixin = LocalProxy(  # type: ignore[assignment]
    _cv_request, "session", unbound_message=_NO_REQUEST
)
