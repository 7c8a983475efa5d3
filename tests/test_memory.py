"""No per-request object outlives its request: the request, the response,
the request context, ``g``, the WSGI environ and the ASGI scope are all
gone once the answer was read and the garbage collector has run, under
WSGI and under ASGI (the ``transport`` fixture), for a plain view, a view
that writes the session, a streamed response, a 404 and a 500.

The view notes each object without keeping it: a weak reference where the
type allows one; for the contexts and ``g``, whose classes have
``__slots__`` without ``__weakref__``, their identity and type, looked for
among the objects the collector tracks. The environ and the scope are
dicts, which take no weak reference: a marker object put in each stands
for it (the marker lives exactly as long as the dict holding it).
"""

from __future__ import annotations

import gc
import typing as t
import weakref
from collections.abc import Callable, Iterator

import pytest

from framework import App, abort, g, request, session, stream_with_context
from framework.ctx import _cv_context
from framework.wrappers import Response

pytestmark = pytest.mark.usefixtures("transport")

#: A check whether one noted object is still alive: it returns it, or None.
Finder = Callable[[], object | None]


class Marker:
    """Stands for a dict (the environ, the scope) that takes no weak
    reference."""


def track(obj: object) -> Finder:
    """A way to tell later whether ``obj`` is still alive, without keeping
    it alive.

    :param obj: the object to watch.
    """
    try:
        return weakref.ref(obj)
    except TypeError:
        pass
    # No weak reference (a class with __slots__ and no __weakref__): look for
    # an object of the same identity and type among those the collector
    # tracks. Every instance of a Python class holding references is tracked.
    address, kind = id(obj), type(obj)

    def find() -> object | None:
        for candidate in gc.get_objects():
            if id(candidate) == address and type(candidate) is kind:
                return candidate
        return None

    return find


class Noted:
    """The per-request objects of the last request, by name."""

    def __init__(self) -> None:
        self.finders: dict[str, Finder] = {}

    def note(self, name: str, obj: object) -> None:
        self.finders[name] = track(obj)

    def note_request(self) -> None:
        """Note the active request's objects, from inside the request."""
        self.note("context", _cv_context.get())
        self.note("request", request._get_current_object())  # type: ignore[attr-defined]
        self.note("g", g._get_current_object())  # type: ignore[attr-defined]
        environ_marker = Marker()
        request.environ["tests.memory.marker"] = environ_marker
        self.note("environ", environ_marker)
        scope = request.environ.get("asgi.scope")
        if scope is not None:
            scope_marker = Marker()
            scope["tests.memory.marker"] = scope_marker
            self.note("scope", scope_marker)

    def survivors(self, collect: bool = True) -> list[str]:
        """The names of the noted objects still alive after a full
        collection (or, with ``collect=False``, right now).

        :param collect: run the cyclic garbage collector first.
        """
        if collect:
            gc.collect()
        return sorted(name for name, find in self.finders.items() if find() is not None)


@pytest.fixture
def noted() -> Noted:
    return Noted()


@pytest.fixture
def leak_app(noted: Noted) -> App:
    """An app whose every view and error handler notes its request's
    objects, and whose ``after_request`` hook notes the response."""
    app = App("test_memory")
    app.secret_key = "memory test"

    @app.after_request
    def note_response(response: Response) -> Response:
        noted.note("response", response)
        return response

    @app.get("/plain")
    def plain() -> str:
        noted.note_request()
        return "plain"

    @app.get("/session")
    def write_session() -> str:
        noted.note_request()
        session["visits"] = session.get("visits", 0) + 1
        return f"visits {session['visits']}"

    @app.get("/stream")
    def stream() -> Response:
        noted.note_request()

        def chunks() -> Iterator[str]:
            yield "streamed "
            yield request.path

        return app.response_class(stream_with_context(chunks()))

    @app.get("/missing")
    def missing() -> str:
        noted.note_request()
        abort(404)

    @app.get("/broken")
    def broken() -> str:
        noted.note_request()
        raise RuntimeError("the view failed")

    @app.errorhandler(404)
    def not_found(error: Exception) -> tuple[str, int]:
        return "no such page", 404

    return app


#: Each case: the path, the status and body it gets.
CASES = [
    ("/plain", 200, b"plain"),
    ("/session", 200, b"visits 1"),
    ("/stream", 200, b"streamed /stream"),
    ("/missing", 404, b"no such page"),
    ("/broken", 500, None),
]


@pytest.mark.parametrize(("path", "status", "body"), CASES)
def test_nothing_of_a_request_survives_it(
    leak_app: App,
    noted: Noted,
    transport: str,
    caplog: pytest.LogCaptureFixture,
    path: str,
    status: int,
    body: bytes | None,
) -> None:
    client = leak_app.test_client()
    response = client.get(path)
    assert response.status_code == status
    if body is not None:
        assert response.get_data() == body
    response.close()
    del response
    # The 500's log record holds the exception, whose traceback holds the
    # request's frames: by design, a handler may format it later. pytest
    # keeps every record until the test ends; let go of the traceback so
    # that only the app's own references are left to check.
    for record in caplog.records:
        record.exc_info = None
    expected = {"context", "environ", "g", "request", "response"}
    if transport == "asgi":
        expected.add("scope")
    assert set(noted.finders) == expected
    assert noted.survivors() == []


@pytest.mark.parametrize(("path", "status", "body"), CASES)
def test_a_request_is_freed_without_the_cycle_collector(
    leak_app: App,
    noted: Noted,
    transport: str,
    caplog: pytest.LogCaptureFixture,
    path: str,
    status: int,
    body: bytes | None,
) -> None:
    # Freed as soon as the last reference goes: no reference cycle keeps a
    # request (a 500's exception and its traceback included) until the
    # collector happens to run.
    gc.collect()
    gc.disable()
    try:
        response = leak_app.test_client().get(path)
        assert response.status_code == status
        response.close()
        del response
        for record in caplog.records:  # see the test above
            record.exc_info = None
        assert noted.survivors(collect=False) == []
    finally:
        gc.enable()


def test_unhandled_route_404_leaves_nothing(
    leak_app: App, noted: Noted, transport: str
) -> None:
    """A URL no rule matches: the 404 is raised before any view, so the
    request is noted by a before_request hook."""
    leak_app.before_request(noted.note_request)
    response = leak_app.test_client().get("/nowhere")
    assert response.status_code == 404
    response.close()
    del response
    assert "request" in noted.finders
    assert noted.survivors() == []


def test_many_requests_leave_no_more_objects_than_one(
    leak_app: App, transport: str
) -> None:
    """Counting objects by type after 1 and after 200 requests: the per-
    request types do not pile up (a cache that grows per request would)."""
    client = leak_app.test_client()

    def counts() -> dict[str, int]:
        gc.collect()
        names: dict[str, int] = {}
        for obj in gc.get_objects():
            name = type(obj).__qualname__
            names[name] = names.get(name, 0) + 1
        return names

    for path, _, _ in CASES[:4]:
        client.get(path).close()
    before = counts()
    for _ in range(50):
        for path, _, _ in CASES[:4]:
            client.get(path).close()
    after = counts()
    grown = {
        name: after[name] - before.get(name, 0)
        for name in after
        if after[name] - before.get(name, 0) >= 50
    }
    assert grown == {}


@pytest.mark.one_transport
def test_a_kept_request_is_found(noted: Noted) -> None:
    """The check is able to fail: a request kept past its end (here in a
    list; in a leak, by a cache or a global) is reported, and so is its
    context, which has no weak reference."""
    app = App("test_memory_kept")
    kept: list[t.Any] = []

    @app.get("/")
    def index() -> str:
        noted.note_request()
        kept.append(request._get_current_object())  # type: ignore[attr-defined]
        kept.append(_cv_context.get())
        return "kept"

    app.test_client().get("/").close()
    assert noted.survivors() == ["context", "environ", "g", "request"]
    kept.clear()
    assert noted.survivors() == []
