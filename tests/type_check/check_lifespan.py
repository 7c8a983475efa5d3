"""Type-only checks of the serving hooks and background tasks, run by
``mypy --strict`` in ``make test``: the decorators hand back the function
with its own type, and a task's arguments are any."""

from __future__ import annotations

import typing as t

from framework import App

app = App(__name__)


@app.before_serving
def connect() -> None: ...


@app.before_serving
async def warm() -> int:
    return 1


@app.after_serving
async def disconnect() -> None: ...


@app.while_serving
async def pool() -> t.AsyncIterator[None]:
    yield


def send_mail(address: str, *, language: str) -> None: ...


async def notify(user_id: int) -> None: ...


t.assert_type(connect, t.Callable[[], None])
t.assert_type(warm, t.Callable[[], t.Coroutine[t.Any, t.Any, int]])
t.assert_type(pool, t.Callable[[], t.AsyncIterator[None]])
app.add_background_task(send_mail, "ada@example.com", language="en")
app.add_background_task(notify, 42)
t.assert_type(app.serving_hooks.started, bool)


def plain() -> None: ...


# A plain function is no while_serving generator (the ignore must be used).
app.while_serving(plain)  # type: ignore[type-var]
