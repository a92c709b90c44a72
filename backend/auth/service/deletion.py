"""Account deletion: requested by accountDelete, carried out by a job in the outbox.

The request writes, in one transaction, a confirmation message to the user (push and inbox)
and the job, both with ids derived from the user's pseudonym: asking twice finds the first
request. The push worker runs the job (backend.domains.OUTBOX_JOBS) with the outbox's claims and
leases; each step is idempotent and recorded in the job's `progress` once done, so a worker
that dies mid-way leaves the rest to the next claim. The steps, in order:

1. wait until the confirmation was delivered (the user hears before the account goes);
2. note the user's identifiers (e-mail, phone, names) to redact from texts that stay;
3. delete the Firebase account (Admin SDK), so no new token can be had;
4. each domain's part (its repository's named function): personal records deleted, what the
   city keeps de-identified (see README, "Privacy");
5. delete the profile, and rewrite the job itself to the pseudonym alone.

Bookings whose service is still ahead keep their contact until it is over: the job then stays
pending until that date and erases those contacts on its last run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import firebase_admin
from firebase_admin import auth as firebase_auth
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import audit, idempotency, outbox
from backend.audit import AuditEntryDoc
from backend.auth import repository as auth_repository
from backend.auth.service import erasure
from backend.bookings.repository import bookings as booking_records
from backend.bookings.repository import holds as booking_holds
from backend.db import Database, run_transaction
from backend.notifications.models import OutboxDoc, OutboxState

log = logging.getLogger(__name__)

JOB_KIND = "account.delete"
CONFIRM_KIND = "account.deletion_started"
# How long the job waits before looking again for the confirmation's delivery.
CONFIRM_WAIT = timedelta(seconds=30)
CONFIRM_HEAD_START = timedelta(seconds=1)
RETRY_CAP = timedelta(hours=1)


def job_id(pseudonym: str) -> str:
    return f"{JOB_KIND}:{pseudonym}"


@dataclass(frozen=True, kw_only=True)
class DeletionRequest:
    requested_at: datetime
    done: bool


async def request(
    db: Database,
    *,
    uid: str,
    pseudonym: str,
    now: datetime,
    idempotency_key: str | None,
) -> DeletionRequest:
    """Ask for the viewer's account to be deleted (once: a repeat returns the first request)."""
    if idempotency_key is not None and not idempotency.valid_key(idempotency_key):
        raise idempotency.invalid_key_error()
    fingerprint = idempotency.fingerprint("accountDelete", {})
    if idempotency_key is not None:
        await idempotency.find_result(db, uid=uid, key=idempotency_key, fingerprint=fingerprint)
    job = outbox.message(kind=JOB_KIND, data={"uid": uid, "pseudonym": pseudonym}, now=now)
    # Due just after the confirmation, so a worker usually takes that first.
    job["next_attempt_at"] = now + CONFIRM_HEAD_START
    job["_id"] = job_id(pseudonym)
    confirm = outbox.message(kind=CONFIRM_KIND, data={}, uids=[uid], now=now, urgent=True)
    confirm["_id"] = f"{job['_id']}:confirm"

    async def write(session: AsyncClientSession) -> dict[str, Any]:
        _, stored = await outbox.insert_once(db, [confirm, job], session=session)
        if idempotency_key is not None and stored["created_at"] == now:
            await idempotency.record(
                db, uid=uid, key=idempotency_key, scope="accountDelete",
                fingerprint=fingerprint, result_id=job["_id"], now=now, session=session,
            )  # fmt: skip
        return stored

    stored = await run_transaction(db, write)
    return DeletionRequest(
        requested_at=stored["created_at"], done=stored["state"] == OutboxState.SENT.value
    )


# --- the job ---------------------------------------------------------------------------------


async def _identify(db: Database, app: firebase_admin.App, uid: str) -> list[str]:
    """E-mail, phone and display names from Firebase and the profile (before either goes)."""
    values: list[str | None] = []
    try:
        user = await asyncio.to_thread(firebase_auth.get_user, uid, app=app)
        values += [user.email, user.phone_number, user.display_name]
    except firebase_auth.UserNotFoundError:
        pass
    profiles = await auth_repository.profiles(db, [uid])
    values += [profile.display_name for profile in profiles]
    return list(erasure.identifiers(*values))


async def _delete_firebase_user(app: firebase_admin.App, uid: str) -> None:
    with contextlib.suppress(firebase_auth.UserNotFoundError):  # a repeated step: gone already
        await asyncio.to_thread(firebase_auth.delete_user, uid, app=app)


class DeletionJob:
    """Runs one claimed deletion job for a worker (see the module's docstring)."""

    def __init__(
        self, db: Database, app: firebase_admin.App, *, worker: str, lease: timedelta
    ) -> None:
        self.db = db
        self.app = app
        self.worker = worker
        self.lease = lease

    async def run(
        self, doc: OutboxDoc, now: datetime, *, max_steps: int | None = None
    ) -> OutboxState:
        """Carry the job on from its last recorded step; `max_steps` stops early, as a crash
        would (the lease then runs out and the next claim resumes)."""
        progress: dict[str, Any] = dict(doc.progress)
        pseudonym = str(doc.data["pseudonym"])
        if progress.get("phase") == "bookings_later":
            return await self._erase_later_contacts(doc, progress, pseudonym, now)
        uid = str(doc.data["uid"])
        done: list[str] = list(progress.get("done", []))
        try:
            for name, step in self._steps(uid, pseudonym, progress, now):
                if name in done:
                    continue
                if max_steps is not None and max_steps <= 0:
                    return OutboxState.SENDING
                if await step() is False:
                    return await self._wait_for_confirmation(doc, now)
                done.append(name)
                progress["done"] = done
                if max_steps is not None:
                    max_steps -= 1
                if not await outbox.checkpoint(
                    self.db, outbox_id=doc.id, worker=self.worker, progress=progress,
                    lease_until=now + self.lease,
                ):  # fmt: skip
                    return OutboxState.SENDING
        except Exception as error:
            # Kept pending, never dead: a deletion must finish. The error's text may name the
            # user, so only its type is recorded.
            log.exception("account deletion job failed; retrying later")
            return await self._retry(doc, now, type(error).__name__)
        return await self._finish(doc, progress, pseudonym, now)

    def _steps(
        self, uid: str, pseudonym: str, progress: dict[str, Any], now: datetime
    ) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
        db = self.db

        def who() -> erasure.Identity:
            found = tuple(progress.get("identifiers", ()))
            return erasure.Identity(uid=uid, pseudonym=pseudonym, identifiers=found)

        async def confirmed() -> bool:
            message = await outbox.get(db, f"{job_id(pseudonym)}:confirm")
            return message is None or message.state in (OutboxState.SENT, OutboxState.DEAD)

        async def identify() -> None:
            progress["identifiers"] = await _identify(db, self.app, uid)

        async def bookings() -> None:
            await booking_holds.pseudonymise_holds(db, uid, pseudonym=pseudonym)
            kept = await booking_records.pseudonymise_bookings(
                db, uid, pseudonym=pseudonym, now=now
            )
            progress["kept_until"] = kept

        def email() -> str | None:
            return next((value for value in who().identifiers if "@" in value), None)

        return [
            ("confirm", confirmed),
            ("identify", identify),
            ("firebase", lambda: _delete_firebase_user(self.app, uid)),
            ("notifications", lambda: erasure.notifications(db, who())),
            ("reports", lambda: erasure.reports(db, who())),
            ("tourism", lambda: erasure.tourism(db, who())),
            ("bookings", bookings),
            ("media", lambda: erasure.media(db, who())),
            ("keys", lambda: erasure.keys(db, who())),
            ("staff", lambda: erasure.staff(db, who(), now)),
            ("audit", lambda: erasure.audit_trail(db, who(), now)),
            ("outbox", lambda: erasure.messages(db, who(), email())),
            ("profile", lambda: auth_repository.delete_profile(db, uid)),
        ]

    async def _finish(
        self, doc: OutboxDoc, progress: dict[str, Any], pseudonym: str, now: datetime
    ) -> OutboxState:
        """The job forgets the uid and identifiers; it stays pending while contacts wait."""
        await audit.record(
            self.db,
            AuditEntryDoc.new(
                actor=pseudonym, action="account.delete", object_type="user",
                object_id=pseudonym, at=now,
            ),
        )  # fmt: skip
        kept_until = progress.get("kept_until")
        fields: dict[str, Any] = {
            "data": {"pseudonym": pseudonym},
            "progress": {"done": progress.get("done", []), "deleted_at": now},
            "last_error": None,
        }
        if kept_until is not None:
            fields["progress"].update(phase="bookings_later", kept_until=kept_until)
            fields.update(state=OutboxState.PENDING.value, next_attempt_at=kept_until)
            state = OutboxState.PENDING
        else:
            fields.update(state=OutboxState.SENT.value, sent_at=now)
            state = OutboxState.SENT
        await outbox.finish(
            self.db, outbox_id=doc.id, worker=self.worker, set_fields=fields, inc_attempts=False
        )
        return state

    async def _erase_later_contacts(
        self, doc: OutboxDoc, progress: dict[str, Any], pseudonym: str, now: datetime
    ) -> OutboxState:
        kept = await booking_records.pseudonymise_bookings(
            self.db, pseudonym, pseudonym=pseudonym, now=now
        )
        fields: dict[str, Any] = {"progress": {**progress, "kept_until": kept}}
        if kept is not None:
            fields.update(state=OutboxState.PENDING.value, next_attempt_at=kept)
        else:
            fields.update(state=OutboxState.SENT.value, sent_at=now)
        await outbox.finish(
            self.db, outbox_id=doc.id, worker=self.worker, set_fields=fields, inc_attempts=False
        )
        return OutboxState.PENDING if kept is not None else OutboxState.SENT

    async def _wait_for_confirmation(self, doc: OutboxDoc, now: datetime) -> OutboxState:
        await outbox.finish(
            self.db, outbox_id=doc.id, worker=self.worker,
            set_fields={"state": OutboxState.PENDING.value, "next_attempt_at": now + CONFIRM_WAIT},
            inc_attempts=False,
        )  # fmt: skip
        return OutboxState.PENDING

    async def _retry(self, doc: OutboxDoc, now: datetime, error: str) -> OutboxState:
        wait = min(CONFIRM_WAIT * (2 ** min(doc.attempts, 8)), RETRY_CAP)
        await outbox.finish(
            self.db, outbox_id=doc.id, worker=self.worker,
            set_fields={
                "state": OutboxState.PENDING.value, "next_attempt_at": now + wait,
                "last_error": error,
            },
            inc_attempts=True,
        )  # fmt: skip
        return OutboxState.PENDING


async def run_job(
    db: Database,
    app: firebase_admin.App,
    doc: OutboxDoc,
    now: datetime,
    *,
    worker: str,
    lease: timedelta,
) -> OutboxState:
    """The outbox job handler for JOB_KIND (backend.domains.OUTBOX_JOBS)."""
    return await DeletionJob(db, app, worker=worker, lease=lease).run(doc, now)
