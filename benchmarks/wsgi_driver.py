"""Calling a WSGI app in-process, the way a server does, and telling
whether two frameworks answered a request alike.

The same driver serves every app of :mod:`benchmarks.run`, so whatever it
costs is the same for each and cancels out of the ratios. Flask-free (the
test suite imports it; the real ``flask`` must not load next to the
compatibility alias).
"""

from __future__ import annotations

import gc
import io
import json
import statistics
import time
import typing as t
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from werkzeug.test import EnvironBuilder

from .spread import slices

if t.TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

__all__ = [
    "Call",
    "Prepared",
    "Reply",
    "answer_problems",
    "build_environ",
    "call_once",
    "prepare",
    "time_apps",
    "time_round",
]


@dataclass(frozen=True)
class Call:
    """The request a scenario sends.

    :param method: the HTTP method.
    :param path: the URL path.
    :param body: the request body.
    :param content_type: the body's ``Content-Type``.
    """

    method: str = "GET"
    path: str = "/"
    body: bytes = b""
    content_type: str | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Reply:
    """What a WSGI app sent back for one request."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of the header ``name``, if sent."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


# -- Calling --------------------------------------------------------------------

#: An app, the environ of its request (each request gets a copy), and the
#: request body (each request gets a new ``wsgi.input`` over it).
Prepared = tuple["WSGIApplication", "WSGIEnvironment", bytes]


def _ignore_start_response(
    status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
) -> Callable[[bytes], object]:
    """A ``start_response`` that keeps nothing, so it costs every app alike."""
    return _ignore_write


def _ignore_write(data: bytes) -> None:
    """The ``write`` callable of :func:`_ignore_start_response`."""


def build_environ(call: Call, headers: dict[str, str] | None = None) -> WSGIEnvironment:
    """The environ of ``call``, built once per scenario.

    :param call: the request.
    :param headers: request headers to send, e.g. ``Cookie``.
    """
    builder = EnvironBuilder(
        path=call.path,
        method=call.method,
        headers=list((headers or {}).items()),
        data=call.body or None,
        content_type=call.content_type,
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def prepare(app: WSGIApplication, call: Call) -> Prepared:
    """``app`` with the environ and body of ``call``.

    :param app: the WSGI app.
    :param call: the request it will get.
    """
    return app, build_environ(call), call.body


def _finish(body: Iterable[bytes]) -> bytes:
    """Consume a WSGI body and close it, as a server must.

    :param body: the iterable a WSGI app returned.
    """
    try:
        return b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def call_once(
    app: WSGIApplication, environ: WSGIEnvironment, body: bytes = b""
) -> Reply:
    """Send one request and record the whole reply, for the sanity check.

    :param app: the WSGI app.
    :param environ: the prebuilt environ; a copy is sent.
    :param body: the request body.
    """
    sent: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> Callable[[bytes], object]:
        sent.append((status, headers))
        return _ignore_write

    environ = dict(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    answer = _finish(app(environ, start_response))
    status, headers = sent[-1]
    return Reply(status, tuple(headers), answer)


def _media_type(reply: Reply) -> str:
    return (reply.header("Content-Type") or "").partition(";")[0].strip().lower()


def answer_problems(
    reply: Reply, flask_reply: Reply, compare: str, headers: Sequence[str] = ()
) -> list[str]:
    """How another framework's reply differs from Flask's where it counts:
    the status, the media type, the body as ``compare`` says, and the
    ``headers``.

    :param reply: the peer's reply.
    :param flask_reply: Flask's reply to the same request.
    :param compare: ``"body"`` (byte for byte), ``"json"`` (as parsed
        documents) or ``"status"`` (the status alone).
    :param headers: response headers that must be Flask's.
    """
    problems: list[str] = []
    if reply.status.split()[0] != flask_reply.status.split()[0]:
        problems.append(f"status {reply.status!r}, Flask {flask_reply.status!r}")
    if compare != "status" and _media_type(reply) != _media_type(flask_reply):
        problems.append(
            f"media type {_media_type(reply)!r}, Flask {_media_type(flask_reply)!r}"
        )
    if compare == "body" and reply.body != flask_reply.body:
        problems.append(f"body {reply.body[:200]!r}, Flask {flask_reply.body[:200]!r}")
    if compare == "json":
        try:
            same = json.loads(reply.body) == json.loads(flask_reply.body)
        except ValueError:
            same = False
        if not same:
            problems.append(
                f"JSON {reply.body[:200]!r}, Flask {flask_reply.body[:200]!r}"
            )
    for name in headers:
        if reply.header(name) != flask_reply.header(name):
            problems.append(
                f"header {name} {reply.header(name)!r}, Flask"
                f" {flask_reply.header(name)!r}"
            )
    return problems


# -- Timing --------------------------------------------------------------------


def time_round(
    app: WSGIApplication, environ: WSGIEnvironment, body: bytes, number: int
) -> float:
    """Send ``number`` requests and return the mean nanoseconds per request.

    The loop is inlined rather than calling :func:`_finish` so the harness
    adds as little as possible to every side; GC is off so a collection
    triggered by one app's garbage is not billed to another.

    :param app: the WSGI app.
    :param environ: the prebuilt environ; each request gets a copy.
    :param body: the request body; each request with one gets a new
        ``wsgi.input`` over it (the same cost for every app).
    :param number: how many requests to send.
    """
    start_response = _ignore_start_response
    copy = environ.copy
    stream = io.BytesIO
    gc.disable()
    try:
        start = time.perf_counter_ns()
        if body:
            for _ in range(number):
                request = copy()
                request["wsgi.input"] = stream(body)
                answer = app(request, start_response)
                for _chunk in answer:
                    pass
                close = getattr(answer, "close", None)
                if close is not None:
                    close()
        else:
            for _ in range(number):
                answer = app(copy(), start_response)
                for _chunk in answer:
                    pass
                close = getattr(answer, "close", None)
                if close is not None:
                    close()
        elapsed = time.perf_counter_ns() - start
    finally:
        gc.enable()
    return elapsed / number


def time_apps(
    apps: dict[str, Prepared], rounds: int, number: int, parts: int = 20
) -> dict[str, list[float]]:
    """Time several apps in interleaved rounds; return each one's round
    means, in nanoseconds per request.

    Each round is cut into ``parts`` slices and the apps take turns slice
    by slice (ABAB..., not AAAA then BBBB): a round of each app then spans
    the same stretch of time, so a burst of load on a shared machine falls
    on all of them, and the round's ratio of two apps stays fair. Which app
    goes first rotates every slice, so none always runs on the caches or
    CPU frequency another left behind.

    A round's figure for an app is the median of its slices' means: a
    slice the scheduler interrupted (another process took the core for a
    few milliseconds) is an outlier among the slices, not a twentieth of
    the round's time. A slice should still hold some tens of requests:
    after a switch an app starts on caches another app filled, and over a
    few requests that costs the fast app a larger share of its time than
    the slow one (hooks, framework/Falcon: about 2.1 with slices of 8 of
    Falcon's requests, 2.8 with 50, as with whole rounds).

    :param apps: each app and its request, by name.
    :param rounds: how many rounds each app runs.
    :param number: how many requests make one round.
    :param parts: how many slices make one round.
    """
    timings: dict[str, list[float]] = {name: [] for name in apps}
    order = list(apps)
    # Warm every app up (first-request setup, lazy imports) off the clock.
    for name in order:
        time_round(*apps[name], max(1, number // 10))
    sizes = slices(number, parts)
    for _ in range(rounds):
        means: dict[str, list[float]] = {name: [] for name in order}
        for size in sizes:
            for name in order:
                means[name].append(time_round(*apps[name], size))
            order.append(order.pop(0))
        for name, values in means.items():
            timings[name].append(statistics.median(values))
    return timings
