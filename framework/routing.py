"""The default :class:`~framework.interfaces.Router`.

Layer 2. A werkzeug :class:`~werkzeug.routing.Map` does the real work; this
class keeps the per-request cost down (see DESIGN.md, "The hot path"):

- static rules (no converters, one rule for their endpoint) are matched from
  a dict built at setup; anything else falls back to werkzeug's matcher;
- what binding derives from the environ (server name, script root, scheme,
  subdomain) is computed once per (host, script root, scheme) and kept in a
  bounded cache; each request still gets its own adapter.
"""

from __future__ import annotations

import re
import sys
import typing as t
import warnings
from urllib.parse import quote as _url_quote

from attrs import define, field
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.routing import Map, MapAdapter, Rule, ValidationError
from werkzeug.sansio.utils import get_host

from .wrappers import blueprint_chain, scopes_outer_first

if t.TYPE_CHECKING:  # pragma: no cover
    from .ctx import AppContext, RequestContext
    from .interfaces import AppLike
    from .typing import URLDefaultCallable

__all__ = ["Router", "wsgi_to_str"]

_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"

_StaticEntry = tuple[Rule, dict[str, t.Any] | None]
#: A rule matched without werkzeug's matcher (see :meth:`Router._dynamic_table`):
#: the rule, its whole-path pattern's ``fullmatch``, the pattern's group names,
#: the converters in the same order, and the rule's defaults.
_DynamicEntry = tuple[
    Rule,
    t.Callable[[str], "re.Match[str] | None"],
    tuple[str, ...],
    tuple[tuple[str, t.Any], ...],
    "dict[str, t.Any] | None",
]
#: A converter group in a werkzeug rule part's pattern.
_CONVERTER_GROUP = re.compile(r"\(\?P<__werkzeug_(\d+)>")
#: What binding derived from an environ: server name, script name,
#: subdomain, URL scheme (``ws``/``wss`` for websocket upgrades).
_Binding = tuple[str, str, str | None, str]


def wsgi_to_str(value: str) -> str:
    """Decode a WSGI environ string (latin-1 code points carrying UTF-8
    bytes); undecodable bytes become U+FFFD rather than an error."""
    return value.encode("latin1").decode("utf-8", "replace")


#: What a ``Host`` header may hold (RFC 3986's reg-name and IP literals,
#: and a port), once international names are IDNA-encoded: anything else,
#: such as control characters or spaces, is a 400. werkzeug lets some of
#: these through.
_HOST = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=%:\[\]-]*")


def _check_host(host: str | None) -> None:
    """Raise 400 for a ``Host`` header that is not a host name."""
    if host is None or _HOST.fullmatch(host) is not None:
        return
    if not host.isascii():
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
        else:
            if _HOST.fullmatch(ascii_host) is not None:
                return
    raise BadRequest(f"The Host header {host[:60]!r} is not a valid host name.")


#: The subdomain of a host outside ``SERVER_NAME``: no rule has it as a
#: fixed subdomain, so the request is a 404 (werkzeug's own marker).
_NO_SUBDOMAIN = "<invalid>"


def _subdomain_of(host: str, scheme: str, server_name: str) -> str:
    """The subdomain of ``host`` (the request's, as werkzeug's
    ``Request.host`` gives it) under ``server_name``, for subdomain
    matching; :data:`_NO_SUBDOMAIN`, with werkzeug's warning, when the host
    is not under it (an IP address, another domain)."""
    host = host.lower()
    name = server_name.lower()
    default_port = ":443" if scheme == "https" else ":80"
    if name.endswith(default_port):  # get_host() leaves the default port out
        name = name[: -len(default_port)]
    if host == name:
        return ""
    if host.endswith(f".{name}"):
        return host[: -len(name) - 1]
    _warn_outside_server_name(host, name)
    return _NO_SUBDOMAIN


def _warn_outside_server_name(host: str, server_name: str) -> None:
    """werkzeug's warning for a host outside ``SERVER_NAME``, attributed to
    the app module as Flask's is, under the name code filters it by:
    ``flask.app`` when the Flask alias serves ``import flask`` (test suites
    written for Flask ignore it with ``module="flask.app"``), else
    ``framework.app``."""
    flask = sys.modules.get("flask")
    aliased = flask is not None and flask.__name__.startswith("framework")
    warnings.warn_explicit(
        f"Current server name {host!r} doesn't match configured server name"
        f" {server_name!r}",
        UserWarning,
        __file__,
        sys._getframe().f_lineno,
        module="flask.app" if aliased else "framework.app",
    )


@define(slots=True)
class Router:
    """Adds rules to the URL map, matches requests against it and builds
    URLs from it.

    :param url_map: the map to use; when ``None`` the app gives it its own.
    """

    url_map: Map | None = None

    #: How many bindings to keep. Hosts come from clients, so the cache must
    #: stay bounded; it is emptied when full.
    binding_cache_size: t.ClassVar[int] = 128

    _static: dict[str, tuple[_StaticEntry, ...]] | None = field(
        default=None, init=False
    )
    _dynamic: dict[str, _DynamicEntry] = field(factory=dict, init=False)
    _bindings: dict[tuple[t.Any, ...], _Binding] = field(factory=dict, init=False)
    #: Host headers that bound without error, emptied with the bindings.
    _valid_hosts: set[str | None] = field(factory=set, init=False)
    #: The ``TRUSTED_HOSTS`` value the cached bindings were checked against.
    _trusted_hosts: t.Any = field(default=None, init=False)
    #: What recently matched no rule at all, by what the match depends on
    #: (see :meth:`match`); bounded like the bindings.
    _misses: set[tuple[t.Any, ...]] = field(factory=set, init=False)
    _url_defaults: dict[str | None, tuple[URLDefaultCallable, ...]] = field(
        factory=dict, init=False
    )
    _url_defaults_spec: t.Mapping[str | None, list[URLDefaultCallable]] = field(
        factory=dict, init=False
    )
    _host_matching: bool = field(default=False, init=False)
    _subdomain_matching: bool = field(default=False, init=False)

    def prepare(self, app: AppLike) -> None:
        """Sort the map; build the static-rule table and the ``url_defaults``
        chains of every blueprint that has endpoints."""
        url_map = self._map()
        url_map.update()
        self._forget_hosts(app.config["TRUSTED_HOSTS"])
        self._host_matching = url_map.host_matching
        self._subdomain_matching = app.subdomain_matching
        self._url_defaults_spec = app.url_default_functions
        blueprints: set[str | None] = {None}
        for rule in url_map.iter_rules():
            if "." in rule.endpoint:
                blueprints.update(blueprint_chain(rule.endpoint.rpartition(".")[0]))
        self._url_defaults = {bp: self._url_defaults_for(bp) for bp in blueprints}
        self._static = self._static_table(url_map)
        self._dynamic = self._dynamic_table(url_map) if self._static is not None else {}

    def _static_table(self, url_map: Map) -> dict[str, tuple[_StaticEntry, ...]] | None:
        if self._host_matching or self._subdomain_matching:
            return None
        by_endpoint: dict[str, int] = {}
        for rule in url_map.iter_rules():
            by_endpoint[rule.endpoint] = by_endpoint.get(rule.endpoint, 0) + 1
        static: dict[str, list[_StaticEntry]] = {}
        for rule in url_map.iter_rules():
            # Anything werkzeug might redirect or refuse takes its matcher.
            if (
                rule.arguments
                or rule.build_only
                or rule.redirect_to is not None
                or rule.websocket
                or rule.methods is None
                or rule.subdomain not in ("", url_map.default_subdomain)
                or by_endpoint[rule.endpoint] != 1
                or "//" in rule.rule
            ):
                continue
            defaults = dict(rule.defaults) if rule.defaults else None
            static.setdefault(rule.rule, []).append((rule, defaults))
        return {path: tuple(entries) for path, entries in static.items()}

    def _dynamic_table(self, url_map: Map) -> dict[str, _DynamicEntry]:
        """Rules with converters that a request can be matched to without
        werkzeug's matcher, by the first segment of their path.

        PERF: routing benchmark (200 rules); werkzeug's matcher walks its
        state machine in nested closures and builds an adapter first.

        A rule qualifies when it alone starts with its first segment, that
        segment is fixed text, and every other segment is fixed text or
        converters that stay within the segment. werkzeug's matcher tries
        the fixed transition of a segment before any converter, and below
        that segment there is only this rule, so when the whole path
        matches the rule's pattern werkzeug finds the same rule. Anything
        else (no match, another method, a failed conversion, a slash too
        many or too few) goes to werkzeug's matcher, which decides the 404,
        405 or redirect.
        """
        by_endpoint: dict[str, int] = {}
        by_segment: dict[str, list[Rule]] = {}
        domain = url_map.default_subdomain or ""
        for rule in url_map.iter_rules():
            by_endpoint[rule.endpoint] = by_endpoint.get(rule.endpoint, 0) + 1
            parts = getattr(rule, "_parts", None)
            if not parts or len(parts) < 3 or not parts[2].static:
                continue  # a converter first: only werkzeug's matcher
            by_segment.setdefault(parts[2].content, []).append(rule)
        table: dict[str, _DynamicEntry] = {}
        for segment, rules in by_segment.items():
            if len(rules) != 1:
                continue
            rule = rules[0]
            entry = self._dynamic_entry(rule, domain)
            if entry is not None and by_endpoint[rule.endpoint] == 1:
                table[segment] = entry
        return table

    @staticmethod
    def _dynamic_entry(rule: Rule, domain: str) -> _DynamicEntry | None:
        """The table entry of ``rule``, or ``None`` when it doesn't
        qualify (see :meth:`_dynamic_table`)."""
        if (
            not rule.arguments
            or rule.build_only
            or rule.redirect_to is not None
            or rule.websocket
            or rule.alias
            or rule.methods is None
            or rule.subdomain not in ("", domain)
        ):
            return None
        parts = rule._parts
        if not parts[0].static or parts[0].content != domain:
            return None
        pieces: list[str] = []
        names: list[str] = []
        for part in parts[1:]:
            if part.static:
                pieces.append(re.escape(part.content))
                continue
            content: str = part.content
            if part.final or part.suffixed or not content.endswith(r"\Z"):
                return None
            found = [int(n) for n in _CONVERTER_GROUP.findall(content)]
            if found != list(range(len(found))) or not found:
                return None
            base = len(names)

            def rename(match: re.Match[str], base: int = base) -> str:
                return f"(?P<_c{base + int(match.group(1))}>"

            pieces.append(_CONVERTER_GROUP.sub(rename, content[:-2]))
            names.extend(f"_c{base + n}" for n in found)
        converters = tuple(rule._converters.items())
        if not names or len(converters) != len(names):
            return None
        try:
            pattern = re.compile("/".join(pieces))
        except re.error:
            return None
        defaults = dict(rule.defaults) if rule.defaults else None
        return rule, pattern.fullmatch, tuple(names), converters, defaults

    @staticmethod
    def _match_dynamic(
        entry: _DynamicEntry, path: str, method: str
    ) -> tuple[Rule, dict[str, t.Any]] | None:
        """``path`` matched to the rule of its first segment's ``entry`` in
        :meth:`_dynamic_table`, with the converted arguments; ``None`` for
        werkzeug's matcher to decide."""
        rule, fullmatch, names, converters, defaults = entry
        if method not in rule.methods:  # type: ignore[operator]
            return None  # a 405, or another rule: werkzeug's matcher decides
        found = fullmatch(path)
        if found is None:
            return None
        values = found.group(*names) if len(names) > 1 else (found[names[0]],)
        args: dict[str, t.Any] = {}
        try:
            for (name, converter), value in zip(converters, values, strict=True):
                args[name] = converter.to_python(value)
        except ValidationError:
            return None
        if defaults is not None:
            args.update(defaults)
        return rule, args

    def _forget_hosts(self, trusted_hosts: t.Any) -> None:
        """Empty the binding caches: they were checked against other
        ``TRUSTED_HOSTS`` (or are full)."""
        self._bindings.clear()
        self._valid_hosts.clear()
        self._misses.clear()
        self._trusted_hosts = trusted_hosts

    def _check_trusted_hosts(self, request: t.Any, trusted_hosts: t.Any) -> None:
        # A new TRUSTED_HOSTS object invalidates every host checked so far.
        # (A list changed in place is not noticed: assign a new one.)
        if trusted_hosts is not self._trusted_hosts:
            self._forget_hosts(trusted_hosts)
        if trusted_hosts is not None:
            request.trusted_hosts = trusted_hosts

    def _map(self) -> Map:
        if self.url_map is None:
            raise RuntimeError("The router has no URL map: the app sets one up.")
        return self.url_map

    def add_rule(
        self,
        app: AppLike,
        rule: str,
        endpoint: str,
        methods: set[str],
        options: dict[str, t.Any],
    ) -> Rule:
        """Create a rule with ``app.url_rule_class`` and add it to the map."""
        rule_obj = app.url_rule_class(
            rule, endpoint=endpoint, methods=methods, **options
        )
        self._map().add(rule_obj)
        return rule_obj

    def bind(self, ctx: AppContext) -> MapAdapter | None:
        """The URL adapter for ``ctx``: bound to the request's host, script
        root and scheme, or, without a request, to ``SERVER_NAME``,
        ``APPLICATION_ROOT`` and ``PREFERRED_URL_SCHEME``.

        :raises werkzeug.exceptions.BadRequest: for a ``Host`` outside
            ``TRUSTED_HOSTS`` or one that is not a valid host name.
        """
        config = ctx.app.config
        url_map = self._map()
        if not ctx.is_request_context:
            if config["SERVER_NAME"] is None:
                return None
            return url_map.bind(
                config["SERVER_NAME"],
                script_name=config["APPLICATION_ROOT"],
                url_scheme=config["PREFERRED_URL_SCHEME"],
            )
        request_ctx = t.cast("RequestContext", ctx)
        binding, environ = self._binding(request_ctx)
        return self._adapter(url_map, binding, environ, request_ctx.request.method)

    def _binding(self, ctx: RequestContext) -> tuple[_Binding, t.Mapping[str, t.Any]]:
        """What the request's URL adapter is bound to (server name, script
        name, subdomain, scheme), found once per distinct set of host
        headers and settings; and the environ values it came from."""
        config = ctx.app.config
        url_map = self._map()
        request = ctx.request
        environ: t.Mapping[str, t.Any] | None = ctx._facts
        if environ is None:
            environ = request.environ
        trusted_hosts = config["TRUSTED_HOSTS"]
        self._check_trusted_hosts(request, trusted_hosts)
        server_name = config["SERVER_NAME"]
        subdomain: str | None = None
        if self._host_matching:
            server_name = None
        elif not self._subdomain_matching:
            subdomain = url_map.default_subdomain or ""
        key = (
            environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
            environ.get("SCRIPT_NAME"),
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_UPGRADE"),
            environ.get("HTTP_CONNECTION"),
            server_name,
            subdomain,
        )
        binding = self._bindings.get(key)
        if binding is None:
            _check_host(environ.get("HTTP_HOST"))
            if trusted_hosts is not None or (
                subdomain is None and server_name is not None
            ):
                # werkzeug's Request.host raises SecurityError (a 400) for a
                # host outside TRUSTED_HOSTS; the key holds the Host header,
                # so each is checked once. It reads SERVER_PORT as werkzeug
                # does, a Unix socket's path included.
                host = request.host
                if subdomain is None and server_name is not None:
                    subdomain = _subdomain_of(host, request.scheme, server_name)
            # bind_to_environ validates the host (BadHost, a 400) and derives
            # what is left; only what it derived is kept, never the path.
            adapter = url_map.bind_to_environ(
                request.environ, server_name=server_name, subdomain=subdomain
            )
            binding = (
                adapter.server_name,
                adapter.script_name,
                adapter.subdomain,
                adapter.url_scheme,
            )
            if len(self._bindings) >= self.binding_cache_size:
                self._forget_hosts(trusted_hosts)
            self._bindings[key] = binding
            self._valid_hosts.add(environ.get("HTTP_HOST"))
        return binding, environ

    @staticmethod
    def _adapter(
        url_map: Map,
        binding: _Binding,
        environ: t.Mapping[str, t.Any],
        method: str,
    ) -> MapAdapter:
        return MapAdapter(
            url_map,
            binding[0],
            binding[1],
            binding[2],
            binding[3],
            wsgi_to_str(environ.get("PATH_INFO") or ""),
            method,
            wsgi_to_str(environ.get("QUERY_STRING", "")),
        )

    def match(self, ctx: RequestContext) -> tuple[Rule, dict[str, t.Any]]:
        """Match the request: from the static table when the path is a
        static rule's, else with werkzeug's matcher."""
        request = ctx.request
        # PERF: hello; a slot of the context is read faster than an
        # attribute of the request.
        environ = ctx._facts
        if environ is None:
            environ = request.environ
        static = self._static
        # PERF: plain-text/JSON benchmarks; a static path skips werkzeug's
        # state machine. Websocket upgrades (matched only to websocket rules)
        # take the general path.
        if static is not None and "HTTP_UPGRADE" not in environ:
            # PERF: hello; _check_trusted_hosts inline.
            trusted_hosts = ctx.app.config["TRUSTED_HOSTS"]
            if trusted_hosts is not self._trusted_hosts:
                self._forget_hosts(trusted_hosts)
            if trusted_hosts is not None:
                request.trusted_hosts = trusted_hosts
            entries = static.get(request.path)
            if entries is not None and (
                request.path != "/" or environ.get("PATH_INFO")
            ):
                method = request.method
                for rule, defaults in entries:
                    if method in rule.methods:  # type: ignore[operator]
                        if environ.get("HTTP_HOST") not in self._valid_hosts:
                            # Binding validates the Host header (BadHost,
                            # and TRUSTED_HOSTS when set).
                            ctx.url_adapter  # noqa: B018
                        return rule, ({} if defaults is None else defaults.copy())
            elif self._dynamic:
                path = request.path
                end = path.find("/", 1)
                entry = self._dynamic.get(path[1:end] if end > 0 else path[1:])
                matched = (
                    None
                    if entry is None
                    else self._match_dynamic(entry, path, request.method)
                )
                if matched is not None:
                    if environ.get("HTTP_HOST") not in self._valid_hosts:
                        ctx.url_adapter  # noqa: B018 (validates the host)
                    return matched
        misses = self._misses
        if getattr(ctx.app.pipeline.bind, "__self__", None) is self:
            # PERF: 404 benchmark; the default binding: a remembered miss
            # is found before the adapter is made.
            binding, environ = self._binding(ctx)
            miss: tuple[t.Any, ...] = (
                binding,
                environ.get("PATH_INFO") or "",
                request.method,
            )
            if miss in misses:
                raise NotFound()
            adapter = self._adapter(self._map(), binding, environ, request.method)
            ctx.url_adapter = adapter  # what ctx.url_adapter would make
        else:
            found = ctx.url_adapter
            if found is None:  # pragma: no cover - a request always binds
                raise BadRequest("The request could not be bound to the URL map.")
            adapter = found
            # A miss depends on the host part, the script root, the scheme
            # (websockets), the path and the method; the query string only
            # shapes redirects, which are not misses.
            miss = (
                adapter.map,
                adapter.server_name,
                adapter.subdomain,
                adapter.script_name,
                adapter.url_scheme,
                adapter.path_info,
                adapter.default_method,
            )
            if miss in misses:
                raise NotFound()
        try:
            rule, args = adapter.match(return_rule=True)
        except NotFound as e:
            if type(e) is NotFound:
                if len(misses) >= self.binding_cache_size:
                    misses.clear()
                misses.add(miss)
            raise
        return rule, args

    def allowed_methods(self, ctx: RequestContext) -> list[str]:
        """The methods the request's URL accepts, for ``Allow`` headers."""
        adapter = ctx.url_adapter
        if adapter is None:  # pragma: no cover - a request always binds
            return []
        return list(adapter.allowed_methods())

    def _url_defaults_for(
        self, blueprint: str | None
    ) -> tuple[URLDefaultCallable, ...]:
        spec = self._url_defaults_spec
        return tuple(
            f for name in scopes_outer_first(blueprint) for f in spec.get(name, ())
        )

    def inject_url_defaults(
        self, ctx: AppContext | None, endpoint: str, values: dict[str, t.Any]
    ) -> None:
        """Let the ``url_defaults`` callbacks of the app and of the
        endpoint's blueprints fill in ``values``."""
        blueprint = endpoint.rpartition(".")[0] if "." in endpoint else None
        funcs = self._url_defaults.get(blueprint)
        if funcs is None:
            # Not a registered blueprint: endpoints may come from clients
            # (url_for(request.args[...])), so the chain is not cached.
            funcs = self._url_defaults_for(blueprint)
        for func in funcs:
            func(endpoint, values)

    def build(
        self,
        ctx: AppContext,
        endpoint: str,
        values: dict[str, t.Any],
        *,
        method: str | None = None,
        anchor: str | None = None,
        scheme: str | None = None,
        external: bool | None = None,
    ) -> str:
        """Build the URL for ``endpoint``; raise ``BuildError`` when no rule
        fits, ``RuntimeError`` when there is nothing to build against.

        In a request whose ``Host`` was refused (``TRUSTED_HOSTS``, or not a
        host name), URLs are built against ``SERVER_NAME``, or without it
        against the server's own address (the environ's ``SERVER_NAME`` and
        ``SERVER_PORT``), never against the refused host: so an error
        handler for the 400 can still call ``url_for``."""
        try:
            adapter = ctx.url_adapter
        except HTTPException:
            adapter = self._refused_host_adapter(t.cast("RequestContext", ctx))
        if adapter is None:
            raise RuntimeError(
                "Can't build a URL outside a request without SERVER_NAME: set"
                " the SERVER_NAME config key (and APPLICATION_ROOT and"
                " PREFERRED_URL_SCHEME as needed), or build inside a request."
            )
        if external is None:
            external = scheme is not None or not ctx.is_request_context
        if scheme is not None and not external:
            raise ValueError("url_for(_scheme=...) needs _external=True.")
        ctx.app.pipeline.inject_url_defaults(ctx, endpoint, values)
        rv = adapter.build(
            endpoint,
            values,
            method=method,
            url_scheme=scheme,
            force_external=external,
        )
        if anchor is not None:
            rv = f"{rv}#{_url_quote(anchor, safe=_ANCHOR_SAFE)}"
        return rv

    def _refused_host_adapter(self, ctx: RequestContext) -> MapAdapter:
        """An adapter for building URLs in a request whose Host binding
        refused (see :meth:`build`); it is never used to match."""
        request = ctx.request
        environ = request.environ
        scheme = request.scheme
        server_name = ctx.app.config["SERVER_NAME"]
        if not server_name:
            # The server's own address, set by the server, not the client;
            # get_host() leaves a default port out and brackets IPv6. A Unix
            # socket has no port, so its server name stands alone.
            server = request.server or ("localhost", None)
            server_name = get_host(scheme, None, server) or server[0] or "localhost"
        return self._map().bind(
            server_name,
            script_name=wsgi_to_str(environ.get("SCRIPT_NAME") or "") or "/",
            url_scheme=scheme,
        )
