"""The manual's Python examples run: each ``.. code-block:: python`` of a page
is executed in order, in one namespace per page, so the docs can't drift from
the code."""

from __future__ import annotations

import pathlib
import re
import sys
import textwrap
import typing as t

import pytest

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
