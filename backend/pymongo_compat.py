"""PyMongo's async condition waits, made safe to cancel on Python 3.11.

PyMongo waits on its topology and pool conditions with `asyncio.wait_for(condition.wait(), t)`
(`pymongo.lock._async_cond_wait`, unchanged up to 4.20.1). Before Python 3.12, `wait_for` runs
`condition.wait()` in a task of its own. When the caller is cancelled while `wait_for` is still
cancelling that task after its own timeout, `wait_for` returns at once and leaves the task behind:

- the caller leaves its `async with lock:` without holding the lock, and releases it under
  whichever task holds it then; that task's own release later fails with
  `RuntimeError: Lock is not acquired` (answered as an internal error);
- the abandoned task re-acquires the lock afterwards and ends holding it, so every later server
  selection waits on it forever, and so does `client.close()`.

graphql-core cancels a field's sibling resolvers when one of them raises, so a database failure
under concurrent writes (SIGKILL of the server, tests/faults) cancels requests mid server selection
often enough to hit this in one run out of a few. Python 3.12's `wait_for` runs the awaitable in
the caller's task (on `asyncio.timeout`), where `Condition.wait()` re-acquires the lock before any
cancellation leaves it; this module gives PyMongo that behaviour on 3.11. Nothing to do on 3.12+.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from typing import Any

# The modules that imported `_async_cond_wait` by name, and so hold their own reference to it.
_USERS = ("pymongo.lock", "pymongo.asynchronous.topology", "pymongo.asynchronous.pool")


async def cond_wait(condition: Any, seconds: float | None) -> bool:
    """`pymongo.lock._async_cond_wait` in the caller's task: False on timeout, as PyMongo's."""
    if seconds is None:
        return bool(await condition.wait())
    try:
        async with asyncio.timeout(seconds):
            return bool(await condition.wait())
    except TimeoutError:
        return False


def needed() -> bool:
    return sys.version_info < (3, 12)


def install() -> None:
    """Point PyMongo's condition waits at `cond_wait` (idempotent; a no-op on Python 3.12+)."""
    if not needed():
        return
    for name in _USERS:
        module = importlib.import_module(name)
        if not hasattr(module, "_async_cond_wait"):
            raise RuntimeError(f"{name} has no _async_cond_wait: review backend/pymongo_compat.py")
        module._async_cond_wait = cond_wait  # type: ignore[attr-defined]
