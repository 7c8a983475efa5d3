"""The :class:`Api` extension object: ``Api(app)`` or ``api.init_app(app)``.

It installs :class:`~framework_api.binding.ApiBinder` in front of the app's
view binder, answers :class:`~framework_api.Problem` exceptions with
problem details, and keeps what it found in each view for the OpenAPI
generator (:meth:`Api.operations`).
"""

from __future__ import annotations

import typing as t
import weakref

import msgspec

from framework.concurrency import loop_safe
from framework.globals import current_app

from .analysis import analyse_view
from .binding import ApiBinder
from .cli import add_api_commands
from .docs_ui import DOCS_UIS, register_docs
from .openapi import OpenAPIGenerator, operation_routes
from .problems import PROBLEM_MEDIA_TYPE, Problem
from .returns import fast_maker, status_line

if t.TYPE_CHECKING:
    from werkzeug.routing import Rule

    from framework import App
    from framework.wrappers import Response

    from .operations import Operation

__all__ = ["DEFAULTS", "EXTENSION_KEY", "Api"]

#: The key of :attr:`App.extensions <framework.App.extensions>` the
#: extension is stored under.
EXTENSION_KEY: t.Final[str] = "api"

#: The config keys and their defaults, set by :meth:`Api.init_app`.
DEFAULTS: dict[str, t.Any] = {
    # Check every typed view's return value against its annotation (for
    # development: it decodes each response again).
    "API_VALIDATE_RESPONSES": False,
    # The most errors one 422 lists: a body with a million wrong items
    # gets an answer of bounded size.
    "API_MAX_ERRORS": 100,
}

_encode = msgspec.json.Encoder().encode

_Analysed = dict[str, tuple[t.Any, "dict[str | None, Operation] | None"]]


class Api:
    """Typed views for an app: their parameters validated and converted
    from the request, their return values serialised, from their type
    hints; bad input answered with RFC 9457 problem details.

    ::

        app = App(__name__)
        api = Api(app)

    or, with an app factory, ``api = Api()`` then ``api.init_app(app)``.
    One ``Api`` may serve several apps. Each gets the OpenAPI document at
    ``openapi_url``, a documentation page at ``docs_url`` and the
    ``framework api spec`` command.

    :param app: the app to set up now.
    :param title: the API's name, in the document and on the page.
    :param version: the API's version (``info.version``), not OpenAPI's.
    :param openapi_url: where the OpenAPI document is served; ``None``
        serves neither it nor the page (``framework api spec`` still
        writes it).
    :param docs_url: where the documentation page is served (from the
        ``openapi-ui-bundles`` package: it works offline); ``None`` serves
        no page.
    :param docs_title: the page's title; ``title`` by default.
    :param docs_ui: the page: ``"swagger"`` (Swagger UI), ``"redoc"``
        (Redoc) or ``"rapidoc"`` (RapiDoc).
    :param ui_config: the page's own options over ours: Swagger UI's
        configuration (JSON values), Redoc's options or RapiDoc's
        attributes.
    :param document_untyped: describe the untyped views too (each method
        of their rules, with its path parameters, docstring and tag, and a
        bare success response), as the typed ones are; ``False`` for the
        typed views alone.
    :param document: more options of :attr:`generator_class`, declared
        once for the whole API: ``description``, ``info``, ``servers``,
        ``tags``, ``security_schemes``, ``security``, ``schema_hook``.
    """

    #: The class that makes the OpenAPI document; subclass
    #: :class:`~framework_api.openapi.OpenAPIGenerator` and set it here to
    #: change the document.
    generator_class: type[OpenAPIGenerator] = OpenAPIGenerator

    def __init__(
        self,
        app: App | None = None,
        *,
        title: str = "API",
        version: str = "0.1.0",
        openapi_url: str | None = "/openapi.json",
        docs_url: str | None = "/docs",
        docs_title: str | None = None,
        docs_ui: str = "swagger",
        ui_config: t.Mapping[str, t.Any] | None = None,
        document_untyped: bool = True,
        **document: t.Any,
    ) -> None:
        self._analysed: weakref.WeakKeyDictionary[t.Any, _Analysed] = (
            weakref.WeakKeyDictionary()
        )
        self.openapi_url = openapi_url
        self.docs_url = docs_url
        self.docs_title = docs_title or title
        if docs_ui not in DOCS_UIS:
            raise ValueError(
                f"Api(docs_ui={docs_ui!r}): no such page; choose one of"
                f" {', '.join(map(repr, DOCS_UIS))}."
            )
        self.docs_ui = docs_ui
        self.ui_config = dict(ui_config or {})
        #: Whether the document describes the untyped views too.
        self.document_untyped = document_untyped
        #: Makes the OpenAPI document (:meth:`spec`).
        self.generator = self.generator_class(title=title, version=version, **document)
        if app is not None:
            self.init_app(app)

    def init_app(self, app: App) -> None:
        """Set up ``app``: its config defaults, the binder in front of its
        view binder, the problem details error handler, the OpenAPI
        document, its page and the ``api`` commands. Call it before the
        app's first request; calling it again for the same app does
        nothing.

        :param app: the app.
        :raise ValueError: another ``Api`` already set the app up.
        """
        current = app.extensions.get(EXTENSION_KEY)
        if current is self:
            return
        if current is not None:
            raise ValueError(
                "This app already has an Api; one Api serves an app (it may"
                " serve several apps)."
            )
        for key, value in DEFAULTS.items():
            app.config.setdefault(key, value)
        app.extensions[EXTENSION_KEY] = self
        binder = app.view_binder
        if not (isinstance(binder, ApiBinder) and binder.api is self):
            app.view_binder = ApiBinder(binder, self)
        app.register_error_handler(Problem, self._problem_handler())
        if self.openapi_url is not None:
            register_docs(
                app,
                self.spec,
                spec_url=self.openapi_url,
                docs_url=self.docs_url,
                title=self.docs_title,
                ui=self.docs_ui,
                ui_config=self.ui_config,
            )
        add_api_commands(app.cli, self.spec)

    def spec(self, app: App) -> dict[str, t.Any]:
        """The OpenAPI 3.1 document of ``app``: its typed views and, unless
        :attr:`document_untyped` is false, its other views (but the
        ``static`` ones, the document's own and those marked
        ``doc(hidden=True)``), as a dict.

        :param app: an app this extension was set up on.
        :raise TypeError: a view's hints can't be bound or described.
        """
        views = app.view_functions if self.document_untyped else None
        return self.generator.generate(
            operation_routes(app.url_map, self._typed_operations(app), views)
        )

    # -- what the binder and the OpenAPI generator share --------------------

    def settings(self, app: t.Any) -> tuple[bool, int]:
        """``(API_VALIDATE_RESPONSES, API_MAX_ERRORS)`` of ``app``."""
        config = app.config
        return (
            bool(
                config.get("API_VALIDATE_RESPONSES", DEFAULTS["API_VALIDATE_RESPONSES"])
            ),
            int(config.get("API_MAX_ERRORS", DEFAULTS["API_MAX_ERRORS"])),
        )

    def analyse(
        self, app: t.Any, endpoint: str, view: t.Callable[..., t.Any]
    ) -> dict[str | None, Operation] | None:
        """The operations of ``view`` by HTTP method (``None`` for a view
        function), or ``None`` when it is not typed; analysed once per
        view and kept.

        :param app: the app the view is registered on.
        :param endpoint: its endpoint.
        :param view: the registered view.
        :raise TypeError: the view's hints can't be bound.
        """
        found = self._analysed.get(app)
        if found is None:
            found = self._analysed[app] = {}
        cached = found.get(endpoint)
        if cached is not None and cached[0] is view:
            return cached[1]
        operations = analyse_view(app, endpoint, view)
        found[endpoint] = (view, operations)
        return operations

    def operations(self, app: App) -> t.Iterator[tuple[Rule, str, Operation]]:
        """Every typed operation of ``app``: ``(rule, method, operation)``
        for each URL rule and each HTTP method it serves (``HEAD`` and
        automatic ``OPTIONS`` left out), in the URL map's order.

        :param app: an app this extension was set up on.
        :raise TypeError: a view's hints can't be bound.
        """
        return operation_routes(app.url_map, self._typed_operations(app))

    def _typed_operations(self, app: App) -> list[Operation]:
        return [
            operation
            for endpoint, view in app.view_functions.items()
            for operation in (self.analyse(app, endpoint, view) or {}).values()
        ]

    # -- problems ------------------------------------------------------------

    def _problem_handler(self) -> t.Callable[[Problem], Response]:
        # PERF: the 422 benchmark (ASGI); marked loop-safe, the handler runs
        # inline on the loop rather than in a thread: it only encodes.
        # PERF: the 422 benchmark; straight to problem_response (bound, so
        # a subclass's override is the one called) unless handle_problem
        # is overridden.
        answer = (
            self.problem_response
            if type(self).handle_problem is Api.handle_problem
            else self.handle_problem
        )

        def answer_problem(error: Problem) -> Response:
            return answer(error)

        return loop_safe(answer_problem)

    def handle_problem(self, error: Problem) -> Response:
        """The error handler registered for :class:`Problem`: answers with
        :meth:`problem_response`.

        :param error: the problem raised.
        """
        return self.problem_response(error)

    def problem_response(self, problem: Problem) -> Response:
        """The response for ``problem``: its :meth:`~Problem.to_dict` as
        ``application/problem+json``, with its status and headers.
        Override it to change every problem response of the app (add
        members, log, translate). Under ASGI it runs on the event loop:
        keep it free of blocking IO.

        :param problem: the problem raised.
        """
        response_class = current_app.response_class
        body = _encode(problem.to_dict())
        fast = fast_maker(response_class)
        status = problem.code
        assert status is not None
        if fast is not None:
            # PERF: the 422 benchmark; the response built the fast way.
            response = fast(body, PROBLEM_MEDIA_TYPE, status_line(status))
        else:
            response = response_class(body, status, mimetype=PROBLEM_MEDIA_TYPE)
        if problem.headers:
            response.headers.update(problem.headers)
        return response
