"""Static files and downloads: the static route, send_file, send_from_directory,
conditional and range requests, caching, and the path checks that keep every
request inside its directory."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import typing as t
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder, TestResponse, run_wsgi_app

from framework import App, send_file, send_from_directory, url_for
from framework.testing import AppClient
from framework.wrappers import Response

FILES = Path(__file__).parent / "static_files"
STATIC = FILES / "static"
HELLO = (STATIC / "hello.txt").read_bytes()


def _app(**kwargs: t.Any) -> App:
    kwargs.setdefault("root_path", str(FILES))
    app = App("test_static", **kwargs)
    app.testing = True
    return app


@pytest.fixture
def app() -> App:
    """An app rooted at tests/static_files: its static folder is ``static``."""
    return _app()


def _get(client: AppClient, url: str, **kwargs: t.Any) -> TestResponse:
    """GET through the real test client, buffered: the body is read and the
    file closed at once (unbuffered, as in Flask, the file stays open until
    the response is closed)."""
    return client.get(url, buffered=True, **kwargs)


def _wsgi(app: App, path_info: str) -> tuple[int, bytes]:
    """Call ``app`` with a raw WSGI environ whose ``PATH_INFO`` is exactly
    ``path_info`` (a WSGI "bytes as latin-1" string), which the test client
    would quote or normalize."""
    environ = EnvironBuilder(path="/").get_environ()
    environ["PATH_INFO"] = path_info
    app_iter, status, _headers = run_wsgi_app(app, environ)
    try:
        body = b"".join(app_iter)
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    return int(status.split()[0]), body


# -- the static route ----------------------------------------------------


def test_static_route_serves_file(client: AppClient) -> None:
    response = _get(client, "/static/hello.txt")
    assert response.status_code == 200
    assert response.data == HELLO
    assert response.mimetype == "text/plain"
    assert response.content_length == len(HELLO)
    assert response.headers["Content-Disposition"] == "inline; filename=hello.txt"
    assert response.headers["Accept-Ranges"] == "bytes"


def test_static_route_serves_nested_file(client: AppClient) -> None:
    response = _get(client, "/static/sub/nested.txt")
    assert response.status_code == 200
    assert response.data == b"nested\n"


def test_static_rule_is_default_path_rule(app: App) -> None:
    rules = [r for r in app.url_map.iter_rules() if r.endpoint == "static"]
    assert [r.rule for r in rules] == ["/static/<path:filename>"]
    assert rules[0].methods == {"GET", "HEAD", "OPTIONS"}
    assert app.has_static_folder
    assert app.static_folder == str(STATIC)
    assert app.static_url_path == "/static"


def test_static_route_missing_file_is_404(client: AppClient) -> None:
    assert _get(client, "/static/missing.txt").status_code == 404


def test_static_route_directory_is_404(client: AppClient) -> None:
    assert _get(client, "/static/sub").status_code == 404
    assert _get(client, "/static/sub/").status_code == 404


def test_static_route_head_has_headers_and_no_body(client: AppClient) -> None:
    response = client.head("/static/hello.txt", buffered=True)
    assert response.status_code == 200
    assert response.data == b""
    assert response.content_length == len(HELLO)


def test_static_route_refuses_post(client: AppClient) -> None:
    assert client.post("/static/hello.txt", buffered=True).status_code == 405


@pytest.mark.parametrize(
    ("static_url_path", "url"),
    [
        ("/files", "/files/hello.txt"),
        ("/files/", "/files/hello.txt"),
        ("/a/b", "/a/b/hello.txt"),
        ("", "/hello.txt"),
    ],
)
def test_custom_static_url_path(static_url_path: str, url: str) -> None:
    client = _app(static_url_path=static_url_path).test_client()
    assert _get(client, url).data == HELLO
    assert _get(client, "/static/hello.txt").status_code == 404


def test_custom_static_url_path_url_for() -> None:
    app = _app(static_url_path="/files")
    with app.test_request_context():
        assert url_for("static", filename="hello.txt") == "/files/hello.txt"


def test_static_folder_none_has_no_route() -> None:
    app = _app(static_folder=None)
    assert not app.has_static_folder
    assert app.static_folder is None
    assert app.static_url_path is None
    assert "static" not in app.view_functions
    assert not [r for r in app.url_map.iter_rules() if r.endpoint == "static"]
    assert _get(app.test_client(), "/static/hello.txt").status_code == 404


def test_static_folder_none_send_static_file_raises() -> None:
    app = _app(static_folder=None)
    with app.test_request_context(), pytest.raises(RuntimeError):
        app.send_static_file("hello.txt")


@pytest.mark.parametrize("folder", ["assets", "assets/", Path("assets")])
def test_custom_static_folder_name_gives_its_url(folder: str | Path) -> None:
    app = _app(static_folder=folder)
    assert app.static_folder == str(FILES / "assets")
    assert app.static_url_path == "/assets"
    client = app.test_client()
    assert _get(client, "/assets/asset.txt").data == b"asset\n"
    assert _get(client, "/static/hello.txt").status_code == 404
    with app.test_request_context():
        assert url_for("static", filename="asset.txt") == "/assets/asset.txt"


def test_static_folder_and_url_path_both_custom() -> None:
    client = _app(static_folder="assets", static_url_path="/media").test_client()
    assert _get(client, "/media/asset.txt").data == b"asset\n"
    assert _get(client, "/assets/asset.txt").status_code == 404


def test_static_host_with_host_matching() -> None:
    app = _app(static_host="static.example.com", host_matching=True)
    client = app.test_client()
    ok = _get(client, "/static/hello.txt", base_url="http://static.example.com")
    assert ok.status_code == 200
    assert ok.data == HELLO
    other = _get(client, "/static/hello.txt", base_url="http://www.example.com")
    assert other.status_code == 404


def test_static_host_url_for_from_another_host_is_external() -> None:
    app = _app(static_host="static.example.com", host_matching=True)
    with app.test_request_context("/", base_url="http://www.example.com"):
        assert (
            url_for("static", filename="hello.txt")
            == "http://static.example.com/static/hello.txt"
        )
    with app.test_request_context("/", base_url="http://static.example.com"):
        assert url_for("static", filename="hello.txt") == "/static/hello.txt"


def test_static_host_without_host_matching_raises() -> None:
    with pytest.raises(AssertionError, match="static_host only works with"):
        _app(static_host="static.example.com")


def test_host_matching_without_static_host_raises() -> None:
    with pytest.raises(AssertionError, match="needs static_host"):
        _app(host_matching=True)


def test_host_matching_without_static_folder_needs_no_static_host() -> None:
    app = _app(host_matching=True, static_folder=None)
    assert app.url_map.host_matching


# -- url_for ---------------------------------------------------------------


def test_url_for_static(app: App) -> None:
    with app.test_request_context():
        assert url_for("static", filename="hello.txt") == "/static/hello.txt"
        assert url_for("static", filename="sub/nested.txt") == "/static/sub/nested.txt"
        assert url_for("static", filename="a.css", v=3) == "/static/a.css?v=3"
        assert (
            url_for("static", filename="hello.txt", _external=True)
            == "http://localhost/static/hello.txt"
        )


def test_url_for_static_quotes_non_ascii(app: App) -> None:
    with app.test_request_context():
        assert (
            url_for("static", filename="héllo wörld.txt")
            == "/static/h%C3%A9llo%20w%C3%B6rld.txt"
        )


# -- send_static_file and max age -----------------------------------------


def test_send_static_file_in_view(app: App, client: AppClient) -> None:
    @app.get("/page")
    def page() -> Response:
        return app.send_static_file("style.css")

    response = _get(client, "/page")
    assert response.status_code == 200
    assert response.data == (STATIC / "style.css").read_bytes()
    assert response.mimetype == "text/css"


def test_send_static_file_unsafe_or_missing_is_404(app: App, client: AppClient) -> None:
    @app.get("/page/<name>")
    def page(name: str) -> Response:
        return app.send_static_file({"up": "../resource.txt"}.get(name, name))

    assert _get(client, "/page/up").status_code == 404
    assert _get(client, "/page/missing.txt").status_code == 404


def test_send_static_file_outside_request_raises(app: App) -> None:
    with pytest.raises(RuntimeError):
        app.send_static_file("hello.txt")
    with app.app_context(), pytest.raises(RuntimeError):
        app.send_static_file("hello.txt")


def test_default_max_age_means_no_cache(app: App, client: AppClient) -> None:
    response = _get(client, "/static/hello.txt")
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Expires" not in response.headers
    with app.app_context():
        assert app.get_send_file_max_age("hello.txt") is None


@pytest.mark.parametrize("value", [60, timedelta(minutes=1)], ids=["int", "timedelta"])
def test_send_file_max_age_default(
    app: App, client: AppClient, value: int | timedelta
) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = value
    with app.app_context():
        assert app.get_send_file_max_age("hello.txt") == 60
    response = _get(client, "/static/hello.txt")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.expires is not None


def test_send_file_max_age_default_applies_to_send_file(
    app: App, client: AppClient
) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = timedelta(hours=1)

    @app.get("/download")
    def download() -> Response:
        return send_file("static/hello.txt")

    assert _get(client, "/download").headers["Cache-Control"] == "public, max-age=3600"


def test_get_send_file_max_age_outside_app_context_raises(app: App) -> None:
    with pytest.raises(RuntimeError):
        app.get_send_file_max_age("hello.txt")


def test_get_send_file_max_age_overridden_in_subclass() -> None:
    seen: list[str | None] = []

    class CachingApp(App):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            seen.append(filename)
            if filename is not None and filename.endswith(".css"):
                return 3600
            return super().get_send_file_max_age(filename)

    app = CachingApp("test_static", root_path=str(FILES))
    app.testing = True

    @app.get("/download/<name>")
    def download(name: str) -> Response:
        return send_file(f"static/{name}")

    client = app.test_client()
    css = _get(client, "/static/style.css")
    assert css.headers["Cache-Control"] == "public, max-age=3600"
    assert _get(client, "/static/hello.txt").headers["Cache-Control"] == "no-cache"
    assert seen[:2] == ["style.css", "hello.txt"]
    sent = _get(client, "/download/style.css")
    assert sent.headers["Cache-Control"] == "public, max-age=3600"
    assert seen[-1] == str(STATIC / "style.css")


def test_explicit_max_age_wins_over_default(app: App, client: AppClient) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60

    @app.get("/download")
    def download() -> Response:
        return send_file("static/hello.txt", max_age=10)

    assert _get(client, "/download").headers["Cache-Control"] == "public, max-age=10"


# -- send_file --------------------------------------------------------------


def _serve(app: App, view: t.Callable[[], Response]) -> AppClient:
    app.add_url_rule("/download", "download", view)
    return app.test_client()


def test_send_file_absolute_path(app: App) -> None:
    client = _serve(app, lambda: send_file(str(STATIC / "hello.txt")))
    response = _get(client, "/download")
    assert response.status_code == 200
    assert response.data == HELLO
    assert response.content_length == len(HELLO)
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"] == "inline; filename=hello.txt"


def test_send_file_relative_path_resolves_against_root_path(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The working directory must not matter.
    monkeypatch.chdir(tmp_path)
    client = _serve(app, lambda: send_file("static/hello.txt"))
    assert _get(client, "/download").data == HELLO


def test_send_file_pathlike(app: App) -> None:
    client = _serve(app, lambda: send_file(STATIC / "hello.txt"))
    assert _get(client, "/download").data == HELLO


def test_send_file_bytesio_with_mimetype(app: App) -> None:
    client = _serve(app, lambda: send_file(io.BytesIO(b"raw"), mimetype="text/csv"))
    response = _get(client, "/download")
    assert response.data == b"raw"
    assert response.mimetype == "text/csv"
    assert response.content_length == 3
    assert "Content-Disposition" not in response.headers


def test_send_file_bytesio_with_download_name_guesses_mimetype(app: App) -> None:
    client = _serve(
        app, lambda: send_file(io.BytesIO(b"{}"), download_name="data.json")
    )
    response = _get(client, "/download")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == "inline; filename=data.json"


def test_send_file_bytesio_without_name_or_mimetype_is_type_error(app: App) -> None:
    client = _serve(app, lambda: send_file(io.BytesIO(b"raw")))
    with pytest.raises(TypeError):
        _get(client, "/download")


def test_send_file_text_mode_file_is_value_error(app: App) -> None:
    def view() -> Response:
        return send_file(io.StringIO("text"), mimetype="text/plain")  # type: ignore[arg-type]

    client = _serve(app, view)
    with pytest.raises(ValueError):
        _get(client, "/download")


def test_send_file_missing_path_propagates_file_not_found(app: App) -> None:
    """As in Flask: send_file is given a trusted path, so a missing one is a
    programming error; send_from_directory is the 404 path."""
    client = _serve(app, lambda: send_file("static/missing.txt"))
    with pytest.raises(FileNotFoundError):
        _get(client, "/download")


@pytest.mark.parametrize(
    ("filename", "mimetypes"),
    [
        ("hello.txt", {"text/plain"}),
        ("style.css", {"text/css"}),
        ("app.js", {"text/javascript", "application/javascript"}),
        ("data.json", {"application/json"}),
        ("pixel.png", {"image/png"}),
        ("blob.xyzunknown", {"application/octet-stream"}),
    ],
)
def test_mimetype_guessing(
    app: App, client: AppClient, filename: str, mimetypes: set[str]
) -> None:
    @app.get("/download")
    def download() -> Response:
        return send_file(f"static/{filename}")

    for url in (f"/static/{filename}", "/download"):
        response = _get(client, url)
        assert response.mimetype in mimetypes
        assert response.data == (STATIC / filename).read_bytes()


def test_text_mimetype_gets_utf8_charset(client: AppClient) -> None:
    response = _get(client, "/static/style.css")
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"
    assert _get(client, "/static/pixel.png").headers["Content-Type"] == "image/png"


def test_explicit_mimetype_wins(app: App) -> None:
    client = _serve(app, lambda: send_file("static/hello.txt", mimetype="text/csv"))
    assert _get(client, "/download").mimetype == "text/csv"


@pytest.mark.parametrize(
    ("download_name", "disposition"),
    [
        ("report.txt", "attachment; filename=report.txt"),
        ("my report.txt", 'attachment; filename="my report.txt"'),
    ],
)
def test_as_attachment_ascii_name(
    app: App, download_name: str, disposition: str
) -> None:
    client = _serve(
        app,
        lambda: send_file(
            "static/hello.txt", as_attachment=True, download_name=download_name
        ),
    )
    response = _get(client, "/download")
    assert response.headers["Content-Disposition"] == disposition
    assert response.data == HELLO


def test_as_attachment_defaults_to_file_name(app: App) -> None:
    client = _serve(app, lambda: send_file("static/hello.txt", as_attachment=True))
    disposition = _get(client, "/download").headers["Content-Disposition"]
    assert disposition == "attachment; filename=hello.txt"


def test_as_attachment_non_ascii_name_is_rfc5987_with_ascii_fallback(
    app: App,
) -> None:
    client = _serve(
        app,
        lambda: send_file(
            io.BytesIO(b"cv"), as_attachment=True, download_name="résumé 2024.txt"
        ),
    )
    response = _get(client, "/download")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"resume 2024.txt\"; filename*=UTF-8''"
        "r%C3%A9sum%C3%A9%202024.txt"
    )
    assert response.mimetype == "text/plain"


def test_as_attachment_without_any_name_is_type_error(app: App) -> None:
    client = _serve(
        app,
        lambda: send_file(io.BytesIO(b"x"), mimetype="text/plain", as_attachment=True),
    )
    with pytest.raises(TypeError):
        _get(client, "/download")


# -- conditional and range requests ---------------------------------------


def test_etag_and_if_none_match_gives_304(client: AppClient) -> None:
    first = _get(client, "/static/hello.txt")
    etag = first.headers["ETag"]
    assert etag
    again = _get(client, "/static/hello.txt", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    other = _get(client, "/static/hello.txt", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200
    assert other.data == HELLO


def test_last_modified_and_if_modified_since_gives_304(client: AppClient) -> None:
    first = _get(client, "/static/hello.txt")
    last_modified = first.headers["Last-Modified"]
    assert first.last_modified is not None
    assert first.last_modified.timestamp() == int(
        (STATIC / "hello.txt").stat().st_mtime
    )
    again = _get(
        client, "/static/hello.txt", headers={"If-Modified-Since": last_modified}
    )
    assert again.status_code == 304
    assert again.data == b""
    stale = _get(
        client,
        "/static/hello.txt",
        headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
    )
    assert stale.status_code == 200


def test_conditional_false_ignores_validators(app: App) -> None:
    client = _serve(app, lambda: send_file("static/hello.txt", conditional=False))
    etag = _get(client, "/download").headers["ETag"]
    response = _get(
        client, "/download", headers={"If-None-Match": etag, "Range": "bytes=0-1"}
    )
    assert response.status_code == 200
    assert response.data == HELLO


def test_etag_false_and_custom_etag(app: App) -> None:
    @app.get("/none")
    def none() -> Response:
        return send_file("static/hello.txt", etag=False)

    @app.get("/custom")
    def custom() -> Response:
        return send_file("static/hello.txt", etag="v1")

    client = app.test_client()
    assert "ETag" not in _get(client, "/none").headers
    assert _get(client, "/custom").headers["ETag"] == '"v1"'
    assert _get(client, "/custom", headers={"If-None-Match": '"v1"'}).status_code == 304


def test_explicit_last_modified(app: App) -> None:
    when = datetime(2020, 5, 17, 12, 0, tzinfo=UTC)
    client = _serve(
        app,
        lambda: send_file(io.BytesIO(b"x"), mimetype="text/plain", last_modified=when),
    )
    assert _get(client, "/download").headers["Last-Modified"] == (
        "Sun, 17 May 2020 12:00:00 GMT"
    )


def test_range_request_gives_206(client: AppClient) -> None:
    response = _get(client, "/static/hello.txt", headers={"Range": "bytes=0-4"})
    assert response.status_code == 206
    assert response.data == HELLO[:5]
    assert response.headers["Content-Range"] == f"bytes 0-4/{len(HELLO)}"
    assert response.content_length == 5


def test_suffix_range_request(client: AppClient) -> None:
    response = _get(client, "/static/hello.txt", headers={"Range": "bytes=-6"})
    assert response.status_code == 206
    assert response.data == HELLO[-6:]


def test_range_request_on_bytesio(app: App) -> None:
    client = _serve(
        app, lambda: send_file(io.BytesIO(b"0123456789"), mimetype="text/plain")
    )
    response = _get(client, "/download", headers={"Range": "bytes=2-4"})
    assert response.status_code == 206
    assert response.data == b"234"
    assert response.headers["Content-Range"] == "bytes 2-4/10"


def test_unsatisfiable_range_gives_416(client: AppClient) -> None:
    response = _get(client, "/static/hello.txt", headers={"Range": "bytes=1000-2000"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(HELLO)}"


# -- USE_X_SENDFILE ---------------------------------------------------------


def test_x_sendfile_header_and_empty_body(app: App, client: AppClient) -> None:
    app.config["USE_X_SENDFILE"] = True
    response = _get(client, "/static/hello.txt")
    assert response.status_code == 200
    assert response.headers["X-Sendfile"] == str(STATIC / "hello.txt")
    assert response.data == b""


def test_x_sendfile_with_send_file(app: App) -> None:
    app.config["USE_X_SENDFILE"] = True
    client = _serve(app, lambda: send_file("static/hello.txt"))
    response = _get(client, "/download")
    assert response.headers["X-Sendfile"] == str(STATIC / "hello.txt")
    assert response.data == b""


def test_x_sendfile_dropped_on_304(app: App, client: AppClient) -> None:
    app.config["USE_X_SENDFILE"] = True
    etag = _get(client, "/static/hello.txt").headers["ETag"]
    response = _get(client, "/static/hello.txt", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert "X-Sendfile" not in response.headers


def test_x_sendfile_not_used_for_file_objects(app: App) -> None:
    app.config["USE_X_SENDFILE"] = True
    client = _serve(
        app, lambda: send_file(io.BytesIO(b"in memory"), mimetype="text/plain")
    )
    response = _get(client, "/download")
    assert "X-Sendfile" not in response.headers
    assert response.data == b"in memory"


def test_x_sendfile_off_by_default(client: AppClient) -> None:
    response = _get(client, "/static/hello.txt")
    assert "X-Sendfile" not in response.headers
    assert response.data == HELLO


# -- send_from_directory: serving -----------------------------------------


def test_send_from_directory_relative_directory(app: App) -> None:
    client = _serve(app, lambda: send_from_directory("static", "sub/nested.txt"))
    response = _get(client, "/download")
    assert response.status_code == 200
    assert response.data == b"nested\n"


def test_send_from_directory_absolute_and_pathlike(app: App) -> None:
    client = _serve(app, lambda: send_from_directory(STATIC, Path("hello.txt")))
    assert _get(client, "/download").data == HELLO


def test_send_from_directory_passes_send_file_arguments(app: App) -> None:
    client = _serve(
        app,
        lambda: send_from_directory(
            "static",
            "hello.txt",
            as_attachment=True,
            download_name="greeting.txt",
            max_age=5,
        ),
    )
    response = _get(client, "/download")
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=greeting.txt"
    )
    assert response.headers["Cache-Control"] == "public, max-age=5"


def test_send_from_directory_missing_file_is_404(app: App) -> None:
    client = _serve(app, lambda: send_from_directory("static", "missing.txt"))
    assert _get(client, "/download").status_code == 404


@pytest.mark.parametrize(
    "name", ["console.js", "auxiliary.txt", "null.txt", "com10.txt", "lpt0.txt"]
)
def test_names_that_only_resemble_device_names_are_served(
    tmp_path: Path, name: str
) -> None:
    (tmp_path / name).write_bytes(b"ok")
    app = _app(root_path=str(tmp_path))
    client = _serve(app, lambda: send_from_directory(tmp_path, name))
    assert _get(client, "/download").data == b"ok"


# -- send_from_directory: every unsafe path is a 404 ----------------------


@pytest.fixture
def jail(tmp_path: Path) -> Path:
    """``tmp_path/public``, a served directory full of traps: files outside it
    (``tmp_path/secret.txt``, ``tmp_path/outside/secret.txt``) that a URL
    path climbing out would reach, and files inside whose names are unsafe
    (a backslash, Windows device names), each of which a naive join would
    serve. It also holds symlinks, to files outside (served: placing a link
    in the folder publishes its target, as in Flask) and inside."""
    (tmp_path / "secret.txt").write_bytes(b"secret")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_bytes(b"secret")
    public = tmp_path / "public"
    (public / "sub").mkdir(parents=True)
    (public / "hello.txt").write_bytes(b"hello")
    (public / "sub" / "nested.txt").write_bytes(b"nested")
    (public / "héllo.txt").write_bytes(b"accented")
    (public / "link.txt").symlink_to(tmp_path / "secret.txt")
    (public / "relative-link.txt").symlink_to(Path("..") / "secret.txt")
    (public / "linkdir").symlink_to(tmp_path / "outside", target_is_directory=True)
    (public / "latest.txt").symlink_to(Path("sub") / "nested.txt")
    (public / "innerdir").symlink_to(public / "sub", target_is_directory=True)
    for name in [
        "a\\b",
        "..\\..\\x",
        "..\\secret.txt",
        "CON",
        "con",
        "PRN.txt",
        "aux.js",
        "NUL",
        "nul.txt",
        "COM1",
        "com9.log",
        "LPT1",
        "lpt9.txt",
        "con .txt",
        "Nul:stream",
        "sub/CON.txt",
        "Aux/hello.txt",
        "\udcff.txt",  # b"\xff.txt" on disk: not UTF-8
    ]:
        (public / name).parent.mkdir(exist_ok=True)
        (public / name).write_bytes(b"trap")
    return public


#: ``(path, leaks)``: ``leaks`` says that a naive ``os.path.join`` of the
#: directory and the path finds a file, so the 404 is a refusal, not a miss.
UNSAFE_PATHS = [
    pytest.param("../secret.txt", True, id="dotdot"),
    pytest.param("sub/../../secret.txt", True, id="dotdot-after-segment"),
    pytest.param("../public/../secret.txt", True, id="dotdot-roundtrip"),
    pytest.param("/etc/passwd", True, id="absolute"),
    pytest.param("//etc/passwd", True, id="absolute-double-slash"),
    pytest.param("%2e%2e/secret.txt", False, id="double-encoded-dots-literal"),
    pytest.param("%2E%2e/secret.txt", False, id="double-encoded-mixed-case"),
    pytest.param("a\\b", True, id="backslash"),
    pytest.param("..\\..\\x", True, id="backslash-dotdot"),
    pytest.param("..\\secret.txt", True, id="backslash-dotdot-secret"),
    pytest.param("hello.txt\x00", False, id="nul-byte-suffix"),
    pytest.param("hello\x00.txt", False, id="nul-byte-inside"),
    pytest.param("\x00", False, id="nul-byte-alone"),
    pytest.param("CON", True, id="device-CON"),
    pytest.param("con", True, id="device-con-lowercase"),
    pytest.param("PRN.txt", True, id="device-PRN-extension"),
    pytest.param("aux.js", True, id="device-aux-extension"),
    pytest.param("NUL", True, id="device-NUL"),
    pytest.param("nul.txt", True, id="device-nul-extension"),
    pytest.param("COM1", True, id="device-COM1"),
    pytest.param("com9.log", True, id="device-com9"),
    pytest.param("LPT1", True, id="device-LPT1"),
    pytest.param("lpt9.txt", True, id="device-lpt9"),
    pytest.param("con .txt", True, id="device-trailing-space"),
    pytest.param("Nul:stream", True, id="device-stream"),
    pytest.param("sub/CON.txt", True, id="device-last-segment"),
    pytest.param("Aux/hello.txt", True, id="device-first-segment"),
    pytest.param("sub", False, id="directory"),
    pytest.param("sub/", False, id="directory-trailing-slash"),
    pytest.param(".", False, id="the-directory-itself"),
    pytest.param("", False, id="empty"),
    pytest.param("x" * 5000, False, id="overlong-name"),
    pytest.param("a/" * 2500 + "x", False, id="overlong-path"),
    pytest.param("\udcff.txt", True, id="lone-surrogate"),
    pytest.param("missing.txt", False, id="missing"),
]


@pytest.mark.parametrize(("path", "leaks"), UNSAFE_PATHS)
def test_send_from_directory_unsafe_path_is_404(
    jail: Path, path: str, leaks: bool
) -> None:
    if leaks:
        assert os.path.isfile(os.path.join(jail, path)), "the trap is set"
    app = _app(root_path=str(jail.parent))
    client = _serve(app, lambda: send_from_directory(jail, path))
    response = _get(client, "/download")
    assert response.status_code == 404
    assert b"secret" not in response.data
    assert b"trap" not in response.data


def test_send_from_directory_symlink_inside_is_served(jail: Path) -> None:
    """Links whose target stays in the directory are followed; the file keeps
    the name it was asked by."""
    app = _app(root_path=str(jail.parent))

    @app.get("/download/<path:name>")
    def download(name: str) -> Response:
        return send_from_directory("public", name)

    client = app.test_client()
    response = _get(client, "/download/latest.txt")
    assert response.status_code == 200
    assert response.data == b"nested"
    assert response.headers["Content-Disposition"] == "inline; filename=latest.txt"
    assert _get(client, "/download/innerdir/nested.txt").data == b"nested"


def test_send_from_directory_symlink_outside_is_followed(jail: Path) -> None:
    """As in Flask, a link placed in the directory is followed wherever it
    points (``static/lib -> ../node_modules/lib``); only the URL path is
    checked, so ``..`` still can't reach the same files."""
    app = _app(root_path=str(jail.parent))

    @app.get("/download/<path:name>")
    def download(name: str) -> Response:
        return send_from_directory("public", name)

    client = app.test_client()
    for name in ["link.txt", "relative-link.txt", "linkdir/secret.txt"]:
        response = _get(client, f"/download/{name}")
        assert (response.status_code, response.data) == (200, b"secret"), name
    assert _get(client, "/download/linkdir/../secret.txt").status_code == 404


_FLASK_STATIC_SYMLINK = """
import sys
from flask import Flask

app = Flask("site", root_path=sys.argv[1])
response = app.test_client().get("/static/lib/lib.js", buffered=True)
print(response.status_code, response.get_data(as_text=True))
"""


def test_static_symlink_out_of_folder_is_served_as_in_flask(tmp_path: Path) -> None:
    """``static/lib -> ../node_modules/lib``: Flask serves ``/static/lib/lib.js``
    (checked by running real Flask in a subprocess), and so does the app."""
    (tmp_path / "node_modules" / "lib").mkdir(parents=True)
    (tmp_path / "node_modules" / "lib" / "lib.js").write_text("var lib;")
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "lib").symlink_to(
        Path("..") / "node_modules" / "lib", target_is_directory=True
    )
    flask = subprocess.run(
        [sys.executable, "-c", _FLASK_STATIC_SYMLINK, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert flask.stdout.split() == ["200", "var", "lib;"]
    client = _app(root_path=str(tmp_path)).test_client()
    response = _get(client, "/static/lib/lib.js")
    assert (response.status_code, response.text) == (200, "var lib;")


def test_symlinked_static_folder_is_served(tmp_path: Path) -> None:
    """The directory itself may be a symlink."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "hello.txt").write_bytes(b"hello")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "static").symlink_to(
        tmp_path / "real", target_is_directory=True
    )
    client = _app(root_path=str(tmp_path / "app")).test_client()
    assert _get(client, "/static/hello.txt").data == b"hello"


# -- the static route: unsafe URLs ----------------------------------------


def _jail_app(jail: Path) -> App:
    """An app whose static folder is :func:`jail`, served at /static."""
    return _app(
        root_path=str(jail.parent), static_folder="public", static_url_path="/static"
    )


@pytest.fixture
def jail_client(jail: Path) -> AppClient:
    """A client of an app whose static folder is :func:`jail`, at /static."""
    return _jail_app(jail).test_client()


def test_static_route_serves_from_jail(jail_client: AppClient) -> None:
    """The traps below fail for their path, not because nothing is served."""
    assert _get(jail_client, "/static/hello.txt").data == b"hello"
    assert _get(jail_client, "/static/h%C3%A9llo.txt").data == b"accented"
    assert _get(jail_client, "/static/latest.txt").data == b"nested"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/static/../secret.txt", id="dotdot"),
        pytest.param("/static/%2e%2e/secret.txt", id="encoded-dots"),
        pytest.param("/static/%2E%2e/secret.txt", id="encoded-dots-mixed-case"),
        pytest.param("/static/..%2Fsecret.txt", id="encoded-slash"),
        pytest.param("/static/sub/%2e%2e/%2e%2e/secret.txt", id="encoded-twice-up"),
        pytest.param("/static/%252e%252e/secret.txt", id="double-encoded"),
        pytest.param("/static/%252E%252E/%252E%252E/etc/passwd", id="double-up"),
        pytest.param("/static/..%5Csecret.txt", id="encoded-backslash-dotdot"),
        pytest.param("/static/a%5Cb", id="encoded-backslash"),
        pytest.param("/static/hello.txt%00", id="nul-byte"),
        pytest.param("/static/CON", id="device-CON"),
        pytest.param("/static/nul.txt", id="device-nul-extension"),
        pytest.param("/static/sub/CON.txt", id="device-nested"),
        pytest.param("/static/Aux/hello.txt", id="device-folder"),
        pytest.param("/static/sub", id="directory"),
        pytest.param("/static/" + "x" * 5000, id="overlong"),
    ],
)
def test_static_route_unsafe_url_is_404(jail_client: AppClient, url: str) -> None:
    response = _get(jail_client, url)
    assert response.status_code == 404
    assert b"secret" not in response.data
    assert b"trap" not in response.data


def test_static_route_absolute_path_redirects_then_404(
    jail_client: AppClient,
) -> None:
    """As in Flask: the router merges the slashes with a 308 first."""
    response = _get(jail_client, "/static//etc/passwd")
    assert response.status_code == 308
    assert response.headers["Location"] == "http://localhost/static/etc/passwd"
    assert _get(
        jail_client, "/static//etc/passwd", follow_redirects=True
    ).status_code == (404)


@pytest.mark.parametrize(
    "path_info",
    [
        pytest.param("/static/../secret.txt", id="dotdot"),
        pytest.param("/static/sub/../../secret.txt", id="dotdot-nested"),
        pytest.param("/static/%2e%2e/secret.txt", id="undecoded-dots"),
        pytest.param("/static/%2E%2e/secret.txt", id="undecoded-mixed-case"),
        pytest.param("/static/..\\secret.txt", id="backslash-dotdot"),
        pytest.param("/static/a\\b", id="backslash"),
        pytest.param("/static/hello.txt\x00", id="nul-byte"),
        pytest.param("/static/\xff\xfe.txt", id="invalid-utf8"),
        pytest.param("/static/h\xc3llo.txt", id="truncated-utf8"),
        pytest.param("/static/\xed\xb3\xbf.txt", id="utf8-encoded-surrogate"),
        pytest.param("/static/" + "x" * 5000, id="overlong-name"),
        pytest.param("/static/" + "a/" * 2500 + "x", id="overlong-path"),
    ],
)
def test_static_route_raw_environ_unsafe_is_404(jail: Path, path_info: str) -> None:
    app = _jail_app(jail)
    status, body = _wsgi(app, path_info)
    assert status == 404
    assert b"secret" not in body
    assert b"trap" not in body


def test_static_route_raw_environ_utf8_name_is_served(jail: Path) -> None:
    app = _jail_app(jail)
    path_info = "/static/héllo.txt".encode().decode("latin-1")
    assert _wsgi(app, path_info) == (200, b"accented")


# -- open_resource ------------------------------------------------------------

RESOURCE_TEXT = "Grüße aus der Ressource\n"


def test_open_resource_binary_by_default(app: App) -> None:
    with app.open_resource("resource.txt") as f:
        assert f.read() == RESOURCE_TEXT.encode()
    with app.open_resource("resource.txt", "rb") as f:
        assert f.read() == RESOURCE_TEXT.encode()


@pytest.mark.parametrize("mode", ["r", "rt"])
def test_open_resource_text_with_encoding(app: App, mode: str) -> None:
    with app.open_resource("resource.txt", mode, encoding="utf-8") as f:
        assert f.read() == RESOURCE_TEXT
    with app.open_resource("resource.txt", mode, encoding="latin-1") as f:
        assert f.read() == RESOURCE_TEXT.encode().decode("latin-1")


def test_open_resource_nested_path(app: App) -> None:
    with app.open_resource("static/sub/nested.txt") as f:
        assert f.read() == b"nested\n"


def test_open_resource_missing_raises(app: App) -> None:
    with pytest.raises(FileNotFoundError):
        app.open_resource("missing.txt")


@pytest.mark.parametrize("mode", ["w", "wb", "a", "ab", "x", "r+", "rb+", "w+"])
def test_open_resource_write_modes_raise(tmp_path: Path, mode: str) -> None:
    (tmp_path / "data.txt").write_bytes(b"keep")
    app = _app(root_path=str(tmp_path))
    with pytest.raises(ValueError, match="mode"):
        app.open_resource("data.txt", mode)
    assert (tmp_path / "data.txt").read_bytes() == b"keep"


# -- outside a request ----------------------------------------------------


def test_send_file_outside_request_raises(app: App) -> None:
    with pytest.raises(RuntimeError):
        send_file(str(STATIC / "hello.txt"))
    with app.app_context(), pytest.raises(RuntimeError):
        send_file(str(STATIC / "hello.txt"))


def test_send_from_directory_outside_request_raises(app: App) -> None:
    with pytest.raises(RuntimeError):
        send_from_directory(STATIC, "hello.txt")
    with app.app_context(), pytest.raises(RuntimeError):
        send_from_directory(STATIC, "hello.txt")


def test_send_file_in_test_request_context(app: App) -> None:
    with app.test_request_context("/"):
        response = send_file("static/hello.txt")
        assert isinstance(response, app.response_class)
        assert response.status_code == 200
        response.direct_passthrough = False
        assert response.get_data() == HELLO
        response.close()
