"""The push worker: `python -m notifications.worker` (the Procfile's `worker`).

Claims due outbox documents with a lease (find_one_and_update, pending -> sending), delivers them
through FCM (or runs them: jobs such as an account deletion, backend.domains.OUTBOX_JOBS), and
between messages runs the housekeeping that must not wait for a request (expired booking holds,
tour reminders). Run as many as needed: claims are leases, deliveries idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import firebase_admin

from backend import domains, firebase, outbox
from backend import logging as json_logging
from backend.db import Database, open_client
from backend.email.smtp import Mailer
from backend.notifications.models import OutboxState
from backend.settings import Settings, load_settings
from notifications.delivery import Delivery
from notifications.email_delivery import EmailDelivery, is_email

log = logging.getLogger("thanglong.worker")

LEASE = timedelta(seconds=60)
POLL_SECONDS = 1.0
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Worker:
    """One worker: claim, deliver, repeat; housekeeping when idle."""

    def __init__(
        self,
        db: Database,
        firebase_app: firebase_admin.App,
        *,
        worker_id: str | None = None,
        lease: timedelta = LEASE,
        clock: Clock = utc_now,
        users_per_page: int | None = None,
        mailer: Mailer | None = None,
    ) -> None:
        self.db = db
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.clock = clock
        self.lease = lease
        kwargs = {"users_per_page": users_per_page} if users_per_page else {}
        self.delivery = Delivery(db, firebase_app, worker_id=self.worker_id, lease=lease, **kwargs)
        self.firebase_app = firebase_app
        # The email channel (SMTP); without a server its messages end DEAD, kept for a retry.
        self.email = EmailDelivery(db, mailer, worker_id=self.worker_id)
        # The domains' scheduled jobs (backend.domains.JOBS), run when the outbox is idle.
        self.housekeeping = list(domains.JOBS)

    async def run_once(self, max_messages: int = 1000) -> dict[OutboxState, int]:
        """Deliver every message due now (up to a bound); returns how each one ended."""
        outcomes: dict[OutboxState, int] = {}
        for _ in range(max_messages):
            now = self.clock()
            doc = await outbox.claim(self.db, worker=self.worker_id, now=now, lease=self.lease)
            if doc is None:
                break
            job = domains.OUTBOX_JOBS.get(doc.kind)
            try:
                if job is not None:
                    app, worker = self.firebase_app, self.worker_id
                    state = await job(self.db, app, doc, now, worker=worker, lease=self.lease)
                elif is_email(doc):
                    state = await self.email.deliver(doc, now)
                else:
                    state = await self.delivery.deliver(doc, now)
            except Exception:
                # Leave the lease to expire: another attempt (here or elsewhere) picks it up.
                log.exception("delivering outbox %s failed", doc.id)
                state = OutboxState.SENDING
            outcomes[state] = outcomes.get(state, 0) + 1
        return outcomes

    async def run_housekeeping(self) -> dict[str, int]:
        done = {}
        for name, task in self.housekeeping:
            try:
                done[name] = await task(self.db, self.clock())
            except Exception:
                log.exception("housekeeping %s failed", name)
        return done

    async def run_forever(self, stop: asyncio.Event) -> None:
        log.info("worker %s started", self.worker_id)
        while not stop.is_set():
            outcomes = await self.run_once()
            if not outcomes:
                await self.run_housekeeping()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), POLL_SECONDS)
        log.info("worker %s stopped", self.worker_id)


async def main_async(settings: Settings) -> None:
    if settings.mongodb_uri is None:
        raise SystemExit("the worker needs MONGODB_URI (make run sets it for the dev database)")
    client = open_client(settings.mongodb_uri, settings)
    app = firebase.initialize(settings)
    firebase.messaging_without_retries(app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        # Operational knobs (and the fault tests' way to make pages small and leases short).
        lease = timedelta(seconds=float(os.environ.get("WORKER_LEASE_SECONDS", LEASE.seconds)))
        per_page = int(os.environ.get("WORKER_USERS_PER_PAGE", "0")) or None
        worker = Worker(
            client[settings.mongodb_db],
            app,
            lease=lease,
            users_per_page=per_page,
            mailer=Mailer.from_settings(settings),
        )
        await worker.run_forever(stop)
    finally:
        await client.close()
        await firebase.close_async(app)


def main() -> int:
    settings = load_settings()
    if settings.log_json:
        json_logging.configure()
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main_async(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
