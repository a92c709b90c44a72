"""Errors and helpers shared by the booking services."""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from backend.auth.models import Role, Viewer
from backend.bookings.models import BookingErrorCode, Contact
from backend.db import Database, run_transaction
from backend.errors import DomainError, DomainErrors

T = TypeVar("T")

NAME_MAX, EMAIL_MAX = 100, 254
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .\-]{6,18}[0-9]$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

RETRY_SECONDS = 60.0
MAX_BACKOFF = 0.02


class BookingError(DomainError):
    def __init__(
        self, code: BookingErrorCode, *, en: str, vi: str, field: str | None = None
    ) -> None:
        super().__init__(code, en=en, vi=vi, field=field)


class BookingInputErrors(DomainErrors):
    """Several field errors at once (mobile forms show them together)."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        super().__init__(BookingErrorCode.INVALID_INPUT, errors)


def raise_all(errors: Sequence[DomainError | None]) -> None:
    """Raise the one error, or all of them together; nothing when there are none."""
    found = [error for error in errors if error is not None]
    if len(found) == 1:
        raise found[0]
    if found:
        raise BookingInputErrors(found)


def check_contact(contact: Contact) -> list[DomainError | None]:
    """The contact's field errors (a name, a phone number and an email address)."""
    errors: list[DomainError | None] = []
    if not 1 <= len(contact.name) <= NAME_MAX:
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en=f"1 to {NAME_MAX} characters",
                vi=f"Từ 1 đến {NAME_MAX} ký tự",
                field="contact.name",
            )
        )
    if not PHONE_RE.match(contact.phone):
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en="A phone number such as +84 912 345 678",
                vi="Một số điện thoại, ví dụ +84 912 345 678",
                field="contact.phone",
            )
        )
    if len(contact.email) > EMAIL_MAX or not EMAIL_RE.match(contact.email):
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en="An email address",
                vi="Một địa chỉ email hợp lệ",
                field="contact.email",
            )
        )
    return errors


def already_booked() -> BookingError:
    return BookingError(
        BookingErrorCode.HOLD_ALREADY_CONFIRMED,
        en="This hold is already booked",
        vi="Lượt giữ chỗ này đã được đặt",
        field="holdId",
    )


def not_found(*, en: str, vi: str, field: str) -> BookingError:
    """NOT_FOUND for a thing named in both languages (`en="hold", vi="lượt giữ chỗ này"`)."""
    return BookingError(
        BookingErrorCode.NOT_FOUND, en=f"No such {en}", vi=f"Không tìm thấy {vi}", field=field
    )


# The department that runs tour departures and hotel inventory (content/reports/departments.json).
TOURISM_DEPARTMENT = "so-du-lich"


def is_booking_staff(viewer: Viewer) -> bool:
    """Admins and the Department of Tourism's staff see and cancel anyone's booking.

    Not moderators, and not staff of other departments: a booking holds a customer's phone
    and email, and cancelling one by staff refunds it in full.
    """
    if viewer.has_role(Role.ADMIN):
        return True
    return viewer.has_role(Role.STAFF) and viewer.department == TOURISM_DEPARTMENT


def is_operator_staff(viewer: Viewer, operator: str) -> bool:
    """An operator's staff act on its bookings (redeem a ticket, mark a no-show): staff whose
    `department` claim is the operator (the tour's, hotel's or restaurant's id); the Department
    of Tourism's staff and admins act on any."""
    if is_booking_staff(viewer):
        return True
    return viewer.has_role(Role.STAFF) and viewer.department == operator


def _short_backoff(attempt: int) -> float:
    return random.random() * min(0.001 * 1.5**attempt, MAX_BACKOFF)  # noqa: S311


async def in_transaction[T](db: Database, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
    """Run `work` in a transaction (backend.db.run_transaction) tuned for inventory races.

    A short backoff (at most 20 ms instead of 320 ms) over a long window: inventory
    transactions are tiny and hundreds of them race for one departure, so a long sleep only
    idles the loser while the seats stay free. A lost database still fails at once.
    """
    return await run_transaction(db, work, retry_seconds=RETRY_SECONDS, backoff=_short_backoff)


class ItemGates:
    """At most `width` inventory transactions per item at once in this process.

    Not a lock for correctness (the conditional updates are that, across processes): hundreds
    of transactions racing for one departure mostly abort each other on write conflicts and
    retry, so letting a few through at a time sells the same seats many times faster.
    """

    def __init__(self, width: int = 4) -> None:
        self.width = width
        self._gates: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @contextlib.asynccontextmanager
    async def gate(self, item: str) -> AsyncIterator[None]:
        semaphore, users = self._gates.get(item, (asyncio.Semaphore(self.width), 0))
        self._gates[item] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._gates[item]
            if users == 1:
                del self._gates[item]
            else:
                self._gates[item] = (semaphore, users - 1)


ITEM_GATES = ItemGates()
