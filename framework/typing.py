"""Type aliases for the callables and values users hand to the framework.

Layer 0: imports nothing from the rest of the package at run time. The names
match Flask's ``flask.typing`` so that annotated code ports unchanged; the
``T_*`` type variables, also Flask's names, let the decorators of
:mod:`framework.scaffold` and :mod:`framework.blueprints` hand back the very
function they were given, with its own type.

Every hook may be a plain function or a coroutine function, so most callable
aliases are one shape, :data:`_SyncOrAsync`, filled in with the hook's
arguments and result.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t
from typing import TypeVar

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.datastructures import Headers
    from werkzeug.sansio.response import Response as SansioResponse

_Args = t.ParamSpec("_Args")
_Result = t.TypeVar("_Result")

#: A callable taking ``_Args`` that returns ``_Result``, or a coroutine
#: function that does.
_SyncOrAsync = t.Union[
    t.Callable[_Args, _Result], t.Callable[_Args, t.Awaitable[_Result]]
]

# -- what a view returns ------------------------------------------------

#: One header value, or several for a repeated header.
HeaderValue = t.Union[str, list[str], tuple[str, ...]]

#: Headers in any form ``Response(headers=...)`` accepts.
HeadersValue = t.Union[
    cabc.Mapping[str, HeaderValue],
    cabc.Sequence[tuple[str, HeaderValue]],
    "Headers",
]

#: A body a view may return: a response object, text or bytes, a list or
#: mapping to send as JSON, or a stream of text or bytes.
ResponseValue = t.Union[
    str,
    bytes,
    cabc.Mapping[str, t.Any],
    list[t.Any],
    cabc.Iterator[str],
    cabc.Iterator[bytes],
    cabc.AsyncIterable[str],
    cabc.AsyncIterable[bytes],
    "SansioResponse",
]

#: A body with a status, headers, or both: ``(body, 201)``,
#: ``(body, headers)``, ``(body, 201, headers)``.
_ResponseTuple = t.Union[
    tuple[ResponseValue, int],
    tuple[ResponseValue, HeadersValue],
    tuple[ResponseValue, int, HeadersValue],
]

#: Everything a view, hook or error handler may return: a body, a body in a
#: tuple with its status and/or headers, or a WSGI application.
ResponseReturnValue = t.Union[ResponseValue, _ResponseTuple, "WSGIApplication"]

#: A response class or subclass, so that an ``after_request`` hook annotated
#: with the app's own response class type-checks.
ResponseClass = t.TypeVar("ResponseClass", bound="SansioResponse")

# -- what the decorators accept -----------------------------------------

#: The scope key of the per-scope registries: a blueprint's name, or
#: ``None`` for the app itself.
AppOrBlueprintKey = t.Optional[str]

#: A view function, called with the URL's variables. Any callable: what it
#: returns is made a response when it answers (a ``ResponseReturnValue``
#: for the app's response converter), and a view binder (``app.view_binder``;
#: the ``framework_api`` extension) may turn other values into one, so a
#: typed view returning a model or ``Created[...]`` passes ``mypy --strict``.
#: Flask's alias allows only ``ResponseReturnValue`` returns.
RouteCallable = t.Callable[..., t.Any]
#: A ``before_request`` hook: ``None`` to go on, anything else to answer.
BeforeRequestCallable = _SyncOrAsync[[], t.Optional[ResponseReturnValue]]
#: An ``after_request`` hook: takes the response and returns the one to send.
AfterRequestCallable = _SyncOrAsync[[ResponseClass], ResponseClass]
#: A teardown callback: takes the unhandled exception, or ``None``.
TeardownCallable = _SyncOrAsync[[t.Optional[BaseException]], None]
#: An error handler: takes the exception it handles. Its argument is
#: ``t.Any`` because a handler registered for ``404`` gets ``NotFound`` and
#: one for ``KeyError`` gets ``KeyError``; the checker cannot relate the two.
ErrorHandlerCallable = _SyncOrAsync[[t.Any], ResponseReturnValue]
#: A template context processor: returns names to add to the context.
TemplateContextProcessorCallable = _SyncOrAsync[[], dict[str, t.Any]]
#: Kept for Flask's name; Flask 2.3 removed ``before_first_request``.
BeforeFirstRequestCallable = _SyncOrAsync[[], None]

#: Called with the endpoint and view arguments after matching; may edit them.
URLValuePreprocessorCallable = t.Callable[
    [t.Optional[str], t.Optional[dict[str, t.Any]]], None
]
#: Called with the endpoint and values of each URL built; may fill them in.
URLDefaultCallable = t.Callable[[str, dict[str, t.Any]], None]
#: Returns names for ``framework shell``'s namespace.
ShellContextProcessorCallable = t.Callable[[], dict[str, t.Any]]
#: A Jinja filter, test and global function.
TemplateFilterCallable = t.Callable[..., t.Any]
TemplateTestCallable = t.Callable[..., bool]
TemplateGlobalCallable = t.Callable[..., t.Any]
#: A handler for ``BuildError`` in ``url_for``: returns a URL or ``None``.
URLBuildErrorHandler = t.Callable[[Exception, str, dict[str, t.Any]], t.Optional[str]]

# -- what the decorators give back ---------------------------------------
# One type variable per decorator kind, bound to the alias above it accepts.

T_route = TypeVar("T_route", bound=RouteCallable)
T_before_request = TypeVar("T_before_request", bound=BeforeRequestCallable)
T_after_request = TypeVar("T_after_request", bound=AfterRequestCallable[t.Any])
T_teardown = TypeVar("T_teardown", bound=TeardownCallable)
T_error_handler = TypeVar("T_error_handler", bound=ErrorHandlerCallable)
T_template_context_processor = TypeVar(
    "T_template_context_processor", bound=TemplateContextProcessorCallable
)
T_url_value_preprocessor = TypeVar(
    "T_url_value_preprocessor", bound=URLValuePreprocessorCallable
)
T_url_defaults = TypeVar("T_url_defaults", bound=URLDefaultCallable)
T_shell_context_processor = TypeVar(
    "T_shell_context_processor", bound=ShellContextProcessorCallable
)
T_template_filter = TypeVar("T_template_filter", bound=TemplateFilterCallable)
T_template_test = TypeVar("T_template_test", bound=TemplateTestCallable)
T_template_global = TypeVar("T_template_global", bound=TemplateGlobalCallable)
