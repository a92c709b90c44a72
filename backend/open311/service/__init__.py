"""Open311 GeoReport v2 rules: partner keys, services, filing and reading requests.

Requests are filed through the reports service (validation, area lookup, duplicates, idempotency,
rate limits) as a synthetic reporter `open311:<key id>[:<device hash>]`, so a partner app's
users share the app's limits per device (or e-mail) and never appear anywhere.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from backend.areas import repository as area_repository
from backend.auth.models import Locale, Viewer
from backend.clock import HANOI
from backend.db import Database
from backend.errors import DomainError
from backend.i18n import Message
from backend.ids import parse_object_id
from backend.meta import repository as meta_repository
from backend.open311 import repository as open311_repository
from backend.open311.inputs import SubmittedRequest, attribute_values
from backend.open311.models import (
    API_KEY_INVALID,
    API_KEY_REQUIRED,
    OPEN,
    ApiKeyDoc,
    Open311Error,
    open311_status,
    unknown,
)
from backend.open311.service.place import (
    APPROXIMATE,
    approximate_fields,
    approximate_notice,
    place_of,
    stand_in_description,
)
from backend.reports import repository as report_repository
from backend.reports import service as report_service

DATATYPES = frozenset({"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"})
# GraphQL input names as Open311 clients know them.
FIELD_NAMES = {
    "categoryId": "service_code",
    "location": "lat/long",
    "address": "address_string",
    "idempotencyKey": "Idempotency-Key",
}


# The changeset of a database that never had content loaded (a bare test database).
FIRST_CHANGESET = "2025-01-01T00:00:00.000+07:00"


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in Hanoi time (+07:00), to the second."""
    return value.astimezone(HANOI).isoformat(timespec="seconds") if value else None


def localized(text: Mapping[str, Any] | None, locale: Locale) -> str:
    if not text:
        return ""
    return str(text.get(locale.value) or text.get("vi") or next(iter(text.values()), ""))


# --- keys -------------------------------------------------------------------------------------


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(*, db: Database, name: str, now: datetime) -> tuple[ApiKeyDoc, str]:
    """Issue a key: 32 random bytes, url-safe; returns the secret once, stores its hash."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValueError("the key's name needs 1 to 100 characters")
    secret = secrets.token_urlsafe(32)
    doc = await open311_repository.insert_key(
        db, name=name, key_hash=hash_key(secret), prefix=secret[:8], now=now
    )
    return doc, secret


async def authenticate(*, db: Database, api_key: str | None) -> ApiKeyDoc:
    """The partner's key, or 403 for a missing, unknown or revoked one."""
    if not api_key:
        raise Open311Error(403, API_KEY_REQUIRED)
    found = await open311_repository.find_key(db, hash_key(api_key))
    if found is None or found.revoked_at is not None:
        raise Open311Error(403, API_KEY_INVALID)
    return found


# --- services ---------------------------------------------------------------------------------


async def changeset(*, db: Database) -> str:
    """When the services last changed: categories and departments change only by a content load
    (`migrate`), which records when it loaded; milliseconds, Hanoi time, so it sorts as text."""
    content = await meta_repository.get_content_version(db)
    loaded_at = content.get("loaded_at") if content else None
    if not isinstance(loaded_at, datetime):
        return FIRST_CHANGESET
    return loaded_at.astimezone(HANOI).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Catalogue:
    """Categories as stored (by slug), department and area names, read once per request."""

    categories: dict[str, dict[str, Any]]
    departments: dict[str, dict[str, str]]
    areas: dict[str, dict[str, str]] = field(default_factory=dict)

    def private(self, code: str) -> bool:
        category = self.categories.get(code)
        # An unknown (withdrawn) category is treated as private: the safe side.
        return bool(category.get("private", True)) if category else True

    def service_name(self, code: str, locale: Locale) -> str:
        category = self.categories.get(code)
        return localized(category.get("name"), locale) if category else code

    def agency(self, department: str | None, locale: Locale) -> str | None:
        if not department:
            return None
        return localized(self.departments.get(department), locale) or department

    def area_name(self, code: str | None, locale: Locale) -> str | None:
        if not code:
            return None
        return localized(self.areas.get(code), locale) or None


async def catalogue(*, db: Database, with_areas: bool = False) -> Catalogue:
    docs = await report_repository.category_documents(db)
    return Catalogue(
        {doc["_id"]: doc for doc in docs},
        await report_repository.department_names(db),
        await area_repository.names(db) if with_areas else {},
    )


def _attributes(category: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [a for a in category.get("attributes") or [] if a.get("datatype") in DATATYPES]


def service_view(category: Mapping[str, Any], cat: Catalogue, locale: Locale) -> dict[str, Any]:
    keywords = (category.get("keywords") or {}).get(locale.value) or []
    return {
        "service_code": category["_id"],
        "service_name": localized(category.get("name"), locale),
        "description": localized(category.get("description"), locale),
        "metadata": bool(_attributes(category)),
        "type": "realtime",
        "keywords": ", ".join(str(k) for k in keywords),
        "group": cat.agency(category.get("department"), locale),
    }


async def list_services(*, db: Database, locale: Locale) -> list[dict[str, Any]]:
    """Every category as an Open311 service."""
    cat = await catalogue(db=db)
    return [service_view(doc, cat, locale) for doc in cat.categories.values()]


async def service_definition(*, db: Database, code: str, locale: Locale) -> dict[str, Any]:
    """A service's attributes (extra questions), or 404."""
    cat = await catalogue(db=db)
    category = cat.categories.get(code)
    if category is None:
        raise Open311Error(404, unknown("service_code", repr(code)))
    attributes = []
    for order, attribute in enumerate(_attributes(category), start=1):
        values = [
            {"key": str(v["key"]), "name": localized(v.get("name"), locale)}
            for v in attribute.get("values") or []
        ]
        attributes.append(
            {
                "variable": bool(attribute.get("variable", True)),
                "code": attribute["code"],
                "datatype": attribute["datatype"],
                "required": bool(attribute.get("required", False)),
                "datatype_description": localized(attribute.get("datatype_description"), locale)
                or None,
                "order": int(attribute.get("order", order)),
                "description": localized(attribute.get("description"), locale),
                "values": values,
            }
        )
    return {"service_code": code, "attributes": attributes}


# --- filing requests --------------------------------------------------------------------------


def _reporter(key: ApiKeyDoc, submitted: SubmittedRequest) -> str:
    who = submitted.device_id or (submitted.email or "").lower()
    if not who:
        return f"open311:{key.id}"
    return f"open311:{key.id}:{hashlib.sha256(who.encode()).hexdigest()[:16]}"


def _derived_idempotency_key(key: ApiKeyDoc, submitted: SubmittedRequest) -> str:
    """Same partner, device and input within 24 h: the same request (a client's retry)."""
    body = orjson.dumps(
        {"key": str(key.id), "input": submitted.fingerprint()}, option=orjson.OPT_SORT_KEYS
    )
    return "open311-" + hashlib.sha256(body).hexdigest()[:48]


def _notice(category: Mapping[str, Any], duplicates: Sequence[Any], locale: Locale) -> str:
    hours = int((category.get("sla_hours") or {}).get("acknowledge", 8))
    if locale is Locale.EN:
        text = f"Received. It will be acknowledged within {hours} working hours."
        if duplicates:
            text += " Similar open requests nearby: " + ", ".join(str(d.id) for d in duplicates)
    else:
        text = f"Đã tiếp nhận. Phản ánh sẽ được xác nhận trong {hours} giờ làm việc."
        if duplicates:
            text += " Phản ánh tương tự gần đây: " + ", ".join(str(d.id) for d in duplicates)
    return text


def _described(error: DomainError) -> Message:
    """The error's words, after the Open311 name of the field at fault."""
    if not error.field:
        return error.text
    name = FIELD_NAMES.get(error.field, error.field)
    return Message(en=f"{name}: {error.text.en}", vi=f"{name}: {error.text.vi}")


def _domain_errors(error: DomainError) -> Open311Error:
    if isinstance(error, report_service.RateLimitedError):
        return Open311Error(
            429, error.text, headers={"Retry-After": str(error.retry_after_seconds)}
        )
    errors = getattr(error, "errors", None) or [error]
    return Open311Error(400, *(_described(e) for e in errors))


async def submit(
    *,
    db: Database,
    key: ApiKeyDoc,
    submitted: SubmittedRequest,
    locale: Locale,
    now: datetime,
) -> list[dict[str, Any]]:
    """File a request through the reports service; `[{service_request_id, ...}]`."""
    cat = await catalogue(db=db)
    category = cat.categories.get(submitted.service_code)
    if category is None:
        raise Open311Error(400, unknown("service_code", repr(submitted.service_code)))
    attributes = attribute_values(_attributes(category), submitted.attributes)
    place = await place_of(db=db, submitted=submitted)
    extra: dict[str, Any] = {
        "source": "open311",
        "submitter": {"api_key": key.id, **submitted.submitter()},
    }
    if attributes:
        extra["attributes"] = attributes
    if submitted.media_url:
        extra["media_url"] = submitted.media_url  # a reference only: never fetched
    if place.approximate is not None:
        extra[APPROXIMATE] = True
    draft = report_service.ReportDraft(
        category_id=submitted.service_code,
        description=submitted.description
        or stand_in_description(localized(category.get("name"), locale), locale),
        lat=place.lat,
        lng=place.lng,
        address=submitted.address,
        photo_ids=[],
        anonymous=True,  # a partner's user never shows as a reporter
        idempotency_key=submitted.idempotency_key or _derived_idempotency_key(key, submitted),
        channel_fields=extra,  # stored in the report's own transaction
    )
    viewer = Viewer(uid=_reporter(key, submitted), locale=locale)
    try:
        created = await report_service.create_report(db=db, viewer=viewer, draft=draft, now=now)
    except DomainError as error:
        raise _domain_errors(error) from error
    notice = _notice(category, created.duplicates, locale)
    if place.approximate is not None:
        # Other requests near a centroid are not near this one: no duplicates to offer.
        notice = _notice(category, [], locale) + approximate_notice(place.approximate, locale)
    return [
        {
            "service_request_id": str(created.report.id),
            "service_notice": notice,
            "account_id": None,
        }
    ]


# --- reading requests -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadContext:
    locale: Locale
    base_url: str
    cat: Catalogue
    notes: dict[Any, str] = field(default_factory=dict)


def request_view(doc: Mapping[str, Any], ctx: ReadContext) -> dict[str, Any]:
    """A report as a GeoReport v2 request: coarse place for private categories, no reporter."""
    code = doc.get("category", "")
    private = ctx.cat.private(code)
    lng, lat = doc["location"]["coordinates"][:2]
    if private:
        lat, lng = report_service.coarse(lat), report_service.coarse(lng)
    status = open311_status(doc.get("status", ""))
    expected = doc.get("resolve_due_at") or doc.get("sla_due_at") if status == OPEN else None
    photos = doc.get("photo_ids") or []
    media_url = f"{ctx.base_url}/media/{photos[0]}" if photos else doc.get("media_url")
    area_name = ctx.cat.area_name(doc.get("area"), ctx.locale)
    approximate = approximate_fields(doc, area_name=area_name, locale=ctx.locale)
    address = None if private else approximate.get("address", doc.get("address"))
    return {
        "service_request_id": str(doc["_id"]),
        "status": status,
        "status_notes": ctx.notes.get(doc["_id"]) or approximate.get("status_notes"),
        "service_name": ctx.cat.service_name(code, ctx.locale),
        "service_code": code,
        "description": doc.get("description"),
        "agency_responsible": ctx.cat.agency(doc.get("department"), ctx.locale),
        "service_notice": None,
        "requested_datetime": iso(doc.get("created_at")),
        "updated_datetime": iso(doc.get("updated_at")),
        "expected_datetime": iso(expected),
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": float(lat),
        "long": float(lng),
        "media_url": media_url,
        # Extensions (GeoReport v2 allows more fields): the ward or commune, official code.
        "area_code": doc.get("area"),
        "area_name": area_name,
    }


async def _views(
    db: Database, docs: list[dict[str, Any]], locale: Locale, base_url: str
) -> list[dict[str, Any]]:
    notes = await report_repository.latest_public_notes(db, [doc["_id"] for doc in docs])
    ctx = ReadContext(locale, base_url, await catalogue(db=db, with_areas=True), notes)
    return [request_view(doc, ctx) for doc in docs]


async def list_requests(
    *, db: Database, query: report_repository.RequestQuery, locale: Locale, base_url: str
) -> list[dict[str, Any]]:
    """`GET requests`: visible reports matching the query, newest first."""
    if query.categories:
        known = (await catalogue(db=db)).categories
        missing = [code for code in query.categories if code not in known]
        if missing:
            raise Open311Error(400, unknown("service_code", ", ".join(missing)))
    docs = await report_repository.find_requests(db, query)
    return await _views(db, docs, locale, base_url)


async def get_request(
    *, db: Database, request_id: str, locale: Locale, base_url: str
) -> list[dict[str, Any]]:
    """`GET requests/{id}`: a one-element list, or 404."""
    oid = parse_object_id(request_id)
    doc = await report_repository.get_visible_report(db, oid) if oid else None
    if doc is None:
        raise Open311Error(404, unknown("service_request_id", repr(request_id)))
    return await _views(db, [doc], locale, base_url)


async def token_request(*, db: Database, token: str) -> list[dict[str, Any]]:
    """`GET tokens/{token}`: requests are created at once, so the token is the request id."""
    oid = parse_object_id(token)
    doc = await report_repository.get_visible_report(db, oid) if oid else None
    if doc is None:
        raise Open311Error(404, unknown("token", repr(token)))
    return [{"service_request_id": str(doc["_id"]), "token": token}]
