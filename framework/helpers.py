"""Functions views call: URLs, aborts, redirects, responses, streaming.

Layer 4. Each works through ``current_app``, so that an app's overrides
(``url_for``, ``redirect``, ``aborter``, ``make_response``) apply.
"""

from __future__ import annotations

import functools
import os
import typing as t
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import AnyStr

from werkzeug.exceptions import abort as _werkzeug_abort
from werkzeug.utils import redirect as _werkzeug_redirect

from . import static
from .ctx import _active_request_context, _cv_context, keep_context, keep_context_async
from .flashing import flash as flash
from .flashing import get_flashed_messages as get_flashed_messages
from .globals import current_app
from .wrappers import check_redirect_target

if t.TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Response as BaseResponse

    from .app import App
    from .wrappers import Response

__all__ = [
    "abort",
    "flash",
    "get_flashed_messages",
    "get_template_attribute",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]


def url_for(
    endpoint: str,
    *,
    _external: bool | None = None,
    _scheme: str | None = None,
    _method: str | None = None,
    _anchor: str | None = None,
    **values: t.Any,
) -> str:
    """Build the URL of ``endpoint`` with ``values`` for its arguments;
    unknown values become the query string.

    :param endpoint: the endpoint; ``".name"`` is relative to the current
        blueprint.
    :param _external: an absolute URL with scheme and host; the default
        inside a request is a path, outside a request an absolute URL.
    :param _scheme: the scheme of an external URL.
    :param _method: prefer the rule for this method.
    :param _anchor: appended as ``#anchor``.
    """
    return current_app.url_for(
        endpoint,
        _external=_external,
        _scheme=_scheme,
        _method=_method,
        _anchor=_anchor,
        **values,
    )


def abort(code: int | BaseResponse, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Raise the HTTP error for ``code`` (or abort with a response)."""
    ctx = _cv_context.get(None)
    if ctx is not None:
        # Contexts are typed with the lower layers' AppLike; an App pushed
        # this one, and the abort and redirect makers are App's alone.
        t.cast("App", ctx.app).aborter(code, *args, **kwargs)
    _werkzeug_abort(code, *args, **kwargs)


def redirect(
    location: str, code: int = 302, Response: type[BaseResponse] | None = None
) -> BaseResponse:
    """A redirect response to ``location`` (302 by default), of the current
    app's response class.

    :raises werkzeug.exceptions.BadRequest: ``location`` holds a control
        character, such as CR or LF (see :func:`.check_redirect_target`).
    """
    if Response is None:
        ctx = _cv_context.get(None)
        if ctx is not None:
            return t.cast("App", ctx.app).redirect(location, code)
    return _werkzeug_redirect(check_redirect_target(location), code, Response=Response)


def make_response(*args: t.Any) -> Response:
    """Turn a view's return value into a response object, to change it
    before returning it: ``make_response(body, 201, headers)``. With no
    arguments, an empty response."""
    match args:
        case ():
            return current_app.response_class()
        case (only,):
            return current_app.make_response(only)
    return current_app.make_response(args)


@t.overload
def stream_with_context(
    generator_or_function: Iterator[AnyStr],
) -> Iterator[AnyStr]: ...
@t.overload
def stream_with_context(
    generator_or_function: AsyncIterator[AnyStr],
) -> AsyncIterator[AnyStr]: ...
@t.overload
def stream_with_context(
    generator_or_function: Callable[..., Iterator[AnyStr]],
) -> Callable[..., Iterator[AnyStr]]: ...
@t.overload
def stream_with_context(
    generator_or_function: Callable[..., AsyncIterator[AnyStr]],
) -> Callable[..., AsyncIterator[AnyStr]]: ...
def stream_with_context(
    generator_or_function: Iterator[AnyStr]
    | AsyncIterator[AnyStr]
    | Callable[..., Iterator[AnyStr]]
    | Callable[..., AsyncIterator[AnyStr]],
) -> (
    Iterator[AnyStr]
    | AsyncIterator[AnyStr]
    | Callable[..., Iterator[AnyStr]]
    | Callable[..., AsyncIterator[AnyStr]]
):
    """Make the request context active again while a streamed response body
    is generated, after the view returned. Use on a generator, or as a
    decorator on a generator function; async generators too (which Flask
    does not stream at all).

    As in Flask, the request's teardown callbacks run when the view's
    request ends and once more when the stream ends."""
    if callable(generator_or_function) and not (
        hasattr(generator_or_function, "__next__")
        or hasattr(generator_or_function, "__anext__")
    ):
        function = generator_or_function

        @functools.wraps(function)
        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return stream_with_context(function(*args, **kwargs))

        return decorator

    ctx = _active_request_context(
        "stream_with_context() needs an active request: call it inside"
        " the view that returns the stream."
    )
    if hasattr(generator_or_function, "__anext__"):
        return keep_context_async(
            ctx, t.cast(AsyncIterator[AnyStr], generator_or_function)
        )
    return keep_context(ctx, t.cast(Iterator[AnyStr], generator_or_function))


_SEND_OUTSIDE_REQUEST = "Sending a file answers a request: call it inside a view."


def send_file(
    path_or_file: os.PathLike[str] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: datetime | int | float | None = None,
    max_age: int | t.Callable[[str | None], int | None] | None = None,
) -> Response:
    """Send a file as the response to the current request.

    :param path_or_file: a path (relative paths are resolved against the
        app's root path) or a binary file object.
    :param mimetype: guessed from the file name when ``None``.
    :param as_attachment: ask the browser to download rather than show it.
    :param download_name: the name the browser saves the file as; non-ASCII
        names are sent RFC 5987-encoded.
    :param conditional: answer conditional and range requests (``304``,
        ``206``, ``416``).
    :param etag: compute an ETag (``True``), use this one (a string), or
        none (``False``).
    :param last_modified: the ``Last-Modified`` time; the file's when
        ``None``.
    :param max_age: seconds browsers may cache the file; defaults to
        :meth:`App.get_send_file_max_age`.
    """
    ctx = _active_request_context(_SEND_OUTSIDE_REQUEST)
    # static.send_file takes the same options in the same order, after the
    # app and the environ this helper finds in the request context.
    return static.send_file(
        ctx.app,
        ctx.request.environ,
        path_or_file,
        mimetype,
        as_attachment,
        download_name,
        conditional,
        etag,
        last_modified,
        max_age,
    )


def send_from_directory(
    directory: os.PathLike[str] | str, path: os.PathLike[str] | str, **kwargs: t.Any
) -> Response:
    """Send the file ``path`` from inside ``directory``, typically with
    ``path`` taken from the URL. Any path that would leave ``directory``, or
    that names no file, is a 404. Other arguments are those of
    :func:`send_file`."""
    ctx = _active_request_context(_SEND_OUTSIDE_REQUEST)
    return static.send_from_directory(
        ctx.app, ctx.request.environ, directory, path, **kwargs
    )


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """An attribute of a template's module, such as a macro, to call from
    Python: ``get_template_attribute("_macros.html", "hello")("World")``."""
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


# Flask keeps these two in flask.helpers, where ported code imports them
# from; they live in framework.config (layer 1) so that the command line can
# share them.
from .config import get_debug_flag as get_debug_flag  # noqa: E402
from .config import get_load_dotenv as get_load_dotenv  # noqa: E402

__all__ += ["get_debug_flag", "get_load_dotenv"]
