"""Offline journey packs: GET /offline/journeys/{id}.json, with the OfflinePack schema."""

from __future__ import annotations

from backend.openapi.common import (
    ACCEPT_LANGUAGE,
    CACHED,
    COMMON,
    IF_NONE_MATCH,
    INTEGER,
    JSON,
    LOCALES,
    NOT_MODIFIED,
    NULLABLE_STRING,
    NUMBER,
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
OFFLINE_PATHS: Schema = {
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
            "400": error("locale is not a language tag (BAD_REQUEST)."),
            "404": error("No such journey (NOT_FOUND)."),
            **COMMON,
        },
        parameters=[
            parameter("path", "journey_id", STRING, "The journey's id (a slug)."),
            parameter(
                "query",
                "locale",
                STRING,
                "A BCP 47 tag (vi, en-US...; another language gives en); else Accept-Language.",
            ),
            ACCEPT_LANGUAGE,
            IF_NONE_MATCH,
        ],
    ),
}
