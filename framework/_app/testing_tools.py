"""App's test tools: test clients, the command runner, and request
contexts built from test arguments.

Layer 3, part of :mod:`framework.app`: :class:`TestToolMethods` is a base
class of :class:`~framework.App`, documented as ``App``'s methods. The
tools themselves are layer 4 (:mod:`framework.testing`); these methods
load it when called, as a test would, so serving an app never imports it.
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

    from ..app import App
    from ..ctx import RequestContext
    from ..testing import AppClient, AppCliRunner, AsyncAppClient

__all__ = ["TestToolMethods"]


class TestToolMethods:
    """Part of :class:`~framework.App`: its test tool methods."""

    if t.TYPE_CHECKING:
        # What these methods use of App, for the type checker.
        test_client_class: type[AppClient] | None
        test_cli_runner_class: type[AppCliRunner] | None

        def request_context(self, environ: WSGIEnvironment) -> RequestContext: ...

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a request built from the arguments, which are
        those of :class:`werkzeug.test.EnvironBuilder` (``path``, ``method``,
        ``data``, ``json``, ``headers``, ``base_url``, ``subdomain``...)."""
        from ..testing import EnvironBuilder

        builder = EnvironBuilder(t.cast("App", self), *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> AppClient:
        """A test client for the app; see :class:`~framework.testing.AppClient`."""
        from ..testing import AppClient

        cls = self.test_client_class or AppClient
        app = t.cast("App", self)
        return cls(app, app.response_class, use_cookies=use_cookies, **kwargs)

    def async_test_client(self, **kwargs: t.Any) -> AsyncAppClient:
        """A test client for async tests, which sends requests through the
        app's ASGI callable; ``async with`` runs lifespan startup and
        shutdown. See :class:`~framework.testing.AsyncAppClient`.

        :param kwargs: passed to :class:`~framework.testing.AsyncAppClient`.
        """
        from ..testing import AsyncAppClient

        return AsyncAppClient(t.cast("App", self), **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> AppCliRunner:
        """A runner for the app's commands; see
        :class:`~framework.testing.AppCliRunner`.

        :param kwargs: passed to :class:`click.testing.CliRunner`.
        """
        from ..testing import AppCliRunner

        cls = self.test_cli_runner_class or AppCliRunner
        return cls(t.cast("App", self), **kwargs)
