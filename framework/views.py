"""Class-based views: :class:`View` and :class:`MethodView`.

Layer 3. ``as_view`` turns a class into a view function for
:meth:`App.add_url_rule`; by default each request gets a new instance, so
instances may hold per-request state.
"""

from __future__ import annotations

import typing as t

from . import typing as ft
from .ctx import _cv_context

__all__ = ["MethodView", "View"]

_HTTP_METHODS = frozenset(
    {"get", "post", "head", "options", "delete", "put", "trace", "patch"}
)


class View:
    """Subclass it and implement :meth:`dispatch_request`, then register
    ``MyView.as_view("name")``.

    Class attributes configure the view function ``as_view`` makes.
    """

    #: The methods the view accepts; ``None`` for the route's default.
    methods: t.ClassVar[t.Collection[str] | None] = None
    #: Whether ``OPTIONS`` is answered automatically; ``None`` for the app's
    #: ``PROVIDE_AUTOMATIC_OPTIONS``.
    provide_automatic_options: t.ClassVar[bool | None] = None
    #: Decorators applied to the view function, in order (the first is the
    #: innermost), e.g. ``[login_required]``.
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []
    #: ``True``: a new instance per request (``as_view`` arguments are passed
    #: to the constructor each time). ``False``: one instance, created by
    #: ``as_view``, serves every request, so it must not keep request state.
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        """Answer the request; ``kwargs`` are the URL's arguments."""
        raise NotImplementedError(
            f"{type(self).__qualname__} must implement dispatch_request()."
        )

    @classmethod
    def as_view(
        cls, name: str, *class_args: t.Any, **class_kwargs: t.Any
    ) -> ft.RouteCallable:
        """A view function that dispatches to an instance of this class.

        :param name: the view function's name, used as the endpoint.
        :param class_args: passed to the constructor.
        :param class_kwargs: passed to the constructor.
        """
        if cls.init_every_request:

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                instance = view.view_class(  # type: ignore[attr-defined]
                    *class_args, **class_kwargs
                )
                return _call(instance.dispatch_request, kwargs)

        else:
            instance = cls(*class_args, **class_kwargs)

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                return _call(instance.dispatch_request, kwargs)

        # Decorators such as functools.wraps-based ones read the name.
        view.__name__ = name
        view.__module__ = cls.__module__
        for decorator in cls.decorators:
            view = decorator(view)

        # What add_url_rule and tools read from the function.
        view.view_class = cls  # type: ignore[attr-defined]
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods  # type: ignore[attr-defined]
        view.provide_automatic_options = cls.provide_automatic_options  # type: ignore[attr-defined]
        return view


def _call(
    func: t.Callable[..., t.Any], kwargs: dict[str, t.Any]
) -> ft.ResponseReturnValue:
    """Call a view method, running it to completion if it is async."""
    ctx = _cv_context.get(None)
    if ctx is not None:
        func = ctx.app.ensure_sync(func)
    return t.cast(ft.ResponseReturnValue, func(**kwargs))


class MethodView(View):
    """A view that calls the method named after the request's HTTP method:
    ``get``, ``post``, ``put``... ``methods`` is derived from the ones
    defined, inherited ones included. ``HEAD`` falls back to ``get``."""

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            methods.update(getattr(base, "methods", None) or ())
        methods.update(name.upper() for name in _HTTP_METHODS if hasattr(cls, name))
        if methods:
            cls.methods = methods

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        """Call the method for the request's HTTP method."""
        ctx = _cv_context.get(None)
        if ctx is None or not ctx.is_request_context:
            raise RuntimeError(
                "A MethodView dispatches a request: call it through a route."
            )
        method = ctx.request.method.lower()
        handler = getattr(self, method, None)
        if handler is None and method == "head":
            handler = getattr(self, "get", None)
        if handler is None:
            raise AssertionError(f"{type(self).__qualname__} has no method {method!r}.")
        return t.cast(ft.ResponseReturnValue, ctx.app.ensure_sync(handler)(**kwargs))
