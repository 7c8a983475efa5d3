"""The OpenAPI document and its documentation page, served by the app.

:func:`register_docs` adds a blueprint with the document as JSON (at
``/openapi.json`` by default) and a documentation page (at ``/docs``):
Swagger UI, Redoc or RapiDoc, whose scripts, stylesheet and icons come
from the ``openapi-ui-bundles`` package installed with the ``api`` extra.
The page names no other server, so it works offline and on a private
network, and it has no inline script, so it works under a ``script-src
'self'`` Content Security Policy.

Caching: the assets' URLs hold the bundle's version, so browsers keep them
for a year without asking again; the page and the document are revalidated
on each visit (``no-cache`` with an ``ETag``: a ``304`` while unchanged).
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import re
import typing as t
from importlib import metadata
from pathlib import Path

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

from .documentation import doc

if t.TYPE_CHECKING:
    from framework import App
    from framework.wrappers import Response

__all__ = [
    "ASSETS",
    "DOCS_UIS",
    "DocsUI",
    "SpecBuilder",
    "element_attributes",
    "register_docs",
]

#: Builds the OpenAPI document of an app (called once per app, on the first
#: request for it).
SpecBuilder = t.Callable[["App"], t.Mapping[str, t.Any]]

#: The files of Swagger UI's distribution the page uses, served from the
#: installed bundle; every other name is a 404.
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}
)


class DocsUI(t.NamedTuple):
    """A documentation page the bundle package ships.

    :param bundle: its module in ``openapi_ui_bundles`` (whose
        ``static_path`` holds its files).
    :param script: the file of its script.
    :param element: the custom element the script renders the document
        into, its options given as the element's attributes; ``None`` for
        Swagger UI, which a script of ours starts.
    :param assets: the files the page uses; every other name is a 404.
    :param defaults: our options, under the app's ``ui_config``.
    :param inlined: what the script would fetch from another server, and
        the shipped file written into the script in its place (as a
        ``data:`` URL), so that the page asks no other server.
    """

    bundle: str
    script: str
    element: str | None
    assets: frozenset[str]
    defaults: t.Mapping[str, t.Any]
    inlined: t.Mapping[str, str] = {}


#: The pages :func:`register_docs` serves, by the name its ``ui`` takes.
DOCS_UIS: t.Mapping[str, DocsUI] = {
    "swagger": DocsUI(
        "swagger_ui",
        "swagger-ui-bundle.js",
        None,
        ASSETS,
        {"deepLinking": True, "validatorUrl": None},
    ),
    "redoc": DocsUI(
        "redoc",
        "redoc.standalone.js",
        "redoc",
        frozenset({"redoc.standalone.js"}),
        {},
        # Redoc 2 shows its maker's logo from a CDN; the bundle ships it.
        {"https://cdn.redoc.ly/redoc/logo-mini.svg": "logo-mini.svg"},
    ),
    "rapidoc": DocsUI(
        "rapidoc",
        "rapidoc-min.js",
        "rapi-doc",
        frozenset({"rapidoc-min.js"}),
        # RapiDoc's own fonts come from a font server unless told not to.
        {"load-fonts": False},
    ),
}


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
{head}</head>
<body>
{body}</body>
</html>
"""
_SWAGGER_HEAD = """\
<link rel="stylesheet" href="{css}">
<link rel="icon" type="image/png" sizes="32x32" href="{icon32}">
<link rel="icon" type="image/png" sizes="16x16" href="{icon16}">
"""
_SWAGGER_BODY = """\
<div id="swagger-ui" data-config="{config}"></div>
<script src="{bundle}"></script>
<script src="{init}"></script>
"""
#: The body of a page whose script renders the document into a custom
#: element.
_ELEMENT_BODY = """\
<{element} spec-url="{url}"{attributes}></{element}>
<script src="{script}"></script>
"""
_ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def _bundle_folder(ui: DocsUI) -> tuple[str, str]:
    """The folder of the installed page's files, and the bundle's
    version."""
    try:
        import openapi_ui_bundles
    except ImportError as e:
        raise RuntimeError(
            "The API documentation page is served from the"
            " openapi-ui-bundles package, which is not installed: install"
            " the api extra (pip install 'framework[api]'), or pass"
            " docs_url=None to serve the OpenAPI document alone."
        ) from e
    folder = getattr(openapi_ui_bundles, ui.bundle).static_path
    return str(folder), metadata.version("openapi-ui-bundles")


def element_attributes(options: t.Mapping[str, t.Any]) -> str:
    """``options`` as the HTML attributes of a page's element, escaped:
    a camelCase name (Redoc's ``hideDownloadButton``) written in
    kebab-case (``hide-download-button``), as HTML attributes are; a
    boolean as ``true`` or ``false``; a dict or list as JSON.

    :raise ValueError: a name that can't be an attribute's, or the spec
        URL, which the page sets.
    """
    written = []
    for key, value in options.items():
        name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"-\1", key).lower()
        if not _ATTRIBUTE_NAME.fullmatch(name):
            raise ValueError(
                f"ui_config key {key!r} can't be an HTML attribute's name:"
                " use letters, digits and dashes (render-style)."
            )
        if name == "spec-url":
            # The page's element names the document already; a second
            # attribute would be ignored by the browser, silently.
            raise ValueError(
                f"ui_config key {key!r}: the page reads the document from"
                " the Api's openapi_url; set that instead."
            )
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str):
            text = value
        else:
            text = json.dumps(value)
        written.append(f' {name}="{escape(text)}"')
    return "".join(written)


def _revalidated(response: Response) -> Response:
    """``response`` (with an ``ETag``) kept by browsers only if they ask
    again each time; a ``304`` when the request's ``If-None-Match`` holds."""
    response.cache_control.no_cache = True
    response.make_conditional(request)  # changes the response in place
    return response


#: Leaves a view of ours out of the document it serves.
_undocumented = doc(hidden=True)


def _offline_script(folder: str, ui: DocsUI) -> bytes | None:
    """The page's script with what it would fetch elsewhere written in;
    ``None`` when nothing is (the file is then served as it is)."""
    if not ui.inlined:
        return None
    script = (Path(folder) / ui.script).read_bytes()
    for remote, file in ui.inlined.items():
        data = base64.b64encode((Path(folder) / file).read_bytes()).decode()
        kind = mimetypes.guess_type(file)[0] or "application/octet-stream"
        script = script.replace(remote.encode(), f"data:{kind};base64,{data}".encode())
    return script


def _etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _cached_asset(body: bytes, etag: str, mimetype: str) -> Response:
    """An asset of ours, with its ``etag`` (made once: Redoc's script is a
    megabyte): kept by browsers for :data:`ASSET_MAX_AGE`."""
    response = current_app.response_class(body, mimetype=mimetype)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_MAX_AGE
    response.make_conditional(request)  # changes the response in place
    return response


def register_docs(
    app: App,
    build_spec: SpecBuilder | None,
    *,
    spec_url: str = "/openapi.json",
    docs_url: str | None = "/docs",
    title: str = "API documentation",
    ui: str = "swagger",
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
    :param ui: the page: ``"swagger"`` (Swagger UI, which sends requests
        too), ``"redoc"`` (Redoc, a three-panel reference) or
        ``"rapidoc"`` (RapiDoc); a key of :data:`DOCS_UIS`.
    :param ui_config: the page's own options, over ours: Swagger UI's
        configuration (``deepLinking``, ``tryItOutEnabled``,
        ``persistAuthorization``...; JSON values, since the page carries it
        as JSON), or Redoc's options and RapiDoc's attributes (written as
        the element's attributes: see :func:`element_attributes`).
    :param name: the blueprint's name.
    :return: the blueprint, registered on ``app``.
    :raise ValueError: ``ui`` is not a page this module serves.
    """
    docs_ui = DOCS_UIS.get(ui)
    if docs_ui is None:
        raise ValueError(
            f"No documentation page named {ui!r}: choose one of"
            f" {', '.join(map(repr, DOCS_UIS))}."
        )
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
            ui=docs_ui,
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
            made.append((body, _etag(body)))
        body, etag = made[0]
        response = current_app.response_class(body, mimetype="application/json")
        response.set_etag(etag)
        return _revalidated(response)

    blueprint.add_url_rule(spec_url, "spec", _undocumented(spec))


def _add_page(
    blueprint: Blueprint,
    docs_url: str,
    spec_url: str,
    *,
    served_spec: bool,
    title: str,
    ui: DocsUI,
    ui_config: dict[str, t.Any],
) -> None:
    folder, bundle_version = _bundle_folder(ui)
    script = _offline_script(folder, ui)
    # The assets' URLs change whenever the bundle, our start script or our
    # rewrite of the page's script does: they are cached as immutable.
    ours = hashlib.sha256(INIT_SCRIPT)
    if script is not None:
        ours.update(script)
    version = f"{bundle_version}-{ours.hexdigest()[:8]}"
    blueprint_name = blueprint.name
    options = {**ui.defaults, **ui_config}
    # Checked now rather than on the first visit.
    attributes = "" if ui.element is None else element_attributes(options)
    init_etag = _etag(INIT_SCRIPT)
    script_etag = None if script is None else _etag(script)

    def page() -> Response:
        def asset(file: str) -> str:
            return str(escape(url_for(f"{blueprint_name}.asset", file=file)))

        # Resolved per request so that an app mounted under a prefix
        # (SCRIPT_NAME) links to its own document.
        url = url_for(f"{blueprint_name}.spec") if served_spec else spec_url
        if ui.element is None:
            head = _SWAGGER_HEAD.format(
                css=asset("swagger-ui.css"),
                icon32=asset("favicon-32x32.png"),
                icon16=asset("favicon-16x16.png"),
            )
            body = _SWAGGER_BODY.format(
                config=escape(json.dumps({"url": url, **options})),
                bundle=asset(ui.script),
                init=asset(_INIT_NAME),
            )
        else:
            head = ""
            body = _ELEMENT_BODY.format(
                element=ui.element,
                url=escape(url),
                attributes=attributes,
                script=asset(ui.script),
            )
        html = _PAGE.format(title=escape(title), head=head, body=body)
        response = current_app.response_class(html, mimetype="text/html")
        response.add_etag()
        return _revalidated(response)

    def asset(file: str) -> Response:
        if file == _INIT_NAME and ui.element is None:
            response = _cached_asset(INIT_SCRIPT, init_etag, "text/javascript")
        elif file == ui.script and script is not None:
            assert script_etag is not None
            response = _cached_asset(script, script_etag, "text/javascript")
        elif file in ui.assets:
            response = send_from_directory(folder, file, max_age=ASSET_MAX_AGE)
        else:
            abort(404)
        response.cache_control.immutable = True
        return response

    blueprint.add_url_rule(docs_url or "/", "page", _undocumented(page))
    blueprint.add_url_rule(
        f"{docs_url}/{version}/<file>", "asset", _undocumented(asset)
    )
