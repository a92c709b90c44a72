"""The authorization matrices' shared words: what a viewer gets, and the seven viewers a row names.

A row of a matrix (`TABLE` in each tests/security/test_authorization*.py) gives one outcome per
viewer of ACTOR_NAMES, in that order.
"""

from __future__ import annotations

OK = "ALLOWED"  # data, no error, and the object in question is in it
NONE = "NOT_FOUND"  # null, not in the list, or nothing done: as if it did not exist
UNAUTH = "UNAUTHENTICATED"  # a top-level error, and no data
DENIED = "FORBIDDEN"  # a top-level error, and no data

ACTOR_NAMES = ("anonymous", "owner", "other resident", "staff", "other staff", "moderator", "admin")


def actors(
    staff: tuple[str, str], other_staff: tuple[str, str]
) -> tuple[dict[str, str] | None, ...]:
    """The viewers of ACTOR_NAMES as `gql(...)` keywords: nobody, the owner (resident A), another
    resident, staff of the object's department and of another one (each a uid and a department),
    a moderator and an admin."""
    return (
        None,
        {"uid": "resident-a"},
        {"uid": "resident-b"},
        {"uid": staff[0], "role": "staff", "department": staff[1]},
        {"uid": other_staff[0], "role": "staff", "department": other_staff[1]},
        {"uid": "mod-1", "role": "moderator"},
        {"uid": "admin-1", "role": "admin"},
    )
