"""contrib/framework_broadcast: groups in one process (the memory backend),
through a real Redis, across two uvicorn processes, and through Redis
stopping and coming back."""

from __future__ import annotations

import asyncio
import functools
import logging
import pathlib
import sys
import textwrap
import threading
import time
import typing as t

import pytest
import redis
from framework_broadcast import (
    Broadcast,
    BroadcastError,
    BroadcastUnavailable,
    MemoryBackend,
    RedisBackend,
    SubscriberTooSlow,
    Subscription,
    create_backend,
)
from processes import free_port
from redis_server import RedisServer
from servers import ServerProcess, server_environment

from framework import App, lifespan

F = t.TypeVar("F", bound=t.Callable[..., t.Coroutine[t.Any, t.Any, None]])

#: The messages of each kind a subscriber must receive as they were sent.
MESSAGES: list[t.Any] = [
    "text, é",
    b"\x00\xffbytes",
    {"user": "ann", "ids": [1, 2], "ok": True, "none": None},
    [1, "two", 3.5],
    42,
    "",
]


def in_loop(f: F) -> t.Callable[..., None]:
    """A test that runs the coroutine function ``f`` in a new event loop."""

    @functools.wraps(f)
    def test(*args: t.Any, **kwargs: t.Any) -> None:
        asyncio.run(f(*args, **kwargs))

    return test


async def receive(subscription: Subscription, timeout: float = 5.0) -> t.Any:
    return await asyncio.wait_for(subscription.receive(), timeout)


async def nothing_arrives(subscription: Subscription, wait: float = 0.2) -> bool:
    try:
        await asyncio.wait_for(subscription.receive(), wait)
    except TimeoutError:
        return True
    return False


def make_app(url: str | None = None, **config: t.Any) -> App:
    app = App(__name__)
    if url is not None:
        app.config["BROADCAST_URL"] = url
    app.config.update(config)
    return app


# -- the memory backend -----------------------------------------------------------


@in_loop
async def test_every_subscriber_receives_each_kind_of_message() -> None:
    broadcast = Broadcast(make_app())
    async with (
        broadcast.subscribe("room") as first,
        broadcast.subscribe("room") as second,
    ):
        for message in MESSAGES:
            await broadcast.publish("room", message)
        for subscription in (first, second):
            assert [await receive(subscription) for _ in MESSAGES] == MESSAGES


@in_loop
async def test_a_subscriber_gets_what_is_published_after_it_subscribed() -> None:
    broadcast = Broadcast(make_app())
    await broadcast.publish("room", "before")
    async with broadcast.subscribe("room") as subscription:
        await broadcast.publish("room", "after")
        assert await receive(subscription) == "after"
        assert await nothing_arrives(subscription)


@in_loop
async def test_groups_are_separate() -> None:
    broadcast = Broadcast(make_app())
    async with broadcast.subscribe("a") as a, broadcast.subscribe("b") as b:
        await broadcast.publish("a", "for a")
        assert await receive(a) == "for a"
        assert await nothing_arrives(b)


@in_loop
async def test_leaving_the_block_unsubscribes() -> None:
    app = make_app()
    broadcast = Broadcast(app)
    backend = app.extensions["broadcast"]
    assert isinstance(backend, MemoryBackend)
    async with broadcast.subscribe("room") as subscription:
        assert backend.subscriber_count("room") == 1
    assert backend.subscriber_count("room") == 0
    assert subscription.closed
    await broadcast.publish("room", "nobody hears")
    assert [m async for m in subscription] == []


@in_loop
async def test_json_messages_are_copies_not_the_published_object() -> None:
    broadcast = Broadcast(make_app())
    sent = {"items": [1]}
    async with broadcast.subscribe("room") as subscription:
        await broadcast.publish("room", sent)
        sent["items"].append(2)
        assert await receive(subscription) == {"items": [1]}


@in_loop
async def test_publish_sync_from_a_thread_reaches_the_loop() -> None:
    broadcast = Broadcast(make_app())
    async with broadcast.subscribe("room") as subscription:
        thread = threading.Thread(
            target=broadcast.publish_sync, args=("room", {"from": "thread"})
        )
        thread.start()
        assert await receive(subscription) == {"from": "thread"}
        thread.join()


@in_loop
async def test_a_message_that_is_not_json_able_is_refused() -> None:
    broadcast = Broadcast(make_app())
    async with broadcast.subscribe("room") as subscription:
        with pytest.raises(TypeError, match="str, bytes or a JSON-able value, not set"):
            await broadcast.publish("room", {1, 2})
        with pytest.raises(TypeError, match="not object"):
            broadcast.publish_sync("room", object())
        assert await nothing_arrives(subscription)


@in_loop
async def test_a_slow_subscriber_is_ended_and_the_others_go_on() -> None:
    broadcast = Broadcast(make_app(BROADCAST_QUEUE_SIZE=3))
    async with (
        broadcast.subscribe("room") as slow,
        broadcast.subscribe("room") as fast,
    ):
        got = []
        for n in range(5):
            await broadcast.publish("room", n)
            got.append(await receive(fast))
        assert got == [0, 1, 2, 3, 4]
        # The fourth message found three unread ones: the queue was
        # dropped, not grown, and the reader hears why at once.
        with pytest.raises(SubscriberTooSlow, match="fell 3 messages behind"):
            await receive(slow)
        assert slow.closed
        assert isinstance(SubscriberTooSlow("x"), BroadcastError)


@in_loop
async def test_closing_the_backend_ends_subscriptions_quietly() -> None:
    app = make_app()
    broadcast = Broadcast(app)
    async with broadcast.subscribe("room") as subscription:
        await broadcast.publish("room", "last")
        await app.extensions["broadcast"].aclose()
        assert [m async for m in subscription] == ["last"]


@in_loop
async def test_the_app_stopping_ends_the_subscriptions(redis_url: str) -> None:
    for url in ("memory://", redis_url):
        app = make_app(url)
        broadcast = Broadcast(app)
        async with broadcast.subscribe("room") as subscription:
            await lifespan.startup(app)
            await lifespan.shutdown(app)
            assert [m async for m in subscription] == []
    assert pubsub_clients(redis_url) == 0


def test_the_backend_is_chosen_by_config() -> None:
    assert isinstance(create_backend({}), MemoryBackend)
    assert isinstance(create_backend({"BROADCAST_URL": "memory://"}), MemoryBackend)
    backend = create_backend(
        {"BROADCAST_URL": "redis://127.0.0.1:1/2", "BROADCAST_REDIS_PREFIX": "p:"}
    )
    assert isinstance(backend, RedisBackend)
    assert (backend.url, backend.prefix) == ("redis://127.0.0.1:1/2", "p:")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"BROADCAST_URL": "kafka://host"}, "names no broadcast backend"),
        ({"BROADCAST_QUEUE_SIZE": 0}, "BROADCAST_QUEUE_SIZE must be a whole number"),
        ({"BROADCAST_QUEUE_SIZE": "10"}, "BROADCAST_QUEUE_SIZE must be a whole number"),
        (
            {"BROADCAST_URL": "redis://h", "BROADCAST_REDIS_TIMEOUT": -1},
            "BROADCAST_REDIS_TIMEOUT must be a number of seconds above 0",
        ),
        (
            {"BROADCAST_URL": "redis://h", "BROADCAST_REDIS_PING_INTERVAL": 0},
            "BROADCAST_REDIS_PING_INTERVAL must be a number of seconds above 0",
        ),
        (
            {"BROADCAST_URL": "redis://h", "BROADCAST_REDIS_RETRY_MAX": "5"},
            "BROADCAST_REDIS_RETRY_MAX must be a number of seconds above 0",
        ),
    ],
)
def test_a_bad_config_fails_at_init_app(config: dict[str, t.Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Broadcast(make_app(**config))


@in_loop
async def test_an_app_factory_keeps_each_apps_groups_apart() -> None:
    broadcast = Broadcast()
    first, second = make_app(), make_app()
    broadcast.init_app(first)
    # One app set up: usable without an app context (a response generator).
    async with broadcast.subscribe("room") as only:
        await broadcast.publish("room", "one app")
        assert await receive(only) == "one app"
    broadcast.init_app(second)
    assert first.extensions["broadcast"] is not second.extensions["broadcast"]
    with pytest.raises(RuntimeError, match="several apps, and there is no app"):
        await broadcast.publish("room", "which app?")
    with first.app_context():
        async with broadcast.subscribe("room") as in_first:
            with second.app_context():
                await broadcast.publish("room", "for the second")
            await broadcast.publish("room", "for the first")
            assert await receive(in_first) == "for the first"


def test_an_app_without_the_extension_is_told_so() -> None:
    broadcast = Broadcast()
    with (
        make_app().app_context(),
        pytest.raises(RuntimeError, match=r"call broadcast\.init_app"),
    ):
        broadcast.publish_sync("room", "x")


@in_loop
async def test_a_streamed_view_sends_each_message() -> None:
    app = make_app()
    broadcast = Broadcast(app)

    @app.get("/events")
    async def events() -> t.Any:
        async def stream() -> t.AsyncIterator[str]:
            async with broadcast.subscribe("room") as subscription:
                async for message in subscription:
                    if message == "end":
                        return
                    yield f"data: {message}\n\n"

        return stream()

    async def publish_when_subscribed() -> None:
        backend = app.extensions["broadcast"]
        while backend.subscriber_count("room") == 0:
            await asyncio.sleep(0.01)
        for message in ("a", "b", "end"):
            await broadcast.publish("room", message)

    publisher = asyncio.create_task(publish_when_subscribed())
    client = app.async_test_client()
    response = await asyncio.wait_for(client.get("/events"), 10)
    await publisher
    assert response.get_data(as_text=True) == "data: a\n\ndata: b\n\n"


# -- the Redis backend ------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_url() -> t.Iterator[str]:
    """A real redis-server for this module, stopped afterwards."""
    with RedisServer() as server:
        yield server.url


@pytest.fixture
def private_server() -> t.Iterator[RedisServer]:
    """A redis-server of the test's own, for the tests that stop it."""
    with RedisServer() as server:
        yield server


def redis_app(url: str, **config: t.Any) -> tuple[Broadcast, RedisBackend]:
    """An app on Redis and its backend: two of them stand for two processes
    (each has its own connections)."""
    app = make_app(url, **config)
    broadcast = Broadcast(app)
    backend = app.extensions["broadcast"]
    assert isinstance(backend, RedisBackend)
    return broadcast, backend


def pubsub_clients(url: str) -> int:
    """How many connections of Redis are subscribed to something."""
    with redis.Redis.from_url(url) as client:
        return sum(
            1 for c in client.client_list() if int(c["sub"]) + int(c["psub"]) > 0
        )


@in_loop
async def test_redis_a_message_reaches_the_subscribers_of_another_backend(
    redis_url: str,
) -> None:
    sender, sender_backend = redis_app(redis_url)
    receiver, receiver_backend = redis_app(redis_url)
    try:
        async with (
            receiver.subscribe("room") as first,
            receiver.subscribe("room") as second,
            sender.subscribe("room") as own,
        ):
            for message in MESSAGES:
                await sender.publish("room", message)
            for subscription in (first, second, own):
                assert [await receive(subscription) for _ in MESSAGES] == MESSAGES
    finally:
        await sender_backend.aclose()
        await receiver_backend.aclose()


@in_loop
async def test_redis_one_connection_serves_every_subscription(redis_url: str) -> None:
    broadcast, backend = redis_app(redis_url, BROADCAST_REDIS_PREFIX="one:")
    try:
        async with (
            broadcast.subscribe("a") as a1,
            broadcast.subscribe("a") as a2,
            broadcast.subscribe("b") as b,
            broadcast.subscribe("c"),
        ):
            assert pubsub_clients(redis_url) == 1
            with redis.Redis.from_url(redis_url) as client:
                assert client.pubsub_numsub("one:a", "one:b") == [
                    (b"one:a", 1),
                    (b"one:b", 1),
                ]
            await broadcast.publish("a", "to a")
            assert [await receive(a1), await receive(a2)] == ["to a", "to a"]
            assert await nothing_arrives(b)
            async with broadcast.subscribe("a") as a3:
                pass
            assert a3.closed
        # The last subscriber of a group gone, the process leaves its channel.
        with redis.Redis.from_url(redis_url) as client:
            assert client.pubsub_numsub("one:a", "one:b", "one:c") == [
                (b"one:a", 0),
                (b"one:b", 0),
                (b"one:c", 0),
            ]
    finally:
        await backend.aclose()
    assert pubsub_clients(redis_url) == 0


@in_loop
async def test_redis_publish_sync_from_a_thread(redis_url: str) -> None:
    broadcast, backend = redis_app(redis_url)
    try:
        async with broadcast.subscribe("room") as subscription:
            await asyncio.to_thread(broadcast.publish_sync, "room", {"sync": 1})
            assert await receive(subscription) == {"sync": 1}
    finally:
        await backend.aclose()


@in_loop
async def test_redis_a_message_of_another_client_arrives_as_bytes(
    redis_url: str,
) -> None:
    broadcast, backend = redis_app(redis_url)
    try:
        async with broadcast.subscribe("room") as subscription:
            with redis.Redis.from_url(redis_url) as client:
                client.publish("broadcast:room", "plain text")
            assert await receive(subscription) == b"plain text"
    finally:
        await backend.aclose()


@in_loop
async def test_redis_a_slow_subscriber_is_ended(redis_url: str) -> None:
    broadcast, backend = redis_app(redis_url, BROADCAST_QUEUE_SIZE=2)
    try:
        async with (
            broadcast.subscribe("room") as slow,
            broadcast.subscribe("room") as fast,
        ):
            for n in range(3):
                await broadcast.publish("room", n)
                assert await receive(fast) == n
            with pytest.raises(SubscriberTooSlow):
                await receive(slow)
    finally:
        await backend.aclose()


@in_loop
async def test_redis_going_away_and_coming_back(
    private_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    broadcast, backend = redis_app(
        private_server.url, BROADCAST_REDIS_RETRY_MAX=0.2, BROADCAST_REDIS_TIMEOUT=0.5
    )
    caplog.set_level(logging.WARNING, "framework_broadcast")
    try:
        async with (
            broadcast.subscribe("room") as first,
            broadcast.subscribe("other") as second,
        ):
            await broadcast.publish("room", "before")
            private_server.stop()
            # Each subscriber hears of it at its `async for`, after the
            # messages it had received.
            received = []
            with pytest.raises(BroadcastUnavailable, match="is unavailable"):
                async with asyncio.timeout(5):
                    async for message in first:
                        received.append(message)
            assert received == ["before"]
            with pytest.raises(BroadcastUnavailable):
                await receive(second)
        with pytest.raises(BroadcastUnavailable, match=str(private_server.port)):
            await broadcast.publish("room", "while away")
        with pytest.raises(BroadcastUnavailable):
            await asyncio.to_thread(broadcast.publish_sync, "room", "while away")
        with pytest.raises(BroadcastUnavailable):
            async with broadcast.subscribe("room"):
                pass
        # One log line for the outage, not one per attempt.
        failures = [r for r in caplog.records if "failed" in r.getMessage()]
        assert len(failures) == 1, caplog.text

        private_server.restart()
        deadline = time.monotonic() + 10
        while True:
            try:
                async with broadcast.subscribe("room") as subscription:
                    await broadcast.publish("room", "back")
                    assert await receive(subscription) == "back"
                    break
            except BroadcastUnavailable:
                assert time.monotonic() < deadline, "did not recover"
                await asyncio.sleep(0.05)
        broadcast.publish_sync("room", "sync works again")
        assert "is back" in caplog.text
    finally:
        await backend.aclose()


@in_loop
async def test_redis_after_a_failure_attempts_wait_for_the_backoff(
    private_server: RedisServer,
) -> None:
    broadcast, backend = redis_app(private_server.url, BROADCAST_REDIS_RETRY_MAX=0.8)
    private_server.stop()
    try:
        # Each failed attempt doubles the wait before the next one: 0.1,
        # 0.2, 0.4, then 0.8 s, the most allowed here.
        for wait in (0.1, 0.2, 0.4, 0.8, 0.8):
            with pytest.raises(BroadcastUnavailable, match="Connect"):
                await broadcast.publish("room", "x")
            if wait >= 0.4:  # long enough not to pass on a busy machine
                # Within the wait no connection is tried: the answer says so.
                with pytest.raises(BroadcastUnavailable, match="next attempt is in"):
                    async with broadcast.subscribe("room"):
                        pass
            await asyncio.sleep(wait + 0.02)
        with pytest.raises(BroadcastUnavailable, match="Connect"):
            await broadcast.publish("room", "x")
        started = time.monotonic()
        with pytest.raises(BroadcastUnavailable, match=r"next attempt is in 0\.[5-8]s"):
            await asyncio.to_thread(broadcast.publish_sync, "room", "x")
        assert time.monotonic() - started < 0.3
    finally:
        await backend.aclose()


@in_loop
async def test_redis_an_idle_subscription_outlives_the_timeouts(redis_url: str) -> None:
    broadcast, backend = redis_app(
        redis_url, BROADCAST_REDIS_TIMEOUT=0.2, BROADCAST_REDIS_PING_INTERVAL=0.3
    )
    try:
        async with broadcast.subscribe("quiet") as subscription:
            # Several pings answered, longer than every timeout.
            assert await nothing_arrives(subscription, wait=1.2)
            await broadcast.publish("quiet", "still here")
            assert await receive(subscription) == "still here"
    finally:
        await backend.aclose()


@in_loop
async def test_redis_a_hung_server_ends_the_subscriptions(
    private_server: RedisServer,
) -> None:
    broadcast, backend = redis_app(
        private_server.url,
        BROADCAST_REDIS_TIMEOUT=0.3,
        BROADCAST_REDIS_PING_INTERVAL=0.2,
        BROADCAST_REDIS_RETRY_MAX=0.1,
    )
    try:
        async with broadcast.subscribe("room") as subscription:
            # Frozen: the connection stays open, nothing is answered.
            private_server.pause()
            started = time.monotonic()
            with pytest.raises(BroadcastUnavailable, match="no answer to a PING"):
                await receive(subscription)
            # A PING after 0.2 s of silence, then 0.3 s for its answer.
            assert 0.4 < time.monotonic() - started < 3
            with pytest.raises(BroadcastUnavailable, match="Timeout"):
                await asyncio.sleep(0.15)  # past the backoff
                await broadcast.publish("room", "x")
        # A subscription Redis never confirms fails within the timeout and
        # leaves nothing behind.
        await asyncio.sleep(0.15)
        with pytest.raises(BroadcastUnavailable):
            async with broadcast.subscribe("other"):
                pass
        assert backend.subscriber_count("other") == 0
        private_server.resume()
        deadline = time.monotonic() + 10
        while True:
            try:
                async with broadcast.subscribe("room") as subscription:
                    await broadcast.publish("room", "awake")
                    assert await receive(subscription) == "awake"
                    break
            except BroadcastUnavailable:
                assert time.monotonic() < deadline, "did not recover"
                await asyncio.sleep(0.05)
    finally:
        private_server.resume()
        await backend.aclose()


@in_loop
async def test_redis_a_subscribe_cancelled_before_its_confirmation_leaves_nothing(
    private_server: RedisServer,
) -> None:
    broadcast, backend = redis_app(private_server.url, BROADCAST_REDIS_TIMEOUT=5)
    try:
        async with broadcast.subscribe("warm"):
            pass  # the pub/sub connection is open
        private_server.pause()

        async def subscribe() -> None:
            async with broadcast.subscribe("room"):
                pass

        task = asyncio.create_task(subscribe())
        while backend.subscriber_count("room") == 0:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert backend.subscriber_count("room") == 0
    finally:
        private_server.resume()
        await backend.aclose()


# -- two uvicorn processes, one Redis -------------------------------------------

APP = """
import os

from framework import App, request
from framework_broadcast import Broadcast

app = App(__name__)
app.config["BROADCAST_URL"] = os.environ["BROADCAST_URL"]
broadcast = Broadcast(app)


@app.get("/health")
def health():
    return "ok"


@app.get("/events/<group>")
async def events(group):
    async def stream():
        async with broadcast.subscribe(group) as subscription:
            yield "ready\\n"
            async for message in subscription:
                yield f"{message}\\n"

    return stream(), {"Content-Type": "text/plain; charset=utf-8"}


@app.post("/publish/<group>")
async def publish(group):
    await broadcast.publish(group, request.get_data(as_text=True))
    return "", 204


@app.post("/publish-sync/<group>")
def publish_sync(group):
    broadcast.publish_sync(group, request.get_data(as_text=True))
    return "", 204
"""


@pytest.fixture(scope="module")
def two_servers(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> t.Iterator[tuple[ServerProcess, ServerProcess]]:
    """Two uvicorn processes on two ports, serving one app on one Redis."""
    folder = tmp_path_factory.mktemp("broadcast")
    (folder / "broadcastapp.py").write_text(textwrap.dedent(APP))
    env = server_environment(folder, BROADCAST_URL=redis_url)
    servers = []
    try:
        for name in ("A", "B"):
            port = free_port()
            argv = [sys.executable, "-m", "uvicorn", "broadcastapp:app.asgi"]
            argv += ["--host", "127.0.0.1", "--port", str(port)]
            server = ServerProcess(
                argv, port=port, folder=folder, env=env, name=f"uvicorn {name}"
            )
            servers.append(server)
        for server in servers:
            server.wait_ready("/health", body=b"ok")
        yield servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()


class Stream:
    """A streamed response read line by line over http.client."""

    def __init__(self, server: ServerProcess, path: str) -> None:
        self.connection = server.connect(timeout=10)
        self.connection.request("GET", path)
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        self._buffer = b""

    def line(self) -> str:
        while b"\n" not in self._buffer:
            chunk = self.response.read1(65536)
            if not chunk:
                raise EOFError(f"the stream ended; unread: {self._buffer!r}")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()

    def close(self) -> None:
        self.connection.close()


@pytest.mark.parametrize("publish", ["/publish", "/publish-sync"])
def test_a_message_published_in_one_process_reaches_a_client_of_the_other(
    two_servers: tuple[ServerProcess, ServerProcess], redis_url: str, publish: str
) -> None:
    a, b = two_servers
    group = f"room{publish.replace('/', '-')}"
    stream = Stream(a, f"/events/{group}")
    other = Stream(b, f"/events/{group}")
    try:
        # Subscribed, and confirmed by Redis, before the first line is sent.
        assert stream.line() == "ready"
        assert other.line() == "ready"
        with redis.Redis.from_url(redis_url) as client:
            # One connection of each process listens.
            assert client.pubsub_numsub(f"broadcast:{group}")[0][1] == 2
        for n in range(3):
            reply = b.request("POST", f"{publish}/{group}", body=f"hello {n}".encode())
            assert reply.status == 204, reply
        reply = a.request("POST", f"{publish}/{group}", body=b"from A")
        assert reply.status == 204, reply
        expected = ["hello 0", "hello 1", "hello 2", "from A"]
        assert [stream.line() for _ in expected] == expected
        assert [other.line() for _ in expected] == expected
    finally:
        stream.close()
        other.close()
    # A client gone, its server's generator is cancelled and leaves the
    # group: once both are gone, neither process listens to the channel.
    channel = f"broadcast:{group}"
    deadline = time.monotonic() + 10
    with redis.Redis.from_url(redis_url) as client:
        while client.pubsub_numsub(channel) != [(channel.encode(), 0)]:
            assert time.monotonic() < deadline, client.pubsub_numsub(channel)
            time.sleep(0.05)


# -- the docs ----------------------------------------------------------------------


def test_docs_page_examples_run() -> None:
    # tests/test_docs.py runs the top-level pages only; this page is in
    # docs/contrib/. Its examples use the memory backend.
    from test_docs import python_blocks

    page = pathlib.Path(__file__).resolve().parent.parent / "docs/contrib/broadcast.rst"
    blocks = python_blocks(page)
    assert len(blocks) >= 4
    namespace: dict[str, object] = {"__name__": "docs_contrib_broadcast"}
    for line, code in blocks:
        exec(compile(code, f"broadcast.rst:{line}", "exec"), namespace)
