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
import secrets
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from processes import free_port
from servers import ServerProcess, server_environment

if t.TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

ROOT = Path(__file__).resolve().parent.parent

#: The phone's width in CSS pixels (tests/browser.py sets the viewport).
PHONE_WIDTH = 375

#: How long a page may take to load, in seconds.
PAGE_TIMEOUT = 10


@pytest.fixture(scope="module")
def blog_url(tmp_path_factory: pytest.TempPathFactory) -> t.Iterator[str]:
    """The blog, served by ``framework serve`` (waitress) on a free port,
    on a new database created with ``init-db``; its base URL."""
    folder = tmp_path_factory.mktemp("blog")
    # The factory's settings for a deployment, given on the command line:
    # a database in the temporary folder and a key of its own. CSRF checks
    # are on, as in production.
    config = {
        "DATABASE": str(folder / "blog.sqlite"),
        "SECRET_KEY": secrets.token_hex(),
    }
    command = [sys.executable, "-m", "framework", "--app"]
    command.append(f"examples.blog:create_app({config!r})")
    env = server_environment(ROOT, FRAMEWORK_SKIP_DOTENV="1")
    done = subprocess.run(
        [*command, "init-db"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    port = free_port()
    server = ServerProcess(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        port=port,
        folder=folder,
        env=env,
        name="the blog",
    )
    try:
        server.wait_ready("/")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


class Page:
    """The browser, on the blog: open pages, fill in and send forms, read
    what the page says."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    @property
    def path(self) -> str:
        """The path of the page shown, after any redirect."""
        return self.driver.current_url.removeprefix(self.base_url)

    def text(self, selector: str) -> str:
        """The text of the first element the CSS ``selector`` matches."""
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, selector).text

    def links_to(self, path: str) -> list[str]:
        """The texts of the page's links to ``path``."""
        from selenium.webdriver.common.by import By

        links = self.driver.find_elements(By.CSS_SELECTOR, f"a[href='{path}']")
        return [link.text for link in links]

    def flashes(self) -> list[str]:
        from selenium.webdriver.common.by import By

        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".flash")]

    def _leave(self, act: t.Callable[[], object], confirm: bool = False) -> None:
        """Do ``act`` (a click), accept the ``confirm()`` dialog it opens if
        ``confirm``, and wait for the next page."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.wait import WebDriverWait

        old: WebElement = self.driver.find_element(By.TAG_NAME, "html")
        act()
        wait = WebDriverWait(self.driver, PAGE_TIMEOUT)
        if confirm:
            wait.until(expected_conditions.alert_is_present())
            self.driver.switch_to.alert.accept()

        def left(driver: WebDriver) -> bool:
            try:
                old.is_enabled()
            except WebDriverException:
                # Stale, or, as Chromium sometimes says of a node of the
                # page just left, "does not belong to the document".
                return True
            return False

        wait.until(left)
        wait.until(
            lambda driver: (
                driver.execute_script("return document.readyState") == "complete"
            )
        )

    def click_link(self, text: str) -> None:
        from selenium.webdriver.common.by import By

        link = self.driver.find_element(By.LINK_TEXT, text)
        self._leave(link.click)

    def paste(self, fields: t.Mapping[str, str]) -> None:
        """Set the values of the inputs named in ``fields`` at once, as a
        paste would: typing long texts key by key takes seconds."""
        from selenium.webdriver.common.by import By

        for name, value in fields.items():
            field = self.driver.find_element(By.NAME, name)
            self.driver.execute_script(
                "arguments[0].value = arguments[1]", field, value
            )

    def submit(
        self, button: str, fields: t.Mapping[str, str] = {}, confirm: bool = False
    ) -> None:
        """Type ``fields`` into the inputs of those names, then click the
        button labelled ``button`` and wait for the answer."""
        from selenium.webdriver.common.by import By

        for name, value in fields.items():
            field = self.driver.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
        xpath = f"//button[normalize-space()='{button}']"
        self._leave(self.driver.find_element(By.XPATH, xpath).click, confirm)

    def scroll_width(self) -> int:
        """The width of the page's content: more than the viewport's when
        something makes it scroll sideways."""
        width = self.driver.execute_script(
            "return document.documentElement.scrollWidth"
        )
        return int(width)


@pytest.fixture
def page(browser: WebDriver, blog_url: str) -> Page:
    """The session's browser on the served blog, without cookies (so
    logged out, with a new session)."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return Page(browser, blog_url)


def register_and_log_in(page: Page, username: str, password: str) -> None:
    page.open("/auth/register")
    page.submit("Register", {"username": username, "password": password})
    assert page.path == "/auth/login", page.driver.page_source
    page.submit("Log in", {"username": username, "password": password})
    assert page.path == "/", page.driver.page_source


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
