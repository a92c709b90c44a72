"""The one check of an alert's title and body (alertSend and moderators' edits of air alerts)."""

from __future__ import annotations

import pytest

from backend.errors import DomainError
from backend.notifications.service.texts import alert_texts


def test_texts_are_trimmed_and_one_language_is_enough_for_a_new_alert() -> None:
    assert alert_texts({"vi": "  Ngập phố Huế ", "en": ""}, field="title", limit=20) == {
        "vi": "Ngập phố Huế",
        "en": "",
    }


def test_an_empty_text_is_refused_in_both_languages() -> None:
    with pytest.raises(DomainError) as refused:
        alert_texts({"vi": " ", "en": ""}, field="body", limit=20)
    assert (refused.value.code, refused.value.field) == ("INVALID_INPUT", "body")
    assert refused.value.message == "Give the text in Vietnamese or English"


def test_an_edited_air_alert_keeps_both_languages() -> None:
    with pytest.raises(DomainError) as refused:
        alert_texts({"vi": "Không khí xấu", "en": ""}, field="title", limit=20, both=True)
    assert refused.value.message == "Give the text in Vietnamese and English"
    both = {"vi": "Không khí xấu", "en": "Poor air"}
    assert alert_texts(both, field="title", limit=20, both=True) == both


def test_each_language_stays_within_the_limit() -> None:
    with pytest.raises(DomainError) as refused:
        alert_texts({"vi": "x" * 21, "en": "ok"}, field="title", limit=20)
    assert refused.value.message == "At most 20 characters"
