"""framework_redis.commands: the session interface's commands on
connections it keeps, against a real ``redis-server`` (see
``tests/redis_server.py``)."""

from __future__ import annotations

import gc
import os
import threading
import time
import typing as t

import pytest
import redis
from framework_redis import RedisSessionInterface, RedisSessions, create_client
from framework_redis.commands import KeptConnections, pack_command, serves
from redis_server import RedisServer

from framework import App, session


@pytest.fixture(scope="module")
def redis_url() -> t.Iterator[str]:
    with RedisServer() as server:
        yield server.url


@pytest.fixture
def client(redis_url: str) -> t.Iterator[redis.Redis]:
    """The client the extension builds, emptied first, closed after."""
    made = create_client({"SESSION_REDIS_URL": redis_url})
    made.flushall()
    try:
        yield made
    finally:
        made.close()


def client_ids(kept: KeptConnections) -> int:
    """The server's id of the connection a command of ``kept`` runs on."""
    return int(kept.execute(b"CLIENT", b"ID"))


def test_pack_command_is_resp() -> None:
    assert pack_command(b"GET", b"k") == b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
    assert pack_command(b"SET", b"k", b"") == (
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
    )


def test_commands_run_and_replies_are_read_raw(client: redis.Redis) -> None:
    kept = KeptConnections(client)
    value = "d\u00e9j\u00e0 \r\n vu".encode()
    assert kept.execute(b"SET", b"k", value, b"EX", b"60", b"XX") is None
    assert kept.execute(b"SET", b"k", value, b"EX", b"60", b"NX") == b"OK"
    assert kept.execute(b"GETEX", b"k", b"EX", b"90") == value
    assert 60 < client.ttl("k") <= 90
    assert kept.execute(b"EXPIRE", b"k", b"30") == 1
    assert kept.execute(b"DEL", b"k") == 1
    assert kept.execute(b"GET", b"k") is None


def test_an_error_reply_raises_and_the_connection_stays_usable(
    client: redis.Redis,
) -> None:
    kept = KeptConnections(client)
    client.set("text", "abc")
    with pytest.raises(redis.ResponseError):
        kept.execute(b"INCR", b"text")
    assert kept.execute(b"GET", b"text") == b"abc"


def test_commands_one_after_the_other_share_one_connection(
    client: redis.Redis,
) -> None:
    kept = KeptConnections(client)
    first = client_ids(kept)
    for _ in range(5):
        assert client_ids(kept) == first
    # Used from another thread too, when it is idle.
    seen: list[int] = []
    worker = threading.Thread(target=lambda: seen.append(client_ids(kept)))
    worker.start()
    worker.join(10)
    assert seen == [first]


def test_commands_at_the_same_time_use_two_connections(
    client: redis.Redis,
) -> None:
    kept = KeptConnections(client)
    first = client_ids(kept)
    blocked: list[t.Any] = []
    # BLPOP holds its connection until its timeout: another command meanwhile
    # needs a second one.
    worker = threading.Thread(
        target=lambda: blocked.append(kept.execute(b"BLPOP", b"nothing", b"0.5"))
    )
    worker.start()
    deadline = time.monotonic() + 5
    while not any(c["cmd"] == "blpop" for c in client.client_list()):
        assert time.monotonic() < deadline, "BLPOP never reached the server"
        time.sleep(0.01)
    second = client_ids(kept)
    worker.join(10)
    assert blocked == [None]
    assert second != first
    # Both are kept for later.
    assert {client_ids(kept) for _ in range(2)} <= {first, second}


def test_a_timed_out_command_never_leaves_its_late_reply_to_the_next(
    redis_url: str,
) -> None:
    made = create_client({"SESSION_REDIS_URL": redis_url, "SESSION_REDIS_TIMEOUT": 0.2})
    try:
        kept = KeptConnections(made)
        made.set("k", "v")
        with pytest.raises(redis.TimeoutError):
            kept.execute(b"BLPOP", b"list", b"0.5")
        made.rpush("list", "late")
        time.sleep(0.6)
        # The BLPOP's reply, had the connection been kept open, would be
        # read here instead of GET's.
        assert kept.execute(b"GET", b"k") == b"v"
        assert made.lrange("list", 0, -1) == [b"late"]
    finally:
        made.close()


def test_a_transaction_returns_each_command_s_reply(client: redis.Redis) -> None:
    kept = KeptConnections(client)
    client.set("old", "x")
    replies = kept.pipeline(
        [[b"DEL", b"old"], [b"SET", b"new", b"y", b"NX"], [b"EXISTS", b"new"]],
        transaction=True,
    )
    assert replies == [1, b"OK", 1]
    assert kept.pipeline([[b"EXISTS", b"old"], [b"GET", b"new"]], False) == [0, b"y"]


def test_a_failed_command_in_a_transaction_raises(client: redis.Redis) -> None:
    kept = KeptConnections(client)
    client.set("text", "abc")
    with pytest.raises(redis.ResponseError):
        kept.pipeline([[b"INCR", b"text"], [b"SET", b"after", b"1"]], True)
    # A transaction runs every command: the one after the failure too.
    assert client.get("after") == b"1"
    assert kept.execute(b"GET", b"text") == b"abc"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_uses_its_own_connection(client: redis.Redis) -> None:
    kept = KeptConnections(client)
    parent = client_ids(kept)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.write(write_end, str(client_ids(kept)).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    child = int(os.read(read_end, 64))
    os.close(read_end)
    os.waitpid(pid, 0)
    assert child != parent
    # The child never closed the parent's connection.
    assert client_ids(kept) == parent


def test_dropped_connections_go_back_to_the_pool(client: redis.Redis) -> None:
    kept = KeptConnections(client)
    kept_id = client_ids(kept)
    del kept
    gc.collect()
    assert client.client_id() == kept_id


def test_reconnects_after_the_server_restarts() -> None:
    with RedisServer() as server:
        made = create_client({"SESSION_REDIS_URL": server.url})
        try:
            kept = KeptConnections(made)
            assert kept.execute(b"SET", b"k", b"v") == b"OK"
            server.stop()
            with pytest.raises(redis.ConnectionError):
                kept.execute(b"GET", b"k")
            server.restart()
            assert kept.execute(b"PING") in (b"PONG", "PONG", True)
        finally:
            made.close()


def test_serves_only_plain_clients(redis_url: str) -> None:
    plain = create_client({"SESSION_REDIS_URL": redis_url})

    class Custom(redis.Redis):
        pass

    blocking = redis.Redis(
        connection_pool=redis.BlockingConnectionPool.from_url(redis_url)
    )
    single = redis.Redis.from_url(redis_url, single_connection_client=True)
    subclassed = Custom.from_url(redis_url)
    try:
        assert serves(plain)
        assert not serves(blocking)
        assert not serves(single)
        assert not serves(subclassed)
    finally:
        for made in (plain, blocking, single, subclassed):
            made.close()


def test_other_clients_send_through_their_own_methods(redis_url: str) -> None:
    """A session read and write with a client the kept connections do not
    serve: the same commands and round trips."""
    blocking = redis.Redis(
        connection_pool=redis.BlockingConnectionPool.from_url(redis_url)
    )
    app = App(__name__)
    app.secret_key = "commands-test"
    app.session_interface = RedisSessionInterface(blocking)

    @app.post("/set")
    def set_value() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    try:
        client = app.test_client()
        assert [client.post("/set").text for _ in range(3)] == ["1", "2", "3"]
        interface = app.session_interface
        assert interface.execute(app, "SET", "x", "1", "NX")
        assert interface.execute_many(
            app, [("GET", "x"), ("EXISTS", "nothing")], transaction=True
        ) == [b"1", 0]
    finally:
        blocking.close()


def test_session_requests_reuse_one_connection_and_one_round_trip_each(
    redis_url: str, client: redis.Redis
) -> None:
    """Through an app: after the first request, requests one after the
    other open no connection, and a session write that holds what Redis
    has costs its one GETEX round trip."""
    app = App(__name__)
    app.secret_key = "commands-test"
    app.config["SESSION_REDIS_URL"] = redis_url
    interface = RedisSessions().init_app(app)

    @app.get("/visit")
    def visit() -> str:
        session["page"] = "/"
        return "ok"

    try:
        browser = app.test_client()
        browser.get("/visit")
        stats = client.info("stats")
        for _ in range(20):
            assert browser.get("/visit").text == "ok"
        after = client.info("stats")
        assert (
            after["total_connections_received"] == stats["total_connections_received"]
        )
        # One read per request, and one for the INFO above.
        reads = after["total_reads_processed"] - stats["total_reads_processed"]
        assert reads == 20 + 1
    finally:
        interface.get_redis(app).close()
