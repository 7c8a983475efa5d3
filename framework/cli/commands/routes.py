"""``framework routes``: the app's URL rules as a table.

Layer 4.
"""

from __future__ import annotations

import typing as t

import click

from ...globals import current_app
from ..groups import with_appcontext

__all__ = ["routes_command"]


@click.command("routes", short_help="Show the routes of the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    help="The column to sort by; 'match' keeps the order rules match in.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every route: endpoint, methods, (host or subdomain,) rule."""
    url_map = current_app.url_map
    rules = list(url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    by_host = url_map.host_matching

    def domain(rule: t.Any) -> str:
        return (rule.host if by_host else rule.subdomain) or ""

    show_domain = any(domain(rule) for rule in rules)
    columns: list[tuple[str, str, t.Callable[[t.Any], str]]] = [
        ("endpoint", "Endpoint", lambda r: str(r.endpoint)),
        (
            "methods",
            "Methods",
            # A WebSocket route is not reached by an HTTP method.
            lambda r: (
                "WEBSOCKET"
                if r.websocket
                else ", ".join(sorted(set(r.methods or ()) - hidden))
            ),
        ),
    ]
    if show_domain:
        columns.append(("domain", "Host" if by_host else "Subdomain", domain))
    columns.append(("rule", "Rule", lambda r: str(r.rule)))
    rows = [[get(rule) for _, _, get in columns] for rule in rules]
    keys = [key for key, _, _ in columns]
    if sort in keys:
        index = keys.index(sort)
        rows.sort(key=lambda row: row[index])
    headers = [title for _, title, _ in columns]
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *rows]:
        click.echo(
            "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        )
