"""The click classes commands are made of: groups whose commands run in an
app context, and options that read their environment variables in both
spellings.

Layer 4. :class:`~framework.cli.AppGroup` (``app.cli``, ``blueprint.cli``)
wraps its commands in :func:`~framework.cli.with_appcontext`;
:class:`~framework.cli.EnvOption` reads ``FRAMEWORK_<COMMAND>_<OPTION>``
and Flask's ``FLASK_<COMMAND>_<OPTION>``, and
:func:`~framework.cli.read_both_spellings` turns the options of any
command met in the tree into one.
"""

from __future__ import annotations

import functools
import os
import typing as t

import click

from ..config import ENV_PREFIXES
from ..ctx import has_app_context
from .loading import ScriptInfo

__all__ = ["AppGroup", "EnvOption", "read_both_spellings", "with_appcontext"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def with_appcontext(f: F) -> F:
    """Run a click command callback inside an app context, loading the app
    from the :class:`ScriptInfo` unless a context is already active.
    :class:`AppGroup` commands get this by default."""

    @click.pass_context
    def run(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        if not has_app_context():
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return functools.update_wrapper(run, f)  # type: ignore[return-value]


@functools.lru_cache(maxsize=256)
def _other_spelling(prefix: str) -> str | None:
    """The automatic prefix ``prefix`` with its root spelled the other way
    (``FRAMEWORK_ROUTES`` gives ``FLASK_ROUTES`` and back), or ``None`` for a
    root that is neither. Only the root: a command named ``flask`` under ours
    gives ``FLASK_FLASK``, as Flask itself would read."""
    flask, ours = ENV_PREFIXES
    root, sep, rest = prefix.partition("_")
    if root == ours:
        return flask + sep + rest
    if root == flask:
        return ours + sep + rest
    return None


class EnvOption(click.Option):
    """A click option whose automatic environment variable is read in both
    spellings: with the prefix ``FRAMEWORK_RUN``, ``--port`` reads
    ``FRAMEWORK_RUN_PORT``, then Flask's ``FLASK_RUN_PORT``. The context's
    own spelling wins when both are set. An option with an explicit
    ``envvar`` reads that (and click's automatic name) only.

    Every option of a command that the ``framework`` command or an
    :class:`AppGroup` hands out becomes one: see :func:`read_both_spellings`.
    """

    # Options of any class become a subclass of it and this one in place,
    # which needs the same instance layout.
    __slots__ = ()

    def resolve_envvar_value(self, ctx: click.Context) -> str | None:
        found = super().resolve_envvar_value(ctx)
        prefix = ctx.auto_envvar_prefix
        if found is not None or self.envvar or prefix is None or not self.name:
            return found
        if not self.allow_from_autoenv:
            return None
        other = _other_spelling(prefix)
        if other is None:
            return None
        return os.environ.get(f"{other}_{self.name.upper()}") or None


class _AdoptingGroup(click.Group):
    """Mixed into the class of a plain click group met in the command tree,
    so that the commands it hands out, even ones it makes on demand, read
    both spellings too."""

    __slots__ = ()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return read_both_spellings(super().get_command(ctx, cmd_name))


# A variant per class met: made once, so adopting costs a dict get after.
_variants: dict[type, type] = {click.Option: EnvOption}


def _variant(cls: type, mixin: type) -> type:
    variant = _variants.get(cls)
    if variant is None:
        namespace = {"__slots__": (), "__module__": cls.__module__}
        namespace["__qualname__"] = cls.__qualname__
        variant = _variants[cls] = type(cls.__name__, (mixin, cls), namespace)
    return variant


def _adopt(item: click.Parameter | click.Command, mixin: type) -> None:
    if isinstance(item, mixin):
        return
    try:
        item.__class__ = _variant(type(item), mixin)
    except TypeError:
        # A class whose instances are laid out differently (its own
        # __slots__) keeps click's reading: our spelling only.
        return


@t.overload
def read_both_spellings(command: click.Command) -> click.Command: ...


@t.overload
def read_both_spellings(command: None) -> None: ...


def read_both_spellings(command: click.Command | None) -> click.Command | None:
    """Make ``command``'s options read their automatic environment variables
    in both spellings, ``FRAMEWORK_<COMMAND>_<OPTION>`` and Flask's
    ``FLASK_<COMMAND>_<OPTION>`` (see :class:`EnvOption`), and those of the
    commands a group among them hands out. Options with an explicit
    ``envvar`` are left as they are.

    Flask's command reads ``FLASK_*`` through click's ``auto_envvar_prefix``,
    which gives each option one name; ours reads ``FRAMEWORK_*`` the same
    way, so the option itself looks up the second name. Each option's class
    becomes, in place, a subclass of its own class and :class:`EnvOption`:
    ``isinstance`` checks and the option's behaviour are unchanged, and a
    lookup costs one more dict get when our spelling is not set. Nothing is
    written to ``os.environ``.

    :param command: a command or group, or ``None`` (returned as it is).
    :return: ``command``.
    """
    if command is None:
        return None
    for param in command.params:
        if isinstance(param, click.Option) and not param.envvar:
            _adopt(param, EnvOption)
    if isinstance(command, click.Group) and not isinstance(command, AppGroup):
        _adopt(command, _AdoptingGroup)
    return command


class AppGroup(click.Group):
    """A click group whose commands run in an app context (pass
    ``with_appcontext=False`` to :meth:`command` to opt out) and whose
    subgroups are ``AppGroup`` too. ``app.cli`` and ``blueprint.cli`` are
    ``AppGroup`` instances."""

    @t.overload
    def command(self, __func: t.Callable[..., t.Any]) -> click.Command: ...

    @t.overload
    def command(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], click.Command]: ...

    def command(
        self, *args: t.Any, **kwargs: t.Any
    ) -> click.Command | t.Callable[[t.Callable[..., t.Any]], click.Command]:
        """Like :meth:`click.Group.command`, with the callback wrapped in
        :func:`with_appcontext` unless ``with_appcontext=False``."""
        wrap = kwargs.pop("with_appcontext", True)

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap:
                f = with_appcontext(f)
            command: click.Command = click.Group.command(self, *args, **kwargs)(f)
            return command

        # Used bare, as @app.cli.command without parentheses.
        if len(args) == 1 and callable(args[0]) and not kwargs:
            f, args = args[0], ()
            return decorator(f)
        return decorator

    @t.overload
    def group(self, __func: t.Callable[..., t.Any]) -> AppGroup: ...

    @t.overload
    def group(
        self, *args: t.Any, **kwargs: t.Any
    ) -> t.Callable[[t.Callable[..., t.Any]], AppGroup]: ...

    def group(
        self, *args: t.Any, **kwargs: t.Any
    ) -> AppGroup | t.Callable[[t.Callable[..., t.Any]], AppGroup]:
        """Like :meth:`click.Group.group`, making an :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)  # type: ignore[no-any-return]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Like :meth:`click.Group.get_command`; the command's options read
        their environment variables in Flask's spelling too
        (:func:`read_both_spellings`)."""
        return read_both_spellings(super().get_command(ctx, cmd_name))
