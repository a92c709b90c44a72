"""Push texts in vi and en, rendered from content/notifications/templates.json."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

from backend.notifications.models import Audience
from backend.settings import ROOT

TEMPLATES_FILE = ROOT / "content" / "notifications" / "templates.json"
LOCALES = ("vi", "en")


@cache
def _load(path: Path = TEMPLATES_FILE) -> dict[str, Any]:
    # Content ships with the code, so reading it once per process is enough.
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def has_template(kind: str) -> bool:
    return kind in _load()["templates"]


def _pick(texts: dict[str, str] | str | None, locale: str) -> str:
    if isinstance(texts, str):
        return texts
    if not texts:
        return ""
    return texts.get(locale) or next((texts[other] for other in LOCALES if texts.get(other)), "")


def _wording(template: dict[str, Any], audience: Audience, data: dict[str, Any]) -> dict[str, Any]:
    """The title and body to use: a template has one wording for everyone, or one per audience
    (`reporter`, `follower`), each with an `.answered` variant for a change that came with a
    public answer."""
    if "title" in template:
        return template
    if data.get("answered") and f"{audience.value}.answered" in template:
        return dict(template[f"{audience.value}.answered"])
    return dict(template[audience.value])


def render(
    kind: str, data: dict[str, Any], locale: str, audience: Audience = Audience.REPORTER
) -> tuple[str, str]:
    """Title and body of a push for `kind` in `locale` (vi when the locale is unknown), worded
    for `audience`."""
    locale = locale if locale in LOCALES else "vi"
    content = _load()
    template = _wording(content["templates"][kind], audience, data)
    values: defaultdict[str, str] = defaultdict(str)
    for key, value in data.items():
        # Bilingual values ({"vi": ..., "en": ...}) are taken in the device's language.
        values[key] = _pick(value, locale) if isinstance(value, dict) else str(value)
    status = data.get("status")
    if isinstance(status, str) and status in content.get("statuses", {}):
        values["status"] = _pick(content["statuses"][status], locale)
    title = _pick(template["title"], locale).format_map(values)
    body = _pick(template["body"], locale).format_map(values)
    return title[:200], body[:1000]


def render_all(
    kind: str, data: dict[str, Any], audience: Audience = Audience.REPORTER
) -> tuple[dict[str, str], dict[str, str]]:
    """Title and body in every language, for the in-app inbox."""
    rendered = {locale: render(kind, data, locale, audience) for locale in LOCALES}
    return (
        {locale: pair[0] for locale, pair in rendered.items()},
        {locale: pair[1] for locale, pair in rendered.items()},
    )


def kinds() -> list[str]:
    """Every kind that has a template (the kinds that push and fill the inbox)."""
    return sorted(_load()["templates"])
