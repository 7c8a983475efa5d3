"""The blog's live comments on a Redis broadcast (``BROADCAST_URL``), as a
deployment of several processes runs them, against a real redis-server
(tests/redis_server.py).

Two app instances share one database and one Redis, standing for two
worker processes: a comment posted through one reaches the pages open on
the other. With Redis gone, a comment is still saved, and open pages are
asked to come back later (close code 1013); with Redis back, live updates
resume, without restarting the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import typing as t
from pathlib import Path

import pytest
from redis_server import RedisServer
from werkzeug.security import generate_password_hash

from examples.blog import create_app
from examples.blog.db import get_db, init_db
from framework import App, WebSocketDisconnect
from framework.testing import AsyncAppClient

#: The close code that asks the page to try again later (live.py).
TRY_AGAIN_LATER = 1013


@pytest.fixture
def redis() -> t.Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def make_blog(database: Path, redis: RedisServer) -> App:
    """One "worker" of the blog, on the shared database and Redis; quick to
    notice Redis going away."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(database),
            "SECRET_KEY": "test",
            "CSRF_ENABLED": False,
            "BROADCAST_URL": redis.url,
            "BROADCAST_REDIS_TIMEOUT": 0.5,
            "BROADCAST_REDIS_PING_INTERVAL": 0.5,
            "BROADCAST_REDIS_RETRY_MAX": 0.5,
        }
    )


@pytest.fixture
def workers(tmp_path: Path, redis: RedisServer) -> tuple[App, App]:
    """Two instances of the blog: a post by ``ann``, who may comment."""
    database = tmp_path / "blog.sqlite"
    first, second = make_blog(database, redis), make_blog(database, redis)
    with first.app_context():
        init_db()
        db = get_db()
        db.execute(
            "INSERT INTO user (username, password) VALUES ('ann', ?)",
            (generate_password_hash("pw", method="pbkdf2:sha256:1000"),),
        )
        db.execute("INSERT INTO post (title, body, author_id) VALUES ('Hi', '.', 1)")
        db.commit()
    return first, second


@contextlib.asynccontextmanager
async def serving(*apps: App) -> t.AsyncIterator[list[AsyncAppClient]]:
    """A client of each app, between the app's startup and shutdown (which
    closes its Redis connections); the first is logged in as ``ann``."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(app.async_test_client()) for app in apps
        ]
        login = {"username": "ann", "password": "pw"}
        await clients[0].post("/auth/login", data=login)
        yield clients


async def first_message(client: AsyncAppClient, timeout: float = 10) -> t.Any:
    """Open the live updates of post 1, again and again while the page is
    asked to come back later, as live.js does; their first message."""
    deadline = time.monotonic() + timeout
    while True:
        async with client.websocket("/1/live") as page:
            try:
                return await page.receive_json()
            except WebSocketDisconnect as e:
                assert e.code == TRY_AGAIN_LATER
                assert time.monotonic() < deadline, "the updates never came back"
        await asyncio.sleep(0.1)


def comments(app: App) -> list[str]:
    with app.app_context():
        rows = get_db().execute("SELECT body FROM comment ORDER BY id").fetchall()
    return [row["body"] for row in rows]


def test_a_comment_reaches_the_pages_open_on_another_worker(
    workers: tuple[App, App],
) -> None:
    writer_app, reader_app = workers

    async def scenario() -> dict[str, t.Any]:
        async with (
            serving(writer_app, reader_app) as (writer, reader),
            reader.websocket("/1/live") as page,
        ):
            assert await page.receive_json() == {"type": "readers", "count": 1}
            response = await writer.post("/1/comments", data={"body": "Hello."})
            assert response.status_code == 302
            return t.cast(dict[str, t.Any], await page.receive_json())

    message = asyncio.run(scenario())
    assert message["type"] == "comment"
    assert '<p class="body">Hello.</p>' in message["html"]


def test_without_redis_comments_are_saved_and_pages_come_back_later(
    workers: tuple[App, App],
    redis: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    writer_app, reader_app = workers

    async def scenario() -> None:
        async with serving(writer_app, reader_app) as (writer, reader):
            async with reader.websocket("/1/live") as page:
                await page.receive_json()
                redis.stop()
                # The open page is asked to come back later.
                with pytest.raises(WebSocketDisconnect) as closed:
                    await page.receive_json()
                assert closed.value.code == TRY_AGAIN_LATER
            # A comment is saved all the same; the pages get it when they
            # reconnect (live.js asks for what it missed).
            response = await writer.post("/1/comments", data={"body": "Saved."})
            assert response.status_code == 302
            # A page opening while Redis is away is asked the same.
            async with reader.websocket("/1/live") as page:
                with pytest.raises(WebSocketDisconnect) as closed:
                    await page.receive_json()
                assert closed.value.code == TRY_AGAIN_LATER

            redis.restart()
            # Live again, without restarting either worker.
            assert await first_message(reader) == {"type": "readers", "count": 1}
            async with reader.websocket("/1/live") as page:
                await page.receive_json()
                await writer.post("/1/comments", data={"body": "Live again."})
                message = await page.receive_json()
                assert '<p class="body">Live again.</p>' in message["html"]

    asyncio.run(scenario())
    assert comments(writer_app) == ["Saved.", "Live again."]
    assert "not sent live" in caplog.text
