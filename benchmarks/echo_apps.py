"""The apps of the WebSocket benchmark (:mod:`benchmarks.websocket_echo`),
served by uvicorn: a WebSocket at ``/echo`` that sends back each text
message it receives, until the client closes.

Each handler is written as that framework's manual shows it, so the
benchmark times what an app would run. Each app is built on first access
(``benchmarks.echo_apps:starlette_app``), so a framework that is not
installed fails only the run that asks for it.
"""

from __future__ import annotations

import typing as t

# The apps themselves (framework_app, starlette_app, quart_app) are made by
# __getattr__ on first access.
__all__: list[str] = []


def build_framework() -> t.Any:
    """``framework``: serve it as ``benchmarks.echo_apps:framework_app.asgi``."""
    from framework import App, WebSocketDisconnect, websocket

    app = App(__name__)

    @app.websocket("/echo")
    async def echo() -> None:
        try:
            while True:
                await websocket.send(await websocket.receive())
        except WebSocketDisconnect:
            pass

    return app


def build_starlette() -> t.Any:
    """Starlette, a ``WebSocketRoute`` endpoint."""
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute
    from starlette.websockets import WebSocket, WebSocketDisconnect

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except WebSocketDisconnect:
            pass

    return Starlette(routes=[WebSocketRoute("/echo", echo)])


def build_quart() -> t.Any:
    """Quart, ``@app.websocket``; Quart cancels the handler when the client
    leaves."""
    from quart import Quart, websocket

    app = Quart(__name__)

    @app.websocket("/echo")
    async def echo() -> None:
        while True:
            await websocket.send(await websocket.receive())

    return app


_BUILDERS = {
    "framework_app": build_framework,
    "starlette_app": build_starlette,
    "quart_app": build_quart,
}


def __getattr__(name: str) -> t.Any:
    build = _BUILDERS.get(name)
    if build is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = globals()[name] = build()
    return app
