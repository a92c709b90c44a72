"""The OpenAPI 3.1 description of the REST routes, served at GET /openapi.json.

It covers the public HTTP routes beside /graphql: photos (/media), offline journey packs
(/offline), Open311 GeoReport v2 (/open311/v2, each endpoint in .json and .xml) and the open data
(/opendata). Limits come from the handlers' own constants, so the description follows the code;
tests/security/test_fuzz.py fuzzes the app against it (status codes, content types, headers and
bodies must match).
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from backend import __version__
from backend.media.service import MAX_BYTES
from backend.open311 import inputs as open311_inputs
from backend.open311.render import JSON_TYPE, XML_TYPE
from backend.open311.service import DATATYPES
from backend.opendata.routes import CSV_TYPE, GEOJSON_TYPE
from backend.reports.models import ReportStatus

Schema = dict[str, Any]

JSON = "application/json"
STRING: Schema = {"type": "string"}
NULLABLE_STRING: Schema = {"type": ["string", "null"]}
INTEGER: Schema = {"type": "integer"}
NUMBER: Schema = {"type": "number"}
BOOLEAN: Schema = {"type": "boolean"}
ISO_8601: Schema = {"anyOf": [{**STRING, "format": "date-time"}, {**STRING, "format": "date"}]}
STATUS_GROUPS = ["open", "closed"]
LOCALES = ["vi", "en"]


def obj(required: Schema, optional: Schema | None = None, **extra: Any) -> Schema:
    """An object with these required and optional properties."""
    properties = {**required, **(optional or {})}
    return {"type": "object", "required": list(required), "properties": properties, **extra}


def array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def ref(kind: str, name: str) -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def content(media_type: str, schema: Schema, description: str, **extra: Any) -> Schema:
    return {"description": description, "content": {media_type: {"schema": schema}}, **extra}


def error(description: str, **extra: Any) -> Schema:
    return content(JSON, ref("schemas", "Error"), description, **extra)


def header(description: str, *, required: bool = True) -> Schema:
    return {"description": description, "required": required, "schema": STRING}


def parameter(where: str, name: str, schema: Schema, description: str, **extra: Any) -> Schema:
    found = {"name": name, "in": where, "description": description, "schema": schema, **extra}
    return {**found, "required": True} if where == "path" else found


def get(operation_id: str, summary: str, tag: str, responses: Schema, **extra: Any) -> Schema:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": [tag],
            **extra,
            "responses": responses,
        }
    }


# --- shared pieces ----------------------------------------------------------------------------

ERROR = obj(
    {
        "error": obj(
            {"code": {**STRING, "examples": ["BAD_REQUEST", "NOT_FOUND"]}, "message": STRING},
            {"requestId": {**NULLABLE_STRING, "description": "Quote it to report a problem."}},
        )
    },
    description="Every error outside Open311: a stable code and an English message.",
)
ACCEPT_LANGUAGE = parameter("header", "Accept-Language", STRING, "vi or en (q-values); default vi.")
IF_NONE_MATCH = parameter(
    "header", "If-None-Match", STRING, "ETags the client has (or *): 304 when one matches."
)
CACHED = {"ETag": header("Strong validator."), "Cache-Control": header("Caching policy.")}
NOT_MODIFIED = {"description": "The client's copy is current.", "headers": CACHED}
COMMON: Schema = {"401": ref("responses", "Unauthorized"), "503": ref("responses", "Unavailable")}
PAYLOAD_TOO_LARGE = error("The body is over the limit (PAYLOAD_TOO_LARGE).")


# --- photos and offline packs -----------------------------------------------------------------

BINARY: Schema = {**STRING, "format": "binary"}


def photo_download(operation_id: str, summary: str) -> Schema:
    image = {"schema": BINARY}
    return get(
        operation_id,
        summary,
        "media",
        {
            "200": {
                "description": "The cleaned image (metadata stripped), immutable.",
                "headers": {**CACHED, "Content-Length": header("Size in bytes.")},
                "content": {"image/jpeg": image, "image/webp": image},
            },
            "304": NOT_MODIFIED,
            "404": error("No such photo (NOT_FOUND)."),
            **COMMON,
        },
        parameters=[
            parameter("path", "media_id", STRING, "The photo's id (24 hex digits)."),
            IF_NONE_MATCH,
        ],
    )


UPLOAD = {
    "operationId": "mediaUpload",
    "summary": "Upload a photo for a report (signed-in residents).",
    "description": f"JPEG, PNG or WebP, checked by its bytes, at most {MAX_BYTES} bytes; "
    "re-encoded without metadata, with a thumbnail.",
    "tags": ["media"],
    "security": [{"bearerAuth": []}],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": obj({"file": BINARY}),
                "encoding": {"file": {"contentType": "image/jpeg, image/png, image/webp"}},
            }
        },
    },
    "responses": {
        "201": content(JSON, ref("schemas", "Photo"), "Stored."),
        "400": error(
            "Not a multipart form with a `file` field (BAD_REQUEST), another type "
            "(UNSUPPORTED_MEDIA_TYPE), a broken or oversized image (INVALID_IMAGE, "
            "PAYLOAD_TOO_LARGE), or an invalid Content-Length (BAD_REQUEST)."
        ),
        "401": error(
            "Not signed in, or not a valid ID token (UNAUTHENTICATED).",
            headers={"WWW-Authenticate": header("Bearer realm.")},
        ),
        "413": PAYLOAD_TOO_LARGE,
        "503": ref("responses", "Unavailable"),
    },
}
PHOTO = obj(
    {
        "id": {**STRING, "description": "Pass it in ReportCreateInput.photoIds."},
        "url": {**STRING, "examples": ["/media/66b1f0c2a3e4d5f6a7b8c9d0"]},
        "thumbnailUrl": STRING,
        "width": {**INTEGER, "minimum": 1},
        "height": {**INTEGER, "minimum": 1},
    }
)
OFFLINE_PACK = obj(
    {
        "format": INTEGER,
        "content_version": STRING,
        "locale": {"enum": LOCALES},
        "journey": obj(
            {
                "id": STRING,
                "mode": STRING,
                "title": STRING,
                "distance_meters": NUMBER,
                "duration_minutes": INTEGER,
                "stops": array(
                    obj(
                        {"id": STRING, "position": {**INTEGER, "minimum": 1}, "poi": STRING},
                        {"story": STRING, "leg_meters": NUMBER},
                    )
                ),
            },
            {"theme": STRING, "summary": STRING},
        ),
        "pois": array(
            obj(
                {
                    "id": STRING,
                    "name": STRING,
                    "location": obj({"lat": NUMBER, "lng": NUMBER}),
                    "opening_hours": {"type": "object"},
                },
                {"tickets": {"type": "array"}, "thumbnail_url": NULLABLE_STRING},
            )
        ),
    },
    description="Everything needed to follow a journey offline, in one language.",
)
MEDIA_AND_OFFLINE_PATHS: Schema = {
    "/media": {"post": UPLOAD},
    "/media/{media_id}": photo_download("mediaDownload", "A photo."),
    "/media/{media_id}/thumb": photo_download("mediaThumbnail", "A photo's thumbnail."),
    "/offline/journeys/{journey_id}.json": get(
        "offlineJourney",
        "A journey's offline pack, with a strong ETag.",
        "tourism",
        {
            "200": content(
                JSON,
                ref("schemas", "OfflinePack"),
                "The pack.",
                headers={
                    **CACHED,
                    "Vary": header("Accept-Language."),
                    "X-Content-Version": header("The content version the pack is built on."),
                },
            ),
            "304": NOT_MODIFIED,
            "400": error("locale is not vi or en (BAD_REQUEST)."),
            "404": error("No such journey (NOT_FOUND)."),
            **COMMON,
        },
        parameters=[
            parameter("path", "journey_id", STRING, "The journey's id (a slug)."),
            parameter("query", "locale", {"enum": LOCALES}, "Else Accept-Language decides."),
            ACCEPT_LANGUAGE,
            IF_NONE_MATCH,
        ],
    ),
}


# --- Open311 GeoReport v2 ---------------------------------------------------------------------


def xml_name(name: str, schema: Schema, *, wrapped: bool = False) -> Schema:
    return {**schema, "xml": {"name": name, "wrapped": True} if wrapped else {"name": name}}


def list_of(name: str, root: str) -> Schema:
    return xml_name(root, array(ref("schemas", name)), wrapped=True)


# Request fields that may be null (GeoReport v2 lists them all, filled or not).
OPEN311_NULLABLE = (
    "status_notes",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "media_url",
)
OPEN311_SCHEMAS: Schema = {
    "Open311Errors": xml_name(
        "errors",
        array(
            xml_name(
                "error",
                obj({"code": {**INTEGER, "description": "The status."}, "description": STRING}),
            )
        ),
        wrapped=True,
    ),
    "Open311Discovery": xml_name(
        "discovery",
        obj(
            {
                "changeset": STRING,
                "contact": STRING,
                "endpoints": array(
                    xml_name(
                        "endpoint",
                        obj(
                            {
                                "specification": STRING,
                                "url": STRING,
                                "type": {"enum": ["production", "test"]},
                                "formats": array(STRING),
                            },
                            {"changeset": STRING},
                        ),
                    )
                ),
            },
            {"key_service": STRING},
        ),
    ),
    "Open311Service": xml_name(
        "service",
        obj(
            {
                "service_code": STRING,
                "service_name": STRING,
                "metadata": {**BOOLEAN, "description": "Has extra questions (attributes)."},
                "type": {"enum": ["realtime", "batch", "blackbox"]},
            },
            {"description": STRING, "keywords": STRING, "group": NULLABLE_STRING},
        ),
    ),
    "Open311ServiceDefinition": xml_name(
        "service_definition",
        obj(
            {
                "service_code": STRING,
                "attributes": array(
                    xml_name(
                        "attribute",
                        obj(
                            {
                                "variable": BOOLEAN,
                                "code": STRING,
                                "datatype": {"enum": sorted(DATATYPES)},
                                "required": BOOLEAN,
                                "order": INTEGER,
                            },
                            {
                                "datatype_description": NULLABLE_STRING,
                                "description": STRING,
                                "values": array(
                                    xml_name("value", obj({"key": STRING, "name": STRING}))
                                ),
                            },
                        ),
                    )
                ),
            }
        ),
    ),
    "Open311Request": xml_name(
        "request",
        obj(
            {
                "service_request_id": STRING,
                "status": {"enum": STATUS_GROUPS},
                "service_code": STRING,
                "lat": NUMBER,
                "long": NUMBER,
            },
            {"service_name": STRING} | dict.fromkeys(OPEN311_NULLABLE, NULLABLE_STRING),
            description="A report; private categories give a location rounded to 3 decimals "
            "and no address.",
        ),
    ),
    "Open311Created": xml_name(
        "request",
        obj(
            {"service_request_id": STRING, "service_notice": STRING},
            {"account_id": NULLABLE_STRING},
        ),
    ),
    "Open311Token": xml_name("request", obj({"service_request_id": STRING, "token": STRING})),
}

COMMA_SEPARATED = {"style": "form", "explode": False}
GET_REQUESTS_PARAMETERS = [
    parameter(
        "query",
        "service_request_id",
        array(STRING),
        f"Comma-separated ids (at most {open311_inputs.MAX_IDS}); other filters are then ignored.",
        **COMMA_SEPARATED,
    ),
    parameter(
        "query",
        "service_code",
        array(STRING),
        "Comma-separated service codes; an unknown one is a 400.",
        **COMMA_SEPARATED,
    ),
    parameter(
        "query",
        "start_date",
        ISO_8601,
        "ISO 8601 (Hanoi time without an offset); default end_date minus 90 days.",
    ),
    parameter(
        "query",
        "end_date",
        ISO_8601,
        "ISO 8601; default now (or start_date plus 90 days). At most 90 days after start_date.",
    ),
    parameter(
        "query",
        "status",
        array({"enum": STATUS_GROUPS}),
        "Comma-separated: open, closed.",
        **COMMA_SEPARATED,
    ),
    parameter(
        "query", "page", {**INTEGER, "minimum": 1, "maximum": open311_inputs.MAX_SKIP}, "From 1."
    ),
    parameter(
        "query",
        "page_size",
        {**INTEGER, "minimum": 1, "maximum": open311_inputs.MAX_PAGE_SIZE},
        f"Default {open311_inputs.MAX_PAGE_SIZE}; page * page_size may skip at most "
        f"{open311_inputs.MAX_SKIP}.",
    ),
    parameter("query", "lat", {**NUMBER, "minimum": -90, "maximum": 90}, "With long."),
    parameter("query", "long", {**NUMBER, "minimum": -180, "maximum": 180}, "With lat."),
    parameter(
        "query",
        "radius",
        {**NUMBER, "exclusiveMinimum": 0, "maximum": open311_inputs.MAX_RADIUS_M},
        f"Metres around lat/long; default {open311_inputs.DEFAULT_RADIUS_M:.0f}.",
    ),
    parameter("query", "bbox", STRING, "west,south,east,north in degrees (not with lat/long)."),
]
POST_REQUEST_FORM = obj(
    {
        "api_key": {**STRING, "description": "The partner's key."},
        "service_code": STRING,
        "lat": NUMBER,
        "long": NUMBER,
    },
    {
        "address_string": {**STRING, "description": "Shown, never geocoded."},
        "description": STRING,
        "media_url": {
            **STRING,
            "maxLength": open311_inputs.MEDIA_URL_MAX,
            "description": "An https URL (kept as a reference, never fetched).",
        },
        **{
            name: {**STRING, "maxLength": open311_inputs.PRIVATE_FIELD_MAX}
            for name in open311_inputs.SUBMITTER_FIELDS
        },
    },
    patternProperties={
        r"^attribute\[[A-Za-z0-9_.-]{1,64}\](\[\])?$": {
            **STRING,
            "description": "An answer to one of the service's attributes.",
        }
    },
)


def open311_operation(
    fmt: str, operation_id: str, summary: str, ok: Schema, errors: dict[str, str], **extra: Any
) -> Schema:
    """One endpoint in one format: its answers and Open311 errors in that format."""
    media_type = {"json": JSON_TYPE, "xml": XML_TYPE}[fmt].split(";")[0]
    responses: Schema = {
        "200": content(media_type, ok, "Success."),
        **{
            status: content(media_type, ref("schemas", "Open311Errors"), description)
            for status, description in errors.items()
        },
        **COMMON,
    }
    if "429" in responses:
        responses["429"]["headers"] = {"Retry-After": header("Seconds to wait.")}
    parameters = [
        *extra.pop("parameters", []),
        parameter("query", "locale", STRING, "vi or en; anything else is ignored."),
        ACCEPT_LANGUAGE,
    ]
    return {
        "operationId": f"{operation_id}{fmt.capitalize()}",
        "summary": summary,
        "tags": ["open311"],
        "parameters": parameters,
        **extra,
        "responses": responses,
    }


def open311_paths(fmt: str) -> Schema:
    """The GeoReport v2 endpoints in one format."""
    v2, requests = "/open311/v2", list_of("Open311Request", "service_requests")
    create = open311_operation(
        fmt,
        "open311RequestCreate",
        "File a request with a partner's api_key.",
        list_of("Open311Created", "service_requests"),
        {
            "400": "The form is not valid.",
            "403": "api_key is missing, unknown or revoked.",
            "429": "Too many requests from this partner's user.",
        },
        parameters=[
            parameter("header", "Idempotency-Key", STRING, "Same key and form: one request.")
        ],
        requestBody={
            "required": True,
            "content": {"application/x-www-form-urlencoded": {"schema": POST_REQUEST_FORM}},
        },
    )
    create["responses"]["413"] = PAYLOAD_TOO_LARGE
    return {
        f"{v2}/discovery.{fmt}": {
            "get": open311_operation(
                fmt, "open311Discovery", "Discovery.", ref("schemas", "Open311Discovery"), {}
            )
        },
        f"{v2}/services.{fmt}": {
            "get": open311_operation(
                fmt, "open311Services", "Every service.", list_of("Open311Service", "services"), {}
            )
        },
        f"{v2}/services/{{service_code}}.{fmt}": {
            "get": open311_operation(
                fmt,
                "open311ServiceDefinition",
                "A service's attributes (extra questions).",
                ref("schemas", "Open311ServiceDefinition"),
                {"404": "No such service."},
                parameters=[parameter("path", "service_code", STRING, "The service code.")],
            )
        },
        f"{v2}/requests.{fmt}": {
            "get": open311_operation(
                fmt,
                "open311Requests",
                "Visible requests, newest first.",
                requests,
                {"400": "A filter is not valid."},
                parameters=GET_REQUESTS_PARAMETERS,
            ),
            "post": create,
        },
        f"{v2}/requests/{{service_request_id}}.{fmt}": {
            "get": open311_operation(
                fmt,
                "open311Request",
                "One request, as a one-element list.",
                requests,
                {"404": "No such request."},
                parameters=[parameter("path", "service_request_id", STRING, "The request's id.")],
            )
        },
        f"{v2}/tokens/{{token}}.{fmt}": {
            "get": open311_operation(
                fmt,
                "open311Token",
                "The request a token stands for (requests are created at once).",
                list_of("Open311Token", "service_requests"),
                {"404": "No such token."},
                parameters=[parameter("path", "token", STRING, "The token POST answered.")],
            )
        },
    }


# --- open data --------------------------------------------------------------------------------

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


# --- the document -----------------------------------------------------------------------------

OPENAPI: Schema = {
    "openapi": "3.1.0",
    "info": {
        "title": "ThangLong REST routes",
        "version": __version__,
        "description": "Photos, offline packs, Open311 GeoReport v2 and open data. Everything "
        "else is GraphQL, at /graphql. A Firebase ID token is optional on every route but "
        "POST /media; a token that does not verify is a 401 everywhere.",
    },
    "servers": [{"url": "/"}],
    "security": [{}, {"bearerAuth": []}],
    "tags": [{"name": name} for name in ("media", "tourism", "open311", "opendata", "meta")],
    "paths": {
        "/openapi.json": get(
            "openapi",
            "This description.",
            "meta",
            {"200": content(JSON, {"type": "object"}, "OpenAPI 3.1."), **COMMON},
        ),
        **MEDIA_AND_OFFLINE_PATHS,
        **open311_paths("json"),
        **open311_paths("xml"),
        **OPENDATA_PATHS,
    },
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "Firebase ID token"}
        },
        "schemas": {
            "Error": ERROR,
            "Photo": PHOTO,
            "OfflinePack": OFFLINE_PACK,
            "FeatureCollection": FEATURE_COLLECTION,
            **OPEN311_SCHEMAS,
        },
        "responses": {
            "Unauthorized": error(
                "A token that is not a valid Firebase ID token (UNAUTHENTICATED)."
            ),
            "Unavailable": error("The database or sign-in checks are away a moment (UNAVAILABLE)."),
        },
    },
}
_BODY = orjson.dumps(OPENAPI)


async def openapi_json(request: Request) -> Response:
    """GET /openapi.json: public routes only, so it is served in every environment."""
    return Response(
        _BODY, media_type="application/json", headers={"Cache-Control": "public, max-age=3600"}
    )
