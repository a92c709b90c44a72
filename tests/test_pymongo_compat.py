"""PyMongo's condition waits keep the lock with its holder when a waiting request is cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pymongo.asynchronous.pool
import pymongo.asynchronous.topology
import pymongo.lock
from pymongo._asyncio_lock import Condition, Lock

from backend import pymongo_compat
from backend.db import open_client
from backend.settings import Settings

CondWait = Callable[[Any, float | None], Awaitable[bool]]
# PyMongo's own, as the driver ships it (before install() replaces the module globals)
ORIGINAL: CondWait = pymongo.lock._async_cond_wait


async def cancel_a_timed_out_waiter(cond_wait: CondWait) -> dict[str, Any]:
    """What server selection meets when graphql-core cancels a request whose sibling field failed:
    request A waits on the topology condition, its wait times out while request Z holds the lock,
    and A is cancelled while it waits to take the lock back."""
    lock = Lock()
    condition = Condition(lock)

    async def request_a() -> None:
        async with lock:
            await cond_wait(condition, 0.01)

    a = asyncio.create_task(request_a())
    while not condition._waiters:  # noqa: ASYNC110 - A waits; the lock is free
        await asyncio.sleep(0)
    await lock.acquire()  # Z takes it
    while not lock._waiters:  # noqa: ASYNC110 - A's wait timed out: it wants the lock back
        await asyncio.sleep(0.001)
    a.cancel()
    for _ in range(5):
        await asyncio.sleep(0)
    seen = {"a_left_while_z_held_the_lock": a.done()}
    lock.release()  # Z leaves its critical section
    outcome = await asyncio.gather(a, return_exceptions=True)
    for _ in range(5):
        await asyncio.sleep(0)
    return seen | {
        "a_cancelled": isinstance(outcome[0], asyncio.CancelledError),
        "locked_at_the_end": lock.locked(),
        "tasks_left": len(asyncio.all_tasks()) - 1,
    }


async def test_pymongo_shipped_wait_lets_a_cancelled_request_leave_without_the_lock() -> None:
    # The reason for backend.pymongo_compat: true on Python 3.11; when this fails on a newer
    # PyMongo or Python, the shim can go.
    seen = await cancel_a_timed_out_waiter(ORIGINAL)
    assert seen["a_left_while_z_held_the_lock"] is pymongo_compat.needed()


async def test_compat_wait_takes_the_lock_back_before_the_cancellation_leaves() -> None:
    seen = await cancel_a_timed_out_waiter(pymongo_compat.cond_wait)
    assert seen == {
        "a_left_while_z_held_the_lock": False,
        "a_cancelled": True,
        "locked_at_the_end": False,
        "tasks_left": 0,
    }


async def test_compat_wait_answers_as_pymongo_does() -> None:
    lock = Lock()
    condition = Condition(lock)
    async with lock:
        assert await pymongo_compat.cond_wait(condition, 0.01) is False  # timed out
        assert lock.locked()

    async def notify() -> None:
        async with lock:
            condition.notify_all()

    async with lock:
        notifier = asyncio.create_task(notify())
        assert await pymongo_compat.cond_wait(condition, None) is True
        assert lock.locked()
    await notifier


async def test_the_app_client_installs_it_where_pymongo_waits() -> None:
    client = open_client("mongodb://127.0.0.1:1", Settings())  # connects on first use only
    await client.close()
    modules = (pymongo.lock, pymongo.asynchronous.topology, pymongo.asynchronous.pool)
    expected = pymongo_compat.cond_wait if pymongo_compat.needed() else ORIGINAL
    assert [module._async_cond_wait for module in modules] == [expected] * 3
