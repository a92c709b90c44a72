"""HTTP routes of the open data: /opendata/, reports.{geojson,csv}, pois.geojson, air.csv."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from backend.air import service as air_service
from backend.db import Database
from backend.opendata import service as opendata_service
from backend.state import app_state

CACHE_CONTROL = "public, max-age=300"
GEOJSON_TYPE = "application/geo+json"
CSV_TYPE = "text/csv; charset=utf-8"

Chunks = Callable[..., AsyncIterator[bytes]]


def _db(request: Request) -> Database:
    state = app_state(request.app)
    return state.db


def _not_modified_since(request: Request, last_modified: datetime) -> bool:
    header = request.headers.get("if-modified-since")
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified <= since


async def _export(request: Request, chunks: Chunks, media_type: str, filename: str) -> Response:
    db = _db(request)
    try:
        query = opendata_service.export_query(request.query_params, now=datetime.now(UTC))
    except opendata_service.OpenDataError as error:
        return JSONResponse({"error": {"code": "BAD_REQUEST", "message": str(error)}}, 400)
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "Content-Disposition": f'inline; filename="{filename}"',
    }
    last_modified = await opendata_service.last_modified(db=db)
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified, usegmt=True)
        if _not_modified_since(request, last_modified):
            return Response(status_code=304, headers=headers)
    return StreamingResponse(chunks(db=db, query=query), media_type=media_type, headers=headers)


async def reports_geojson(request: Request) -> Response:
    return await _export(request, opendata_service.geojson_chunks, GEOJSON_TYPE, "reports.geojson")


async def reports_csv(request: Request) -> Response:
    return await _export(request, opendata_service.csv_chunks, CSV_TYPE, "reports.csv")


async def pois_geojson(request: Request) -> Response:
    body = await opendata_service.pois_geojson(db=_db(request))
    return Response(body, media_type=GEOJSON_TYPE, headers={"Cache-Control": CACHE_CONTROL})


async def air_csv(request: Request) -> Response:
    try:
        since, until = air_service.csv_range(request.query_params, now=datetime.now(UTC))
    except ValueError as error:
        return JSONResponse({"error": {"code": "BAD_REQUEST", "message": str(error)}}, 400)
    body = await air_service.csv_export(_db(request), since=since, until=until)
    headers = {"Cache-Control": CACHE_CONTROL, "Content-Disposition": 'inline; filename="air.csv"'}
    return Response(body, media_type=CSV_TYPE, headers=headers)


async def datasets(request: Request) -> Response:
    page = await opendata_service.datasets_page(db=_db(request))
    return HTMLResponse(page, headers={"Cache-Control": CACHE_CONTROL})


routes = [
    Route("/opendata/", datasets, methods=["GET"]),
    Route("/opendata/reports.geojson", reports_geojson, methods=["GET"]),
    Route("/opendata/reports.csv", reports_csv, methods=["GET"]),
    Route("/opendata/pois.geojson", pois_geojson, methods=["GET"]),
    Route("/opendata/air.csv", air_csv, methods=["GET"]),
]
