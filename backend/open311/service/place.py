"""Where a request is filed, and what stands in for what a client left out.

GeoReport v2 asks for lat/long, or address_string, or address_id; and description is optional.
This server does not geocode street addresses: an address_string alone is located by the ward or
commune it names, at that unit's centroid, and every answer about that request says the place is
approximate (the notice, `address`, `status_notes`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.areas import service as area_service
from backend.areas.models import AreaDoc
from backend.auth.models import Locale
from backend.db import Database
from backend.i18n import Message
from backend.open311.inputs import SubmittedRequest
from backend.open311.models import Open311Error

# Stored on a report filed at a unit's centroid, in the report's own insert
# (ReportDraft.channel_fields).
APPROXIMATE = "approximate_location"
NO_UNIT_NAMED = Message(
    vi="address_string không nêu phường, xã nào của Hà Nội: hãy gửi lat và long, "
    'hoặc ghi tên phường, xã (ví dụ "phường Hoàn Kiếm")',
    en="address_string names no ward or commune of Hanoi: send lat and long, or "
    'name the ward (phường) or commune (xã), e.g. "phường Hoàn Kiếm"',
)


def say(locale: Locale, *, vi: str, en: str) -> str:
    """The text in the asker's language."""
    return en if locale is Locale.EN else vi


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    # The unit whose centroid stands in for a place sent only as address_string.
    approximate: AreaDoc | None = None


async def place_of(*, db: Database, submitted: SubmittedRequest) -> Place:
    """lat/long as sent; else the centroid of the ward or commune address_string names; else 400."""
    if submitted.lat is not None and submitted.lng is not None:
        return Place(submitted.lat, submitted.lng)
    area = await area_service.named_in(db=db, text=submitted.address or "")
    if area is None:
        raise Open311Error(400, NO_UNIT_NAMED)
    return Place(area.lat, area.lng, approximate=area)


def stand_in_description(category_name: str, locale: Locale) -> str:
    """For a request sent without a description: the service's name, said to be a stand-in."""
    return say(
        locale,
        vi=f"{category_name} (không có mô tả)",
        en=f"{category_name} (no description given)",
    )


def approximate_notice(area: AreaDoc, locale: Locale) -> str:
    """A sentence of the POST's service_notice."""
    return say(
        locale,
        vi=f" Vị trí gần đúng: trung tâm {area.localized_name(locale)}, theo address_string.",
        en=f" Approximate location: the centre of {area.localized_name(locale)}, from "
        "address_string.",
    )


def approximate_fields(
    doc: Mapping[str, Any], *, area_name: str | None, locale: Locale
) -> dict[str, Any]:
    """`address` and a default `status_notes` for a request filed at a unit's centroid."""
    if not doc.get(APPROXIMATE):
        return {}
    name = area_name or str(doc.get("area") or "")
    address = doc.get("address")
    note = say(
        locale,
        vi=f"vị trí gần đúng: trung tâm {name}",
        en=f"approximate location: the centre of {name}",
    )
    return {
        "address": f"{address} ({note})" if address else note[0].upper() + note[1:],
        "status_notes": say(
            locale,
            vi=f"Vị trí gần đúng: đặt ở trung tâm {name} theo address_string (không có lat/long).",
            en=f"Approximate location: placed at the centre of {name} from address_string "
            "(no lat/long was sent).",
        ),
    }
