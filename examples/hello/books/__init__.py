"""The HTML pages: a list of books, one book, and a form to add one.

The blueprint brings its own templates (``books/templates/books/``, named
``books/...`` so they can't clash with other folders) and static files,
served at ``/books/static/``.
"""

from __future__ import annotations

import typing as t

from framework import Blueprint, flash, redirect, render_template, request, url_for

from ..data import BOOKS, add_book, get_book

bp = Blueprint(
    "books",
    __name__,
    url_prefix="/books",
    template_folder="templates",
    static_folder="static",
)


@bp.get("/")
def index() -> str:
    return render_template("books/index.html", books=BOOKS.values())


@bp.get("/<int:book_id>")
def detail(book_id: int) -> str:
    return render_template("books/detail.html", book=get_book(book_id))


@bp.route("/new", methods=["GET", "POST"])
def new() -> t.Any:
    error = None
    if request.method == "POST":
        title = request.form.get("title", "").strip()
        author = request.form.get("author", "").strip() or None
        if not title:
            error = "Every book needs a title."
        elif len(title) > 200:
            error = "That title is too long (200 characters at most)."
        else:
            book = add_book(title, author)
            flash(f"Added “{book['title']}”.")
            return redirect(url_for(".detail", book_id=book["id"]))
    return render_template("books/new.html", error=error), 400 if error else 200
