"""The OpenAPI 3.1 description of the REST routes, served at GET /openapi.json.

It covers the public HTTP routes beside /graphql: photos (/media), offline journey packs
(/offline), Open311 GeoReport v2 (/open311/v2, each endpoint in .json and .xml) and the open data
(/opendata), one module per area, with the shared builders in `common`. Limits come from the
handlers' own constants, so the description follows the code; tests/security/test_fuzz.py fuzzes
the app against it (status codes, content types, headers and bodies must match).
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response

from backend import __version__
from backend.openapi.common import COMMON, ERROR, JSON, Schema, content, error, get
from backend.openapi.media import MEDIA_PATHS, PHOTO
from backend.openapi.offline import OFFLINE_PACK, OFFLINE_PATHS
from backend.openapi.open311 import OPEN311_SCHEMAS, open311_paths
from backend.openapi.opendata import FEATURE_COLLECTION, OPENDATA_PATHS

__all__ = ["OPENAPI", "openapi_json"]

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
        **MEDIA_PATHS,
        **OFFLINE_PATHS,
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
