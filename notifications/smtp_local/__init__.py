"""A local SMTP sink for development (`make run`) and tests: it accepts every message and keeps it.

It stands in for a real SMTP server: the worker's email channel (notifications/email_delivery.py)
sends to it over TCP with aiosmtplib exactly as it would to a provider, in plain SMTP (production
refuses SMTP_TLS=none, so it can never be pointed here). A developer reads what arrived on its
web page; tests read it through the JSON control API.

This is a development and test tool, not a production service: messages live in memory (the
newest `MAX_MESSAGES`), it binds to loopback only, and it asks for no authentication.

HTTP (a second port): ``GET /`` the newest messages (text, links to the HTML body, the raw
message and the attachments), ``GET /_local/messages?to=&limit=`` as JSON,
``GET /_local/messages/{id}.eml``, ``GET /_local/messages/{id}/html``,
``GET /_local/messages/{id}/parts/{n}``, ``DELETE /_local/messages`` (forget everything), and
``PUT /_local/failure`` ``{"code": 451, "times": 1}`` to answer the next messages' DATA with an
SMTP error (4xx: the worker retries later; 5xx: the message is refused for good).

Run it with ``python -m notifications.smtp_local --smtp-port 1025 --http-port 8025``, or from
tests with :class:`LocalSmtp`, which starts it as a child process on free ports.
"""

from __future__ import annotations

from notifications.smtp_local.process import LocalSmtp
from notifications.smtp_local.sink import MAX_MESSAGES, SinkState

__all__ = ["MAX_MESSAGES", "LocalSmtp", "SinkState"]
