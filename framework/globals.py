"""The context-bound proxies: ``current_app``, ``g``, ``request``,
``session``, and the contexts themselves.

Layer 1. Each is a werkzeug :class:`~werkzeug.local.LocalProxy` over the
context variable of :mod:`framework.ctx`. Flask's two context variables
are here by Flask's names, :data:`_cv_app` and :data:`_cv_request`, with
Flask's ``get``/``set``/``reset``.
"""

from __future__ import annotations

import typing as t

from werkzeug.local import LocalProxy

from .ctx import _NO_APP, _NO_REQUEST, _cv_context
from .ctx import _cv_app as _cv_app  # Flask's private names, for extensions
from .ctx import _cv_request as _cv_request

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

#: The active app context; during a request that was pushed on its own, the
#: request context itself (see
#: :attr:`RequestContext.app_context <framework.ctx.RequestContext.app_context>`).
app_ctx: AppContext = LocalProxy(  # type: ignore[assignment]
    _cv_context, "app_context", unbound_message=_NO_APP
)
#: The app handling the current request or owning the current app context.
current_app: App = LocalProxy(  # type: ignore[assignment]
    _cv_context, "app", unbound_message=_NO_APP
)
#: A namespace for data that lives as long as the app context.
g: _AppCtxGlobals = LocalProxy(  # type: ignore[assignment]
    _cv_context, "g", unbound_message=_NO_APP
)
#: The active request context.
request_ctx: RequestContext = LocalProxy(  # type: ignore[assignment]
    _cv_context, "request_context", unbound_message=_NO_REQUEST
)
#: The current request.
request: Request = LocalProxy(  # type: ignore[assignment]
    _cv_context, "request", unbound_message=_NO_REQUEST
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
    _cv_context, "session", unbound_message=_NO_REQUEST
)
