"""App's templates: the Jinja environment, and the filters, tests and
globals registered for it.

Layer 3, part of :mod:`framework.app`: :class:`TemplateMethods` is a base
class of :class:`~framework.App`, documented as ``App``'s methods. Loading
and rendering are the :class:`~framework.interfaces.TemplateRenderer`
strategy's job; these methods are the Flask-named way to reach and extend
it.
"""

from __future__ import annotations

import functools
import typing as t

from .. import interfaces, templating
from .. import typing as ft
from ..ctx import _cv_context, _with_request_beneath
from ..scaffold import setupmethod

if t.TYPE_CHECKING:  # pragma: no cover
    from ..interfaces import AppLike
    from ..jinja_environment import DispatchingJinjaLoader, Environment

__all__ = ["TemplateMethods"]

T = t.TypeVar("T")
T_template_filter = t.TypeVar("T_template_filter", bound=ft.TemplateFilterCallable)
T_template_test = t.TypeVar("T_template_test", bound=ft.TemplateTestCallable)
T_template_global = t.TypeVar("T_template_global", bound=ft.TemplateGlobalCallable)


def _register_or_decorate(add: t.Callable[..., None], name_or_func: t.Any) -> t.Any:
    """The ``template_*`` decorators: used bare (``@app.template_filter``),
    ``name_or_func`` is the function, registered under its own name; called
    (``@app.template_filter("name")``), it is the name, and the decorator
    registers the function it gets under it."""
    if callable(name_or_func):
        add(name_or_func)
        return name_or_func
    return functools.partial(_add_and_return, add, name_or_func)


def _add_and_return(add: t.Callable[..., None], name: str | None, f: T) -> T:
    add(f, name=name)
    return f


class TemplateMethods:
    """Part of :class:`~framework.App`: its template methods."""

    if t.TYPE_CHECKING:
        # What these methods use of App, for the type checker.
        template_renderer: interfaces.TemplateRenderer
        template_filters: dict[str, ft.TemplateFilterCallable]
        template_tests: dict[str, ft.TemplateTestCallable]
        template_globals: dict[str, ft.TemplateGlobalCallable]

    @property
    def jinja_env(self) -> Environment:
        """The Jinja environment, created on first use."""
        return self.template_renderer.environment(t.cast("AppLike", self))

    def create_jinja_environment(self) -> Environment:
        """Create :attr:`jinja_env`; override to customize it Flask-style."""
        return self.template_renderer.create_environment(t.cast("AppLike", self))

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader of :attr:`jinja_env`: the app's template folder, then
        the blueprints'."""
        # Jinja2 loads with the environment, at the first template.
        from ..jinja_environment import DispatchingJinjaLoader

        return DispatchingJinjaLoader(t.cast("AppLike", self))

    #: Whether to autoescape a template: templates from strings, and files
    #: ending in ``.html``, ``.htm``, ``.xml``, ``.xhtml`` or ``.svg``;
    #: override it Flask-style to change the rule.
    select_jinja_autoescape = templating.select_jinja_autoescape

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add what the context processors return to ``context``, without
        overriding values already in it."""
        ctx = _cv_context.get(None)
        if ctx is not None and not ctx.is_request_context:
            ctx = _with_request_beneath(ctx)
        self.template_renderer.update_context(ctx, context)

    def _add_template_callable(
        self, registry: dict[str, t.Any], kind: str, f: t.Any, name: str | None
    ) -> None:
        key = name or f.__name__
        registry[key] = f
        if self.template_renderer.created:
            getattr(self.jinja_env, kind)[key] = f

    @t.overload
    def template_filter(self, name: T_template_filter) -> T_template_filter: ...

    @t.overload
    def template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]: ...

    @setupmethod
    def template_filter(
        self, name: T_template_filter | str | None = None
    ) -> T_template_filter | t.Callable[[T_template_filter], T_template_filter]:
        """Register a Jinja filter: ``@app.template_filter`` or
        ``@app.template_filter("name")``."""
        return _register_or_decorate(self.add_template_filter, name)  # type: ignore[no-any-return]

    @setupmethod
    def add_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """Register a Jinja filter, named ``name`` or after the function."""
        self._add_template_callable(self.template_filters, "filters", f, name)

    @t.overload
    def template_test(self, name: T_template_test) -> T_template_test: ...

    @t.overload
    def template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]: ...

    @setupmethod
    def template_test(
        self, name: T_template_test | str | None = None
    ) -> T_template_test | t.Callable[[T_template_test], T_template_test]:
        """Register a Jinja test: ``@app.template_test`` or
        ``@app.template_test("name")``."""
        return _register_or_decorate(self.add_template_test, name)  # type: ignore[no-any-return]

    @setupmethod
    def add_template_test(
        self, f: ft.TemplateTestCallable, name: str | None = None
    ) -> None:
        """Register a Jinja test, named ``name`` or after the function."""
        self._add_template_callable(self.template_tests, "tests", f, name)

    @t.overload
    def template_global(self, name: T_template_global) -> T_template_global: ...

    @t.overload
    def template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]: ...

    @setupmethod
    def template_global(
        self, name: T_template_global | str | None = None
    ) -> T_template_global | t.Callable[[T_template_global], T_template_global]:
        """Register a Jinja global: ``@app.template_global`` or
        ``@app.template_global("name")``."""
        return _register_or_decorate(self.add_template_global, name)  # type: ignore[no-any-return]

    @setupmethod
    def add_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """Register a Jinja global, named ``name`` or after the function."""
        self._add_template_callable(self.template_globals, "globals", f, name)
