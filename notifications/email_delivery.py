"""Deliver one outbox message of the email channel: render it, build the MIME message, send it
through SMTP (backend/email), and end the claim: SENT, PENDING again with backoff (a connection
failure, a 4xx answer) or DEAD (a 5xx refusal, too many attempts, no SMTP server configured).

The Message-ID is derived from the outbox document, so the rare copy sent twice (the worker died
between the server's answer and the finish) is recognisable as the same message.
"""

from __future__ import annotations

import logging
from datetime import datetime

from backend import outbox
from backend.db import Database
from backend.email import message as email_message
from backend.email import templates as email_templates
from backend.email.smtp import Mailer, PermanentEmailError
from backend.notifications.models import MAX_ATTEMPTS, OutboxDoc, OutboxState
from notifications.delivery import backoff

log = logging.getLogger(__name__)


def is_email(doc: OutboxDoc) -> bool:
    return "email" in doc.recipients


class EmailDelivery:
    """Sends email-channel outbox messages for one worker."""

    def __init__(self, db: Database, mailer: Mailer | None, *, worker_id: str) -> None:
        self.db = db
        self.mailer = mailer
        self.worker_id = worker_id

    async def deliver(self, doc: OutboxDoc, now: datetime) -> OutboxState:
        """Send a claimed email message; returns the state it is left in."""
        if not email_templates.has_template(doc.kind):
            return await self._end(doc, OutboxState.DEAD, now, error=f"no template {doc.kind}")
        if self.mailer is None:
            # Kept (DEAD, not dropped): once SMTP_HOST is set, the console's retry sends it.
            return await self._end(doc, OutboxState.DEAD, now, error="SMTP_HOST is not set")
        rendered = email_templates.render(doc.kind, doc.data)
        mime = email_message.build(
            rendered,
            sender=self.mailer.sender,
            to=str(doc.recipients["email"]),
            message_id=f"<{doc.event_id}@thanglong>",
            ticket_code=doc.data.get("ticket_code"),
            now=now,
        )
        try:
            await self.mailer.send(mime)
        except PermanentEmailError as error:
            return await self._end(doc, OutboxState.DEAD, now, error=str(error))
        except Exception as error:  # connection refused, timeouts, 4xx: try again later
            message = f"{type(error).__name__}: {error}"
            log.warning("email %s not sent: %s", doc.id, message)
            if doc.attempts + 1 >= MAX_ATTEMPTS:
                return await self._end(doc, OutboxState.DEAD, now, error=message)
            await outbox.finish(
                self.db,
                outbox_id=doc.id,
                worker=self.worker_id,
                set_fields={
                    "state": OutboxState.PENDING.value,
                    "next_attempt_at": now + backoff(doc.attempts),
                    "last_error": message,
                },
                inc_attempts=True,
            )
            return OutboxState.PENDING
        return await self._end(doc, OutboxState.SENT, now)

    async def _end(
        self, doc: OutboxDoc, state: OutboxState, now: datetime, *, error: str | None = None
    ) -> OutboxState:
        fields: dict[str, object] = {"state": state.value}
        if state is OutboxState.SENT:
            fields["sent_at"] = now
        else:
            fields["dead_at"] = now
            fields["last_error"] = error
        await outbox.finish(
            self.db,
            outbox_id=doc.id,
            worker=self.worker_id,
            set_fields=fields,
            inc_attempts=state is not OutboxState.SENT,
        )
        return state
