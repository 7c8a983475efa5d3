"""The context-bound proxies: ``current_app``, ``g``, ``request``,
``session``, and the contexts themselves.

Layer 3. Each is a werkzeug :class:`~werkzeug.local.LocalProxy` over the
context variable of :mod:`framework.ctx`. ``current_app`` is made here,
typed for users as the composed :class:`~framework.App`, which is why this
module sits beside it; the other proxies come from :mod:`framework.proxies`
(layer 1), so that the lower layers use the very same objects without
importing the app. Flask's two context variables are here by Flask's
names, :data:`_cv_app` and :data:`_cv_request`, with Flask's
``get``/``set``/``reset``.
"""

from __future__ import annotations

import typing as t

from .ctx import _NO_APP, _NO_REQUEST
from .ctx import _cv_app as _cv_app  # Flask's private names, for extensions
from .ctx import _cv_request as _cv_request
from .proxies import app_ctx as app_ctx
from .proxies import context_proxy
from .proxies import g as g
from .proxies import request as request
from .proxies import request_ctx as request_ctx
from .proxies import session as session
from .proxies import websocket as websocket

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
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

#: The app handling the current request or owning the current app context.
current_app: App = context_proxy("app", _NO_APP)

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
