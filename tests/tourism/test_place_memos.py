"""What a place remembers between requests: its texts per language (PoiDoc.texts) and whether it
is open in the last minute asked (OpeningHours.is_open); neither can answer wrongly."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from backend.auth.models import Locale
from backend.tourism.hours import HANOI, OpeningHours
from backend.tourism.models import PoiDoc, Ticket
from backend.tourism.types import Poi


def _hours() -> OpeningHours:
    return OpeningHours.parse(
        {
            "weekly": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            "exceptions": [{"date": "2026-12-07", "closed": True}],
        }
    )


def test_open_or_closed_is_right_on_each_side_of_every_boundary() -> None:
    hours = _hours()
    friday = datetime(2026, 12, 4, tzinfo=HANOI)
    asked = [
        (friday + timedelta(hours=16, minutes=59, seconds=59.9), True),
        (friday + timedelta(hours=17), False),  # the next minute: closed
        (friday + timedelta(hours=16, minutes=59), True),  # back to the earlier minute
        (friday + timedelta(hours=16, minutes=59, seconds=30), True),  # the same minute again
        (friday + timedelta(hours=7, minutes=59, seconds=59), False),
        (friday + timedelta(hours=8), True),
        (friday + timedelta(days=3, hours=9), False),  # Monday the 7th: closed for the day
        (friday + timedelta(days=4, hours=9), True),
        (datetime(2026, 12, 4, 2, 0, 30, tzinfo=UTC), True),  # 09:00:30 in Hanoi
        (datetime(2026, 12, 4, 10, 0, 30, tzinfo=UTC), False),  # 17:00:30 in Hanoi
    ]
    for at, expected in asked:
        assert hours.is_open(at) is expected, at
        # the same answer as a place with no memory of earlier questions
        assert _hours().is_open(at) is expected, at


def _doc() -> PoiDoc:
    return PoiDoc(
        id="van-mieu",
        category="temple",
        name={"vi": "Văn Miếu", "en": "Temple of Literature"},
        summary={"vi": "Tóm tắt", "en": ""},  # English empty: falls back to Vietnamese
        description={"vi": "Mô tả", "en": "About"},
        address={"vi": "Hà Nội", "en": "Hanoi"},
        district="Đống Đa",
        lat=21.0282,
        lng=105.8356,
        hours=_hours(),
        tickets=[Ticket(label={"vi": "Người lớn", "en": "Adult"}, price_vnd=30_000)],
        visit_minutes=60,
        accessibility={},
        tags=[],
        photo_credits=[],
        sources=[],
        thumbnail_url=None,
        rating_sum=0,
        rating_count=0,
    )


def test_texts_are_built_once_per_language_and_stay_right() -> None:
    doc = _doc()
    english = doc.texts(Locale.EN)
    assert english is doc.texts(Locale.EN)  # built once
    assert (english.name, english.summary, english.accessibility) == (
        "Temple of Literature",
        "Tóm tắt",
        "",
    )
    assert english.tickets == (("Adult", 30_000),)
    assert doc.texts(Locale.VI).name == "Văn Miếu"
    # a copy with a live rating (as the snapshot makes) answers the same texts, and compares by
    # its fields only
    rated = dataclasses.replace(doc, rating_sum=9, rating_count=2)
    assert rated.texts(Locale.EN) == english
    assert rated != doc and dataclasses.replace(rated, rating_sum=0, rating_count=0) == doc


def test_a_place_in_the_api_reads_its_texts_and_hours_in_the_viewer_language() -> None:
    doc = _doc()
    at = datetime(2026, 12, 4, 9, 0, tzinfo=HANOI)
    for _ in range(2):  # the second time from memory
        poi = Poi.from_doc(doc, Locale.EN, now=at)
        assert (poi.name, poi.summary, poi.open_now) == ("Temple of Literature", "Tóm tắt", True)
        assert [(t.label, t.price_vnd) for t in poi.tickets] == [("Adult", 30_000)]
    assert Poi.from_doc(doc, Locale.VI, now=at + timedelta(hours=9)).open_now is False
    assert Poi.from_doc(doc, Locale.VI, now=at).tickets[0].label == "Người lớn"
