"""App's configuration: making :attr:`App.config <framework.App.config>`,
typed settings, the debug flag, and the instance folder.

Layer 3, part of :mod:`framework.app`: :class:`ConfigMethods` is a base
class of :class:`~framework.App`, documented as ``App``'s methods. The
config mapping and its loading are layer 1's (:mod:`framework.config`);
these methods make the app's config and read it.
"""

from __future__ import annotations

import os
import typing as t

from .. import interfaces
from ..config import Config, get_debug_flag
from ..package_paths import find_package

if t.TYPE_CHECKING:  # pragma: no cover
    from ..interfaces import AppLike
    from ..jinja_environment import Environment

__all__ = ["ConfigMethods"]

T = t.TypeVar("T")


class ConfigMethods:
    """Part of :class:`~framework.App`: its configuration methods."""

    if t.TYPE_CHECKING:
        # What these methods use of App, for the type checker.
        import_name: str
        root_path: str
        instance_path: str
        config: Config
        config_class: type[Config]
        default_config: t.Mapping[str, t.Any]
        config_loader: interfaces.ConfigLoader
        template_renderer: interfaces.TemplateRenderer

        @property
        def name(self) -> str: ...
        @property
        def jinja_env(self) -> Environment: ...

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create :attr:`config` from :attr:`default_config`; ``DEBUG``
        comes from the ``FRAMEWORK_DEBUG`` (or ``FLASK_DEBUG``) environment
        variable: any value but empty, ``0``, ``false`` and ``no`` turns it
        on. The config loads through :attr:`config_loader` and sends ``config_loaded``.

        :param instance_relative: resolve relative config file names against
            :attr:`instance_path` instead of :attr:`root_path`.
        """
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = get_debug_flag()
        config = self.config_class(root_path, defaults)
        config.attach_app(t.cast("AppLike", self))
        return config

    def load_settings(self, schema: type[T]) -> T:
        """Check the current config against the attrs class ``schema`` and
        return an instance of it, with values converted to the declared
        types (``"8080"`` to ``8080`` for an ``int`` field). Call it once
        the config is loaded, e.g. at the end of an app factory.

        Field ``database_url`` reads the key ``DATABASE_URL``; see
        :doc:`/configuration` for the conversions and nested settings.

        :param schema: an attrs class, preferably ``@attrs.frozen``.
        :raise framework.settings.SettingsError: listing every missing,
            unconvertible or invalid key at once, with where it came from.
        """
        return self.config_loader.load_settings(self.config, schema)

    def auto_find_instance_path(self) -> str:
        """The default instance folder, found as Flask does: ``instance``
        next to the package or module (``instance`` in the folder that holds
        a package's folder), or ``<prefix>/var/<name>-instance`` when the
        package is installed under a Python prefix (a virtualenv or
        ``site-packages``)."""
        prefix, package_path = find_package(self.import_name)
        if prefix is None:
            return os.path.join(package_path, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open ``resource``, a path relative to :attr:`instance_path`; unlike
        :meth:`open_resource`, any mode, writing included.

        :param encoding: the text encoding, for text modes.
        """
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    @property
    def debug(self) -> bool:
        """``DEBUG``: show tracebacks in the browser, propagate errors, and
        reload templates when they change (unless ``TEMPLATES_AUTO_RELOAD``
        says otherwise)."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if (
            self.config["TEMPLATES_AUTO_RELOAD"] is None
            and self.template_renderer.created
        ):
            self.jinja_env.auto_reload = value
