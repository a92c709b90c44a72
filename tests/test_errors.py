"""DomainError -> a domain's payload errors: one helper for every domain."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError
from pymongo.errors import OperationFailure

from backend.auth.models import Locale
from backend.db import run_transaction
from backend.errors import (
    BusyError,
    DomainError,
    DomainErrors,
    code_in,
    error_code,
    payload_errors,
    returns_errors,
    should_mask_error,
)
from backend.notifications.types import NotificationError, NotificationErrorCode
from backend.reports.models import ReportErrorCode
from backend.reports.service.rules import ReportInputErrors
from backend.reports.types import ReportError
from backend.settings import Settings
from backend.tourism.models import TourismErrorCode


def test_codes_match_by_name_then_value_else_the_invalid_member() -> None:
    assert code_in(NotificationErrorCode, "NOT_FOUND") is NotificationErrorCode.NOT_FOUND
    assert code_in(NotificationErrorCode, "not_found") is NotificationErrorCode.NOT_FOUND
    assert code_in(ReportErrorCode, ReportErrorCode.RATE_LIMITED) is ReportErrorCode.RATE_LIMITED
    assert code_in(ReportErrorCode, "NO_SUCH_CODE") is ReportErrorCode.INVALID_INPUT
    assert code_in(TourismErrorCode, "NO_SUCH_CODE") is TourismErrorCode.INVALID


def test_several_field_errors_become_several_payload_errors() -> None:
    error = ReportInputErrors(
        [
            DomainError(
                ReportErrorCode.INVALID_INPUT, en="Too short", vi="Quá ngắn", field="description"
            ),
            DomainError("NOT_FOUND", en="No such category", vi="Không có", field="categoryId"),
        ]
    )
    assert isinstance(error, DomainErrors)
    errors = payload_errors(error, ReportError, ReportErrorCode, locale=Locale.VI)
    assert [(e.field, e.code, e.message) for e in errors] == [
        ("description", ReportErrorCode.INVALID_INPUT, "Quá ngắn"),
        ("categoryId", ReportErrorCode.NOT_FOUND, "Không có"),
    ]
    assert error.message_in(Locale.EN) == "Too short; No such category"


def test_extra_payload_fields_come_from_the_error() -> None:
    class Limited(DomainError):
        def payload_fields(self) -> dict[str, object]:
            return {"retry_after_seconds": 42}

    limited = Limited("RATE_LIMITED", en="Later", vi="Để sau")
    [error] = payload_errors(limited, ReportError, ReportErrorCode, locale=Locale.EN)
    assert (error.code, error.retry_after_seconds) == (ReportErrorCode.RATE_LIMITED, 42)
    forbidden = DomainError("FORBIDDEN", en="No", vi="Không")
    [plain] = payload_errors(forbidden, NotificationError, NotificationErrorCode, locale=Locale.EN)
    assert plain.code is NotificationErrorCode.FORBIDDEN and plain.message == "No"


def test_an_error_without_words_says_its_codes_words_and_one_language_is_refused() -> None:
    bare = DomainError(ReportErrorCode.NOT_FOUND, field="reportId")
    assert (bare.message_in(Locale.VI), bare.message_in(Locale.EN)) == (
        "Không tìm thấy",
        "Not found",
    )
    assert str(bare) == bare.message == "Not found"  # logs read English
    with pytest.raises(TypeError):
        DomainError("NOT_FOUND", en="Only English")


async def test_a_transaction_that_keeps_conflicting_is_busy_not_an_internal_error(
    db_client: Any, settings: Settings
) -> None:
    # given work that conflicts with another writer every time it runs
    attempts = 0

    async def conflicting(session: Any) -> None:
        nonlocal attempts
        attempts += 1
        await db_client[settings.mongodb_db]["probe"].insert_one({"n": attempts}, session=session)
        raise OperationFailure(
            "WriteConflict", code=112, details={"errorLabels": ["TransientTransactionError"]}
        )

    # when its retry window runs out (2 s: one attempt took over 0.2 s on a busy machine)
    with pytest.raises(BusyError) as caught:
        await run_transaction(
            db_client[settings.mongodb_db], conflicting, retry_seconds=2.0, backoff=lambda _: 0.05
        )
    # then it was retried, nothing of it was written, and it reaches clients as CONFLICT
    assert attempts > 1
    assert await db_client[settings.mongodb_db]["probe"].count_documents({}) == 0
    error = GraphQLError(str(caught.value), original_error=caught.value)
    assert error_code(error) == "CONFLICT" and not should_mask_error(error)


@strawberry.type
class _Payload:
    value: int | None = strawberry.field(default=None)
    flag: bool = strawberry.field(default=False)
    errors: list[ReportError] = strawberry.field(default_factory=list)


@returns_errors(_Payload, ReportError, ReportErrorCode, flag=True)
async def _resolve(*, value: int) -> _Payload:
    if value < 0:
        raise ReportInputErrors(
            [
                DomainError(ReportErrorCode.INVALID_INPUT, en="Negative", vi="Âm", field="value"),
                DomainError("NOT_FOUND", en="Nothing there", vi="Không có gì", field="where"),
            ]
        )
    if value == 0:
        raise ZeroDivisionError("not a rule")
    return _Payload(value=value)


async def test_a_decorated_resolver_answers_its_payload_with_every_error() -> None:
    # given a resolver that breaks two rules, then both are payload errors, the rest defaults
    failed = await _resolve(value=-1)
    assert failed.value is None and failed.flag is True
    assert [(e.field, e.code, e.message) for e in failed.errors] == [
        ("value", ReportErrorCode.INVALID_INPUT, "Âm"),  # no Info: the default language
        ("where", ReportErrorCode.NOT_FOUND, "Không có gì"),
    ]
    # given success, then the resolver's own payload
    assert await _resolve(value=3) == _Payload(value=3)
    # given anything but a DomainError, then it is not swallowed
    with pytest.raises(ZeroDivisionError):
        await _resolve(value=0)


def test_a_decorated_resolver_keeps_the_signature_strawberry_reads() -> None:
    assert inspect.signature(_resolve).parameters.keys() == {"value"}
    assert inspect.iscoroutinefunction(_resolve)
