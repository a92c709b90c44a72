"""Storage model of partner API keys, the Open311 status mapping and its errors.

Every description a client can read in an error is said in Vietnamese and English (a Message);
the routes say it in the request's language (`?locale=`, else Accept-Language; vi by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from backend.i18n import Message
from backend.reports.models import CLOSED_STATES, OPEN_STATES, ReportStatus

# GeoReport v2 knows two statuses; ours map onto them through the reports domain's state sets.
OPEN, CLOSED = "open", "closed"
STATUS_GROUPS: dict[str, frozenset[ReportStatus]] = {OPEN: OPEN_STATES, CLOSED: CLOSED_STATES}


def open311_status(status: str) -> str:
    """open for SUBMITTED, ACKNOWLEDGED, IN_PROGRESS, REOPENED; closed for the rest."""
    return CLOSED if status in CLOSED_STATES else OPEN


@dataclass(frozen=True, kw_only=True)
class ApiKeyDoc:
    """A partner's key: only the sha256 of the secret is stored; `prefix` names it in lists."""

    id: ObjectId
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> ApiKeyDoc:
        return cls(
            id=doc["_id"],
            name=doc["name"],
            prefix=doc["prefix"],
            created_at=doc["created_at"],
            revoked_at=doc.get("revoked_at"),
        )


class Open311Error(Exception):
    """An answer in GeoReport v2's error shape: `[{code, description}, ...]` with this status,
    each description said in both languages (in English in logs and `str()`)."""

    def __init__(
        self, status: int, *descriptions: Message, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__("; ".join(description.en for description in descriptions))
        self.status = status
        self.descriptions = list(descriptions)
        self.headers = headers or {}


def unknown(name: str, value: str) -> Message:
    """`service_code 'volcano' not found`: a value of a parameter that names nothing."""
    return Message(en=f"{name} {value} not found", vi=f"không tìm thấy {name} {value}")


API_KEY_REQUIRED = Message(
    en="api_key is required to submit requests", vi="cần có api_key để gửi phản ánh"
)
API_KEY_INVALID = Message(en="api_key is not valid", vi="api_key không hợp lệ")
FORMAT_UNKNOWN = Message(en="format must be json or xml", vi="định dạng phải là json hoặc xml")
FORM_REQUIRED = Message(
    en="send application/x-www-form-urlencoded",
    vi="hãy gửi dữ liệu dạng application/x-www-form-urlencoded",
)
