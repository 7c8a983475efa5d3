"""Type-only checks of typed settings, run by ``mypy --strict`` in ``make
test``: ``load_settings`` returns the schema's type and its fields keep
theirs. Nothing here runs under pytest."""

from __future__ import annotations

import pathlib
import typing as t
from datetime import timedelta

import attrs

from framework import App, Config
from framework.config import ConfigLoader
from framework.interfaces import ConfigLoader as ConfigLoaderProtocol
from framework.settings import SettingsError, load_settings


@attrs.frozen
class Database:
    host: str
    port: int = 5432


@attrs.frozen
class Settings:
    database_url: str
    port: int = 8000
    debug: bool = False
    timeout: timedelta = timedelta(seconds=30)
    data_dir: pathlib.Path = pathlib.Path("data")
    hosts: list[str] = attrs.Factory(list)
    cache_size: int | None = None
    region: t.Literal["eu", "us"] = "eu"
    db: Database = Database("localhost")
    replica: Database | None = None


app = App(__name__)
settings = app.load_settings(Settings)
t.assert_type(settings, Settings)
t.assert_type(settings.database_url, str)
t.assert_type(settings.port, int)
t.assert_type(settings.debug, bool)
t.assert_type(settings.timeout, timedelta)
t.assert_type(settings.data_dir, pathlib.Path)
t.assert_type(settings.hosts, list[str])
t.assert_type(settings.cache_size, int | None)
t.assert_type(settings.region, t.Literal["eu", "us"])
t.assert_type(settings.db, Database)
t.assert_type(settings.db.port, int)
t.assert_type(settings.replica, Database | None)

t.assert_type(app.config.load_settings(Database), Database)
t.assert_type(load_settings({"HOST": "h"}, Database), Database)
t.assert_type(app.config, Config)
t.assert_type(app.config.source_of("PORT"), str | None)
t.assert_type(app.config.from_pyfile("settings.py", silent=True), bool)
t.assert_type(app.config.from_prefixed_env(), bool)

loader: ConfigLoaderProtocol = ConfigLoader()
app.config_loader = loader
App(__name__, config_loader=ConfigLoader())


def problems(error: SettingsError) -> list[str]:
    return [problem.key for problem in error.problems]
