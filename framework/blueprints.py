"""Blueprints: groups of routes, hooks, templates and static files that are
registered on an app, possibly several times and nested.

Layer 3. A :class:`Blueprint` records what is registered on it; when the app
registers the blueprint, every record is replayed through a
:class:`BlueprintSetupState` that adds the URL prefix, subdomain, URL
defaults and dotted endpoint names. Hooks and handlers registered on a
blueprint apply to its own endpoints and to those of blueprints nested in
it, innermost first.
"""

from __future__ import annotations

import functools
import typing as t

from . import typing as ft
from .scaffold import (
    _SCOPED_REGISTRIES,
    F,
    Scaffold,
    _Folder,
    _handing_back,
    exception_class_and_code,
    setupmethod,
)
from .typing import (
    RouteCallable,
    T_after_request,
    T_before_request,
    T_error_handler,
    T_teardown,
    T_template_context_processor,
    T_template_filter,
    T_template_global,
    T_template_test,
    T_url_defaults,
    T_url_value_preprocessor,
)

if t.TYPE_CHECKING:  # pragma: no cover
    from .app import App
    from .cli import AppGroup

__all__ = ["Blueprint", "BlueprintSetupState"]


DeferredSetupFunction = t.Callable[["BlueprintSetupState"], None]

_sentinel: t.Any = object()


def _join_prefix(outer: str | None, inner: str | None) -> str | None:
    if outer is not None and inner is not None:
        return f"{outer.rstrip('/')}/{inner.lstrip('/')}"
    return inner if inner is not None else outer


def _join_subdomain(inner: str | None, outer: str | None) -> str | None:
    if inner and outer:
        return f"{inner}.{outer}"
    return inner or outer


def _bare_or_named(
    name: F | str | None, add: t.Callable[[F, str | None], None]
) -> F | t.Callable[[F], F]:
    # The app_template_* decorators work bare (@bp.app_template_filter) and
    # called (@bp.app_template_filter("name")); a bare one gets the function
    # where the name would be.
    if callable(name):
        add(name, None)
        return name
    return _handing_back(lambda f: add(f, name))


class BlueprintSetupState:
    """One registration of a blueprint on an app: the options it was
    registered with, and :meth:`add_url_rule` applying them. Passed to the
    functions recorded with :meth:`Blueprint.record`.

    :param blueprint: the blueprint being registered.
    :param app: the app it is registered on.
    :param options: the keyword arguments of ``register_blueprint``.
    :param first_registration: whether this blueprint object was not
        registered on this app before.
    """

    def __init__(
        self,
        blueprint: Blueprint,
        app: App,
        options: t.Mapping[str, t.Any],
        first_registration: bool,
    ) -> None:
        self.app, self.blueprint, self.options = app, blueprint, options
        self.first_registration = first_registration

        def given(option: str, otherwise: t.Any) -> t.Any:
            value = options.get(option)
            return otherwise if value is None else value

        #: The subdomain rules are added under.
        self.subdomain: str | None = given("subdomain", blueprint.subdomain)
        #: The prefix added to every rule.
        self.url_prefix: str | None = given("url_prefix", blueprint.url_prefix)
        #: The name this registration uses (``name=`` or the blueprint's).
        self.name: str = options.get("name", blueprint.name)
        #: The dotted name of the parent blueprint, for nested ones.
        self.name_prefix: str = options.get("name_prefix", "")
        #: Default URL values added to every rule: the blueprint's, then
        #: those of this registration.
        self.url_defaults: dict[str, t.Any] = {
            **blueprint.url_values_defaults,
            **(options.get("url_defaults") or {}),
        }

    @property
    def full_name(self) -> str:
        """The dotted name endpoints and hooks are registered under."""
        return f"{self.name_prefix}.{self.name}".lstrip(".")

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        **options: t.Any,
    ) -> None:
        """Add a rule to the app with this registration's prefix, subdomain,
        defaults and endpoint name."""
        prefix = self.url_prefix
        if prefix is not None:
            # An empty rule is the prefix itself, without a trailing slash.
            rule = f"{prefix.rstrip('/')}/{rule.lstrip('/')}" if rule else prefix
        if endpoint is None:
            if view_func is None:
                raise TypeError(f"add_url_rule({rule!r}) needs an endpoint or a view.")
            endpoint = view_func.__name__
        # The rule's own defaults win over the registration's. The dict goes
        # on even when empty, as Flask's does: extensions read rule.defaults
        # without a None check (flask-smorest's "name in rule.defaults").
        defaults = {**self.url_defaults, **(options.pop("defaults", None) or {})}
        options.setdefault("subdomain", self.subdomain)
        qualified = f"{self.full_name}.{endpoint}"
        self.app.add_url_rule(rule, qualified, view_func, defaults=defaults, **options)


class Blueprint(Scaffold):
    """A reusable group of views, hooks, templates and static files.

    :param name: the blueprint's name, the prefix of its endpoints; no dots.
    :param import_name: usually ``__name__``; locates the root path.
    :param static_folder: a folder of static files served under the
        blueprint's ``static_url_path`` as endpoint ``<name>.static``.
    :param static_url_path: the URL of the static files (after the prefix).
    :param template_folder: a template folder searched after the app's.
    :param url_prefix: a path prepended to every rule.
    :param subdomain: the subdomain of every rule, with subdomain matching.
    :param url_defaults: default values for the view arguments of every rule.
    :param root_path: the folder relative paths resolve against.
    :param cli_group: the command group of the blueprint's CLI commands.
    :param handle_unmatched: let this blueprint's 404 and 405 handlers answer
        URLs under its prefix that match no rule (Flask sends those to the
        app's handlers only).
    """

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: _Folder = None,
        static_url_path: str | None = None,
        template_folder: _Folder = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, t.Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = _sentinel,
        *,
        handle_unmatched: bool = False,
    ) -> None:
        super().__init__(
            import_name, static_folder, static_url_path, template_folder, root_path
        )
        if not name:
            raise ValueError("A blueprint needs a name.")
        if "." in name:
            raise ValueError(
                f"Blueprint name {name!r} has a dot; dots separate nested"
                " blueprints in endpoint names. Use another character."
            )
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        #: Default URL values for every rule of the blueprint.
        self.url_values_defaults: dict[str, t.Any] = url_defaults or {}
        self.cli_group = cli_group
        #: Whether 404/405 handlers of this blueprint answer unmatched URLs
        #: under its prefix.
        self.handle_unmatched = handle_unmatched
        #: Functions replayed on each registration.
        self.deferred_functions: list[DeferredSetupFunction] = []
        self._blueprints: list[tuple[Blueprint, dict[str, t.Any]]] = []

    @functools.cached_property
    def cli(self) -> AppGroup:
        """The blueprint's commands, an :class:`~framework.cli.AppGroup`.
        On registration they become a group of ``app.cli`` named after
        ``cli_group`` (the blueprint's name by default), or, with
        ``cli_group=None``, commands of ``app.cli`` itself."""
        from .cli import AppGroup

        return AppGroup()

    def _register_commands(
        self, app: App, name: str, options: dict[str, t.Any]
    ) -> None:
        # Only a blueprint whose cli was used has commands; don't create it.
        group = self.__dict__.get("cli")
        if group is None or not group.commands:
            return
        cli_group = options.get("cli_group", self.cli_group)
        if cli_group is None:
            app.cli.commands.update(group.commands)
            return
        group.name = name if cli_group is _sentinel else cli_group
        app.cli.add_command(group)

    #: Set by the first registration: setup is closed from then on.
    _got_registered_once = False

    @property
    def is_registered(self) -> bool:
        """Whether the blueprint was registered on an app; its setup is
        closed from then on (extensions check this before :meth:`record`)."""
        return self._got_registered_once

    def _check_setup_finished(self, f_name: str) -> None:
        if not self._got_registered_once:
            return
        raise AssertionError(
            f"{f_name}() can't be used on blueprint {self.name!r} now: it is"
            " already registered, and the change would not reach the apps"
            " it is registered on. Set up the blueprint before registering"
            " it."
        )

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Call ``func(state)`` on each registration, with the
        :class:`BlueprintSetupState`; for extensions."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Like :meth:`record`, but only on the first registration on an
        app."""
        self.record(lambda state: func(state) if state.first_registration else None)

    def make_setup_state(
        self, app: App, options: dict[str, t.Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The setup state of one registration; override to use a subclass."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Nest ``blueprint`` in this one: it is registered wherever this one
        is, with its endpoints named ``<this>.<it>.<view>``."""
        if blueprint is self:
            raise ValueError("A blueprint can't be registered on itself.")
        self._blueprints.append((blueprint, options))

    def register(self, app: App, options: dict[str, t.Any]) -> None:
        """Register on ``app``: called by :meth:`App.register_blueprint`.

        :raises ValueError: when the name is taken; pass ``name=`` to
            register a blueprint twice.
        """
        name_prefix = options.get("name_prefix", "")
        own_name = options.get("name", self.name)
        if "." in own_name:
            raise ValueError(
                f"Blueprint name {own_name!r} has a dot; use another name."
            )
        name = f"{name_prefix}.{own_name}".lstrip(".")
        existing = app.blueprints.get(name)
        if existing is not None:
            which = "this" if existing is self else "another"
            raise ValueError(
                f"The name {name!r} is already registered for {which} blueprint;"
                f" pass name=... to register_blueprint() to register it again"
                " under another name."
            )
        seen_before = any(bp is self for bp in app.blueprints.values())
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, not seen_before)

        if self.has_static_folder:
            rule = f"{self.static_url_path}/<path:filename>"
            state.add_url_rule(rule, "static", self.send_static_file)
        self._merge_registries(app, name)
        if self.handle_unmatched:
            app.unmatched_url_handlers.append(
                (state.url_prefix or "/", name, state.subdomain)
            )
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_commands(app, name, options)

        for child, child_options in self._blueprints:
            merged = dict(child_options)
            url_prefix = merged.get("url_prefix")
            if url_prefix is None:
                url_prefix = child.url_prefix
            merged["url_prefix"] = _join_prefix(state.url_prefix, url_prefix)
            subdomain = merged.get("subdomain", child.subdomain)
            merged["subdomain"] = _join_subdomain(subdomain, state.subdomain)
            merged["name_prefix"] = name
            child.register(app, merged)

    def _merge_registries(self, app: App, name: str) -> None:
        """Copy this blueprint's hooks and handlers into the app's registries
        under its full name (``None`` scope) and its nested scopes."""

        def scoped(key: str | None) -> str:
            return name if key is None else f"{name}.{key}"

        for attr in _SCOPED_REGISTRIES:
            source: dict[str | None, list[t.Any]] = getattr(self, attr)
            target: dict[str | None, list[t.Any]] = getattr(app, attr)
            for key, funcs in source.items():
                target.setdefault(scoped(key), []).extend(funcs)
        # Views registered with @bp.endpoint for rules added without one.
        for endpoint, view in self.view_functions.items():
            app.view_functions.setdefault(endpoint, view)
        for key, by_code in self.error_handler_spec.items():
            target_spec = app.error_handler_spec.setdefault(scoped(key), {})
            for code, handlers in by_code.items():
                target_spec.setdefault(code, {}).update(handlers)

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: RouteCallable | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Record a rule, added with the registration's prefix and name."""
        # Dots separate nested blueprints in endpoint names, so neither the
        # endpoint nor the view's name (the default endpoint) may have one.
        if "." in (endpoint or ""):
            raise ValueError(f"Endpoint {endpoint!r} has a dot; use another name.")
        view_name = "" if view_func is None else getattr(view_func, "__name__", "")
        if "." in view_name:
            raise ValueError(
                f"View function name {view_name!r} has a dot; pass endpoint=."
            )
        options["provide_automatic_options"] = provide_automatic_options

        def add(state: BlueprintSetupState) -> None:
            state.add_url_rule(rule, endpoint, view_func, **options)

        self.record(add)

    # -- registrations on the app --------------------------------------

    def _on_app(self, register: t.Callable[[App], None]) -> None:
        self.record_once(lambda state: register(state.app))

    def _app_wide(self, registry: str, f: F) -> F:
        # Appended to the app's own scope (None), so it runs for every
        # request, not only the blueprint's; once per app.

        def add(app: App) -> None:
            self._own(getattr(app, registry), f)

        self._on_app(add)
        return f

    @setupmethod
    def before_app_request(self, f: T_before_request) -> T_before_request:
        """Like :meth:`App.before_request`: runs for every request."""
        return self._app_wide("before_request_funcs", f)

    @setupmethod
    def after_app_request(self, f: T_after_request) -> T_after_request:
        """Like :meth:`App.after_request`: runs for every request."""
        return self._app_wide("after_request_funcs", f)

    @setupmethod
    def teardown_app_request(self, f: T_teardown) -> T_teardown:
        """Like :meth:`App.teardown_request`: runs for every request."""
        return self._app_wide("teardown_request_funcs", f)

    @setupmethod
    def app_context_processor(
        self, f: T_template_context_processor
    ) -> T_template_context_processor:
        """Like :meth:`App.context_processor`: for every template."""
        return self._app_wide("template_context_processors", f)

    @setupmethod
    def app_errorhandler(
        self, code: type[Exception] | int
    ) -> t.Callable[[T_error_handler], T_error_handler]:
        """Like :meth:`App.errorhandler`: handles errors of every request."""
        exception_class_and_code(code)  # fail now, not at registration

        return _handing_back(
            lambda f: self._on_app(lambda app: app.register_error_handler(code, f))
        )

    @setupmethod
    def app_url_value_preprocessor(
        self, f: T_url_value_preprocessor
    ) -> T_url_value_preprocessor:
        """Like :meth:`App.url_value_preprocessor`: for every request."""
        return self._app_wide("url_value_preprocessors", f)

    @setupmethod
    def app_url_defaults(self, f: T_url_defaults) -> T_url_defaults:
        """Like :meth:`App.url_defaults`: for every URL built."""
        return self._app_wide("url_default_functions", f)

    @t.overload
    def app_template_filter(self, name: T_template_filter) -> T_template_filter: ...

    @t.overload
    def app_template_filter(
        self, name: str | None = None
    ) -> t.Callable[[T_template_filter], T_template_filter]: ...

    @setupmethod
    def app_template_filter(
        self, name: T_template_filter | str | None = None
    ) -> T_template_filter | t.Callable[[T_template_filter], T_template_filter]:
        """Register a Jinja filter on the app, with or without parentheses."""
        return _bare_or_named(name, self.add_app_template_filter)

    @setupmethod
    def add_app_template_filter(
        self, f: ft.TemplateFilterCallable, name: str | None = None
    ) -> None:
        """The non-decorator form of :meth:`app_template_filter`."""
        self._on_app(lambda app: app.add_template_filter(f, name=name))

    @t.overload
    def app_template_test(self, name: T_template_test) -> T_template_test: ...

    @t.overload
    def app_template_test(
        self, name: str | None = None
    ) -> t.Callable[[T_template_test], T_template_test]: ...

    @setupmethod
    def app_template_test(
        self, name: T_template_test | str | None = None
    ) -> T_template_test | t.Callable[[T_template_test], T_template_test]:
        """Register a Jinja test on the app, with or without parentheses."""
        return _bare_or_named(name, self.add_app_template_test)

    @setupmethod
    def add_app_template_test(
        self, f: ft.TemplateTestCallable, name: str | None = None
    ) -> None:
        """The non-decorator form of :meth:`app_template_test`."""
        self._on_app(lambda app: app.add_template_test(f, name=name))

    @t.overload
    def app_template_global(self, name: T_template_global) -> T_template_global: ...

    @t.overload
    def app_template_global(
        self, name: str | None = None
    ) -> t.Callable[[T_template_global], T_template_global]: ...

    @setupmethod
    def app_template_global(
        self, name: T_template_global | str | None = None
    ) -> T_template_global | t.Callable[[T_template_global], T_template_global]:
        """Register a Jinja global on the app, with or without parentheses."""
        return _bare_or_named(name, self.add_app_template_global)

    @setupmethod
    def add_app_template_global(
        self, f: ft.TemplateGlobalCallable, name: str | None = None
    ) -> None:
        """The non-decorator form of :meth:`app_template_global`."""
        self._on_app(lambda app: app.add_template_global(f, name=name))
