"""The apps of the ASGI benchmarks, one module per framework.

Each module maps a scenario name of :mod:`benchmarks.asgi_run` to a function
that builds that scenario's app, written the way that framework's own docs
would write it, and returns its ASGI callable. A scenario a framework has no
idiomatic way to write (sessions in Falcon, reading a body in a Starlette
``def`` endpoint) is left out of its map and shows as ``-`` in the results.
"""
