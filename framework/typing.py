"""Type aliases for the callables and values users hand to the framework.

Layer 0: imports nothing from the rest of the package at run time. The names
match Flask's ``flask.typing`` so that annotated code ports unchanged.
"""

from __future__ import annotations

import collections.abc as cabc
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.datastructures import Headers
    from werkzeug.sansio.response import Response as SansioResponse

#: A body a view may return: text, bytes, JSON-able containers or a stream.
ResponseValue = t.Union[
    "SansioResponse",
    str,
    bytes,
    list[t.Any],
    cabc.Mapping[str, t.Any],
    cabc.Iterator[str],
    cabc.Iterator[bytes],
    cabc.AsyncIterable[str],
    cabc.AsyncIterable[bytes],
]

#: One header value, or several for a repeated header.
HeaderValue = t.Union[str, list[str], tuple[str, ...]]

#: Headers in any form ``Response(headers=...)`` accepts.
HeadersValue = t.Union[
    "Headers",
    cabc.Mapping[str, HeaderValue],
    cabc.Sequence[tuple[str, HeaderValue]],
]

#: Everything a view, hook or error handler may return.
ResponseReturnValue = t.Union[
    ResponseValue,
    tuple[ResponseValue, HeadersValue],
    tuple[ResponseValue, int],
    tuple[ResponseValue, int, HeadersValue],
    "WSGIApplication",
]

#: A response class or subclass, used for ``after_request`` signatures.
ResponseClass = t.TypeVar("ResponseClass", bound="SansioResponse")

AppOrBlueprintKey = t.Optional[str]
AfterRequestCallable = t.Union[
    t.Callable[[ResponseClass], ResponseClass],
    t.Callable[[ResponseClass], t.Awaitable[ResponseClass]],
]
BeforeFirstRequestCallable = t.Union[
    t.Callable[[], None], t.Callable[[], t.Awaitable[None]]
]
BeforeRequestCallable = t.Union[
    t.Callable[[], ResponseReturnValue | None],
    t.Callable[[], t.Awaitable[ResponseReturnValue | None]],
]
ShellContextProcessorCallable = t.Callable[[], dict[str, t.Any]]
TeardownCallable = t.Union[
    t.Callable[[BaseException | None], None],
    t.Callable[[BaseException | None], t.Awaitable[None]],
]
TemplateContextProcessorCallable = t.Union[
    t.Callable[[], dict[str, t.Any]],
    t.Callable[[], t.Awaitable[dict[str, t.Any]]],
]
TemplateFilterCallable = t.Callable[..., t.Any]
TemplateGlobalCallable = t.Callable[..., t.Any]
TemplateTestCallable = t.Callable[..., bool]
URLDefaultCallable = t.Callable[[str, dict[str, t.Any]], None]
URLValuePreprocessorCallable = t.Callable[[str | None, dict[str, t.Any] | None], None]

#: An error handler takes the exception it handles. ``t.Any`` for the
#: argument because a handler for ``404`` receives ``NotFound`` and a handler
#: for ``KeyError`` receives ``KeyError``; the checker can't relate the two.
ErrorHandlerCallable = t.Union[
    t.Callable[[t.Any], ResponseReturnValue],
    t.Callable[[t.Any], t.Awaitable[ResponseReturnValue]],
]

RouteCallable = t.Union[
    t.Callable[..., ResponseReturnValue],
    t.Callable[..., t.Awaitable[ResponseReturnValue]],
]

#: A handler for ``BuildError`` in ``url_for``: returns a URL or ``None``.
URLBuildErrorHandler = t.Callable[[Exception, str, dict[str, t.Any]], str | None]
