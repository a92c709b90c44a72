"""Open311 inputs, typed: the POST form and the GET requests query string.

Everything a client sends is parsed here into dataclasses (never passed on as a dict), and every
problem becomes a 400 in GeoReport v2's error shape, said in both languages. Parameter names
(`lat`, `start_date`...) and values (`open`, `singlevaluelist`) stay as the spec spells them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from backend.clock import HANOI
from backend.i18n import Message
from backend.ids import parse_object_id
from backend.open311.models import STATUS_GROUPS, Open311Error
from backend.reports.repository import RequestQuery

MAX_RANGE = timedelta(days=90)
MAX_PAGE_SIZE = 1_000
MAX_SKIP = 50_000
MAX_IDS = 1_000
DEFAULT_RADIUS_M, MAX_RADIUS_M = 1_000.0, 5_000.0
PRIVATE_FIELD_MAX = 200
ATTRIBUTE_TEXT_MAX = 1_000
MEDIA_URL_MAX = 2_000
SUBMITTER_FIELDS = ("email", "first_name", "last_name", "phone", "device_id")
_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_.-]{1,64})\](\[\])?$")
LOCATION_REQUIRED = Message(
    en="location required: send lat and long, or an address_string that names the ward or commune",
    vi="cần có vị trí: hãy gửi lat và long, hoặc address_string nêu tên phường, xã",
)
LAT_LONG_TOGETHER = Message(en="lat and long go together", vi="lat và long phải gửi cùng nhau")
BBOX = Message(
    en="bbox is west,south,east,north in decimal degrees",
    vi="bbox là tây,nam,đông,bắc (west,south,east,north) tính bằng độ thập phân",
)
WINDOW_PAST_THE_CALENDAR = Message(
    en="the 90 days to end_date (or from start_date) must be in years 1-9999",
    vi="khoảng 90 ngày trước end_date (hoặc từ start_date) phải nằm trong các năm 1-9999",
)

MultiItems = Sequence[tuple[str, Any]]


def _bad(*descriptions: Message) -> Open311Error:
    return Open311Error(400, *descriptions)


def _say(*, en: str, vi: str) -> Open311Error:
    return _bad(Message(en=en, vi=vi))


@dataclass(frozen=True, kw_only=True)
class SubmittedRequest:
    """A `POST requests` form, typed."""

    service_code: str
    description: str  # empty when not sent: optional in GeoReport v2
    # Both None when only address_string was sent: then the ward or commune it names locates it.
    lat: float | None
    lng: float | None
    address: str | None
    media_url: str | None
    attributes: dict[str, list[str]]
    private: dict[str, str] = field(default_factory=dict)
    idempotency_key: str | None = None

    @property
    def device_id(self) -> str | None:
        return self.private.get("device_id")

    @property
    def email(self) -> str | None:
        return self.private.get("email")

    def submitter(self) -> dict[str, str]:
        """Who filed it through the partner app: stored privately, never shown."""
        return dict(self.private)

    def fingerprint(self) -> dict[str, Any]:
        return {
            "service_code": self.service_code,
            "description": self.description,
            "location": [self.lng, self.lat],
            "address": self.address,
            "media_url": self.media_url,
            "attributes": self.attributes,
            "submitter": self.private,
        }


def _text(items: Mapping[str, str], name: str) -> str | None:
    value = (items.get(name) or "").strip()
    return value or None


def _float(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise _not_a_number(name) from None
    if not math.isfinite(number):
        raise _not_a_number(name)
    return number


def _not_a_number(name: str) -> Open311Error:
    return _say(en=f"{name} must be a decimal number", vi=f"{name} phải là một số thập phân")


def parse_form(items: MultiItems, *, idempotency_key: str | None) -> SubmittedRequest:
    """Parse a form-urlencoded `POST requests` body."""
    single: dict[str, str] = {}
    attributes: dict[str, list[str]] = {}
    for name, value in items:
        if not isinstance(value, str):
            raise _say(
                en="files are not accepted: send media_url",
                vi="không nhận tệp đính kèm: hãy gửi media_url",
            )
        match = _ATTRIBUTE.match(name)
        if match:
            attributes.setdefault(match.group(1), []).append(value.strip())
        else:
            single.setdefault(name, value)
    service_code = _text(single, "service_code")
    if service_code is None:
        raise _say(en="service_code is required", vi="cần có service_code")
    lat_text, lng_text = _text(single, "lat"), _text(single, "long")
    address = _text(single, "address_string")
    if (lat_text is None) != (lng_text is None):
        raise _bad(LAT_LONG_TOGETHER)
    if lat_text is None and address is None:
        raise _bad(LOCATION_REQUIRED)
    media_url = _text(single, "media_url")
    if media_url is not None:
        parts = urlsplit(media_url)
        if parts.scheme != "https" or not parts.netloc or len(media_url) > MEDIA_URL_MAX:
            raise _say(en="media_url must be an https URL", vi="media_url phải là một URL https")
    private = {name: value for name in SUBMITTER_FIELDS if (value := _text(single, name))}
    too_long = [name for name, value in private.items() if len(value) > PRIVATE_FIELD_MAX]
    if too_long:
        raise _bad(
            *(
                Message(
                    en=f"{name}: at most {PRIVATE_FIELD_MAX} characters",
                    vi=f"{name}: tối đa {PRIVATE_FIELD_MAX} ký tự",
                )
                for name in too_long
            )
        )
    return SubmittedRequest(
        service_code=service_code,
        description=(single.get("description") or "").strip(),
        lat=_float(lat_text, "lat") if lat_text is not None else None,
        lng=_float(lng_text, "long") if lng_text is not None else None,
        address=address,
        media_url=media_url,
        attributes=attributes,
        private=private,
        idempotency_key=idempotency_key,
    )


def attribute_values(
    definitions: Sequence[Mapping[str, Any]], submitted: Mapping[str, list[str]]
) -> dict[str, Any]:
    """Check `attribute[code]` answers against the service definition; typed values by code."""
    by_code = {d["code"]: d for d in definitions}
    problems = [
        Message(
            en=f"attribute[{code}] is not asked by this service",
            vi=f"dịch vụ này không hỏi attribute[{code}]",
        )
        for code in submitted
        if code not in by_code
    ]
    values: dict[str, Any] = {}
    for code, definition in by_code.items():
        answers = [a for a in submitted.get(code, []) if a]
        if not answers:
            if definition.get("required"):
                problems.append(
                    Message(
                        en=f"attribute[{code}] is required", vi=f"cần trả lời attribute[{code}]"
                    )
                )
            continue
        datatype = definition["datatype"]
        keys = {str(v["key"]) for v in definition.get("values") or []}
        try:
            if datatype == "multivaluelist":
                if not set(answers) <= keys:
                    raise ValueError
                values[code] = answers
            elif datatype == "singlevaluelist":
                if len(answers) != 1 or answers[0] not in keys:
                    raise ValueError
                values[code] = answers[0]
            elif datatype == "number":
                number = float(answers[0])
                if not math.isfinite(number):
                    raise ValueError
                values[code] = number
            elif datatype == "datetime":
                values[code] = datetime.fromisoformat(answers[0])
            else:
                if len(answers[0]) > ATTRIBUTE_TEXT_MAX:
                    raise ValueError
                values[code] = answers[0]
        except ValueError:
            problems.append(
                Message(
                    en=f"attribute[{code}] is not a valid {datatype}",
                    vi=f"attribute[{code}] không phải giá trị {datatype} hợp lệ",
                )
            )
    if problems:
        raise _bad(*problems)
    return values


# --- GET requests -----------------------------------------------------------------------------


def _list(params: Any, name: str) -> list[str]:
    found: list[str] = []
    for value in params.getlist(name):
        found.extend(part.strip() for part in value.split(",") if part.strip())
    return found


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _say(
            en=f"{name} must be an ISO 8601 date and time",
            vi=f"{name} phải là ngày giờ theo ISO 8601",
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=HANOI)


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    text = value.strip()
    # isdecimal, not isdigit: int() refuses digits like "²"; and a short text stays well
    # within the digits int() agrees to read.
    if not (text.isdecimal() and len(text) <= 18 and low <= int(text) <= high):
        raise _say(
            en=f"{name} must be a whole number from {low} to {high}",
            vi=f"{name} phải là số nguyên từ {low} đến {high}",
        )
    return int(text)


def _date_range(params: Any, now: datetime) -> tuple[datetime, datetime]:
    start = _date(params.get("start_date"), "start_date")
    end = _date(params.get("end_date"), "end_date")
    if start is None and end is None:
        end = now
    try:
        if start is None:
            assert end is not None
            start = end - MAX_RANGE
        if end is None:
            end = start + MAX_RANGE
    except OverflowError:  # the window would start before year 1 or end after year 9999
        raise _bad(WINDOW_PAST_THE_CALENDAR) from None
    if end < start:
        raise _say(en="end_date is before start_date", vi="end_date ở trước start_date")
    if end - start > MAX_RANGE:
        raise _say(
            en="start_date and end_date may be at most 90 days apart",
            vi="start_date và end_date chỉ được cách nhau tối đa 90 ngày",
        )
    return start, end


def _geo(params: Any) -> dict[str, Any]:
    lat, lng, bbox = params.get("lat"), params.get("long"), params.get("bbox")
    if (lat is None) != (lng is None):
        raise _bad(LAT_LONG_TOGETHER)
    if lat is not None and bbox is not None:
        raise _say(
            en="use either lat/long/radius or bbox",
            vi="chỉ dùng một trong hai: lat/long/radius hoặc bbox",
        )
    if lat is not None and lng is not None:
        y, x = _float(lat, "lat"), _float(lng, "long")
        radius = _float(params.get("radius") or str(DEFAULT_RADIUS_M), "radius")
        if not (-90 <= y <= 90 and -180 <= x <= 180):
            raise _say(
                en="lat/long is not a position on Earth",
                vi="lat/long không phải một vị trí trên Trái Đất",
            )
        if not 0 < radius <= MAX_RADIUS_M:
            raise _say(
                en=f"radius must be more than 0 and at most {MAX_RADIUS_M:.0f} metres",
                vi=f"radius phải lớn hơn 0 và tối đa {MAX_RADIUS_M:.0f} mét",
            )
        return {"near": (x, y, radius)}
    if bbox is not None:
        parts = bbox.split(",")
        if len(parts) != 4:
            raise _bad(BBOX)
        west, south, east, north = (_float(part, "bbox") for part in parts)
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise _bad(BBOX)
        return {"bbox": (west, south, east, north)}
    return {}


def parse_request_query(params: Any, *, now: datetime) -> RequestQuery:
    """Parse `GET requests` parameters (Starlette QueryParams)."""
    ids_text = _list(params, "service_request_id")
    if ids_text:
        ids = [oid for oid in map(parse_object_id, ids_text[:MAX_IDS]) if oid is not None]
        return RequestQuery(ids=ids, start=now, end=now, limit=MAX_IDS)
    start, end = _date_range(params, now)
    statuses: list[str] = []
    for group in _list(params, "status"):
        if group not in STATUS_GROUPS:
            raise _say(en="status must be open or closed", vi="status phải là open hoặc closed")
        statuses.extend(sorted(STATUS_GROUPS[group]))
    page = _int(params.get("page"), "page", 1, 1, MAX_SKIP)
    page_size = _int(params.get("page_size"), "page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    skip = (page - 1) * page_size
    if skip > MAX_SKIP:
        raise _say(
            en=f"page * page_size may skip at most {MAX_SKIP} requests: narrow the dates",
            vi=f"page * page_size chỉ được bỏ qua tối đa {MAX_SKIP} phản ánh: "
            "hãy thu hẹp khoảng ngày",
        )
    return RequestQuery(
        start=start,
        end=end,
        categories=sorted(set(_list(params, "service_code"))),
        statuses=sorted(set(statuses)),
        skip=skip,
        limit=page_size,
        **_geo(params),
    )
