"""Ticket codes: Ed25519 keys from the settings, signing when a booking is confirmed, verifying.

The key is configured once per process (`configure`, from backend/app.py and the worker), like
page cursors' key: services sign without carrying settings through every call.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from backend.bookings.models import BookingDoc, ItemKind, TicketDoc, hanoi_date
from backend.clock import HANOI
from backend.settings import Settings, SettingsError

VERSION = 1
# A QR code of version 10-15 at level M; anything longer is not ours (and is not parsed).
MAX_CODE_LENGTH = 600
KEY_FILE = "ticket-signing-key"  # under DATA_DIR, outside production only


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TicketProblem(StrEnum):
    """Why a code does not verify (BookingErrorCode names)."""

    INVALID = "TICKET_INVALID"
    EXPIRED = "TICKET_EXPIRED"
    NOT_YET_VALID = "TICKET_NOT_YET_VALID"


class TicketCodeError(ValueError):
    def __init__(self, problem: TicketProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True, kw_only=True)
class TicketClaims:
    """What a verified code says."""

    booking_id: str
    operator: str
    day: str  # the departure or check-in day, Hanoi, ISO
    party: int
    valid_from: datetime
    valid_until: datetime
    key_id: str


@dataclass(frozen=True)
class TicketKeys:
    key_id: str
    private: Ed25519PrivateKey
    public: dict[str, Ed25519PublicKey]  # the current key and the retired ones, by id

    def public_document(self) -> dict[str, Any]:
        """The public keys as a JWK set (OKP/Ed25519, RFC 8037), for offline checkers."""
        keys = []
        for key_id, key in self.public.items():
            raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
            keys.append(
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "kid": key_id,
                    "x": b64url(raw),
                    "use": "sig",
                    "alg": "EdDSA",
                    "status": "current" if key_id == self.key_id else "retired",
                }
            )
        return {"keys": keys, "format": "base64url(payload).base64url(ed25519(payload part))"}


def _seed(text: str) -> bytes:
    try:
        seed = unb64url(text.strip())
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise SettingsError("TICKET_SIGNING_KEY must be 32 bytes in base64url (an Ed25519 seed)")
    return seed


def _development_seed(data_dir: Path) -> bytes:
    """A key made once and kept under DATA_DIR, so the web and the worker processes agree."""
    path = data_dir / KEY_FILE
    if path.is_file():
        return _seed(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    seed = os.urandom(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(b64url(seed))
    return seed


def load_keys(settings: Settings) -> TicketKeys:
    """The signing key (and the retired public keys) the settings describe."""
    if settings.ticket_signing_key:
        seed = _seed(settings.ticket_signing_key)
    elif settings.production:
        raise SettingsError("TICKET_SIGNING_KEY must be set in production")
    else:
        seed = _development_seed(settings.data_dir)
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public: dict[str, Ed25519PublicKey] = {}
    for entry in settings.ticket_retired_keys:
        key_id, _, raw = entry.partition(":")
        try:
            public[key_id.strip()] = Ed25519PublicKey.from_public_bytes(unb64url(raw.strip()))
        except (binascii.Error, ValueError) as error:
            raise SettingsError(
                "TICKET_RETIRED_KEYS must be id:base64url-public-key,..."
            ) from error
    public[settings.ticket_key_id] = private.public_key()
    return TicketKeys(settings.ticket_key_id, private, public)


_keys: TicketKeys | None = None


def configure(settings: Settings) -> TicketKeys:
    """Load this process's ticket keys (once at start-up)."""
    global _keys
    _keys = load_keys(settings)
    return _keys


def keys() -> TicketKeys:
    if _keys is None:
        raise RuntimeError("backend.bookings.tickets.codes.configure(settings) was not called")
    return _keys


def validity(booking: BookingDoc, *, now: datetime) -> tuple[datetime, datetime]:
    """From now (the confirmation) to midnight, Hanoi, after the service's last day: the
    departure's day, or the check-out day of a stay."""
    if booking.kind is ItemKind.ROOM and booking.nights:
        last = booking.nights[-1] + timedelta(days=1)  # the check-out day
    else:
        last = hanoi_date(booking.starts_at)
    end = datetime(last.year, last.month, last.day, tzinfo=HANOI) + timedelta(days=1)
    return now, end.astimezone(UTC)


def issue(booking: BookingDoc, *, now: datetime) -> TicketDoc:
    """Sign the ticket of a booking just confirmed."""
    signer = keys()
    valid_from, valid_until = validity(booking, now=now)
    not_before = int(valid_from.timestamp())
    payload = {
        "v": VERSION,
        "kid": signer.key_id,
        "bid": str(booking.id),
        "op": booking.product,
        "day": hanoi_date(booking.starts_at).isoformat(),
        "n": booking.guests,
        "nbf": not_before,
        "exp": int(valid_until.timestamp()),
    }
    head = b64url(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    signature = signer.private.sign(head.encode("ascii"))
    return TicketDoc(
        code=f"{head}.{b64url(signature)}",
        key_id=signer.key_id,
        valid_from=datetime.fromtimestamp(not_before, UTC),
        valid_until=valid_until,
        issued_at=now,
    )


def verify(code: str, *, now: datetime) -> TicketClaims:
    """The claims of a code signed by one of our keys and valid at `now`; TicketCodeError else."""
    invalid = TicketCodeError(TicketProblem.INVALID)
    code = code.strip()
    if len(code) > MAX_CODE_LENGTH or code.count(".") != 1:
        raise invalid
    head, _, signature = code.partition(".")
    try:
        payload = json.loads(unb64url(head))
        key = keys().public.get(payload["kid"]) if isinstance(payload, dict) else None
        if key is None:
            raise invalid
        key.verify(unb64url(signature), head.encode("ascii"))
        claims = TicketClaims(
            booking_id=str(payload["bid"]),
            operator=str(payload["op"]),
            day=str(payload["day"]),
            party=int(payload["n"]),
            valid_from=datetime.fromtimestamp(int(payload["nbf"]), UTC),
            valid_until=datetime.fromtimestamp(int(payload["exp"]), UTC),
            key_id=str(payload["kid"]),
        )
    except (InvalidSignature, ValueError, KeyError, TypeError, UnicodeError):
        raise invalid from None
    if payload.get("v") != VERSION:
        raise invalid
    if now >= claims.valid_until:
        raise TicketCodeError(TicketProblem.EXPIRED)
    if now < claims.valid_from:
        raise TicketCodeError(TicketProblem.NOT_YET_VALID)
    return claims
