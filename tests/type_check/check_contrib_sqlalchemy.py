"""Type-only checks of framework_sqlalchemy, run by ``mypy --strict`` in
``make test``: models on the user's declarative base keep their types
through the extension's helpers. Nothing here runs under pytest."""

from __future__ import annotations

import typing as t

from framework_sqlalchemy import Pagination, Session, SQLAlchemy, SQLAlchemyState
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from framework import App


class Model(DeclarativeBase):
    pass


class User(Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str | None]
    posts: Mapped[list[Post]] = relationship(back_populates="author")


class Post(Model):
    __tablename__ = "post"
    __bind_key__ = "blog"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    author: Mapped[User] = relationship(back_populates="posts")


app = App(__name__)
db = SQLAlchemy(app, model_class=Model)
# An app has one extension: the factory style sets up another app.
factory_app = App(__name__)
factory_db = SQLAlchemy(session_options={"expire_on_commit": False})
factory_db.init_app(factory_app)

t.assert_type(db.Model, type[DeclarativeBase])
t.assert_type(db.session, Session)
t.assert_type(db.engine, Engine)
t.assert_type(db.engines[None], Engine)
t.assert_type(db.engines["blog"], Engine)
t.assert_type(app.extensions["sqlalchemy"], t.Any)
state: SQLAlchemyState = app.extensions["sqlalchemy"]
t.assert_type(state.db, SQLAlchemy)

user = db.get_or_404(User, 1, description="No such user.")
t.assert_type(user, User)
t.assert_type(user.name, str)
t.assert_type(user.email, str | None)
t.assert_type(user.posts[0].author, User)

t.assert_type(db.first_or_404(select(User).where(User.name == "ann")), User)
t.assert_type(db.one_or_404(select(User.name).where(User.id == 1)), str)
t.assert_type(db.session.scalars(select(User)).all(), t.Sequence[User])

page = db.paginate(select(Post).order_by(Post.id), per_page=10)
t.assert_type(page, Pagination[Post])
t.assert_type(page.items, list[Post])
t.assert_type(page.next_num, int | None)
t.assert_type(list(page.iter_pages()), list[int | None])
for post in page:
    t.assert_type(post, Post)

names = db.paginate(select(User.name).order_by(User.name))
t.assert_type(names, Pagination[str])

db.create_all()
db.create_all(bind_key=None)
db.drop_all(bind_key=["blog", None])
