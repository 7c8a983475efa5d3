"""Message flashing: messages stored in the session for the next request.

Layer 2. :func:`flash` appends to the session; :func:`get_flashed_messages`
takes them out once per request (and only then), so they show once.
"""

from __future__ import annotations

import typing as t

from . import signals
from .ctx import RequestContext, _active_request_context

__all__ = ["flash", "get_flashed_messages"]

_FLASHES = "_flashes"


def _request_context(name: str) -> RequestContext:
    return _active_request_context(
        f"{name}() uses the session of the current request: call it in a"
        " view, a hook or a template rendered for a request."
    )


def flash(message: str, category: str = "message") -> None:
    """Store ``message`` for the next request that shows flashed messages.

    :param message: the text.
    :param category: any string; ``"message"``, ``"error"``, ``"info"`` and
        ``"warning"`` are the usual ones.
    """
    ctx = _request_context("flash")
    session = ctx.session
    flashes = list(session.get(_FLASHES, ()))
    flashes.append((category, message))
    session[_FLASHES] = flashes
    app = ctx.app
    if signals.message_flashed.receivers:
        signals.message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: t.Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """The flashed messages, removed from the session on the first call of
    a request; later calls in the same request return the same messages.

    :param with_categories: return ``(category, message)`` pairs.
    :param category_filter: only messages of these categories.
    """
    ctx = _request_context("get_flashed_messages")
    flashes = ctx.flashes
    if flashes is None:
        session = ctx.session
        stored = session.pop(_FLASHES) if _FLASHES in session else []
        flashes = ctx.flashes = [(str(c), str(m)) for c, m in stored]
    wanted = set(category_filter)
    if wanted:
        flashes = [item for item in flashes if item[0] in wanted]
    if with_categories:
        return [(category, message) for category, message in flashes]
    return [message for _, message in flashes]
