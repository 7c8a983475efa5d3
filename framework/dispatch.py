"""The default :class:`~framework.interfaces.Dispatcher`.

Layer 2. Runs one request through the pipeline:

1. ``request_started``; URL value preprocessors; ``before_request`` hooks
   (a non-``None`` return value stops the request there);
2. the routing error, if matching failed, or the automatic ``OPTIONS``
   answer, or the view;
3. errors to the error handling strategy;
4. conversion to a response, ``after_this_request`` callbacks,
   ``after_request`` hooks, the session save, ``request_finished``; an
   HTTP error raised in this step (a session store that is down) goes to
   the error handling strategy too, and its answer is finalized instead;
5. at context teardown, every ``teardown_request`` callback.

Hooks are compiled at :meth:`Dispatcher.prepare` into flat tuples per
blueprint, already wrapped by ``app.ensure_sync``, so a request of an app with
no hooks touches none of this machinery.
"""

from __future__ import annotations

import inspect
import typing as t

from attrs import define, field
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import RequestRedirect

from . import signals
from .wrappers import scopes_outer_first

if t.TYPE_CHECKING:  # pragma: no cover
    from blinker import Signal
    from werkzeug.routing import Rule

    from .concurrency import CallKind
    from .ctx import AppContext, RequestContext
    from .errors import ErrorHandling
    from .interfaces import AppLike
    from .typing import ResponseReturnValue
    from .wrappers import Request, Response

__all__ = ["Dispatcher"]

#: Methods whose requests carry no body a redirect could lose.
_BODYLESS = frozenset({"GET", "HEAD", "OPTIONS"})


class FormDataRoutingRedirect(AssertionError):
    """Routing answered a request that has a body (not ``GET``, ``HEAD`` or
    ``OPTIONS``) with a redirect that browsers follow without the body (not
    307 or 308), usually because the rule ends with a slash and the URL did
    not. Raised in debug mode only, instead of the redirect; importable from
    :mod:`framework.debughelpers`, as in Flask.

    :param request: the request; its ``routing_exception`` is the
        :class:`~werkzeug.routing.RequestRedirect`.
    """

    def __init__(self, request: Request) -> None:
        redirect = request.routing_exception
        if not isinstance(redirect, RequestRedirect):
            raise TypeError(
                "FormDataRoutingRedirect explains a routing redirect; this"
                f" request's routing_exception is {redirect!r}."
            )
        target = redirect.new_url
        lines = [
            f"{request.method} {request.url} was answered with a"
            f" {redirect.code} redirect to the canonical URL {target!r},"
            " and browsers drop the form data when they follow it."
        ]
        if target.partition("?")[0] == f"{request.base_url}/":
            lines.append(
                "The rule ends with a slash and the URL did not; the app"
                " redirects such URLs to the slashed one."
            )
        lines.append(
            "Send the request to the canonical URL, or make routing"
            " redirects 307 or 308. (Only debug mode raises this; otherwise"
            " the redirect is sent.)"
        )
        super().__init__(" ".join(lines))


FormDataRoutingRedirect.__module__ = "framework.debughelpers"

Hooks = tuple[t.Callable[..., t.Any], ...]
_Spec = t.Mapping[str | None, t.Sequence[t.Callable[..., t.Any]]]


@define(slots=True)
class _CompiledHooks:
    """The hooks one blueprint scope runs, in running order."""

    url_value_preprocessors: Hooks
    before_request: Hooks
    after_request: Hooks
    teardown_request: Hooks


@define(slots=True)
class _LoopHooks:
    """The hooks one blueprint scope runs, unwrapped, for the async twin
    of the pipeline: each with whether it returns an awaitable."""

    before_request: tuple[tuple[t.Callable[..., t.Any], bool], ...]
    after_request: tuple[tuple[t.Callable[..., t.Any], bool], ...]
    #: Whether there are URL value preprocessors or before_request hooks.
    preprocess: bool
    #: Whether every hook of the scope may run on the event loop: async, or
    #: marked loop-safe; URL value preprocessors and teardown callbacks
    #: only when loop-safe (their sync callers don't await).
    loop_ok: bool


class LoopPlan:
    """How a request of one endpoint runs on the event loop (see
    :meth:`Dispatcher.loop_plan`).

    :param call: the view to call, or ``None`` for a request no rule
        matched.
    :param is_async: whether ``call`` returns an awaitable.
    :param bare: nothing runs around the view: no URL value preprocessor,
        no ``before_request``, ``after_request`` or teardown callback, so
        :meth:`Dispatcher.abare_dispatch` may take the request.
    """

    __slots__ = ("bare", "call", "is_async")

    def __init__(
        self, call: t.Callable[..., t.Any] | None, is_async: bool, bare: bool
    ) -> None:
        self.call = call
        self.is_async = is_async
        self.bare = bare


def _kinds(funcs: t.Iterable[t.Callable[..., t.Any]]) -> list[CallKind]:
    from .concurrency import classify

    return [classify(f) for f in funcs]


@define(slots=True)
class Dispatcher:
    """Runs the request pipeline; see the module docstring."""

    _app_hooks: _CompiledHooks | None = field(default=None, init=False)
    _scoped: dict[str | None, _CompiledHooks] = field(factory=dict, init=False)
    _has_blueprint_hooks: bool = field(default=False, init=False)
    _teardown_appcontext: Hooks = field(default=(), init=False)
    _views: dict[str, t.Callable[..., t.Any]] = field(factory=dict, init=False)
    # The views as the app's view binder made them, by endpoint.
    _bound: dict[str, tuple[t.Callable[..., t.Any], t.Callable[..., t.Any]]] = field(
        factory=dict, init=False
    )
    # The async twin's tables, filled on first use after each prepare().
    _loop_hooks: dict[str | None, _LoopHooks] = field(factory=dict, init=False)
    _loop_plans: dict[t.Any, LoopPlan | None] = field(factory=dict, init=False)
    # Endpoints of class-based views, planned per HTTP method.
    _per_method: set[str] = field(factory=set, init=False)
    # PERF: hello and hooks benchmarks; when the app's pipeline runs this
    # dispatcher's own preprocess/process_response and no blueprint has
    # hooks, the app's before_request and after_request hooks (maybe
    # none), which full_dispatch and finalize then run inline, without
    # the frames of those steps; ``None`` otherwise.
    _flat_before: Hooks | None = field(default=None, init=False)
    _flat_after: Hooks | None = field(default=None, init=False)
    # No reference to the app is kept: the app owns its dispatcher, and a
    # back-reference would make the pair a cycle that only the cycle
    # collector frees. Each request brings the app in ``ctx.app``.

    def prepare(self, app: AppLike) -> None:
        """Compile the app's hook registries."""
        self._scoped = {}
        self._loop_hooks = {}
        self._loop_plans = {}
        self._per_method = set()
        # An @app.websocket handler (async) can't run from a WSGI server:
        # its endpoint answers 426 there, decided here, not per request. A
        # sync view on a websocket rule takes the socket over itself, as
        # WSGI websocket libraries do (Flask-Sock), and keeps running.
        url_map = getattr(app, "url_map", None)
        websocket_endpoints = (
            {rule.endpoint for rule in url_map.iter_rules() if rule.websocket}
            if url_map is not None
            else set()
        )
        if websocket_endpoints:
            # Only an app with websocket routes loads the WebSocket module.
            from .websockets import needs_asgi
        # Each view as the app's binder made it; websocket handlers as
        # registered (they take the socket, not the request's input).
        self._bound = {
            endpoint: (
                view,
                view
                if endpoint in websocket_endpoints
                else app.view_binder.bind(app, endpoint, view),
            )
            for endpoint, view in app.view_functions.items()
        }
        self._views = {
            endpoint: needs_asgi
            if endpoint in websocket_endpoints and inspect.iscoroutinefunction(view)
            else app.sync_callable(view)
            for endpoint, (_, view) in self._bound.items()
        }
        specs: tuple[_Spec, ...] = (
            app.url_value_preprocessors,
            app.before_request_funcs,
            app.after_request_funcs,
            app.teardown_request_funcs,
        )
        self._has_blueprint_hooks = any(
            name is not None and funcs for spec in specs for name, funcs in spec.items()
        )
        self._app_hooks = hooks = self._compile(app, None)
        pipeline = getattr(app, "pipeline", None)
        self._flat_before = (
            hooks.before_request
            if not self._has_blueprint_hooks
            and not hooks.url_value_preprocessors
            and _own_step(pipeline, "preprocess", self, Dispatcher.preprocess)
            else None
        )
        self._flat_after = (
            hooks.after_request
            if not self._has_blueprint_hooks
            and _own_step(
                pipeline, "process_response", self, Dispatcher.process_response
            )
            else None
        )
        self._teardown_appcontext = tuple(
            reversed([app.sync_callable(f) for f in app.teardown_appcontext_funcs])
        )

    def _bound_view(self, app: AppLike, endpoint: str) -> t.Callable[..., t.Any]:
        """The endpoint's view as the app's binder made it at prepare();
        bound now for a view registered without a prepare since."""
        view = app.view_functions[endpoint]
        registered, bound = self._bound.get(endpoint, (None, None))
        if registered is not view or bound is None:
            bound = app.view_binder.bind(app, endpoint, view)
            self._bound[endpoint] = (view, bound)
        return bound

    def _compile(self, app: AppLike, blueprint: str | None) -> _CompiledHooks:
        outer_first = scopes_outer_first(blueprint)
        inner_first = list(reversed(outer_first))
        sync = app.sync_callable

        def collect(spec: _Spec, names: list[str | None], backwards: bool) -> Hooks:
            out: list[t.Callable[..., t.Any]] = []
            for name in names:
                funcs = spec.get(name, ())
                out.extend(sync(f) for f in (reversed(funcs) if backwards else funcs))
            return tuple(out)

        return _CompiledHooks(
            url_value_preprocessors=collect(
                app.url_value_preprocessors, outer_first, False
            ),
            before_request=collect(app.before_request_funcs, outer_first, False),
            after_request=collect(app.after_request_funcs, inner_first, True),
            teardown_request=collect(app.teardown_request_funcs, inner_first, True),
        )

    def _hooks(self, ctx: AppContext) -> _CompiledHooks:
        hooks = self._app_hooks
        if hooks is None:  # used alone, never prepared by an app
            self.prepare(ctx.app)
            hooks = self._app_hooks
            assert hooks is not None
        if not self._has_blueprint_hooks or not ctx.is_request_context:
            return hooks
        blueprint = ctx.request.blueprint
        if blueprint is None:
            return hooks
        scoped = self._scoped.get(blueprint)
        if scoped is None:
            scoped = self._scoped[blueprint] = self._compile(ctx.app, blueprint)
        return scoped

    def full_dispatch(self, ctx: RequestContext) -> Response:
        """Run the whole pipeline; see the module docstring."""
        app = ctx.app
        pipeline = app.pipeline
        try:
            if signals.request_started.receivers:
                signals.request_started.send(app, _async_wrapper=app.ensure_sync)
            before = self._flat_before
            if before is None:
                rv = pipeline.preprocess(ctx)
            else:
                # What preprocess would do: the hooks, in order, until one
                # returns a value.
                rv = None
                for func in before:
                    rv = func()
                    if rv is not None:
                        break
            if rv is None:
                rv = pipeline.dispatch(ctx)
        except Exception as e:
            rv = pipeline.handle_user(ctx, e)
            if e is ctx.request.routing_exception:
                _drop_tracebacks(e)
        try:
            return pipeline.finalize(ctx, rv)
        except HTTPException as e:
            # An HTTP error raised while finishing the response (an
            # after_request hook, or a session store that is down when the
            # session is saved: 503) is answered by its error handler, as if
            # the view had raised it, not turned into a 500.
            return pipeline.finalize(ctx, pipeline.handle_user(ctx, e), True)

    def preprocess(self, ctx: RequestContext) -> ResponseReturnValue | None:
        """Run URL value preprocessors, then ``before_request`` hooks."""
        hooks = self._hooks(ctx)
        if hooks.url_value_preprocessors:
            request = ctx.request
            for func in hooks.url_value_preprocessors:
                func(request.endpoint, request.view_args)
        for func in hooks.before_request:
            rv = func()
            if rv is not None:
                return rv  # type: ignore[no-any-return]
        return None

    def dispatch(self, ctx: RequestContext) -> ResponseReturnValue:
        """Raise the routing error, answer automatic ``OPTIONS``, or call the
        view with the URL's arguments."""
        request = ctx.request
        if request.routing_exception is not None:
            ctx.app.pipeline.raise_routing_exception(ctx)
        rule = request.url_rule
        assert rule is not None
        if request.method == "OPTIONS" and getattr(
            rule, "provide_automatic_options", False
        ):
            return ctx.app.pipeline.make_default_options_response(ctx)
        # PERF: plain-text benchmark; views are made sync-safe at prepare().
        sync_view = self._views.get(rule.endpoint)
        if sync_view is None:  # a view set on view_functions after prepare()
            view = self._bound_view(ctx.app, rule.endpoint)
            sync_view = self._views[rule.endpoint] = ctx.app.sync_callable(view)
        return sync_view(**request.view_args)  # type: ignore[arg-type, no-any-return]

    def raise_routing_exception(self, ctx: RequestContext) -> t.NoReturn:
        """Raise the error matching stored on the request. In debug mode, a
        redirect that would lose the request's body (see
        :class:`FormDataRoutingRedirect`) raises that error instead."""
        request = ctx.request
        exc = request.routing_exception
        if exc is None:
            raise RuntimeError(
                "The request matched; there is no routing error to raise."
            )
        if (
            isinstance(exc, RequestRedirect)
            and exc.code not in (307, 308)
            and request.method not in _BODYLESS
            and ctx.app.debug
        ):
            raise FormDataRoutingRedirect(request) from exc
        raise exc

    def finalize(
        self,
        ctx: RequestContext,
        rv: ResponseReturnValue | HTTPException,
        from_error_handler: bool = False,
    ) -> Response:
        """Convert ``rv``, then run :meth:`process_response` and send
        ``request_finished``. When finalizing the answer to an error, a
        failure there (an ``after_request`` hook, the session save) is logged
        instead of raised, so the error page still goes out; otherwise the
        response is closed, since the error's answer replaces it, and the
        error raised."""
        app = ctx.app
        pipeline = app.pipeline
        response = pipeline.make_response(ctx, rv)
        try:
            after = self._flat_after
            if after is not None and not ctx._after_request_functions:
                # What process_response would do: the hooks, then the
                # session.
                for func in after:
                    response = func(response)
                app.save_request_session(ctx, response)
            else:
                response = pipeline.process_response(ctx, response)
            if signals.request_finished.receivers:
                signals.request_finished.send(
                    app, _async_wrapper=app.ensure_sync, response=response
                )
        except Exception:
            if not from_error_handler:
                # An error answer replaces this response: close it as the
                # server would have, or its file or stream stays open.
                _close_dropped(app, response)
                raise
            app.logger.exception(
                "Finishing the response to an error failed (an after_request"
                " hook, the session save or a request_finished receiver)"
            )
        return response

    def process_response(self, ctx: RequestContext, response: Response) -> Response:
        """Run ``after_this_request`` callbacks, then ``after_request`` hooks
        (innermost blueprint first, each scope in reverse registration order),
        then save the session if it was opened."""
        app = ctx.app
        callbacks = ctx._after_request_functions
        if callbacks:
            for func in callbacks:
                response = app.ensure_sync(func)(response)
        for func in self._hooks(ctx).after_request:
            response = func(response)
        app.save_request_session(ctx, response)
        return response

    def make_default_options_response(self, ctx: RequestContext) -> Response:
        """An empty response whose ``Allow`` header lists the methods the
        URL accepts."""
        response = ctx.app.response_class()
        response.allow.update(ctx.app.router.allowed_methods(ctx))
        return response

    def teardown_request(
        self, ctx: RequestContext, exc: BaseException | None
    ) -> list[BaseException]:
        """Run every ``teardown_request`` callback, then send
        ``request_tearing_down``, even when one raises; return what they
        raised, in order."""
        return _run_all(
            self._hooks(ctx).teardown_request, signals.request_tearing_down, ctx, exc
        )

    def teardown_appcontext(
        self, ctx: AppContext, exc: BaseException | None
    ) -> list[BaseException]:
        """Run every ``teardown_appcontext`` callback, then send
        ``appcontext_tearing_down``, even when one raises; return what they
        raised, in order."""
        if self._app_hooks is None:  # used alone, never prepared by an app
            self.prepare(ctx.app)
        return _run_all(
            self._teardown_appcontext, signals.appcontext_tearing_down, ctx, exc
        )

    # -- the async twin ------------------------------------------------------
    #
    # Run by the ASGI adapter on the event loop for a request whose whole
    # chain may run there (see :meth:`loop_plan`); the same steps in the
    # same order as full_dispatch, preprocess, dispatch, finalize and
    # process_response above, sharing their decisions (make_response, the
    # error handler lookup, the session save). Change both together.

    def loop_plan(self, ctx: RequestContext) -> LoopPlan | None:
        """How the request may run on the event loop, awaited, rather than
        in a thread; ``None`` when it may not: its view, hooks and teardown
        callbacks are async or loop-safe, and nothing else in its pipeline
        may block. Decided once per endpoint (per method for a class-based
        view); see :func:`framework.concurrency.classify`."""
        if not signals.request_path_quiet and not signals.refresh_request_path_quiet():
            for signal in _SENT_BY_CONTEXTS:
                if signal.receivers:
                    # The contexts send these from sync code, where an
                    # async receiver could not be awaited.
                    return None
        request = ctx.request
        rule = request.url_rule
        key: t.Any = None if rule is None else rule.endpoint
        if key in self._per_method:
            # A MethodView may mix sync and async methods.
            key = (key, request.method)
        try:
            return self._loop_plans[key]
        except KeyError:
            plan = self._loop_plans[key] = self._plan(ctx, rule)
            return plan

    def _plan(self, ctx: RequestContext, rule: Rule | None) -> LoopPlan | None:
        from .concurrency import ON_LOOP, CallKind, classify

        app = ctx.app
        hooks = self._loop_hooks_for(ctx)
        if not hooks.loop_ok:
            return None
        bare = (
            not hooks.preprocess
            and not hooks.after_request
            and not app.needs_request_teardown
            and not app.needs_appcontext_teardown
        )
        if rule is None:
            # No rule matched: a bare plan's plain 404 goes straight to the
            # error handling (abare_dispatch); anything else, afull_dispatch.
            return LoopPlan(None, False, bare)
        if rule.endpoint not in app.view_functions:
            return None
        view = self._bound_view(app, rule.endpoint)
        if hasattr(view, "view_class"):
            self._per_method.add(rule.endpoint)
            on_loop = getattr(view, ON_LOOP, None)
            if on_loop is None:
                return None
            if classify(view, ctx.request.method) is CallKind.SYNC:
                return None
            # as_view's function is sync: await its async entry instead.
            return LoopPlan(on_loop, True, bare)
        kind = classify(view)
        if kind is CallKind.SYNC:
            return None
        return LoopPlan(view, kind is CallKind.ASYNC, bare)

    def _loop_hooks_for(self, ctx: RequestContext) -> _LoopHooks:
        """The hooks of the request's blueprint scope."""
        if not self._has_blueprint_hooks:
            # PERF: hello; no blueprint hooks, no blueprint name to compute.
            found = self._loop_hooks.get(None)
            if found is not None:
                return found
            return self._loop_hooks_of(ctx.app, None)
        return self._loop_hooks_of(ctx.app, ctx.request.blueprint)

    def _loop_hooks_of(self, app: AppLike, blueprint: str | None) -> _LoopHooks:
        found = self._loop_hooks.get(blueprint)
        if found is not None:
            return found
        outer_first = scopes_outer_first(blueprint)
        inner_first = list(reversed(outer_first))

        def collect(spec: _Spec, names: list[str | None], backwards: bool) -> Hooks:
            out: list[t.Callable[..., t.Any]] = []
            for name in names:
                funcs = spec.get(name, ())
                out.extend(reversed(funcs) if backwards else funcs)
            return tuple(out)

        before = collect(app.before_request_funcs, outer_first, False)
        after = collect(app.after_request_funcs, inner_first, True)
        preprocessors = collect(app.url_value_preprocessors, outer_first, False)
        inline_only = [
            *preprocessors,
            *collect(app.teardown_request_funcs, inner_first, True),
            *app.teardown_appcontext_funcs,
        ]
        from .concurrency import CallKind

        before_kinds, after_kinds = _kinds(before), _kinds(after)
        loop_ok = (
            CallKind.SYNC not in before_kinds
            and CallKind.SYNC not in after_kinds
            and all(kind is CallKind.INLINE for kind in _kinds(inline_only))
        )
        found = self._loop_hooks[blueprint] = _LoopHooks(
            before_request=tuple(
                zip(before, [k is CallKind.ASYNC for k in before_kinds], strict=True)
            ),
            after_request=tuple(
                zip(after, [k is CallKind.ASYNC for k in after_kinds], strict=True)
            ),
            loop_ok=loop_ok,
            preprocess=bool(before) or bool(preprocessors),
        )
        return found

    async def afull_dispatch(self, ctx: RequestContext) -> Response:
        """The async twin of :meth:`full_dispatch`."""
        app = ctx.app
        try:
            if signals.request_started.receivers:
                await _send_async(signals.request_started, app)
            rv = None
            if self._loop_hooks_for(ctx).preprocess:
                rv = await self.apreprocess(ctx)
            if rv is None:
                rv = await self.adispatch(ctx)
        except Exception as e:
            errors: ErrorHandling = app.error_handling  # type: ignore[assignment]
            rv = await errors.ahandle_user(ctx, e)
            if e is ctx.request.routing_exception:
                _drop_tracebacks(e)
        try:
            return await self.afinalize(ctx, rv)
        except HTTPException as e:
            errors = app.error_handling  # type: ignore[assignment]
            return await self.afinalize(ctx, await errors.ahandle_user(ctx, e), True)

    async def apreprocess(self, ctx: RequestContext) -> ResponseReturnValue | None:
        """The async twin of :meth:`preprocess`."""
        request = ctx.request
        for func in self._hooks(ctx).url_value_preprocessors:
            func(request.endpoint, request.view_args)
        hooks = self._loop_hooks_for(ctx)
        for func, is_async in hooks.before_request:
            rv = func()
            if is_async:
                rv = await rv
            if rv is not None:
                return rv  # type: ignore[no-any-return]
        return None

    async def adispatch(self, ctx: RequestContext) -> ResponseReturnValue:
        """The async twin of :meth:`dispatch`."""
        request = ctx.request
        if request.routing_exception is not None:
            ctx.app.pipeline.raise_routing_exception(ctx)
        rule = request.url_rule
        assert rule is not None
        if request.method == "OPTIONS" and getattr(
            rule, "provide_automatic_options", False
        ):
            return ctx.app.pipeline.make_default_options_response(ctx)
        plan = self.loop_plan(ctx)
        if plan is None or plan.call is None:
            # Not planned for the loop (called directly): await the view.
            call, is_async = self._bound_view(ctx.app, rule.endpoint), True
        else:
            call, is_async = plan.call, plan.is_async
        rv: t.Any = call(**request.view_args)  # type: ignore[arg-type]
        if is_async:  # a loop-safe view returns its value
            rv = await rv
        return rv  # type: ignore[no-any-return]

    async def abare_dispatch(self, ctx: RequestContext, plan: LoopPlan) -> Response:
        """:meth:`afull_dispatch` for a request whose plan is bare (no hook
        runs around its view) while no signal sent around a request has a
        receiver: the view, then the response, with the same handling of
        errors. Anything more (a callback of :func:`after_this_request`,
        a session to save or renew) goes through :meth:`afinalize`."""
        request = ctx.request
        call = plan.call
        if call is None:
            routing_error = request.routing_exception
            if type(routing_error) is not NotFound:
                return await self.afull_dispatch(ctx)
            # PERF: 404 benchmark; handled where adispatch would raise it
            # (raise_routing_exception only changes redirects).
            errors: ErrorHandling = ctx.app.error_handling  # type: ignore[assignment]
            rv = await errors.ahandle_user(ctx, routing_error)
            _drop_tracebacks(routing_error)
            return await self._afinalize_handled(ctx, rv)
        if request.method == "OPTIONS":
            return await self.afull_dispatch(ctx)
        try:
            rv = call(**request.view_args)  # type: ignore[arg-type]
            if plan.is_async:
                rv = await rv
        except Exception as e:
            errors = ctx.app.error_handling  # type: ignore[assignment]
            rv = await errors.ahandle_user(ctx, e)
        else:
            try:
                response = ctx.app.pipeline.make_response(ctx, rv)
            except HTTPException as e:
                errors = ctx.app.error_handling  # type: ignore[assignment]
                rv = await errors.ahandle_user(ctx, e)
                return await self.afinalize(ctx, rv, True)
            if (
                ctx._after_request_functions is None
                and ctx._loaded_session is None
                and "HTTP_COOKIE" not in (ctx._facts or request.environ)
            ):
                return response
            rv = response
        return await self._afinalize_handled(ctx, rv)

    async def _afinalize_handled(self, ctx: RequestContext, rv: t.Any) -> Response:
        """:meth:`afinalize`, with an HTTP error it raises handled as
        :meth:`afull_dispatch` does."""
        try:
            return await self.afinalize(ctx, rv)
        except HTTPException as e:
            errors: ErrorHandling = ctx.app.error_handling  # type: ignore[assignment]
            return await self.afinalize(ctx, await errors.ahandle_user(ctx, e), True)

    async def afinalize(
        self,
        ctx: RequestContext,
        rv: ResponseReturnValue | HTTPException,
        from_error_handler: bool = False,
    ) -> Response:
        """The async twin of :meth:`finalize`."""
        app = ctx.app
        response = app.pipeline.make_response(ctx, rv)
        try:
            if ctx._after_request_functions or self._loop_hooks_for(ctx).after_request:
                response = await self.aprocess_response(ctx, response)
            else:
                app.save_request_session(ctx, response)
            if signals.request_finished.receivers:
                await _send_async(signals.request_finished, app, response=response)
        except Exception:
            if not from_error_handler:
                _close_dropped(app, response)
                raise
            app.logger.exception(
                "Finishing the response to an error failed (an after_request"
                " hook, the session save or a request_finished receiver)"
            )
        return response

    async def aprocess_response(
        self, ctx: RequestContext, response: Response
    ) -> Response:
        """The async twin of :meth:`process_response`."""
        app = ctx.app
        callbacks = ctx._after_request_functions
        if callbacks:
            for func in callbacks:
                # Registered per request, so checked per call.
                out = func(response)
                response = await out if inspect.isawaitable(out) else out
        hooks = self._loop_hooks_for(ctx).after_request
        for func, is_async in hooks:
            out = func(response)
            response = await out if is_async else out
        app.save_request_session(ctx, response)
        return response


#: The signals :class:`~framework.ctx.RequestContext` sends as it is pushed
#: and popped.
_SENT_BY_CONTEXTS = (
    signals.appcontext_pushed,
    signals.request_matched,
    signals.request_tearing_down,
    signals.appcontext_tearing_down,
    signals.appcontext_popped,
)


def _own_step(
    pipeline: t.Any, step: str, dispatcher: Dispatcher, method: t.Any
) -> bool:
    """Whether ``pipeline.<step>`` is ``method`` of ``dispatcher`` itself,
    neither overridden by the app nor by a subclass."""
    bound = getattr(pipeline, step, None)
    return (
        getattr(bound, "__self__", None) is dispatcher
        and getattr(bound, "__func__", None) is method
    )


async def _send_async(signal: Signal, app: AppLike, **kwargs: t.Any) -> None:
    """Send ``signal`` from async code: async receivers awaited, sync ones
    called on the loop."""
    from .concurrency import as_coroutine_function

    await signal.send_async(app, _sync_wrapper=as_coroutine_function, **kwargs)


def _run_all(
    funcs: Hooks, signal: Signal, ctx: AppContext, exc: BaseException | None
) -> list[BaseException]:
    """Call each teardown function and send ``signal``, collecting what
    raises instead of stopping at it."""
    errors: list[BaseException] = []
    for func in funcs:
        try:
            func(exc)
        except Exception as e:
            errors.append(e)
    if signal.receivers:
        app = ctx.app
        try:
            signal.send(app, _async_wrapper=app.ensure_sync, exc=exc)
        except Exception as e:
            errors.append(e)
    return errors


def _drop_tracebacks(exc: BaseException) -> None:
    """Forget the tracebacks of a handled routing error and of the errors
    it chained from: their frames hold the request, which holds the error,
    a reference cycle left to the cycle collector on every 404, 405 or
    redirect otherwise (and keeping the app alive until it runs)."""
    seen: BaseException | None = exc
    while seen is not None:
        seen.__traceback__ = None
        seen = seen.__cause__ or seen.__context__


def _close_dropped(app: AppLike, response: Response) -> None:
    """Close a response that will not be sent; a failure to close it is
    logged, so that it does not hide the error that dropped the response."""
    try:
        response.close()
    except Exception:
        app.logger.exception("Closing a response that was not sent failed")
