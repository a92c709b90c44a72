"""Errors: DomainError for rule violations, the payload error type, and error masking.

Every message the app shows is said in Vietnamese and English (backend.i18n) and rendered in the
request's language at the edge: payload errors by `returns_errors`/`payload_errors`, top-level
GraphQL errors by the `LocalizeErrors` extension (and masked ones by `MaskUnexpectedErrors`),
REST errors by `json_error`, Open311's by its routes. Internally (`str(error)`, logs) an error
reads in English.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable, Iterator, Sequence
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from pymongo.errors import ConnectionFailure, PyMongoError
from starlette.responses import JSONResponse
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types import Info

from backend.error_messages import code_message
from backend.i18n import DEFAULT_LOCALE, Locale, Message

# Set by the request-id middleware; read when an error is masked so support can find the log line.
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)


def _code_name(code: Enum | str) -> str:
    return code.name if isinstance(code, Enum) else code


class DomainError(Exception):
    """A broken business rule: becomes a payload error with a code, never a 500.

    Said in both languages at the raise site, `DomainError(code, en="...", vi="...", field=...)`,
    or, with neither, in the code's words from backend.error_messages.
    """

    def __init__(
        self,
        code: Enum | str,
        *,
        en: str | None = None,
        vi: str | None = None,
        field: str | None = None,
    ) -> None:
        if (en is None) != (vi is None):
            raise TypeError("an error message is said in both languages (en= and vi=) or neither")
        text = code_message(_code_name(code)) if en is None or vi is None else Message(en=en, vi=vi)
        super().__init__(text.en)
        self.code = code
        self.text = text
        self.field = field

    @property
    def message(self) -> str:
        """The English message (logs)."""
        return self.text.en

    def message_in(self, locale: Locale) -> str:
        return self.text.in_(locale)

    def payload_fields(self) -> dict[str, Any]:
        """Fields of the payload error beyond field/message/code (e.g. retryAfterSeconds)."""
        return {}


class DomainErrors(DomainError):
    """Several field errors at once (mobile forms show them together)."""

    def __init__(self, code: Enum | str, errors: Sequence[DomainError]) -> None:
        super().__init__(
            code,
            en="; ".join(e.text.en for e in errors),
            vi="; ".join(e.text.vi for e in errors),
        )
        self.errors = list(errors)


class PermissionDeniedError(DomainError):
    """The viewer may not do this."""

    def __init__(self, *, en: str | None = None, vi: str | None = None) -> None:
        super().__init__("FORBIDDEN", en=en, vi=vi)


@strawberry.interface(
    description="A problem with a mutation's input or a rule it broke. Each domain's error type "
    "implements it and adds a `code` enum."
)
class UserError:
    field: str | None = strawberry.field(
        description="The input field at fault (camelCase path), or null for the whole input."
    )
    message: str = strawberry.field(
        description="A human-readable explanation in the request's language (Accept-Language)."
    )


def code_in[C: Enum](codes: type[C], code: Enum | str) -> C:
    """`code` as a member of a domain's code enum (by name, else by value); else its
    INVALID_INPUT (or INVALID) member."""
    name = _code_name(code)
    if name in codes.__members__:
        return codes[name]
    for member in codes:
        if member.value == name:
            return member
    return codes["INVALID_INPUT" if "INVALID_INPUT" in codes.__members__ else "INVALID"]


def payload_errors[E: UserError](
    error: DomainError, error_type: Callable[..., E], codes: type[Enum], *, locale: Locale
) -> list[E]:
    """A domain's payload errors from a DomainError (one per field for DomainErrors), said in
    `locale`."""
    items = error.errors if isinstance(error, DomainErrors) else [error]
    return [
        error_type(
            field=item.field,
            message=item.message_in(locale),
            code=code_in(codes, item.code),
            **item.payload_fields(),
        )
        for item in items
    ]


def returns_errors[**A, P](
    payload: Callable[..., P],
    error_type: Callable[..., UserError],
    codes: type[Enum],
    **unchanged: Any,
) -> Callable[[Callable[A, Awaitable[P]]], Callable[A, Awaitable[P]]]:
    """Make a mutation resolver answer `payload(errors=[...])` when it raises a DomainError.

    The one way a mutation turns a broken rule into payload errors: the resolver returns its
    payload on success and raises otherwise; the payload's other fields keep their defaults
    (null, or an empty list) or take `unchanged`. Anything else reaches the top-level `errors`.
    Messages are said in the viewer's language (from the resolver's `info`).
    """

    def decorate(resolver: Callable[A, Awaitable[P]]) -> Callable[A, Awaitable[P]]:
        # functools.wraps keeps the signature Strawberry reads (info, input) through __wrapped__.
        @functools.wraps(resolver)
        async def resolve(*args: A.args, **kwargs: A.kwargs) -> P:
            try:
                return await resolver(*args, **kwargs)
            except DomainError as error:
                locale = _locale_of(*args, *kwargs.values())
                errors = payload_errors(error, error_type, codes, locale=locale)
                return payload(errors=errors, **unchanged)

        return resolve

    return decorate


def _locale_of(*arguments: object) -> Locale:
    """The viewer's language, from the Info among a resolver's arguments (default without one)."""
    for argument in arguments:
        if isinstance(argument, Info):
            return context_locale(argument.context)
    return DEFAULT_LOCALE


def context_locale(context: object) -> Locale:
    """The language of the request a GraphQL context belongs to."""
    locale = getattr(getattr(context, "viewer", None), "locale", None)
    return locale if isinstance(locale, Locale) else DEFAULT_LOCALE


UNAVAILABLE_MESSAGE = code_message("UNAVAILABLE").en


def json_error(
    status: int,
    code: str,
    message: str | Message,
    *,
    locale: Locale = DEFAULT_LOCALE,
    headers: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
) -> JSONResponse:
    """A REST route's error body `{"error": {"code", "message", "requestId", **details}}`, a
    Message said in `locale` (the request's: `request.state.viewer.locale`).

    A 401 names the scheme (WWW-Authenticate)."""
    text = message.in_(locale) if isinstance(message, Message) else message
    body = {
        "error": {
            "code": code,
            "message": text,
            "requestId": request_id_var.get(),
            **(details or {}),
        }
    }
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="thanglong"'
    return JSONResponse(body, status_code=status, headers=headers or None)


class BusyError(Exception):
    """A transaction kept conflicting with others on the same documents for its whole retry
    window: nothing was written; the client may retry (with its idempotency key, if any)."""

    code = "CONFLICT"
    text = code_message("CONFLICT")

    def __init__(self) -> None:
        super().__init__(self.text.en)

    def message_in(self, locale: Locale) -> str:
        return self.text.in_(locale)


def is_unavailable(error: BaseException | None) -> bool:
    """The database could not be reached in time: down, failing over, or too slow to answer.

    Covers ConnectionFailure and its subclasses (AutoReconnect, NetworkTimeout,
    ServerSelectionTimeoutError) and any timeout the driver reports.
    """
    return isinstance(error, ConnectionFailure) or (
        isinstance(error, PyMongoError) and error.timeout
    )


def error_code(error: GraphQLError) -> str:
    """The `extensions.code` of an error that does not carry one."""
    original = error.original_error
    if original is None:
        return "GRAPHQL_VALIDATION_FAILED"
    if is_unavailable(original):
        return "UNAVAILABLE"
    if isinstance(original, GraphQLError) and original.original_error is None:
        return "BAD_USER_INPUT"  # a variable's value that its type refuses
    code = getattr(original, "code", None)
    if code is not None and not isinstance(original, PyMongoError):  # a driver's code is no API
        return str(getattr(code, "name", code))
    return "INTERNAL_SERVER_ERROR"


# Errors whose messages are safe to show: GraphQL syntax/validation errors and our own errors.
_SAFE_ERRORS: tuple[type[Exception], ...] = (DomainError, BusyError)


def should_mask_error(error: GraphQLError) -> bool:
    """Mask anything that is not a validation error or a deliberate, typed error."""
    original = error.original_error
    if original is None:
        return False  # parse and validation errors carry no original error
    if isinstance(original, _SAFE_ERRORS):
        return False
    return not (isinstance(original, GraphQLError) and original.original_error is None)


class MaskUnexpectedErrors(MaskErrors):
    """MaskErrors that keeps a code and the request id, so a user report can be traced."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=should_mask_error, error_message="Internal server error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        # A database outage is not a bug: say so (clients retry), without the driver's details.
        unavailable = is_unavailable(error.original_error)
        code = "UNAVAILABLE" if unavailable else "INTERNAL_SERVER_ERROR"
        locale = context_locale(self.execution_context.context)
        return GraphQLError(
            message=code_message(code).in_(locale),
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": code, "requestId": request_id_var.get()},
        )


class LocalizeErrors(SchemaExtension):
    """Top-level errors of our own (DomainError, BusyError, refused permissions) said in the
    request's language; GraphQL's own syntax and validation errors stay English (developers
    read them, never users)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None) or []
        locale = context_locale(self.execution_context.context)
        for error in errors:
            original = error.original_error
            if isinstance(original, DomainError | BusyError):
                error.message = original.message_in(locale)
