"""The test client and request builder.

Layer 4. :class:`AppClient` is werkzeug's test client, aware of the app: it
builds requests from the app's config (``SERVER_NAME``, ``APPLICATION_ROOT``,
``PREFERRED_URL_SCHEME``) and, used as ``with client:``, keeps the last
request's context active so that ``request``, ``g`` and ``session`` can be
inspected after the call. How a request reaches the app is the client's
:class:`Transport`: by default :class:`WSGITransport`, which calls the app
as a WSGI application.
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import os
import typing as t
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

import werkzeug.test
from click.testing import CliRunner, Result
from werkzeug.test import Client
from werkzeug.wrappers import Request as _WerkzeugRequest
from werkzeug.wsgi import get_current_url

if t.TYPE_CHECKING:  # pragma: no cover
    from types import TracebackType

    from _typeshed.wsgi import WSGIEnvironment
    from werkzeug.datastructures import Headers
    from werkzeug.test import TestResponse

    from .app import App
    from .ctx import RequestContext
    from .sessions import SessionMixin

__all__ = ["AppCliRunner", "AppClient", "EnvironBuilder", "Transport", "WSGITransport"]


def _app_url(
    app: App, path: str, subdomain: str | None, url_scheme: str | None
) -> tuple[str, str]:
    """Split ``path`` into the base URL the app is reached at and the path
    below it. A scheme or host written in ``path`` wins; otherwise the app's
    config gives them (``localhost`` without ``SERVER_NAME``)."""
    config = app.config
    given = urlsplit(path)
    host = given.netloc or config.get("SERVER_NAME") or "localhost"
    if subdomain and not given.netloc:
        host = f"{subdomain}.{host}"
    scheme = given.scheme or url_scheme or config["PREFERRED_URL_SCHEME"]
    root = config["APPLICATION_ROOT"].lstrip("/")
    below = f"{given.path}?{given.query}" if given.query else given.path
    return f"{scheme}://{host}/{root}", below


@functools.cache
def _werkzeug_version() -> str:
    # Read from the installed distribution's metadata: ~0.35 ms, which
    # was nearly all of app.test_client()'s cost when paid per client.
    return importlib.metadata.version("werkzeug")


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
        if base_url is None:
            base_url, path = _app_url(app, path, subdomain, url_scheme)
        elif subdomain or url_scheme:
            raise TypeError("Pass either base_url, or subdomain/url_scheme, not both.")
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` bodies with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


class Transport(t.Protocol):
    """How a test client's request reaches the app and its response comes
    back. The client builds the environ and keeps the cookies; the
    transport only runs the request."""

    def run(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Run one request.

        :param environ: the request, as a WSGI environ.
        :param buffered: read the whole body before returning.
        :return: the body, the status line and the headers.
        """
        ...


class WSGITransport:
    """The default :class:`Transport`: calls the app (or whatever wraps
    it, e.g. middleware set on ``app.wsgi_app``) as a WSGI application, in
    the calling thread.

    :param app: the WSGI application to call.
    """

    def __init__(self, app: t.Any) -> None:
        self.app = app

    def run(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Call the app with ``environ``; see :meth:`Transport.run`."""
        return werkzeug.test.run_wsgi_app(self.app, environ, buffered=buffered)


class AppClient(Client):
    """The test client: ``app.test_client()``.

    Requests go through the whole app as a server would send them. Inside
    ``with client:``, the context of the last request stays active until the
    block ends.

    :param transport: how requests reach the app; a
        :class:`WSGITransport` of the app by default.
    :param args: passed to :class:`werkzeug.test.Client` (the app, the
        response class, ``use_cookies``...).
    """

    application: App

    def __init__(
        self, *args: t.Any, transport: Transport | None = None, **kwargs: t.Any
    ) -> None:
        super().__init__(*args, **kwargs)
        #: How requests reach the app.
        self.transport: Transport = transport or WSGITransport(self.application)
        self.preserve_context = False
        #: Contexts the app handed over at the end of a request, to keep.
        self._new_contexts: list[RequestContext] = []
        self._context_stack = ExitStack()
        #: Environ values every request starts from.
        self.environ_base: dict[str, t.Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{_werkzeug_version()}",
        }

    def _copy_environ(self, other: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        """``other`` over :attr:`environ_base`, plus, in a ``with client:``
        block, the hook through which the app hands over the request's
        context to keep."""
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> _WerkzeugRequest:
        """The request :class:`EnvironBuilder` makes of ``args`` and
        ``kwargs``, over :attr:`environ_base`. Flask's private name: other
        test clients (Flask-SocketIO's) build their requests with it."""
        options = {
            **kwargs,
            "environ_base": self._copy_environ(kwargs.get("environ_base") or {}),
        }
        builder = EnvironBuilder(self.application, *args, **options)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def _make_request(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> _WerkzeugRequest:
        """The request :meth:`open` sends: built from a request, an environ
        or a builder given as the first argument, else from the arguments."""
        source = args[0] if args else None
        if isinstance(source, _WerkzeugRequest):
            request = copy.copy(source)
            request.environ = self._copy_environ(source.environ)
            return request
        if isinstance(source, dict):
            builder = EnvironBuilder.from_environ(source, app=self.application)
        elif isinstance(source, werkzeug.test.EnvironBuilder):
            builder = copy.copy(source)
        else:
            return self._request_from_builder_args(args, kwargs)
        builder.environ_base = self._copy_environ(builder.environ_base or {})
        return builder.get_request()

    def run_wsgi_app(
        self, environ: WSGIEnvironment, buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        """Send one request through :attr:`transport`, with the client's
        cookies, and keep the cookies its response sets."""
        self._add_cookies_to_wsgi(environ)
        body, status, headers = self.transport.run(environ, buffered=buffered)
        url = urlsplit(get_current_url(environ))
        self._update_cookies_from_response(
            url.hostname or "localhost", url.path, headers.getlist("Set-Cookie")
        )
        return body, status, headers

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
        request = self._make_request(args, kwargs)
        # A new request ends the contexts kept from the previous one (and
        # those of the redirects it follows).
        self._context_stack.close()
        response = super().open(
            request, buffered=buffered, follow_redirects=follow_redirects
        )
        response.json_module = self.application.json  # type: ignore[assignment]
        kept, self._new_contexts = self._new_contexts, []
        for ctx in kept:
            self._context_stack.enter_context(ctx)
        return response

    def _load_session(self, ctx: RequestContext) -> SessionMixin:
        app = self.application
        with ctx:
            session = app.session_interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError(
                "Session backend did not open a session: the app's session"
                " interface gave none. Is SECRET_KEY set?"
            )
        return session

    def _store_session(self, ctx: RequestContext, session: SessionMixin) -> None:
        app = self.application
        interface = app.session_interface
        if interface.is_null_session(session):
            return
        response = app.response_class()
        with ctx:
            interface.save_session(app, session, response)
        request = ctx.request
        self._update_cookies_from_response(
            urlsplit(request.host_url).hostname or "localhost",
            request.path,
            response.headers.getlist("Set-Cookie"),
        )

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

        :raise TypeError: the client keeps no cookies.
        :raise RuntimeError: the session interface opened no session.
        """
        if self._cookies is None:
            raise TypeError(
                "Cookies are disabled: session_transaction() needs them;"
                " create the client with app.test_client(use_cookies=True)."
            )
        ctx = self.application.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        session = self._load_session(ctx)
        yield session
        self._store_session(ctx, session)

    def __enter__(self) -> AppClient:
        if self.preserve_context:
            raise RuntimeError(
                "Cannot nest client invocations: the test client is already"
                " in a 'with' block."
            )
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
