"""Open data rules: what a public report row holds, the export formats, and the datasets page.

A row is anonymous by construction: it is built from a projection without the description,
address, photos or reporter, and private categories give a location rounded to 3 decimals
(about 110 m), as everywhere else.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from backend.areas import repository as area_repository
from backend.clock import HANOI
from backend.db import Database
from backend.open311.models import STATUS_GROUPS, open311_status
from backend.reports import repository as report_repository
from backend.reports import service as report_service
from backend.reports.models import ReportStatus
from backend.reports.repository import ExportQuery
from backend.tourism import repository as tourism_repository
from backend.tourism.models import PoiDoc

LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION = "Thành phố Hà Nội / City of Hanoi, ThangLong open data"
DEFAULT_RANGE = timedelta(days=365)
POI_PAGE = 200

REPORT_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "Opaque report id (the Open311 service_request_id)."),
    ("category", "Category slug (the Open311 service_code)."),
    ("status", "SUBMITTED, ACKNOWLEDGED, IN_PROGRESS, REOPENED, RESOLVED, REJECTED or DUPLICATE."),
    ("status_group", "open or closed, as Open311 maps the status."),
    ("area", "Official code of the ward or commune (e.g. 00070)."),
    ("area_name", "Its Vietnamese name (e.g. Phường Hoàn Kiếm)."),
    ("area_name_en", "Its English name (e.g. Hoàn Kiếm Ward)."),
    ("created_at", "When it was reported (ISO 8601, +07:00)."),
    ("updated_at", "When it last changed."),
    ("resolved_at", "When it was resolved, if it was."),
    ("lat", "Latitude (WGS84)."),
    ("lng", "Longitude (WGS84)."),
    ("location_approximate", "true when lat/lng are rounded to 3 decimals (private categories)."),
)
CSV_HEADER = [name for name, _ in REPORT_FIELDS]
POI_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "Site slug."),
    ("category", "Kind of site."),
    ("name_vi", "Name in Vietnamese."),
    ("name_en", "Name in English."),
    ("district", "District slug."),
)


class OpenDataError(ValueError):
    """A bad filter: answered with 400."""


# --- filters ----------------------------------------------------------------------------------


def _when(value: str, name: str, *, end: bool) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise OpenDataError(f"{name} must be an ISO 8601 date or date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=HANOI)
    if end and len(value.strip()) == 10:  # a date: the whole day is included
        parsed = _shifted(parsed, timedelta(days=1), name)
    return parsed


def _shifted(value: datetime, delta: timedelta, name: str) -> datetime:
    try:
        return value + delta
    except OverflowError:  # past year 9999 or before year 1
        raise OpenDataError(f"{name} is too close to the ends of the calendar") from None


def export_query(params: Mapping[str, str], *, now: datetime) -> ExportQuery:
    """Filters from, to (dates or date-times; default the last 365 days), category, area,
    status (a status or open/closed)."""
    end = _when(params["to"], "to", end=True) if params.get("to") else now
    start = (
        _when(params["from"], "from", end=False)
        if params.get("from")
        else _shifted(end, -DEFAULT_RANGE, "to")
    )
    if end <= start:
        raise OpenDataError("to must be after from")
    statuses: tuple[str, ...] = ()
    if status := params.get("status"):
        if status in STATUS_GROUPS:
            statuses = tuple(sorted(STATUS_GROUPS[status]))
        elif status in ReportStatus.__members__:
            statuses = (status,)
        else:
            raise OpenDataError("status must be open, closed or a report status")
    return ExportQuery(
        start=start,
        end=end,
        category=params.get("category") or None,
        area=params.get("area") or None,
        statuses=statuses,
    )


# --- rows -------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(HANOI).isoformat(timespec="seconds") if value else None


@dataclass(frozen=True)
class Privacy:
    """Which categories are private, and the units' names (read once per export)."""

    public_categories: frozenset[str]
    area_names: Mapping[str, Mapping[str, str]]

    def row(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        lng, lat = doc["location"]["coordinates"][:2]
        approximate = doc.get("category") not in self.public_categories
        if approximate:
            lat, lng = report_service.coarse(lat), report_service.coarse(lng)
        area = doc.get("area")
        names = self.area_names.get(area or "", {})
        return {
            "id": str(doc["_id"]),
            "category": doc.get("category"),
            "status": doc.get("status"),
            "status_group": open311_status(doc.get("status", "")),
            "area": area,
            "area_name": names.get("vi"),
            "area_name_en": names.get("en"),
            "created_at": _iso(doc.get("created_at")),
            "updated_at": _iso(doc.get("updated_at")),
            "resolved_at": _iso(doc.get("resolved_at")),
            "lat": float(lat),
            "lng": float(lng),
            "location_approximate": approximate,
        }


async def privacy(*, db: Database) -> Privacy:
    docs = await report_repository.category_documents(db)
    return Privacy(
        frozenset(doc["_id"] for doc in docs if doc.get("private") is False),
        await area_repository.names(db),
    )


async def last_modified(*, db: Database) -> datetime | None:
    """The newest change to any report, to the second (HTTP dates have no fractions)."""
    found = await report_repository.last_change(db)
    return found.astimezone(UTC).replace(microsecond=0) if found else None


async def csv_chunks(*, db: Database, query: ExportQuery) -> AsyncIterator[bytes]:
    """The CSV export: a header, then one chunk per database batch."""
    rules = await privacy(db=db)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_HEADER, lineterminator="\r\n")
    writer.writeheader()
    yield buffer.getvalue().encode()
    async for batch in report_repository.export_batches(db, query):
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, CSV_HEADER, lineterminator="\r\n")
        for doc in batch:
            row = rules.row(doc)
            row["location_approximate"] = "true" if row["location_approximate"] else "false"
            writer.writerow(row)
        yield buffer.getvalue().encode()


def _feature(row: Mapping[str, Any]) -> bytes:
    properties = {k: v for k, v in row.items() if k not in ("lat", "lng")}
    geometry = {"type": "Point", "coordinates": [row["lng"], row["lat"]]}
    return orjson.dumps(
        {"type": "Feature", "id": row["id"], "geometry": geometry, "properties": properties}
    )


def _collection_head(name: str) -> bytes:
    meta = {"name": name, "license": LICENCE, "license_url": LICENCE_URL}
    return b'{"type":"FeatureCollection","metadata":' + orjson.dumps(meta) + b',"features":['


async def geojson_chunks(*, db: Database, query: ExportQuery) -> AsyncIterator[bytes]:
    """The GeoJSON export, written feature by feature without holding the collection."""
    rules = await privacy(db=db)
    yield _collection_head("reports")
    first = True
    async for batch in report_repository.export_batches(db, query):
        features = b",".join(_feature(rules.row(doc)) for doc in batch)
        yield features if first else b"," + features
        first = False
    yield b"]}"


async def pois_geojson(*, db: Database) -> bytes:
    """Every heritage site with its names in both languages (a few hundred at most)."""
    features: list[bytes] = []
    after = None
    while True:
        scan = tourism_repository.Scan(
            collection=tourism_repository.POIS, exclude=tourism_repository.SEARCH_FIELDS
        )
        page, exhausted = await tourism_repository.scan(db, scan, after=after, limit=POI_PAGE)
        for key, doc in page:
            poi = PoiDoc.from_mongo(doc)
            properties = {
                "id": poi.id,
                "category": poi.category,
                "name_vi": poi.name.get("vi"),
                "name_en": poi.name.get("en"),
                "district": poi.district,
            }
            geometry = {"type": "Point", "coordinates": [poi.lng, poi.lat]}
            features.append(
                orjson.dumps(
                    {
                        "type": "Feature",
                        "id": poi.id,
                        "geometry": geometry,
                        "properties": properties,
                    }
                )
            )
            after = key
        if exhausted or not page:
            break
    return _collection_head("heritage-sites") + b",".join(features) + b"]}"


# --- the datasets page ------------------------------------------------------------------------


def _fields_table(fields: tuple[tuple[str, str], ...]) -> str:
    rows = "".join(
        f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(text)}</td></tr>"
        for name, text in fields
    )
    return f"<table><tr><th>Field</th><th>Meaning</th></tr>{rows}</table>"


async def datasets_page(*, db: Database) -> str:
    """The HTML page describing the datasets, their fields, filters and licence."""
    categories = await report_repository.category_documents(db)
    category_items = "".join(
        f"<li><code>{html.escape(str(doc['_id']))}</code> "
        f"{html.escape(str((doc.get('name') or {}).get('vi', '')))} / "
        f"{html.escape(str((doc.get('name') or {}).get('en', '')))}"
        f"{' (approximate locations)' if doc.get('private', True) else ''}</li>"
        for doc in categories
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ThangLong open data</title></head>
<body>
<h1>ThangLong open data</h1>
<p>Licence: <a href="{LICENCE_URL}">{LICENCE}</a>. Attribution: {html.escape(ATTRIBUTION)}.</p>
<h2>Resident reports</h2>
<p><a href="reports.geojson">reports.geojson</a> and <a href="reports.csv">reports.csv</a>:
one row per report, oldest first. Anonymised: no reporter, no description or other free text
(it may name people), no address and no photos. Categories marked below as approximate give a
location rounded to 3 decimals (about 110&nbsp;m). Hidden reports are left out.</p>
<p>Filters: <code>from</code>, <code>to</code> (ISO 8601 dates or date-times, Hanoi time by
default; the last 365 days when omitted), <code>category</code>, <code>area</code> (the
official code of a ward or commune since 1 July 2025, e.g. <code>00070</code>),
<code>status</code> (a status, or <code>open</code> / <code>closed</code>). Responses may be
cached for 5 minutes and honour <code>If-Modified-Since</code>.</p>
{_fields_table(REPORT_FIELDS)}
<h3>Categories</h3><ul>{category_items}</ul>
<h2>Heritage sites</h2>
<p><a href="pois.geojson">pois.geojson</a>: every heritage site with its names in Vietnamese
and English.</p>
{_fields_table(POI_FIELDS)}
<h2>Live API</h2>
<p>Reports are also served through <a href="/open311/v2/discovery.json">Open311 GeoReport
v2</a>.</p>
</body></html>
"""
