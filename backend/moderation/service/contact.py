"""A report's reporter contact, for the staff who handle it, on purpose and audited.

The report itself never shows an email address or a phone number (`Report.reporter` is an id
and a display name). A moderator, or staff of the unit the report is routed to, may ask for
`Report.reporterContact` when they need to reach the reporter; each read writes an audit entry
(who, which report, when), as Vietnam's personal data law asks of access to personal data.
The contact is read where it is kept: a partner app's submitter fields (Open311) on the report,
else the reporter's Firebase account (email, phone) and their app profile (display name).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

import firebase_admin
from firebase_admin import auth as firebase_auth
from firebase_admin import exceptions as firebase_exceptions

from backend import audit
from backend.audit import AuditEntryDoc
from backend.auth import repository as auth_repository
from backend.auth.models import Viewer
from backend.db import Database
from backend.moderation.models import AuditAction
from backend.moderation.permissions import may_act_on
from backend.reports import repository as report_repository
from backend.reports.models import ReportDoc

log = logging.getLogger(__name__)

APP, OPEN311 = "app", "open311"


@dataclass(frozen=True, kw_only=True)
class ReporterContactDoc:
    channel: str
    display_name: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None


async def _account(app: firebase_admin.App, uid: str) -> tuple[str | None, str | None]:
    """The email and phone of a Firebase account (a remote call, off the event loop)."""
    try:
        user = await asyncio.to_thread(firebase_auth.get_user, uid, app=app)
    except firebase_auth.UserNotFoundError:
        return None, None  # deleted since: nothing left to show
    except (firebase_exceptions.FirebaseError, ValueError) as error:
        log.warning("could not read the reporter's account: %s", error)
        return None, None
    return user.email, user.phone_number


async def reporter_contact(
    *,
    db: Database,
    firebase_app: firebase_admin.App,
    accounts: bool,
    viewer: Viewer,
    report: ReportDoc,
    now: datetime,
) -> ReporterContactDoc | None:
    """The reporter's contact for staff who may act on the report (audited); else None.

    `accounts`: whether Firebase user accounts can be read (production, the Auth emulator);
    without them (locally signed tokens in tests) an app reporter's email and phone are null."""
    if not may_act_on(viewer, report):
        return None
    await audit.record(
        db,
        AuditEntryDoc.new(
            actor=str(viewer.uid),
            action=AuditAction.READ_REPORTER_CONTACT,
            object_type="report",
            object_id=str(report.id),
            at=now,
        ),
    )
    submitter = await report_repository.submitter(db, report.id)
    if submitter is not None:
        parts = [submitter.get("first_name"), submitter.get("last_name")]
        return ReporterContactDoc(
            channel=OPEN311,
            name=" ".join(str(p) for p in parts if p) or None,
            email=submitter.get("email"),
            phone=submitter.get("phone"),
        )
    names = await auth_repository.display_names(db, [report.reporter])
    email, phone = await _account(firebase_app, report.reporter) if accounts else (None, None)
    return ReporterContactDoc(
        channel=APP, display_name=names.get(report.reporter), email=email, phone=phone
    )
