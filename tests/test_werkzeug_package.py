"""werkzeug's package without its ``__init__`` until a name of it is read:
submodules import alone, and the package's own names still work, later.

Each test runs a fresh interpreter: this one imported werkzeug whole long
ago.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    """Run ``code`` in a new interpreter; its output."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_submodules_import_without_the_server_or_test_client() -> None:
    out = _run(
        """
        import sys
        import framework
        from werkzeug.routing import Map
        from werkzeug.wrappers import Request
        import werkzeug.exceptions
        print(sorted({"werkzeug.serving", "werkzeug.test"} & set(sys.modules)))
        """
    )
    assert out.strip() == "[]"


def test_the_package_names_work_and_load_the_package_init() -> None:
    out = _run(
        """
        import sys
        import framework
        import werkzeug
        from werkzeug import Client, run_simple
        import werkzeug.serving, werkzeug.test, werkzeug.wrappers
        assert run_simple is werkzeug.serving.run_simple
        assert Client is werkzeug.test.Client
        assert werkzeug.Request is werkzeug.wrappers.Request
        assert werkzeug.Response is werkzeug.wrappers.Response
        print(type(werkzeug) is type(sys))
        """
    )
    assert out.strip() == "True"


def test_a_submodule_is_an_attribute_of_the_package() -> None:
    # The real __init__ imports most submodules as a side effect, so code
    # reads werkzeug.exceptions after a bare "import werkzeug".
    out = _run(
        """
        import sys
        import framework
        import werkzeug
        print(werkzeug.exceptions.NotFound.code, "werkzeug.serving" in sys.modules)
        from werkzeug import http
        print(http is sys.modules["werkzeug.http"])
        """
    )
    assert out.split() == ["404", "False", "True"]


def test_a_missing_name_is_an_attribute_error() -> None:
    out = _run(
        """
        import framework
        import werkzeug
        try:
            werkzeug.no_such_name
        except AttributeError as error:
            print(error)
        """
    )
    assert out.strip() == "module 'werkzeug' has no attribute 'no_such_name'"


def test_werkzeug_imported_first_is_left_alone() -> None:
    out = _run(
        """
        import sys
        import werkzeug
        import framework
        print(type(werkzeug) is type(sys), "werkzeug.serving" in sys.modules)
        """
    )
    assert out.split() == ["True", "True"]


def test_concurrent_first_reads_run_the_init_once() -> None:
    out = _run(
        """
        import sys, threading
        import framework
        import werkzeug
        barrier = threading.Barrier(8)
        seen = []

        def read():
            barrier.wait()
            seen.append(werkzeug.Client)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        print(len(seen), len(set(map(id, seen))))
        """
    )
    assert out.split() == ["8", "1"]
