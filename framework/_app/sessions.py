"""App's side of sessions: opening the session on first use, saving it
with each response.

Layer 3, part of :mod:`framework.app`: :class:`SessionMethods` is a base
class of :class:`~framework.App`, documented as ``App``'s methods. How a
session is stored is the :attr:`App.session_interface
<framework.App.session_interface>`'s business (:mod:`framework.sessions`);
these methods decide when to ask it, and send the session signals.
"""

from __future__ import annotations

import typing as t

from .. import signals
from ..config import Config
from ..ctx import RequestContext
from ..sessions import SessionInterface, SessionMixin
from ..wrappers import Response

__all__ = ["SessionMethods"]


class SessionMethods:
    """Part of :class:`~framework.App`: its session methods."""

    if t.TYPE_CHECKING:
        # What these methods use of App, for the type checker.
        config: Config
        session_interface: SessionInterface[t.Any]

        def ensure_sync(
            self, func: t.Callable[..., t.Any]
        ) -> t.Callable[..., t.Any]: ...

    def open_request_session(self, ctx: RequestContext) -> SessionMixin:
        """Open the session of ``ctx`` through :attr:`session_interface`;
        called on first use of ``session``."""
        interface = self.session_interface
        session = interface.open_session(self, ctx.request)
        if session is None:
            session = interface.make_null_session(self)
        if signals.session_opened.receivers:
            signals.session_opened.send(
                self, _async_wrapper=self.ensure_sync, session=session
            )
        return session

    def save_request_session(self, ctx: RequestContext, response: Response) -> None:
        """Save the session of ``ctx`` on ``response``, unless it is a null
        session; the dispatcher calls it for every response. A session the
        request never opened is only renewed: when the request carries the
        session cookie and ``SESSION_REFRESH_EACH_REQUEST`` asks for it."""
        interface = self.session_interface
        if ctx._loaded_session is None and (
            # PERF: plain-text benchmark; no cookies, nothing to renew, and
            # the Cookie header is not even parsed.
            "HTTP_COOKIE" not in (ctx._facts or ctx.request.environ)
            or not self.config["SESSION_REFRESH_EACH_REQUEST"]
            or interface.get_cookie_name(self) not in ctx.request.cookies
        ):
            return
        # Not ctx.session: saving is not a use, it must not mark it accessed.
        session = ctx._session
        if interface.is_null_session(session):
            return
        interface.save_session(self, session, response)
        if signals.session_saved.receivers:
            signals.session_saved.send(
                self, _async_wrapper=self.ensure_sync, session=session
            )
