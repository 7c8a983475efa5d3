"""Start-up: a process that imports the framework and creates an app loads
only what such an app needs; templates, the command line, the servers, the
test tools, ASGI, WebSockets and server-sent events load when first used.

Each test runs a fresh interpreter (this one has imported everything long
ago) and looks at its ``sys.modules``. Not a timing test:
``benchmarks/startup.py`` measures the time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import framework

#: What ``import framework; framework.App(...)`` must not load: third-party
#: packages and standard modules only some apps use, and the framework's
#: own modules for them.
DEFERRED = (
    "jinja2",
    "click",
    "werkzeug.serving",
    "werkzeug.debug",
    "werkzeug.test",
    "http.server",
    "http.client",
    "socketserver",
    "ssl",
    "asyncio",
    "concurrent.futures",
    "framework.jinja_environment",
    "framework.cli",
    "framework.devserver",
    "framework.devserver_asgi",
    "framework.serving",
    "framework.testing",
    "framework.testing_websocket",
    "framework.asgi",
    "framework.asgi_websocket",
    "framework.websockets",
    "framework.sse",
    "framework.concurrency",
    "framework.settings",
    "framework.debughelpers",
    "framework.logging",
)


def _loaded_after(code: str) -> set[str]:
    """The modules a new interpreter has loaded after running ``code``."""
    program = textwrap.dedent(code) + (
        "\nimport json as _json, sys as _sys"
        "\nprint(_json.dumps(sorted(_sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def _present(loaded: set[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name in loaded]


def test_creating_an_app_loads_none_of_the_deferred_modules() -> None:
    loaded = _loaded_after(
        """
        import framework
        app = framework.App("x")
        """
    )
    assert "framework.app" in loaded  # the check below looks at a real app
    assert _present(loaded, DEFERRED) == []


def test_a_typical_module_of_views_loads_none_of_them_either() -> None:
    loaded = _loaded_after(
        """
        from framework import App, Blueprint, jsonify, render_template, request

        app = App("x")
        shop = Blueprint("shop", "x")

        @app.get("/")
        def index():
            return render_template("index.html", q=request.args.get("q"))

        @shop.post("/items")
        def add():
            return jsonify(ok=True)

        app.register_blueprint(shop)
        """
    )
    assert _present(loaded, DEFERRED) == []


def test_serving_a_wsgi_request_loads_no_asgi_or_template_machinery() -> None:
    loaded = _loaded_after(
        """
        import framework
        app = framework.App("x")
        app.get("/")(lambda: {"hello": "world"})
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "x",
            "SERVER_PORT": "80", "wsgi.url_scheme": "http",
        }
        body = b"".join(app(environ, lambda status, headers: None))
        assert body == b'{"hello":"world"}\\n', body
        """
    )
    assert _present(loaded, DEFERRED) == []


def test_the_first_template_loads_jinja() -> None:
    loaded = _loaded_after(
        """
        import framework
        app = framework.App("x")
        with app.app_context():
            assert framework.render_template_string("{{ 6 * 7 }}") == "42"
        """
    )
    assert _present(loaded, ("jinja2", "framework.jinja_environment")) == [
        "jinja2",
        "framework.jinja_environment",
    ]


def test_reading_jinja_environment_loads_jinja() -> None:
    loaded = _loaded_after(
        """
        import framework
        import framework.templating
        environment = framework.App.jinja_environment
        assert environment is framework.templating.Environment
        assert environment.__module__ == "framework.jinja_environment"
        """
    )
    assert "jinja2" in loaded


def test_the_command_line_loads_click() -> None:
    loaded = _loaded_after(
        """
        import framework
        app = framework.App("x")
        assert app.cli.name == "x"
        """
    )
    assert _present(loaded, ("click", "framework.cli")) == ["click", "framework.cli"]


def test_a_websocket_route_loads_the_websocket_module_only() -> None:
    loaded = _loaded_after(
        """
        import framework
        app = framework.App("x")

        @app.websocket("/ws")
        async def ws(socket):
            await socket.send("hi")

        app.app_context()  # prepares the dispatcher, which checks the route
        """
    )
    assert "framework.websockets" in loaded
    assert _present(loaded, ("asyncio", "framework.asgi_websocket")) == []


def test_the_package_names_are_imported_on_first_access() -> None:
    loaded = _loaded_after(
        """
        import framework
        assert "framework.sse" not in __import__("sys").modules
        assert framework.EventStream.__module__ == "framework.sse"
        """
    )
    assert "framework.sse" in loaded


def test_every_exported_name_resolves() -> None:
    names = framework.__all__
    assert names == sorted(names)
    assert set(names) == set(framework._EXPORTS)
    assert set(names) <= set(dir(framework))
    for name in names:
        assert getattr(framework, name) is not None


def test_star_import_gives_every_exported_name() -> None:
    namespace: dict[str, object] = {}
    exec("from framework import *", namespace)
    assert set(framework.__all__) <= set(namespace)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Flask'"):
        framework.Flask  # noqa: B018


def test_the_flask_alias_defers_the_same_modules() -> None:
    loaded = _loaded_after(
        """
        import framework.compat.flask
        framework.compat.flask.install()
        from flask import Flask, jsonify, request
        app = Flask("x")
        """
    )
    assert _present(loaded, DEFERRED) == []


def test_the_flask_alias_has_every_name_on_first_access() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import framework, framework.compat.flask as c; c.install()\n"
            "import flask\n"
            "names = {}\n"
            "exec('from flask import *', names)\n"
            "print(sorted(set(framework.__all__) - set(names)),"
            " flask.EventStream is framework.EventStream,"
            " flask.Flask is framework.App)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["[]", "True", "True"]


def test_the_flask_namespace_lists_every_framework_name() -> None:
    from framework.compat.flask import namespace

    assert namespace.__all__ == sorted({"Flask", *framework.__all__})
