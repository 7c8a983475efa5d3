"""ASGI scopes as a server builds them, for tests that call ``app.asgi``
directly: one HTTP request, or one WebSocket connection, from 127.0.0.1 to
``testserver``."""

from __future__ import annotations

import typing as t

Message = dict[str, t.Any]


def http_scope(
    path: str = "/",
    method: str = "GET",
    headers: t.Sequence[tuple[bytes, bytes]] = (),
    query: bytes = b"",
) -> Message:
    """The scope of one HTTP/1.1 request; a ``Host`` header comes first.

    :param path: the request path.
    :param method: the request method.
    :param headers: more headers, as byte pairs.
    :param query: the raw query string.
    """
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


def websocket_scope(path: str = "/") -> Message:
    """The scope of one WebSocket connection that offers no subprotocol and
    no extension (not even the denial response).

    :param path: the path connected to.
    """
    scope = http_scope(path)
    del scope["method"]
    scope.update(type="websocket", scheme="ws", subprotocols=[])
    return scope
