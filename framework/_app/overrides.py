"""Flask-style overrides of :class:`~framework.App` methods, resolved into
the request pipeline.

Layer 3, part of :mod:`framework.app`. The strategies call one another
through :attr:`App.pipeline <framework.App.pipeline>`, a table of steps
(:class:`~framework.interfaces.Pipeline`). Each step is the strategy's own
method, unless the app overrides the Flask-named ``App`` method of the same
meaning (``make_response``, ``handle_exception``...); then the step is an
adapter calling the override. :func:`resolve_pipeline` builds the table
when setup changes, so a request pays for an override only where one
exists.
"""

from __future__ import annotations

import typing as t

from ..interfaces import Pipeline

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.routing import MapAdapter

    from ..ctx import AppContext

__all__ = ["overridden", "resolve_pipeline"]

# An overridden App method becomes a pipeline step that looks the override up
# on ``ctx.app`` at each call rather than holding the bound method: the app
# owns its pipeline, and a bound method in it would make the app a cycle that
# only the cycle collector frees. The lookup costs only apps that override.


def _no_ctx(method: str) -> t.Callable[..., t.Any]:
    """The step for an override that takes no context: ``step(ctx, *args)``
    calls ``ctx.app.<method>(*args)``."""

    def step(ctx: t.Any, *args: t.Any) -> t.Any:
        return getattr(ctx.app, method)(*args)

    step.__name__ = method
    return step


def _with_request(method: str) -> t.Callable[..., t.Any]:
    """The step for an override that takes the request, as Flask's
    ``raise_routing_exception(request)`` does."""

    def step(ctx: t.Any) -> t.Any:
        return getattr(ctx.app, method)(ctx.request)

    step.__name__ = method
    return step


def _teardown(method: str) -> t.Callable[..., t.Any]:
    """The step for an overridden ``do_teardown_*``, which raises: the step
    returns the errors instead."""

    def step(ctx: t.Any, exc: BaseException | None) -> list[BaseException]:
        try:
            getattr(ctx.app, method)(exc)
        except Exception as error:
            return [error]
        return []

    step.__name__ = method
    return step


def _url_adapter(method: str) -> t.Callable[..., t.Any]:
    """The step for an overridden ``create_url_adapter``, which takes the
    request (``None`` in an app context)."""

    def bind(ctx: AppContext) -> MapAdapter | None:
        request = ctx.request if ctx.is_request_context else None
        return getattr(ctx.app, method)(request)  # type: ignore[no-any-return]

    bind.__name__ = method
    return bind


#: ``pipeline step -> (strategy, App method of the same meaning, adapter)``:
#: how :func:`resolve_pipeline` resolves :attr:`App.pipeline`.
_PIPELINE_STEPS: dict[str, tuple[str, str, t.Callable[[str], t.Any]]] = {
    "full_dispatch": ("dispatcher", "full_dispatch_request", _no_ctx),
    "preprocess": ("dispatcher", "preprocess_request", _no_ctx),
    "dispatch": ("dispatcher", "dispatch_request", _no_ctx),
    "raise_routing_exception": (
        "dispatcher",
        "raise_routing_exception",
        _with_request,
    ),
    "finalize": ("dispatcher", "finalize_request", _no_ctx),
    "process_response": ("dispatcher", "process_response", _no_ctx),
    "make_default_options_response": (
        "dispatcher",
        "make_default_options_response",
        _no_ctx,
    ),
    "teardown_request": ("dispatcher", "do_teardown_request", _teardown),
    "teardown_appcontext": ("dispatcher", "do_teardown_appcontext", _teardown),
    "make_response": ("response_converter", "make_response", _no_ctx),
    "handle_http": ("error_handling", "handle_http_exception", _no_ctx),
    "handle_user": ("error_handling", "handle_user_exception", _no_ctx),
    "handle_unhandled": ("error_handling", "handle_exception", _no_ctx),
    "trap_http_exception": ("error_handling", "trap_http_exception", _no_ctx),
    "log_exception": ("error_handling", "log_exception", _no_ctx),
    "bind": ("router", "create_url_adapter", _url_adapter),
    "inject_url_defaults": ("router", "inject_url_defaults", _no_ctx),
}


def overridden(app: object, name: str, base: type) -> t.Callable[..., t.Any] | None:
    """The override of ``base.<name>`` on ``app`` or its class, or ``None``
    when ``base``'s method is in place.

    :param app: an instance of ``base`` or of a subclass.
    :param name: the method's name.
    :param base: the class whose method is the default (``App``).
    """
    if name in app.__dict__:
        return t.cast("t.Callable[..., t.Any]", app.__dict__[name])
    if getattr(type(app), name) is not getattr(base, name):
        return t.cast("t.Callable[..., t.Any]", getattr(app, name))
    return None


def resolve_pipeline(
    app: object, strategies: t.Mapping[str, object], base: type
) -> Pipeline:
    """The pipeline of ``app``: each step from its strategy, or from the
    app's override of the matching ``base`` method.

    :param app: the app.
    :param strategies: the app's strategies by attribute name
        (``"router"``, ``"dispatcher"``, ``"response_converter"``,
        ``"error_handling"``).
    :param base: the class whose methods are the defaults (``App``).
    """
    pipeline = Pipeline()
    for step, (owner, method, adapt) in _PIPELINE_STEPS.items():
        if overridden(app, method, base) is None:
            setattr(pipeline, step, getattr(strategies[owner], step))
        else:
            setattr(pipeline, step, adapt(method))
    return pipeline
