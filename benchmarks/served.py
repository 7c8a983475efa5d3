"""The app a server of :mod:`benchmarks.servers` serves, chosen by the
environment: ``BENCH_PEER`` (a peer of :data:`WSGI_PEERS` or
:data:`ASGI_PEERS`) and ``BENCH_SCENARIO`` (hello, json or template).

``benchmarks.served:app`` is what each server is pointed at; the apps are
the in-process benchmarks' own (:mod:`benchmarks.run` and
:mod:`benchmarks.peers`), so a row through a server and a row in process
time the same code. ``raw`` is a bare callable answering ``Hello, World!``
with nothing of any framework: the most a server gives one worker, which
tells where the server, not the app, sets the pace.
"""

from __future__ import annotations

import importlib
import os
import typing as t
from collections.abc import Callable

__all__ = ["ASGI_PEERS", "SCENARIOS", "WSGI_PEERS", "app", "build"]

#: The scenarios served.
SCENARIOS = ("hello", "json", "template")
#: The WSGI peers, each with where its apps are: a builder of
#: :mod:`benchmarks.run` given a Kit, or a peer module's ``WSGI`` map.
WSGI_PEERS = ("raw", "framework", "Flask", "Falcon", "Bottle")
#: The ASGI peers: the ``ASYNC`` maps of :mod:`benchmarks.peers`.
ASGI_PEERS = ("raw", "framework", "Starlette", "Quart", "Falcon")

_ASGI_MODULES = {
    "framework": "framework_peer",
    "Starlette": "starlette_peer",
    "Quart": "quart_peer",
    "Falcon": "falcon_peer",
}
_WSGI_MODULES = {"Falcon": "falcon_wsgi_peer", "Bottle": "bottle_peer"}
_RUN_BUILDERS = {
    "hello": "build_hello",
    "json": "build_json",
    "template": "build_template",
}

_HELLO = b"Hello, World!"


def _raw_wsgi(environ: dict[str, t.Any], start_response: t.Any) -> list[bytes]:
    start_response(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "13")],
    )
    return [_HELLO]


async def _raw_asgi(scope: dict[str, t.Any], receive: t.Any, send: t.Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", b"13"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _HELLO})


def build(interface: str, peer: str, scenario: str) -> Callable[..., t.Any]:
    """The app of ``peer`` for ``scenario``, as ``interface`` serves it.

    :param interface: ``"wsgi"`` or ``"asgi"``.
    :param peer: a name of :data:`WSGI_PEERS` or :data:`ASGI_PEERS`.
    :param scenario: a name of :data:`SCENARIOS`; ``raw`` has hello only.
    :raise LookupError: no such app.
    """
    if peer == "raw":
        if scenario != "hello":
            raise LookupError("the raw app answers hello only")
        return _raw_wsgi if interface == "wsgi" else _raw_asgi
    if interface == "asgi":
        module = importlib.import_module(f"benchmarks.peers.{_ASGI_MODULES[peer]}")
        return t.cast(Callable[..., t.Any], module.ASYNC[scenario]())
    if peer in _WSGI_MODULES:
        module = importlib.import_module(f"benchmarks.peers.{_WSGI_MODULES[peer]}")
        return t.cast(Callable[..., t.Any], module.WSGI[scenario]())
    from . import run

    kit = run.FRAMEWORK if peer == "framework" else run.FLASK
    return t.cast(Callable[..., t.Any], getattr(run, _RUN_BUILDERS[scenario])(kit))


def _from_environment() -> Callable[..., t.Any] | None:
    peer = os.environ.get("BENCH_PEER")
    if peer is None:
        return None
    return build(
        os.environ.get("BENCH_INTERFACE", "wsgi"),
        peer,
        os.environ.get("BENCH_SCENARIO", "hello"),
    )


#: The app the environment chose; ``None`` when imported without one.
app = _from_environment()
