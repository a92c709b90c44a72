"""The content snapshot: public content held in each web process's memory, keyed by the content
stamp (version and revision) that `migrate` and staff edits write to MongoDB's `meta` collection.

Content changes only when it is reloaded or edited, while signed-in visitors (whose answers the
response cache does not always hold) read it on every screen, so each process keeps a copy:
loaded at start-up, reloaded when the stamp changes and swapped in with one assignment
(requests that started on the old copy finish on it). A process notices a change made by
another one as it happens where the deployment has change streams (a replica set, SecantusDB),
and in any case within `poll_seconds` (one point read by id: a stream that silently stopped, or
a standalone server without streams, still bounds the delay); one it made itself at once
(`meta_repository.local_content_bumps`).

The copy holds places and journeys (backend/tourism/snapshot.py), the wards and communes without
their polygons (backend/areas/snapshot.py), and report categories and departments
(backend/reports/snapshot.py), tours and hotels as descriptions (backend/bookings/snapshot.py);
departures, seats, rooms and their prices stay in the database. It is
bounded (`max_entries` places and journeys, and a bound per kind for the others); past that,
or before the first load, or when a load fails, `current` is None and the database path
answers: nothing is ever wrong, only slower.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from pymongo.errors import OperationFailure, PyMongoError

from backend.areas import snapshot as area_snapshot
from backend.areas.snapshot import AreaContent
from backend.bookings import snapshot as booking_snapshot
from backend.bookings.snapshot import BookingContent
from backend.db import Database
from backend.meta import repository as meta_repository
from backend.reports import snapshot as catalogue_snapshot
from backend.reports.snapshot import CatalogueContent
from backend.tourism import snapshot as tourism_snapshot
from backend.tourism.service.ratings import SharedRatingReads
from backend.tourism.snapshot import TourismContent

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
MAX_ENTRIES = 50_000
_UNSEEN = object()


@dataclass(frozen=True)
class Loaded:
    """One content version in memory."""

    stamp: str | None
    tourism: TourismContent
    load_seconds: float
    areas: AreaContent
    catalogue: CatalogueContent
    bookings: BookingContent

    @property
    def entries(self) -> int:
        return (
            self.tourism.entries
            + self.areas.entries
            + self.catalogue.entries
            + self.bookings.entries
        )

    @property
    def size_bytes(self) -> int:
        return (
            self.tourism.size_bytes
            + self.areas.size_bytes
            + self.catalogue.size_bytes
            + self.bookings.size_bytes
        )


_TOO_MUCH = (
    tourism_snapshot.TooMuchContentError,
    area_snapshot.TooManyUnitsError,
    catalogue_snapshot.TooManyItemsError,
    booking_snapshot.TooManyOffersError,
)


Report = Callable[[Loaded], None]


class ContentSnapshot:
    """This process's copy of the public content, and what keeps it current."""

    def __init__(
        self,
        db: Database,
        *,
        poll_seconds: float = POLL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        report: Report | None = None,
    ) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.max_entries = max_entries
        self.report = report
        self.loaded: Loaded | None = None
        self.reloads = 0
        self.change_stream = True  # until the deployment says it has none
        self._lock = asyncio.Lock()
        self._bumps_seen = -1
        self._stamp_seen: object = _UNSEEN  # the stamp of the last load (or refused load)
        # Ratings change with each review, so they are read live, in reads shared by the
        # requests that ask at the same time (backend/tourism/service/ratings.py).
        self.ratings = SharedRatingReads(db)

    @property
    def tourism(self) -> TourismContent | None:
        """The places and journeys now in memory; None: read the database."""
        loaded = self.loaded
        return None if loaded is None else loaded.tourism

    async def current(self) -> TourismContent | None:
        """The copy to answer from, reloaded first when this process changed the content."""
        return None if (loaded := await self.now()) is None else loaded.tourism

    async def now(self) -> Loaded | None:
        """Everything in memory (None: read the database), reloaded first when this process
        changed the content."""
        if meta_repository.local_content_bumps() != self._bumps_seen:
            await self.refresh()
        return self.loaded

    async def refresh(self, *, force: bool = False) -> bool:
        """Reload when the stamp in the database differs from the copy's; True if reloaded."""
        async with self._lock:
            bumps = meta_repository.local_content_bumps()
            stamp = await meta_repository.content_stamp(self.db)
            if not force and stamp == self._stamp_seen:
                self._bumps_seen = bumps
                return False
            started = time.perf_counter()
            try:
                tourism = await tourism_snapshot.load(self.db, max_entries=self.max_entries)
                areas = await area_snapshot.load(self.db)
                catalogue = await catalogue_snapshot.load(self.db)
                bookings = await booking_snapshot.load(self.db)
            except _TOO_MUCH as error:
                log.warning("content snapshot off: %s", error)
                self.loaded, self._stamp_seen, self._bumps_seen = None, stamp, bumps
                return False
            # Read again: a change made during the load may or may not be in this copy, so it
            # keeps the older stamp and the next poll loads once more.
            after = await meta_repository.content_stamp(self.db)
            loaded = Loaded(
                stamp=stamp,
                tourism=tourism,
                load_seconds=time.perf_counter() - started,
                areas=areas,
                catalogue=catalogue,
                bookings=bookings,
            )
            self.loaded = loaded  # the swap: one assignment
            self._stamp_seen = stamp if after == stamp else _UNSEEN
            self._bumps_seen = bumps
            self.reloads += 1
            log.info(
                "content snapshot %s: %d entries, %d bytes, loaded in %.3f s",
                stamp,
                loaded.entries,
                loaded.size_bytes,
                loaded.load_seconds,
            )
            if self.report is not None:
                self.report(loaded)
            return True

    async def _refresh_logged(self) -> None:
        try:
            await self.refresh()
        except PyMongoError as error:
            log.warning("content snapshot refresh failed: %s", error)

    async def poll(self) -> None:
        """Until cancelled: refresh on every change of the stamp (a change stream), and every
        `poll_seconds` anyway; where the deployment has no change streams, only the latter."""
        wait_ms = max(1, int(self.poll_seconds * 1000))
        while True:
            stream = None
            if self.change_stream:
                try:
                    stream = await meta_repository.watch_content(self.db, max_await_ms=wait_ms)
                except OperationFailure as error:
                    log.info("no change streams here (%s): polling the content stamp", error)
                    self.change_stream = False
                except PyMongoError as error:
                    log.warning("content change stream not opened: %s", error)
            if stream is None:
                await asyncio.sleep(self.poll_seconds)
                await self._refresh_logged()
                continue
            try:
                async with stream:
                    # What changed before the stream opened is in no event: look once.
                    await self._refresh_logged()
                    while True:
                        await stream.try_next()  # a change, or None after poll_seconds
                        await self._refresh_logged()
            except PyMongoError as error:
                log.warning("content change stream ended: %s", error)
                await asyncio.sleep(self.poll_seconds)


@contextlib.asynccontextmanager
async def running(snapshot: ContentSnapshot) -> AsyncIterator[ContentSnapshot]:
    """Load the snapshot (a failed load leaves the database path) and poll while the app runs."""
    try:
        await snapshot.refresh(force=True)
    except PyMongoError as error:
        log.warning("content snapshot not loaded at start-up: %s", error)
    task = asyncio.create_task(snapshot.poll(), name="content-snapshot-poll")
    try:
        yield snapshot
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
