"""Deliver one outbox message: expand recipients page by page, render, send through FCM.

A message is delivered in pages of users. After each page the worker records how far it got
(`progress.after`) and extends its lease, so a worker killed mid-message leaves the rest to the next
one, which resumes after the last recorded page; only the page in flight can be sent twice, and the
`messageId` in every push lets the app drop such a repeat.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import firebase_admin
from firebase_admin import exceptions as firebase_exceptions
from firebase_admin import messaging

from backend import outbox
from backend.clock import HANOI
from backend.db import Database, Document
from backend.notifications import repository as notification_repository
from backend.notifications import templates
from backend.notifications.models import (
    MAX_ATTEMPTS,
    Audience,
    DeviceDoc,
    OutboxDoc,
    OutboxState,
    PreferencesDoc,
    QuietHours,
    always_delivered,
    audience_of,
    topic_of,
)
from notifications import payload

log = logging.getLogger(__name__)

USERS_PER_PAGE = 500
# Concurrent sends per send_each_async call. FCM accepts 500, but httpx's connection pool gets
# slower than linear with hundreds of requests in flight; 100 measured fastest (bench_alert_fanout).
FCM_BATCH = 100
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)

# Per-device outcomes: the token is dead, or the send may work later.
_DEAD_TOKEN = (messaging.UnregisteredError, messaging.SenderIdMismatchError)
_TRANSIENT = (
    messaging.QuotaExceededError,
    firebase_exceptions.UnavailableError,
    firebase_exceptions.InternalError,
    firebase_exceptions.DeadlineExceededError,
    firebase_exceptions.UnknownError,
    messaging.ThirdPartyAuthError,
)


@dataclass
class SendOutcome:
    sent: int = 0
    pruned: list[str] = field(default_factory=list)
    retry_tokens: list[str] = field(default_factory=list)
    retry_after: float | None = None
    last_error: str | None = None


def backoff(attempts: int) -> timedelta:
    """Capped exponential backoff with jitter (half fixed, half random) for the next attempt."""
    ceiling = min(BACKOFF_BASE * (2**attempts), BACKOFF_CAP)
    return ceiling / 2 + ceiling / 2 * random.random()  # noqa: S311 - jitter, not security


def quiet_end(quiet: QuietHours, now: datetime) -> datetime:
    """When the quiet period that contains `now` ends (UTC)."""
    local = now.astimezone(HANOI)
    end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(now.tzinfo)


class Delivery:
    """Delivers outbox messages for one worker through one firebase-admin app."""

    def __init__(
        self,
        db: Database,
        firebase_app: firebase_admin.App,
        *,
        worker_id: str,
        lease: timedelta,
        users_per_page: int = USERS_PER_PAGE,
    ) -> None:
        self.db = db
        self.app = firebase_app
        self.worker_id = worker_id
        self.lease = lease
        self.users_per_page = users_per_page

    async def _next_users(self, doc: OutboxDoc, after: str | None) -> list[str]:
        recipients = doc.recipients
        limit = self.users_per_page
        if "uids" in recipients:
            remaining = sorted(uid for uid in recipients["uids"] if after is None or uid > after)
            return remaining[:limit]
        if recipients.get("all"):
            return await notification_repository.device_owners_page(
                self.db, after=after, limit=limit
            )
        if recipients.get("areas"):
            return await notification_repository.area_followers_page(
                self.db, area_ids=recipients["areas"], after=after, limit=limit
            )
        return []

    async def _recipients(
        self, doc: OutboxDoc, devices: list[DeviceDoc]
    ) -> dict[str, payload.Recipient]:
        """Each user's inbox item of this message and unread count (two queries a page).

        Inbox items are written before anything is sent, so the count includes this one.
        """
        uids = list(dict.fromkeys(device.uid for device in devices))
        items = await notification_repository.inbox_item_ids(
            self.db, outbox_id=doc.event_id, uids=uids
        )
        unread = await notification_repository.unread_counts(self.db, uids)
        return {
            uid: payload.Recipient(uid=uid, inbox_item_id=items.get(uid), unread_count=unread[uid])
            for uid in uids
        }

    async def send(self, doc: OutboxDoc, devices: list[DeviceDoc]) -> SendOutcome:
        """Send to each device once; classify failures per device."""
        outcome = SendOutcome()
        recipients = await self._recipients(doc, devices)
        for start in range(0, len(devices), FCM_BATCH):
            batch = devices[start : start + FCM_BATCH]
            messages = [payload.message(doc, device, recipients[device.uid]) for device in batch]
            try:
                response = await messaging.send_each_async(messages, dry_run=False, app=self.app)
            except firebase_exceptions.FirebaseError as error:
                outcome.retry_tokens.extend(device.token for device in batch)
                outcome.last_error = f"{type(error).__name__}: {error}"
                continue
            for device, result in zip(batch, response.responses, strict=True):
                if result.success:
                    outcome.sent += 1
                    continue
                failure = result.exception
                outcome.last_error = f"{type(failure).__name__}: {failure}"
                if isinstance(failure, _DEAD_TOKEN) or (
                    isinstance(failure, firebase_exceptions.InvalidArgumentError)
                    and not isinstance(failure, _TRANSIENT)
                ):
                    outcome.pruned.append(device.token)
                elif isinstance(failure, _TRANSIENT):
                    outcome.retry_tokens.append(device.token)
                    if isinstance(failure, messaging.QuotaExceededError):
                        outcome.retry_after = max(outcome.retry_after or 0, _retry_after(failure))
                else:
                    # Unknown per-device failures are retried too: losing a push is worse.
                    outcome.retry_tokens.append(device.token)
        if outcome.pruned:
            await notification_repository.delete_devices(self.db, outcome.pruned)
        return outcome

    def _inbox_items(self, doc: OutboxDoc, uids: list[str], now: datetime) -> list[Document]:
        link, _ = payload.deep_link(doc.kind, doc.data)
        texts = {
            audience: templates.render_all(doc.kind, doc.data, audience) for audience in Audience
        }
        items = []
        for uid in uids:
            title, body = texts[audience_of(doc.data, uid)]
            items.append(
                {
                    "outbox_id": doc.event_id,
                    "uid": uid,
                    "kind": doc.kind,
                    "title": title,
                    "body": body,
                    "deep_link": link,
                    "read": False,
                    "created_at": now,
                }
            )
        return items

    async def _defer(
        self,
        doc: OutboxDoc,
        page: int,
        prefs: dict[str, PreferencesDoc],
        uids: list[str],
        now: datetime,
    ) -> None:
        by_end: dict[datetime, list[str]] = {}
        for uid in uids:
            quiet = prefs[uid].quiet_hours
            assert quiet is not None
            by_end.setdefault(quiet_end(quiet, now), []).append(uid)
        for end, group in by_end.items():
            await outbox.insert_deferred(
                self.db,
                {
                    # Derived id: a page redone after a crash defers nobody twice.
                    "_id": f"{doc.id}:p{page}:{int(end.timestamp())}",
                    "kind": doc.kind,
                    "recipients": {"uids": group},
                    "data": doc.data,
                    "urgent": False,
                    "deferred": True,
                    "skip_inbox": True,
                    "origin_id": doc.event_id,
                    "state": OutboxState.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": end,
                    "created_at": now,
                },
            )

    async def deliver(self, doc: OutboxDoc, now: datetime) -> OutboxState:
        """Deliver a claimed message; returns the state it is left in."""
        if not templates.has_template(doc.kind):
            # Some events (a follow, say) are recorded for the timeline but push nothing.
            await self._finish(doc, OutboxState.SENT, now, note="no template")
            return OutboxState.SENT
        progress: dict[str, Any] = dict(doc.progress)
        retry: list[str] = list(progress.get("retry", []))
        if retry:
            devices = await notification_repository.devices_by_token(self.db, retry)
            outcome = await self.send(doc, devices)
            if outcome.retry_tokens:
                return await self._retry_later(doc, progress, outcome, now)
            progress["retry"] = []
            if not await self._checkpoint(doc, progress, now):
                return OutboxState.SENDING
        topic = topic_of(doc.kind)
        always = always_delivered(doc.kind)  # account notices: no topic switches them off
        deferrable = not doc.urgent and not doc.deferred
        while True:
            uids = await self._next_users(doc, progress.get("after"))
            if not uids:
                break
            page = int(progress.get("page", 0))
            prefs = await notification_repository.preferences_of(self.db, uids)
            wanted = [uid for uid in uids if always or prefs[uid].wants(topic)]
            local_now = now.astimezone(HANOI).time()
            quiet = [
                uid
                for uid in wanted
                if deferrable
                and prefs[uid].quiet_hours is not None
                and prefs[uid].quiet_hours.contains(local_now)  # type: ignore[union-attr]
            ]
            if not doc.skip_inbox:
                await notification_repository.add_inbox_items(
                    self.db, self._inbox_items(doc, wanted, now)
                )
            if quiet:
                await self._defer(doc, page, prefs, quiet, now)
            quiet_set = set(quiet)
            send_to = [uid for uid in wanted if uid not in quiet_set]
            devices = await notification_repository.devices_of(self.db, send_to)
            outcome = await self.send(doc, devices)
            progress["after"] = uids[-1]
            progress["page"] = page + 1
            if outcome.retry_tokens:
                return await self._retry_later(doc, progress, outcome, now)
            if not await self._checkpoint(doc, progress, now):
                return OutboxState.SENDING
        await self._finish(doc, OutboxState.SENT, now)
        return OutboxState.SENT

    async def _checkpoint(self, doc: OutboxDoc, progress: dict[str, Any], now: datetime) -> bool:
        kept = await outbox.checkpoint(
            self.db,
            outbox_id=doc.id,
            worker=self.worker_id,
            progress=progress,
            lease_until=now + self.lease,
        )
        if not kept:
            log.warning("lost the lease on outbox %s; another worker continues it", doc.id)
        return kept

    async def _retry_later(
        self, doc: OutboxDoc, progress: dict[str, Any], outcome: SendOutcome, now: datetime
    ) -> OutboxState:
        progress["retry"] = outcome.retry_tokens
        attempts = doc.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            await self._finish(
                doc, OutboxState.DEAD, now, progress=progress, error=outcome.last_error, failed=True
            )
            return OutboxState.DEAD
        wait = (
            timedelta(seconds=outcome.retry_after)
            if outcome.retry_after is not None
            else backoff(doc.attempts)
        )
        await outbox.finish(
            self.db,
            outbox_id=doc.id,
            worker=self.worker_id,
            set_fields={
                "state": OutboxState.PENDING.value,
                "next_attempt_at": now + wait,
                "progress": progress,
                "last_error": outcome.last_error,
            },
            inc_attempts=True,
        )
        return OutboxState.PENDING

    async def _finish(
        self,
        doc: OutboxDoc,
        state: OutboxState,
        now: datetime,
        *,
        progress: dict[str, Any] | None = None,
        error: str | None = None,
        note: str | None = None,
        failed: bool = False,
    ) -> None:
        fields: dict[str, Any] = {"state": state.value}
        if state is OutboxState.SENT:
            fields["sent_at"] = now
        if state is OutboxState.DEAD:
            fields["dead_at"] = now
            fields["last_error"] = error
        if progress is not None:
            fields["progress"] = progress
        if note:
            fields["note"] = note
        await outbox.finish(
            self.db, outbox_id=doc.id, worker=self.worker_id, set_fields=fields, inc_attempts=failed
        )


def _retry_after(error: Exception) -> float:
    response = getattr(error, "http_response", None)
    header = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(header)) if header is not None else 60.0
    except ValueError:
        return 60.0
