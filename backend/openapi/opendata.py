"""Open data (/opendata): reports as GeoJSON and CSV, heritage sites, air quality readings."""

from __future__ import annotations

from backend.openapi.common import (
    COMMON,
    ISO_8601,
    NUMBER,
    STATUS_GROUPS,
    STRING,
    Schema,
    array,
    content,
    error,
    get,
    header,
    obj,
    parameter,
    ref,
)
from backend.opendata.routes import CSV_TYPE, GEOJSON_TYPE
from backend.reports.models import ReportStatus

FEATURE_COLLECTION = obj(
    {
        "type": {"const": "FeatureCollection"},
        "metadata": obj({"name": STRING, "license": STRING, "license_url": STRING}),
        "features": array(
            obj(
                {
                    "type": {"const": "Feature"},
                    "id": STRING,
                    "geometry": obj(
                        {
                            "type": {"const": "Point"},
                            "coordinates": array(NUMBER, minItems=2, maxItems=2),
                        }
                    ),
                    "properties": {"type": "object"},
                }
            )
        ),
    }
)
CACHE_CONTROL = {"Cache-Control": header("public, max-age=300.")}
EXPORT_HEADERS = {
    **CACHE_CONTROL,
    "Content-Disposition": header("inline, with the file name."),
    "Last-Modified": header("The newest change to any report.", required=False),
}
EXPORT_PARAMETERS = [
    parameter("query", "from", ISO_8601, "Hanoi time by default; default `to` minus 365 days."),
    parameter("query", "to", ISO_8601, "A date (that whole day) or a date-time; default now."),
    parameter("query", "category", STRING, "A category slug."),
    parameter("query", "area", STRING, "Official code of a ward or commune (e.g. 00070)."),
    parameter(
        "query", "status", {"enum": [*STATUS_GROUPS, *ReportStatus.__members__]}, "Or a group."
    ),
    parameter("header", "If-Modified-Since", STRING, "304 when no report changed since."),
]


def export(operation_id: str, summary: str, media_type: str, schema: Schema) -> Schema:
    return get(
        operation_id,
        summary,
        "opendata",
        {
            "200": content(media_type, schema, "Oldest first (streamed).", headers=EXPORT_HEADERS),
            "304": {"description": "No report changed since.", "headers": EXPORT_HEADERS},
            "400": error("A filter is not valid (BAD_REQUEST)."),
            **COMMON,
        },
        parameters=EXPORT_PARAMETERS,
    )


OPENDATA_PATHS: Schema = {
    "/opendata/": get(
        "openDataDatasets",
        "The datasets, their fields, filters and licence.",
        "opendata",
        {"200": content("text/html", STRING, "An HTML page."), **COMMON},
    ),
    "/opendata/reports.geojson": export(
        "openDataReportsGeojson",
        "Anonymised reports as GeoJSON (CC BY 4.0).",
        GEOJSON_TYPE,
        ref("schemas", "FeatureCollection"),
    ),
    "/opendata/reports.csv": export(
        "openDataReportsCsv",
        "Anonymised reports as CSV (CC BY 4.0).",
        CSV_TYPE.split(";")[0],
        STRING,
    ),
    "/opendata/pois.geojson": get(
        "openDataPoisGeojson",
        "Every heritage site, with names in Vietnamese and English.",
        "opendata",
        {
            "200": content(
                GEOJSON_TYPE,
                ref("schemas", "FeatureCollection"),
                "The sites.",
                headers=CACHE_CONTROL,
            ),
            **COMMON,
        },
    ),
    "/opendata/air.csv": get(
        "openDataAirCsv",
        "Hourly readings and VN_AQI of every air quality station (CC BY 4.0): station_id, "
        "station_name, lat, lng, hour_utc, vn_aqi, band, dominant, then pm25, pm10, o3, no2, "
        "so2, co in µg/m³.",
        "opendata",
        {
            "200": content(
                CSV_TYPE.split(";")[0], STRING, "By hour, then station.", headers=CACHE_CONTROL
            ),
            "400": error("`from`/`to` are not valid or more than 31 days apart (BAD_REQUEST)."),
            **COMMON,
        },
        parameters=[
            parameter("query", "from", ISO_8601, "Hanoi time by default; default `to` - 7 days."),
            parameter("query", "to", ISO_8601, "Default now; at most 31 days after `from`."),
        ],
    ),
}
