"""Shared pieces of the OpenAPI description: schema builders, parameters, headers, errors."""

from __future__ import annotations

from typing import Any

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


ERROR = obj(
    {
        "error": obj(
            {"code": {**STRING, "examples": ["BAD_REQUEST", "NOT_FOUND"]}, "message": STRING},
            {"requestId": {**NULLABLE_STRING, "description": "Quote it to report a problem."}},
        )
    },
    description="Every error outside Open311: a stable code and a message in the request's "
    "language (Accept-Language).",
)
ACCEPT_LANGUAGE = parameter(
    "header",
    "Accept-Language",
    STRING,
    "BCP 47 tags with q-values: the best of vi and en wins, another language alone means en; "
    "default vi.",
)
IF_NONE_MATCH = parameter(
    "header", "If-None-Match", STRING, "ETags the client has (or *): 304 when one matches."
)
CACHED = {"ETag": header("Strong validator."), "Cache-Control": header("Caching policy.")}
NOT_MODIFIED = {"description": "The client's copy is current.", "headers": CACHED}
COMMON: Schema = {"401": ref("responses", "Unauthorized"), "503": ref("responses", "Unavailable")}
PAYLOAD_TOO_LARGE = error("The body is over the limit (PAYLOAD_TOO_LARGE).")
