"""Collections of the notifications domain; the only code that touches them.

One module per seam, each naming its collection and declaring its indexes: `devices` (devices),
`preferences` (notification_preferences), `inbox` (notifications), `alerts` (alerts) and
`staff` (staff_notices, schedule_slots);
`area_lists` is the areas migration's helper they share. Import as
`from backend.notifications import repository as notification_repository`.

The outbox (messages, the worker's claims on them, and the migration of their recipient areas)
is backend/outbox.py's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import IndexModel

from backend.notifications.repository import alerts, devices, inbox, preferences, staff
from backend.notifications.repository.alerts import (
    ALERTS,
    CITY_WIDE,
    active_alerts,
    alerts_for_areas,
    cancelled_among,
    expire_alerts,
    extend_alerts,
    get_alerts,
    insert_alert,
    origin_alert,
    origin_alerts,
    pseudonymise_authors,
    revise_alert,
    set_alert_areas,
)
from backend.notifications.repository.devices import (
    DEVICES,
    delete_device,
    delete_devices,
    delete_user_devices,
    device_owners_page,
    devices_by_token,
    devices_of,
    purge_devices,
    set_user_devices_locale,
    upsert_device,
)
from backend.notifications.repository.inbox import (
    INBOX,
    add_inbox_items,
    delete_inbox,
    inbox_batches,
    inbox_item_ids,
    inbox_items,
    inbox_page,
    mark_read,
    purge_inbox,
    redact_items,
    unread_count,
    unread_counts,
)
from backend.notifications.repository.preferences import (
    PREFERENCES,
    area_followers_page,
    delete_preferences,
    get_preferences,
    preferences_following,
    preferences_of,
    save_preferences,
    set_preference_areas,
)
from backend.notifications.repository.staff import (
    NOTICES,
    SLOTS,
    RedactedTitle,
    add_notices,
    claim_slot,
    forget_staff_member,
    mark_sent,
    pending_of,
    pending_uids,
    redact_notice_titles,
)

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    **devices.INDEXES,
    **preferences.INDEXES,
    **inbox.INDEXES,
    **alerts.INDEXES,
    **staff.INDEXES,
}

__all__ = [
    "ALERTS",
    "CITY_WIDE",
    "DEVICES",
    "INBOX",
    "INDEXES",
    "NOTICES",
    "PREFERENCES",
    "SLOTS",
    "RedactedTitle",
    "active_alerts",
    "add_inbox_items",
    "add_notices",
    "alerts_for_areas",
    "area_followers_page",
    "cancelled_among",
    "claim_slot",
    "delete_device",
    "delete_devices",
    "delete_inbox",
    "delete_preferences",
    "delete_user_devices",
    "device_owners_page",
    "devices_by_token",
    "devices_of",
    "expire_alerts",
    "extend_alerts",
    "forget_staff_member",
    "get_alerts",
    "get_preferences",
    "inbox_batches",
    "inbox_item_ids",
    "inbox_items",
    "inbox_page",
    "insert_alert",
    "mark_read",
    "mark_sent",
    "origin_alert",
    "origin_alerts",
    "pending_of",
    "pending_uids",
    "preferences_following",
    "preferences_of",
    "pseudonymise_authors",
    "purge_devices",
    "purge_inbox",
    "redact_items",
    "redact_notice_titles",
    "revise_alert",
    "save_preferences",
    "set_alert_areas",
    "set_preference_areas",
    "set_user_devices_locale",
    "unread_count",
    "unread_counts",
    "upsert_device",
]
