"""Reading a request body from an ASGI server before dispatch:
:func:`framework.bodies.read_body` and :class:`framework.bodies.ReadBody`.

Each test feeds ``read_body`` the ASGI messages a server sends (hand-written
``receive`` coroutines: the protocol surface itself), and checks what was
read and what reading the result raises. The parity tests read the same
body through :func:`framework.bodies.input_stream` under an equivalent WSGI
environ and compare bytes, errors and report lines read for read.
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import time
import typing as t

import pytest
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    RequestEntityTooLarge,
    RequestTimeout,
)
from werkzeug.test import EnvironBuilder

from framework import Request
from framework.bodies import (
    BodyReadError,
    ClientGone,
    ReadBody,
    input_stream,
    read_body,
)

Message = dict[str, t.Any]


class Feed:
    """An ASGI ``receive``: hands out ``body`` in ``http.request`` messages
    of ``piece`` bytes, the last with ``more_body`` false, then ``tail``
    (``None``: nothing more is expected, and another call fails the test).

    ``endless`` sends ``b"x" * piece`` with ``more_body`` true forever;
    ``delay`` sleeps before each message; ``cut`` ends the body (more_body
    false) after that many bytes, or sends ``http.disconnect`` there when
    ``disconnect`` is set.
    """

    def __init__(
        self,
        body: bytes = b"",
        piece: int = 4,
        *,
        endless: bool = False,
        delay: float = 0.0,
        cut: int | None = None,
        disconnect: bool = False,
    ) -> None:
        self.body = body
        self.piece = piece
        self.endless = endless
        self.delay = delay
        self.cut = len(body) if cut is None else cut
        self.disconnect = disconnect
        self.sent = 0
        self.calls = 0
        self.done = False

    async def __call__(self) -> Message:
        self.calls += 1
        assert not self.done, "receive() was called after the end of the body"
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.endless:
            self.sent += self.piece
            return {
                "type": "http.request",
                "body": b"x" * self.piece,
                "more_body": True,
            }
        if self.disconnect and self.sent >= self.cut:
            self.done = True
            return {"type": "http.disconnect"}
        end = min(self.sent + self.piece, self.cut)
        chunk = self.body[self.sent : end]
        self.sent = end
        more = end < self.cut or (self.disconnect and end == self.cut)
        self.done = not more
        return {"type": "http.request", "body": chunk, "more_body": more}


async def never_called() -> Message:
    raise AssertionError("receive() must not be called for this request")


def read(
    receive: t.Callable[[], t.Awaitable[Message]],
    *,
    content_length: str | None = None,
    chunked: bool = False,
    max_length: int | None = None,
    spool_size: int = 1024,
    timeout: float | None = None,
) -> ReadBody:
    return asyncio.run(
        read_body(
            receive,
            content_length=content_length,
            chunked=chunked,
            max_length=max_length,
            spool_size=spool_size,
            timeout=timeout,
        )
    )


def open_fds() -> int:
    """How many file descriptors this process has open: a temporary file
    left open shows here."""
    return len(os.listdir("/proc/self/fd"))


def body_of(size: int) -> bytes:
    """``size`` bytes that differ from one position to the next, so a
    dropped or repeated piece shows."""
    return bytes(i * 7 % 251 for i in range(size))


# -- no body --------------------------------------------------------------


def test_no_length_and_no_transfer_encoding_is_empty_without_receiving() -> None:
    body = read(never_called, max_length=10)
    assert body.size == 0
    assert body.stream(10).read() == b""
    assert body.stream(None).read() == b""


def test_a_declared_length_of_zero_is_empty_without_receiving() -> None:
    body = read(never_called, content_length="0", max_length=10)
    assert body.length == 0
    assert body.stream(10).read() == b""


def test_an_empty_content_length_is_no_content_length() -> None:
    """As under WSGI, where servers pass ``CONTENT_LENGTH=""``."""
    assert read(never_called, content_length="").stream(None).read() == b""


def test_an_empty_chunked_body_is_empty() -> None:
    feed = Feed(b"")
    body = read(feed, chunked=True, max_length=10)
    assert feed.calls == 1
    assert body.stream(10).read() == b""


# -- declared lengths -----------------------------------------------------


@pytest.mark.parametrize("piece", [1, 3, 100])
def test_a_declared_body_is_read_whole(piece: int) -> None:
    data = body_of(100)
    body = read(Feed(data, piece), content_length="100", max_length=100)
    assert body.size == 100
    assert body.content == data
    assert body.stream(100).read() == data


def test_a_body_in_one_message_is_kept_as_received() -> None:
    data = body_of(50)
    body = read(Feed(data, 50), content_length="50")
    assert body.content is data


def test_a_declared_length_over_the_limit_reads_nothing_and_is_413_at_once() -> None:
    body = read(never_called, content_length="11", max_length=10)
    assert body.over_limit
    with pytest.raises(RequestEntityTooLarge):
        body.stream(10)
    # Nothing was read: a limit raised since can't make the body appear.
    with pytest.raises(RequestEntityTooLarge):
        body.stream(None)


def test_a_declared_length_at_exactly_the_limit_is_read() -> None:
    data = body_of(10)
    body = read(Feed(data), content_length="10", max_length=10)
    assert not body.over_limit
    assert body.stream(10).read() == data


def test_a_limit_lowered_after_reading_refuses_a_declared_body() -> None:
    """A view may lower ``request.max_content_length`` before reading."""
    body = read(Feed(body_of(20)), content_length="20", max_length=100)
    with pytest.raises(RequestEntityTooLarge):
        body.stream(19)
    assert body.stream(20).read() == body_of(20)


@pytest.mark.parametrize("declared", ["ten", "1e3", "-5", "0x10", "1 0", "٣"])
def test_a_malformed_content_length_reads_nothing_and_is_400(declared: str) -> None:
    body = read(never_called, content_length=declared, max_length=100)
    with pytest.raises(BadRequest) as asgi:
        body.stream(100)
    environ = {"CONTENT_LENGTH": declared, "wsgi.input": io.BytesIO(b"")}
    with pytest.raises(BadRequest) as wsgi:
        input_stream(environ, 100)
    assert type(asgi.value) is type(wsgi.value)
    assert asgi.value.description == wsgi.value.description


def test_a_content_length_with_blanks_is_a_length() -> None:
    data = body_of(5)
    assert read(Feed(data), content_length=" 5\t").stream(None).read() == data


def test_a_declared_body_ended_early_is_a_400_when_read() -> None:
    """The server says the body is over (``more_body`` false) short of the
    declared length: as under WSGI, the read that reaches the end raises."""
    lines: list[str] = []
    body = read(Feed(b"abcd", 2), content_length="10", max_length=100)
    assert body.size == 4
    stream = body.stream(100, lines.append)
    assert stream.read(4) == b"abcd"
    with pytest.raises(BodyReadError) as info:
        stream.read(1)
    assert info.value.code == 400
    assert lines == [
        "The request body ended after 4 of its 10 declared bytes, answering 400"
    ]


def test_more_than_the_declared_length_is_not_kept() -> None:
    body = read(Feed(b"abcdefgh", 8), content_length="5")
    assert body.stream(None).read() == b"abcde"


# -- bodies without a length ----------------------------------------------


def test_a_chunked_body_at_exactly_the_limit_is_read() -> None:
    data = body_of(10)
    body = read(Feed(data, 3), chunked=True, max_length=10)
    assert not body.over_limit
    assert body.stream(10).read() == data


def test_a_chunked_body_one_byte_over_the_limit_is_413_when_read() -> None:
    data = body_of(11)
    body = read(Feed(data, 3), chunked=True, max_length=10)
    assert body.over_limit
    assert body.size == 11
    stream = body.stream(10)
    assert stream.read(10) == data[:10]
    with pytest.raises(RequestEntityTooLarge):
        stream.read(1)


def test_an_endless_chunked_body_stops_at_the_limit_plus_one_byte() -> None:
    feed = Feed(piece=4, endless=True)
    body = read(feed, chunked=True, max_length=10)
    # Three messages bring 12 bytes: the third gets past the limit.
    assert feed.calls == 3
    assert body.size == 11
    assert body.over_limit
    with pytest.raises(RequestEntityTooLarge):
        body.stream(10).read()


def test_a_limit_raised_after_reading_still_refuses_an_over_long_body() -> None:
    """Only limit + 1 bytes were kept: serving them would truncate the body
    silently, so any read of the byte past the old limit is a 413."""
    body = read(Feed(piece=4, endless=True), chunked=True, max_length=10)
    stream = body.stream(None)
    assert stream.read(10) == b"x" * 10
    with pytest.raises(RequestEntityTooLarge):
        stream.read()


def test_without_a_limit_a_chunked_body_is_read_whole() -> None:
    data = body_of(5000)
    body = read(Feed(data, 333), chunked=True, spool_size=10_000)
    assert body.stream(None).read() == data


def test_a_limit_lowered_after_reading_refuses_a_chunked_body_at_its_read() -> None:
    body = read(Feed(body_of(20)), chunked=True, max_length=100)
    stream = body.stream(15)
    assert stream.read(15) == body_of(15)
    with pytest.raises(RequestEntityTooLarge):
        stream.read(1)


# -- memory or disk -------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_of_exactly_the_spool_size_stays_in_memory(chunked: bool) -> None:
    data = body_of(64)
    body = read(
        Feed(data, 10),
        content_length=None if chunked else "64",
        chunked=chunked,
        spool_size=64,
    )
    assert isinstance(body.content, bytes)
    assert body.stream(None).read() == data


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_past_the_spool_size_goes_to_a_file_on_disk(chunked: bool) -> None:
    data = body_of(200_000)
    body = read(
        Feed(data, 65536),
        content_length=None if chunked else "200000",
        chunked=chunked,
        max_length=1_000_000,
        spool_size=1000,
    )
    try:
        assert isinstance(body.content, tempfile.SpooledTemporaryFile)
        assert body.content._rolled  # type: ignore[attr-defined]  # on disk
        assert body.size == 200_000
        assert body.stream(1_000_000).read() == data
    finally:
        body.close()
    assert body.content.closed


def test_a_spooled_body_over_the_limit_is_413_at_the_same_read() -> None:
    data = body_of(3000)
    body = read(Feed(data, 700), chunked=True, max_length=2000, spool_size=100)
    try:
        assert isinstance(body.content, tempfile.SpooledTemporaryFile)
        assert body.size == 2001
        stream = body.stream(2000)
        assert stream.read(2000) == data[:2000]
        with pytest.raises(RequestEntityTooLarge):
            stream.read(1)
    finally:
        body.close()


def test_a_spooled_body_parses_as_a_multipart_form() -> None:
    """The sync accessors read the spooled file as they read ``wsgi.input``:
    form fields and files come out the same."""
    upload = body_of(50_000)
    builder = EnvironBuilder(
        method="POST",
        data={"name": "value", "file": (io.BytesIO(upload), "up.bin")},
    )
    environ = builder.get_environ()
    builder.close()
    raw = environ["wsgi.input"].read()
    environ["wsgi.input"] = io.BytesIO(raw)
    body = read(
        Feed(raw, 4096),
        content_length=environ["CONTENT_LENGTH"],
        max_length=1_000_000,
        spool_size=1024,
    )
    from_scope = Request(dict(environ, **{"wsgi.input": io.BytesIO()}))
    from_scope.stream = body.stream(1_000_000)
    from_wsgi = Request(environ)
    try:
        assert isinstance(body.content, tempfile.SpooledTemporaryFile)
        assert (
            from_scope.form.to_dict() == from_wsgi.form.to_dict() == {"name": "value"}
        )
        assert from_scope.files["file"].read() == upload
        assert from_wsgi.files["file"].read() == upload
    finally:
        from_scope.close()
        from_wsgi.close()
        body.close()


# -- the client goes away, or is too slow --------------------------------


def test_a_disconnect_mid_body_is_client_gone() -> None:
    feed = Feed(body_of(10), 3, cut=6, disconnect=True)
    with pytest.raises(ClientGone) as info:
        read(feed, content_length="10")
    assert not isinstance(info.value, HTTPException)


def test_a_disconnect_after_spooling_closes_the_file() -> None:
    before = open_fds()
    feed = Feed(body_of(5000), 1000, cut=3000, disconnect=True)
    # pytest.raises keeps the traceback, and with it the reading frame: a
    # file left open would still be open below.
    with pytest.raises(ClientGone) as info:
        read(feed, chunked=True, spool_size=100)
    assert open_fds() == before
    assert info.tb is not None


def test_an_unexpected_message_is_an_error_naming_it() -> None:
    async def receive() -> Message:
        return {"type": "websocket.receive"}

    with pytest.raises(RuntimeError, match=r"'websocket\.receive'"):
        read(receive, content_length="5")


def test_a_body_slower_than_the_timeout_is_408_and_closes_the_file() -> None:
    before = open_fds()
    sent: list[int] = []

    async def receive() -> Message:
        if not sent:
            sent.append(1)
            return {"type": "http.request", "body": body_of(500), "more_body": True}
        await asyncio.sleep(30)
        raise AssertionError("the timeout did not stop the read")

    started = time.monotonic()
    with pytest.raises(RequestTimeout) as info:
        read(receive, content_length="1000", spool_size=100, timeout=0.1)
    assert time.monotonic() - started < 5
    assert info.value.code == 408
    assert open_fds() == before


def test_a_first_message_that_never_comes_is_408_and_the_wait_cancelled() -> None:
    """The first receive() is begun by hand (a message at hand needs no
    deadline); one that waits is still bounded by the timeout, and its wait
    is cancelled as an await's would be."""
    cancelled: list[bool] = []

    async def receive() -> Message:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        raise AssertionError("the timeout did not stop the read")

    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        read(receive, content_length="10", timeout=0.1)
    assert time.monotonic() - started < 5
    assert cancelled == [True]


@pytest.mark.parametrize("timeout", [None, 10.0])
def test_a_receive_returning_a_future_is_awaited(timeout: float | None) -> None:
    """receive() may return any awaitable, here a future set later."""

    def receive() -> asyncio.Future[Message]:
        future = asyncio.get_running_loop().create_future()
        message = {"type": "http.request", "body": b"hello", "more_body": False}
        asyncio.get_running_loop().call_later(0.01, future.set_result, message)
        return future

    body = read(receive, content_length="5", timeout=timeout)
    assert body.stream(None).read() == b"hello"


def test_the_timeout_bounds_the_whole_body_not_each_message() -> None:
    """A drip feed, each message well within the timeout, still times out:
    the timeout is for the whole body."""
    feed = Feed(body_of(1000), 1, delay=0.01)
    with pytest.raises(RequestTimeout):
        read(feed, content_length="1000", timeout=0.2)
    assert 2 < feed.calls < 1000


def test_a_body_within_the_timeout_is_read() -> None:
    data = body_of(100)
    body = read(Feed(data, 10, delay=0.001), content_length="100", timeout=10)
    assert body.stream(None).read() == data


class Stalled:
    """An ASGI ``receive`` that sends one piece of the body, then nothing."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> Message:
        self.calls += 1
        if self.calls == 1:
            return {"type": "http.request", "body": b"abc", "more_body": True}
        await asyncio.sleep(30)
        raise AssertionError("the timeout did not stop the read")


async def timed_read(
    receive: t.Callable[[], t.Awaitable[Message]], timeout: float
) -> tuple[str, float]:
    """Read a 10-byte body; what came of it and how long it took."""
    started = time.monotonic()
    try:
        await read_body(
            receive,
            content_length="10",
            chunked=False,
            max_length=None,
            spool_size=1024,
            timeout=timeout,
        )
    except RequestTimeout:
        return "408", time.monotonic() - started
    return "read", time.monotonic() - started


def test_reads_on_one_loop_each_keep_their_own_timeout() -> None:
    """A short timeout started after a long one still fires on time, the
    long one does not fire early, and a read that completes is not
    refused."""

    async def main() -> tuple[tuple[str, float], ...]:
        return await asyncio.gather(
            timed_read(Stalled(), 1.5),
            timed_read(Stalled(), 0.2),
            timed_read(Feed(body_of(10), 1, delay=0.01), 1.0),
            timed_read(Stalled(), 0.4),
        )

    (slow, slow_at), (short, short_at), (fine, _), (middle, middle_at) = asyncio.run(
        main()
    )
    assert (slow, short, fine, middle) == ("408", "408", "read", "408")
    assert 0.15 < short_at < 1.0
    assert short_at < middle_at < slow_at
    assert 1.4 < slow_at < 5


def test_a_timeout_after_a_read_that_completed_fires_on_time() -> None:
    """A read that finished early leaves its timer set: the next read, with
    a deadline past that timer's, must still be cancelled at its own."""

    async def main() -> tuple[str, float]:
        first, took = await timed_read(Feed(body_of(10)), 0.2)
        assert first == "read"
        assert took < 0.1
        await asyncio.sleep(0.1)
        return await timed_read(Stalled(), 0.2)

    outcome, took = asyncio.run(main())
    assert outcome == "408"
    assert 0.15 < took < 1.5


def test_timeouts_work_on_each_new_loop() -> None:
    for _ in range(3):
        outcome, took = asyncio.run(timed_read(Stalled(), 0.05))
        assert outcome == "408"
        assert took < 1.5


def test_a_cancel_from_elsewhere_is_not_a_timeout() -> None:
    async def main() -> None:
        task = asyncio.create_task(timed_read(Stalled(), 0.1))
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The deadline passes with the task gone: nothing to cancel, and a
        # new read still times out.
        await asyncio.sleep(0.15)
        assert (await timed_read(Stalled(), 0.05))[0] == "408"

    asyncio.run(main())


def test_cancelling_the_read_closes_the_file_and_propagates() -> None:
    async def main() -> None:
        before = open_fds()  # the loop's own descriptors are open by now
        waiting = asyncio.Event()

        async def receive() -> Message:
            if waiting.is_set():
                await asyncio.sleep(30)
            waiting.set()
            return {"type": "http.request", "body": body_of(5000), "more_body": True}

        task = asyncio.create_task(
            read_body(
                receive,
                content_length=None,
                chunked=True,
                max_length=None,
                spool_size=100,
                timeout=10,
            )
        )
        await waiting.wait()
        await asyncio.sleep(0.01)
        assert open_fds() > before  # the spooled file is open while waiting
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert open_fds() == before

    asyncio.run(main())


# -- the same errors as a WSGI stream, read for read ----------------------


def wsgi_stream(
    data: bytes,
    declared: int | None,
    max_length: int | None,
    report: t.Callable[[str], None],
) -> t.IO[bytes]:
    """:func:`input_stream` over an environ as a WSGI server that marks the
    end of the body (gunicorn, waitress) makes it."""
    environ: dict[str, t.Any] = {
        "wsgi.input": io.BytesIO(data),
        "wsgi.input_terminated": True,
    }
    if declared is None:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        environ["CONTENT_LENGTH"] = str(declared)
    return input_stream(environ, max_length, report)


def asgi_stream(
    data: bytes,
    declared: int | None,
    max_length: int | None,
    report: t.Callable[[str], None],
    spool_size: int,
) -> tuple[ReadBody, t.IO[bytes]]:
    body = read(
        Feed(data, 7),
        content_length=None if declared is None else str(declared),
        chunked=declared is None,
        max_length=max_length,
        spool_size=spool_size,
    )
    return body, body.stream(max_length, report)


Reader = t.Callable[[t.IO[bytes]], list[bytes]]


def read_all(stream: t.IO[bytes]) -> list[bytes]:
    return [stream.read()]


def read_pieces(stream: t.IO[bytes]) -> list[bytes]:
    pieces = []
    while piece := stream.read(6):
        pieces.append(piece)
    return pieces


def read_lines(stream: t.IO[bytes]) -> list[bytes]:
    return list(iter(stream.readline, b""))


def outcome(
    reader: Reader, make: t.Callable[[], t.IO[bytes]]
) -> tuple[list[bytes], type[BaseException] | None]:
    """What a reader gets: the pieces read before any error, and the error's
    class."""
    got: list[bytes] = []

    def recording(stream: t.IO[bytes]) -> list[bytes]:
        # Keep what came before an error: wrap the read methods.
        class Recorder:
            def read(self, size: int = -1) -> bytes:
                data = stream.read(size)
                got.append(data)
                return data

            def readline(self, size: int = -1) -> bytes:
                data = stream.readline(size)
                got.append(data)
                return data

        return reader(t.cast("t.IO[bytes]", Recorder()))

    try:
        recording(make())
    except HTTPException as e:
        return got, type(e)
    return got, None


LINES = b"first line\nsecond\n\nlast, without a newline"

CASES = {
    # name: (body sent, declared length or None for chunked, max_length)
    "declared, no limit": (LINES, len(LINES), None),
    "declared, within the limit": (LINES, len(LINES), len(LINES)),
    "declared, over the limit": (LINES, len(LINES), len(LINES) - 1),
    "declared, cut short": (LINES[:20], len(LINES), None),
    "declared, cut short, limited": (LINES[:20], len(LINES), 100),
    "chunked, no limit": (LINES, None, None),
    "chunked, at the limit": (LINES, None, len(LINES)),
    "chunked, one byte over": (LINES, None, len(LINES) - 1),
    "chunked, far over": (LINES * 10, None, 15),
    "chunked, limit zero": (LINES, None, 0),
    "empty, chunked": (b"", None, 5),
    "empty, declared": (b"", 0, 5),
}


@pytest.mark.parametrize("spool_size", [1 << 20, 8], ids=["memory", "spooled"])
@pytest.mark.parametrize("reader", [read_all, read_pieces, read_lines])
@pytest.mark.parametrize("case", CASES)
def test_the_stream_reads_like_the_wsgi_stream(
    case: str, reader: Reader, spool_size: int
) -> None:
    data, declared, max_length = CASES[case]
    wsgi_lines: list[str] = []
    asgi_lines: list[str] = []
    bodies: list[ReadBody] = []

    def make_asgi() -> t.IO[bytes]:
        body, stream = asgi_stream(
            data, declared, max_length, asgi_lines.append, spool_size
        )
        bodies.append(body)
        return stream

    try:
        wsgi = outcome(
            reader, lambda: wsgi_stream(data, declared, max_length, wsgi_lines.append)
        )
        asgi = outcome(reader, make_asgi)
    finally:
        for body in bodies:
            body.close()
    assert asgi == wsgi
    assert asgi_lines == wsgi_lines
    # The cases cover refusals and cut-short bodies, not only success.
    if "over" in case or "zero" in case:
        assert wsgi[1] is RequestEntityTooLarge
    if "cut short" in case:
        assert wsgi[1] is BodyReadError
