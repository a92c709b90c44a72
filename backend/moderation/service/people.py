"""unitStaff: the people a report can go to, from the staff directory (`users grant`).

First the staff of the units that act on the report (its department city-wide, then the
department's office in its ward), each by uid; then the moderators, who watch every report but
are not assigned (reportAssign takes staff of the unit only). Each group is read by an equality
and an `_id` range on its index; the cursor is (group, uid).
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.auth.models import Viewer
from backend.db import Database
from backend.ids import parse_object_id
from backend.moderation import repository as moderation_repository
from backend.moderation.models import StaffMemberDoc, acting_units
from backend.moderation.permissions import may_act_on
from backend.pagination import InvalidCursorError, Page, decode_cursor, encode_cursor, page_size
from backend.reports import repository as report_repository


@dataclass(frozen=True, kw_only=True)
class Person:
    member: StaffMemberDoc
    assignable: bool


async def unit_staff(
    *, db: Database, viewer: Viewer, report_id: str, first: int | None, after: str | None
) -> Page[Person] | None:
    """Who can take a report (staff of its unit) and who watches it (moderators); None when
    there is no such report or the viewer does not handle it."""
    size = page_size(first)
    oid = parse_object_id(report_id)
    report = await report_repository.get_report(db, oid) if oid is not None else None
    if report is None or not may_act_on(viewer, report):
        return None
    group, last = 0, None
    if after is not None:
        group_value, uid = decode_cursor(after, 2)
        if not isinstance(group_value, int) or not isinstance(uid, str):
            raise InvalidCursorError
        group, last = group_value, uid
    groups: list[str | None] = [*acting_units(report.department, report.area), None]
    found: list[tuple[int, Person]] = []
    for index in range(group, len(groups)):
        unit = groups[index]
        members = await moderation_repository.staff_page(
            db, unit=unit, after=last if index == group else None, limit=size + 1 - len(found)
        )
        found += [
            (index, Person(member=m, assignable=unit is not None and m.role == "staff"))
            for m in members
        ]
        if len(found) > size:
            break
    page = found[:size]
    cursors = [encode_cursor([index, person.member.uid]) for index, person in page]
    return Page([person for _, person in page], cursors, has_next_page=len(found) > size)
