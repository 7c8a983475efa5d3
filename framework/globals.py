"""The context-bound proxies: ``current_app``, ``g``, ``request``,
``session``, and the contexts themselves.

Layer 1. Each is a werkzeug :class:`~werkzeug.local.LocalProxy` over the one
context variable of :mod:`framework.ctx`.
"""

from __future__ import annotations

import typing as t

from werkzeug.local import LocalProxy

from .ctx import _NO_APP, _NO_REQUEST, _cv_context

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .ctx import AppContext, RequestContext, _AppCtxGlobals
    from .sessions import SessionMixin
    from .wrappers import Request

#: The context variable behind every proxy (Flask calls it ``_cv_app``).
_cv_app = _cv_context

#: The active app context; during a request, the request's app context
#: (see :attr:`RequestContext.app_context <framework.ctx.RequestContext.app_context>`).
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
