"""The manual's Python examples run: each ``.. code-block:: python`` of a page
is executed in order, in one namespace per page, so the docs can't drift from
the code (the quickstart's among them; the tutorial has tests/test_tutorial.py).

Besides: the built manual puts a page's text before its sidebar on a phone,
measured in headless Chromium, and the README's way to run a file of one's
own works as written."""

from __future__ import annotations

import html
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import textwrap
import typing as t
import urllib.error
import urllib.request

import pytest
from announced_server import announced_server
from docs_build import build_html

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"

_BLOCK = re.compile(
    r"^\.\. code-block:: python\n((?:\n|   .*\n|[ \t]*\n)+)", re.MULTILINE
)


def python_blocks(page: pathlib.Path) -> list[tuple[int, str]]:
    """The Python code blocks of an reST page, with their line numbers."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _BLOCK.finditer(text):
        body = match.group(1)
        # Options such as ":caption:" come first; the code follows a blank line.
        lines = body.split("\n")
        while lines and lines[0].strip().startswith(":"):
            lines.pop(0)
        line = text.count("\n", 0, match.start()) + 1
        blocks.append((line, textwrap.dedent("\n".join(lines))))
    return blocks


PAGES = sorted(p for p in DOCS.glob("*.rst") if python_blocks(p))


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_examples_run(page: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A page's example files (templates, static files) live in
    # docs/_examples/<page>/, which becomes the apps' root folder.
    examples = DOCS / "_examples" / page.stem
    if examples.is_dir():
        monkeypatch.chdir(examples)
    namespace: dict[str, t.Any] = {"__name__": f"docs_{page.stem}"}
    meta_path = list(sys.meta_path)
    try:
        for line, code in python_blocks(page):
            try:
                exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
            except Exception as e:
                raise AssertionError(
                    f"{page.name}, block at line {line} failed: {e!r}"
                ) from e
    finally:
        _forget_flask_alias(meta_path)


def _forget_flask_alias(meta_path: list[t.Any]) -> None:
    """Undo a page's ``framework.compat.flask.install()``
    (flask-extensions.rst) so that later pages and tests see no ``flask``:
    the import hook, the aliased modules and the extensions that imported
    them."""
    sys.meta_path[:] = meta_path
    for name in [
        name
        for name in sys.modules
        if name == "flask" or name.startswith(("flask.", "flask_"))
    ]:
        del sys.modules[name]


# -- the manual on a phone ----------------------------------------------------

CHROMIUM = pathlib.Path("/usr/bin/chromium")

# A page that shows one page of the manual in a frame as wide as a phone
# (a frame's width is its viewport's: Chrome's own window can't be made that
# narrow) and writes where the text and the sidebar begin into itself, for
# --dump-dom to print.
_PROBE = """<!doctype html>
<html><body><pre id="result">not measured</pre>
<iframe id="page" width="{width}" height="700" src="{url}"></iframe>
<script>
document.getElementById("page").addEventListener("load", function () {{
  var doc = this.contentDocument;
  document.getElementById("result").textContent = JSON.stringify({{
    text: doc.querySelector("div.body").getBoundingClientRect().top,
    sidebar: doc.querySelector("div.sphinxsidebar").getBoundingClientRect().top,
    scrollWidth: doc.documentElement.scrollWidth,
  }});
}});
</script></body></html>
"""


@pytest.fixture(scope="module")
def tutorial_html(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """The tutorial's pages built as HTML with the manual's configuration
    and static files (a few seconds, against a minute for the manual)."""
    return build_html(
        tmp_path_factory.mktemp("html"), "tutorial/index", ["tutorial/**"]
    )


def _measure(page: pathlib.Path, width: int, tmp_path: pathlib.Path) -> t.Any:
    if not CHROMIUM.exists():
        pytest.fail(
            "the docs are checked in a real browser: install Debian's chromium"
            " (apt-get install chromium; make test does)"
        )
    probe = tmp_path / "probe.html"
    probe.write_text(_PROBE.format(width=width, url=page.as_uri()), encoding="utf-8")
    dom = subprocess.run(
        [
            str(CHROMIUM),
            "--headless=new",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--allow-file-access-from-files",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1400,900",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    found = re.search(r'<pre id="result">([^<]*)</pre>', dom)
    assert found is not None, dom
    return json.loads(html.unescape(found.group(1)))


def test_on_a_phone_the_text_comes_before_the_sidebar(
    tutorial_html: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    # A page with wide code listings, on a 375-pixel-wide phone.
    measured = _measure(tutorial_html / "tutorial" / "database.html", 375, tmp_path)
    assert measured["text"] < measured["sidebar"], measured
    assert measured["scrollWidth"] <= 375, measured


def test_on_a_wide_screen_the_sidebar_is_beside_the_text(
    tutorial_html: pathlib.Path, tmp_path: pathlib.Path
) -> None:
    measured = _measure(tutorial_html / "tutorial" / "database.html", 1200, tmp_path)
    assert measured["text"] == measured["sidebar"], measured


# -- the README -----------------------------------------------------------

README = DOCS.parent / "README.md"


def _readme_blocks(language: str) -> list[str]:
    return re.findall(
        rf"^```{language}\n(.*?)^```", README.read_text("utf-8"), re.S | re.M
    )


def test_readme_runs_a_file_of_ones_own(tmp_path: pathlib.Path) -> None:
    """The README's ten lines, saved as ``app.py``, answer under the
    README's ``framework --app app run --debug`` and, as its production
    section says, ``framework serve``. (Its ``python app.py`` listens on
    port 5000, which a test can't count on being free.)"""
    (ten_lines,) = _readme_blocks("python")
    (tmp_path / "app.py").write_text(ten_lines, encoding="utf-8")
    commands = [
        shlex.split(line.partition("#")[0])
        for block in _readme_blocks("sh")
        for line in block.splitlines()
        if line.startswith(".venv/bin/framework --app app")
    ]
    # .venv/bin/framework --app app[:app] <command> ...
    assert [argv[3] for argv in commands] == ["run", "serve"], commands
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FRAMEWORK_", "FLASK_"))
    }
    env["FRAMEWORK_SKIP_DOTENV"] = "1"
    for argv in commands:
        argv[0] = str(pathlib.Path(sys.executable).parent / "framework")
        with announced_server(argv, cwd=tmp_path, env=env) as url:
            with urllib.request.urlopen(url + "/hello/you", timeout=30) as reply:
                assert json.load(reply) == {"greeting": "Hello, you!"}
            with pytest.raises(urllib.error.HTTPError) as error:
                urllib.request.urlopen(url + "/hello/nobody", timeout=30)
            assert error.value.code == 404
            error.value.close()
