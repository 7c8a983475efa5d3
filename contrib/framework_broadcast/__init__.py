"""Broadcast groups for framework apps: a message published to a group
reaches every subscriber of that group, in this process (the in-memory
backend, the default) or in every process and host that shares a Redis::

    from framework import App
    from framework_broadcast import Broadcast

    app = App(__name__)
    app.config["BROADCAST_URL"] = "redis://127.0.0.1:6379/0"  # or unset
    broadcast = Broadcast(app)

    @app.post("/rooms/<room>")
    async def say(room):
        await broadcast.publish(room, request.get_data(as_text=True))
        return "", 204

    @app.get("/rooms/<room>/events")
    async def listen(room):
        async def events():
            async with broadcast.subscribe(room) as subscription:
                async for message in subscription:
                    yield f"data: {message}\\n\\n"
        return events(), {"Content-Type": "text/event-stream"}

It uses only the public API: the config, ``app.extensions["broadcast"]``
and ``app.after_serving``. The Redis backend needs redis-py (the ``redis``
extra).
"""

from __future__ import annotations

import typing as t

from .errors import BroadcastError, BroadcastUnavailable, SubscriberTooSlow
from .extension import DEFAULTS, Backend, Broadcast, create_backend
from .memory import MemoryBackend
from .messages import Message
from .subscription import Subscription

if t.TYPE_CHECKING:
    from .redis_backend import RedisBackend

__all__ = [
    "DEFAULTS",
    "Backend",
    "Broadcast",
    "BroadcastError",
    "BroadcastUnavailable",
    "MemoryBackend",
    "Message",
    "RedisBackend",
    "SubscriberTooSlow",
    "Subscription",
    "create_backend",
]


def __getattr__(name: str) -> t.Any:
    # The Redis backend loads redis-py: only apps that use it need it.
    if name == "RedisBackend":
        from .redis_backend import RedisBackend

        return RedisBackend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
