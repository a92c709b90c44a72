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


def prefix_range(word: str) -> dict[str, str]:
    """The index range of terms starting with `word` ("hoan" <= term < "hoao").

    A single range on a multikey index is served by the index on every MongoDB-wire server we
    run; anchored regexes are not on SecantusDB, so search drives the index with one range.
    """
    return {"$gte": word, "$lt": word[:-1] + chr(ord(word[-1]) + 1)}


def best_word(words: list[str]) -> str:
    """The most selective word to drive the index with: the longest (ties: the first)."""
    return max(words, key=len)


def matches_all(terms_of_doc: list[str], words: list[str]) -> bool:
    """Every query word prefixes some term of the document (checked on fetched documents)."""
    return all(any(term.startswith(word) for term in terms_of_doc) for word in words)
