"""The blog example (``examples/blog``) works end to end: the factory and
its instance-folder config, the ``init-db`` command, accounts, posts with
ownership checks, flashed messages, CSRF tokens in every form, the site's
error pages for every bad input, excerpts, the favicon and the phone
layout's markup, comments and their live updates (over a WebSocket and
as server-sent events), and the ``python -m examples.blog`` database
bootstrap. (tests/test_example_blog_browser.py checks the pages in a real
browser.)

The fixtures live here rather than in ``conftest.py``: they build this
example's app, not the generic test app the other modules share.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sqlite3
import typing as t
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from examples.blog import ERROR_CODES, create_app
from examples.blog import __main__ as blog_main
from examples.blog.db import get_db, init_db
from framework import App, g
from framework.testing import AppClient

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "blog"

# Hashing with the default (scrypt) is slow on purpose; the fixture's users
# don't need that, and their hashes are made once per test session.
FAST_HASH = "pbkdf2:sha256:1000"


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    return {
        name: generate_password_hash(f"{name}-password", method=FAST_HASH)
        for name in ("alice", "bob")
    }


@pytest.fixture
def app(tmp_path: Path, password_hashes: dict[str, str]) -> App:
    """The blog with its own database: users ``alice`` (id 1) and ``bob``
    (id 2), whose password is ``<name>-password``, and one post by alice.

    CSRF checks are off, so that tests can post forms as they are; the
    ``csrf_client`` fixture turns them on."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "blog.sqlite"),
            "SECRET_KEY": "test",
            "CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        init_db()
        db = get_db()
        db.executemany(
            "INSERT INTO user (username, password) VALUES (?, ?)",
            sorted(password_hashes.items()),
        )
        db.execute(
            "INSERT INTO post (title, body, author_id, created)"
            " VALUES ('First post', 'Hello, world.', 1, '2024-05-01 09:00:00')"
        )
        db.commit()
    return app


@pytest.fixture
def client(app: App) -> AppClient:
    return app.test_client()


#: The hidden field each form of the blog carries its CSRF token in.
TOKEN_FIELD = re.compile(r'<input type="hidden" name="csrf_token" value="([^"]+)">')


def page_token(client: AppClient, path: str) -> str:
    """The CSRF token of the first form on the page at ``path``, as a
    browser would send it."""
    match = TOKEN_FIELD.search(client.get(path).text)
    assert match is not None, f"no CSRF token field on {path}"
    return match.group(1)


class Auth:
    """Logs the test client in and out through the forms, sending their
    CSRF tokens like a browser, so it works whether checks are on or off."""

    def __init__(self, client: AppClient) -> None:
        self.client = client

    def login(self, username: str = "alice") -> t.Any:
        return self.client.post(
            "/auth/login",
            data={
                "username": username,
                "password": f"{username}-password",
                "csrf_token": page_token(self.client, "/auth/login"),
            },
        )

    def logout(self) -> t.Any:
        token = page_token(self.client, "/")
        return self.client.post("/auth/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: AppClient) -> Auth:
    return Auth(client)


def query(app: App, sql: str, *args: t.Any) -> list[sqlite3.Row]:
    with app.app_context():
        return get_db().execute(sql, args).fetchall()


def flashes(client: AppClient) -> list[str]:
    with client.session_transaction() as session:
        return [message for _, message in session.get("_flashes", [])]


# -- the factory, the database and the command line ------------------------


def test_create_app_reads_the_test_config(app: App) -> None:
    assert app.testing
    assert app.config["SECRET_KEY"] == "test"
    assert {"auth", "blog"} <= set(app.blueprints)


def test_create_app_without_test_config_uses_the_instance_folder() -> None:
    app = create_app()
    assert not app.testing
    assert app.config["DATABASE"] == os.path.join(app.instance_path, "blog.sqlite")
    assert os.path.isdir(app.instance_path)
    assert app.config["SECRET_KEY"]


def test_init_db_command_creates_empty_tables(app: App) -> None:
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert result.output == f"Initialized the database at {app.config['DATABASE']}.\n"
    assert query(app, "SELECT * FROM user") == []
    assert query(app, "SELECT * FROM post") == []


def test_init_db_command_is_registered_on_app_cli(app: App) -> None:
    assert "init-db" in app.cli.commands


def test_one_connection_per_context_closed_at_teardown(app: App) -> None:
    with app.app_context():
        db = get_db()
        assert get_db() is db
        assert g.db is db
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        db.execute("SELECT 1")


def test_a_request_closes_its_connection(
    app: App, client: AppClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def recording_connect(*args: t.Any, **kwargs: t.Any) -> sqlite3.Connection:
        opened.append(connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", recording_connect)
    assert client.get("/").status_code == 200
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        opened[0].execute("SELECT 1")


# -- templates and static files --------------------------------------------


def test_pages_extend_the_base_layout_and_its_stylesheet(client: AppClient) -> None:
    for path in ("/", "/1", "/auth/login", "/auth/register"):
        page = client.get(path).text
        assert '<link rel="stylesheet" href="/static/style.css">' in page
        assert '<a class="site" href="/">Blog</a>' in page
        # Phones lay the page out at their own width, not a desktop's.
        assert (
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            in page
        )
        assert (
            '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
        )


def test_favicon_is_an_svg_image(client: AppClient) -> None:
    response = client.get("/static/favicon.svg", buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data == (EXAMPLE / "static" / "favicon.svg").read_bytes()
    assert response.data.startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')


def test_long_words_wrap_and_the_nav_wraps() -> None:
    # What this does to a page is measured in a real browser, in
    # tests/test_example_blog_browser.py; here, that the rules are there
    # (test_static_css checks that the file is served as it is).
    css = (EXAMPLE / "static" / "style.css").read_text(encoding="utf-8")
    body_rule = css[css.index("body {") : css.index("}", css.index("body {"))]
    assert "overflow-wrap: anywhere;" in body_rule
    nav_rule = css[css.index("nav {") : css.index("}", css.index("nav {"))]
    assert "flex-wrap: wrap;" in nav_rule


def test_static_css(client: AppClient) -> None:
    response = client.get("/static/style.css", buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.data == (EXAMPLE / "static" / "style.css").read_bytes()


def test_nav_shows_login_links_or_the_user(client: AppClient, auth: Auth) -> None:
    page = client.get("/").text
    assert 'href="/auth/login"' in page and 'href="/auth/register"' in page
    assert "Log out" not in page
    auth.login()
    page = client.get("/").text
    assert "<span>alice</span>" in page
    assert 'action="/auth/logout"' in page and 'href="/create"' in page
    assert 'href="/auth/login"' not in page


# -- register ----------------------------------------------------------------


def test_register_page(client: AppClient) -> None:
    response = client.get("/auth/register")
    assert response.status_code == 200
    assert "<title>Register - Blog</title>" in response.text
    assert 'name="username"' in response.text


def test_register_stores_a_hashed_password_and_goes_to_login(
    app: App, client: AppClient
) -> None:
    response = client.post(
        "/auth/register", data={"username": " carol ", "password": "s3cret"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert flashes(client) == ["Welcome, carol! Log in to start writing."]
    (user,) = query(app, "SELECT * FROM user WHERE username = 'carol'")
    assert user["password"] != "s3cret"
    assert check_password_hash(user["password"], "s3cret")


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "pw", "Username is required."),
        ("   ", "pw", "Username is required."),
        ("dave", "", "Password is required."),
        ("", "", "Username is required."),
        ("d" * 81, "pw", "That username is too long (80 characters at most)."),
        ("dave", "p" * 1025, "That password is too long (1024 characters at most)."),
    ],
)
def test_register_rejects_bad_input(
    app: App, client: AppClient, username: str, password: str, message: str
) -> None:
    response = client.post(
        "/auth/register", data={"username": username, "password": password}
    )
    assert response.status_code == 400
    assert f'<p class="error">{message}</p>' in response.text
    assert "<h1>Register</h1>" in response.text
    assert len(query(app, "SELECT * FROM user")) == 2


def test_register_without_form_fields_is_a_clear_400(client: AppClient) -> None:
    response = client.post("/auth/register")
    assert response.status_code == 400
    assert "Username is required." in response.text


def test_register_rejects_a_taken_username(app: App, client: AppClient) -> None:
    response = client.post(
        "/auth/register", data={"username": "alice", "password": "other"}
    )
    assert response.status_code == 409
    assert "The username “alice” is taken; choose another." in response.text
    # The form keeps what was typed, except the password.
    assert 'value="alice"' in response.text
    assert len(query(app, "SELECT * FROM user")) == 2


def test_a_new_user_can_log_in(client: AppClient) -> None:
    client.post("/auth/register", data={"username": "erin", "password": "pw"})
    response = client.post("/auth/login", data={"username": "erin", "password": "pw"})
    assert response.status_code == 302


# -- log in and out -----------------------------------------------------------


def test_login_page(client: AppClient) -> None:
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert "<title>Log in - Blog</title>" in response.text


def test_login_sets_the_session_and_g_user(client: AppClient, auth: Auth) -> None:
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert flashes(client) == ["Logged in as alice."]
    with client:
        client.get("/")
        assert g.user["username"] == "alice"
    with client.session_transaction() as session:
        assert session["user_id"] == 1


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("alice", "wrong", "Wrong username or password."),
        ("nobody", "alice-password", "Wrong username or password."),
        ("", "alice-password", "Username is required."),
        ("alice", "", "Password is required."),
    ],
)
def test_login_rejects_bad_credentials(
    client: AppClient, username: str, password: str, message: str
) -> None:
    response = client.post(
        "/auth/login", data={"username": username, "password": password}
    )
    assert response.status_code == 400
    assert f'<p class="error">{message}</p>' in response.text
    with client.session_transaction() as session:
        assert "user_id" not in session


def test_logout_forgets_the_user(client: AppClient, auth: Auth) -> None:
    auth.login()
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with client.session_transaction() as session:
        assert "user_id" not in session
        assert [m for _, m in session["_flashes"]] == ["Logged out."]
    with client:
        client.get("/")
        assert g.user is None


def test_logout_needs_post(client: AppClient, auth: Auth) -> None:
    auth.login()
    assert client.get("/auth/logout").status_code == 405
    with client.session_transaction() as session:
        assert session["user_id"] == 1


def test_a_session_for_a_deleted_user_is_logged_out(
    app: App, client: AppClient, auth: Auth
) -> None:
    auth.login("bob")
    app.test_cli_runner().invoke(args=["init-db"])  # erases every user
    with client:
        response = client.get("/")
        assert response.status_code == 200
        assert g.user is None


# -- login_required -------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/create"),
        ("POST", "/create"),
        ("GET", "/1/update"),
        ("POST", "/1/update"),
        ("POST", "/1/delete"),
    ],
)
def test_login_required_redirects_to_login(
    app: App, client: AppClient, method: str, path: str
) -> None:
    response = client.open(path, method=method, data={"title": "x"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert flashes(client) == ["Log in to do that."]
    (post,) = query(app, "SELECT * FROM post")
    assert post["title"] == "First post"


def test_login_required_message_shows_on_the_login_page(client: AppClient) -> None:
    response = client.get("/create", follow_redirects=True)
    assert response.request.path == "/auth/login"
    assert '<p class="flash">Log in to do that.</p>' in response.text


# -- reading posts --------------------------------------------------------


def test_index_lists_posts_with_author_and_date(client: AppClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.text
    assert '<h2><a href="/1">First post</a></h2>' in page
    assert "by alice on 2024-05-01" in page
    assert "Hello, world." in page
    assert 'href="/1/update"' not in page  # not logged in


def test_index_shows_the_edit_link_to_the_author_only(
    client: AppClient, auth: Auth
) -> None:
    auth.login("bob")
    assert 'href="/1/update"' not in client.get("/").text
    auth.login("alice")
    assert 'href="/1/update"' in client.get("/").text


def test_index_lists_newest_first(app: App, client: AppClient, auth: Auth) -> None:
    auth.login("bob")
    client.post("/create", data={"title": "Second post", "body": ""})
    page = client.get("/").text
    assert page.index("Second post") < page.index("First post")


def test_index_without_posts(app: App, client: AppClient, auth: Auth) -> None:
    with app.app_context():
        get_db().execute("DELETE FROM post")
        get_db().commit()
    assert "No posts yet." in client.get("/").text
    assert 'href="/auth/register">Register</a> to write' in client.get("/").text
    auth.login()
    assert '<a href="/create">Write the first one</a>' in client.get("/").text


def test_detail_shows_one_post(client: AppClient) -> None:
    response = client.get("/1")
    assert response.status_code == 200
    assert "<title>First post - Blog</title>" in response.text
    assert "<h2>First post</h2>" in response.text


def test_detail_of_a_missing_post_is_a_404_page(client: AppClient) -> None:
    response = client.get("/99")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "There is no post number 99; it may have been deleted." in response.text
    assert '<link rel="stylesheet"' in response.text


@pytest.mark.parametrize(
    "path", ["/abc", "/-1", "/1.5", "/abc/update", "/x/delete", "/nowhere/at/all"]
)
def test_non_integer_ids_are_404s(client: AppClient, auth: Auth, path: str) -> None:
    auth.login()
    for method in ("GET", "POST"):
        response = client.open(path, method=method)
        assert response.status_code == 404
        assert "<h1>404 Not Found</h1>" in response.text


# -- writing posts --------------------------------------------------------


def test_create_page(client: AppClient, auth: Auth) -> None:
    auth.login()
    response = client.get("/create")
    assert response.status_code == 200
    assert "<h1>New post</h1>" in response.text


def test_create_stores_the_post_and_shows_it(
    app: App, client: AppClient, auth: Auth
) -> None:
    auth.login("bob")
    response = client.post("/create", data={"title": "  Hi  ", "body": "Text"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/2"
    assert flashes(client)[-1] == "Published “Hi”."
    row = query(app, "SELECT * FROM post WHERE id = 2")[0]
    assert (row["title"], row["body"], row["author_id"]) == ("Hi", "Text", 2)
    assert "by bob on" in client.get("/2").text


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"title": "", "body": "text"}, "Every post needs a title."),
        ({"title": "   ", "body": "text"}, "Every post needs a title."),
        ({"body": "text"}, "Every post needs a title."),
        ({"title": "t" * 201}, "That title is too long (200 characters at most)."),
        (
            {"title": "ok", "body": "b" * 20_001},
            "That post is too long (20000 characters at most).",
        ),
    ],
)
def test_create_rejects_bad_input(
    app: App, client: AppClient, auth: Auth, form: dict[str, str], message: str
) -> None:
    auth.login()
    response = client.post("/create", data=form)
    assert response.status_code == 400
    assert f'<p class="error">{message}</p>' in response.text
    assert len(query(app, "SELECT * FROM post")) == 1


def test_create_keeps_the_typed_body_after_an_error(
    client: AppClient, auth: Auth
) -> None:
    auth.login()
    response = client.post("/create", data={"title": "", "body": "my draft"})
    assert '<textarea name="body">my draft</textarea>' in response.text


def test_post_text_is_escaped(client: AppClient, auth: Auth) -> None:
    auth.login()
    client.post("/create", data={"title": "<script>", "body": "<b>hi</b>"})
    page = client.get("/2").text
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;hi&lt;/b&gt;" in page


def test_update_page_is_filled_in(client: AppClient, auth: Auth) -> None:
    auth.login()
    response = client.get("/1/update")
    assert response.status_code == 200
    assert 'value="First post"' in response.text
    assert "Hello, world.</textarea>" in response.text
    assert 'action="/1/delete"' in response.text


def test_update_saves_the_post(app: App, client: AppClient, auth: Auth) -> None:
    auth.login()
    response = client.post("/1/update", data={"title": "Edited", "body": "New"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/1"
    assert flashes(client)[-1] == "Saved “Edited”."
    row = query(app, "SELECT * FROM post WHERE id = 1")[0]
    assert (row["title"], row["body"]) == ("Edited", "New")


def test_update_rejects_an_empty_title(app: App, client: AppClient, auth: Auth) -> None:
    auth.login()
    response = client.post("/1/update", data={"title": "", "body": "New"})
    assert response.status_code == 400
    assert '<p class="error">Every post needs a title.</p>' in response.text
    assert "<h1>Edit “First post”</h1>" in response.text
    assert query(app, "SELECT title FROM post WHERE id = 1")[0]["title"] == (
        "First post"
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_update_of_another_users_post_is_forbidden(
    app: App, client: AppClient, auth: Auth, method: str
) -> None:
    auth.login("bob")
    response = client.open(
        "/1/update", method=method, data={"title": "Mine now", "body": ""}
    )
    assert response.status_code == 403
    assert "<h1>403 Forbidden</h1>" in response.text
    assert "Only the author of a post can edit or delete it." in response.text
    assert query(app, "SELECT title FROM post WHERE id = 1")[0]["title"] == (
        "First post"
    )


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_update_of_a_missing_post_is_a_404(
    client: AppClient, auth: Auth, method: str
) -> None:
    auth.login()
    response = client.open("/99/update", method=method, data={"title": "x"})
    assert response.status_code == 404
    assert "There is no post number 99" in response.text


def test_delete_removes_the_post(app: App, client: AppClient, auth: Auth) -> None:
    auth.login()
    response = client.post("/1/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert flashes(client)[-1] == "Deleted “First post”."
    assert query(app, "SELECT * FROM post") == []
    assert client.get("/1").status_code == 404


def test_delete_of_another_users_post_is_forbidden(
    app: App, client: AppClient, auth: Auth
) -> None:
    auth.login("bob")
    response = client.post("/1/delete")
    assert response.status_code == 403
    assert "Only the author of a post can edit or delete it." in response.text
    assert len(query(app, "SELECT * FROM post")) == 1


def test_delete_of_a_missing_post_is_a_404(client: AppClient, auth: Auth) -> None:
    auth.login()
    response = client.post("/99/delete")
    assert response.status_code == 404
    assert "There is no post number 99" in response.text


def test_delete_needs_post(app: App, client: AppClient, auth: Auth) -> None:
    auth.login()
    assert client.get("/1/delete").status_code == 405
    assert len(query(app, "SELECT * FROM post")) == 1


# -- python -m examples.blog ----------------------------------------------


def test_init_db_if_missing_creates_the_database_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "new" / "blog.sqlite"
    app = create_app({"TESTING": True, "DATABASE": str(path), "SECRET_KEY": "x"})
    assert blog_main.init_db_if_missing(app) is True
    assert capsys.readouterr().out == f"Initialized the database at {path}.\n"
    assert query(app, "SELECT name FROM sqlite_master WHERE type = 'table'")
    assert blog_main.init_db_if_missing(app) is False
    assert capsys.readouterr().out == ""
    # The same tables as init-db: the app works on the new database.
    client = app.test_client()
    token = page_token(client, "/auth/register")
    client.post(
        "/auth/register",
        data={"username": "zoe", "password": "pw", "csrf_token": token},
    )
    assert query(app, "SELECT username FROM user")[0]["username"] == "zoe"


def test_init_db_if_missing_keeps_existing_data(app: App) -> None:
    assert blog_main.init_db_if_missing(app) is False
    assert len(query(app, "SELECT * FROM user")) == 2


def test_main_bootstraps_the_database_and_serves_the_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "blog.sqlite"
    app = create_app({"DATABASE": str(path), "SECRET_KEY": "x"})
    served: list[tuple[App, dict[str, t.Any]]] = []
    monkeypatch.setattr(
        blog_main, "serve", lambda app, **kwargs: served.append((app, kwargs))
    )
    monkeypatch.setattr(blog_main, "create_app", lambda: app)
    blog_main.main(["--host", "0.0.0.0", "--port", "5057"])
    assert served == [(app, {"host": "0.0.0.0", "port": 5057})]
    assert path.exists()
    assert "Initialized the database" in capsys.readouterr().out


def test_main_says_why_it_cannot_serve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Port taken by another program: one line saying so, no traceback.
    app = create_app({"DATABASE": str(tmp_path / "blog.sqlite"), "SECRET_KEY": "x"})
    monkeypatch.setattr(blog_main, "create_app", lambda: app)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exited:
            blog_main.main(["--port", str(port)])
    message = str(exited.value.code)
    assert message.startswith(f"Error: Can't listen on http://127.0.0.1:{port}:")


# -- ids out of range ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/{}"),
        ("GET", "/{}/update"),
        ("POST", "/{}/update"),
        ("POST", "/{}/delete"),
        ("POST", "/{}/comments"),
        ("GET", "/{}/comments"),
    ],
    ids=["detail", "update page", "update", "delete", "comment", "comments"],
)
@pytest.mark.parametrize(
    "post_id",
    [
        # SQLite's largest integer: a query runs and finds nothing.
        pytest.param(2**63 - 1, id="2**63-1"),
        # One more: the query would raise OverflowError.
        pytest.param(2**63, id="2**63"),
        pytest.param(99999999999999999999, id="20 digits"),
        pytest.param(int("9" * 4000), id="4000 digits"),
    ],
)
def test_ids_out_of_range_are_404_pages(
    client: AppClient, auth: Auth, method: str, template: str, post_id: int
) -> None:
    auth.login()
    response = client.open(
        template.format(post_id), method=method, data={"title": "x", "body": ""}
    )
    assert response.status_code == 404
    assert "<h1>404 Not Found</h1>" in response.text
    assert '<link rel="stylesheet" href="/static/style.css">' in response.text


def test_a_url_too_long_for_the_int_converter_is_a_404_page(client: AppClient) -> None:
    # Python refuses to turn more than 4300 digits into an int; the
    # router answers 404 for it before the blog sees it.
    response = client.get("/" + "9" * 5000)
    assert response.status_code == 404
    assert "<h1>404 Not Found</h1>" in response.text


# -- excerpts ------------------------------------------------------------------


def test_index_shows_an_excerpt_of_a_long_post_and_a_read_more_link(
    client: AppClient, auth: Auth
) -> None:
    auth.login()
    words = [f"word{n:03}" for n in range(60)]  # 60 words of 7 letters: 479
    client.post("/create", data={"title": "Long", "body": " ".join(words)})
    page = client.get("/").text
    excerpt = " ".join(words[:37]) + "..."  # 37 words and a space: 296
    assert f'<p class="body">{excerpt}</p>' in page
    assert words[37] not in page
    assert '<p><a href="/2">Read more</a></p>' in page
    # The post's own page has all of it, and no link to itself.
    detail = client.get("/2").text
    assert " ".join(words) in detail
    assert "Read more" not in detail


def test_index_shows_a_short_post_in_full_without_read_more(
    client: AppClient, auth: Auth
) -> None:
    auth.login()
    body = "x" * 300
    client.post("/create", data={"title": "Exactly 300", "body": body})
    page = client.get("/").text
    assert f'<p class="body">{body}</p>' in page
    assert "Read more" not in page


# -- CSRF and the session cookie ---------------------------------------------


@pytest.fixture
def csrf_client(app: App) -> AppClient:
    """A client of the blog with CSRF checks on, as when it is served."""
    app.config["CSRF_ENABLED"] = True
    return app.test_client()


def test_csrf_checks_are_on_by_default(tmp_path: Path) -> None:
    app = create_app({"DATABASE": str(tmp_path / "blog.sqlite")})
    assert app.config["CSRF_ENABLED"] is True
    assert "framework_csrf" in app.extensions


#: Every form of the blog: who is logged in, the page that shows it, where
#: it posts, what a filled-in form sends, and where a valid post redirects.
FORMS = [
    pytest.param(
        None,
        "/auth/register",
        "/auth/register",
        {"username": "carol", "password": "pw"},
        "/auth/login",
        id="register",
    ),
    pytest.param(
        None,
        "/auth/login",
        "/auth/login",
        {"username": "bob", "password": "bob-password"},
        "/",
        id="login",
    ),
    pytest.param("alice", "/", "/auth/logout", {}, "/", id="logout"),
    pytest.param(
        "alice", "/create", "/create", {"title": "New", "body": "."}, "/2", id="create"
    ),
    pytest.param(
        "alice",
        "/1/update",
        "/1/update",
        {"title": "Edited", "body": "."},
        "/1",
        id="update",
    ),
    pytest.param("alice", "/1/update", "/1/delete", {}, "/", id="delete"),
    pytest.param(
        "bob", "/1", "/1/comments", {"body": "Nice."}, "/1#comment-1", id="comment"
    ),
]


@pytest.mark.parametrize(("user", "page", "action", "form", "location"), FORMS)
def test_every_form_carries_its_token_and_is_accepted_with_it(
    csrf_client: AppClient,
    user: str | None,
    page: str,
    action: str,
    form: dict[str, str],
    location: str,
) -> None:
    if user is not None:
        Auth(csrf_client).login(user)
    html = csrf_client.get(page).text
    found = re.search(
        rf'<form method="post" action="{re.escape(action)}"[^>]*>\s*'
        + TOKEN_FIELD.pattern,
        html,
    )
    assert found is not None, f"the form posting to {action} has no token"
    response = csrf_client.post(action, data={**form, "csrf_token": found.group(1)})
    assert response.status_code == 302, response.text
    assert response.headers["Location"] == location


@pytest.mark.parametrize(("user", "page", "action", "form", "location"), FORMS)
@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "The CSRF token is missing."),
        ("forged", "The CSRF token is invalid."),
    ],
    ids=["missing", "forged"],
)
def test_every_form_is_refused_without_its_token_with_the_400_page(
    app: App,
    csrf_client: AppClient,
    user: str | None,
    page: str,
    action: str,
    form: dict[str, str],
    location: str,
    token: str | None,
    message: str,
) -> None:
    if user is not None:
        Auth(csrf_client).login(user)
    csrf_client.get(page)  # the session has a token, which the post lacks
    data = form if token is None else {**form, "csrf_token": token}
    response = csrf_client.post(action, data=data)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "<title>Bad Request - Blog</title>" in response.text
    assert "<h1>400 Bad Request</h1>" in response.text
    assert f"<p>{message}</p>" in response.text
    # The page's nav still knows who is logged in.
    assert ("<span>alice</span>" in response.text) == (user == "alice")
    assert ("<span>bob</span>" in response.text) == (user == "bob")
    # Nothing happened: no new user or post, the post unchanged, the user
    # still logged in (or still not).
    assert len(query(app, "SELECT * FROM user")) == 2
    assert [tuple(row) for row in query(app, "SELECT id, title FROM post")] == [
        (1, "First post")
    ]
    assert query(app, "SELECT * FROM comment") == []
    with csrf_client.session_transaction() as session:
        assert session.get("user_id") == {"alice": 1, "bob": 2}.get(user or "")


def test_a_post_without_a_session_token_asks_to_load_the_form_again(
    csrf_client: AppClient,
) -> None:
    response = csrf_client.post(
        "/auth/login", data={"username": "alice", "password": "alice-password"}
    )
    assert response.status_code == 400
    assert "The CSRF token is missing." in response.text
    response = csrf_client.post(
        "/auth/login",
        data={"username": "alice", "password": "alice-password", "csrf_token": "x"},
    )
    assert response.status_code == 400
    assert "load the form again" in response.text


def test_the_session_cookie_is_samesite_lax(client: AppClient, auth: Auth) -> None:
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "; SameSite=Lax" in cookie
    assert "; HttpOnly" in cookie


# -- comments -------------------------------------------------------------


def comment(client: AppClient, body: str, post_id: int = 1) -> t.Any:
    return client.post(f"/{post_id}/comments", data={"body": body})


def test_a_post_without_comments_says_so(client: AppClient) -> None:
    page = client.get("/1").text
    assert '<p id="no-comments">No comments yet.</p>' in page
    assert '<ol id="comments"></ol>' in page


def test_only_a_logged_in_user_sees_the_comment_form(
    client: AppClient, auth: Auth
) -> None:
    assert 'action="/1/comments"' not in client.get("/1").text
    assert "to comment." in client.get("/1").text
    auth.login("bob")
    assert 'action="/1/comments"' in client.get("/1").text


def test_a_comment_is_stored_and_shown_under_its_post(
    app: App, client: AppClient, auth: Auth
) -> None:
    auth.login("bob")
    response = comment(client, "  Nice post.  ")
    assert response.headers["Location"] == "/1#comment-1"
    rows = query(app, "SELECT post_id, author_id, body FROM comment")
    assert [tuple(row) for row in rows] == [(1, 2, "Nice post.")]
    page = client.get("/1").text
    assert '<li class="comment" id="comment-1" data-id="1">' in page
    assert "bob on " in page
    assert '<p class="body">Nice post.</p>' in page
    assert '<p id="no-comments" hidden>' in page


def test_comment_text_is_escaped(client: AppClient, auth: Auth) -> None:
    auth.login()
    comment(client, "<script>alert(1)</script>")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/1").text


def test_commenting_needs_a_login(app: App, client: AppClient) -> None:
    response = comment(client, "Anonymous.")
    assert response.headers["Location"] == "/auth/login"
    assert query(app, "SELECT * FROM comment") == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "A comment needs some text."),
        ("   ", "A comment needs some text."),
        ("x" * 2001, "That comment is too long (2000 characters at most)."),
    ],
    ids=["empty", "blank", "too long"],
)
def test_a_bad_comment_shows_the_post_again_with_a_400(
    app: App, client: AppClient, auth: Auth, body: str, message: str
) -> None:
    auth.login()
    response = comment(client, body)
    assert response.status_code == 400
    assert f'<p class="error">{message}</p>' in response.text
    assert "<title>First post - Blog</title>" in response.text
    assert query(app, "SELECT * FROM comment") == []


def test_a_bad_comment_keeps_the_text_typed(client: AppClient, auth: Auth) -> None:
    auth.login()
    response = comment(client, "x" * 2001)
    assert f">{'x' * 2001}</textarea>" in response.text


def test_a_comment_on_a_missing_post_is_a_404(
    app: App, client: AppClient, auth: Auth
) -> None:
    auth.login()
    assert comment(client, "Hello?", post_id=2).status_code == 404
    assert query(app, "SELECT * FROM comment") == []


def test_deleting_a_post_deletes_its_comments(
    app: App, client: AppClient, auth: Auth
) -> None:
    auth.login()
    comment(client, "Mine.")
    client.post("/1/delete")
    assert query(app, "SELECT * FROM comment") == []


def test_since_lists_the_comments_after_a_number(client: AppClient, auth: Auth) -> None:
    auth.login()
    for body in ("one", "two", "three"):
        comment(client, body)
    page = client.get("/1/comments?after=1").text
    assert re.findall(r'id="comment-(\d+)"', page) == ["2", "3"]
    assert client.get("/1/comments?after=3").text.strip() == ""


@pytest.mark.parametrize(
    "after", ["", "abc", "-5", "9" * 30, "-" + "9" * 30, "9" * 5000]
)
def test_since_takes_any_number_as_a_bound(
    client: AppClient, auth: Auth, after: str
) -> None:
    auth.login()
    comment(client, "one")
    response = client.get(f"/1/comments?after={after}")
    assert response.status_code == 200
    # Beyond every comment, or no bound at all.
    expected = [] if after == "9" * 30 else ["1"]
    assert re.findall(r'id="comment-(\d+)"', response.text) == expected


# -- live updates ----------------------------------------------------------


def run(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    return asyncio.run(coro)


def test_every_open_page_gets_the_count_of_readers(app: App) -> None:
    async def scenario() -> None:
        client = app.async_test_client()
        async with client.websocket("/1/live") as first:
            assert await first.receive_json() == {"type": "readers", "count": 1}
            async with client.websocket("/1/live") as second:
                assert await second.receive_json() == {"type": "readers", "count": 2}
                assert await first.receive_json() == {"type": "readers", "count": 2}
            # The second page closed.
            assert await first.receive_json() == {"type": "readers", "count": 1}

    run(scenario())


def test_readers_of_another_post_are_not_counted(app: App) -> None:
    async def scenario() -> None:
        client = app.async_test_client()
        async with client.websocket("/1/live") as first:
            await first.receive_json()
            async with client.websocket("/2/live") as other:
                assert await other.receive_json() == {"type": "readers", "count": 1}

    run(scenario())


def test_a_new_comment_reaches_every_open_page(app: App) -> None:
    async def scenario() -> None:
        client = app.async_test_client()
        async with client.websocket("/1/live") as reader:
            await reader.receive_json()
            await client.post(
                "/auth/login", data={"username": "bob", "password": "bob-password"}
            )
            await client.post("/1/comments", data={"body": "Live!"})
            message = await reader.receive_json()
        assert message["type"] == "comment"
        assert message["id"] == 1
        assert '<li class="comment" id="comment-1" data-id="1">' in message["html"]
        assert '<p class="body">Live!</p>' in message["html"]

    run(scenario())


def test_the_live_updates_come_as_server_sent_events_too(app: App) -> None:
    async def scenario() -> None:
        client = app.async_test_client()
        async with client.stream("/1/events") as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            events = aiter(response)
            first = (await anext(events)).decode()
            assert first.startswith("data: ") and first.endswith("\n\n")
            assert json.loads(first.removeprefix("data: ")) == {
                "type": "readers",
                "count": 1,
            }

    run(scenario())


# -- the site's error pages -----------------------------------------------------


def test_every_error_page_has_a_handler() -> None:
    assert ERROR_CODES == (400, 403, 404, 405, 413, 500)


def assert_site_error_page(response: t.Any, code: int, name: str) -> None:
    assert response.status_code == code
    assert response.mimetype == "text/html"
    page = response.text
    assert f"<title>{name} - Blog</title>" in page
    assert f"<h1>{code} {name}</h1>" in page
    assert '<link rel="stylesheet" href="/static/style.css">' in page
    assert '<a class="site" href="/">Blog</a>' in page


def test_405_page_keeps_the_allow_header(client: AppClient) -> None:
    response = client.get("/auth/logout")
    assert_site_error_page(response, 405, "Method Not Allowed")
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert "The method is not allowed for the requested URL." in response.text


def test_413_page_for_a_body_over_a_mebibyte(
    app: App, client: AppClient, auth: Auth
) -> None:
    auth.login()
    response = client.post("/create", data={"title": "Big", "body": "x" * 2**20})
    assert_site_error_page(response, 413, "Request Entity Too Large")
    assert len(query(app, "SELECT * FROM post")) == 1


def test_400_page_for_a_malformed_form(client: AppClient, auth: Auth) -> None:
    auth.login()
    response = client.post(
        "/create",
        data=b'--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nhel',
        content_type="multipart/form-data; boundary=b",
    )
    assert_site_error_page(response, 400, "Bad Request")


def test_404_and_403_pages(client: AppClient, auth: Auth) -> None:
    assert_site_error_page(client.get("/nowhere"), 404, "Not Found")
    auth.login("bob")
    assert_site_error_page(client.get("/1/update"), 403, "Forbidden")


def test_500_page_hides_the_error(
    app: App, client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken() -> str:
        raise RuntimeError("secret detail")

    app.add_url_rule("/broken", view_func=broken)
    response = client.get("/broken")
    assert_site_error_page(response, 500, "Internal Server Error")
    assert "secret detail" not in response.text
    assert "RuntimeError: secret detail" in caplog.text
