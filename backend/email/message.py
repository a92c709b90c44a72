"""A rendered email as a MIME message: text and HTML alternatives, the ticket's QR inline (PNG)
and attached (SVG, for printing at any size)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from backend.bookings.tickets import qr
from backend.email.templates import QR_CID, Rendered


def build(
    rendered: Rendered,
    *,
    sender: str,
    to: str,
    message_id: str,
    ticket_code: str | None,
    now: datetime,
) -> EmailMessage:
    """The message; `message_id` is stable per outbox document so a resent copy is recognisable."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Content-Language"] = "vi, en"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if rendered.with_ticket and ticket_code:
        html_part = message.get_body(preferencelist=("html",))
        assert html_part is not None  # added just above
        html_part.add_related(
            qr.png(ticket_code), maintype="image", subtype="png", cid=f"<{QR_CID}>"
        )
        message.add_attachment(
            qr.svg(ticket_code).encode("utf-8"),
            maintype="image",
            subtype="svg+xml",
            filename="ticket.svg",
        )
    return message
