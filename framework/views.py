"""Class-based views: :class:`View` and :class:`MethodView`.

Layer 3. ``as_view`` turns a class into a view function for
:meth:`App.add_url_rule`; by default each request gets a new instance, so
instances may hold per-request state.
"""

from __future__ import annotations

import inspect
import typing as t

from . import typing as ft
from .concurrency import ON_LOOP
from .ctx import _cv_context

__all__ = ["MethodView", "View"]

_F = t.TypeVar("_F", bound=t.Callable[..., t.Any])

_HTTP_METHODS = frozenset(
    {"get", "post", "head", "options", "delete", "put", "trace", "patch"}
)
#: Flask's public name for the method names a :class:`MethodView` maps to
#: handlers; extensions (flask-apispec, flask-smorest's kin) import it.
http_method_funcs = _HTTP_METHODS


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

    async def _adispatch(self, kwargs: dict[str, t.Any]) -> ft.ResponseReturnValue:
        """Answer the request from the event loop: ``dispatch_request``,
        awaited when async. Used under ASGI for a request that never leaves
        the loop."""
        rv: t.Any = self.dispatch_request(**kwargs)
        if inspect.isawaitable(rv):
            rv = await rv
        return t.cast(ft.ResponseReturnValue, rv)

    @classmethod
    def as_view(
        cls, name: str, *class_args: t.Any, **class_kwargs: t.Any
    ) -> ft.RouteCallable:
        """A view function that dispatches to an instance of this class.

        :param name: the view function's name, used as the endpoint.
        :param class_args: passed to the constructor.
        :param class_kwargs: passed to the constructor.
        """
        # Whether dispatch_request is async is decided here, once, so that
        # synchronous views pay nothing per request for async support.
        call = (
            _call_async if inspect.iscoroutinefunction(cls.dispatch_request) else _call
        )
        if cls.init_every_request:

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                # Read back from the function, so that replacing view_class
                # on it takes effect.
                make = view.view_class  # type: ignore[attr-defined]
                instance = make(*class_args, **class_kwargs)
                return call(instance, "dispatch_request", kwargs)

            async def on_loop(**kwargs: t.Any) -> ft.ResponseReturnValue:
                make: type[View] = view.view_class  # type: ignore[attr-defined]
                return await make(*class_args, **class_kwargs)._adispatch(kwargs)

        else:
            shared = cls(*class_args, **class_kwargs)

            def view(**kwargs: t.Any) -> ft.ResponseReturnValue:
                return call(shared, "dispatch_request", kwargs)

            async def on_loop(**kwargs: t.Any) -> ft.ResponseReturnValue:
                return await shared._adispatch(kwargs)

        # The decorators see the name and module (functools.wraps copies
        # them); the function finally registered carries everything
        # add_url_rule and tools read.
        named = {"__name__": name, "__module__": cls.__module__}
        view = _stamped(view, named)
        for decorator in cls.decorators:
            view = decorator(view)
        return _stamped(
            view,
            {
                **named,
                "__doc__": cls.__doc__,
                "view_class": cls,
                "methods": cls.methods,
                "provide_automatic_options": cls.provide_automatic_options,
                # The async entry the ASGI adapter awaits when the request
                # runs on the loop (see Dispatcher.loop_plan).
                ON_LOOP: on_loop,
            },
        )


def _stamped(function: _F, attributes: dict[str, t.Any]) -> _F:
    for attribute, value in attributes.items():
        setattr(function, attribute, value)
    return function


def _call(
    instance: View, name: str, kwargs: dict[str, t.Any]
) -> ft.ResponseReturnValue:
    """Call the synchronous method ``name`` of a view."""
    return t.cast(ft.ResponseReturnValue, getattr(instance, name)(**kwargs))


def _call_async(
    instance: View, name: str, kwargs: dict[str, t.Any]
) -> ft.ResponseReturnValue:
    """Call the async method ``name`` of a view through the app's
    ``ensure_sync``, wrapping the class's function once per app
    (:meth:`~framework.App.sync_callable`)."""
    func = getattr(type(instance), name)
    ctx = _cv_context.get(None)
    if ctx is None:
        raise RuntimeError(
            f"{type(instance).__qualname__}.{name} is async: call it through"
            " a route, where the app runs it to completion."
        )
    sync = ctx.app.sync_callable(func)
    return t.cast(ft.ResponseReturnValue, sync(instance, **kwargs))


class MethodView(View):
    """A view that calls the method named after the request's HTTP method:
    ``get``, ``post``, ``put``... ``methods`` is derived from the ones
    defined, inherited ones included. ``HEAD`` falls back to ``get``."""

    #: The HTTP method functions that are ``async def``, found when the
    #: class is created so that requests don't check.
    _async_methods: t.ClassVar[frozenset[str]] = frozenset()
    #: The HTTP methods (lowercase) the class defines a method for, found
    #: when the class is created so that requests don't search for them.
    _handlers: t.ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._async_methods = frozenset(
            name
            for name in _HTTP_METHODS
            if inspect.iscoroutinefunction(getattr(cls, name, None))
        )
        cls._handlers = frozenset(name for name in _HTTP_METHODS if hasattr(cls, name))
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            methods.update(getattr(base, "methods", None) or ())
        methods.update(name.upper() for name in _HTTP_METHODS if hasattr(cls, name))
        if methods:
            cls.methods = methods

    def _handler_name(self) -> str:
        """The name of the method that answers the current request."""
        ctx = _cv_context.get(None)
        if ctx is None or not ctx.is_request_context:
            raise RuntimeError(
                "A MethodView dispatches a request: call it through a route."
            )
        method = ctx.request.method.lower()
        if method in self._handlers:
            # PERF: defined by the class; only another method (HEAD
            # without head(), or one set on the instance) is looked for.
            return method
        name = method
        if not hasattr(self, name) and method == "head":
            name = "get"
        if not hasattr(self, name):
            raise AssertionError(f"{type(self).__qualname__} has no method {method!r}.")
        return name

    def dispatch_request(self, **kwargs: t.Any) -> ft.ResponseReturnValue:
        """Call the method for the request's HTTP method."""
        name = self._handler_name()
        if name in self._async_methods:
            return _call_async(self, name, kwargs)
        return t.cast(ft.ResponseReturnValue, getattr(self, name)(**kwargs))

    async def _adispatch(self, kwargs: dict[str, t.Any]) -> ft.ResponseReturnValue:
        name = self._handler_name()
        rv = getattr(self, name)(**kwargs)
        if name in self._async_methods:
            rv = await rv
        return t.cast(ft.ResponseReturnValue, rv)
