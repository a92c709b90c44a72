"""Collections of the notifications domain; the only code that touches them.

One module per seam, each naming its collection and declaring its indexes: `devices` (devices),
`preferences` (notification_preferences), `inbox` (notifications) and `alerts` (alerts);
`area_lists` is the areas migration's helper they share. Import as
`from backend.notifications import repository as notification_repository`.

The outbox (messages, the worker's claims on them, and the migration of their recipient areas)
is backend/outbox.py's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import IndexModel

from backend.notifications.repository import alerts, devices, inbox, preferences
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
    revise_alert,
    set_alert_areas,
)
from backend.notifications.repository.devices import (
    DEVICES,
    delete_device,
    delete_devices,
    device_owners_page,
    devices_by_token,
    devices_of,
    upsert_device,
)
from backend.notifications.repository.inbox import (
    INBOX,
    add_inbox_items,
    inbox_item_ids,
    inbox_items,
    inbox_page,
    mark_read,
    unread_count,
    unread_counts,
)
from backend.notifications.repository.preferences import (
    PREFERENCES,
    area_followers_page,
    get_preferences,
    preferences_following,
    preferences_of,
    save_preferences,
    set_preference_areas,
)

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    **devices.INDEXES,
    **preferences.INDEXES,
    **inbox.INDEXES,
    **alerts.INDEXES,
}

__all__ = [
    "ALERTS",
    "CITY_WIDE",
    "DEVICES",
    "INBOX",
    "INDEXES",
    "PREFERENCES",
    "active_alerts",
    "add_inbox_items",
    "alerts_for_areas",
    "area_followers_page",
    "cancelled_among",
    "delete_device",
    "delete_devices",
    "device_owners_page",
    "devices_by_token",
    "devices_of",
    "expire_alerts",
    "extend_alerts",
    "get_alerts",
    "get_preferences",
    "inbox_item_ids",
    "inbox_items",
    "inbox_page",
    "insert_alert",
    "mark_read",
    "origin_alert",
    "origin_alerts",
    "preferences_following",
    "preferences_of",
    "revise_alert",
    "save_preferences",
    "set_alert_areas",
    "set_preference_areas",
    "unread_count",
    "unread_counts",
    "upsert_device",
]
