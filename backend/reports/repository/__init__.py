"""Collections of the reports domain, and the only code that touches them.

reports, report_events (timelines), report_followers, report_me_too, categories and departments.
Every other domain (moderation, Open311, open data, areas) reads and changes reports through the
named functions here. One module per seam, each naming its collections and declaring the indexes
its queries use:

- `documents`: a report by id, a reporter's list, creation (and the collection's core indexes);
- `nearby`: nearest first (`$geoNear`), for reportsNearby and duplicate suggestions;
- `changes`: every later update as a named conditional write (moderators, reopen, rating, bans,
  Open311 extras, the areas migration);
- `queue` and `stats`: the moderators' queue and reportStats;
- `public`: Open311's `GET requests` and the open-data exports;
- `timeline`, `members`, `catalogue`: events, followers / "me too", categories / departments;
- `staff`: a deleted staff member's assignments and locks let go.

Import as `from backend.reports import repository as report_repository`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import IndexModel

from backend.reports.repository import (
    catalogue,
    documents,
    duplicates,
    members,
    photos,
    public,
    queue,
    staff,
    timeline,
)
from backend.reports.repository.catalogue import (
    CATEGORIES,
    DEPARTMENTS,
    category_documents,
    department_exists,
    department_names,
    get_category,
    list_categories,
    load_content,
)
from backend.reports.repository.changes import (
    add_counts,
    deadline_batch,
    edit_content,
    file_under_units,
    hide_for_ban,
    increment,
    mark_sla_alert,
    moderate,
    rate,
    reopen,
    reports_outside_units,
    set_hidden,
    take_lock,
)
from backend.reports.repository.documents import (
    LIST_PROJECTION,
    MY_REPORTS_SORT,
    REPORTS,
    VISIBLE,
    deidentify_report,
    get_report,
    get_reports,
    insert_report,
    my_reports,
    my_reports_filter,
    reporter_batches,
    submitter,
)
from backend.reports.repository.duplicates import MERGED_INDEX, merged_into, merged_query
from backend.reports.repository.members import (
    FOLLOWERS,
    ME_TOO,
    add_member,
    delete_memberships,
    follower_uids,
    is_member,
    member_reports,
    memberships,
    move_members,
    remove_member,
)
from backend.reports.repository.nearby import (
    DISTANCE_SLACK_M,
    nearby,
    nearby_filter,
    nearby_pipeline,
    open_duplicates,
)
from backend.reports.repository.photos import referenced_photos
from backend.reports.repository.public import (
    AREA_CREATED_INDEX,
    CATEGORY_CREATED_INDEX,
    CREATED_INDEX,
    UPDATED_INDEX,
    ExportQuery,
    RequestQuery,
    export_batches,
    find_requests,
    get_visible_report,
    last_change,
)
from backend.reports.repository.queue import (
    QUEUE_PREFIXES,
    QueueQuery,
    queue_batch,
    queue_queries,
    sort_value,
    text_candidates,
)
from backend.reports.repository.staff import release_locks_of, unassign_staff_member
from backend.reports.repository.stats import stats as report_stats
from backend.reports.repository.stats import stats_pipeline
from backend.reports.repository.timeline import (
    EVENTS,
    all_events,
    insert_event,
    latest_public_notes,
    public_events,
)


def _merged(*parts: Mapping[str, Sequence[IndexModel]]) -> dict[str, list[IndexModel]]:
    merged: dict[str, list[IndexModel]] = {}
    for part in parts:
        for collection, models in part.items():
            merged.setdefault(collection, []).extend(models)
    return merged


INDEXES: Mapping[str, Sequence[IndexModel]] = _merged(
    documents.INDEXES,
    queue.INDEXES,
    public.INDEXES,
    timeline.INDEXES,
    members.INDEXES,
    catalogue.INDEXES,
    photos.INDEXES,
    duplicates.INDEXES,
    staff.INDEXES,
)

__all__ = [
    "AREA_CREATED_INDEX",
    "CATEGORIES",
    "CATEGORY_CREATED_INDEX",
    "CREATED_INDEX",
    "DEPARTMENTS",
    "DISTANCE_SLACK_M",
    "EVENTS",
    "FOLLOWERS",
    "INDEXES",
    "LIST_PROJECTION",
    "MERGED_INDEX",
    "ME_TOO",
    "MY_REPORTS_SORT",
    "QUEUE_PREFIXES",
    "REPORTS",
    "UPDATED_INDEX",
    "VISIBLE",
    "ExportQuery",
    "QueueQuery",
    "RequestQuery",
    "add_counts",
    "add_member",
    "all_events",
    "category_documents",
    "deadline_batch",
    "deidentify_report",
    "delete_memberships",
    "department_exists",
    "department_names",
    "edit_content",
    "export_batches",
    "file_under_units",
    "find_requests",
    "follower_uids",
    "get_category",
    "get_report",
    "get_reports",
    "get_visible_report",
    "hide_for_ban",
    "increment",
    "insert_event",
    "insert_report",
    "is_member",
    "last_change",
    "latest_public_notes",
    "list_categories",
    "load_content",
    "mark_sla_alert",
    "member_reports",
    "memberships",
    "merged_into",
    "merged_query",
    "moderate",
    "move_members",
    "my_reports",
    "my_reports_filter",
    "nearby",
    "nearby_filter",
    "nearby_pipeline",
    "open_duplicates",
    "public_events",
    "queue_batch",
    "queue_queries",
    "rate",
    "referenced_photos",
    "release_locks_of",
    "remove_member",
    "reopen",
    "report_stats",
    "reporter_batches",
    "reports_outside_units",
    "set_hidden",
    "sort_value",
    "stats_pipeline",
    "submitter",
    "take_lock",
    "text_candidates",
    "unassign_staff_member",
]
