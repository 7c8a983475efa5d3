"""framework.bodies: reading urlencoded fields as werkzeug does."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

import framework.wrappers  # noqa: F401  (registers werkzeug's codec error handler)
from framework.bodies import query_fields

QUERIES = [
    "",
    "a=1",
    "a=1&b=2&a=3",
    "a",
    "a=",
    "=b",
    "=",
    "&&a=1&&",
    "a=1=2",
    "a+b=c+d",
    "a%20b=%41%42",
    "bad=%FF&half=%E2%82",
    "pct=%&pct2=%zz&pct3=%4",
    "plus%2B=%2B+",
    "caf\u00e9=\u00e9",
    "x=\ufffd",
    "semi=a;b",
    "many=" + "&".join(str(i) for i in range(20)),
]


@pytest.mark.parametrize("query", QUERIES)
def test_query_fields_read_as_parse_qsl_does(query: str) -> None:
    expected = parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote")
    assert query_fields(query) == expected
