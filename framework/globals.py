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
_RequestT_co = t.TypeVar("_RequestT_co", bound="Request", covariant=True)


class _HasRequestClass(t.Protocol[_RequestT_co]):
    """An app, or an ``App`` subclass: what says which request class it uses."""

    @property
    def request_class(self) -> type[_RequestT_co]: ...


@t.overload
def request_proxy(source: type[_RequestT]) -> _RequestT: ...
@t.overload
def request_proxy(source: type[_HasRequestClass[_RequestT]]) -> _RequestT: ...
@t.overload
def request_proxy(source: _HasRequestClass[_RequestT]) -> _RequestT: ...
def request_proxy(source: t.Any) -> t.Any:
    """:data:`request`, typed for the type checker as the request class of
    an app: ``request = request_proxy(app)``, once, next to the app. It
    returns the very same proxy, so using it costs nothing.

    :param source: the app, or its ``App`` subclass (an app factory has no
        app at import time): the proxy is typed as its
        :attr:`~framework.App.request_class`. Or that class itself (or a base
        class of it), e.g. in a blueprint's module. Nothing checks that the
        app serving a request really uses it.
    :raises TypeError: when ``source`` is none of these, or its
        ``request_class`` is not a subclass of :class:`~framework.Request`.
    """
    from .wrappers import Request

    if isinstance(source, type) and issubclass(source, Request):
        return request
    request_class = getattr(source, "request_class", None)
    if not (isinstance(request_class, type) and issubclass(request_class, Request)):
        raise TypeError(
            "request_proxy() takes an app, an App subclass or a subclass of"
            f" framework.Request, not {source!r}."
        )
    return request


#: The current session.
session: SessionMixin = LocalProxy(  # type: ignore[assignment]
    _cv_context, "session", unbound_message=_NO_REQUEST
)
