"""Comments: everyone reads them under the post, a logged-in user writes
them.

A new comment is saved, then sent to every open page of its post
(:func:`.live.publish_comment`); the writer's own page reloads to show it.
:func:`since` gives a page the comments it missed while its live
connection was down.
"""

from __future__ import annotations

import typing as t

from framework import (
    Blueprint,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from . import live
from .auth import login_required
from .blog import ID_MAX, get_comments, get_post
from .db import get_db

bp = Blueprint("comments", __name__)

COMMENT_MAX = 2_000


@bp.post("/<int:post_id>/comments")
@login_required
def create(post_id: int) -> t.Any:
    """Comment on a post; an empty or too long comment shows the post again,
    with the message and the text typed, as a 400."""
    post = get_post(post_id, False)
    body = request.form.get("body", "").strip()
    error = None
    if not body:
        error = "A comment needs some text."
    elif len(body) > COMMENT_MAX:
        error = f"That comment is too long ({COMMENT_MAX} characters at most)."
    if error is not None:
        comments = get_comments(post_id)
        page = render_template(
            "blog/detail.html", post=post, comments=comments, error=error
        )
        return page, 400
    db = get_db()
    row = db.execute(
        "INSERT INTO comment (post_id, author_id, body) VALUES (?, ?, ?)"
        " RETURNING id, body, created",
        (post_id, g.user["id"], body),
    ).fetchone()
    db.commit()
    comment = {**dict(row), "username": g.user["username"]}
    live.publish_comment(post_id, comment)
    anchor = f"comment-{comment['id']}"
    return redirect(url_for("blog.detail", post_id=post_id, _anchor=anchor))


@bp.get("/<int:post_id>/comments")
def since(post_id: int) -> str:
    """The post's comments after number ``?after=``, as its page lists them.

    A missing or malformed number counts as 0: the page gets every comment,
    and adds those it lacks.
    """
    get_post(post_id, False)
    after = request.args.get("after", 0, type=int)
    # SQLite takes 64-bit integers only: keep the number in range.
    comments = get_comments(post_id, min(max(after, 0), ID_MAX))
    return render_template("blog/_comments.html", comments=comments)
