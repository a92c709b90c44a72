"""The texts of an alert as a moderator gives them: Vietnamese and English, trimmed, bounded."""

from __future__ import annotations

from backend.errors import DomainError


def alert_texts(
    value: dict[str, str], *, field: str, limit: int, both: bool = False
) -> dict[str, str]:
    """An alert's title or body as given (vi and en, trimmed): at least one language, or both
    when `both` (air alerts edited by moderators replace a bilingual text), each within `limit`."""
    texts = {locale: (value.get(locale) or "").strip() for locale in ("vi", "en")}
    if both and (not texts["vi"] or not texts["en"]):
        raise DomainError(
            "INVALID_INPUT",
            en="Give the text in Vietnamese and English",
            vi="Hãy nhập nội dung bằng cả tiếng Việt và tiếng Anh",
            field=field,
        )
    if not texts["vi"] and not texts["en"]:
        raise DomainError(
            "INVALID_INPUT",
            en="Give the text in Vietnamese or English",
            vi="Hãy nhập nội dung bằng tiếng Việt hoặc tiếng Anh",
            field=field,
        )
    if any(len(text) > limit for text in texts.values()):
        raise DomainError(
            "INVALID_INPUT",
            en=f"At most {limit} characters",
            vi=f"Tối đa {limit} ký tự",
            field=field,
        )
    return texts
