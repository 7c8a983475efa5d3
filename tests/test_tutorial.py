"""The tutorial (``docs/tutorial``) can be typed along from an empty folder.

Sphinx reads the tutorial's pages, so ``literalinclude`` is resolved by
Sphinx itself, exactly as in the built manual. Then a reader is played in a
temporary folder, page by page: each listing whose caption is a file's path
is written to that path (a later listing of the same file replaces the
earlier one), each command of a ``console`` block is run and its output
compared with the page's, and a ``pycon`` block is typed into the
``framework shell`` the block before opened. Servers started by a page
(``run``, ``serve``) listen on a free port and are visited with real HTTP
requests: an account, a post and a comment, which reaches the post's live
updates (server-sent events, and a WebSocket where the server takes
them). The blog's own tests, shown on the tests page, run there too.

Static checks beside it: every file of ``examples/blog`` is shown in full,
and is named in the layout page's tree, and an early version of a file that
grows across pages holds nothing the final version doesn't.
"""

from __future__ import annotations

import ast
import contextlib
import html.parser
import http.client
import http.cookiejar
import importlib.metadata
import importlib.util
import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
import typing as t
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from announced_server import announced_server
from docutils import nodes
from packaging.requirements import Requirement
from websockets.sync.client import connect as websocket_connect

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BLOG = ROOT / "examples" / "blog"
BLOG_TESTS = ROOT / "tests" / "test_example_blog.py"
# The virtual environment of this test run stands for the reader's .venv.
VENV_BIN = Path(sys.executable).parent
# The pages print paths inside the reader's folder as /path/to/<folder>.
PATH_PLACEHOLDER = "/path/to"
# What `git status` would ignore: never part of the blog's files.
JUNK = {"__pycache__", ".DS_Store"}


@dataclass
class Listing:
    """A whole file, as a page shows it."""

    page: str
    path: str
    text: str


@dataclass
class Command:
    """One ``$`` line of a console block, and the output the page shows."""

    page: str
    line: str
    output: list[str]


@dataclass
class Interpreter:
    """A ``pycon`` block: the lines typed, and the output the page shows."""

    page: str
    source: list[str]
    output: list[str]


Step = Listing | Command | Interpreter


@dataclass
class Tutorial:
    pages: list[str]
    steps: list[Step]
    # The text of every literal block of each page, for checks on prose
    # listings (the layout's tree).
    blocks: dict[str, list[str]] = field(default_factory=dict)

    def listings(self) -> list[Listing]:
        return [step for step in self.steps if isinstance(step, Listing)]

    def final_files(self) -> dict[str, str]:
        """Each file's last listing: what the reader has at the end."""
        return {listing.path: listing.text for listing in self.listings()}


def _is_path(caption: str) -> bool:
    return bool(re.fullmatch(r"[\w.-]+(/[\w.-]+)*\.\w+", caption))


def _console_commands(page: str, text: str) -> list[Command]:
    commands: list[Command] = []
    windows = False
    for line in text.splitlines():
        if line.startswith("$ "):
            commands.append(Command(page, line[2:].strip(), []))
            windows = False
        elif line.startswith("> "):
            # A Windows command, with its output: not run here.
            windows = True
        elif commands and not windows:
            commands[-1].output.append(line.rstrip())
    return commands


def _interpreter(page: str, text: str) -> Interpreter:
    source, output = [], []
    for line in text.splitlines():
        if line.startswith((">>> ", "... ")):
            source.append(line[4:])
        elif line.strip():
            output.append(line.rstrip())
    return Interpreter(page, source, output)


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> Tutorial:
    """The tutorial's pages read by Sphinx, in the order of its table of
    contents, and the reader's steps taken from them."""
    from sphinx.application import Sphinx

    out = tmp_path_factory.mktemp("sphinx")
    warnings = io.StringIO()
    app = Sphinx(
        srcdir=str(DOCS),
        confdir=str(DOCS),
        outdir=str(out / "out"),
        doctreedir=str(out / "doctrees"),
        buildername="dummy",
        status=None,
        warning=warnings,
        freshenv=True,
        confoverrides={
            "root_doc": "tutorial/index",
            "include_patterns": ["tutorial/**"],
        },
    )
    app.build()
    # Links to the rest of the manual are unknown here (the full build,
    # with warnings as errors, checks them); anything else a page causes is
    # a problem, such as a literalinclude whose file or object is gone.
    # (Warnings that name no page come from Sphinx itself, when a test
    # before this one ran Sphinx in this process.)
    problems = [
        line
        for line in re.sub(r"\x1b\[[\d;]*m", "", warnings.getvalue()).splitlines()
        if f"{DOCS / 'tutorial'}{os.sep}" in line and "unknown document" not in line
    ]
    assert not problems, "\n".join(problems)

    pages = ["tutorial/index", *app.env.toctree_includes["tutorial/index"]]
    tutorial = Tutorial(pages, [])
    for page in pages:
        doctree = app.env.get_doctree(page)
        tutorial.blocks[page] = []
        for block in doctree.findall(nodes.literal_block):
            text = block.astext()
            tutorial.blocks[page].append(text)
            parent = block.parent
            caption = None
            if isinstance(parent, nodes.container) and isinstance(
                parent[0], nodes.caption
            ):
                caption = parent[0].astext()
            language = block.get("language")
            if caption is not None and _is_path(caption):
                tutorial.steps.append(Listing(page, caption, text))
            elif language == "console":
                tutorial.steps.extend(_console_commands(page, text))
            elif language == "pycon":
                tutorial.steps.append(_interpreter(page, text))
    return tutorial


def _blog_files() -> dict[str, Path]:
    """The repository's files that the tutorial must show, by the path the
    tutorial's folder gives them."""
    files = {
        str(path.relative_to(ROOT)): path
        for path in sorted(BLOG.rglob("*"))
        if path.is_file()
        and not JUNK.intersection(path.relative_to(BLOG).parts)
        and path.suffix != ".pyc"
    }
    files[str(BLOG_TESTS.relative_to(ROOT))] = BLOG_TESTS
    return files


def _same_text(shown: str, actual: str) -> bool:
    # A literal block keeps no trailing newline.
    return shown.rstrip("\n") == actual.rstrip("\n")


# -- static checks ------------------------------------------------------------


def test_every_file_of_the_blog_is_shown_in_full(tutorial: Tutorial) -> None:
    shown = tutorial.final_files()
    problems = []
    for name, path in _blog_files().items():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(f"{name} is not text, so no page can show it in full")
            continue
        if name not in shown:
            problems.append(
                f"{name} is in the repository but no page of the tutorial shows"
                f" it: add a literalinclude of the whole file, captioned {name}"
            )
        elif not _same_text(shown[name], text):
            problems.append(
                f"{name}: the tutorial's last listing of it is not the whole file"
            )
    for name in shown:
        if name.startswith(("examples/", "tests/")) and name not in _blog_files():
            problems.append(f"{name} is shown by the tutorial but doesn't exist")
    assert not problems, "\n".join(problems)


def test_the_layout_page_names_every_file(tutorial: Tutorial) -> None:
    (tree,) = [text for text in tutorial.blocks["tutorial/layout"] if "└──" in text]
    missing = [
        name
        for name in _blog_files()
        if Path(name).name not in tree and not name.startswith("tests/")
    ]
    assert not missing, f"docs/tutorial/layout.rst's tree lacks {missing}"


def _code_lines(source: str) -> list[str]:
    """A module's lines, without its docstring, its imports and blank
    lines: what an earlier version must share with the final one."""
    tree = ast.parse(source)
    skip: set[int] = set()
    for node in tree.body:
        docstring = (
            node is tree.body[0]
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        )
        if docstring or isinstance(node, ast.Import | ast.ImportFrom):
            skip.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return [
        line
        for number, line in enumerate(source.splitlines(), 1)
        if number not in skip and line.strip()
    ]


def _imports(source: str) -> set[tuple[str, str, str | None]]:
    names: set[tuple[str, str, str | None]] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            names.update((module, alias.name, alias.asname) for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(("", alias.name, alias.asname) for alias in node.names)
    return names


def _is_subsequence(part: list[str], whole: list[str]) -> str | None:
    """``None`` if ``part``'s lines appear in ``whole`` in order, else the
    first line that doesn't."""
    lines = iter(whole)
    for line in part:
        if not any(line == other for other in lines):
            return line
    return None


def test_a_file_that_grows_only_gains_lines(tutorial: Tutorial) -> None:
    versions: dict[str, list[Listing]] = {}
    for listing in tutorial.listings():
        versions.setdefault(listing.path, []).append(listing)
    grown = {path: found for path, found in versions.items() if len(found) > 1}
    # The factory is the file that grows (one version per page that adds a
    # part); a new one is fine, as long as it passes this check too.
    assert "examples/blog/__init__.py" in grown
    for path, (*earlier, final) in grown.items():
        for listing in earlier:
            where = f"{path} as {listing.page}.rst shows it"
            if path.endswith(".py"):
                missing_imports = _imports(listing.text) - _imports(final.text)
                assert not missing_imports, (
                    f"{where} imports {missing_imports}, which the final"
                    f" version ({final.page}.rst) doesn't"
                )
                stray = _is_subsequence(
                    _code_lines(listing.text), _code_lines(final.text)
                )
            else:
                stray = _is_subsequence(
                    listing.text.splitlines(), final.text.splitlines()
                )
            assert stray is None, (
                f"{where} has the line {stray!r}, which is not (or not in that"
                f" order) in the final version ({final.page}.rst): update the"
                " earlier version in docs/tutorial/steps/"
            )


# -- the reader -----------------------------------------------------------


class _HiddenInputs(html.parser.HTMLParser):
    """The hidden fields of a page's forms (a CSRF token, say), which a
    browser sends back with the form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden" and values.get("name"):
            self.fields[t.cast(str, values["name"])] = values.get("value") or ""


class Browser:
    """A visitor with cookies, over real HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=30) as response:
            return response.status, response.read().decode()

    def first_get(self, path: str) -> tuple[int, str]:
        """:meth:`get`, once the server listens: under a reloader (``run
        --asgi --debug``) the address is announced when the socket is bound,
        and the child process that listens on it may not be up yet."""
        deadline = time.monotonic() + 30
        while True:
            try:
                return self.get(path)
            except urllib.error.URLError as e:
                refused = isinstance(e.reason, ConnectionRefusedError)
                if not refused or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def submit(
        self, path: str, action: str | None = None, **data: str
    ) -> tuple[str, str]:
        """Fill in the form of the page at ``path`` and send it to ``action``
        (``path`` itself by default); return the path and the text of the
        page the redirect leads to."""
        _, page = self.get(path)
        parser = _HiddenInputs()
        parser.feed(page)
        body = urllib.parse.urlencode({**parser.fields, **data}).encode()
        url = self.base + (action or path)
        with self.opener.open(url, body, timeout=30) as response:
            return urllib.parse.urlsplit(response.url).path, response.read().decode()

    def events(self, path: str) -> tuple[t.Any, t.Iterator[dict[str, t.Any]]]:
        """Open the stream of server-sent events at ``path``: the response
        (to close) and its events' data, parsed as JSON, as they come."""
        response = self.opener.open(self.base + path, timeout=30)

        def data() -> t.Iterator[dict[str, t.Any]]:
            for line in response:
                if line.startswith(b"data: "):  # not a keep-alive comment
                    yield json.loads(line.removeprefix(b"data: "))

        return response, data()

    def websocket_status(self, path: str) -> int:
        """The status of a WebSocket handshake at ``path`` that a server
        without WebSockets refuses."""
        address = urllib.parse.urlsplit(self.base)
        connection = http.client.HTTPConnection(address.netloc, timeout=30)
        try:
            connection.request(
                "GET",
                path,
                headers={
                    "Connection": "Upgrade",
                    "Upgrade": "websocket",
                    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                    "Sec-WebSocket-Version": "13",
                },
            )
            return connection.getresponse().status
        finally:
            connection.close()


@dataclass
class Reader:
    """Someone typing the tutorial into ``home``, an empty folder."""

    home: Path
    cwd: Path = field(init=False)
    env: dict[str, str] = field(init=False)
    shell: Command | None = None
    ran: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cwd = self.home
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("FRAMEWORK_", "FLASK_", "PYTEST_", "PYTHON"))
        }
        # What `. .venv/bin/activate` does.
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(VENV_BIN.parent)
        env["FRAMEWORK_SKIP_DOTENV"] = "1"
        self.env = env

    def take(self, step: Step) -> None:
        if isinstance(step, Listing):
            self.write(step)
        elif isinstance(step, Command):
            self.run(step)
        else:
            self.type_into_shell(step)

    def write(self, listing: Listing) -> None:
        path = self.cwd / listing.path
        # The pages make the folders with mkdir; a listing into a folder
        # nobody made is a step the reader can't follow.
        assert path.parent.is_dir(), (
            f"{listing.page}.rst shows {listing.path}, but no command before"
            f" it makes {path.parent.relative_to(self.home)}/"
        )
        path.write_text(listing.text.rstrip("\n") + "\n", encoding="utf-8")
        self.ran.append(f"write {listing.path}")

    def run(self, command: Command) -> None:
        where = f"{command.page}.rst: $ {command.line}"
        argv = shlex.split(command.line)
        program = argv[0]
        if program in {".", "source"} or argv[1:3] in (["-m", "venv"], ["-m", "pip"]):
            # Making and activating the environment: this test's own
            # environment has the framework; check it has the rest.
            if "install" in argv:
                for requirement in argv[argv.index("install") + 1 :]:
                    if requirement.startswith("-"):
                        continue
                    if "/" in requirement:
                        # The framework's checkout: its extras must be here.
                        for needed in _extras(requirement):
                            assert _installed(needed), (
                                f"{where}: {needed} is not installed here"
                            )
                        continue
                    assert importlib.util.find_spec(requirement), (
                        f"{where}: {requirement} is not installed here"
                    )
            return
        if program == "make":
            # The repository's targets: there is no Makefile in the reader's
            # folder, and `make test` is what runs this very test.
            return
        if program == "cd":
            self.cwd = (self.cwd / argv[1]).resolve()
            assert self.cwd.is_dir(), f"{where}: no such folder"
            return
        if program == "export":
            name, _, _ = argv[1].partition("=")
            value = subprocess.run(
                ["sh", "-c", f'{command.line} && printf %s "${name}"'],
                cwd=self.cwd,
                env=self.env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert value, f"{where}: set nothing"
            self.env[name] = value
            return
        if program.startswith(".venv/bin/"):
            program = program.removeprefix(".venv/bin/")
        if program not in {"mkdir", "touch", "python", "python3", "framework"}:
            raise AssertionError(
                f"{where}: this test doesn't know how to run {program!r}; teach"
                " it (tests/test_tutorial.py, Reader.run)"
            )
        if program in {"python", "python3", "framework"}:
            argv[0] = str(VENV_BIN / ("python" if program == "python3" else program))
        self.ran.append(command.line)
        if program == "framework" and "shell" in argv:
            self.shell = command  # the next pycon block is typed into it
            return
        if program == "framework" and {"run", "serve"} & set(argv):
            self.serve(command, argv)
            return
        result = subprocess.run(
            argv,
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, (
            f"{where} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )
        if command.output:
            shown = self._placeholders(result.stdout).rstrip().splitlines()
            assert [line.rstrip() for line in shown] == command.output, (
                f"{where}: the page shows\n"
                + "\n".join(command.output)
                + "\nbut the command printed\n"
                + "\n".join(shown)
            )

    def _placeholders(self, output: str) -> str:
        return output.replace(str(self.home), PATH_PLACEHOLDER)

    def serve(self, command: Command, argv: list[str]) -> None:
        """Start the page's server on a free port, visit it, stop it."""
        where = f"{command.page}.rst: $ {command.line}"
        # `framework serve` picks uvicorn for the blog, which has WebSocket
        # routes (uvicorn is installed here, as the asgi extra installs it
        # for the reader); `run` serves through WSGI unless --asgi.
        websockets = "serve" in argv or "--asgi" in argv
        with announced_server(argv, cwd=self.cwd, env=self.env) as url:
            self.visit(where, Browser(url), websockets)

    def visit(self, where: str, browser: Browser, websockets: bool) -> None:
        """What the pages ask the reader to do: register, log in, write a
        post and comment on it, which every open page of the post sees."""
        status, page = browser.first_get("/")
        assert status == 200 and "<title>Posts - Blog</title>" in page, where
        path, _ = browser.submit("/auth/register", username="reader", password="pw")
        assert path == "/auth/login", f"{where}: registering led to {path}"
        path, _ = browser.submit("/auth/login", username="reader", password="pw")
        assert path == "/", f"{where}: logging in led to {path}"
        path, page = browser.submit("/create", title="Typed along", body="It runs.")
        assert path == "/1" and "Typed along" in page, f"{where}: wrote {path}"
        assert "No comments yet." in page, where
        # A page of the post open, as live.js keeps it: over server-sent
        # events, and over a WebSocket where the server takes them.
        response, events = browser.events("/1/events")
        with response, contextlib.ExitStack() as pages:
            assert next(events) == {"type": "readers", "count": 1}, where
            if websockets:
                address = browser.base.replace("http://", "ws://", 1)
                socket = pages.enter_context(
                    websocket_connect(address + "/1/live", open_timeout=30)
                )
                readers = {"type": "readers", "count": 2}
                assert json.loads(socket.recv(timeout=30)) == readers, where
                assert next(events) == readers, where
            else:
                status = browser.websocket_status("/1/live")
                assert status == 426, f"{where}: a WebSocket got {status}"
            path, page = browser.submit(
                "/1", action="/1/comments", body="Live from the tutorial."
            )
            shown = '<p class="body">Live from the tutorial.</p>'
            assert path == "/1" and 'id="comment-1"' in page, f"{where}: {path}"
            assert shown in page, where
            live = [next(events)]
            if websockets:
                live.append(json.loads(socket.recv(timeout=30)))
            for message in live:
                assert message["type"] == "comment" and message["id"] == 1, where
                assert shown in message["html"], where
        # What a page that reconnects fetches.
        _, missed = browser.get("/1/comments?after=0")
        assert shown in missed, where
        assert browser.get("/1/comments?after=1")[1].strip() == "", where

    def type_into_shell(self, session: Interpreter) -> None:
        shell, self.shell = self.shell, None
        assert shell is not None, (
            f"{session.page}.rst has a pycon block, but no `framework ... shell`"
            " command before it opens the shell"
        )
        argv = shlex.split(shell.line)
        argv[0] = str(VENV_BIN / "framework")
        result = subprocess.run(
            argv,
            input="\n".join(session.source) + "\n",
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        printed = [
            line.strip()
            for line in result.stdout.replace(">>> ", "\n")
            .replace("... ", "\n")
            .splitlines()
            if line.strip()
        ]
        assert printed == session.output, (
            f"{session.page}.rst: the shell printed {printed}, the page shows"
            f" {session.output}\n{result.stderr}"
        )


def _extras(requirement: str) -> list[Requirement]:
    """The requirements of the extras a path names, as in
    ``/path/to/the/framework/checkout[asgi]``, for this platform."""
    found = re.search(r"\[([\w,-]+)\]$", requirement)
    if found is None:
        return []
    with (ROOT / "pyproject.toml").open("rb") as file:
        extras = tomllib.load(file)["project"]["optional-dependencies"]
    return [
        needed
        for extra in found.group(1).split(",")
        for needed in map(Requirement, extras[extra])
        if needed.marker is None or needed.marker.evaluate()
    ]


def _installed(requirement: Requirement) -> bool:
    try:
        importlib.metadata.distribution(requirement.name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_the_tutorial_can_be_typed_along(tutorial: Tutorial, tmp_path: Path) -> None:
    reader = Reader(tmp_path)
    for step in tutorial.steps:
        reader.take(step)
    assert reader.shell is None, "a `framework shell` command had nothing typed in"
    # The reader's folder ends up with the repository's files, and ran the
    # commands that matter.
    project = reader.cwd
    for name, path in _blog_files().items():
        typed = project / name
        assert typed.is_file(), f"the tutorial never has the reader write {name}"
        assert typed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")
    ran = "\n".join(reader.ran)
    for needed in ("init-db", "run --debug", "-m pytest tests/test_example_blog.py"):
        assert needed in ran, f"the tutorial never runs {needed!r}"
