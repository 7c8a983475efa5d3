"""gunicorn with uvicorn's worker class (``gunicorn -k
uvicorn_worker.UvicornWorker module:asgi``), the recipe of
docs/deployment.rst, run for real: gunicorn loads a plain name, so the
module holds ``asgi = app.asgi``. One gunicorn is started on 127.0.0.1,
spoken to over HTTP, and stopped with SIGTERM while a request is in flight;
the app's ``before_serving`` and ``after_serving`` hooks run in the worker
through ASGI lifespan."""

from __future__ import annotations

import signal
import socket
import sys
import textwrap
import time
import typing as t

import pytest
from processes import free_port
from servers import ServerProcess, server_environment

# Written to a temporary folder and served as ``workerapp:asgi``.
APP_SOURCE = textwrap.dedent(
    '''
    """The app gunicorn's uvicorn worker serves."""

    import asyncio
    import os
    import threading
    from pathlib import Path

    from framework import App, request

    HERE = Path(__file__).parent

    app = App(__name__)


    @app.before_serving
    async def started():
        (HERE / f"started-{os.getpid()}").write_text("")


    @app.after_serving
    def stopped():
        (HERE / f"stopped-{os.getpid()}").write_text("")


    @app.get("/health")
    def health():
        return "ok"


    @app.get("/async")
    async def async_view():
        await asyncio.sleep(float(request.args.get("seconds", 0)))
        return {
            "thread": threading.current_thread().name,
            "pid": os.getpid(),
            "started": (HERE / f"started-{os.getpid()}").exists(),
        }


    @app.get("/sync")
    def sync_view():
        return {"thread": threading.current_thread().name, "pid": os.getpid()}


    @app.post("/echo")
    def echo():
        return {"received": request.get_json()}


    # gunicorn loads a name, not an expression.
    asgi = app.asgi
    '''
)


@pytest.fixture(scope="module")
def gunicorn(
    tmp_path_factory: pytest.TempPathFactory,
) -> t.Iterator[ServerProcess]:
    """One gunicorn master with one uvicorn worker, as the docs start it."""
    folder = tmp_path_factory.mktemp("uvicorn-worker")
    (folder / "workerapp.py").write_text(APP_SOURCE, encoding="utf-8")
    port = free_port()
    server = ServerProcess(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-k",
            "uvicorn_worker.UvicornWorker",
            "--bind",
            f"127.0.0.1:{port}",
            "--graceful-timeout",
            "10",
            # gunicorn 25.1+ listens on a control socket at one path per
            # user: two test runs at once would fight over it.
            "--no-control-socket",
            "workerapp:asgi",
        ],
        port=port,
        folder=folder,
        env=server_environment(folder),
        name="gunicorn -k uvicorn_worker.UvicornWorker",
    )
    try:
        server.wait_ready("/health", body=b"ok")
        yield server
    finally:
        server.kill()


def test_async_views_run_on_the_workers_loop(gunicorn: ServerProcess) -> None:
    reply = gunicorn.request("GET", "/async")
    assert reply.status == 200
    answer = reply.json()
    # On the event loop, in the worker: not the master, not a thread.
    assert answer["thread"] == "MainThread"
    assert answer["pid"] != gunicorn.process.pid
    # The startup hook ran before the first request was served.
    assert answer["started"] is True


def test_sync_views_run_in_the_thread_pool(gunicorn: ServerProcess) -> None:
    reply = gunicorn.request("GET", "/sync")
    assert reply.status == 200
    assert reply.json()["thread"] != "MainThread"
    sent = {"name": "tea", "sizes": [1, 2]}
    assert gunicorn.post_json("/echo", sent).json() == {"received": sent}
    assert gunicorn.request("GET", "/missing").status == 404


def test_sigterm_finishes_the_request_in_flight_and_runs_after_serving(
    gunicorn: ServerProcess,
) -> None:
    """Last in the module: it stops the server."""
    worker = gunicorn.request("GET", "/async").json()["pid"]
    with socket.create_connection(("127.0.0.1", gunicorn.port), timeout=20) as sock:
        sock.sendall(
            b"GET /async?seconds=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        )
        time.sleep(0.3)
        gunicorn.process.send_signal(signal.SIGTERM)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert b'"thread":"MainThread"' in answer, answer
    assert gunicorn.stop() == 0, gunicorn.output()
    output = gunicorn.output()
    assert "Application shutdown complete." in output, output
    assert "Traceback" not in output, output
    assert (gunicorn.folder / f"started-{worker}").exists()
    assert (gunicorn.folder / f"stopped-{worker}").exists(), output
