"""Live updates of a post's page: new comments, and how many people are
reading it, pushed to every open page of the post without a reload.

Each open page keeps one connection: a WebSocket (:func:`socket`), or a
stream of server-sent events (:func:`events`) where a WebSocket can't
open, as under a WSGI server. Both carry the same messages, JSON objects
with a ``type``:

- ``{"type": "readers", "count": 2}``: how many pages of the post are
  open, sent whenever one opens or closes;
- ``{"type": "comment", "id": 7, "html": "<li ...>"}``: a new comment, as
  the page shows it.

They travel through a broadcast group per post
(:mod:`framework_broadcast`): in memory by default, which reaches the pages
connected to this process; with ``BROADCAST_URL`` set to a Redis URL, the
pages connected to every process. The count of readers is kept in each
process, so with several processes each counts its own.

The handlers are ``async``: an open page waits on the event loop, not in a
thread of its own. They never query the database, whose calls would hold
up the loop: a page asks for the comments it missed with an ordinary
request (:func:`.comments.since`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import typing as t

from framework_broadcast import Broadcast, BroadcastError

from framework import (
    Blueprint,
    EventStream,
    WebSocketDisconnect,
    current_app,
    render_template,
    stream_with_context,
    websocket,
)

bp = Blueprint("live", __name__)

#: The blog's broadcast groups; the factory sets it up on the app.
broadcast = Broadcast()

#: The close code that asks the page to try again later.
TRY_AGAIN_LATER = 1013


def _group(post_id: int) -> str:
    return f"post-{post_id}"


def publish_comment(post_id: int, comment: t.Mapping[str, t.Any]) -> None:
    """Send a new comment to every open page of its post. For sync views.

    The comment is saved already: if the broadcast can't be reached, the
    open pages get it when they reconnect, so say so in the log and go on.
    """
    message = {
        "type": "comment",
        "id": comment["id"],
        "html": render_template("blog/_comment.html", comment=comment),
    }
    try:
        broadcast.publish_sync(_group(post_id), message)
    except BroadcastError as e:
        current_app.logger.warning("Comment %s not sent live: %s", comment["id"], e)


async def _count_reader(post_id: int, change: int) -> None:
    """Add ``change`` to the post's readers and tell its open pages."""
    readers: collections.Counter[int] = current_app.extensions.setdefault(
        "blog.readers", collections.Counter()
    )
    readers[post_id] += change
    count = readers[post_id]
    if count <= 0:
        del readers[post_id]
    # Only the count is lost if this fails; each page still works.
    with contextlib.suppress(BroadcastError):
        await broadcast.publish(_group(post_id), {"type": "readers", "count": count})


async def updates(post_id: int) -> t.AsyncIterator[dict[str, t.Any]]:
    """The messages for one open page of the post, until it closes: the
    count of readers (this page included) first, then every message sent
    to the post's group.

    If the broadcast fails (its Redis went away), the messages end, with a
    warning in the log: the page connects again a little later.
    """
    try:
        async with broadcast.subscribe(_group(post_id)) as subscription:
            await _count_reader(post_id, 1)
            try:
                async for message in subscription:
                    yield message
            finally:
                await _count_reader(post_id, -1)
    except BroadcastError as e:
        current_app.logger.warning("Live updates of post %s stopped: %s", post_id, e)


@bp.websocket("/<int:post_id>/live")
async def socket(post_id: int) -> None:
    """The post's updates over a WebSocket, until the page goes away.

    Two tasks share the connection: one sends the updates, one waits for
    the page to close it. Whichever ends first ends the other.
    """
    await websocket.accept()
    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(_send_updates(post_id))
            tasks.create_task(_until_closed())
    except* WebSocketDisconnect:
        pass  # the page was closed or went away


async def _send_updates(post_id: int) -> None:
    async for message in updates(post_id):
        await websocket.send_json(message)
    # The updates stopped (the broadcast failed): ask the page to come back.
    await websocket.close(TRY_AGAIN_LATER, "Live updates are unavailable.")
    raise WebSocketDisconnect(TRY_AGAIN_LATER)


async def _until_closed() -> None:
    """Return never: raise :exc:`WebSocketDisconnect` when the page closes
    the connection. The page sends nothing; anything it does is ignored."""
    while True:
        await websocket.receive()


@bp.get("/<int:post_id>/events")
async def events(post_id: int) -> EventStream:
    """The post's updates as server-sent events, for a page whose WebSocket
    couldn't open. The stream stops when the page goes away.

    The stream runs after the view has returned: ``stream_with_context``
    keeps the app's context (``current_app``) for it, as the handler above
    has for its whole life."""
    return EventStream(stream_with_context(updates(post_id)))
