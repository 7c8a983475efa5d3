"""Templates: the default :class:`TemplateRenderer` and the render helpers.

Layer 2. The Jinja environment is created on first use, not with the app, so
an app that renders nothing pays nothing; Jinja2 itself, and
:mod:`framework.jinja_environment` (:class:`Environment` and
:class:`DispatchingJinjaLoader`, importable from here too), are imported
then. Templates are looked up in the
app's template folder, then in each registered blueprint's, in registration
order. Context processors run per render, app first, then the blueprints of
the current request from outermost to innermost; values passed to
``render_template`` always win.
"""

from __future__ import annotations

import typing as t
import weakref

from attrs import define, field

from . import signals
from .ctx import (
    RequestContext,
    _cv_context,
    _cv_request,
    _with_request_beneath,
    keep_context,
)
from .flashing import get_flashed_messages
from .proxies import g, request, session
from .wrappers import scopes_outer_first

if t.TYPE_CHECKING:  # pragma: no cover
    from jinja2 import Template

    from .ctx import AppContext
    from .interfaces import AppLike
    from .jinja_environment import DispatchingJinjaLoader as DispatchingJinjaLoader
    from .jinja_environment import Environment as Environment

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "TemplateRenderer",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]


class _AppRef:
    """A weak reference to the app, for the objects the app owns through its
    template renderer (the environment, its loader): a strong one would make
    a cycle, and an app in a cycle lives on until the cycle collector runs.
    Only template lookups and rendering follow it, never a plain request."""

    __slots__ = ("_ref",)

    def __init__(self, app: AppLike) -> None:
        self._ref = weakref.ref(app)

    def __call__(self) -> AppLike:
        app = self._ref()
        if app is None:
            raise RuntimeError(
                "The app of this Jinja environment no longer exists; keep a"
                " reference to the app for as long as its templates are used."
            )
        return app

    def method(self, name: str) -> t.Callable[..., t.Any]:
        """A function calling the app's method ``name`` (an override
        included) without holding the app."""
        ref = self

        def call(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return getattr(ref(), name)(*args, **kwargs)

        call.__name__ = call.__qualname__ = name
        return call


class _WeakApp:
    """The ``app`` attribute of an object the app owns (its Jinja
    environment, the environment's loader), read and set as a plain
    attribute but held through an :class:`_AppRef`.

    :param doc: the attribute's docstring.
    """

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self._ref_name = f"_{name}_ref"

    @t.overload
    def __get__(self, instance: None, owner: type) -> _WeakApp: ...
    @t.overload
    def __get__(self, instance: object, owner: type | None = None) -> AppLike: ...
    def __get__(
        self, instance: object, owner: type | None = None
    ) -> AppLike | _WeakApp:
        if instance is None:
            return self
        ref: _AppRef = getattr(instance, self._ref_name)
        return ref()

    def __set__(self, instance: object, app: AppLike) -> None:
        setattr(instance, self._ref_name, _AppRef(app))


#: The file name endings of the templates the default rule autoescapes.
_AUTOESCAPED = (".html", ".htm", ".xml", ".xhtml", ".svg")


def _autoescape_by_extension(filename: str | None) -> bool:
    """The default autoescape rule, for Jinja to call without the app."""
    return filename is None or filename.endswith(_AUTOESCAPED)


def select_jinja_autoescape(app: t.Any, filename: str | None) -> bool:
    """Whether to autoescape a template: templates from strings, and
    files ending in ``.html``, ``.htm``, ``.xml``, ``.xhtml`` or
    ``.svg``. ``App.select_jinja_autoescape``, unless a subclass overrides
    it.

    :param app: the app.
    :param filename: the template's name, ``None`` for a string template.
    """
    return _autoescape_by_extension(filename)


def _add_flask_defaults(ctx: AppContext, context: dict[str, t.Any]) -> None:
    # Flask's default context processor puts g, and in a request the request,
    # into every context; here the templates get them as globals instead, at
    # no cost. Signal receivers look for them in the context they are sent,
    # so they are added, under the values passed and those of context
    # processors, only when a receiver is connected.
    context.setdefault("g", ctx.g)
    request_ctx = _cv_request.get(None)
    if request_ctx is not None:
        context.setdefault("request", request_ctx.request)


@define(slots=True)
class TemplateRenderer:
    """Creates the Jinja environment and renders templates with the app's
    context processors and signals."""

    _environment: Environment | None = field(default=None, init=False)
    _processors: dict[str | None, tuple[t.Callable[[], t.Any], ...]] = field(
        factory=dict, init=False
    )
    #: Whether the app had no context processor at all when last prepared.
    _no_processors: bool = field(default=False, init=False)

    def prepare(self, app: AppLike) -> None:
        """Forget compiled context processor chains (they are rebuilt per
        blueprint on first use), and note whether there are any."""
        self._processors = {}
        # PERF: template; most apps have none, and a render then skips
        # the request's blueprint and the chain lookup.
        self._no_processors = not any(app.template_context_processors.values())

    def environment(self, app: AppLike) -> Environment:
        """The app's Jinja environment, created on first use through
        ``app.create_jinja_environment()``."""
        env = self._environment
        if env is None:
            env = self._environment = app.create_jinja_environment()
        return env

    @property
    def created(self) -> bool:
        """Whether the environment exists yet."""
        return self._environment is not None

    def create_environment(self, app: AppLike) -> Environment:
        """Build the environment from ``app.jinja_options``, with the app's
        autoescape rule, reload setting, template globals, filters and tests
        and the app's JSON provider for ``|tojson``."""
        app_ref = _AppRef(app)
        options = dict(app.jinja_options)
        method = getattr(app, "select_jinja_autoescape", None)
        chooser = getattr(method, "__func__", None)
        if chooser is select_jinja_autoescape:
            # PERF: template; Jinja asks at every render. The default rule
            # needs no app, so it skips the weak reference and the method.
            options.setdefault("autoescape", _autoescape_by_extension)
        else:
            options.setdefault("autoescape", app_ref.method("select_jinja_autoescape"))
        if "auto_reload" not in options:
            auto_reload = app.config["TEMPLATES_AUTO_RELOAD"]
            options["auto_reload"] = app.debug if auto_reload is None else auto_reload
        env = app.jinja_environment(app, **options)
        env.globals.update(
            url_for=app_ref.method("url_for"),
            get_flashed_messages=get_flashed_messages,
            config=app.config,
            request=request,
            session=session,
            g=g,
        )
        env.globals.update(app.template_globals)
        env.filters.update(app.template_filters)
        env.tests.update(app.template_tests)
        env.policies["json.dumps_function"] = app.json.dumps
        return env

    def _context_processors(
        self, app: AppLike, blueprint: str | None
    ) -> tuple[t.Callable[[], t.Any], ...]:
        funcs = self._processors.get(blueprint)
        if funcs is None:
            spec = app.template_context_processors
            funcs = tuple(
                app.sync_callable(f)
                for name in scopes_outer_first(blueprint)
                for f in spec.get(name, ())
            )
            # Keys come from matched endpoints, so they are finitely many.
            self._processors[blueprint] = funcs
        return funcs

    def update_context(self, ctx: AppContext | None, context: dict[str, t.Any]) -> None:
        """Add what the context processors return to ``context``; values
        already in ``context`` (passed by the caller) win."""
        if ctx is None or self._no_processors:
            return
        blueprint = ctx.request.blueprint if ctx.is_request_context else None
        funcs = self._context_processors(ctx.app, blueprint)
        if not funcs:
            return
        passed = context.copy()
        for func in funcs:
            context.update(func())
        context.update(passed)

    def _template(
        self, app: AppLike, template: str | Template | list[str | Template]
    ) -> Template:
        return self.environment(app).get_or_select_template(template)

    def render(
        self,
        ctx: AppContext,
        template: str | Template | list[str | Template],
        context: dict[str, t.Any],
    ) -> str:
        """Render a template (or the first existing of a list) by name."""
        return self._render(ctx, self._template(ctx.app, template), context)

    def render_string(
        self, ctx: AppContext, source: str, context: dict[str, t.Any]
    ) -> str:
        """Render template source code."""
        return self._render(ctx, self.environment(ctx.app).from_string(source), context)

    def _render(
        self, ctx: AppContext, template: Template, context: dict[str, t.Any]
    ) -> str:
        app = ctx.app
        self.update_context(ctx, context)
        if (
            signals.before_render_template.receivers
            or signals.template_rendered.receivers
        ):
            _add_flask_defaults(ctx, context)
            signals.before_render_template.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )
        rv = template.render(context)
        if signals.template_rendered.receivers:
            signals.template_rendered.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )
        return rv

    def stream(
        self,
        ctx: AppContext,
        template: str | Template | list[str | Template],
        context: dict[str, t.Any],
    ) -> t.Iterator[str]:
        """Render a template piece by piece, for a streamed response."""
        return self._stream(ctx, self._template(ctx.app, template), context)

    def stream_string(
        self, ctx: AppContext, source: str, context: dict[str, t.Any]
    ) -> t.Iterator[str]:
        """Render template source code piece by piece."""
        return self._stream(ctx, self.environment(ctx.app).from_string(source), context)

    def _stream(
        self, ctx: AppContext, template: Template, context: dict[str, t.Any]
    ) -> t.Iterator[str]:
        app = ctx.app
        self.update_context(ctx, context)
        if (
            signals.before_render_template.receivers
            or signals.template_rendered.receivers
        ):
            _add_flask_defaults(ctx, context)
            signals.before_render_template.send(
                app, _async_wrapper=app.ensure_sync, template=template, context=context
            )

        def generate() -> t.Iterator[str]:
            yield from template.generate(context)
            if signals.template_rendered.receivers:
                signals.template_rendered.send(
                    app,
                    _async_wrapper=app.ensure_sync,
                    template=template,
                    context=context,
                )

        if isinstance(ctx, RequestContext):
            return keep_context(ctx, generate())
        return generate()


def _active_context() -> AppContext:
    ctx = _cv_context.get(None)
    if ctx is None:
        raise RuntimeError(
            "Rendering a template needs an active app context, for the app's"
            " templates and context processors: render inside a view, or in"
            " 'with app.app_context():'."
        )
    if not ctx.is_request_context:
        ctx = _with_request_beneath(ctx)
    # Before the first request, setup may have changed since the context
    # was created (a context processor added); a no-op once frozen.
    ctx.app._prepare_if_changed()
    return ctx


def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> str:
    """Render a template from the template folders with ``context``.

    :param template_name_or_list: a template name, or a list of names of
        which the first that exists is rendered.
    :param context: the template's variables; they override what context
        processors provide.
    """
    ctx = _active_context()
    return ctx.app.template_renderer.render(ctx, template_name_or_list, context)


def render_template_string(source: str, **context: t.Any) -> str:
    """Render template source code with ``context``; autoescaping is on."""
    ctx = _active_context()
    return ctx.app.template_renderer.render_string(ctx, source, context)


def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: t.Any
) -> t.Iterator[str]:
    """Render a template as a stream of strings, to return as a streamed
    response; the request stays available while it renders."""
    ctx = _active_context()
    return ctx.app.template_renderer.stream(ctx, template_name_or_list, context)


def stream_template_string(source: str, **context: t.Any) -> t.Iterator[str]:
    """Render template source code as a stream of strings."""
    ctx = _active_context()
    return ctx.app.template_renderer.stream_string(ctx, source, context)


if not t.TYPE_CHECKING:
    # Hidden from the type checker, which sees the imports above.

    def __getattr__(name: str) -> t.Any:
        """``Environment`` and ``DispatchingJinjaLoader``, from
        :mod:`framework.jinja_environment`, imported on first access."""
        if name not in ("Environment", "DispatchingJinjaLoader"):
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from . import jinja_environment

        return getattr(jinja_environment, name)
