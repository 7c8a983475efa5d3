"""Accounts: register, log in, log out, and the :func:`login_required`
decorator for views that need a user.

The logged-in user's id lives in the signed session cookie; before every
request of the app, :func:`load_logged_in_user` turns it into ``g.user``
(a database row, or ``None``). Passwords are stored as werkzeug hashes.
"""

from __future__ import annotations

import functools
import sqlite3
import typing as t

from werkzeug.security import check_password_hash, generate_password_hash

from framework import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")

USERNAME_MAX = 80
PASSWORD_MAX = 1024  # hashing is deliberately slow: bound the work per request

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def login_required(view: F) -> F:
    """Send anonymous visitors to the login page, with a flashed message
    saying why, instead of running ``view``."""

    @functools.wraps(view)
    def wrapped(*args: t.Any, **kwargs: t.Any) -> t.Any:
        if g.user is None:
            flash("Log in to do that.")
            return redirect(url_for("auth.login"))
        return view(*args, **kwargs)

    return t.cast(F, wrapped)


@bp.before_app_request
def load_logged_in_user() -> None:
    """Set ``g.user`` to the session's user, or ``None``. A session naming
    a user that no longer exists (the database was reset) counts as logged
    out."""
    user_id = session.get("user_id")
    g.user = None
    if user_id is not None:
        g.user = (
            get_db().execute("SELECT * FROM user WHERE id = ?", (user_id,)).fetchone()
        )


def _read_credentials() -> tuple[str, str, str | None]:
    """The form's username and password, and what is wrong with them."""
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    error = None
    if not username:
        error = "Username is required."
    elif not password:
        error = "Password is required."
    elif len(username) > USERNAME_MAX:
        error = f"That username is too long ({USERNAME_MAX} characters at most)."
    elif len(password) > PASSWORD_MAX:
        error = f"That password is too long ({PASSWORD_MAX} characters at most)."
    return username, password, error


@bp.route("/register", methods=["GET", "POST"])
def register() -> t.Any:
    """Create an account, then send the new user to the login page.

    Re-shows the form with a message: 400 for a missing or oversized
    field, 409 when the username is taken.
    """
    if request.method == "GET":
        return render_template("auth/register.html")
    username, password, error = _read_credentials()
    if error is not None:
        return render_template("auth/register.html", error=error), 400
    db = get_db()
    try:
        db.execute(
            "INSERT INTO user (username, password) VALUES (?, ?)",
            (username, generate_password_hash(password)),
        )
        db.commit()
    except sqlite3.IntegrityError:
        # The UNIQUE constraint decides, so two simultaneous sign-ups with
        # one name can't both succeed.
        error = f"The username “{username}” is taken; choose another."
        return render_template("auth/register.html", error=error), 409
    flash(f"Welcome, {username}! Log in to start writing.")
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login() -> t.Any:
    """Log in and go to the post list; a wrong username or password
    re-shows the form with a 400 and one message for both, so the page
    doesn't reveal which usernames exist."""
    if request.method == "GET":
        return render_template("auth/login.html")
    username, password, error = _read_credentials()
    if error is None:
        user = (
            get_db()
            .execute("SELECT * FROM user WHERE username = ?", (username,))
            .fetchone()
        )
        if user is None or not check_password_hash(user["password"], password):
            error = "Wrong username or password."
    if error is not None:
        return render_template("auth/login.html", error=error), 400
    session.clear()
    session["user_id"] = user["id"]
    flash(f"Logged in as {user['username']}.")
    return redirect(url_for("blog.index"))


@bp.post("/logout")
def logout() -> t.Any:
    """Forget the user. POST only, so a link or an image on another page
    can't log anyone out."""
    session.clear()
    flash("Logged out.")
    return redirect(url_for("blog.index"))
