"""The parameters commands share: the ``--debug`` callback, the address
options of ``run`` and ``serve``, and the types of ``run``'s ``--cert``
and path-list options.

Layer 4. Bad values are usage errors that name the fix (a certificate
that is neither a file, ``adhoc`` nor an ``ssl.SSLContext``; a port out of
range), never a traceback from the server.
"""

from __future__ import annotations

import importlib
import os
import ssl
import typing as t

import click
from click.core import ParameterSource

from ..config import import_string
from .environment import export_env
from .groups import EnvOption

__all__ = ["CertParamType", "SeparatedPathType"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _explicit(ctx: click.Context, param: click.Parameter) -> bool:
    """Whether the user gave ``param`` (on the command line or through its
    environment variable), rather than it taking its default."""
    source = ctx.get_parameter_source(param.name or "")
    return source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    # The environment is how the choice reaches apps created later, the
    # reloader's child process and get_debug_flag(); only a choice the user
    # made overrides what it holds.
    if value is not None and _explicit(ctx, param):
        export_env("DEBUG", "1" if value else "0")


def _adhoc_certificate(param: click.Parameter | None, ctx: click.Context | None) -> str:
    """``"adhoc"``, once it is known that werkzeug can make the certificate."""
    try:
        importlib.import_module("cryptography")
    except ImportError:
        raise click.BadParameter(
            "'adhoc' makes a throwaway self-signed certificate with the"
            " cryptography package, which is not installed: run 'pip install"
            " cryptography', or give a certificate file and --key.",
            ctx,
            param,
        ) from None
    return "adhoc"


def _imported_ssl_context(
    path: str, param: click.Parameter | None, ctx: click.Context | None
) -> ssl.SSLContext:
    """The :class:`ssl.SSLContext` that the import path ``path`` names,
    or that the function it names returns."""
    problem = "names no file, is not 'adhoc', and"
    try:
        found = import_string(path)
    except (ImportError, ValueError) as e:
        raise click.BadParameter(
            f"{path!r} {problem} can't be imported ({e}).", ctx, param
        ) from None
    # A function is called; a class is not: ssl.SSLContext() would be a
    # context without a certificate, which fails every handshake.
    if callable(found) and not isinstance(found, (type, ssl.SSLContext)):
        found = found()
    if not isinstance(found, ssl.SSLContext):
        what = "a class" if isinstance(found, type) else type(found).__name__
        raise click.BadParameter(
            f"{path!r} {problem} is {what}, not an ssl.SSLContext.", ctx, param
        )
    return found


class CertParamType(click.ParamType):  # type: ignore[type-arg]
    """``--cert``: a certificate file (resolved to its real path),
    ``adhoc`` for a throwaway one (needs cryptography), or the import path
    of an :class:`ssl.SSLContext` or of a function returning one."""

    name = "path"

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        if not isinstance(value, str):
            return value  # converted already: a context or a (cert, key) pair
        if os.path.isfile(value):
            return os.path.realpath(value)
        if value.lower() == "adhoc":
            return _adhoc_certificate(param, ctx)
        return _imported_ssl_context(value, param, ctx)


def _pair_key_with_cert(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> str | None:
    """``--key`` goes with a certificate file, and only with one; the two
    become the ``(cert, key)`` pair werkzeug's ``ssl_context`` takes.
    ``--cert`` is eager, so it is known here whatever the order."""
    cert = ctx.params.get("cert")
    cert_is_file = isinstance(cert, str) and cert != "adhoc"
    if value is None:
        if cert_is_file:
            raise click.BadParameter('Required when using "--cert".', ctx, param)
        return None
    if cert is None:
        raise click.BadParameter('"--cert" must also be given.', ctx, param)
    if not cert_is_file:
        what = "adhoc" if cert == "adhoc" else "an SSLContext"
        raise click.BadParameter(
            f'When "--cert" is {what}, "--key" is not used.', ctx, param
        )
    ctx.params["cert"] = (cert, value)
    return value


class SeparatedPathType(click.Path):
    """Several paths in one value, separated by :data:`os.pathsep` (``:``
    on POSIX, ``;`` on Windows)."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        convert_one = super().convert
        return [convert_one(v, param, ctx) for v in self.split_envvar_value(value)]


# The address options of run and serve. A port out of range is a usage
# error here; bind() would raise OverflowError or wrap it silently.
_host_option = click.option(
    "--host", "-h", default="127.0.0.1", help="The interface to bind to.", cls=EnvOption
)


def _port_option(default: int) -> t.Callable[[F], F]:
    return click.option(
        "--port",
        "-p",
        default=default,
        type=click.IntRange(0, 65535),
        help="The port to bind to.",
        cls=EnvOption,
    )
