"""The apps of the concurrency benchmark (:mod:`benchmarks.concurrency`),
served by uvicorn: ``GET /sleep`` awaits ``asyncio.sleep`` and answers
``slept``; ``GET /`` answers at once, to tell that the server is up.

The sleep lasts :envvar:`BENCH_SLEEP_SECONDS` seconds (default 1). Each app
is built on first access (``benchmarks.sleep_apps:starlette_app``), so a
framework that is not installed fails only the run that asks for it.
"""

from __future__ import annotations

import asyncio
import os
import typing as t

# The apps themselves (framework_app, starlette_app, quart_app, falcon_app)
# are made by __getattr__ on first access.
__all__ = ["SLEEP_SECONDS"]

#: How long ``/sleep`` waits.
SLEEP_SECONDS = float(os.environ.get("BENCH_SLEEP_SECONDS", "1"))

ANSWER = "slept"


def build_framework() -> t.Any:
    """``framework``: serve it as ``benchmarks.sleep_apps:framework_app.asgi``."""
    from framework import App

    app = App(__name__)

    @app.route("/")
    async def ready() -> str:
        return "ready"

    @app.route("/sleep")
    async def sleep() -> str:
        await asyncio.sleep(SLEEP_SECONDS)
        return ANSWER

    return app


def build_starlette() -> t.Any:
    """Starlette, ``async def`` endpoints."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    async def ready(request: Request) -> Response:
        return PlainTextResponse("ready")

    async def sleep(request: Request) -> Response:
        await asyncio.sleep(SLEEP_SECONDS)
        return PlainTextResponse(ANSWER)

    return Starlette(routes=[Route("/", ready), Route("/sleep", sleep)])


def build_quart() -> t.Any:
    """Quart, ``async def`` views."""
    from quart import Quart

    app = Quart(__name__)

    @app.route("/")
    async def ready() -> str:
        return "ready"

    @app.route("/sleep")
    async def sleep() -> str:
        await asyncio.sleep(SLEEP_SECONDS)
        return ANSWER

    return app


def build_falcon() -> t.Any:
    """Falcon's ASGI app, ``async def`` responders."""
    import falcon
    import falcon.asgi

    class Ready:
        async def on_get(self, req: t.Any, resp: t.Any) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = "ready"

    class Sleep:
        async def on_get(self, req: t.Any, resp: t.Any) -> None:
            await asyncio.sleep(SLEEP_SECONDS)
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = ANSWER

    app = falcon.asgi.App()
    app.add_route("/", Ready())
    app.add_route("/sleep", Sleep())
    return app


_BUILDERS = {
    "framework_app": build_framework,
    "starlette_app": build_starlette,
    "quart_app": build_quart,
    "falcon_app": build_falcon,
}


def __getattr__(name: str) -> t.Any:
    build = _BUILDERS.get(name)
    if build is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = globals()[name] = build()
    return app
