"""Typed settings: ``App.load_settings`` converts config values to the
declared types and reports every bad key at once."""

from __future__ import annotations

import enum
import pathlib
import typing as t
from datetime import timedelta

import attrs
import pytest

from framework import App, Config
from framework.settings import SettingsError, convert, load_settings


class Mode(enum.Enum):
    DEV = "development"
    PROD = "production"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@attrs.frozen
class Database:
    """Read from the DB_ keys."""

    host: str
    port: int = 5432


@attrs.frozen
class Settings:
    """A settings class with one field of each kind."""

    database_url: str
    port: int = 8000
    debug: bool = False
    ratio: float = 1.0
    data_dir: pathlib.Path = pathlib.Path("data")
    timeout: timedelta = timedelta(seconds=30)
    hosts: list[str] = attrs.Factory(list)
    ports: tuple[int, ...] = ()
    pair: tuple[str, int] = ("a", 1)
    limits: dict[str, int] = attrs.Factory(dict)
    cache_size: int | None = None
    region: t.Literal["eu", "us"] = "eu"
    mode: Mode = Mode.DEV
    level: Level = Level.LOW
    db: Database = Database("localhost")
    api_token: str = ""
    workers: int = attrs.field(default=1, validator=attrs.validators.ge(1))
    name: str = attrs.field(default="app", metadata={"config_key": "APP_NAME"})


@attrs.frozen
class Strict:
    """Validators and required fields."""

    secret_key: str = attrs.field(validator=attrs.validators.min_len(8))
    port: int = attrs.field(validator=attrs.validators.in_(range(1, 65536)))
    workers: int = attrs.field(default=1, validator=attrs.validators.gt(0))


def make_app(**config: t.Any) -> App:
    app = App(__name__)
    app.config.from_mapping(config)
    return app


def error_for(app: App, schema: type[t.Any]) -> SettingsError:
    with pytest.raises(SettingsError) as info:
        app.load_settings(schema)
    return info.value


def test_defaults_and_required() -> None:
    settings = make_app(DATABASE_URL="sqlite://").load_settings(Settings)
    assert settings == Settings("sqlite://")
    assert settings.db == Database("localhost")


def test_result_is_frozen() -> None:
    settings = make_app(DATABASE_URL="x").load_settings(Settings)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_strings_are_converted() -> None:
    settings = make_app(
        DATABASE_URL="postgres://db",
        PORT="8080",
        DEBUG="yes",
        RATIO="0.5",
        DATA_DIR="/srv/data",
        TIMEOUT="5m",
        HOSTS="a.test, b.test",
        PORTS="[1, 2]",
        PAIR="x, 3",
        LIMITS='{"a": "1"}',
        CACHE_SIZE="64",
        REGION="us",
        MODE="PROD",
        LEVEL="2",
        DB_HOST="db.local",
        DB_PORT="6543",
        WORKERS="4",
        APP_NAME="shop",
    ).load_settings(Settings)
    assert settings == Settings(
        database_url="postgres://db",
        port=8080,
        debug=True,
        ratio=0.5,
        data_dir=pathlib.Path("/srv/data"),
        timeout=timedelta(minutes=5),
        hosts=["a.test", "b.test"],
        ports=(1, 2),
        pair=("x", 3),
        limits={"a": 1},
        cache_size=64,
        region="us",
        mode=Mode.PROD,
        level=Level.HIGH,
        db=Database("db.local", 6543),
        workers=4,
        name="shop",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" On ", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("off", False),
        (True, True),
        (0, False),
    ],
)
def test_bool(text: t.Any, expected: bool) -> None:
    assert convert(text, bool) is expected


@pytest.mark.parametrize("bad", ["maybe", "", "2", 2, None])
def test_bool_rejects_anything_else(bad: t.Any) -> None:
    with pytest.raises(ValueError, match="1/true/yes/on"):
        convert(bad, bool)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (30, timedelta(seconds=30)),
        (1.5, timedelta(seconds=1.5)),
        ("45", timedelta(seconds=45)),
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("250ms", timedelta(milliseconds=250)),
        (timedelta(1), timedelta(1)),
    ],
)
def test_timedelta(value: t.Any, expected: timedelta) -> None:
    assert convert(value, timedelta) == expected


def test_timedelta_rejects_garbage() -> None:
    with pytest.raises(ValueError, match='"30s"'):
        convert("soon", timedelta)


def test_scalars() -> None:
    assert convert(" 12 ", int) == 12
    assert convert("1e3", float) == 1000.0
    assert convert(3, float) == 3.0
    assert convert(123, str) == "123"  # from_prefixed_env parsed it as JSON
    assert convert("/a", pathlib.Path) == pathlib.Path("/a")
    with pytest.raises(ValueError, match="not an integer"):
        convert(True, int)
    with pytest.raises(ValueError, match="not an integer"):
        convert("1.5", int)
    with pytest.raises(ValueError, match="not a string"):
        convert(["x"], str)
    with pytest.raises(ValueError, match="not a path"):
        convert(3, pathlib.Path)


def test_collections() -> None:
    assert convert(["1", 2], list[int]) == [1, 2]
    assert convert("", list[str]) == []
    assert convert('["a,b", "c"]', list[str]) == ["a,b", "c"]
    assert convert("1,2", tuple[int, ...]) == (1, 2)
    assert convert("a,a", set[str]) == {"a"}
    assert convert({"a": "2"}, dict[str, int]) == {"a": 2}
    with pytest.raises(ValueError, match="item 1: not an integer"):
        convert("1, x", list[int])
    with pytest.raises(ValueError, match="expected 2 items, got 1"):
        convert("a", tuple[str, int])
    with pytest.raises(ValueError, match="invalid JSON object"):
        convert("{bad", dict[str, int])
    with pytest.raises(ValueError, match="invalid JSON list"):
        convert("[1,", list[int])


def test_optional_literal_enum() -> None:
    assert convert(None, int | None) is None
    assert convert("none", t.Optional[int]) is None  # noqa: UP045
    assert convert("", str | None) == ""
    assert convert("3", int | None) == 3
    assert convert("2", t.Literal[1, 2]) == 2
    assert convert(True, t.Literal[True, "x"]) is True
    with pytest.raises(ValueError, match="not one of 1, 2"):
        convert(True, t.Literal[1, 2])
    assert convert("development", Mode) is Mode.DEV
    assert convert(2, Level) is Level.HIGH
    with pytest.raises(ValueError, match=r"not a member of Mode \(DEV, PROD\)"):
        convert("staging", Mode)
    with pytest.raises(ValueError, match="must not be None"):
        convert(None, int | str)
    assert convert("x", t.Any) == "x"


def test_every_problem_is_reported_at_once() -> None:
    app = App(__name__)
    app.config.from_mapping(PORT="eighty", DEBUG="maybe")
    app.config["WORKERS"] = "0"
    app.config["TIMEOUT"] = "later"
    app.config["DB_PORT"] = "x"
    error = error_for(app, Settings)
    keys = [p.key for p in error.problems]
    assert sorted(keys) == sorted(
        ["DATABASE_URL", "PORT", "DEBUG", "TIMEOUT", "DB_HOST", "DB_PORT", "WORKERS"]
    )
    assert isinstance(error, ValueError)
    message = str(error)
    assert message.startswith("7 invalid settings for Settings:")
    assert "DATABASE_URL (expected str): missing, and it has no default" in message
    assert "PORT (expected int): got 'eighty': not an integer [from mapping]" in (
        message
    )
    assert "DEBUG (expected bool): got 'maybe'" in message
    assert "WORKERS (expected int): got '0'" in message
    assert "DB_HOST (expected str): missing" in message
    # Set by item assignment: no source to name.
    timeout = next(p for p in error.problems if p.key == "TIMEOUT")
    assert timeout.source is None and timeout.value == "'later'"
    assert "[from" not in str(timeout)


def test_validators_all_run() -> None:
    error = error_for(make_app(SECRET_KEY="short", PORT="70000", WORKERS="0"), Strict)
    problems = {p.key: p for p in error.problems}
    assert set(problems) == {"SECRET_KEY", "PORT", "WORKERS"}
    assert "range(1, 65536)" in problems["PORT"].reason
    assert problems["PORT"].value == "'70000'"
    assert problems["WORKERS"].source == "mapping"


def test_missing_required_fields() -> None:
    error = error_for(App(__name__), Strict)
    assert [(p.key, p.reason, p.source) for p in error.problems] == [
        # Flask's default for SECRET_KEY is None.
        ("SECRET_KEY", "is None: set it", "defaults"),
        ("PORT", "missing, and it has no default", None),
    ]
    assert error.problems[1].value is None


@pytest.mark.parametrize(
    "key", ["SECRET_KEY", "DB_PASSWORD", "API_TOKEN", "AWS_SECRET", "api_key"]
)
def test_secret_values_are_never_shown(key: str) -> None:
    @attrs.frozen
    class Secret:
        value: int = attrs.field(metadata={"config_key": key})

    app = make_app()
    app.config[key] = "hunter2-very-secret"
    error = error_for(app, Secret)
    assert "hunter2" not in str(error)
    assert error.problems[0].value == "<hidden>"


def test_secret_key_too_short_is_masked() -> None:
    error = error_for(make_app(SECRET_KEY="hunter2", PORT=80), Strict)
    assert "hunter2" not in str(error)
    assert "<hidden>" in str(error)


def test_long_values_are_truncated() -> None:
    error = error_for(make_app(DATABASE_URL="x", PORT="9" * 200 + "x"), Settings)
    value = error.problems[0].value
    assert value is not None and len(value) == 60 and value.endswith("...")


def test_sources_are_named(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "settings.py").write_text("PORT = 'abc'\n", encoding="utf-8")
    monkeypatch.setenv("FRAMEWORK_DEBUG", '"perhaps"')
    app = App(__name__, root_path=str(tmp_path))
    app.config.from_pyfile("settings.py")
    app.config.from_prefixed_env()
    error = error_for(app, Settings)
    sources = {p.key: p.source for p in error.problems}
    assert sources["PORT"] == f"pyfile:{tmp_path / 'settings.py'}"
    assert sources["DEBUG"] == "env:FRAMEWORK_"
    assert sources["DATABASE_URL"] is None
    assert f"[from pyfile:{tmp_path / 'settings.py'}]" in str(error)


def test_from_prefixed_env_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRAMEWORK_PORT", "8080")
    monkeypatch.setenv("FRAMEWORK_DATABASE_URL", "sqlite://")
    monkeypatch.setenv("FRAMEWORK_HOSTS", "a,b")
    monkeypatch.setenv("FRAMEWORK_DB_HOST", "db")

    def create_app() -> App:
        app = App(__name__)
        app.config.from_prefixed_env()
        return app

    settings = create_app().load_settings(Settings)
    assert settings.port == 8080 and isinstance(settings.port, int)
    assert settings.hosts == ["a", "b"]
    assert settings.db.host == "db"


def test_nested_defaults_used_when_no_prefixed_key() -> None:
    settings = make_app(DATABASE_URL="x").load_settings(Settings)
    assert settings.db == Database("localhost", 5432)
    settings = make_app(DATABASE_URL="x", DB_HOST="h").load_settings(Settings)
    assert settings.db == Database("h", 5432)


def test_standalone_config_and_function() -> None:
    config = Config()
    config.from_mapping(DATABASE_URL="x", PORT="1")
    assert config.load_settings(Settings).port == 1
    assert load_settings({"DATABASE_URL": "y"}, Settings).database_url == "y"


def test_schema_must_be_attrs() -> None:
    class Plain:
        port: int = 1

    with pytest.raises(TypeError, match="not an attrs class"):
        make_app().load_settings(Plain)


@attrs.define
class WithConverter:
    tags: frozenset[str] = attrs.field(
        default=frozenset(), converter=lambda v: frozenset(v.split("|"))
    )


def test_field_converter_owns_conversion() -> None:
    settings = make_app(TAGS="a|b").load_settings(WithConverter)
    assert settings.tags == frozenset({"a", "b"})


@attrs.frozen
class Private:
    _token: str = attrs.field(default="", metadata={"config_key": "TOKEN"})
    computed: int = attrs.field(init=False, default=5)


def test_private_and_non_init_fields() -> None:
    settings = make_app(TOKEN="t").load_settings(Private)
    assert settings._token == "t" and settings.computed == 5


def test_loader_strategy_owns_settings() -> None:
    from framework.config import ConfigLoader

    class Loader(ConfigLoader):
        def load_settings(self, config: Config, schema: type[t.Any]) -> t.Any:
            return "custom"

    app = App(__name__, config_loader=Loader())
    assert app.load_settings(Settings) == "custom"


# -- Nested settings from a table (a dict value, a TOML table) -------------


@attrs.frozen
class Server:
    """A nested class that is optional, and one with a validator."""

    host: str
    port: int = attrs.field(default=80, validator=attrs.validators.lt(65536))
    password: str = ""


@attrs.frozen
class Cluster:
    primary: Server
    replica: Server | None = None


@attrs.frozen
class Deployment:
    db: Database = Database("localhost")
    cache: Server | None = None
    cluster: Cluster | None = None


def test_nested_from_a_dict_value() -> None:
    settings = make_app(DB={"HOST": "db.local", "PORT": "6543"}).load_settings(
        Deployment
    )
    assert settings.db == Database("db.local", 6543)
    # Keys of a table match in any case: TOML tables are usually lower case.
    settings = make_app(DB={"host": "h", "Port": 1}).load_settings(Deployment)
    assert settings.db == Database("h", 1)


def test_nested_from_a_toml_table(tmp_path: pathlib.Path) -> None:
    import tomllib

    (tmp_path / "config.toml").write_text(
        'DATABASE_URL = "sqlite://"\n'
        "[DB]\n"
        'host = "db.internal"\n'
        "port = 5433\n"
        "[CACHE]\n"
        'host = "cache"\n'
        "[CLUSTER.primary]\n"
        'host = "a"\n'
        "[CLUSTER.replica]\n"
        'host = "b"\n'
        "port = 8080\n",
        encoding="utf-8",
    )
    app = App(__name__, root_path=str(tmp_path))
    app.config.from_file("config.toml", load=tomllib.load, text=False)
    settings = app.load_settings(Deployment)
    assert settings == Deployment(
        db=Database("db.internal", 5433),
        cache=Server("cache"),
        cluster=Cluster(Server("a"), Server("b", 8080)),
    )


def test_nested_from_double_underscore_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRAMEWORK_DB__HOST", "env-db")
    monkeypatch.setenv("FRAMEWORK_CACHE__PORT", "6380")
    monkeypatch.setenv("FRAMEWORK_CACHE__HOST", "env-cache")
    app = App(__name__)
    app.config.from_prefixed_env()
    settings = app.load_settings(Deployment)
    assert settings.db == Database("env-db")
    assert settings.cache == Server("env-cache", 6380)


def test_nested_from_a_json_string() -> None:
    settings = make_app(DB='{"HOST": "j", "PORT": 2}').load_settings(Deployment)
    assert settings.db == Database("j", 2)


def test_table_and_prefixed_keys_combine() -> None:
    settings = make_app(CLUSTER={"PRIMARY": {"HOST": "a"}}, CLUSTER_REPLICA_HOST="b")
    assert settings.load_settings(Deployment).cluster == Cluster(
        Server("a"), Server("b")
    )
    # Inside a table, keys with a prefix work too.
    settings = make_app(CLUSTER={"PRIMARY_HOST": "a", "primary_port": "81"})
    assert settings.load_settings(Deployment).cluster == Cluster(Server("a", 81))


def test_optional_nested_absent_is_none() -> None:
    settings = make_app().load_settings(Deployment)
    assert settings.cache is None and settings.cluster is None


@pytest.mark.parametrize(
    "config",
    [
        {"CACHE": {"HOST": "c", "PORT": "81"}},
        {"CACHE_HOST": "c", "CACHE_PORT": "81"},
        {"CACHE": '{"host": "c", "port": 81}'},
        {"CACHE": Server("c", 81)},
    ],
)
def test_optional_nested_present_is_parsed(config: dict[str, t.Any]) -> None:
    assert make_app(**config).load_settings(Deployment).cache == Server("c", 81)


@pytest.mark.parametrize("off", [None, "", "none", "null"])
def test_optional_nested_can_be_switched_off(off: t.Any) -> None:
    assert make_app(CACHE=off).load_settings(Deployment).cache is None


def test_optional_nested_without_default_is_required() -> None:
    @attrs.frozen
    class NeedsCache:
        cache: Server | None

    attrs.resolve_types(NeedsCache, globals(), locals())
    error = error_for(make_app(), NeedsCache)
    assert [(p.key, p.reason) for p in error.problems] == [
        ("CACHE", "missing, and it has no default")
    ]
    assert make_app(CACHE=None).load_settings(NeedsCache).cache is None


@pytest.mark.parametrize(
    ("config", "key", "reason"),
    [
        ({"DB": "postgres://db"}, "DB", "not a table of Database settings"),
        ({"DB": 5}, "DB", "not a table of Database settings"),
        ({"DB": ["HOST"]}, "DB", "not a table of Database settings"),
        ({"DB": "{bad"}, "DB", "invalid JSON object"),
        ({"DB": None}, "DB", "is None: set it"),
        ({"DB": {"HOST": "h", "PORT": "x"}}, "DB.PORT", "not an integer"),
        ({"DB": {"PORT": 1}}, "DB.HOST", "missing, and it has no default"),
        ({"CACHE": "off"}, "CACHE", "not a table of Server settings"),
        ({"CACHE": {"HOST": "c", "PORT": 70000}}, "CACHE.PORT", "must be < 65536"),
        (
            {"CLUSTER": {"primary": {"host": "a", "port": "x"}}},
            "CLUSTER.primary.port",
            "not an integer",
        ),
        (
            {"DB": {"HOST": "a"}, "DB_HOST": "b"},
            "DB.HOST",
            "also set as DB_HOST: keep one",
        ),
        (
            {"CACHE": None, "CACHE_HOST": "b"},
            "CACHE",
            "also set as CACHE_*: keep one",
        ),
    ],
)
def test_bad_nested_input_names_the_key(
    config: dict[str, t.Any], key: str, reason: str
) -> None:
    error = error_for(make_app(**config), Deployment)
    assert [p.key for p in error.problems] == [key]
    assert reason in error.problems[0].reason
    assert str(error).startswith("1 invalid setting for Deployment:\n  " + key)


def test_nested_table_problems_name_their_source(tmp_path: pathlib.Path) -> None:
    import tomllib

    path = tmp_path / "config.toml"
    path.write_text('[CACHE]\nhost = "c"\npassword = ["hunter2"]\n', encoding="utf-8")
    app = App(__name__, root_path=str(tmp_path))
    app.config.from_file("config.toml", load=tomllib.load, text=False)
    error = error_for(app, Deployment)
    (problem,) = error.problems
    assert problem.key == "CACHE.password"
    assert problem.source == f"file:{path}"
    # The table's key names a secret: its value is not shown.
    assert problem.value == "<hidden>" and "hunter2" not in str(error)
