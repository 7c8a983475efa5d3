"""Sending files: static files, downloads, conditional and range requests.

Layer 2. App-aware wrappers over werkzeug's ``send_file``, which already
implements ETags, ``Last-Modified``, ``304``, range requests (``206``/``416``)
and RFC 5987 download names. What is added here: the app's response class,
``USE_X_SENDFILE`` and ``SEND_FILE_MAX_AGE_DEFAULT``, and
:func:`safe_file_path`, stricter than werkzeug's ``send_from_directory``:
every way out of a directory, and every name that is not a portable file
name, is a 404 on every platform.
"""

from __future__ import annotations

import os
import typing as t

from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join
from werkzeug.utils import send_file as _werkzeug_send_file

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

    from .interfaces import AppLike
    from .wrappers import Response

__all__ = ["safe_file_path", "send_file", "send_from_directory"]


def _send_kwargs(app: AppLike, kwargs: dict[str, t.Any]) -> dict[str, t.Any]:
    if kwargs.get("max_age") is None:
        kwargs["max_age"] = app.get_send_file_max_age
    kwargs.update(
        use_x_sendfile=app.config["USE_X_SENDFILE"],
        response_class=app.response_class,
        _root_path=app.root_path,
    )
    return kwargs


def send_file(
    app: AppLike,
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


#: Names Windows reserves for devices, in any folder and with any extension:
#: opening ``NUL.txt`` there opens the device, and reading ``CON`` hangs.
#: The superscript digits count too (``COM¹``).
_WINDOWS_DEVICE_NAMES = frozenset(
    {
        "AUX",
        "CON",
        "CONIN$",
        "CONOUT$",
        "NUL",
        "PRN",
        *(f"COM{digit}" for digit in "123456789\u00b9\u00b2\u00b3"),
        *(f"LPT{digit}" for digit in "123456789\u00b9\u00b2\u00b3"),
    }
)


def _is_device_name(segment: str) -> bool:
    # Windows ignores the case, an extension (after a dot), a stream (after
    # a colon) and surrounding spaces: "con .txt" and "Nul:" are devices.
    stem = segment.partition(":")[0].partition(".")[0].strip()
    return stem.upper() in _WINDOWS_DEVICE_NAMES


def safe_file_path(directory: str, path: str) -> str:
    """Check the untrusted ``path`` against the trusted ``directory`` and
    return ``directory`` joined with the normalized ``path``. Symlinks are
    left in the returned path, so the file keeps the name (and the MIME
    type) it was asked by.

    Refused with :exc:`~werkzeug.exceptions.NotFound`, on every platform:

    - text that can't be a file name: a NUL byte, a lone surrogate;
    - a backslash: a separator on Windows but a legal character on POSIX,
      so the same URL would name different files on different servers; URL
      paths separate with ``/`` only;
    - a Windows device name (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM1``-
      ``COM9``, ``LPT1``-``LPT9``) as any segment, in any case, with or
      without an extension: on Windows it opens the device, not a file;
    - an absolute path, or ``..`` leaving the directory
      (:func:`werkzeug.security.safe_join`);
    - a directory, a missing file, or a path the OS rejects (too long).

    Symlinks inside the directory are followed wherever they point, as in
    Flask: the checks are on the URL path, and a link placed in the folder
    (``static/lib -> ../node_modules/lib``) is the app's own choice to
    publish its target.

    Percent-decoding is done before: ``%2e%2e`` arrives as ``..`` (refused)
    and a double-encoded ``%252e`` as a literal ``%2e``, a name like any
    other (usually missing).
    """
    if "\x00" in path or "\\" in path:
        raise NotFound()
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise NotFound() from None
    if any(_is_device_name(segment) for segment in path.split("/")):
        raise NotFound()
    joined = safe_join(directory, path)
    if joined is None:
        raise NotFound()
    try:
        is_file = os.path.isfile(joined)
    except (OSError, ValueError):  # too long...
        raise NotFound() from None
    if not is_file:
        raise NotFound()
    return joined


def send_from_directory(
    app: AppLike,
    environ: WSGIEnvironment,
    directory: os.PathLike[str] | str,
    path: os.PathLike[str] | str,
    **kwargs: t.Any,
) -> Response:
    """Send the file at ``path`` inside ``directory`` (relative to the app's
    root path when relative). Every unsafe path, and every path that names
    no regular file, is a 404: see :func:`safe_file_path`. Other arguments
    are those of :func:`send_file`.

    :raises werkzeug.exceptions.NotFound: for every unsafe or missing path.
    """
    directory = os.path.join(app.root_path, os.fspath(directory))
    file_path = safe_file_path(directory, os.fspath(path))
    return send_file(app, environ, file_path, **kwargs)
