"""The error answers of real FCM v1, and the failure rules that inject them for one token.

The bodies have the shape firebase-admin's parser reads: a google.rpc status with an FcmError
detail carrying the FCM error code (and a BadRequest detail naming the field, when there is one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from starlette.responses import JSONResponse

FCM_ERROR_TYPE: Final = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE: Final = "type.googleapis.com/google.rpc.BadRequest"
DEFAULT_RETRY_AFTER_SECONDS: Final = 10


@dataclass(frozen=True)
class ErrorSpec:
    """How real FCM v1 answers one error code: HTTP status, google.rpc status and message."""

    http_status: int
    status: str
    message: str


ERRORS: Final[dict[str, ErrorSpec]] = {
    "UNREGISTERED": ErrorSpec(404, "NOT_FOUND", "Requested entity was not found."),
    "INVALID_ARGUMENT": ErrorSpec(
        400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"
    ),
    "QUOTA_EXCEEDED": ErrorSpec(
        429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send requests'."
    ),
    "UNAVAILABLE": ErrorSpec(503, "UNAVAILABLE", "The service is currently unavailable."),
    "INTERNAL": ErrorSpec(500, "INTERNAL", "Internal error encountered."),
}


@dataclass
class FailureRule:
    """Makes sends to one token fail; ``times`` is the remaining failing attempts (None: all)."""

    error: str
    times: int | None
    retry_after: int = DEFAULT_RETRY_AFTER_SECONDS

    def as_json(self) -> dict[str, Any]:
        """Return the rule as the control API shows it."""
        return {"error": self.error, "times": self.times, "retry_after": self.retry_after}


def google_error(
    http_status: int,
    status: str,
    message: str,
    *,
    fcm_error_code: str | None = None,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a Google API error response in the shape firebase-admin's parser expects."""
    error: dict[str, Any] = {"code": http_status, "message": message, "status": status}
    details: list[dict[str, Any]] = []
    if fcm_error_code is not None:
        details.append({"@type": FCM_ERROR_TYPE, "errorCode": fcm_error_code})
    if field is not None:
        details.append(
            {
                "@type": BAD_REQUEST_TYPE,
                "fieldViolations": [{"field": field, "description": message}],
            }
        )
    if details:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=http_status, headers=headers)


def invalid_argument(message: str, field: str | None = None) -> JSONResponse:
    """FCM's answer to a message it cannot accept (400 INVALID_ARGUMENT)."""
    return google_error(
        400, "INVALID_ARGUMENT", message, fcm_error_code="INVALID_ARGUMENT", field=field
    )


def injected_error(rule: FailureRule) -> JSONResponse:
    """The answer real FCM gives for the rule's error code (429 with a Retry-After)."""
    spec = ERRORS[rule.error]
    headers = {"Retry-After": str(rule.retry_after)} if rule.error == "QUOTA_EXCEEDED" else None
    field = "message.token" if rule.error == "INVALID_ARGUMENT" else None
    return google_error(
        spec.http_status,
        spec.status,
        spec.message,
        fcm_error_code=rule.error,
        field=field,
        headers=headers,
    )
