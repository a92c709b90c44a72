"""The viewer of a request and the roles a Firebase custom claim can grant."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# The language types live with the one parser of language tags; imported from here as before.
from backend.i18n import DEFAULT_LOCALE as DEFAULT_LOCALE
from backend.i18n import Locale as Locale


class Role(StrEnum):
    RESIDENT = "resident"
    MODERATOR = "moderator"
    STAFF = "staff"
    ADMIN = "admin"


# Staff act on their department's reports; moderators and admins act on everything.
STAFF_ROLES = frozenset({Role.MODERATOR, Role.STAFF, Role.ADMIN})


@dataclass(frozen=True, kw_only=True)
class Viewer:
    """Who is asking: anonymous (uid None) or a verified Firebase user."""

    uid: str | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    locale: Locale = DEFAULT_LOCALE
    email: str | None = None
    department: str | None = None
    # Ward/commune codes a staff member's office covers (the `areas` claim): empty for a city
    # department's staff, who act city-wide; `lead` heads the unit (told of overdue reports).
    areas: frozenset[str] = field(default_factory=frozenset)
    lead: bool = False
    # Seconds since the epoch when Firebase issued the token; for revocation checks on writes.
    auth_time: int | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.uid is not None

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)


def roles_from_claims(claims: dict[str, object]) -> frozenset[Role]:
    """Every signed-in user is a resident; the `role` claim adds one more."""
    roles = {Role.RESIDENT}
    claimed = claims.get("role")
    if isinstance(claimed, str):
        with contextlib.suppress(ValueError):  # an unknown role grants nothing
            roles.add(Role(claimed))
    return frozenset(roles)


def areas_from_claims(claims: dict[str, object]) -> frozenset[str]:
    """The `areas` claim (a list of unit codes); anything malformed grants no area."""
    claimed = claims.get("areas")
    if not isinstance(claimed, list):
        return frozenset()
    return frozenset(code for code in claimed if isinstance(code, str) and code)


class ConsentKind(StrEnum):
    """What a user can agree to: two documents (by version) and two permissions."""

    TERMS = "terms"
    PRIVACY_NOTICE = "privacy_notice"
    PUSH = "push"
    PRECISE_LOCATION = "precise_location"


# Kinds that are agreements to a published document, so they name its version.
VERSIONED_CONSENTS = frozenset({ConsentKind.TERMS, ConsentKind.PRIVACY_NOTICE})


@dataclass(frozen=True, kw_only=True)
class ProfileDoc:
    """The app-side profile a user keeps: display name and language (both optional)."""

    uid: str
    display_name: str | None = None
    locale: Locale | None = None


@dataclass(frozen=True, kw_only=True)
class ConsentDoc:
    """One entry of the append-only consent history: given or withdrawn, at a time."""

    uid: str
    kind: ConsentKind
    granted: bool
    version: str | None
    at: datetime
