"""Attackers the server tests run in a process of their own, so that their
work does not slow the test's own clients: ``python tests/attackers.py
slowloris PORT ...``.

- ``slowloris``: opens many connections and sends each request's headers
  a byte at a time, seconds apart, never finishing them; a connection the
  server closes is opened again. Prints ``ready`` once every connection is
  open, and on SIGTERM prints how many connections it opened in all.
- ``silent``: opens connections at a steady rate and sends nothing on
  them, holding them open, until SIGTERM; prints ``ready`` once it starts.
- ``malformed``: sends thousands of malformed, truncated and hostile
  requests (made from a seed, so a run can be repeated), each on a
  connection of its own, and prints a JSON report: statuses, hangs, and
  every answer that holds a forbidden string or an injected header.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import errno
import json
import random
import selectors
import signal
import socket
import sys
import time

#: What the slow client starts sending; it never gets to the blank line.
SLOW_REQUEST = b"GET / HTTP/1.1\r\nHost: slow\r\nX-a: " + b"b" * 100_000


def slowloris(port: int, connections: int, interval: float) -> None:
    """Hold ``connections`` connections to ``127.0.0.1:port``, each sending
    the next byte of :data:`SLOW_REQUEST` every ``interval`` seconds, until
    SIGTERM."""
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    opened = 0
    # Each connection: how many bytes of SLOW_REQUEST it has sent.
    sent: dict[socket.socket, int] = {}
    selector = selectors.DefaultSelector()

    def open_one() -> None:
        nonlocal opened
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.setblocking(False)
        sent[sock] = 0
        # Readable means the server answered or closed: either way it let go.
        selector.register(sock, selectors.EVENT_READ)
        opened += 1

    def drop(sock: socket.socket) -> None:
        selector.unregister(sock)
        sock.close()
        del sent[sock]

    for _ in range(connections):
        open_one()
    print("ready", flush=True)
    next_send = time.monotonic()
    while not stopping:
        for key, _ in selector.select(timeout=max(0.0, next_send - time.monotonic())):
            drop(t_sock(key.fileobj))
        if time.monotonic() >= next_send:
            for sock, count in list(sent.items()):
                try:
                    sock.send(SLOW_REQUEST[count : count + 1])
                    sent[sock] = count + 1
                except OSError:
                    drop(sock)
            next_send = time.monotonic() + interval
        while len(sent) < connections and not stopping:
            try:
                open_one()
            except OSError:
                break
    print(f"opened {opened}", flush=True)


#: Well-formed requests the malformed ones are made from.
BASE_REQUESTS = [
    b"GET /health HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /static/hello.txt HTTP/1.1\r\nHost: a\r\n\r\n",
    b"GET /go?next=/there HTTP/1.1\r\nHost: a\r\n\r\n",
    b"POST /json HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
    b'Content-Length: 9\r\n\r\n{"a": 1}',
    b"POST /form HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-"
    b"urlencoded\r\nContent-Length: 7\r\n\r\na=1&b=2",
    b"POST /files HTTP/1.1\r\nHost: a\r\nContent-Type: multipart/form-data;"
    b" boundary=b\r\nContent-Length: 68\r\n\r\n--b\r\nContent-Disposition:"
    b' form-data; name="f"; filename="x"\r\n\r\nabc\r\n--b--\r\n',
]

#: Paths that try to leave the static folder or the app's routes.
ESCAPING_PATHS = [
    "/static/../outside.txt",
    "/static/..%2foutside.txt",
    "/static/%2e%2e/outside.txt",
    "/static/%2e%2e%2foutside.txt",
    "/static/....//outside.txt",
    "/static/..\\outside.txt",
    "/static/..%5coutside.txt",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/hello.txt/../../outside.txt",
    "/static/%252e%252e/outside.txt",
    "/static/\x00../outside.txt",
    "/../outside.txt",
    "//outside.txt",
    "http://a/static/../outside.txt",
]

#: Redirect targets, percent-encoded, that would inject a header.
INJECTIONS = ["%0d%0aX-Injected:1", "%0aX-Injected:1", "%0dX-Injected:1"]

#: Header lines a request can be made worse with.
BAD_HEADERS = [
    b"Content-Length: -1",
    b"Content-Length: abc",
    b"Content-Length: 5\r\nContent-Length: 6",
    b"Content-Length: 99999999999999999999",
    b"Transfer-Encoding: chunked\r\nContent-Length: 3",
    b"Transfer-Encoding: gzip, chunked",
    b"Transfer-Encoding: chunked, gzip",
    b"Transfer-Encoding: xchunked",
    b"Content-Type: multipart/form-data",
    b"Content-Type: multipart/form-data; boundary=",
    b"Content-Type: application/json; charset=nope",
    b"Expect: 100-continue",
    b"Host: a\r\nHost: b",
    b"X-Bad\x00Name: 1",
    b"X-Bad: \x00\x01\x7f",
    b" Folded: header",
    b"NoColon",
    b"X-Long: " + b"a" * 70_000,
    b"Cookie: session=" + b"x" * 5000,
    b"Cookie: session=.eJwrSS0uUbJSUEpJLUvNKUlVUqgFAFbWB2A.bad.bad",
]


def malformed_request(rng: random.Random) -> bytes:
    """One hostile request: a base request cut, corrupted, made to escape
    a folder, to inject a header, or given a bad header or request line."""
    kind = rng.randrange(8)
    base = rng.choice(BASE_REQUESTS)
    if kind == 0:  # cut anywhere
        return base[: rng.randrange(1, len(base))]
    if kind == 1:  # random bytes flipped
        data = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 2:
        path = rng.choice(ESCAPING_PATHS)
        return f"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n".encode("latin-1")
    if kind == 3:
        route = rng.choice(["/go", "/app-go"])
        target = "/x" + rng.choice(INJECTIONS)
        return f"GET {route}?next={target} HTTP/1.1\r\nHost: a\r\n\r\n".encode()
    if kind == 4:  # a bad header inserted after the request line
        line, _, rest = base.partition(b"\r\n")
        return line + b"\r\n" + rng.choice(BAD_HEADERS) + b"\r\n" + rest
    if kind == 5:  # a bad request line
        return rng.choice(
            [
                b"GET\r\n\r\n",
                b"GET / HTTP/9.9\r\nHost: a\r\n\r\n",
                b"GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n",
                b"G\xc3\xa9T / HTTP/1.1\r\nHost: a\r\n\r\n",
                b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                b"CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n",
                b"GET http://evil/ HTTP/1.1\r\nHost: a\r\n\r\n",
                b"\r\n\r\n\r\n",
            ]
        )
    if kind == 6:  # a malformed body behind valid headers
        body = rng.choice([b"{", b"\xff\xfe", b"[" * 5000, b"--b\r\n", b"%zz=%"])
        content_type = rng.choice(
            [
                b"application/json",
                b"application/x-www-form-urlencoded",
                b"multipart/form-data; boundary=b",
            ]
        )
        path = rng.choice([b"/json", b"/form", b"/files", b"/data"])
        return (
            b"POST "
            + path
            + b" HTTP/1.1\r\nHost: a\r\nContent-Type: "
            + content_type
            + f"\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
    # Many headers.
    headers = b"".join(b"X-%d: %d\r\n" % (i, i) for i in range(rng.randint(50, 3000)))
    return b"GET /health HTTP/1.1\r\nHost: a\r\n" + headers + b"\r\n"


def send_once(port: int, request: bytes, timeout: float) -> bytes | None:
    """Send ``request`` on a new connection, stop sending, and read until
    the server closes; ``None`` if it did not within ``timeout`` seconds."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        received = b""
        try:
            sock.sendall(request)
            try:
                sock.shutdown(socket.SHUT_WR)
            except OSError as e:
                # The server answered and reset the connection before the
                # whole request was sent (granian does, to a request line
                # too long): what it sent is still there to read.
                if e.errno != errno.ENOTCONN:
                    raise
            while data := sock.recv(65536):
                received += data
        except TimeoutError:
            return None
        except (ConnectionResetError, BrokenPipeError):
            pass
        return received


def malformed(
    port: int, count: int, seed: int, forbidden: list[str], timeout: float
) -> None:
    """Send ``count`` requests from :func:`malformed_request` and print a
    JSON report: ``statuses`` (status code, or ``"closed"``, by count),
    ``hangs`` and ``findings`` (what was wrong, and the request)."""
    rng = random.Random(seed)
    requests = [malformed_request(rng) for _ in range(count)]
    statuses: collections.Counter[str] = collections.Counter()
    hangs: list[str] = []
    findings: list[str] = []

    def check(request: bytes) -> None:
        answer = send_once(port, request, timeout)
        if answer is None:
            hangs.append(repr(request[:200]))
            return
        head = answer.partition(b"\r\n\r\n")[0]
        if not answer:
            statuses["closed"] += 1
        elif answer.startswith(b"HTTP/1.") and len(head.split(b" ", 2)) > 1:
            statuses[head.split(b" ", 2)[1].decode("latin-1")] += 1
        else:
            findings.append(f"not HTTP: {answer[:100]!r} to {request[:200]!r}")
        for word in forbidden:
            if word.encode() in answer:
                findings.append(f"{word!r} in the answer to {request[:200]!r}")
        if b"x-injected" in head.lower():
            findings.append(f"injected header in the answer to {request[:200]!r}")

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(check, requests))
    print(
        json.dumps({"statuses": statuses, "hangs": hangs, "findings": findings}),
        flush=True,
    )


def silent(port: int, rate: float) -> None:
    """Open ``rate`` connections a second to ``127.0.0.1:port`` and send
    nothing on them, until SIGTERM."""
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    held = []
    print("ready", flush=True)
    while not stopping:
        with contextlib.suppress(OSError):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(1 / rate)
    print(f"opened {len(held)}", flush=True)


def t_sock(fileobj: object) -> socket.socket:
    assert isinstance(fileobj, socket.socket)
    return fileobj


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="attackers")
    commands = parser.add_subparsers(dest="attack", required=True)
    slow = commands.add_parser("slowloris")
    slow.add_argument("port", type=int)
    slow.add_argument("--connections", type=int, default=200)
    slow.add_argument("--interval", type=float, default=2.0)
    quiet = commands.add_parser("silent")
    quiet.add_argument("port", type=int)
    quiet.add_argument("--rate", type=float, default=20.0)
    bad = commands.add_parser("malformed")
    bad.add_argument("port", type=int)
    bad.add_argument("--count", type=int, default=5000)
    bad.add_argument("--seed", type=int, default=0)
    bad.add_argument("--forbid", action="append", default=[])
    bad.add_argument("--timeout", type=float, default=10.0)
    arguments = parser.parse_args(argv)
    if arguments.attack == "slowloris":
        slowloris(arguments.port, arguments.connections, arguments.interval)
    elif arguments.attack == "silent":
        silent(arguments.port, arguments.rate)
    else:
        malformed(
            arguments.port,
            arguments.count,
            arguments.seed,
            arguments.forbid,
            arguments.timeout,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
