"""Caching of public GraphQL answers: in each process, and by browsers and CDNs over HTTP.

Public content (heritage sites, journeys, search, report categories, air quality) is the same for
every anonymous viewer in a locale, so whole responses are cached per process, keyed by the
document, variables, locale and the public data version kept in MongoDB (re-read every few
seconds, so every process drops stale entries soon after any content change). The same answers
go out with `Cache-Control: public` and an ETag, so a CDN in front of the web processes, or the
app's HTTP cache, holds them too; everything else is `private, no-store`.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse

from backend.air import queries as air_queries
from backend.db import Database
from backend.meta import repository as meta_repository

VERSION_REFRESH_SECONDS = 2.0
CACHE_TTL_SECONDS = 300.0
# How long a browser or CDN may reuse a public answer without asking again. Short: content edits
# and air quality readings should show within a minute; revalidation (If-None-Match) is cheap.
PUBLIC_MAX_AGE_SECONDS = 60
PUBLIC = f"public, max-age={PUBLIC_MAX_AGE_SECONDS}"
PRIVATE = "private, no-store"
# Answers differ by language and by viewer: a shared cache must key on both.
VARY = "Accept-Language, Authorization"


def etag(body: bytes) -> str:
    """A strong validator: the same bytes give the same tag in every process."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 weak comparison, as If-None-Match asks: W/ prefixes are ignored."""
    if not if_none_match:
        return False
    candidates = (c.strip().removeprefix("W/") for c in if_none_match.split(","))
    return any(c == "*" or c == tag for c in candidates)


@dataclass
class _Entry:
    body: bytes
    expires: float


class ResponseCache:
    """A bounded LRU of serialized responses (bytes), per process."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entry_bytes: int = 2 * 1024 * 1024):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._size = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: str, now: float) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry.expires < now:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.body

    def put(self, key: str, body: bytes, now: float) -> None:
        if len(body) > self.max_entry_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._size -= len(old.body)
        self._entries[key] = _Entry(body, now + CACHE_TTL_SECONDS)
        self._size += len(body)
        # Least recently used first: drop what is over the budget, then what has expired at
        # the old end, so a quiet process does not keep dead answers until the budget fills.
        while self._entries:
            oldest_key = next(iter(self._entries))
            oldest = self._entries[oldest_key]
            if self._size <= self.max_bytes and oldest.expires >= now:
                break
            del self._entries[oldest_key]
            self._size -= len(oldest.body)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._size


class PublicVersion:
    """The public data version, re-read from MongoDB at most every couple of seconds."""

    def __init__(self, refresh_seconds: float = VERSION_REFRESH_SECONDS) -> None:
        self.refresh_seconds = refresh_seconds
        self._value: str | None = None
        self._read_at = 0.0
        self._bumps_seen = -1

    async def get(self, db: Database) -> str:
        now = time.monotonic()
        bumps = meta_repository.local_bumps()
        if (
            self._value is None
            or bumps != self._bumps_seen
            or now - self._read_at > self.refresh_seconds
        ):
            self._value = await meta_repository.public_data_version(db)
            self._read_at = now
            self._bumps_seen = bumps
        return self._value


# Root fields whose answers depend only on public data and the locale.
CACHEABLE_ROOT_FIELDS = (
    frozenset({"pois", "poi", "poiClusters", "journeys", "journey", "search", "reportCategories"})
    | air_queries.ROOT_FIELDS_CACHEABLE
)


@dataclass(frozen=True, slots=True)
class Operation:
    type: str  # query | mutation | subscription
    root_fields: frozenset[str] | None  # None: fragments or directives at the root


@lru_cache(maxsize=1024)
def parse_operation(query: str, operation_name: str | None) -> Operation | None:
    """The operation a request would run, or None when the document does not name one."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    chosen = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
        and (operation_name is None or (d.name is not None and d.name.value == operation_name))
    ]
    if len(chosen) != 1:
        return None
    selections = chosen[0].selection_set.selections
    fields = frozenset(s.name.value for s in selections if isinstance(s, FieldNode))
    plain = all(isinstance(s, FieldNode) for s in selections)
    return Operation(chosen[0].operation.value, fields if plain else None)


def cacheable(query: str, operation_name: str | None) -> bool:
    operation = parse_operation(query, operation_name)
    return (
        operation is not None
        and operation.type == "query"
        and bool(operation.root_fields)
        and operation.root_fields <= CACHEABLE_ROOT_FIELDS  # type: ignore[operator]
    )
