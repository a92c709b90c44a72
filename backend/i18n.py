"""The app's two languages: which one a request or a device gets, and texts said in both.

Vietnamese is the city's language and the default; English is the second language, for every
foreigner (a Japanese or French phone gets English, not Vietnamese). Clients send BCP 47 tags
(RFC 5646: `vi-VN`, `en-US`, what Expo Localization, the Firebase SDK and browsers send) and
Accept-Language headers with q-values (RFC 9110 §12.5.4); both are read here and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Locale(StrEnum):
    """A language the app speaks. `Locale(tag)` also takes any BCP 47 tag: `Locale("vi-VN")` is
    VI, `Locale("en-GB")` and `Locale("ja")` are EN; a string that is no language tag is a
    ValueError (so stored values and client input are read the same way)."""

    VI = "vi"
    EN = "en"

    @classmethod
    def _missing_(cls, value: object) -> Locale | None:
        return locale_of_tag(value) if isinstance(value, str) else None


DEFAULT_LOCALE = Locale.VI

# RFC 5646 §2.1 in its general form (language, then subtags of 1 to 8 letters or digits),
# case-insensitive. `_` is read as `-`: Android's and Java's locale strings use it (`en_US`).
_TAG = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*", re.IGNORECASE)
_QVALUE = re.compile(r"0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?")
MAX_TAG_LENGTH = 64
# Real headers name a handful of languages; a longer list is read up to here.
MAX_RANGES = 32


def locale_of_tag(tag: str) -> Locale | None:
    """The app's language for one BCP 47 tag (`vi`, `vi-VN` -> VI; any other language -> EN),
    None when `tag` is not a well-formed language tag (`*`, empty, `en US`, too long)."""
    primary = _primary_subtag(tag)
    if primary is None:
        return None
    return _PRIMARY.get(primary, Locale.EN)


def _primary_subtag(tag: str) -> str | None:
    """The lower-case language subtag of a well-formed tag, else None."""
    tag = tag.strip().replace("_", "-")
    if len(tag) > MAX_TAG_LENGTH or not _TAG.fullmatch(tag):
        return None
    return tag.partition("-")[0].lower()


# The languages the app has, by primary language subtag.
_PRIMARY = {"vi": Locale.VI, "en": Locale.EN}


def negotiate(accept_language: str | None) -> Locale:
    """The language for an Accept-Language header (RFC 9110, q-values, case-insensitive).

    The most preferred range that is Vietnamese or English wins (the earlier one on a tie;
    `q=0` means "not this one"), so `fr, en;q=0.3, vi;q=0.8` is Vietnamese. A header that names
    only other languages (`ja-JP`) is a foreigner's: English. No header, only `*`, or nothing
    readable: Vietnamese, the city's default (English if the header refused `vi`).
    """
    best: tuple[float, Locale] | None = None
    foreign = False
    refused: set[Locale] = set()
    for part in (accept_language or "").split(",")[:MAX_RANGES]:
        language_range, *params = (piece.strip() for piece in part.split(";"))
        quality = _quality(params)
        if quality is None or language_range == "*":
            continue  # a malformed entry says nothing; `*` leaves the choice to us
        language = _PRIMARY.get(_primary_subtag(language_range) or "")
        if quality == 0:
            refused.update([language] if language else [])
        elif language is None:
            foreign = foreign or _primary_subtag(language_range) is not None
        elif best is None or quality > best[0]:
            best = (quality, language)
    if best is not None:
        return best[1]
    return Locale.EN if foreign or DEFAULT_LOCALE in refused else DEFAULT_LOCALE


def _quality(params: list[str]) -> float | None:
    """The q-value among a range's parameters (1 when absent), None when it is malformed."""
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            value = value.strip()
            return float(value) if _QVALUE.fullmatch(value) else None
    return 1.0


@dataclass(frozen=True, slots=True)
class Message:
    """A text said in both languages, e.g. an error message: `Message(en="...", vi="...")`."""

    en: str
    vi: str

    def in_(self, locale: Locale) -> str:
        return self.vi if locale is Locale.VI else self.en
