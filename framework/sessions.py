"""Sessions: the :class:`SessionInterface` strategy and session objects.

Layer 2. This module holds the contract and the null session used when no
session can be stored. The signed-cookie default interface lands with the
sessions work (see the project's issues); until then every request gets a
:class:`NullSession`.
"""

from __future__ import annotations

import typing as t
from collections.abc import MutableMapping

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .wrappers import Request, Response

__all__ = ["NullSession", "SessionInterface", "SessionMixin"]


class SessionMixin(MutableMapping[str, t.Any]):
    """What every session object provides besides the mapping methods."""

    @property
    def permanent(self) -> bool:
        """Whether the session cookie outlives the browser session."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: ``True`` when the session was created by this request.
    new = False
    #: ``True`` when the session was changed and must be saved.
    modified = True
    #: ``True`` when the session was read or written.
    accessed = True


class NullSession(dict[str, t.Any], SessionMixin):
    """The session when none can be stored: reads give nothing, writes raise
    an error that says how to enable sessions."""

    modified = False
    accessed = False

    def _refuse(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(
            "The session is unavailable: the app's session interface gave a"
            " null session, which can't store data. Signed-cookie sessions"
            " need a secret key: set app.secret_key or the SECRET_KEY config"
            " key."
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _refuse


class SessionInterface:
    """How the app opens and saves sessions. Subclass it and assign an
    instance to ``app.session_interface`` to store sessions elsewhere."""

    #: The class :meth:`make_null_session` instantiates.
    null_session_class: type[SessionMixin] = NullSession

    def make_null_session(self, app: App) -> SessionMixin:
        """The session used when :meth:`open_session` returns ``None``."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Whether ``obj`` is a null session, which is never saved."""
        return isinstance(obj, self.null_session_class)

    def open_session(self, app: App, request: Request) -> SessionMixin | None:
        """Load the session for ``request``; ``None`` means a null session."""
        return None

    def save_session(self, app: App, session: SessionMixin, response: Response) -> None:
        """Persist ``session`` on ``response`` (e.g. as a cookie)."""
