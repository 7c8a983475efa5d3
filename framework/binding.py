"""The default :class:`~framework.interfaces.ViewBinder`.

Layer 2. A view binder decides what the pipeline calls for a registered
view: the view itself, as in Flask, or a callable made from it once, at
setup, such as one that validates and converts the request's input from
the view's type hints (the ``framework_api`` extension's binder). The
app's :attr:`~framework.App.view_functions` keep the registered views;
only the pipeline sees what the binder returns.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from .interfaces import AppLike
    from .typing import RouteCallable

__all__ = ["ViewBinder"]


class ViewBinder:
    """Calls every view as it was registered, with the URL's values as
    keyword arguments.

    Subclass it, or wrap the app's binder, to change that; see
    :class:`framework.interfaces.ViewBinder` for the contract.
    """

    def bind(self, app: AppLike, endpoint: str, view: RouteCallable) -> RouteCallable:
        """Return ``view`` unchanged.

        :param app: the app the view is registered on.
        :param endpoint: the view's endpoint.
        :param view: the registered view.
        """
        return view
