"""Open311 GeoReport v2 (/open311/v2): each endpoint in .json and .xml, with its schemas."""

from __future__ import annotations

from typing import Any

from backend.open311 import inputs as open311_inputs
from backend.open311.render import JSON_TYPE, XML_TYPE
from backend.open311.service import DATATYPES
from backend.openapi.common import (
    ACCEPT_LANGUAGE,
    BOOLEAN,
    COMMON,
    INTEGER,
    ISO_8601,
    JSON,
    NULLABLE_STRING,
    NUMBER,
    PAYLOAD_TOO_LARGE,
    STATUS_GROUPS,
    STRING,
    Schema,
    array,
    content,
    header,
    obj,
    parameter,
    ref,
)


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
                "changeset": {
                    **STRING,
                    "description": "When the services last changed (ISO 8601, sorts as text).",
                },
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
    {"service_code": STRING},
    {
        "api_key": {**STRING, "description": "The partner's key (or in the query string)."},
        "lat": {**NUMBER, "description": "With long; or send address_string alone."},
        "long": {**NUMBER, "description": "With lat."},
        "address_string": {
            **STRING,
            "description": "Shown as sent. Without lat/long, the request is placed at the "
            "centre of the ward or commune it names (marked approximate in address and "
            "status_notes); naming none is a 400.",
        },
        "description": {
            **STRING,
            "description": "Optional: the service's name stands in, said to be one.",
        },
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
    for status in ("409", "429"):
        if status in responses:
            responses[status]["headers"] = {"Retry-After": header("Seconds to wait.")}
    # The database away: the spec's shape; sign-in checks away (before routing): the app's.
    app_error, spec_errors = ref("schemas", "Error"), ref("schemas", "Open311Errors")
    unavailable: Schema = {media_type: {"schema": spec_errors}, JSON: {"schema": app_error}}
    if media_type == JSON:
        unavailable = {JSON: {"schema": {"anyOf": [spec_errors, app_error]}}}
    responses["503"] = {"description": "Unavailable for a moment.", "content": unavailable}
    parameters = [
        *extra.pop("parameters", []),
        parameter(
            "query",
            "locale",
            STRING,
            "A BCP 47 tag (vi, en-US...; another language gives en); else Accept-Language.",
        ),
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
            "409": "A write kept conflicting with others: nothing was filed; retry.",
            "429": "Too many requests from this partner's user.",
        },
        parameters=[
            parameter("header", "Idempotency-Key", STRING, "Same key and form: one request."),
            parameter("query", "api_key", STRING, "The partner's key, when not in the form."),
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
