"""benchmarks/asgi_driver.py: the in-process ASGI driver every app of the
ASGI benchmarks is called by, tried on small hand-written ASGI apps."""

from __future__ import annotations

import asyncio
import typing as t

import pytest

from benchmarks.asgi_driver import (
    Exchange,
    Lifespan,
    Reply,
    Request,
    call_once,
    time_round,
)

Message = t.MutableMapping[str, t.Any]


async def echo_app(scope: Message, receive: t.Any, send: t.Any) -> None:
    """Answers with the method, path and body it got, in two body chunks."""
    message = await receive()
    assert message["type"] == "http.request"
    await send(
        {
            "type": "http.response.start",
            "status": 201,
            "headers": [(b"x-path", scope["path"].encode())],
        }
    )
    await send(
        {
            "type": "http.response.body",
            "body": scope["method"].encode() + b" ",
            "more_body": True,
        }
    )
    await send({"type": "http.response.body", "body": message["body"]})


def test_request_scope_is_an_http_scope_with_a_content_length() -> None:
    request = Request("POST", "/a", b"xyz", (("Content-Type", "text/plain"),))
    scope = request.scope()
    assert scope["type"] == "http"
    assert scope["method"] == "POST"
    assert scope["path"] == "/a"
    assert scope["raw_path"] == b"/a"
    assert scope["headers"] == [
        (b"host", b"localhost"),
        (b"content-type", b"text/plain"),
        (b"content-length", b"3"),
    ]
    assert "state" not in scope
    assert request.message() == {
        "type": "http.request",
        "body": b"xyz",
        "more_body": False,
    }


def test_a_get_has_no_content_length() -> None:
    assert Request().scope()["headers"] == [(b"host", b"localhost")]


def test_the_query_string_goes_into_the_scope_apart_from_the_path() -> None:
    scope = Request(path="/orders", query="limit=5&tag=a&tag=b").scope()
    assert scope["path"] == "/orders"
    assert scope["raw_path"] == b"/orders"
    assert scope["query_string"] == b"limit=5&tag=a&tag=b"
    assert Request().scope()["query_string"] == b""


def test_call_once_collects_status_headers_and_every_body_chunk() -> None:
    reply = asyncio.run(call_once(echo_app, Request("PUT", "/p", b"data")))
    assert reply == Reply(201, (("x-path", "/p"),), b"PUT data")
    assert reply.header("X-Path") == "/p"
    assert reply.header("missing") is None


def test_call_once_fails_on_an_app_that_never_finishes_its_response() -> None:
    async def unfinished(scope: Message, receive: t.Any, send: t.Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"a", "more_body": True})

    with pytest.raises(AssertionError, match="not completed"):
        asyncio.run(call_once(unfinished, Request()))


def test_receive_reports_a_disconnect_only_once_the_response_is_complete() -> None:
    """A reader that keeps calling ``receive`` (as Quart's does) gets the
    body, then waits; the disconnect comes after the last body message."""
    events: list[str] = []

    async def watching(scope: Message, receive: t.Any, send: t.Any) -> None:
        async def reader() -> None:
            events.append((await receive())["type"])
            events.append((await receive())["type"])

        task = asyncio.ensure_future(reader())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        events.append("start")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(0)
        events.append("body")
        await send({"type": "http.response.body", "body": b""})
        await task

    asyncio.run(call_once(watching, Request()))
    assert events == ["http.request", "start", "body", "http.disconnect"]


def test_receive_after_the_response_reports_a_disconnect_at_once() -> None:
    async def late_reader(scope: Message, receive: t.Any, send: t.Any) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})
        assert (await receive())["type"] == "http.disconnect"

    assert asyncio.run(call_once(late_reader, Request())).body == b"done"


def test_exchange_hands_over_the_same_request_message_once() -> None:
    message: Message = {"type": "http.request", "body": b"", "more_body": False}
    exchange = Exchange(message)

    async def first_two() -> tuple[Message, Message]:
        first = await exchange.receive()
        await exchange.send({"type": "http.response.body", "body": b""})
        return first, await exchange.receive()

    first, second = asyncio.run(first_two())
    assert first is message
    assert second == {"type": "http.disconnect"}


def test_time_round_calls_the_app_once_per_request_with_a_fresh_scope() -> None:
    seen: list[int] = []

    async def counting(scope: Message, receive: t.Any, send: t.Any) -> None:
        seen.append(scope.setdefault("calls", 0))
        scope["calls"] += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    request = Request()
    mean_ns = asyncio.run(time_round(counting, request.scope(), request.message(), 7))
    assert seen == [0] * 7
    assert mean_ns > 0


class LifespanApp:
    """An app that answers the lifespan protocol as told."""

    def __init__(self, startup: str = "lifespan.startup.complete") -> None:
        self.startup = startup
        self.events: list[str] = []

    async def __call__(self, scope: Message, receive: t.Any, send: t.Any) -> None:
        assert scope["type"] == "lifespan"
        while True:
            message = await receive()
            self.events.append(message["type"])
            if message["type"] == "lifespan.startup":
                await send({"type": self.startup, "message": "no database"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return


def test_lifespan_runs_startup_then_shutdown() -> None:
    app = LifespanApp()

    async def both() -> bool:
        lifespan = Lifespan(app)
        await lifespan.startup()
        await lifespan.shutdown()
        return lifespan.supported

    assert asyncio.run(both()) is True
    assert app.events == ["lifespan.startup", "lifespan.shutdown"]


def test_an_app_that_raises_on_lifespan_does_not_support_it() -> None:
    async def http_only(scope: Message, receive: t.Any, send: t.Any) -> None:
        raise ValueError("only http")

    async def both() -> bool:
        lifespan = Lifespan(http_only)
        await lifespan.startup()
        await lifespan.shutdown()
        return lifespan.supported

    assert asyncio.run(both()) is False


def test_a_failed_startup_is_an_error() -> None:
    async def start() -> None:
        await Lifespan(LifespanApp("lifespan.startup.failed")).startup()

    with pytest.raises(RuntimeError, match="startup failed"):
        asyncio.run(start())
