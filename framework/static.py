"""Sending files: static files, downloads, conditional and range requests.

Layer 2. Thin, app-aware wrappers over werkzeug's ``send_file`` and
``send_from_directory``, which already implement ETags, ``Last-Modified``,
``304``, range requests (``206``/``416``) and RFC 5987 download names. What
is added here: the app's response class, ``USE_X_SENDFILE`` and
``SEND_FILE_MAX_AGE_DEFAULT``, and path checks that refuse every way out of
a directory with a 404.
"""

from __future__ import annotations

import os
import typing as t

from werkzeug.exceptions import NotFound
from werkzeug.utils import send_file as _werkzeug_send_file
from werkzeug.utils import send_from_directory as _werkzeug_send_from_directory

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

    from .app import App
    from .wrappers import Response

__all__ = ["send_file", "send_from_directory"]


def _send_kwargs(app: App, kwargs: dict[str, t.Any]) -> dict[str, t.Any]:
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = app.get_send_file_max_age
    kwargs.update(
        use_x_sendfile=app.config["USE_X_SENDFILE"],
        response_class=app.response_class,
        _root_path=app.root_path,
    )
    return kwargs


def send_file(
    app: App,
    environ: WSGIEnvironment,
    path_or_file: os.PathLike[str] | str | t.IO[bytes],
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: t.Any = None,
    max_age: int | t.Callable[[str | None], int | None] | None = None,
) -> Response:
    """Send a file or file-like object as the response to the request in
    ``environ``; see :func:`framework.send_file` for the arguments."""
    return t.cast(
        "Response",
        _werkzeug_send_file(
            path_or_file,
            environ,
            **_send_kwargs(
                app,
                {
                    "mimetype": mimetype,
                    "as_attachment": as_attachment,
                    "download_name": download_name,
                    "conditional": conditional,
                    "etag": etag,
                    "last_modified": last_modified,
                    "max_age": max_age,
                },
            ),
        ),
    )


def send_from_directory(
    app: App,
    environ: WSGIEnvironment,
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    **kwargs: t.Any,
) -> Response:
    """Send the file at ``path`` inside ``directory``. A path that would
    leave the directory, or names no file, is a 404.

    :raises werkzeug.exceptions.NotFound: for every unsafe or missing path.
    """
    path = os.fspath(path)
    if "\x00" in path:
        raise NotFound()
    return t.cast(
        "Response",
        _werkzeug_send_from_directory(
            directory, path, environ, **_send_kwargs(app, kwargs)
        ),
    )
