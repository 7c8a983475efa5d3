"""framework_api.docs_ui: the OpenAPI document at /openapi.json and the
page at /docs (Swagger UI, Redoc or RapiDoc), with its assets served from
the installed openapi-ui-bundles package (so it works offline), and how
each is cached.

The apps are in tests/api_docs_app.py. The last tests open /docs in the
session's headless Chromium against its typed app served for real (waitress on
127.0.0.1, a port the system picks, under a ``script-src 'self'`` Content
Security Policy): the page renders the operation, and "Try it out" sends
a request that the view answers; and the Redoc page renders it too.
"""

from __future__ import annotations

import contextlib
import re
import sys
import typing as t
from pathlib import Path

import api_docs_app
import pytest
from announced_server import announced_server
from api_docs_app import create_app
from framework_api import docs_ui
from servers import server_environment

from framework import App

if t.TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

TESTS = Path(__file__).resolve().parent
#: How long the page may take to render or answer, in seconds.
UI_TIMEOUT = 15
YEAR = "public, max-age=31536000, immutable"


def bundle_file(name: str, bundle: str = "swagger_ui") -> bytes:
    import openapi_ui_bundles

    return (getattr(openapi_ui_bundles, bundle).static_path / name).read_bytes()


def links(html: str) -> list[str]:
    """The page's ``href`` and ``src`` values."""
    return re.findall(r'(?:href|src)="([^"]+)"', html)


@pytest.fixture
def app() -> App:
    return create_app()


# -- the page --------------------------------------------------------------


def self_contained_page(client: t.Any) -> str:
    """The HTML of /docs, checked to name no other server and to hold no
    inline script (so it works under "script-src 'self'": the browser
    tests below serve it so)."""
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html: str = page.get_data(as_text=True)
    assert not re.search(r"(?i)https?:|//[a-z]", html)
    assert re.findall(r"<script(?![^>]* src=)", html) == []
    return html


def test_the_page_names_no_other_server_and_each_asset_is_served(app: App) -> None:
    client = app.test_client()
    html = self_contained_page(client)
    found = links(html)
    assert len(found) == 5
    served = {}
    for link in found:
        assert link.startswith("/docs/")
        with client.get(link) as response:  # a file: closed when read
            assert response.status_code == 200, link
            # The version is in the URL: browsers need not ask again.
            assert response.headers["Cache-Control"] == YEAR
            assert response.headers["ETag"]
            response.get_data()
        served[link.rsplit("/", 1)[1]] = response
    assert sorted(served) == sorted(
        [
            "favicon-16x16.png",
            "favicon-32x32.png",
            "init.js",
            "swagger-ui-bundle.js",
            "swagger-ui.css",
        ]
    )
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"):
        assert served[name].get_data() == bundle_file(name)
    assert served["swagger-ui-bundle.js"].mimetype == "text/javascript"
    assert served["swagger-ui.css"].mimetype == "text/css"
    assert served["favicon-16x16.png"].mimetype == "image/png"
    assert b"SwaggerUIBundle(config)" in served["init.js"].get_data()


def test_the_page_is_revalidated_and_a_304_while_unchanged(app: App) -> None:
    client = app.test_client()
    page = client.get("/docs")
    assert page.headers["Cache-Control"] == "no-cache"
    again = client.get("/docs", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_an_asset_is_a_304_for_its_etag(app: App) -> None:
    client = app.test_client()
    css = next(
        u for u in links(client.get("/docs").get_data(as_text=True)) if "css" in u
    )
    with client.get(css) as response:
        etag = response.headers["ETag"]
    with client.get(css, headers={"If-None-Match": etag}) as response:
        assert response.status_code == 304


@pytest.mark.parametrize(
    "name",
    ["index.html", "swagger-ui-standalone-preset.js", "..%2F__init__.py", "x.js"],
)
def test_only_the_pages_assets_are_served(app: App, name: str) -> None:
    client = app.test_client()
    css = next(
        u for u in links(client.get("/docs").get_data(as_text=True)) if "css" in u
    )
    folder = css.rsplit("/", 1)[0]
    assert client.get(f"{folder}/{name}").status_code == 404


def test_an_asset_of_another_version_is_a_404(app: App) -> None:
    assert (
        app.test_client().get("/docs/0.0.1-deadbeef/swagger-ui.css").status_code == 404
    )


def test_the_page_carries_the_spec_url_title_and_config_escaped() -> None:
    app = create_app(
        title="<Shop> & co",
        ui_config={"tryItOutEnabled": True, "deepLinking": False},
        spec_url="/api/spec.json",
        docs_url="/api/docs/",
    )
    client = app.test_client()
    html = client.get("/api/docs").get_data(as_text=True)
    assert "<title>&lt;Shop&gt; &amp; co</title>" in html
    config = re.search(r'data-config="([^"]*)"', html)
    assert config is not None
    assert config.group(1) == (
        "{&#34;url&#34;: &#34;/api/spec.json&#34;, &#34;deepLinking&#34;: false,"
        " &#34;validatorUrl&#34;: null, &#34;tryItOutEnabled&#34;: true}"
    )
    assert all(link.startswith("/api/docs/") for link in links(html))
    assert client.get("/api/spec.json").json["info"]["title"] == "Greeter"


def test_under_a_prefix_the_page_links_to_the_prefixed_document(app: App) -> None:
    html = (
        app.test_client()
        .get("/docs", environ_overrides={"SCRIPT_NAME": "/shop"})
        .get_data(as_text=True)
    )
    assert "&#34;url&#34;: &#34;/shop/openapi.json&#34;" in html
    assert all(link.startswith("/shop/docs/") for link in links(html))


def test_without_a_builder_the_page_loads_the_document_from_elsewhere() -> None:
    app = create_app(build_spec=None, spec_url="https://api.example/openapi.json")
    client = app.test_client()
    assert client.get("/openapi.json").status_code == 404
    html = client.get("/docs").get_data(as_text=True)
    assert "&#34;url&#34;: &#34;https://api.example/openapi.json&#34;" in html


def test_docs_url_none_serves_the_document_alone() -> None:
    app = create_app(docs_url=None)
    client = app.test_client()
    assert client.get("/docs").status_code == 404
    assert client.get("/openapi.json").status_code == 200
    assert [
        r.endpoint for r in app.url_map.iter_rules() if "api_docs" in r.endpoint
    ] == ["api_docs.spec"]


def test_without_the_bundle_package_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # None in sys.modules makes the import fail, as if it were not installed.
    monkeypatch.setitem(sys.modules, "openapi_ui_bundles", None)
    with pytest.raises(RuntimeError, match=r"pip install 'framework\[api\]'"):
        create_app()
    create_app(docs_url=None)  # the document alone needs no bundle


# -- Redoc and RapiDoc ---------------------------------------------------------


@pytest.mark.parametrize(
    ("ui", "bundle", "script", "element"),
    [
        ("redoc", "redoc", "redoc.standalone.js", "redoc"),
        ("rapidoc", "rapidoc", "rapidoc-min.js", "rapi-doc"),
    ],
)
def test_another_page_names_no_other_server_and_its_script_is_served(
    ui: str, bundle: str, script: str, element: str
) -> None:
    client = create_app(ui=ui).test_client()
    html = self_contained_page(client)
    assert f'<{element} spec-url="/openapi.json"' in html
    [link] = links(html)
    assert link.startswith("/docs/") and link.endswith("/" + script)
    with client.get(link) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert response.headers["Cache-Control"] == YEAR
        etag = response.headers["ETag"]
        served = response.get_data()
    with client.get(link, headers={"If-None-Match": etag}) as response:
        assert response.status_code == 304
    folder = link.rsplit("/", 1)[0]
    # Swagger UI's files, and its start script, are not this page's.
    for other in ("swagger-ui.css", "init.js", "index.html"):
        assert client.get(f"{folder}/{other}").status_code == 404
    if ui == "rapidoc":
        assert served == bundle_file(script, bundle)
        # Its fonts would come from a font server.
        assert ' load-fonts="false"' in html


def test_redocs_logo_is_written_into_its_script() -> None:
    # Redoc 2 would fetch its maker's logo from a CDN: the page would ask
    # another server (or, offline, show a broken image).
    remote = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert remote in bundle_file("redoc.standalone.js", "redoc")
    client = create_app(ui="redoc").test_client()
    [link] = links(client.get("/docs").get_data(as_text=True))
    with client.get(link) as response:
        served = response.get_data()
    assert remote not in served
    assert b'src:"data:image/svg+xml;base64,' in served


def test_the_assets_url_changes_with_our_rewrite_of_the_script(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The assets are cached as immutable: a new rewrite of the bundle's
    # script must come at a new URL, the bundle's version unchanged.
    def script_link() -> str:
        client = create_app(ui="redoc").test_client()
        [link] = links(client.get("/docs").get_data(as_text=True))
        return link

    before = script_link()
    monkeypatch.setattr(docs_ui, "_offline_script", lambda folder, ui: b"rewritten")
    after = script_link()
    assert before != after
    assert before.rsplit("-", 1)[0] == after.rsplit("-", 1)[0]


def test_the_element_pages_options_are_its_attributes() -> None:
    client = create_app(
        ui="redoc",
        ui_config={
            "hideDownloadButton": True,
            "expandResponses": "200,201",
            "theme": {"spacing": {"unit": 4}},
            "nativeScrollbars": False,
        },
    ).test_client()
    html = client.get("/docs").get_data(as_text=True)
    assert (
        '<redoc spec-url="/openapi.json" hide-download-button="true"'
        ' expand-responses="200,201"'
        ' theme="{&#34;spacing&#34;: {&#34;unit&#34;: 4}}"'
        ' native-scrollbars="false"></redoc>'
    ) in html


@pytest.mark.parametrize("key", ["on load", '"x', "x=1", "", "-x"])
def test_an_option_that_cant_be_an_attribute_is_refused(key: str) -> None:
    with pytest.raises(ValueError, match="HTML attribute"):
        create_app(ui="rapidoc", ui_config={key: "1"})


@pytest.mark.parametrize("key", ["specUrl", "spec-url"])
def test_the_spec_url_is_the_apis_not_an_option(key: str) -> None:
    with pytest.raises(ValueError, match="openapi_url"):
        create_app(ui="redoc", ui_config={key: "/other.json"})


def test_an_unknown_page_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="'swagger', 'redoc', 'rapidoc'"):
        create_app(ui="scalar")
    from framework_api import Api

    with pytest.raises(ValueError, match="docs_ui='elements'"):
        Api(docs_ui="elements")


def test_api_serves_the_page_it_is_told() -> None:
    html = api_docs_app.redoc_app.test_client().get("/docs").get_data(as_text=True)
    assert "<redoc " in html and "swagger" not in html


# -- the document ------------------------------------------------------------


def test_the_document_is_made_once_and_revalidated(app: App) -> None:
    # BUILDS is keyed by id(): an app of an earlier test may have had it.
    built_before = api_docs_app.BUILDS.get(id(app), 0)
    client = app.test_client()
    first = client.get("/openapi.json")
    assert first.status_code == 200
    assert first.mimetype == "application/json"
    assert first.headers["Cache-Control"] == "no-cache"
    assert first.json == api_docs_app.build_spec(app)
    assert first.json["paths"]["/greet"]["get"]["summary"] == "Greet someone."
    second = client.get("/openapi.json")
    assert second.get_data() == first.get_data()
    # Once for the first request, once for the comparison above.
    assert api_docs_app.BUILDS[id(app)] == built_before + 2
    etag = first.headers["ETag"]
    assert (
        client.get("/openapi.json", headers={"If-None-Match": etag}).status_code == 304
    )
    assert client.head("/openapi.json").headers["ETag"] == etag


# -- in a browser, against a real server ------------------------------------


@contextlib.contextmanager
def serving(app: str, folder: Path) -> t.Iterator[str]:
    """tests/api_docs_app.py's ``app`` served by waitress on 127.0.0.1;
    its base URL."""
    argv = [sys.executable, "-m", "framework", "--app", f"api_docs_app:{app}"]
    argv += ["serve"]
    argv += ["--server", "waitress", "--host", "127.0.0.1"]
    with announced_server(
        argv,
        cwd=folder,
        env=server_environment(TESTS, FRAMEWORK_SKIP_DOTENV="1"),
    ) as url:
        yield url


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[str]:
    """The typed app, served; its base URL."""
    with serving("typed_app", tmp_path_factory.mktemp("api_docs")) as url:
        yield url


@pytest.fixture(scope="module")
def docs(browser: WebDriver, served: str) -> WebDriver:
    """The session's browser on the served /docs page, rendered."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    browser.get(served + "/docs")
    WebDriverWait(browser, UI_TIMEOUT).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, ".opblock")
    )
    return browser


def test_the_browser_renders_the_documents_operations(docs: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    assert docs.title == "API documentation"
    info = docs.find_element(By.CSS_SELECTOR, ".info .title").text.split()
    assert info == ["Greeter", "1.0", "OAS", "3.1"]
    assert docs.find_element(By.CSS_SELECTOR, ".opblock-tag").text.split("\n") == [
        "greetings",
        "Saying hello.",
    ]
    summaries = docs.find_elements(By.CSS_SELECTOR, ".opblock-summary")
    assert [s.text.split("\n") for s in summaries] == [
        ["GET", "/greet", "Greet someone."]
    ]


def test_try_it_out_sends_a_request_the_view_answers(
    docs: WebDriver, served: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    wait = WebDriverWait(docs, UI_TIMEOUT)

    def found(selector: str) -> t.Any:
        return wait.until(
            lambda driver: driver.find_elements(By.CSS_SELECTOR, selector)
        )

    docs.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    found(".try-out__btn")[0].click()
    (name,) = found(".parameters input")
    assert name.get_attribute("placeholder") == "name"
    name.send_keys("Ann")
    docs.find_element(By.CSS_SELECTOR, "button.execute").click()
    status = found(".live-responses-table tbody .response-col_status")[0]
    assert status.text == "200"
    body = docs.find_element(
        By.CSS_SELECTOR, ".live-responses-table tbody .response-col_description pre"
    )
    assert body.text.replace("\n", "") == '{  "greeting": "Hello, Ann!"}'
    assert docs.find_element(By.CSS_SELECTOR, ".request-url pre").text == (
        f"{served}/greet?name=Ann"
    )
    # Everything the page loaded came from the app: nothing from elsewhere.
    loaded = docs.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert loaded and all(url.startswith(served + "/") for url in loaded), loaded
    assert f"{served}/openapi.json" in loaded


def test_the_browser_renders_the_redoc_page_from_the_app_alone(
    browser: WebDriver, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    with serving("redoc_app", tmp_path) as url:
        browser.get(url + "/docs")
        WebDriverWait(browser, UI_TIMEOUT).until(
            lambda driver: driver.find_elements(
                By.CSS_SELECTOR, '[data-section-id="operation/greetings_greet"]'
            )
        )
        operation = browser.find_element(
            By.CSS_SELECTOR, '[data-section-id="operation/greetings_greet"]'
        )
        assert operation.find_element(By.TAG_NAME, "h2").text == "Greet someone."
        assert "Who to greet." in operation.text
        assert browser.find_element(By.TAG_NAME, "h1").text == "Greeter (1.0)"
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert loaded and all(u.startswith(url + "/") for u in loaded), loaded
        assert f"{url}/openapi.json" in loaded
