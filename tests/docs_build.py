"""Part of the manual built as HTML, with its own configuration and static
files, for tests that look at what a reader gets: :func:`build_html`
builds only the pages asked for (seconds, against a minute for the whole
manual)."""

from __future__ import annotations

import pathlib

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def build_html(out: pathlib.Path, root_doc: str, include: list[str]) -> pathlib.Path:
    """Build the pages matching ``include`` into ``out``; return the HTML
    folder.

    :param out: an empty folder for the HTML and the doctrees.
    :param root_doc: the page that is the root of this build.
    :param include: glob patterns of the pages to build, relative to docs/.
    """
    from sphinx.application import Sphinx

    Sphinx(
        srcdir=str(DOCS),
        confdir=str(DOCS),
        outdir=str(out / "html"),
        doctreedir=str(out / "doctrees"),
        buildername="html",
        status=None,
        warning=None,
        freshenv=True,
        confoverrides={"root_doc": root_doc, "include_patterns": include},
    ).build()
    return out / "html"
