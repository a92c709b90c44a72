"""Live ratings of places for requests answered from the content snapshot, read in shared batches.

Ratings change with every review, so the snapshot does not hold them: each list of places reads
them from the database (one `$in` query). Under load many requests ask at once, and each read
costs the database about as much as the whole of the rest of the request costs the web process.
`SharedRatingReads` sends one read at a time per process: the requests that ask while a read is
in flight wait for the next one, which asks for all their places together.

Not a cache: nothing outlives the read it came from, and every request gets a read that was sent
after it asked, so it sees every review written before it asked (a reviewer's own write
included), exactly as with a read of its own. A batch is bounded (`max_ids`); a request whose
places would not fit reads on its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from backend.db import Database
from backend.tourism import repository as tourism_repository

Ratings = dict[str, tuple[int, int]]  # place id -> (rating_sum, rating_count)
MAX_IDS = 1_000


@dataclass
class _Batch:
    future: asyncio.Future[Ratings]
    ids: dict[str, None] = field(default_factory=dict)  # ordered set


def _retrieve(future: asyncio.Future[Ratings]) -> None:
    # A batch whose waiters were all cancelled: its error is nobody's, do not log it as lost.
    if not future.cancelled():
        future.exception()


class SharedRatingReads:
    """One read of live ratings in flight per process; those who ask meanwhile share the next."""

    def __init__(self, db: Database, *, max_ids: int = MAX_IDS) -> None:
        self.db = db
        self.max_ids = max_ids
        self.reads = 0  # database reads sent (tests and benchmarks look)
        self._next: _Batch | None = None
        self._task: asyncio.Task[None] | None = None

    async def get(self, ids: Sequence[str]) -> Ratings:
        """(rating_sum, rating_count) by place id, read from the database after this call."""
        if not ids:
            return {}
        batch = self._next
        if batch is None:
            batch = self._next = _Batch(asyncio.get_running_loop().create_future())
            batch.future.add_done_callback(_retrieve)
        elif len(batch.ids) + len(ids) > self.max_ids:
            self.reads += 1
            return await tourism_repository.ratings(self.db, ids)
        batch.ids.update(dict.fromkeys(ids))
        if self._task is None:
            self._task = asyncio.create_task(self._run())
        # A cancelled request leaves the read to the others.
        return await asyncio.shield(batch.future)

    async def _run(self) -> None:
        try:
            while (batch := self._next) is not None:
                self._next = None  # who asks from now on waits for the next read
                self.reads += 1
                try:
                    found = await tourism_repository.ratings(self.db, list(batch.ids))
                except Exception as error:
                    batch.future.set_exception(error)
                except asyncio.CancelledError:
                    batch.future.cancel()
                    raise
                else:
                    batch.future.set_result(found)
        finally:
            self._task = None
            if self._next is not None:  # cancelled between batches (the loop is closing)
                self._next.future.cancel()
                self._next = None
