"""App's registrations: URL rules, blueprints and app context teardown
callbacks.

Layer 3, part of :mod:`framework.app`: :class:`RegistrationMethods` is a
base class of :class:`~framework.App`, documented as ``App``'s methods.
The decorators an app shares with blueprints (``route``, the request
hooks, ``errorhandler``...) are :class:`~framework.scaffold.Scaffold`'s;
these are the registrations only an app has, and the app's way of adding
a rule (to its router, where a blueprint records it).
"""

from __future__ import annotations

import typing as t

from .. import interfaces, signals
from .. import typing as ft
from ..config import Config
from ..scaffold import setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from ..app import App
    from ..blueprints import Blueprint
    from ..interfaces import AppLike

__all__ = ["RegistrationMethods"]

T_teardown = t.TypeVar("T_teardown", bound=ft.TeardownCallable)


def _view_methods(view_func: t.Any) -> t.Any:
    """The methods a view declares (class-based views do), else ``GET``."""
    return getattr(view_func, "methods", None) or ("GET",)


def _view_setting(given: t.Any, view_func: t.Any, name: str) -> t.Any:
    """``given`` unless it is ``None``; else the view's attribute ``name``
    (``None`` when the view has none)."""
    if given is not None:
        return given
    return getattr(view_func, name, None)


class RegistrationMethods:
    """Part of :class:`~framework.App`: its own registration methods."""

    if t.TYPE_CHECKING:
        # What these methods use of App, for the type checker.
        config: Config
        router: interfaces.Router
        view_functions: dict[str, ft.RouteCallable]
        teardown_appcontext_funcs: list[ft.TeardownCallable]
        _last_teardowns: int
        blueprints: dict[str, Blueprint]

        def ensure_sync(
            self, func: t.Callable[..., t.Any]
        ) -> t.Callable[..., t.Any]: ...

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: ft.RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Add a URL rule; see :meth:`route`.

        :param rule: the URL rule string.
        :param endpoint: the endpoint name; the view function's name when
            ``None``.
        :param view_func: the view; may be registered later with
            :meth:`endpoint`.
        :param provide_automatic_options: answer ``OPTIONS`` automatically;
            defaults to the view's attribute of that name, then to
            ``PROVIDE_AUTOMATIC_OPTIONS``.
        :param options: ``methods`` and werkzeug ``Rule`` options.
        """
        if endpoint is None:
            if view_func is None:
                raise TypeError(
                    f"add_url_rule({rule!r}) needs an endpoint or a view function."
                )
            endpoint = view_func.__name__
        # Each setting comes from the call, else from the view's attribute
        # of the same name (class-based views set them), else a default.
        given = options.pop("methods", None)
        methods = given if given is not None else _view_methods(view_func)
        if isinstance(methods, str):
            raise TypeError(
                "methods must be a list of method names, such as"
                f' methods=["{methods}"], not a string.'
            )
        allowed = {name.upper() for name in methods}
        allowed.update(getattr(view_func, "required_methods", ()))
        automatic = _view_setting(
            provide_automatic_options, view_func, "provide_automatic_options"
        )
        if automatic is None:
            automatic = "OPTIONS" not in allowed and bool(
                self.config["PROVIDE_AUTOMATIC_OPTIONS"]
            )
        if automatic:
            allowed.add("OPTIONS")
        if view_func is not None:
            self._check_endpoint_free(endpoint, view_func)
        app = t.cast("AppLike", self)
        rule_obj = self.router.add_rule(app, rule, endpoint, allowed, options)
        rule_obj.provide_automatic_options = bool(automatic)  # type: ignore[attr-defined]
        if view_func is not None:
            self.view_functions[endpoint] = view_func

    def _check_endpoint_free(self, endpoint: str, view_func: ft.RouteCallable) -> None:
        """Refuse a second view for an endpoint: ``url_for`` and dispatch
        could not tell them apart."""
        existing = self.view_functions.get(endpoint, view_func)
        if existing != view_func:
            raise AssertionError(
                f"Endpoint {endpoint!r} already has the view"
                f" {existing.__qualname__}; give the new rule its own"
                " endpoint=... or reuse the same function."
            )

    @setupmethod
    def teardown_appcontext(self, f: T_teardown, *, last: bool = False) -> T_teardown:
        """Run ``f(exc)`` when an app context ends (after each request, and
        after ``with app.app_context():``). Callbacks run in the reverse
        order of registration; every one runs even when one raises.

        :param f: the callback; ``exc`` is the unhandled exception that
            ended the context, or ``None``.
        :param last: run ``f`` after every callback registered without it,
            whenever those were registered. For extensions that release a
            resource the other callbacks may still use (a database
            session): ``app.teardown_appcontext(close, last=True)``.
        """
        if last:
            # The list runs in reverse: its head runs last.
            self.teardown_appcontext_funcs.insert(self._last_teardowns, f)
            self._last_teardowns += 1
        else:
            self.teardown_appcontext_funcs.append(f)
        return f

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register a blueprint's routes, hooks, templates and static files.

        :param blueprint: the blueprint.
        :param options: override the blueprint's own ``url_prefix``,
            ``subdomain``, ``url_defaults``, or register it again under
            another ``name``; other keys are kept in the setup state for
            extensions.
        """
        blueprint.register(t.cast("App", self), options)
        if signals.blueprint_registered.receivers:
            signals.blueprint_registered.send(
                self,
                _async_wrapper=self.ensure_sync,
                blueprint=blueprint,
                options=options,
            )

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in registration order."""
        return self.blueprints.values()
