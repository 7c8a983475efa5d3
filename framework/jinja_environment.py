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

from jinja2 import BaseLoader, TemplateNotFound
from jinja2 import Environment as BaseEnvironment

from .ctx import _cv_context
from .templating import _WeakApp

if t.TYPE_CHECKING:  # pragma: no cover
    from .interfaces import AppLike, ScaffoldLike

__all__ = ["DispatchingJinjaLoader", "Environment"]

_Source = tuple[str, str | None, t.Callable[[], bool] | None]


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
