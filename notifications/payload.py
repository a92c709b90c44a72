"""What one push carries: the FCM message for one device of one recipient.

Its `data` keys are the app's contract: camelCase, every value a string (FCM's rule), listed in
README ("Push payload") and described in the SDL (`InboxItem`, `NotificationKind`); change them
together. The badge also goes where each platform shows it without the app running: `aps.badge`
(APNs) and `notification_count` (Android launchers that show counts).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

from firebase_admin import messaging

from backend.notifications import templates
from backend.notifications.models import DeviceDoc, OutboxDoc, audience_of, kind_name

# A Firebase installation id: 22 characters of URL-safe base64, the first one c to f.
FID = re.compile(r"[c-f][A-Za-z0-9_-]{21}")
# (outbox data key, push data key) of the ids a push can carry.
_IDS = (
    ("report_id", "reportId"),
    ("target_report_id", "targetReportId"),
    ("booking_id", "bookingId"),
    ("alert_id", "alertId"),
)
_LINKS = (("report_id", "reports"), ("booking_id", "bookings"), ("alert_id", "alerts"))


@dataclass(frozen=True, kw_only=True)
class Recipient:
    """What a push needs to know of its user: their inbox item and unread count."""

    uid: str
    inbox_item_id: str | None
    unread_count: int


def deep_link(kind: str, data: dict[str, Any]) -> tuple[str | None, str]:
    """The app link and the collapse key (one per object) for a message."""
    if data.get("deep_link"):
        return str(data["deep_link"]), f"{kind}:{data.get('alert_id', '')}"
    for key, path in _LINKS:
        if data.get(key):
            return f"thanglong://{path}/{data[key]}", f"{path}:{data[key]}"
    return None, kind


def push_data(doc: OutboxDoc, recipient: Recipient) -> dict[str, str]:
    """The data keys of one user's push (README: "Push payload")."""
    data = {
        "kind": kind_name(doc.kind),
        # Lets the app drop a repeat if a page is resent after a worker crash.
        "messageId": f"{doc.event_id}:{recipient.uid}",
        "unreadCount": str(recipient.unread_count),
    }
    if recipient.inbox_item_id is not None:
        data["inboxItemId"] = recipient.inbox_item_id
    link, _ = deep_link(doc.kind, doc.data)
    if link:
        data["deepLink"] = link
    for stored, key in _IDS:
        if doc.data.get(stored):
            data[key] = str(doc.data[stored])
    if doc.kind.startswith("report.") and isinstance(doc.data.get("status"), str):
        data["status"] = doc.data["status"]
    if doc.kind == "report.status_changed":
        data["answered"] = "true" if doc.data.get("answered") else "false"
    if isinstance(doc.data.get("severity"), str):
        data["severity"] = doc.data["severity"].upper()
    return data


def _addressed(device: DeviceDoc, **fields: Any) -> messaging.Message:
    # A Firebase installation id (22 URL-safe base64 characters, from apps that opted in to
    # installation-id messaging) goes in `fid`; anything else is an FCM registration token (what
    # getToken() returns) and goes in `token`, which FCM keeps accepting though firebase-admin
    # 7.7 deprecates the field: it silences its own warning the same way for multicasts.
    if FID.fullmatch(device.token):
        return messaging.Message(fid=device.token, **fields)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return messaging.Message(token=device.token, **fields)


def message(doc: OutboxDoc, device: DeviceDoc, recipient: Recipient) -> messaging.Message:
    """The push for one device: texts in its language, worded for its user, with the badge."""
    audience = audience_of(doc.data, device.uid)
    title, body = templates.render(doc.kind, doc.data, device.locale, audience)
    _, collapse = deep_link(doc.kind, doc.data)
    badge = recipient.unread_count
    return _addressed(
        device,
        notification=messaging.Notification(title=title, body=body),
        data=push_data(doc, recipient),
        android=messaging.AndroidConfig(
            collapse_key=collapse[:100],
            priority="high" if doc.urgent else "normal",
            notification=messaging.AndroidNotification(notification_count=badge),
        ),
        apns=messaging.APNSConfig(
            headers={"apns-collapse-id": collapse[:64]},
            payload=messaging.APNSPayload(aps=messaging.Aps(badge=badge)),
        ),
    )
