"""The exceptions of ``framework_broadcast``: one base class,
:exc:`BroadcastError`, so that a handler can catch them all."""

from __future__ import annotations

__all__ = ["BroadcastError", "BroadcastUnavailable", "SubscriberTooSlow"]


class BroadcastError(Exception):
    """The base class of the errors a publish or a subscription raises."""


class BroadcastUnavailable(BroadcastError):
    """The backend (Redis) could not be reached, or went away.

    A publish raises it at once; a subscription raises it from its ``async
    for`` after the messages it had already received, and is over. The
    process tries the backend again on the next publish or subscribe, after
    a short backoff (see ``BROADCAST_REDIS_RETRY_MAX``); meanwhile both raise
    this error at once, without waiting for a timeout.
    """


class SubscriberTooSlow(BroadcastError):
    """A subscription fell ``BROADCAST_QUEUE_SIZE`` messages behind: it is
    ended, its unread messages dropped, rather than let memory grow.

    Its ``async for`` raises this error; the subscriber may subscribe again
    (and, for example, reload what it missed).
    """
