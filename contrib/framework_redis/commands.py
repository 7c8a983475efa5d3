"""The session interface's commands, sent on connections it keeps checked
out of the client's pool.

PERF: session-write. redis-py sends a command by checking a connection out
of its pool and back in: two lock round trips, a ``poll()`` of the socket
for stray data, the client's event and metrics bookkeeping, and its
argument packing. On loopback that costs about as much as the round trip
itself. :class:`KeptConnections` checks a connection out of the pool once
and keeps it in a list of its own: a command takes one from the list (a
new one from the pool when all are busy) and puts it back, atomic list
operations with no lock; the reply is read by the connection's own parser,
so errors, timeouts and RESP2/RESP3 are redis-py's. It holds as many
connections as sessions ever used at once, as the pool would.

What the pool checks a connection for (data left unread by a command
that was interrupted) cannot happen here: the connection is closed
whenever a command does not finish, and reconnects at its next command.
A child process never uses its parent's connections (a fork is recognised
by the process id, as redis-py's pool recognises it). The connections go
back to the pool when the :class:`KeptConnections` is dropped.

Only a client of redis-py's own :class:`redis.Redis` with a plain
:class:`redis.ConnectionPool` (or Sentinel's) is served this way; any other
(a blocking pool, whose connections are few, a client-side cache, a
single-connection client, a subclass) sends through its own methods,
with the same commands and round trips.
"""

from __future__ import annotations

import contextlib
import os
import typing as t

import redis
from redis.sentinel import SentinelConnectionPool

__all__ = ["KeptConnections", "pack_command", "serves"]


def pack_command(*args: bytes) -> bytes:
    """The RESP encoding of one command whose arguments are ``args``."""
    # PERF: session-write; redis-py's packer handles every argument type
    # through its encoder and takes as long as the rest of this module.
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        parts.append(b"$%d\r\n%b\r\n" % (len(arg), arg))
    return b"".join(parts)


def serves(client: redis.Redis) -> bool:
    """Whether :class:`KeptConnections` can send ``client``'s commands: a
    plain redis-py client and pool (see the module's docstring).

    :param client: the session interface's client.
    """
    pool = client.connection_pool
    return (
        type(client) is redis.Redis
        and type(pool) in (redis.ConnectionPool, SentinelConnectionPool)
        and getattr(client, "connection", None) is None
        and getattr(pool, "cache", None) is None
    )


class KeptConnections:
    """Sends commands for one client on connections it keeps.

    :param client: a client that :func:`serves` accepts.
    """

    def __init__(self, client: redis.Redis) -> None:
        #: The client whose pool the connections come from.
        self.client = client
        self._pool: redis.ConnectionPool = client.connection_pool
        #: The process the connections were checked out in.
        self._pid = os.getpid()
        #: The connections no command is using (redis-py's connection
        #: methods are untyped, hence ``Any``).
        self._idle: list[t.Any] = []
        encoder = self._pool.get_encoder()
        self._encoding: str = encoder.encoding
        self._errors: str = encoder.encoding_errors

    def encode(self, text: str) -> bytes:
        """``text`` as the client encodes a command's arguments."""
        return text.encode(self._encoding, self._errors)

    def _take(self) -> t.Any:
        """An idle connection, or a new one from the pool."""
        if self._pid != os.getpid():
            # A forked child: the parent's connections are the parent's.
            self._pid = os.getpid()
            self._idle = []
        try:
            return self._idle.pop()
        except IndexError:
            return self._pool.get_connection()

    def __del__(self) -> None:
        if self._pid != os.getpid():
            return
        for connection in self._idle:
            # Interpreter shutdown may have taken the pool's modules away.
            with contextlib.suppress(Exception):
                self._pool.release(connection)

    def execute(self, *args: bytes) -> t.Any:
        """Send one command and return its reply as the connection reads it
        (bytes, ``None``, an int...), with the connection's retry policy.

        :param args: the command's name and arguments, encoded.
        :raise redis.RedisError: if the command fails.
        """
        connection = self._take()
        packed = pack_command(*args)
        try:
            return connection.retry.call_with_retry(
                lambda: self._send(connection, packed, 1)[0],
                lambda _error: connection.disconnect(),
            )
        finally:
            self._idle.append(connection)

    def pipeline(
        self, commands: t.Sequence[t.Sequence[bytes]], transaction: bool
    ) -> list[t.Any]:
        """Send ``commands`` in one round trip and return their replies, in
        a ``MULTI``/``EXEC`` transaction if ``transaction``.

        :param commands: each command's name and arguments, encoded.
        :param transaction: whether the commands run as one transaction.
        :raise redis.RedisError: if a command fails (the connection is then
            closed: its other replies are not read).
        """
        connection = self._take()
        packed = [pack_command(*command) for command in commands]
        if transaction:
            packed = [pack_command(b"MULTI"), *packed, pack_command(b"EXEC")]
        data = b"".join(packed)

        def send() -> list[t.Any]:
            replies = self._send(connection, data, len(packed))
            if not transaction:
                return replies
            # MULTI's OK and each QUEUED were read (an error among them
            # raised); EXEC's reply holds the commands' replies.
            results: list[t.Any] = replies[-1]
            for result in results:
                if isinstance(result, redis.ResponseError):
                    raise result
            return results

        try:
            replies: list[t.Any] = connection.retry.call_with_retry(
                send, lambda _error: connection.disconnect()
            )
            return replies
        finally:
            self._idle.append(connection)

    @staticmethod
    def _send(connection: t.Any, data: bytes, count: int) -> list[t.Any]:
        """Send ``data`` and read ``count`` replies; commands that do not
        finish leave the connection closed, never with a reply unread."""
        try:
            connection.send_packed_command([data])
            replies = [connection.read_response() for _ in range(count)]
        except BaseException:
            connection.disconnect()
            raise
        # Maintenance notifications (redis-py 6 and later) ask for a new
        # connection, as the pool would give one at the next checkout.
        should_reconnect = getattr(connection, "should_reconnect", None)
        if should_reconnect is not None and should_reconnect():
            connection.disconnect()
        return replies
