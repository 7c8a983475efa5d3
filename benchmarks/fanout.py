"""One message to 1,000 subscribers of a group, in one process.

Subscribes ``--subscribers`` tasks to one group of
``contrib/framework_broadcast``, publishes one message, and times how long
until the last subscriber has received it; ``--rounds`` times, each round
one message, reporting the fastest, median and slowest round. The memory
backend hands the message to each queue directly; the Redis backend sends
it through a real ``redis-server`` (started here, on a free port, unless
``--redis-url`` names one) and back over the process's one pub/sub
connection before it fans out.

Run it from the repository root::

    python -m benchmarks.fanout
    python -m benchmarks.fanout --backend memory --subscribers 10000 --loop uvloop
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import platform
import statistics
import time
import typing as t

from framework_broadcast import Broadcast

from framework import App


async def fan_out(broadcast: Broadcast, subscribers: int, rounds: int) -> list[float]:
    """Seconds from each publish until the last of ``subscribers`` has the
    message, one entry per round."""
    ready = 0
    all_ready = asyncio.Event()
    received = 0
    all_received = asyncio.Event()

    async def subscriber(stack: contextlib.AsyncExitStack) -> None:
        nonlocal ready, received
        subscription = await stack.enter_async_context(broadcast.subscribe("room"))
        ready += 1
        if ready == subscribers:
            all_ready.set()
        async for _ in subscription:
            received += 1
            if received == subscribers:
                all_received.set()

    times = []
    async with contextlib.AsyncExitStack() as stack:
        tasks = [asyncio.create_task(subscriber(stack)) for _ in range(subscribers)]
        await all_ready.wait()
        for n in range(rounds):
            received = 0
            all_received.clear()
            started = time.perf_counter()
            await broadcast.publish("room", {"round": n, "text": "hello, room"})
            await all_received.wait()
            times.append(time.perf_counter() - started)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return times


async def run_backend(url: str, subscribers: int, rounds: int) -> list[float]:
    app = App(__name__)
    app.config["BROADCAST_URL"] = url
    app.config["BROADCAST_QUEUE_SIZE"] = max(1000, rounds)
    broadcast = Broadcast(app)
    try:
        # One round first: connections made, code warm.
        await fan_out(broadcast, subscribers, 1)
        return await fan_out(broadcast, subscribers, rounds)
    finally:
        await app.extensions["broadcast"].aclose()


def main(argv: t.Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument(
        "--backend", action="append", choices=["memory", "redis"], default=None
    )
    parser.add_argument("--redis-url", help="a Redis to use instead of starting one")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    args = parser.parse_args(argv)
    backends = args.backend or ["memory", "redis"]
    if args.loop == "uvloop":
        if importlib.util.find_spec("uvloop") is None:
            parser.error("uvloop is not installed (the bench extra has it)")
        import uvloop

        runner: t.Callable[[t.Coroutine[t.Any, t.Any, list[float]]], list[float]]
        runner = uvloop.run
    else:
        runner = asyncio.run

    print(
        f"one message to {args.subscribers} subscribers of one group, one process;"
        f" {args.rounds} rounds; loop {args.loop}; Python {platform.python_version()}"
    )
    print()
    print("backend  fastest ms  median ms  slowest ms")
    print("-------  ----------  ---------  ----------")
    with contextlib.ExitStack() as stack:
        for backend in backends:
            if backend == "memory":
                url = "memory://"
            elif args.redis_url:
                url = args.redis_url
            else:
                from tests.redis_server import RedisServer

                url = stack.enter_context(RedisServer()).url
            times = runner(run_backend(url, args.subscribers, args.rounds))
            print(
                f"{backend:<7}  {min(times) * 1000:10.2f}"
                f"  {statistics.median(times) * 1000:9.2f}"
                f"  {max(times) * 1000:10.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
