"""Search terms for Vietnamese and English: lower case, diacritics folded, split into words.

MongoDB's text index has no Vietnamese analyser (and SecantusDB has no $text), so documents carry
a `search_terms` array, indexed, matched by anchored prefix regexes ("hoan" finds "Hoàn Kiếm").
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
MAX_QUERY_TERMS = 8


def fold(text: str) -> str:
    """Lower-case and strip diacritics: "Đường Hoàn Kiếm" -> "duong hoan kiem"."""
    lowered = text.lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def terms(*texts: str | None) -> list[str]:
    """The distinct folded words of some texts, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        if text:
            for word in _WORD.findall(fold(text)):
                seen.setdefault(word, None)
    return list(seen)


def query_terms(query: str) -> list[str]:
    """Words of a user's search box, folded and bounded (a query is not a denial of service)."""
    return terms(query[:200])[:MAX_QUERY_TERMS]


def prefix_filter(query: str, field: str = "search_terms") -> dict[str, object] | None:
    """A filter where every query word prefixes some term; None for an empty query.

    Each word is escaped and anchored, so the regex is a bounded index range scan.
    """
    words = query_terms(query)
    if not words:
        return None
    clauses: list[dict[str, object]] = [
        {field: {"$regex": "^" + re.escape(word)}} for word in words
    ]
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
