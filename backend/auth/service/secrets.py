"""Keys derived from PRIVACY_SECRET: a deleted account's pseudonym and data-export links.

The pseudonym is an HMAC of the uid, so the same person gets the same one in every record of
their deletion (the audit trail keeps "one person did these") while the uid cannot be recovered
from it without the secret. Export links carry the uid and an expiry, signed: whoever holds the
link may download until it expires, so it lives minutes and is handed only to the viewer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime

import orjson

from backend.settings import Settings

PSEUDONYM_PREFIX = "deleted-"
# Development and tests only: production refuses to start without CURSOR_SECRET.
_DEVELOPMENT_SECRET = "thanglong-development-privacy-secret"  # noqa: S105 - not production


def _key(settings: Settings, purpose: str) -> bytes:
    """A key per purpose, so a pseudonym can never double as a link signature."""
    secret = settings.privacy_secret or settings.cursor_secret or _DEVELOPMENT_SECRET
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def pseudonym(settings: Settings, uid: str) -> str:
    """The stable pseudonym that replaces a deleted user's uid where a record must stay."""
    digest = hmac.new(_key(settings, "pseudonym"), uid.encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:32]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def export_token(settings: Settings, *, uid: str, expires_at: datetime) -> str:
    """A signed token naming whose data to export and until when."""
    body = _b64(orjson.dumps({"uid": uid, "exp": int(expires_at.timestamp())}))
    signature = hmac.new(_key(settings, "export"), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(signature)}"


def export_uid(settings: Settings, token: str, *, now: datetime) -> str | None:
    """The uid of a valid, unexpired export token; None for anything else."""
    body, _, signature = token.partition(".")
    if not body or not signature or len(token) > 1024:
        return None
    expected = hmac.new(_key(settings, "export"), body.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(signature), expected):
            return None
        claims = orjson.loads(_unb64(body))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        return None
    uid, expires = claims.get("uid"), claims.get("exp")
    if not isinstance(uid, str) or not isinstance(expires, int):
        return None
    return uid if datetime.fromtimestamp(expires, UTC) > now else None
