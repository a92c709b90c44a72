"""The account deletion's steps in each domain, and what names the user in free text.

Each function is one step of the deletion job (backend/auth/service/deletion.py), idempotent:
personal records deleted through their repositories' named functions, what the city keeps
de-identified (README, "Privacy").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import audit, clock, idempotency, outbox, ratelimit
from backend.audit import AuditEntryDoc
from backend.auth import repository as auth_repository
from backend.bookings.repository import bookings as booking_records
from backend.db import Database, run_transaction
from backend.media import repository as media_repository
from backend.meta import repository as meta_repository
from backend.moderation import repository as moderation_repository
from backend.moderation.models import AuditAction
from backend.notifications import repository as notification_repository
from backend.notifications.service import staff as staff_notices
from backend.reports import repository as report_repository
from backend.text import terms
from backend.tourism import repository as tourism_repository
from backend.tourism.repository import reviews as review_records

REDACTED = "[đã xoá · removed]"
MIN_IDENTIFIER = 3  # shorter "names" would redact ordinary words
REPORT_BATCH = 200
STAFF_BATCH = 200
# The reason recorded when a deleted staff member's assignments and locks are let go.
ACCOUNT_DELETED = "account deleted"


@dataclass(frozen=True, kw_only=True)
class Identity:
    """What names the user in free text: redacted from what stays."""

    uid: str
    pseudonym: str
    identifiers: tuple[str, ...]

    def redact(self, text: str) -> str:
        if not self.identifiers:
            return text
        pattern = "|".join(re.escape(value) for value in self.identifiers)
        return re.sub(pattern, REDACTED, text, flags=re.IGNORECASE)


def identifiers(*values: str | None) -> tuple[str, ...]:
    """The user's identifiers worth redacting, longest first; a +84 phone also as 0..."""
    found: set[str] = set()
    for value in values:
        value = (value or "").strip()
        if len(value) >= MIN_IDENTIFIER:
            found.add(value)
            if value.startswith("+84"):
                found.add("0" + value[3:])
    return tuple(sorted(found, key=len, reverse=True))


async def reports(db: Database, who: Identity) -> None:
    """Follows, "me too"s and their content flags go; reports stay under the pseudonym,
    identifiers redacted (the whole text when flagged as showing personal data)."""
    await report_repository.delete_memberships(db, who.uid)
    await run_transaction(
        db,
        lambda session: moderation_repository.delete_flags_of(
            db, who.uid, at=clock.now(), session=session
        ),
    )
    while True:
        # Each round re-reads: a de-identified report no longer matches the reporter.
        batch: list[dict[str, Any]] = []
        async for chunk in report_repository.reporter_batches(db, who.uid, batch=REPORT_BATCH):
            batch = chunk
            break
        if not batch:
            return
        flagged = await moderation_repository.flagged_for_personal_data(
            db, [str(doc["_id"]) for doc in batch]
        )
        texts: dict[ObjectId, str] = {}  # the descriptions that changed, as they are now
        for doc in batch:
            changes: dict[str, Any] = {}
            description = doc.get("description") or ""
            # Flagged as showing personal data: the whole text goes; else their identifiers.
            kept = REDACTED if str(doc["_id"]) in flagged else who.redact(description)
            if kept != description:
                texts[doc["_id"]] = kept
                changes["description"] = kept
                changes["search_terms"] = terms(kept, doc.get("address"))
            comment = (doc.get("rating") or {}).get("comment")
            if isinstance(comment, str) and who.redact(comment) != comment:
                changes["rating.comment"] = who.redact(comment)
            await report_repository.deidentify_report(
                db, doc["_id"], reporter=who.uid, pseudonym=who.pseudonym, changes=changes,
                unset=["submitter"] if "submitter" in doc else [],
            )  # fmt: skip
        ids = [doc["_id"] for doc in batch]
        await moderation_repository.redact_originals(db, ids, who.redact)
        await _staff_quotes(db, ids, texts, who)


async def _staff_quotes(
    db: Database, report_ids: list[ObjectId], texts: dict[ObjectId, str], who: Identity
) -> None:
    """Staff notices quote a report's text in their titles (cut at 80 characters: an e-mail
    may be cut too), and the digests that told them (outbox and inbox) quote the titles: the
    titles are made again from the reports' new texts."""

    def title(report_id: ObjectId, text: str) -> str:
        now = texts.get(report_id)
        return who.redact(text) if now is None else staff_notices.notice_title(now)

    changed = await notification_repository.redact_notice_titles(db, report_ids, title)
    if not changed:
        return
    replacements = {item.old: item.new for item in changed}

    def quoted(text: str) -> str:
        for old, new in replacements.items():
            text = text.replace(old, new)
        return who.redact(text)

    digests = list(dict.fromkeys(item.digest for item in changed if item.digest is not None))
    await outbox.redact_texts(db, digests, quoted)
    await notification_repository.redact_items(db, digests, quoted)


async def notifications(db: Database, who: Identity) -> None:
    await notification_repository.delete_user_devices(db, who.uid)
    await notification_repository.delete_preferences(db, who.uid)
    await notification_repository.delete_inbox(db, who.uid)
    await notification_repository.forget_staff_member(db, who.uid)  # a staff member's notices


async def staff(db: Database, who: Identity, now: datetime) -> None:
    """A staff member's place in the directory (their e-mail): their account is gone. Their
    assignments go back to the unit's queue and their locks are released (audited under the
    pseudonym); the alerts they sent, edited or cancelled, the originals they kept by editing a
    report, the canned answers they wrote, the bans they set, the reviews they hid and the
    tickets they redeemed or no-shows they marked name the pseudonym."""
    await moderation_repository.remove_staff_member(db, who.uid)
    let_go = (
        (report_repository.unassign_staff_member, AuditAction.ASSIGN, "assignee"),
        (report_repository.release_locks_of, AuditAction.LOCK, "locked_by"),
    )
    for release, action, field in let_go:
        batch = functools.partial(_let_go, db, who, release, action, field, now)
        while await run_transaction(db, batch):
            pass
    await notification_repository.pseudonymise_authors(db, who.uid, pseudonym=who.pseudonym)
    await moderation_repository.pseudonymise_staff_work(db, who.uid, pseudonym=who.pseudonym)
    # The bans they set, the reviews they hid, the tickets they redeemed and the no-shows they
    # marked: a batch of those still naming them per transaction, until none is left.
    for pseudonymise in (
        auth_repository.pseudonymise_banned_by,
        review_records.pseudonymise_hidden_by,
        booking_records.pseudonymise_staff_marks,
    ):
        while await run_transaction(db, _renaming(db, who, pseudonymise)):
            pass


async def _let_go(
    db: Database,
    who: Identity,
    release: Callable[..., Awaitable[list[ObjectId]]],
    action: str,
    field: str,
    now: datetime,
    session: AsyncClientSession,
) -> int:
    """One batch of reports let go, with an audit entry each, in one transaction; how many."""
    ids = await release(db, who.uid, limit=STAFF_BATCH, session=session)
    for report_id in ids:
        entry = AuditEntryDoc.new(
            actor=who.pseudonym, action=action, object_type="report", object_id=str(report_id),
            reason=ACCOUNT_DELETED, before={field: who.pseudonym}, after={field: None}, at=now,
        )  # fmt: skip
        await audit.record(db, entry, session=session)
    return len(ids)


def _renaming(
    db: Database, who: Identity, write: Callable[..., Awaitable[int]]
) -> Callable[[AsyncClientSession], Awaitable[int]]:
    """One batch of a repository's pseudonymising write, for run_transaction; how many."""

    async def batch(session: AsyncClientSession) -> int:
        return await write(db, who.uid, pseudonym=who.pseudonym, limit=STAFF_BATCH, session=session)

    return batch


async def tourism(db: Database, who: Identity) -> None:
    if await tourism_repository.delete_user_data(db, who.uid):
        await meta_repository.bump_public_version(db)  # ratings changed


async def keys(db: Database, who: Identity) -> None:
    await idempotency.delete_user_keys(db, who.uid)
    await ratelimit.forget_subject(db, who.uid)
    await auth_repository.delete_consents(db, who.uid)


async def media(db: Database, who: Identity) -> None:
    await media_repository.give_to(db, who.uid, new_owner=who.pseudonym)


async def audit_trail(db: Database, who: Identity, now: datetime) -> None:
    await audit.pseudonymise(db, who.uid, pseudonym=who.pseudonym)


async def messages(db: Database, who: Identity, email: str | None) -> None:
    quoting = await outbox.forget_user(
        db, who.uid, pseudonym=who.pseudonym, email=email, redact=who.redact
    )
    # Followers' inbox items quote the same text.
    await notification_repository.redact_items(db, quoting, who.redact)
