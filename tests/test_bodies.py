"""framework.bodies: reading urlencoded fields as werkzeug does, and the
WSGI body read within its declared length."""

from __future__ import annotations

import io
import typing as t
from urllib.parse import parse_qsl

import pytest
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

import framework.wrappers  # noqa: F401  (registers werkzeug's codec error handler)
from framework.bodies import (
    BodyReadError,
    empty_multidict,
    fields_multidict,
    input_stream,
    query_fields,
)

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


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("cls", [MultiDict, ImmutableMultiDict])
def test_fields_multidict_holds_what_the_constructor_would(
    query: str, cls: type[MultiDict[str, str]]
) -> None:
    made = fields_multidict(query, cls)
    expected = cls(query_fields(query))
    assert type(made) is cls
    assert list(made.items(multi=True)) == list(expected.items(multi=True))
    assert made == expected


def test_fields_multidict_builds_other_classes_with_their_constructor() -> None:
    class Ordered(MultiDict[str, str]):
        made_with: list[tuple[str, str]] | None = None

        def __init__(self, mapping: t.Any = None) -> None:
            self.made_with = list(mapping or ())
            super().__init__(mapping)

    made = fields_multidict("a=1&b=2&a=3", Ordered)
    assert isinstance(made, Ordered)
    assert made.made_with == [("a", "1"), ("b", "2"), ("a", "3")]
    assert made.getlist("a") == ["1", "3"]


def test_an_immutable_multidict_made_quickly_stays_immutable() -> None:
    form = fields_multidict("a=1", ImmutableMultiDict)
    with pytest.raises(TypeError):
        form["b"] = "2"  # type: ignore[index]
    assert hash(form) == hash(ImmutableMultiDict([("a", "1")]))
    empty = empty_multidict(ImmutableMultiDict)
    assert type(empty) is ImmutableMultiDict
    assert not empty
    with pytest.raises(TypeError):
        empty["b"] = "2"  # type: ignore[index]


class _Trickle(io.BytesIO):
    """A server input that hands out at most ``step`` bytes a read."""

    def __init__(self, data: bytes, step: int) -> None:
        super().__init__(data)
        self.step = step

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.step:
            size = self.step
        return super().read(size)


def test_a_body_handed_out_in_pieces_is_read_whole() -> None:
    body = b"item=tea&count=3"
    environ = {"CONTENT_LENGTH": str(len(body)), "wsgi.input": _Trickle(body, 5)}
    assert input_stream(environ, None).read() == body


def test_a_body_cut_short_after_a_first_piece_is_a_400() -> None:
    environ = {"CONTENT_LENGTH": "20", "wsgi.input": _Trickle(b"item=tea", 5)}
    with pytest.raises(BodyReadError):
        input_stream(environ, None).read()


def test_a_declared_length_with_blanks_bounds_the_read() -> None:
    environ = {"CONTENT_LENGTH": " 3\t", "wsgi.input": io.BytesIO(b"abcdef")}
    assert input_stream(environ, None).read() == b"abc"
    environ = {"CONTENT_LENGTH": " 9 ", "wsgi.input": io.BytesIO(b"abc")}
    with pytest.raises(RequestEntityTooLarge):
        input_stream(environ, 5)


def test_a_chunked_body_ignores_its_declared_length() -> None:
    environ = {
        "CONTENT_LENGTH": "2",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input_terminated": True,
        "wsgi.input": io.BytesIO(b"abcdef"),
    }
    assert input_stream(environ, None).read() == b"abcdef"
