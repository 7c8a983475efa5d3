"""The OpenAPI document and its documentation page, served by the app.

:func:`register_docs` adds a blueprint with the document as JSON (at
``/openapi.json`` by default) and a Swagger UI page (at ``/docs``) whose
scripts, stylesheet and icons come from the ``openapi-ui-bundles`` package
installed with the ``api`` extra: the page names no other server, so it
works offline and on a private network.

Caching: the assets' URLs hold the bundle's version, so browsers keep them
for a year without asking again; the page and the document are revalidated
on each visit (``no-cache`` with an ``ETag``: a ``304`` while unchanged).
"""

from __future__ import annotations

import hashlib
import json
import typing as t
from importlib import metadata

import msgspec
from markupsafe import escape

from framework import (
    Blueprint,
    abort,
    current_app,
    request,
    send_from_directory,
    url_for,
)

if t.TYPE_CHECKING:
    from framework import App
    from framework.wrappers import Response

__all__ = ["ASSETS", "SpecBuilder", "register_docs"]

#: Builds the OpenAPI document of an app (called once per app, on the first
#: request for it).
SpecBuilder = t.Callable[["App"], t.Mapping[str, t.Any]]

#: The files of Swagger UI's distribution the page uses, served from the
#: installed bundle; every other name is a 404.
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}
)

#: Starts Swagger UI with the configuration the page carries in its
#: ``data-config`` attribute: a file rather than an inline script, so the
#: page works under a ``script-src 'self'`` Content Security Policy.
INIT_SCRIPT = b"""\
"use strict";
(function () {
  var node = document.getElementById("swagger-ui");
  var config = JSON.parse(node.getAttribute("data-config"));
  config.domNode = node;
  config.presets = [SwaggerUIBundle.presets.apis];
  window.ui = SwaggerUIBundle(config);
})();
"""
_INIT_NAME = "init.js"

#: Seconds browsers keep an asset: a year, as its URL changes with it.
ASSET_MAX_AGE = 365 * 24 * 3600

_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" type="image/png" sizes="32x32" href="{icon32}">
<link rel="icon" type="image/png" sizes="16x16" href="{icon16}">
</head>
<body>
<div id="swagger-ui" data-config="{config}"></div>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body>
</html>
"""


def _bundle_folder() -> tuple[str, str]:
    """The folder of the installed Swagger UI files, and the bundle's
    version."""
    try:
        from openapi_ui_bundles import swagger_ui
    except ImportError as e:
        raise RuntimeError(
            "The API documentation page serves Swagger UI from the"
            " openapi-ui-bundles package, which is not installed: install"
            " the api extra (pip install 'framework[api]'), or pass"
            " docs_url=None to serve the OpenAPI document alone."
        ) from e
    return str(swagger_ui.static_path), metadata.version("openapi-ui-bundles")


def _revalidated(response: Response) -> Response:
    """``response`` (with an ``ETag``) kept by browsers only if they ask
    again each time; a ``304`` when the request's ``If-None-Match`` holds."""
    response.cache_control.no_cache = True
    response.make_conditional(request)  # changes the response in place
    return response


def register_docs(
    app: App,
    build_spec: SpecBuilder | None,
    *,
    spec_url: str = "/openapi.json",
    docs_url: str | None = "/docs",
    title: str = "API documentation",
    ui_config: t.Mapping[str, t.Any] | None = None,
    name: str = "api_docs",
) -> Blueprint:
    """Serve the OpenAPI document and its documentation page on ``app``.

    The blueprint's endpoints are ``<name>.spec`` (the document),
    ``<name>.page`` (the page) and ``<name>.asset`` (its files), for
    :func:`~framework.url_for`.

    :param app: the app, before its first request.
    :param build_spec: makes the document of an app; called on the first
        request for it, then the JSON is kept (routes do not change once an
        app serves). ``None`` serves no document: the page then loads it
        from ``spec_url``, wherever that is.
    :param spec_url: the URL rule of the document (served when
        ``build_spec`` is given), or the URL the page loads it from.
    :param docs_url: the URL rule of the page; its assets are served below
        it. ``None`` serves no page.
    :param title: the page's title.
    :param ui_config: Swagger UI's configuration, over ours
        (``deepLinking``, ``tryItOutEnabled``, ``persistAuthorization``...);
        JSON values only, since the page carries it as JSON.
    :param name: the blueprint's name.
    :return: the blueprint, registered on ``app``.
    """
    blueprint = Blueprint(name, __name__)
    if build_spec is not None:
        _add_spec(blueprint, app, build_spec, spec_url)
    if docs_url is not None:
        _add_page(
            blueprint,
            docs_url.rstrip("/"),
            spec_url,
            served_spec=build_spec is not None,
            title=title,
            ui_config=dict(ui_config or {}),
        )
    app.register_blueprint(blueprint)
    return blueprint


def _add_spec(
    blueprint: Blueprint, app: App, build_spec: SpecBuilder, spec_url: str
) -> None:
    # The encoded document and its ETag, made on the first request: making
    # it walks every route and type, and its answer never changes after.
    made: list[tuple[bytes, str]] = []

    def spec() -> Response:
        if not made:
            body = msgspec.json.encode(build_spec(app))
            made.append((body, hashlib.sha256(body).hexdigest()[:32]))
        body, etag = made[0]
        response = current_app.response_class(body, mimetype="application/json")
        response.set_etag(etag)
        return _revalidated(response)

    blueprint.add_url_rule(spec_url, "spec", spec)


def _add_page(
    blueprint: Blueprint,
    docs_url: str,
    spec_url: str,
    *,
    served_spec: bool,
    title: str,
    ui_config: dict[str, t.Any],
) -> None:
    folder, bundle_version = _bundle_folder()
    # The assets' URLs change whenever the bundle or our script does.
    script_hash = hashlib.sha256(INIT_SCRIPT).hexdigest()[:8]
    version = f"{bundle_version}-{script_hash}"
    blueprint_name = blueprint.name

    def page() -> Response:
        def asset(file: str) -> str:
            return str(escape(url_for(f"{blueprint_name}.asset", file=file)))

        # Resolved per request so that an app mounted under a prefix
        # (SCRIPT_NAME) links to its own document.
        url = url_for(f"{blueprint_name}.spec") if served_spec else spec_url
        config = {"url": url, "deepLinking": True, "validatorUrl": None, **ui_config}
        html = _PAGE.format(
            title=escape(title),
            css=asset("swagger-ui.css"),
            icon32=asset("favicon-32x32.png"),
            icon16=asset("favicon-16x16.png"),
            bundle=asset("swagger-ui-bundle.js"),
            init=asset(_INIT_NAME),
            config=escape(json.dumps(config)),
        )
        response = current_app.response_class(html, mimetype="text/html")
        response.add_etag()
        return _revalidated(response)

    def asset(file: str) -> Response:
        if file == _INIT_NAME:
            response = current_app.response_class(
                INIT_SCRIPT, mimetype="text/javascript"
            )
            response.add_etag()
            response.cache_control.public = True
            response.cache_control.max_age = ASSET_MAX_AGE
            response.make_conditional(request)
        elif file in ASSETS:
            response = send_from_directory(folder, file, max_age=ASSET_MAX_AGE)
        else:
            abort(404)
        response.cache_control.immutable = True
        return response

    blueprint.add_url_rule(docs_url or "/", "page", page)
    blueprint.add_url_rule(f"{docs_url}/{version}/<file>", "asset", asset)
