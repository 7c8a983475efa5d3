"""Pages of query results, for templates that list many rows.

:func:`paginate` counts the rows of a ``select()``, checks the page the
client asked for, and loads only that page. The rules for what the client
sends (``?page=`` and ``?per_page=``):

* a value that is not a positive integer written in ASCII digits (``0``,
  ``-1``, ``1.5``, ``abc``, an empty value, 19 digits or more) is refused
  with **404 Not Found**, or replaced by the default when ``error_out`` is
  false;
* ``per_page`` above ``max_per_page`` is lowered to it;
* a page past the last one is **404 Not Found**, or an empty page when
  ``error_out`` is false. Page 1 always exists, even with no rows.
"""

from __future__ import annotations

import math
import typing as t

import sqlalchemy as sa

from framework import abort, has_request_context, request

if t.TYPE_CHECKING:
    import sqlalchemy.orm as sa_orm

__all__ = ["DEFAULT_PER_PAGE", "Pagination", "paginate"]

_T = t.TypeVar("_T")

#: Rows per page when neither the call nor the request says.
DEFAULT_PER_PAGE = 20

# More digits could overflow a database's 64-bit LIMIT or OFFSET.
_MAX_DIGITS = 18


class Pagination(t.Generic[_T]):
    """One page of results and what a template needs to link to the others.

    Made by :meth:`SQLAlchemy.paginate <framework_sqlalchemy.SQLAlchemy.paginate>`;
    iterating over it iterates over :attr:`items`.

    :param items: the rows of this page.
    :param page: this page's number, from 1.
    :param per_page: the number of rows on a full page.
    :param total: the number of rows on all pages.
    """

    def __init__(
        self, items: list[_T], *, page: int, per_page: int, total: int
    ) -> None:
        #: The rows of this page.
        self.items = items
        #: This page's number, from 1.
        self.page = page
        #: The number of rows on a full page.
        self.per_page = per_page
        #: The number of rows on all pages.
        self.total = total

    @property
    def pages(self) -> int:
        """The number of pages; ``0`` when there are no rows."""
        return math.ceil(self.total / self.per_page)

    @property
    def has_prev(self) -> bool:
        """Whether there is a page before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        """The number of the page before, or ``None`` on the first page."""
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        """The number of the page after, or ``None`` on the last page."""
        return self.page + 1 if self.has_next else None

    @property
    def first(self) -> int:
        """The position of this page's first row among all rows, from 1;
        ``0`` for an empty page. For "rows 21 to 40 of 95"."""
        if not self.items:
            return 0
        return (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        """The position of this page's last row among all rows; ``0`` for an
        empty page."""
        if not self.items:
            return 0
        return self.first + len(self.items) - 1

    def iter_pages(
        self,
        *,
        left_edge: int = 2,
        left_current: int = 2,
        right_current: int = 4,
        right_edge: int = 2,
    ) -> t.Iterator[int | None]:
        """The page numbers to show in a page navigation, in order, with
        ``None`` wherever pages are left out. With 20 pages, on page 10::

            1, 2, None, 8, 9, 10, 11, 12, 13, 14, None, 19, 20

        :param left_edge: how many of the first pages to show.
        :param left_current: how many pages to show before the current one.
        :param right_current: how many pages to show after the current one.
        :param right_edge: how many of the last pages to show.
        """
        pages = self.pages
        windows = sorted(
            (max(start, 1), min(end, pages))
            for start, end in (
                (1, left_edge),
                (self.page - left_current, self.page + right_current),
                (pages - right_edge + 1, pages),
            )
            if max(start, 1) <= min(end, pages)
        )
        shown = 0  # the last page number yielded
        for start, end in windows:
            if end <= shown:
                continue
            if start > shown + 1:
                yield None
            yield from range(max(start, shown + 1), end + 1)
            shown = end
        if 0 < shown < pages:
            yield None

    def __iter__(self) -> t.Iterator[_T]:
        return iter(self.items)

    def __repr__(self) -> str:
        return (
            f"<Pagination page {self.page} of {self.pages}"
            f" ({len(self.items)} of {self.total} items)>"
        )


def _positive_int(value: object) -> int | None:
    """``value`` as an ``int`` if it is a positive integer, or a string of
    at most 18 ASCII digits that is one; otherwise ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not (0 < len(value) <= _MAX_DIGITS and value.isascii() and value.isdigit()):
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value < 10**_MAX_DIGITS:
        return value
    return None


def _selects_an_entity(statement: sa.Select[t.Any]) -> bool:
    """Whether ``statement`` selects a model (or an alias of one), rather
    than columns only."""
    return any(
        column.get("entity") is not None and column["expr"] is column["entity"]
        for column in statement.column_descriptions
    )


def _page_argument(given: int | None, name: str, default: int, error_out: bool) -> int:
    """The value of ``page`` or ``per_page``: the one given, else the
    request's query argument, else ``default``."""
    value: object = given
    if value is None:
        if not has_request_context() or name not in request.args:
            return default
        value = request.args[name]
    number = _positive_int(value)
    if number is None:
        if error_out:
            abort(404, description=f"The {name} value must be a positive integer.")
        return default
    return number


def paginate(
    session: sa_orm.Session,
    statement: sa.Select[_T],
    *,
    page: int | None = None,
    per_page: int | None = None,
    max_per_page: int | None = 100,
    error_out: bool = True,
) -> Pagination[_T]:
    """Run ``statement`` for one page of results; see the module docstring
    for how ``page`` and ``per_page`` are checked.

    Two queries run: a count of all rows, then the rows of the page (the
    first column of each, like :meth:`~sqlalchemy.orm.Session.scalars`;
    when the statement selects a model, the instances are made unique, as
    joined eager loads need). A page past the last one is not queried.

    :param session: the session to run the queries in.
    :param statement: a ``select()``; give it an ``order_by`` so that pages
        don't overlap.
    :param page: the page number; defaults to the request's ``page`` query
        argument, else 1.
    :param per_page: rows per page; defaults to the request's ``per_page``
        query argument, else :data:`DEFAULT_PER_PAGE`.
    :param max_per_page: the largest ``per_page`` allowed, ``None`` for no
        limit.
    :param error_out: answer bad or too large page numbers with 404; when
        false, use the defaults or return an empty page instead.
    """
    page = _page_argument(page, "page", 1, error_out)
    per_page = _page_argument(per_page, "per_page", DEFAULT_PER_PAGE, error_out)
    if max_per_page is not None:
        per_page = max(min(per_page, max_per_page), 1)

    rows = statement.order_by(None).subquery()
    total = session.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one()
    pages = math.ceil(total / per_page)
    items: list[_T] = []
    if page <= pages:
        window = statement.limit(per_page).offset((page - 1) * per_page)
        result = session.scalars(window)
        if _selects_an_entity(statement):
            # Joined eager loading of a collection repeats an instance on
            # several rows. A statement of columns only is left alone: two
            # equal names on a page are two rows.
            result = result.unique()
        items = list(result)
    elif page > 1 and error_out:
        last = max(pages, 1)
        abort(404, description=f"Page {page} does not exist; the last is {last}.")
    return Pagination(items, page=page, per_page=per_page, total=total)
