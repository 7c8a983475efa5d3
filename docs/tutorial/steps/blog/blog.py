"""Posts: everyone reads them; a logged-in user writes them, and only
their author may edit or delete one.

Post ids in URLs use the ``int`` converter, so ``/abc/update`` is a 404
before any view runs. A missing post is a 404 and someone else's post a
403, each with a page saying so. The index shows the start of each post;
its page shows the rest.
"""

from __future__ import annotations

import sqlite3
import typing as t

from framework import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from .auth import login_required
from .db import get_db

bp = Blueprint("blog", __name__)

TITLE_MAX = 200
BODY_MAX = 20_000
# SQLite stores integers in 64 bits: a larger number can't be a post's id,
# and passing it to a query raises OverflowError. The int converter accepts
# any number of digits, so get_post checks.
ID_MAX = 2**63 - 1


def get_post(post_id: int, check_author: bool = True) -> sqlite3.Row:
    """The post with its author's name, or abort: 404 when there is no such
    post, 403 when ``check_author`` is set and ``g.user`` didn't write it."""
    if post_id > ID_MAX:
        abort(404, f"There is no post number {post_id}.")
    post = (
        get_db()
        .execute(
            "SELECT p.id, p.title, p.body, p.created, p.author_id, u.username"
            " FROM post p JOIN user u ON p.author_id = u.id WHERE p.id = ?",
            (post_id,),
        )
        .fetchone()
    )
    if post is None:
        abort(404, f"There is no post number {post_id}; it may have been deleted.")
    if check_author and (g.user is None or post["author_id"] != g.user["id"]):
        abort(403, "Only the author of a post can edit or delete it.")
    return t.cast(sqlite3.Row, post)


def _read_post_form() -> tuple[str, str, str | None]:
    """The form's title and body, and what is wrong with them."""
    title = request.form.get("title", "").strip()
    body = request.form.get("body", "")
    error = None
    if not title:
        error = "Every post needs a title."
    elif len(title) > TITLE_MAX:
        error = f"That title is too long ({TITLE_MAX} characters at most)."
    elif len(body) > BODY_MAX:
        error = f"That post is too long ({BODY_MAX} characters at most)."
    return title, body, error


@bp.get("/")
def index() -> str:
    """Every post, newest first, each shortened to an excerpt by the
    template."""
    posts = (
        get_db()
        .execute(
            "SELECT p.id, p.title, p.body, p.created, p.author_id, u.username"
            " FROM post p JOIN user u ON p.author_id = u.id"
            " ORDER BY p.created DESC, p.id DESC"
        )
        .fetchall()
    )
    return render_template("blog/index.html", posts=posts)


@bp.get("/<int:post_id>")
def detail(post_id: int) -> str:
    """One post; anyone may read it."""
    return render_template(
        "blog/detail.html",
        post=get_post(post_id, False),
    )


@bp.route("/create", methods=["GET", "POST"])
@login_required
def create() -> t.Any:
    """Write a post; an invalid form is shown again with a 400."""
    if request.method == "GET":
        return render_template("blog/create.html")
    title, body, error = _read_post_form()
    if error is not None:
        return render_template("blog/create.html", error=error), 400
    db = get_db()
    cursor = db.execute(
        "INSERT INTO post (title, body, author_id) VALUES (?, ?, ?)",
        (title, body, g.user["id"]),
    )
    db.commit()
    flash(f"Published “{title}”.")
    return redirect(url_for("blog.detail", post_id=cursor.lastrowid))


@bp.route("/<int:post_id>/update", methods=["GET", "POST"])
@login_required
def update(post_id: int) -> t.Any:
    """Edit one's own post; an invalid form is shown again with a 400."""
    post = get_post(post_id)
    if request.method == "GET":
        return render_template("blog/update.html", post=post)
    title, body, error = _read_post_form()
    if error is not None:
        return render_template("blog/update.html", post=post, error=error), 400
    db = get_db()
    db.execute(
        "UPDATE post SET title = ?, body = ? WHERE id = ?", (title, body, post_id)
    )
    db.commit()
    flash(f"Saved “{title}”.")
    return redirect(url_for("blog.detail", post_id=post_id))


@bp.post("/<int:post_id>/delete")
@login_required
def delete(post_id: int) -> t.Any:
    """Delete one's own post."""
    post = get_post(post_id)
    db = get_db()
    db.execute("DELETE FROM post WHERE id = ?", (post_id,))
    db.commit()
    flash(f"Deleted “{post['title']}”.")
    return redirect(url_for("blog.index"))
