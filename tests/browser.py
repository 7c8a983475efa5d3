"""A real browser for the tests: Debian's headless Chromium, driven by
selenium through Debian's chromedriver, its viewport set to a phone's.

``conftest.py`` starts one for the whole test session (the ``browser``
fixture); this module says how. The binaries are named outright, so
selenium never runs Selenium Manager, which would try to download a
driver and fail offline. A missing browser fails the test that asked for
it, saying what to install: these tests are part of ``make test``, never
skipped.
"""

from __future__ import annotations

import contextlib
import os
import typing as t

import pytest

if t.TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

__all__ = ["CHROMEDRIVER", "CHROMIUM", "PHONE", "running_chromium"]

#: Debian's packages ``chromium`` and ``chromium-driver`` (``make browser``).
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

#: The viewport the pages are laid out in: a small phone's, 375 CSS pixels
#: wide, with phone rules (the page's ``<meta name="viewport">`` counts).
PHONE: dict[str, t.Any] = {
    "width": 375,
    "height": 667,
    "deviceScaleFactor": 2,
    "mobile": True,
}

INSTALL_HINT = (
    "install Debian's chromium and chromium-driver packages: `make browser`"
    " (apt-get install chromium chromium-driver), then `make"
    " .venv/.dev-installed` for selenium"
)


def _check_installed() -> None:
    missing = [
        path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)
    ]
    if missing:
        pytest.fail(
            f"The browser tests need {' and '.join(missing)}: {INSTALL_HINT}.",
            pytrace=False,
        )


@contextlib.contextmanager
def running_chromium() -> t.Iterator[WebDriver]:
    """Start headless Chromium with a phone's viewport; quit it on exit.

    :raise pytest.fail.Exception: when selenium, Chromium or chromedriver
        is missing, with what to install.
    """
    _check_installed()
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        pytest.fail(f"The browser tests need selenium ({e}): {INSTALL_HINT}.")
    options = Options()
    options.binary_location = CHROMIUM
    # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to
    # start. /dev/shm is small in containers; use /tmp instead.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        # Chrome won't make a window narrower than about 500 pixels, so the
        # phone's size is set through the DevTools protocol; it holds for
        # every page this tab loads.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
        yield driver
    finally:
        driver.quit()
