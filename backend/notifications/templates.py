"""Push texts in vi and en, rendered from content/notifications/templates.json."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

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


def render(kind: str, data: dict[str, Any], locale: str) -> tuple[str, str]:
    """Title and body of a push for `kind` in `locale` (vi when the locale is unknown)."""
    locale = locale if locale in LOCALES else "vi"
    content = _load()
    template = content["templates"][kind]
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


def render_all(kind: str, data: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Title and body in every language, for the in-app inbox."""
    rendered = {locale: render(kind, data, locale) for locale in LOCALES}
    return (
        {locale: pair[0] for locale, pair in rendered.items()},
        {locale: pair[1] for locale, pair in rendered.items()},
    )
