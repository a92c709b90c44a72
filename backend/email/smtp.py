"""Sending through SMTP with aiosmtplib: the settings' server, TLS mode and credentials."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from backend.settings import Settings

TIMEOUT_SECONDS = 30.0


class PermanentEmailError(Exception):
    """The server refused the message for good (a 5xx answer): retrying will not help."""


@dataclass(frozen=True)
class Mailer:
    host: str
    port: int
    tls: str  # starttls | tls | none
    sender: str
    username: str | None = None
    password: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Mailer | None:
        """The configured server; None without SMTP_HOST (emails then wait, see the worker)."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            tls=settings.smtp_tls,
            sender=settings.email_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )

    async def send(self, message: EmailMessage) -> None:
        """Send one message; PermanentEmailError for a 5xx refusal, other errors are transient."""
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                use_tls=self.tls == "tls",
                start_tls=self.tls == "starttls",
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            if all(500 <= refusal.code < 600 for refusal in error.recipients):
                raise PermanentEmailError(str(error)) from error
            raise
        except aiosmtplib.SMTPResponseException as error:
            if 500 <= error.code < 600:
                raise PermanentEmailError(f"{error.code} {error.message}") from error
            raise
