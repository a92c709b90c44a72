"""GET /console/export.csv: the console's filter as a streamed CSV, under the queue's rules."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.areas import repository as area_repository
from backend.reports import repository as report_repository
from backend.settings import Settings
from tests.conftest import SeedTemplates
from tests.moderation.conftest import MODERATOR, RESIDENT, STAFF_ROADS, STAFF_WASTE, report_doc

BASE = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hanoi


@pytest.fixture
async def reports(
    client: httpx.AsyncClient, db_client: Any, settings: Settings, seed_templates: SeedTemplates
) -> Any:
    """The areas and categories, and 230 open pothole reports (three pages of the export) plus
    one noise report of another department and one resolved pothole."""
    db = db_client[settings.mongodb_db]
    await seed_templates.copy(
        db, loaders=(area_repository.load_content, report_repository.load_content)
    )
    docs = [
        report_doc(description=f"Ổ gà số {n}", created_at=BASE + timedelta(minutes=n))
        for n in range(230)
    ]
    docs.append(
        report_doc(
            description="Rác thải, phố Huế",
            category="uncollected-garbage",
            department="urenco",
            search_terms=["rac", "thai", "pho", "hue"],
            created_at=BASE,
        )
    )
    docs.append(report_doc(description="Đã vá", status="RESOLVED", created_at=BASE))
    await db.reports.insert_many(docs)
    return db


def _as(make_token: Callable[..., str], who: dict[str, str], lang: str = "en") -> dict[str, str]:
    claims = {k: v for k, v in who.items() if k != "uid"}
    return {
        "Authorization": f"Bearer {make_token(uid=who['uid'], claims=claims)}",
        "Accept-Language": lang,
    }


def _rows(response: httpx.Response) -> list[list[str]]:
    assert response.content.startswith("\ufeff".encode())  # spreadsheets read it as UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_a_moderator_exports_the_whole_filter_page_after_page(
    client: httpx.AsyncClient, make_token: Callable[..., str], reports: Any
) -> None:
    # when a moderator exports the open reports of the Department of Construction
    response = await client.get(
        "/console/export.csv",
        params={"departmentId": "so-xay-dung", "hidden": "false"},
        headers=_as(make_token, MODERATOR),
    )
    # then every one of them comes, oldest first, as a CSV download with a header line
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="reports-')
    rows = _rows(response)
    assert rows[0][:3] == ["Id", "Created (Hanoi time)", "Status"]
    assert len(rows) == 1 + 230
    assert [row[-1] for row in rows[1:4]] == ["Ổ gà số 0", "Ổ gà số 1", "Ổ gà số 2"]
    assert rows[1][1] == "2026-03-02 09:00"  # Hanoi time
    assert {row[5] for row in rows[1:]} == {"so-xay-dung"}
    # and a text filter narrows it as the queue does (diacritics optional)
    narrowed = await client.get(
        "/console/export.csv", params={"text": "pho hue"}, headers=_as(make_token, MODERATOR)
    )
    assert [row[-1] for row in _rows(narrowed)[1:]] == ["Rác thải, phố Huế"]


async def test_staff_export_their_own_department_only_in_their_language(
    client: httpx.AsyncClient, make_token: Callable[..., str], reports: Any
) -> None:
    # when staff of URENCO export without a department, they get their department's reports
    mine = await client.get("/console/export.csv", headers=_as(make_token, STAFF_WASTE, "vi"))
    assert mine.status_code == 200, mine.text
    rows = _rows(mine)
    assert rows[0][:2] == ["Mã", "Ngày tạo (giờ Hà Nội)"]
    assert [row[-1] for row in rows[1:]] == ["Rác thải, phố Huế"]
    # and asking for another department is refused before any byte of CSV, in words
    other = await client.get(
        "/console/export.csv",
        params={"departmentId": "urenco"},
        headers=_as(make_token, STAFF_ROADS, "vi"),
    )
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "FORBIDDEN"
    assert "đơn vị" in other.json()["error"]["message"]


async def test_residents_strangers_and_bad_filters_are_refused(
    client: httpx.AsyncClient, make_token: Callable[..., str], reports: Any
) -> None:
    anonymous = await client.get("/console/export.csv")
    assert anonymous.status_code == 401
    resident = await client.get("/console/export.csv", headers=_as(make_token, RESIDENT))
    assert resident.status_code == 403
    assert resident.json()["error"]["code"] == "FORBIDDEN"
    for params in ({"status": "$ne"}, {"overdue": "yes"}, {"createdFrom": "yesterday"}):
        bad = await client.get(
            "/console/export.csv", params=params, headers=_as(make_token, MODERATOR)
        )
        assert bad.status_code == 400, params
        assert bad.json()["error"]["code"] == "BAD_REQUEST"
