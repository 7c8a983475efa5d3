"""The test client and request builder.

Layer 4. :class:`AppClient` is werkzeug's test client, aware of the app: it
builds requests from the app's config (``SERVER_NAME``, ``APPLICATION_ROOT``,
``PREFERRED_URL_SCHEME``) and, used as ``with client:``, keeps the last
request's context active so that ``request``, ``g`` and ``session`` can be
inspected after the call.
"""

from __future__ import annotations

import copy
import os
import typing as t
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

import werkzeug.test
from click.testing import CliRunner, Result
from werkzeug.test import Client
from werkzeug.wrappers import Request as _WerkzeugRequest

if t.TYPE_CHECKING:  # pragma: no cover
    from types import TracebackType

    from werkzeug.test import TestResponse

    from .app import App
    from .ctx import RequestContext
    from .sessions import SessionMixin

__all__ = ["AppCliRunner", "AppClient", "EnvironBuilder"]


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """A werkzeug ``EnvironBuilder`` whose base URL comes from the app.

    :param app: the app the request is for.
    :param path: the path, which may carry a query string and, unless
        ``base_url`` is given, a scheme and host.
    :param base_url: the URL the app is mounted at; derived from
        ``SERVER_NAME`` (``localhost`` when unset), ``APPLICATION_ROOT`` and
        ``PREFERRED_URL_SCHEME`` when ``None``.
    :param subdomain: prepended to the host of the derived base URL.
    :param url_scheme: the scheme of the derived base URL.
    """

    def __init__(
        self,
        app: App,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is not None and (subdomain or url_scheme):
            raise TypeError("Pass either base_url, or subdomain/url_scheme, not both.")
        if base_url is None:
            config = app.config
            host = config.get("SERVER_NAME") or "localhost"
            if subdomain:
                host = f"{subdomain}.{host}"
            scheme = url_scheme or config["PREFERRED_URL_SCHEME"]
            parts = urlsplit(path)
            root = config["APPLICATION_ROOT"].lstrip("/")
            base_url = f"{parts.scheme or scheme}://{parts.netloc or host}/{root}"
            path = parts.path
            if parts.query:
                path = f"{path}?{parts.query}"
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` bodies with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


class AppClient(Client):
    """The test client: ``app.test_client()``.

    Requests go through the whole app as a server would send them. Inside
    ``with client:``, the context of the last request stays active until the
    block ends.
    """

    application: App

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.preserve_context = False
        self._preserved: list[RequestContext] = []
        self._context_stack = ExitStack()
        #: Environ values every request starts from.
        self.environ_base: dict[str, t.Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": "framework-test-client",
        }

    def _with_base(self, environ: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        out = {**self.environ_base, **environ}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._preserved.append
        return out

    def _build_request(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> _WerkzeugRequest:
        first = args[0] if args else None
        if isinstance(first, werkzeug.test.EnvironBuilder):
            builder = copy.copy(first)
            builder.environ_base = self._with_base(builder.environ_base or {})
            return builder.get_request()
        if isinstance(first, dict):
            builder = EnvironBuilder.from_environ(
                first, app=self.application, environ_base=self._with_base({})
            )
            try:
                return builder.get_request()
            finally:
                builder.close()
        if isinstance(first, _WerkzeugRequest):
            request = copy.copy(first)
            request.environ = self._with_base(request.environ)
            return request
        kwargs["environ_base"] = self._with_base(kwargs.get("environ_base", {}))
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Send a request; takes the arguments of
        :class:`werkzeug.test.EnvironBuilder`, or a builder, environ dict or
        request."""
        request = self._build_request(args, kwargs)
        # A new request ends the contexts kept from the previous one.
        self._context_stack.close()
        response = super().open(
            request, buffered=buffered, follow_redirects=follow_redirects
        )
        response.json_module = self.application.json  # type: ignore[assignment]
        while self._preserved:
            self._context_stack.enter_context(self._preserved.pop(0))
        return response

    @contextmanager
    def session_transaction(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Iterator[SessionMixin]:
        """Open the session the client's cookies carry, for a test to read or
        change, and store it back in the cookies when the block ends::

            with client.session_transaction() as session:
                session["user_id"] = 1

        The arguments build the request the session is opened for (see
        :meth:`App.test_request_context`), e.g. a path for a cookie path.
        """
        if self._cookies is None:
            raise TypeError(
                "session_transaction() needs cookies: create the client with"
                " app.test_client(use_cookies=True)."
            )
        app = self.application
        interface = app.session_interface
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        with ctx:
            session = interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError(
                "The session interface gave no session: is SECRET_KEY set?"
            )
        yield session
        if interface.is_null_session(session):
            return
        response = app.response_class()
        with ctx:
            interface.save_session(app, session, response)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            response.headers.getlist("Set-Cookie"),
        )

    def __enter__(self) -> AppClient:
        if self.preserve_context:
            raise RuntimeError("The test client is already in a 'with' block.")
        self.preserve_context = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.preserve_context = False
        self._context_stack.close()


class AppCliRunner(CliRunner):
    """Runs the app's commands in tests: ``app.test_cli_runner()``.

    A click :class:`~click.testing.CliRunner` whose :meth:`invoke` runs
    ``app.cli`` by default, with the app already loaded.
    """

    def __init__(self, app: App, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Run ``cli`` (``app.cli`` when ``None``) with ``args`` (a list, or
        a string split like a shell would), in a new isolated context.

        :param kwargs: passed to :meth:`click.testing.CliRunner.invoke`;
            ``obj`` defaults to a :class:`~framework.cli.ScriptInfo` that
            gives this app.
        """
        from .cli import ScriptInfo

        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        # The framework command sets these in os.environ; the runner puts
        # back their values afterwards so one test can't change the next.
        env = kwargs["env"] = dict(kwargs.get("env") or {})
        for name in (
            *("FRAMEWORK_RUN_FROM_CLI", "FRAMEWORK_DEBUG"),
            *("FLASK_RUN_FROM_CLI", "FLASK_DEBUG"),
        ):
            env.setdefault(name, os.environ.get(name))
        return super().invoke(cli, args, **kwargs)
