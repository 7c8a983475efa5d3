"""What every server :func:`framework.serving.serve` runs needs from the
operating system and the operator: room for its connections, and the
limits it is given.

Kept apart from the server modules so that each can use them without
importing another server.
"""

from __future__ import annotations

import typing as t

import attrs

__all__ = ["AsyncLimits", "fit_open_files"]

#: Descriptors a connection may hold: see :func:`fit_open_files`.
_PER_CONNECTION = 3

#: Descriptors the process keeps besides its connections: the listening
#: socket, the wake-up pipe, logs, files the app opens.
_SPARE_DESCRIPTORS = 64


@attrs.frozen
class AsyncLimits:
    """The limits of an ASGI server (uvicorn, hypercorn, granian): what each
    does with them is in its module's description.

    :param connection_limit: how many connections or requests at once, in
        the server's own sense; ``None``: no limit of ours.
    :param header_timeout: seconds a request may take from its first byte
        to the end of its headers.
    :param idle_timeout: seconds a connection may stay silent before its
        first request and between requests.
    :param graceful_timeout: seconds requests in flight get to finish after
        ``SIGTERM`` or ``SIGINT``.
    :param access_log: whether the server writes a line per request.
    """

    connection_limit: int | None = 1000
    header_timeout: float = 10.0
    idle_timeout: float = 30.0
    graceful_timeout: float = 30.0
    access_log: bool = False


def fit_open_files(connections: int) -> int:
    """Raise this process's soft limit of open files, up to its hard limit,
    so that ``connections`` connections (three descriptors each at most:
    the socket and two spilled buffers) fit beside the descriptors it keeps
    for itself; return how many connections fit in the end.

    :param connections: the connection limit wanted.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: no such limit to raise
        return connections
    # A connection may hold up to three descriptors: its socket, and the
    # temporary files waitress spills a large body and a large answer to.
    wanted = _PER_CONNECTION * connections + _SPARE_DESCRIPTORS
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return connections
    return max(1, min(connections, (soft - _SPARE_DESCRIPTORS) // _PER_CONNECTION))


def websocket_max_size(asgi_app: t.Any) -> int | None:
    """The app's ``WEBSOCKET_MAX_MESSAGE_SIZE``, for the server to enforce
    too: it then refuses a larger message as it arrives, before holding it
    all in memory (the app's own check sees only whole messages). ``None``
    for an ASGI app that is not this framework's, or no limit.

    :param asgi_app: what the server serves (``app.asgi``).
    """
    app = getattr(asgi_app, "app", None)
    config = getattr(app, "config", None)
    if not isinstance(config, dict):
        return None
    limit = config.get("WEBSOCKET_MAX_MESSAGE_SIZE")
    return limit if isinstance(limit, int) and limit > 0 else None
