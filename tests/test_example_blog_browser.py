"""The example blog in a real browser: headless Chromium (the session's
``browser`` fixture, with a 375-pixel phone viewport) against the blog
served by ``framework serve`` on 127.0.0.1, on a database of its own.

Through the real pages: an account, a post written, edited and deleted; a
form sent without its CSRF token meets the site's 400 page; and every page
fits the phone's width without scrolling sideways. The rest of the blog is
tested with the test client in tests/test_example_blog.py.
"""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import pytest
from blog_site import BlogServer, Page, register_and_log_in

if t.TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

#: The phone's width in CSS pixels (tests/browser.py sets the viewport).
PHONE_WIDTH = 375


@pytest.fixture(scope="module")
def blog_url(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[str]:
    """The blog, served by ``framework serve`` on a free port (uvicorn:
    the blog has websocket routes), on a new database; its base URL."""
    blog = BlogServer(tmp_path_factory.mktemp("blog"))
    blog.start()
    try:
        yield blog.url
    finally:
        blog.stop()


@pytest.fixture
def page(browser: WebDriver, blog_url: str) -> Page:
    """The session's browser on the served blog, without cookies (so
    logged out, with a new session)."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return Page(browser, blog_url)


def test_register_log_in_write_edit_and_delete_a_post(page: Page) -> None:
    page.open("/auth/register")
    page.submit("Register", {"username": "ann", "password": "ann-password"})
    assert page.path == "/auth/login"
    assert page.flashes() == ["Welcome, ann! Log in to start writing."]
    page.submit("Log in", {"username": "ann", "password": "ann-password"})
    assert page.path == "/"
    assert page.flashes() == ["Logged in as ann."]
    assert page.text("nav span") == "ann"

    page.click_link("New post")
    assert page.path == "/create"
    page.submit("Publish", {"title": "From a browser", "body": "Typed in Chromium."})
    post_path = page.path
    assert re.fullmatch(r"/\d+", post_path), post_path
    assert page.flashes() == ["Published “From a browser”."]
    assert page.text(".post h2") == "From a browser"
    assert page.text(".post .body") == "Typed in Chromium."

    page.click_link("Edit")
    assert page.path == f"{post_path}/update"
    page.submit("Save", {"title": "Edited in a browser"})
    assert page.path == post_path
    assert page.flashes() == ["Saved “Edited in a browser”."]
    assert page.text(".post h2") == "Edited in a browser"
    assert page.text(".post .body") == "Typed in Chromium."

    page.click_link("Edit")
    page.submit("Delete", confirm=True)
    assert page.path == "/"
    assert page.flashes() == ["Deleted “Edited in a browser”."]
    assert page.links_to(post_path) == []
    page.open(post_path)
    assert page.text("h1") == "404 Not Found"

    page.submit("Log out")
    assert page.flashes() == ["Logged out."]
    assert page.text("nav").split() == ["Blog", "Register", "Log", "in"]


def test_a_form_without_its_csrf_token_gets_the_sites_400_page(page: Page) -> None:
    page.open("/auth/login")
    # What a forged form from another site lacks: the session's token.
    page.driver.execute_script(
        "document.querySelector('input[name=csrf_token]').remove()"
    )
    page.submit("Log in", {"username": "ann", "password": "ann-password"})
    assert page.path == "/auth/login"
    assert page.driver.title == "Bad Request - Blog"
    assert page.text("h1") == "400 Bad Request"
    assert page.text("main p") == "The CSRF token is missing."
    assert page.text("nav .site") == "Blog"  # in the site's layout
    assert page.flashes() == []


def test_the_session_cookie_is_samesite_lax(page: Page) -> None:
    page.open("/auth/login")  # the form's token starts a session
    cookie = page.driver.get_cookie("session")
    assert cookie is not None
    assert cookie["sameSite"] == "Lax"
    assert cookie["httpOnly"] is True


def test_the_viewport_is_a_phones_and_a_wide_page_is_caught(page: Page) -> None:
    # The check below is only worth something if a page that does not fit
    # is measured as such.
    page.open("/")
    assert page.driver.execute_script("return window.innerWidth") == PHONE_WIDTH
    assert page.scroll_width() <= PHONE_WIDTH
    page.driver.execute_script(
        "document.body.insertAdjacentHTML('beforeend',"
        " '<div style=\"width: 500px\">wide</div>')"
    )
    assert page.scroll_width() > PHONE_WIDTH


def test_every_page_fits_a_375_pixel_screen(page: Page) -> None:
    widths = {}
    for path in ("/auth/register", "/auth/login"):
        page.open(path)
        widths[path] = page.scroll_width()
    # The longest words the forms accept, which no line can hold.
    username = "W" * 80
    register_and_log_in(page, username, "pw")
    page.open("/create")
    widths["/create"] = page.scroll_width()
    body = "M" * 400 + " and a few words after a very long one" * 20
    page.paste({"title": "T" * 200, "body": body})
    page.submit("Publish")
    post_path = page.path
    assert re.fullmatch(r"/\d+", post_path), post_path
    for path in (
        post_path,
        f"{post_path}/update",
        "/",
        "/99999999999999999999",  # the site's 404 page
        "/auth/logout",  # its 405 page
    ):
        page.open(path)
        widths[path] = page.scroll_width()
    assert page.driver.title == "Method Not Allowed - Blog"
    page.open("/")
    assert page.links_to(post_path) == ["T" * 200, "Read more"]
    too_wide = {path: width for path, width in widths.items() if width > PHONE_WIDTH}
    assert not too_wide, f"wider than {PHONE_WIDTH} pixels: {too_wide}"


def test_a_missing_browser_fails_and_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The module behind the browser fixture, not the fixture.
    import browser as setup

    monkeypatch.setattr(setup, "CHROMIUM", str(tmp_path / "chromium"))
    with pytest.raises(pytest.fail.Exception) as failure, setup.running_chromium():
        pass
    message = str(failure.value)
    assert f"The browser tests need {tmp_path / 'chromium'}:" in message
    assert "make browser" in message
    assert "apt-get install chromium chromium-driver" in message
