"""The `areas` collection: Hanoi's wards and communes, which one a point is in, and the loader.

A unit is a document keyed by its official code, with its centroid (2dsphere-indexed), its area
and, once `areas import` has loaded one, its boundary polygon (2dsphere-indexed too). A point is
in the unit whose imported polygon contains it (`$geoIntersects`); otherwise in the nearest unit
without a polygon whose centroid is within that unit's reach (`models.reach_meters`), found with
`$geoNear` on the centroid index; otherwise outside the city.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
from pymongo import ASCENDING, GEOSPHERE, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.cursor import AsyncCursor

from backend import geo
from backend.areas import source
from backend.areas.models import MAX_REACH_M, AreaDoc, AreaType, reach_meters, search_terms
from backend.db import Database, Document

COLLECTION = "areas"
CENTROID_INDEX = "centroid_2dsphere"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    COLLECTION: [
        IndexModel([("centroid", GEOSPHERE)], name=CENTROID_INDEX),
        # Only units with an imported boundary have `geometry` (2dsphere indexes are sparse).
        IndexModel([("geometry", GEOSPHERE)], name="geometry_2dsphere"),
        IndexModel([("search_terms", ASCENDING)], name="search_terms"),
    ],
}
CONTENT_FILE = source.UNITS_FILE
# Reads never carry the boundary: it can be megabytes, and only `locate` needs it, server-side.
WITHOUT_POLYGON: Mapping[str, int] = {"geometry": 0}
# Far enough to rank every unit from anywhere in the city (Hanoi spans about 110 km).
NEAREST_LIMIT_M = 250_000.0


# Kept for the modules that measured with this module's helpers before `backend.geo` existed.
def locate_by_centroid_pipeline(*, lat: float, lng: float) -> list[Document]:
    """The nearest unit without a polygon whose reach covers the point (an empty result: none).

    `$geoNear` walks the centroid index outwards; bounded by the largest reach, it reads only
    the units that could qualify, and the first whose own reach covers the point wins.
    """
    return [
        geo.geo_near(
            lat=lat, lng=lng, key="centroid", query={"approximate": True}, max_meters=MAX_REACH_M
        ),
        {"$match": {"$expr": {"$lte": [f"${geo.DISTANCE_FIELD}", "$reach_m"]}}},
        {"$limit": 1},
        {"$project": dict(WITHOUT_POLYGON)},
    ]


async def locate(db: Database, *, lat: float, lng: float) -> AreaDoc | None:
    """The unit a point is in: by imported polygon, else by nearest centroid; None outside."""
    collection = db[COLLECTION]
    containing = await collection.find(
        {"geometry": {"$geoIntersects": {"$geometry": geo.point(lat=lat, lng=lng)}}},
        WITHOUT_POLYGON,
    ).to_list(10)
    if containing:
        # A point on a shared boundary is in both: pick one deterministically.
        return AreaDoc.from_mongo(min(containing, key=lambda doc: doc["_id"]))
    cursor = await collection.aggregate(locate_by_centroid_pipeline(lat=lat, lng=lng))
    found = await cursor.to_list(1)
    return AreaDoc.from_mongo(found[0]) if found else None


async def nearest(
    db: Database, *, lat: float, lng: float, query: Mapping[str, Any] | None = None
) -> list[tuple[AreaDoc, float]]:
    """Units matching `query` with their distance in metres, nearest first (ties by code)."""
    cursor = await db[COLLECTION].aggregate(
        [
            geo.geo_near(lat=lat, lng=lng, key="centroid", query=query, max_meters=NEAREST_LIMIT_M),
            {"$project": dict(WITHOUT_POLYGON)},
            # At most 126 documents: an exact tie order costs nothing.
            {"$sort": {geo.DISTANCE_FIELD: ASCENDING, "_id": ASCENDING}},
        ]
    )
    return [(AreaDoc.from_mongo(doc), float(doc[geo.DISTANCE_FIELD])) async for doc in cursor]


async def matching_word(db: Database, word_range: Mapping[str, str]) -> list[AreaDoc]:
    """Units with a search term in the range (one index range), in code order."""
    docs = (
        await db[COLLECTION].find({"search_terms": dict(word_range)}, WITHOUT_POLYGON).to_list(None)
    )
    return sorted((AreaDoc.from_mongo(doc) for doc in docs), key=lambda area: area.id)


def code_order(db: Database, *, after: str | None) -> AsyncCursor[Document]:
    """Units in code order after the code `after`, walking the `_id` index.

    The hint is for SecantusDB, whose planner scans and sorts for a range on `_id`; MongoDB
    picks that index by itself.
    """
    query: dict[str, Any] = {} if after is None else {"_id": {"$gt": after}}
    return db[COLLECTION].find(query, WITHOUT_POLYGON).sort("_id", ASCENDING).hint([("_id", 1)])


async def page_after(db: Database, *, after: str | None, limit: int) -> list[AreaDoc]:
    """Up to `limit` units in code order after the code `after`."""
    docs = await code_order(db, after=after).limit(limit).to_list(limit)
    return [AreaDoc.from_mongo(doc) for doc in docs]


async def get_many(db: Database, ids: Sequence[str]) -> list[AreaDoc]:
    """Units by id (official code), in no particular order."""
    docs = await db[COLLECTION].find({"_id": {"$in": list(ids)}}, WITHOUT_POLYGON).to_list(None)
    return [AreaDoc.from_mongo(doc) for doc in docs]


async def names(db: Database) -> dict[str, dict[str, str]]:
    """Every unit's names (vi, en) by code: 126 small documents, read once per export."""
    docs = await db[COLLECTION].find({}, {"name": 1}).to_list(None)
    return {doc["_id"]: doc["name"] for doc in docs}


async def get(db: Database, area_id: str) -> AreaDoc | None:
    """One unit by id; None when there is none."""
    doc = await db[COLLECTION].find_one({"_id": area_id}, WITHOUT_POLYGON)
    return AreaDoc.from_mongo(doc) if doc else None


async def set_polygon(
    db: Database,
    area_id: str,
    geometry: Mapping[str, Any],
    *,
    session: AsyncClientSession | None = None,
) -> bool:
    """Store a unit's official boundary (Polygon or MultiPolygon); it then decides membership."""
    result = await db[COLLECTION].update_one(
        {"_id": area_id},
        {"$set": {"geometry": dict(geometry), "approximate": False}},
        session=session,
    )
    return result.matched_count == 1


async def polygons(db: Database) -> dict[str, Document]:
    """The imported boundaries by unit code (units without one are left out)."""
    # No filter: 126 documents, and `$exists` could not use the (sparse) 2dsphere index anyway.
    docs = await db[COLLECTION].find({}, {"geometry": 1}).to_list(None)
    return {doc["_id"]: doc["geometry"] for doc in docs if "geometry" in doc}


def unit_document(unit: Mapping[str, Any], source_info: Mapping[str, Any]) -> Document:
    """The stored fields of a unit from the content file (never the polygon or `approximate`)."""
    reach = reach_meters(unit["area_km2"])
    if reach > MAX_REACH_M:
        raise ValueError(
            f"unit {unit['code']} reaches {reach:.0f} m, beyond MAX_REACH_M: raise the bound"
        )
    centroid = unit["centroid"]
    return {
        "type": unit["type"],
        "name": unit["name"],
        "short_name": unit["short_name"],
        "centroid": geo.point(lat=centroid["lat"], lng=centroid["lng"]),
        "area_km2": unit["area_km2"],
        "reach_m": reach,
        "search_terms": search_terms(unit["code"], unit["name"]),
        "source": f"{source_info['package']} {source_info['version']}",
        "seeded": True,
    }


async def load_content(db: Database, content_dir: Path) -> int:
    """Upsert the units of the content file, keep imported polygons, drop units no longer listed."""
    path = content_dir / CONTENT_FILE
    if not path.exists():
        return 0
    document = orjson.loads(path.read_bytes())
    codes = []
    for unit in document["units"]:
        codes.append(unit["code"])
        await db[COLLECTION].update_one(
            {"_id": unit["code"]},
            {
                "$set": unit_document(unit, document["source"]),
                "$setOnInsert": {"approximate": True},
            },
            upsert=True,
        )
    # Units no longer listed go, and so do the pre-2025 district outlines (also `seeded`).
    await db[COLLECTION].delete_many({"seeded": True, "_id": {"$nin": codes}})
    return len(codes)


# --- the pre-2025 districts (the areas migration, backend.areas.migration) ----------------------


async def unit_codes(db: Database) -> list[str]:
    """The codes of the stored wards and communes (never a former district), in code order."""
    query = {"type": {"$in": [kind.value for kind in AreaType]}}
    docs = await db[COLLECTION].find(query, {"_id": 1}).to_list(None)
    return sorted(doc["_id"] for doc in docs)


async def delete_areas(db: Database, area_ids: Sequence[str]) -> int:
    """Remove these area documents (the former districts' outlines); returns how many went."""
    if not area_ids:
        return 0
    result = await db[COLLECTION].delete_many({"_id": {"$in": list(area_ids)}})
    return int(result.deleted_count)


async def nearest_of(
    db: Database, *, lat: float, lng: float, area_ids: Sequence[str]
) -> AreaDoc | None:
    """The unit among `area_ids` whose centroid is nearest the point (ties by code); None for
    none of them stored."""
    ranked = await nearest(db, lat=lat, lng=lng, query={"_id": {"$in": list(area_ids)}})
    return ranked[0][0] if ranked else None


async def unit_documents(db: Database, *, limit: int) -> list[Document]:
    """At most `limit` units as stored, without polygons, in code order (the content snapshot,
    backend/areas/snapshot.py)."""
    return await code_order(db, after=None).limit(limit).to_list(limit)
