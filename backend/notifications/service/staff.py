"""Telling staff: a notice per event and person, pushed as digests.

Each event (a new report in the unit, a reopened one, an answer rated 1 or 2 stars, an
assignment, a deadline reminder or escalation) writes one `staff_notices` document per person in
the transaction of the change. The worker's digest job gives each person at most one outbox
message per WINDOW: the only pending notice in its own words, or several as one push with their
count. The outbox then does the rest as for residents: an inbox item, the push, quiet hours
(deferred unless a notice is URGENT), retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import outbox
from backend.clock import HANOI
from backend.db import Database, run_transaction
from backend.moderation import repository as moderation_repository
from backend.moderation.models import Priority, acting_units
from backend.notifications import repository as notification_repository
from backend.notifications.models import StaffNoticeDoc, StaffNoticeKind
from backend.reports.models import ReportDoc

# At most one push per person per window; the rest wait and go out together with a count.
WINDOW = timedelta(minutes=15)
DIGEST_KIND = "staff.digest"
PEOPLE_PER_RUN = 200
NOTICES_PER_DIGEST = 100

K = StaffNoticeKind
# Headings and bodies of one notice; {title}, {due}, {stars}, {stage} filled in per language.
TEXTS: dict[StaffNoticeKind, dict[str, tuple[str, str]]] = {
    K.NEW: {
        "vi": ("Phản ánh mới cho đơn vị", "“{title}”: cần tiếp nhận trước {due}."),
        "en": ("New report for your unit", "“{title}”: acknowledge it by {due}."),
    },
    K.REOPENED: {
        "vi": ("Phản ánh bị mở lại", "Người dân cho biết “{title}” chưa được khắc phục."),
        "en": ("A report was reopened", "A resident says “{title}” is not fixed."),
    },
    K.LOW_RATING: {
        "vi": ("Câu trả lời bị đánh giá thấp", "Người phản ánh chấm {stars}/5 sao cho “{title}”."),
        "en": ("An answer was rated low", "The reporter gave “{title}” {stars}/5 stars."),
    },
    K.ASSIGNED: {
        "vi": ("Bạn được giao một phản ánh", "“{title}”: hạn {due}."),
        "en": ("A report was assigned to you", "“{title}”: due {due}."),
    },
    K.REMINDER: {
        "vi": ("Sắp đến hạn xử lý", "“{title}” cần được {stage} trước {due}."),
        "en": ("Deadline approaching", "“{title}” must be {stage} by {due}."),
    },
    K.OVERDUE: {
        "vi": ("Phản ánh quá hạn", "“{title}” đã quá hạn {stage} ({due})."),
        "en": ("Report overdue", "“{title}” is past its deadline to be {stage} ({due})."),
    },
}
STAGES = {
    "ack": {"vi": "tiếp nhận", "en": "acknowledged"},
    "resolve": {"vi": "giải quyết", "en": "resolved"},
}


def hanoi_time(at: datetime | None, locale: str) -> str:
    """A time as people in Hanoi read it: 14:30 08/12/2026 (Hanoi time)."""
    if at is None:
        return "—"
    local = at.astimezone(HANOI)
    zone = "giờ Hà Nội" if locale == "vi" else "Hanoi time"
    return f"{local:%H:%M} {local:%d/%m/%Y} ({zone})"


def notice_texts(notice: StaffNoticeDoc) -> tuple[dict[str, str], dict[str, str]]:
    """Heading and body of one notice in vi and en."""
    headings, bodies = {}, {}
    for locale in ("vi", "en"):
        heading, body = TEXTS[notice.kind][locale]
        headings[locale] = heading
        bodies[locale] = body.format(
            title=notice.title,
            due=hanoi_time(notice.due_at, locale),
            stars=notice.stars or 0,
            stage=STAGES.get(notice.stage or "", {}).get(locale, ""),
        )
    return headings, bodies


def digest_texts(notices: Sequence[StaffNoticeDoc]) -> tuple[dict[str, str], dict[str, str]]:
    """One notice in its own words; several as a count with the latest one's words."""
    heading, body = notice_texts(notices[-1])
    if len(notices) == 1:
        return heading, body
    n = len(notices)
    return (
        {
            "vi": f"{n} thông báo về phản ánh của đơn vị",
            "en": f"{n} updates on your unit's reports",
        },
        {"vi": f"Mới nhất: {body['vi']}", "en": f"Latest: {body['en']}"},
    )


def notice_title(description: str) -> str:
    """A notice's title: the report's text on one line, at most 80 characters (also how an
    account deletion rewrites the titles quoting a deleted reporter's text)."""
    text = " ".join(description.split())
    return text if len(text) <= 80 else text[:79] + "…"


def _title(report: ReportDoc) -> str:
    return notice_title(report.description)


async def notify(
    db: Database,
    *,
    uids: Sequence[str],
    kind: StaffNoticeKind,
    report: ReportDoc,
    now: datetime,
    session: AsyncClientSession,
    due_at: datetime | None = None,
    stage: str | None = None,
    stars: int | None = None,
) -> int:
    """Record a notice for each of `uids` (in the caller's transaction); how many."""
    notices = [
        StaffNoticeDoc(
            id=ObjectId(),
            uid=uid,
            kind=kind,
            report_id=report.id,
            title=_title(report),
            created_at=now,
            due_at=due_at if due_at is not None else report.sla_due_at,
            stage=stage,
            stars=stars,
            urgent=report.priority == Priority.URGENT.value,
        )
        for uid in dict.fromkeys(uids)
    ]
    await notification_repository.add_notices(db, notices, session=session)
    return len(notices)


async def unit_staff(db: Database, report: ReportDoc, *, leads_only: bool = False) -> list[str]:
    """The staff (or only the leads) of the units that act on a report."""
    members = await moderation_repository.staff_of_units(
        db, acting_units(report.department, report.area), leads_only=leads_only
    )
    return [member.uid for member in members]


async def notify_unit(
    db: Database,
    *,
    report: ReportDoc,
    kind: StaffNoticeKind,
    now: datetime,
    session: AsyncClientSession,
    actor: str | None = None,
    stars: int | None = None,
) -> int:
    """Tell the staff of the report's unit (not the one acting)."""
    uids = [uid for uid in await unit_staff(db, report) if uid != actor]
    return await notify(
        db, uids=uids, kind=kind, report=report, now=now, session=session, stars=stars
    )


async def send_digests(db: Database, now: datetime) -> int:
    """The worker's job: for each person with pending notices whose window is free, one outbox
    message (several workers may run it: the window is a slot only one of them takes)."""
    sent = 0
    after: str | None = None
    while True:
        uids = await notification_repository.pending_uids(db, after=after, limit=PEOPLE_PER_RUN)
        for uid in uids:
            if await _digest(db, uid, now):
                sent += 1
        if len(uids) < PEOPLE_PER_RUN:
            return sent
        after = uids[-1]


async def _digest(db: Database, uid: str, now: datetime) -> bool:
    notices = await notification_repository.pending_of(db, uid, limit=NOTICES_PER_DIGEST)
    if not notices:
        return False
    if not await notification_repository.claim_slot(db, f"push:{uid}", now=now, every=WINDOW):
        return False
    heading, body = digest_texts(notices)
    data: dict[str, Any] = {"heading": heading, "text": body, "count": len(notices)}
    report_ids = list(dict.fromkeys(str(notice.report_id) for notice in notices))
    if len(report_ids) == 1:
        data["report_id"] = report_ids[0]
    message = outbox.message(
        kind=DIGEST_KIND,
        uids=[uid],
        data=data,
        now=now,
        urgent=any(notice.urgent for notice in notices),
    )

    async def write(session: AsyncClientSession) -> None:
        await notification_repository.mark_sent(
            db, [notice.id for notice in notices], digest=message["_id"], session=session
        )
        await outbox.enqueue(db, [message], session=session)

    await run_transaction(db, write)
    return True
