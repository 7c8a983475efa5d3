# Two commands on a fresh machine: `make run` and `make test`.
# Everything is installed into a local virtual environment, .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: test run docs bench bench-wsgi bench-asgi bench-api bench-servers bench-charts bench-concurrency bench-websocket bench-startup bench-instructions soak clean servers wrk valgrind flask-suite

# Run apt-get through sudo unless we already are root.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever the project's metadata changes, or a contrib package
# comes or goes (the folder's time changes): the editable install maps each
# top-level package when it is made.
$(VENV)/.dev-installed: pyproject.toml contrib | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.bench-installed: pyproject.toml contrib | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

# The contrib tests start their own throwaway servers: Debian's redis-server
# (no PyPI wheel of the server installs here) and PostgreSQL's initdb/postgres.
# Install them on a fresh machine; an installed one is left as it is.
servers:
	@command -v redis-server >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(APT_INSTALL) redis-server; }
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(APT_INSTALL) postgresql; }

# The browser tests (tests/test_example_blog_browser.py) drive Debian's
# headless Chromium through its chromedriver; selenium uses these binaries,
# never a download.
.PHONY: browser
browser:
	@{ command -v chromium && command -v chromedriver; } >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(APT_INSTALL) chromium chromium-driver; }

# wrk drives the short load run of tests/test_benchmarks_servers.py: a fresh
# machine gets it too, so that test runs in CI rather than being skipped.
test: $(VENV)/.dev-installed servers browser wrk
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict framework contrib tests/type_check
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q
	$(BIN)/python -m sphinx -q -W --keep-going -b html docs docs/_build/html

# The blog needs the framework (its dependencies and contrib/'s packages
# come with it) and the asgi extra, uvicorn, which serves its live updates
# over WebSockets; not the development tools. An environment that
# `make test` set up, and that is still up to date, has them already.
$(VENV)/.run-installed: pyproject.toml contrib | $(BIN)/python
	@if [ -f $(VENV)/.dev-installed ] && [ ! pyproject.toml -nt $(VENV)/.dev-installed ] \
		&& [ ! contrib -nt $(VENV)/.dev-installed ]; then \
		echo "$(VENV) has the framework already (make test installed it)"; \
	else \
		echo "$(BIN)/python -m pip install --quiet -e '.[asgi]'"; \
		$(BIN)/python -m pip install --quiet -e '.[asgi]'; \
	fi
	touch $@

run: $(VENV)/.run-installed
	$(BIN)/python -m examples.blog --host $(HOST) --port $(PORT)

docs: $(VENV)/.dev-installed
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# Flask 3.1.3's own test suite, downloaded at run time, through the alias and
# ported (tests/flask_suite/run.py says how).
flask-suite: $(VENV)/.dev-installed
	$(BIN)/python tests/flask_suite/run.py

# wrk, the load generator of benchmarks/servers.py: Debian's package.
wrk:
	@command -v wrk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(APT_INSTALL) wrk; }

# valgrind, whose callgrind counts instructions per request: Debian's package.
valgrind:
	@command -v valgrind >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(APT_INSTALL) valgrind; }

# Where `make bench` writes its results (JSON) and charts (PNG).
BENCH_OUT ?= benchmarks/results
# Instruction counts of an earlier `make bench-instructions`, if any: the
# timed runs' goals tables then judge each goal by instructions as well.
WSGI_COUNTS := $(wildcard $(BENCH_OUT)/wsgi-instructions.json)
ASGI_COUNTS := $(wildcard $(BENCH_OUT)/asgi-instructions.json)

# The WSGI scenarios against Flask, Falcon and Bottle; the ASGI scenarios
# against Starlette, Quart, Falcon and Flask through a2wsgi; hello, JSON and
# a template page through gunicorn, uvicorn and granian under wrk; the
# typed-API scenarios against FastAPI, Litestar and Starlette+msgspec
# (ASGI) and APIFlask, flask-smorest and Flask+msgspec (WSGI); then 1,000
# concurrent slow requests on one uvicorn worker and a WebSocket echo
# against Starlette's and Quart's (benchmarks/README.md). The first four
# write JSON into $(BENCH_OUT), drawn as charts with results.json at the
# end. Each also runs alone, its options given through BENCH_ARGS:
# make bench-asgi BENCH_ARGS="--scenario hello".
bench: $(VENV)/.bench-installed servers wrk
	mkdir -p $(BENCH_OUT)
	$(BIN)/python -m benchmarks.run --json $(BENCH_OUT)/wsgi.json $(if $(WSGI_COUNTS),--instructions $(WSGI_COUNTS))
	$(BIN)/python -m benchmarks.asgi_run --json $(BENCH_OUT)/asgi.json $(if $(ASGI_COUNTS),--instructions $(ASGI_COUNTS))
	$(BIN)/python -m benchmarks.servers --json $(BENCH_OUT)/servers.json
	$(BIN)/python -m benchmarks.api_run --json $(BENCH_OUT)/api.json
	$(BIN)/python -m benchmarks.concurrency
	$(BIN)/python -m benchmarks.websocket_echo
	$(BIN)/python -m benchmarks.charts $(BENCH_OUT)

bench-wsgi: $(VENV)/.bench-installed servers
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

bench-asgi: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.asgi_run $(BENCH_ARGS)

# The typed-API scenarios alone (issue 21): a nested POST, a GET with
# typed query parameters and a 422, under ASGI and WSGI, e.g.
# make bench-api BENCH_ARGS="--interface asgi --scenario create".
bench-api: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.api_run $(BENCH_ARGS)

bench-servers: $(VENV)/.bench-installed wrk
	$(BIN)/python -m benchmarks.servers $(BENCH_ARGS)

# CPU instructions per request (callgrind), which the machine's load cannot
# move: every WSGI row for framework, Flask, Falcon and Bottle, every ASGI
# scenario for Starlette, framework and Falcon, with the goals judged by
# them. Counts go to $(BENCH_OUT)/*-instructions.json, which a later
# `make bench` shows beside the timed verdicts. Tens of minutes (callgrind
# runs Python about 50 times slower); options through BENCH_ARGS, e.g.
# make bench-instructions BENCH_ARGS="--scenario hello --requests 500".
bench-instructions: $(VENV)/.bench-installed servers valgrind
	mkdir -p $(BENCH_OUT)
	$(BIN)/python -m benchmarks.wsgi_instructions --json $(BENCH_OUT)/wsgi-instructions.json $(BENCH_ARGS)
	$(BIN)/python -m benchmarks.asgi_instructions --json $(BENCH_OUT)/asgi-instructions.json $(BENCH_ARGS)

# Charts and results.json from the JSON already in $(BENCH_OUT).
bench-charts: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.charts $(BENCH_OUT)

bench-concurrency: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.concurrency $(BENCH_ARGS)

bench-websocket: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.websocket_echo $(BENCH_ARGS)

# Process start-up (import the package, create an app) against Flask and
# Falcon, best of 15 new processes each: make bench-startup BENCH_ARGS="--rounds 30",
# or BENCH_ARGS="--importtime 25" for where the time of framework, Flask and
# Falcon goes (python -X importtime: a summary, then each one's slowest imports).
bench-startup: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.startup $(BENCH_ARGS)

# 300,000 mixed requests through `framework serve` (its WSGI default, then
# uvicorn), failing when a serving process's memory grows by more than 5 MB
# after the warm-up or an answer is wrong (benchmarks/README.md). Minutes
# long, so not part of `make test`.
# Options go through SOAK_ARGS: make soak SOAK_ARGS="--server waitress".
soak: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.soak $(SOAK_ARGS)

clean:
	rm -rf $(VENV) docs/_build .mypy_cache .pytest_cache .ruff_cache
