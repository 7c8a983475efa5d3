"""The access log :func:`framework.serving.serve` writes under waitress,
which has none of its own: a line per response on standard output, in
gunicorn's default format (the common log format with referrer and user
agent)."""

from __future__ import annotations

import sys
import time
import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["with_access_log"]


def with_access_log(app: WSGIApplication) -> WSGIApplication:
    """``app``, writing a line per response to standard output.

    :param app: the WSGI application to log.
    """

    def logged(environ: WSGIEnvironment, start_response: StartResponse) -> t.Any:
        def log_and_start(
            status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
        ) -> t.Any:
            length = next((v for k, v in headers if k.lower() == "content-length"), "-")
            target = environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
            if "REQUEST_URI" not in environ and environ.get("QUERY_STRING"):
                target += f"?{environ['QUERY_STRING']}"
            request_line = (
                f"{environ.get('REQUEST_METHOD', '')} {target}"
                f" {environ.get('SERVER_PROTOCOL', '')}"
            )
            fields = (
                _escape(environ.get("REMOTE_ADDR") or "-"),
                time.strftime("[%d/%b/%Y:%H:%M:%S %z]"),
                _escape(request_line),
                status.split(" ", 1)[0],
                length,
                _escape(environ.get("HTTP_REFERER", "-")),
                _escape(environ.get("HTTP_USER_AGENT", "-")),
            )
            sys.stdout.write('{} - - {} "{}" {} {} "{}" "{}"\n'.format(*fields))
            sys.stdout.flush()
            return start_response(status, headers, exc_info)

        return app(environ, log_and_start)

    # framework.lifespan finds the app's serving hooks through it.
    logged.__wrapped__ = app  # type: ignore[attr-defined]
    return logged


def _escape(text: str) -> str:
    """``text`` safe inside a quoted log field: a client must not be able to
    forge a log line with a newline, or end the field with a quote."""
    escaped = []
    for c in text:
        if c in '"\\':
            escaped.append(f"\\{c}")
        elif c.isprintable():
            escaped.append(c)
        else:
            escaped.append(c.encode("unicode_escape").decode("ascii"))
    return "".join(escaped)
