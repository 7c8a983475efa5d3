"""Config: Flask's loading methods, their errors, the instance folder, the
``config_loaded`` signal and the swappable ``ConfigLoader`` strategy."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tomllib
import types
import typing as t
from datetime import timedelta

import pytest

from framework import App, Config
from framework.config import (
    DEFAULT_CONFIG,
    ConfigLoader,
    env_setting,
    get_debug_flag,
    get_load_dotenv,
    prefix_spellings,
)
from framework.interfaces import ConfigLoader as ConfigLoaderProtocol
from framework.signals import config_loaded

# Read by test_from_object_import_string.
SECRET_KEY = "from-object"
lower_case = "ignored"


class Prod:
    DEBUG = False
    DATABASE = "postgres://prod"
    ignored = 1


@pytest.fixture
def config(tmp_path: pathlib.Path) -> Config:
    return Config(str(tmp_path))


def write(path: pathlib.Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- defaults and attributes ---------------------------------------------


def test_app_config_has_flask_defaults() -> None:
    app = App(__name__)
    for key, value in DEFAULT_CONFIG.items():
        if key != "DEBUG":
            assert app.config[key] == value
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31)
    assert isinstance(app.config, dict)


def test_config_attributes_read_and_write_keys() -> None:
    app = App(__name__)
    app.secret_key = "s"
    app.testing = True
    app.permanent_session_lifetime = 60  # type: ignore[assignment]
    assert app.config["SECRET_KEY"] == "s"
    assert app.config["TESTING"] is True
    assert app.permanent_session_lifetime == timedelta(seconds=60)


def test_config_class_is_used() -> None:
    class MyConfig(Config):
        pass

    class MyApp(App):
        config_class = MyConfig

    assert type(MyApp(__name__).config) is MyConfig


# -- from_mapping, from_object, get_namespace ----------------------------


def test_from_mapping_sets_upper_case_keys_only(config: Config) -> None:
    assert config.from_mapping({"A": 1, "b": 2}, C=3) is True
    assert config["A"] == 1 and config["C"] == 3 and "b" not in config
    assert config.source_of("A") == "mapping"


def test_from_object_class_and_instance(config: Config) -> None:
    config.from_object(Prod)
    assert config["DATABASE"] == "postgres://prod" and "ignored" not in config
    assert config.source_of("DATABASE") == f"object:{__name__}.Prod"
    config.from_object(Prod())
    assert config.source_of("DEBUG") == f"object:{__name__}.Prod"


def test_from_object_import_string(config: Config) -> None:
    config.from_object(__name__)
    assert config["SECRET_KEY"] == "from-object"
    assert "lower_case" not in config
    assert config.source_of("SECRET_KEY") == f"object:{__name__}"
    config.from_object(f"{__name__}:Prod")
    assert config.source_of("DATABASE") == f"object:{__name__}.Prod"


@pytest.fixture
def settings_package(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> t.Iterator[str]:
    """A package ``cfg_pkg`` whose submodules nobody imported yet."""
    package = tmp_path / "cfg_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text("API_TITLE = 'from a submodule'\n")
    (package / "broken.py").write_text("import cfg_pkg_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "cfg_pkg"
    for name in [n for n in sys.modules if n.split(".")[0] == "cfg_pkg"]:
        del sys.modules[name]


def test_from_object_imports_a_submodule(config: Config, settings_package: str) -> None:
    config.from_object(f"{settings_package}.settings")
    assert config["API_TITLE"] == "from a submodule"
    assert config.source_of("API_TITLE") == "object:cfg_pkg.settings"


def test_from_object_missing_submodule(config: Config, settings_package: str) -> None:
    with pytest.raises(ImportError, match="module 'cfg_pkg' has no 'nothing'"):
        config.from_object(f"{settings_package}.nothing")


def test_from_object_submodule_failing_inside(
    config: Config, settings_package: str
) -> None:
    # The submodule's own import error, not "no such name".
    with pytest.raises(ModuleNotFoundError, match="cfg_pkg_missing_dependency"):
        config.from_object(f"{settings_package}.broken")


def test_config_attribute_on_the_class() -> None:
    attribute = App.__dict__["testing"]
    assert attribute.__get__(None, App) is attribute
    assert attribute.__name__ == attribute.key == "TESTING"


def test_from_object_import_errors_name_the_path(config: Config) -> None:
    with pytest.raises(ImportError, match="no 'Missing'"):
        config.from_object(f"{__name__}.Missing")
    with pytest.raises(ImportError, match="no_such_module"):
        config.from_object("no_such_module.Settings")


def test_get_namespace(config: Config) -> None:
    config.from_mapping(MAIL_SERVER="smtp", MAIL_PORT=25, OTHER=1)
    assert config.get_namespace("MAIL_") == {"server": "smtp", "port": 25}
    assert config.get_namespace("MAIL_", lowercase=False) == {
        "SERVER": "smtp",
        "PORT": 25,
    }
    assert config.get_namespace("MAIL_", trim_namespace=False) == {
        "mail_server": "smtp",
        "mail_port": 25,
    }


def test_repr(config: Config) -> None:
    config["A"] = 1
    assert repr(config) == "<Config {'A': 1}>"


# -- from_pyfile and from_envvar ------------------------------------------


def test_from_pyfile_relative_to_root_path(
    config: Config, tmp_path: pathlib.Path
) -> None:
    write(tmp_path / "settings.py", "SECRET_KEY = 'k'\nPORT = 1 + 1\nlower = 3\n")
    assert config.from_pyfile("settings.py") is True
    assert config["SECRET_KEY"] == "k" and config["PORT"] == 2
    assert "lower" not in config
    assert config.source_of("PORT") == f"pyfile:{tmp_path / 'settings.py'}"


def test_from_pyfile_sets_file(config: Config, tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / "s.py", "HERE = __file__\n")
    config.from_pyfile(path)
    assert config["HERE"] == path


def test_from_pyfile_missing_names_the_path(
    config: Config, tmp_path: pathlib.Path
) -> None:
    with pytest.raises(OSError) as info:
        config.from_pyfile("nope.py")
    message = str(info.value)
    assert "Unable to load configuration file" in message
    assert str(tmp_path / "nope.py") in message
    assert info.value.filename == str(tmp_path / "nope.py")


def test_from_pyfile_silent_only_for_missing_files(
    config: Config, tmp_path: pathlib.Path
) -> None:
    assert config.from_pyfile("nope.py", silent=True) is False
    write(tmp_path / "bad.py", "A = 1\nB = (\n")
    with pytest.raises(SyntaxError):
        config.from_pyfile("bad.py", silent=True)


def test_from_pyfile_syntax_error_has_path_and_line(
    config: Config, tmp_path: pathlib.Path
) -> None:
    path = write(tmp_path / "bad.py", "A = 1\nB = = 2\n")
    with pytest.raises(SyntaxError) as info:
        config.from_pyfile(path)
    assert path in str(info.value)
    assert "line 2" in str(info.value)
    assert info.value.lineno == 2


def test_from_pyfile_runtime_errors_propagate(
    config: Config, tmp_path: pathlib.Path
) -> None:
    write(tmp_path / "boom.py", "A = undefined_name\n")
    with pytest.raises(NameError):
        config.from_pyfile("boom.py", silent=True)


def test_from_envvar(
    config: Config, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "s.py", "A = 1\n")
    monkeypatch.setenv("APP_SETTINGS", path)
    assert config.from_envvar("APP_SETTINGS") is True
    assert config["A"] == 1
    assert config.source_of("A") == f"pyfile:{path}"


def test_from_envvar_unset_names_the_variable(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APP_SETTINGS", raising=False)
    with pytest.raises(RuntimeError, match="'APP_SETTINGS' is not set"):
        config.from_envvar("APP_SETTINGS")
    assert config.from_envvar("APP_SETTINGS", silent=True) is False
    monkeypatch.setenv("APP_SETTINGS", "missing.py")
    assert config.from_envvar("APP_SETTINGS", silent=True) is False
    with pytest.raises(OSError, match=r"missing\.py"):
        config.from_envvar("APP_SETTINGS")


# -- from_prefixed_env -------------------------------------------------------


def test_from_prefixed_env_parses_json(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRAMEWORK_PORT", "8080")
    monkeypatch.setenv("FRAMEWORK_DEBUG", "true")
    monkeypatch.setenv("FRAMEWORK_HOSTS", '["a", "b"]')
    monkeypatch.setenv("FRAMEWORK_NAME", "plain text")
    monkeypatch.setenv("FRAMEWORK_BROKEN", '{"a": ')
    monkeypatch.setenv("OTHER_PORT", "1")
    assert config.from_prefixed_env() is True
    assert config["PORT"] == 8080
    assert config["DEBUG"] is True
    assert config["HOSTS"] == ["a", "b"]
    assert config["NAME"] == "plain text"
    assert config["BROKEN"] == '{"a": '
    assert "OTHER_PORT" not in config and "PORT" in config
    assert config.source_of("PORT") == "env:FRAMEWORK_"


def test_from_prefixed_env_custom_prefix_and_loads(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYAPP_A", "1")
    config.from_prefixed_env("MYAPP", loads=str.upper)
    assert config["A"] == "1"
    monkeypatch.setenv("MYAPP_B", "x")
    config.from_prefixed_env("MYAPP", loads=str.upper)
    assert config["B"] == "X"
    assert config.source_of("B") == "env:MYAPP_"


def test_from_prefixed_env_nested(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config["DB"] = {"HOST": "old", "PORT": 1}
    monkeypatch.setenv("FRAMEWORK_DB__HOST", "db.local")
    monkeypatch.setenv("FRAMEWORK_NEW__INNER__X", "2")
    config.from_prefixed_env()
    assert config["DB"] == {"HOST": "db.local", "PORT": 1}
    assert config["NEW"] == {"INNER": {"X": 2}}
    assert config.source_of("DB") == "env:FRAMEWORK_"


def test_from_prefixed_env_sorted_order(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sorted, "A" comes before "A__B": the nested key is set last.
    monkeypatch.setenv("FRAMEWORK_A__B", "2")
    monkeypatch.setenv("FRAMEWORK_A", "{}")
    config.from_prefixed_env()
    assert config["A"] == {"B": 2}


@pytest.fixture
def clean_prefixes(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FLASK_ or FRAMEWORK_ variable from the shell running the tests."""
    for name in list(os.environ):
        if name.startswith(("FLASK_", "FRAMEWORK_", "MY_FLASK_", "MY_FRAMEWORK_")):
            monkeypatch.delenv(name)


@pytest.mark.usefixtures("clean_prefixes")
def test_from_prefixed_env_reads_flask_variables_too(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_ONLY_FLASK", "1")
    monkeypatch.setenv("FLASK_BOTH", '"flask"')
    monkeypatch.setenv("FRAMEWORK_BOTH", '"framework"')
    monkeypatch.setenv("FRAMEWORK_ONLY_OURS", "2")
    config.from_prefixed_env()
    assert (config["ONLY_FLASK"], config["ONLY_OURS"]) == (1, 2)
    # Ours wins where both are set.
    assert config["BOTH"] == "framework"
    assert config.source_of("ONLY_FLASK") == "env:FLASK_"
    assert config.source_of("BOTH") == "env:FRAMEWORK_"


@pytest.mark.usefixtures("clean_prefixes")
def test_from_prefixed_env_nested_across_spellings(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config["DB"] = {"HOST": "old", "PORT": 1, "USER": "u"}
    monkeypatch.setenv("FLASK_DB__HOST", "flask.local")
    monkeypatch.setenv("FLASK_DB__PORT", "2")
    monkeypatch.setenv("FRAMEWORK_DB__HOST", "ours.local")
    config.from_prefixed_env()
    assert config["DB"] == {"HOST": "ours.local", "PORT": 2, "USER": "u"}


@pytest.mark.usefixtures("clean_prefixes")
def test_from_prefixed_env_sends_one_signal(monkeypatch: pytest.MonkeyPatch) -> None:
    app = App(__name__)
    monkeypatch.setenv("FLASK_X", "1")
    monkeypatch.setenv("FRAMEWORK_Y", "1")
    sent: list[str] = []

    def record(sender: t.Any, source: str) -> None:
        sent.append(source)

    with config_loaded.connected_to(record, app):
        app.config.from_prefixed_env()
    assert sent == ["env:FRAMEWORK_"]


@pytest.mark.usefixtures("clean_prefixes")
@pytest.mark.parametrize("given", ["MY_FLASK", "MY_FRAMEWORK"])
def test_from_prefixed_env_custom_prefix_in_both_spellings(
    config: Config, monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("MY_FLASK_A", "flask")
    monkeypatch.setenv("MY_FLASK_B", "flask")
    monkeypatch.setenv("MY_FRAMEWORK_B", "framework")
    monkeypatch.setenv("FLASK_C", "not this prefix")
    config.from_prefixed_env(given)
    assert (config["A"], config["B"]) == ("flask", "framework")
    assert "C" not in config


@pytest.mark.parametrize(
    ("prefix", "spellings"),
    [
        ("FRAMEWORK", ("FLASK", "FRAMEWORK")),
        ("FLASK", ("FLASK", "FRAMEWORK")),
        ("NOT_FLASK", ("NOT_FLASK", "NOT_FRAMEWORK")),
        ("MYAPP", ("MYAPP",)),
        # Only a whole part of the prefix counts.
        ("FLASKY", ("FLASKY",)),
    ],
)
def test_prefix_spellings(prefix: str, spellings: tuple[str, ...]) -> None:
    assert prefix_spellings(prefix) == spellings


# -- the environment ---------------------------------------------------------


@pytest.mark.usefixtures("clean_prefixes")
def test_env_setting_prefers_ours(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_setting("CFG_TEST") is None
    monkeypatch.setenv("FLASK_CFG_TEST", "flask")
    assert env_setting("CFG_TEST") == "flask"
    # An empty value counts as unset, as with click's variables.
    monkeypatch.setenv("FRAMEWORK_CFG_TEST", "")
    assert env_setting("CFG_TEST") == "flask"
    monkeypatch.setenv("FRAMEWORK_CFG_TEST", "ours")
    assert env_setting("CFG_TEST") == "ours"


@pytest.mark.usefixtures("clean_prefixes")
@pytest.mark.parametrize(
    ("ours", "flasks", "expected"),
    [
        (None, None, False),
        ("1", None, True),
        (None, "True", True),
        ("", "yes", True),
        ("0", "1", False),
        ("false", "1", False),
        ("No", None, False),
        ("FALSE", None, False),
        ("on", None, True),
    ],
)
def test_get_debug_flag(
    monkeypatch: pytest.MonkeyPatch,
    ours: str | None,
    flasks: str | None,
    expected: bool,
) -> None:
    for name, value in (("FRAMEWORK_DEBUG", ours), ("FLASK_DEBUG", flasks)):
        if value is not None:
            monkeypatch.setenv(name, value)
    assert get_debug_flag() is expected
    assert App(__name__).debug is expected


@pytest.mark.usefixtures("clean_prefixes")
@pytest.mark.parametrize("name", ["FRAMEWORK_SKIP_DOTENV", "FLASK_SKIP_DOTENV"])
def test_get_load_dotenv(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    assert get_load_dotenv() is True
    assert get_load_dotenv(False) is False
    monkeypatch.setenv(name, "1")
    assert get_load_dotenv() is False
    monkeypatch.setenv(name, "0")
    assert get_load_dotenv() is True


def test_env_functions_where_flask_code_imports_them() -> None:
    import framework.cli
    import framework.helpers

    for module in (framework.helpers, framework.cli):
        assert module.get_debug_flag is get_debug_flag
        assert module.get_load_dotenv is get_load_dotenv
    assert {"get_debug_flag", "get_load_dotenv"} <= set(framework.helpers.__all__)


# -- from_file ---------------------------------------------------------------


def test_from_file_json(config: Config, tmp_path: pathlib.Path) -> None:
    write(tmp_path / "c.json", '{"SECRET_KEY": "j", "lower": 1}')
    assert config.from_file("c.json", load=json.load) is True
    assert config["SECRET_KEY"] == "j" and "lower" not in config
    assert config.source_of("SECRET_KEY") == f"file:{tmp_path / 'c.json'}"


def test_from_file_toml(config: Config, tmp_path: pathlib.Path) -> None:
    write(tmp_path / "c.toml", 'PORT = 8000\n[DB]\nHOST = "h"\n')
    assert config.from_file("c.toml", load=tomllib.load, text=False) is True
    assert config["PORT"] == 8000 and config["DB"] == {"HOST": "h"}


def test_from_file_missing(config: Config, tmp_path: pathlib.Path) -> None:
    assert config.from_file("none.json", json.load, silent=True) is False
    with pytest.raises(OSError, match="Unable to load configuration file") as info:
        config.from_file("none.json", json.load)
    assert str(tmp_path / "none.json") in str(info.value)


_FLASK_BAD_JSON = """
import json, sys
from flask import Config

try:
    Config(sys.argv[1]).from_file("c.json", json.load)
except json.JSONDecodeError as e:
    print(type(e).__module__, type(e).__qualname__, e.lineno, e.colno)
"""


def test_from_file_bad_json_raises_the_parsers_error_as_in_flask(
    config: Config, tmp_path: pathlib.Path
) -> None:
    """Flask lets ``json.JSONDecodeError`` through (checked by running real
    Flask in a subprocess), so ``except json.JSONDecodeError`` catches it
    here too; a note names the file."""
    path = write(tmp_path / "c.json", '{"A": 1,\n "B": }')
    flask = subprocess.run(
        [sys.executable, "-c", _FLASK_BAD_JSON, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert flask.stdout.split() == ["json.decoder", "JSONDecodeError", "2", "7"]
    with pytest.raises(json.JSONDecodeError) as info:
        config.from_file(path, json.load, silent=True)
    assert (info.value.lineno, info.value.colno) == (2, 7)
    assert "line 2 column 7" in str(info.value)
    assert info.value.__notes__ == [f"Invalid configuration file {path}"]


def test_from_file_bad_toml_raises_the_parsers_error(
    config: Config, tmp_path: pathlib.Path
) -> None:
    path = write(tmp_path / "c.toml", "A = 1\nB = \n")
    with pytest.raises(tomllib.TOMLDecodeError) as info:
        config.from_file(path, tomllib.load, text=False)
    assert "line 2" in str(info.value)
    assert info.value.__notes__ == [f"Invalid configuration file {path}"]


def test_from_file_not_a_mapping(config: Config, tmp_path: pathlib.Path) -> None:
    path = write(tmp_path / "c.json", "[1, 2]")
    with pytest.raises(TypeError, match="not load as a mapping but as list"):
        config.from_file(path, json.load)


# -- sources -----------------------------------------------------------------


def test_sources_of_defaults_and_assignment() -> None:
    app = App(__name__)
    assert app.config.source_of("TESTING") == "defaults"
    app.config["TESTING"] = True
    assert app.config.source_of("TESTING") is None
    assert app.config.source_of("NOT_THERE") is None


def test_later_load_replaces_source(config: Config, tmp_path: pathlib.Path) -> None:
    config.from_mapping(A=1)
    write(tmp_path / "s.py", "A = 2\n")
    config.from_pyfile("s.py")
    assert config.source_of("A") == f"pyfile:{tmp_path / 's.py'}"


def test_config_without_root_path_uses_cwd(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "s.py", "A = 1\n")
    config = Config()
    config.from_pyfile("s.py")
    assert config.source_of("A") == f"pyfile:{tmp_path / 's.py'}"


# -- the config_loaded signal ----------------------------------------------


def test_config_loaded_sent_with_sender_and_source(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = App(__name__, root_path=str(tmp_path))
    other = App(__name__, root_path=str(tmp_path))
    write(tmp_path / "s.py", "A = 1\n")
    write(tmp_path / "c.json", "{}")
    monkeypatch.setenv("FRAMEWORK_X", "1")
    sent: list[tuple[t.Any, str]] = []

    def record(sender: t.Any, source: str) -> None:
        sent.append((sender, source))

    with config_loaded.connected_to(record):
        app.config.from_mapping(A=1)
        app.config.from_object(Prod)
        app.config.from_pyfile("s.py")
        app.config.from_file("c.json", json.load)
        app.config.from_prefixed_env()
        app.config.from_pyfile("missing.py", silent=True)
        other.config.from_mapping(B=1)
    assert [s for _, s in sent] == [
        "mapping",
        f"object:{__name__}.Prod",
        f"pyfile:{tmp_path / 's.py'}",
        f"file:{tmp_path / 'c.json'}",
        "env:FRAMEWORK_",
        "mapping",
    ]
    assert all(sender is app for sender, _ in sent[:-1])
    assert sent[-1][0] is other


def test_standalone_config_sends_nothing(config: Config) -> None:
    sent: list[t.Any] = []
    with config_loaded.connected_to(lambda sender, **kw: sent.append(kw)):
        config.from_mapping(A=1)
    assert sent == []
    assert config.app is None


def test_config_holds_app_weakly() -> None:
    app = App(__name__)
    config = app.config
    assert config.app is app
    del app
    import gc

    gc.collect()
    assert config.app is None
    config.from_mapping(A=1)  # no app, no signal, no error


# -- the instance folder ---------------------------------------------------


def _make_package(root: pathlib.Path, name: str) -> None:
    (root / name).mkdir()
    (root / name / "__init__.py").write_text("", encoding="utf-8")


def test_instance_path_next_to_package(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _make_package(tmp_path, "cfgpkg_a")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = App("cfgpkg_a")
    assert app.instance_path == str(tmp_path / "instance")
    sub = App("cfgpkg_a.views")
    assert sub.instance_path == str(tmp_path / "instance")


def test_instance_path_next_to_module(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "cfgmod_b.py", "")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert App("cfgmod_b").instance_path == str(tmp_path / "instance")


def test_instance_path_unknown_module_uses_cwd(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = App("no_such_module_here", root_path=str(tmp_path))
    assert app.instance_path == str(tmp_path / "instance")


def test_instance_path_of_installed_package(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    _make_package(site, "cfgpkg_c")
    monkeypatch.syspath_prepend(str(site))
    app = App("cfgpkg_c")
    assert app.instance_path == str(tmp_path / "var" / "cfgpkg_c-instance")
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert App("cfgpkg_c").instance_path == str(tmp_path / "var" / "cfgpkg_c-instance")


def test_instance_path_explicit_must_be_absolute(tmp_path: pathlib.Path) -> None:
    assert App(__name__, instance_path=str(tmp_path)).instance_path == str(tmp_path)
    with pytest.raises(ValueError, match="must be absolute"):
        App(__name__, instance_path="relative")


def test_instance_relative_config(tmp_path: pathlib.Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    write(instance / "settings.py", "WHERE = 'instance'\n")
    write(tmp_path / "settings.py", "WHERE = 'root'\n")
    app = App(
        __name__,
        root_path=str(tmp_path),
        instance_path=str(instance),
        instance_relative_config=True,
    )
    assert app.config.root_path == str(instance)
    app.config.from_pyfile("settings.py")
    assert app.config["WHERE"] == "instance"
    plain = App(__name__, root_path=str(tmp_path), instance_path=str(instance))
    plain.config.from_pyfile("settings.py")
    assert plain.config["WHERE"] == "root"


def test_open_instance_resource(tmp_path: pathlib.Path) -> None:
    app = App(__name__, instance_path=str(tmp_path))
    with app.open_instance_resource("a.txt", "w") as f:
        f.write("x")
    with app.open_instance_resource("a.txt") as f:
        assert f.read() == b"x"


# -- the ConfigLoader strategy ---------------------------------------------


class RecordingLoader(ConfigLoader):
    """The default loader, noting each call."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def load_object(self, obj: object | str) -> tuple[dict[str, t.Any], str]:
        self.calls.append("object")
        return super().load_object(obj)

    def load_pyfile(self, path: str, silent: bool) -> dict[str, t.Any] | None:
        self.calls.append("pyfile")
        return {"FROM_LOADER": path}


def test_default_loader_satisfies_protocol() -> None:
    app = App(__name__)
    assert isinstance(app.config_loader, ConfigLoader)
    assert isinstance(app.config_loader, ConfigLoaderProtocol)
    assert isinstance(app.config.loader, ConfigLoaderProtocol)


def test_loader_by_constructor_keyword() -> None:
    loader = RecordingLoader()
    app = App(__name__, config_loader=loader)
    assert app.config_loader is loader
    app.config.from_pyfile("anything.py")
    app.config.from_object(Prod)
    assert loader.calls == ["pyfile", "object"]
    assert app.config["FROM_LOADER"].endswith("anything.py")


def test_loader_by_class_attribute() -> None:
    class MyApp(App):
        config_loader_class = RecordingLoader

    app = MyApp(__name__)
    assert isinstance(app.config_loader, RecordingLoader)
    app.config.from_pyfile("x.py")
    assert app.config_loader.calls == ["pyfile"]


def test_loader_by_assignment_before_first_request() -> None:
    app = App(__name__)
    loader = RecordingLoader()
    app.config_loader = loader
    app.config.from_pyfile("x.py")
    assert loader.calls == ["pyfile"]
    app.test_client().get("/")
    with pytest.raises(AssertionError, match="config_loader"):
        app.config_loader = ConfigLoader()


def test_custom_loader_from_scratch(tmp_path: pathlib.Path) -> None:
    """Any object with the protocol's methods will do; Config still records
    sources and sends the signal."""

    class EnvFileLoader(ConfigLoader):
        def load_file(
            self,
            path: str,
            load: t.Callable[[t.IO[t.Any]], t.Mapping[str, t.Any]],
            silent: bool,
            text: bool,
        ) -> t.Mapping[str, t.Any] | None:
            return {"PATH_SEEN": os.path.basename(path)}

    app = App(__name__, root_path=str(tmp_path), config_loader=EnvFileLoader())
    sent: list[str] = []
    with config_loaded.connected_to(lambda s, source: sent.append(source), app):
        app.config.from_file("x.env", load=json.load)
    assert app.config["PATH_SEEN"] == "x.env"
    assert sent == [f"file:{tmp_path / 'x.env'}"]


def test_standalone_config_loader_attribute(config: Config) -> None:
    loader = RecordingLoader()
    config.loader = loader
    config.from_pyfile("x.py")
    assert loader.calls == ["pyfile"]
    assert config.current_loader is loader


def test_app_factory(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "settings.py", "SECRET_KEY = 'factory'\n")
    monkeypatch.setenv("FRAMEWORK_SERVER_NAME", "example.test")

    def create_app(test_config: dict[str, t.Any] | None = None) -> App:
        app = App(__name__, instance_path=str(tmp_path), instance_relative_config=True)
        if test_config is None:
            app.config.from_pyfile("settings.py", silent=True)
        else:
            app.config.from_mapping(test_config)
        app.config.from_prefixed_env()
        return app

    assert create_app().secret_key == "factory"
    assert create_app({"SECRET_KEY": "t"}).secret_key == "t"
    assert create_app().config["SERVER_NAME"] == "example.test"


def test_module_is_not_a_mapping_source(config: Config) -> None:
    module = types.ModuleType("m")
    module.VALUE = 1  # type: ignore[attr-defined]
    config.from_object(module)
    assert config["VALUE"] == 1
    assert config.source_of("VALUE") == "object:m"


def test_config_pickles_and_copies_without_its_app() -> None:
    import copy
    import pickle

    app = App(__name__)
    app.config.from_mapping(A=1)
    for clone in (pickle.loads(pickle.dumps(app.config)), copy.copy(app.config)):
        assert clone == app.config and type(clone) is Config
        assert clone.app is None
        assert clone.source_of("A") == "mapping"
