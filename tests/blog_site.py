"""The example blog in a real browser, for the browser tests:
:class:`BlogServer` serves it with ``framework serve`` on 127.0.0.1, on a
database of its own, and :class:`Page` drives the session's headless
Chromium (tests/browser.py) on it.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import typing as t
from pathlib import Path

from processes import free_port
from servers import ServerProcess, server_environment

if t.TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

__all__ = ["PAGE_TIMEOUT", "BlogServer", "Page", "register_and_log_in"]

ROOT = Path(__file__).resolve().parent.parent

#: How long a page may take to load, in seconds.
PAGE_TIMEOUT = 10


class BlogServer:
    """The blog under ``framework serve``, on a new database created with
    ``init-db`` in ``folder``: started by :meth:`start`, on the same port
    each time.

    :param folder: holds the database and the server's logs.
    :param server: the ``--server`` option (``auto`` picks uvicorn, for the
        blog's websocket routes).
    :param settings: more of the factory's settings (as a deployment's
        ``instance/config.py`` would give them).
    """

    def __init__(
        self, folder: Path, *, server: str = "auto", **settings: t.Any
    ) -> None:
        # CSRF checks are on, as in production; the key is the same across
        # restarts, so sessions (logins) survive them.
        config = {
            "DATABASE": str(folder / "blog.sqlite"),
            "SECRET_KEY": secrets.token_hex(),
            **settings,
        }
        self.folder = folder
        self.server = server
        self.command = [sys.executable, "-m", "framework", "--app"]
        self.command.append(f"examples.blog:create_app({config!r})")
        self.env = server_environment(ROOT, FRAMEWORK_SKIP_DOTENV="1")
        done = subprocess.run(
            [*self.command, "init-db"],
            cwd=folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: ServerProcess | None = None

    def start(self) -> None:
        """Start serving; return once the index page answers."""
        serve = ["serve", "--server", self.server, "--host", "127.0.0.1"]
        self.process = ServerProcess(
            [*self.command, *serve, "--port", str(self.port)],
            port=self.port,
            folder=self.folder,
            env=self.env,
            name=f"the blog ({self.server})",
        )
        self.process.wait_ready("/")

    def stop(self) -> None:
        """Stop serving (SIGTERM), if it is."""
        if self.process is not None:
            self.process.stop()
            self.process = None


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


def register_and_log_in(page: Page, username: str, password: str) -> None:
    page.open("/auth/register")
    page.submit("Register", {"username": username, "password": password})
    assert page.path == "/auth/login", page.driver.page_source
    page.submit("Log in", {"username": username, "password": password})
    assert page.path == "/", page.driver.page_source
