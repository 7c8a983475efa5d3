"""The Flask alias for a whole test module, for the extension tests
(``tests/test_compat_ext_*.py``).

Each of those modules builds one small app per extension, once, in a
module-scoped fixture: importing an extension and setting up its app is
what costs time, the requests are cheap. The alias is process-wide, so it
is installed for the module and removed afterwards with every module that
imported the aliased ``flask`` meanwhile, so that the next module (or
``tests/test_compat_flask.py``) imports the extensions afresh.

:func:`run_as_flask_and_framework` compares one Flask script's output on
Flask itself and on this framework, each in a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import importlib
import subprocess
import sys
import typing as t

import framework.compat.flask as compat

# Packages that import ``flask`` without a ``flask_`` name; they keep the
# objects of the aliased modules, so they go with them.
_OTHER_FLASK_USERS = ("apiflask", "authlib.integrations.flask_", "webargs.flaskparser")


def _imports_flask(name: str) -> bool:
    return (
        name == "flask"
        or name.startswith(("flask.", "flask_"))
        or name.startswith(_OTHER_FLASK_USERS)
    )


@contextlib.contextmanager
def aliased_flask() -> t.Iterator[None]:
    """Install the alias; on exit remove it and forget every module that
    imported it."""
    leftovers = sorted(name for name in sys.modules if _imports_flask(name))
    assert leftovers == [], f"a flask module leaked from elsewhere: {leftovers}"
    compat.install()
    try:
        yield
    finally:
        compat.uninstall()
        for name in [name for name in sys.modules if _imports_flask(name)]:
            del sys.modules[name]


def load(name: str) -> t.Any:
    """Import ``name``; typed ``Any``, since the extensions ship no types
    for the checker to follow. The alias must be installed: without it the
    extensions would import the real Flask, and their tests would pass
    without running on this framework at all."""
    assert compat.is_installed(), f"import {name} under the Flask alias"
    return importlib.import_module(name)


def run_as_flask_and_framework(script: str) -> str:
    """Run ``script``, written against Flask, twice in fresh interpreters:
    with Flask itself, then with ``import flask`` going to this framework
    through the alias. Assert that both print the same and return that
    output, so a test states its scenario once and compares the two.

    :param script: Python source that imports ``flask`` and prints what
        the test compares.
    """
    install = "import framework.compat.flask\nframework.compat.flask.install()\n"
    outputs = []
    for prefix in ("", install):
        result = subprocess.run(
            [sys.executable, "-c", prefix + script],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    flask_output, framework_output = outputs
    assert framework_output == flask_output
    return framework_output
