"""The Jinja environment and the loader of an app's templates.

Layer 2, beside :mod:`framework.templating`, which imports this module when
the app's environment is first created: Jinja2 is loaded by the first
template, not by ``import framework`` (``framework.templating.Environment``
and ``framework.templating.DispatchingJinjaLoader`` still name these
classes). Templates are looked up in the app's template folder, then in
each registered blueprint's, in registration order.
"""

from __future__ import annotations

import typing as t
from collections import ChainMap

from jinja2 import BaseLoader, TemplateNotFound
from jinja2 import Environment as BaseEnvironment
from jinja2 import Template as BaseTemplate
from jinja2.runtime import Context, new_context

from .ctx import _cv_context
from .templating import _WeakApp

if t.TYPE_CHECKING:  # pragma: no cover
    from .interfaces import AppLike, ScaffoldLike

__all__ = ["DispatchingJinjaLoader", "Environment"]

_Source = tuple[str, str | None, t.Callable[[], bool] | None]


class _CountedDict(dict[str, t.Any]):
    """A dict that counts its changes, so that a copy of it can tell
    whether it is still current without comparing items: the environment's
    globals and each template's own globals."""

    __slots__ = ("changes",)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.changes = 0

    def __setitem__(self, key: str, value: t.Any) -> None:
        self.changes += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.changes += 1
        super().__delitem__(key)

    # typeshed types dict's ``|=`` through its ``|``; this one only counts.
    def __ior__(self, other: t.Any) -> t.Self:  # type: ignore[override,misc]
        self.changes += 1
        return super().__ior__(other)

    def update(self, *args: t.Any, **kwargs: t.Any) -> None:
        self.changes += 1
        super().update(*args, **kwargs)

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        self.changes += 1
        return super().setdefault(key, default)

    def pop(self, key: str, *default: t.Any) -> t.Any:
        self.changes += 1
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, t.Any]:
        self.changes += 1
        return super().popitem()

    def clear(self) -> None:
        self.changes += 1
        super().clear()


class _TemplateGlobals(ChainMap[str, t.Any]):
    """A template's globals, its own over the environment's, as Jinja makes
    them, that also keeps them merged into one dict.

    PERF: template; Jinja copies a template's globals into the context of
    every render, and copying a ChainMap runs its Python ``__iter__``,
    ``__len__`` and one ``__getitem__`` per global (a dozen here): a fifth
    of a small page's render. The merged dict is copied in C, and made
    again only after either map changed.
    """

    _merged: dict[str, t.Any] | None = None
    _seen: tuple[int, int] = (-1, -1)

    def merged(self) -> t.Mapping[str, t.Any]:
        """The globals as one dict, or the ChainMap itself while its maps
        are not the two counted dicts it was made with."""
        maps = self.maps
        if len(maps) != 2:
            return self
        own, shared = maps
        if type(own) is not _CountedDict or type(shared) is not _CountedDict:
            return self
        seen = (own.changes, shared.changes)
        merged = self._merged
        if merged is None or seen != self._seen:
            # ChainMap's order and precedence: the environment's keys
            # first, the template's values over them.
            merged = self._merged = {**shared, **own}
            self._seen = seen
        return merged


class _Template(BaseTemplate):
    """A Jinja template whose contexts get the template's globals through
    :meth:`_TemplateGlobals.merged`."""

    def new_context(
        self,
        vars: dict[str, t.Any] | None = None,
        shared: bool = False,
        locals: t.Mapping[str, t.Any] | None = None,
    ) -> Context:
        """A new context for this template, as Jinja's, with its globals."""
        template_globals = self.globals
        if type(template_globals) is _TemplateGlobals:
            template_globals = template_globals.merged()  # type: ignore[assignment]
        return new_context(
            self.environment,
            self.name,
            self.blocks,
            vars,
            shared,
            template_globals,
            locals,
        )


class Environment(BaseEnvironment):
    """A Jinja environment that knows its app and loads templates from the
    app's and its blueprints' template folders.

    :param app: the app.
    :param options: Jinja environment options; ``loader`` defaults to a
        :class:`DispatchingJinjaLoader`.
    """

    def __init__(self, app: AppLike, **options: t.Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app
        # Counted, so that each template's merged globals notice a change.
        self.globals = _CountedDict(self.globals)

    #: Templates keep their globals merged (see :class:`_TemplateGlobals`).
    template_class = _Template

    def make_globals(
        self, d: t.MutableMapping[str, t.Any] | None
    ) -> t.MutableMapping[str, t.Any]:
        """A template's globals over the environment's, as Jinja makes
        them: a :class:`~collections.ChainMap` (of counted dicts, so that it
        can keep them merged).

        :param d: the template's own globals.
        """
        return _TemplateGlobals(_CountedDict(d or ()), self.globals)

    app = _WeakApp("The app whose templates this environment renders.")


class DispatchingJinjaLoader(BaseLoader):
    """Looks a template up in the app's folder, then in each blueprint's,
    in registration order. A miss lists every folder that was searched."""

    def __init__(self, app: AppLike) -> None:
        self.app = app

    app = _WeakApp("The app whose template folders (and blueprints') are searched.")

    def _loaders(self) -> t.Iterator[tuple[ScaffoldLike, BaseLoader]]:
        app = self.app
        loader = app.jinja_loader
        if loader is not None:
            yield app, loader
        for blueprint in app.iter_blueprints():
            loader = blueprint.jinja_loader
            if loader is not None:
                yield blueprint, loader

    def get_source(self, environment: BaseEnvironment, template: str) -> _Source:
        """Load ``template`` from the first folder that has it."""
        explain = self.app.config["EXPLAIN_TEMPLATE_LOADING"]
        attempts: list[tuple[ScaffoldLike, BaseLoader, bool]] = []
        found: _Source | None = None
        for owner, loader in self._loaders():
            try:
                source = loader.get_source(environment, template)
            except TemplateNotFound:
                attempts.append((owner, loader, False))
                continue
            if not explain:
                return source
            attempts.append((owner, loader, True))
            if found is None:
                found = source
        if explain:
            _log_lookup(self.app, template, attempts)
        if found is not None:
            return found
        raise TemplateNotFound(
            template, _not_found_message(self.app, template, attempts)
        )

    def list_templates(self) -> list[str]:
        """Every template name any folder has."""
        names: set[str] = set()
        for _, loader in self._loaders():
            names.update(loader.list_templates())
        return sorted(names)


def _log_lookup(
    app: AppLike, template: str, attempts: list[tuple[ScaffoldLike, BaseLoader, bool]]
) -> None:
    """Log at ``INFO`` on ``app.logger`` where ``template`` was looked for:
    one ``(app or blueprint, loader, found)`` per folder, in order. What
    ``EXPLAIN_TEMPLATE_LOADING`` shows, and
    :func:`framework.debughelpers.explain_template_loading_attempts` too.
    The wording follows Flask's, which tools and tests search for."""
    lines = [f"Looking for template {template!r}, loader by loader:"]
    for number, (owner, loader, ok) in enumerate(attempts, 1):
        lines.append(f"{number:5}: trying loader of {_owner(app, owner)}")
        lines.append(f"       {_folders(loader)} -> {'found' if ok else 'no match'}")
    found = sum(ok for _, _, ok in attempts)
    if found == 1:
        app.logger.info("\n".join(lines))
        return
    if found == 0:
        lines.append("Error: the template could not be found.")
    else:
        lines.append(f"Warning: {found} loaders have the template; the first one wins.")
    ctx = _cv_context.get(None)
    blueprint = (
        ctx.request.blueprint if ctx is not None and ctx.is_request_context else None
    )
    if blueprint is not None:
        lines.append(
            "  The template was looked up from an endpoint that belongs to"
            f" the blueprint {blueprint!r}: is it in the right folder (a"
            " blueprint's folder is searched after the app's, under the"
            " template's full name)? See"
            " https://flask.palletsprojects.com/blueprints/#templates, which"
            " applies here unchanged."
        )
    app.logger.info("\n".join(lines))


def _owner(app: AppLike, owner: ScaffoldLike) -> str:
    if owner is app:
        return f"application {owner.import_name!r}"
    return f"blueprint {owner.name!r} ({owner.import_name})"


def _folders(loader: BaseLoader) -> str:
    where = getattr(loader, "searchpath", None)
    if where:
        return "folder " + ", ".join(where)
    return f"{type(loader).__module__}.{type(loader).__qualname__}"


def _describe(app: AppLike, owner: ScaffoldLike, loader: BaseLoader) -> str:
    kind = "app" if owner is app else "blueprint"
    where = getattr(loader, "searchpath", None)
    folders = ", ".join(where) if where else type(loader).__name__
    return f"{kind} {owner.name!r} ({folders})"


def _not_found_message(
    app: AppLike, template: str, attempts: list[tuple[ScaffoldLike, BaseLoader, bool]]
) -> str:
    if not attempts:
        return (
            f"Template {template!r} not found: the app and its blueprints have"
            " no template folder."
        )
    places = "; ".join(_describe(app, owner, loader) for owner, loader, _ in attempts)
    return f"Template {template!r} not found; looked in: {places}."
