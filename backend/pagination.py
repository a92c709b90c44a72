"""Relay-style connections with opaque cursors and a bounded page size."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
import strawberry
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.errors import DomainError

MAX_PAGE = 100
DEFAULT_PAGE = 20

NodeT = TypeVar("NodeT")


class InvalidCursorError(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "INVALID_CURSOR",
            en="The cursor is not valid",
            vi="Con trỏ phân trang (cursor) không hợp lệ",
            field="after",
        )


# Cursors are encrypted (AES-GCM): a sort key can be private (the exact distance to a report
# whose location is shown rounded), and a client must not be able to forge one either. Every web
# process must share the key (CURSOR_SECRET); without one a process uses its own random key,
# fine for a single development process, refused in production by the settings.
_AAD = b"thanglong-cursor-v1"
_cipher = AESGCM(os.urandom(32))


def configure(secret: str | None) -> None:
    """Derive the cursor key from a shared secret (all web processes must use the same one)."""
    global _cipher
    if secret:
        _cipher = AESGCM(hashlib.sha256(secret.encode()).digest())


def encode_cursor(values: Sequence[object]) -> str:
    """An opaque, tamper-proof cursor from the sort-key values of the last item."""
    nonce = os.urandom(12)
    sealed = _cipher.encrypt(nonce, orjson.dumps(list(values)), _AAD)
    return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[object]:
    """The sort-key values of a cursor; a tampered or foreign cursor is INVALID_CURSOR."""
    if len(cursor) > 512:
        raise InvalidCursorError
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode())
        values = orjson.loads(_cipher.decrypt(raw[:12], raw[12:], _AAD))
    except (binascii.Error, ValueError, orjson.JSONDecodeError, InvalidTag):
        raise InvalidCursorError from None
    # Only scalars: a cursor must never smuggle an operator document into a filter.
    if (
        not isinstance(values, list)
        or len(values) != arity
        or not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values)
    ):
        raise InvalidCursorError
    return values


def page_size(first: int | None) -> int:
    """Clamp `first` to 1..100 (default 20); out-of-range values are errors, not surprises."""
    if first is None:
        return DEFAULT_PAGE
    if first < 1 or first > MAX_PAGE:
        raise DomainError(
            "INVALID_PAGE_SIZE",
            en=f"first must be between 1 and {MAX_PAGE}",
            vi=f"first phải từ 1 đến {MAX_PAGE}",
            field="first",
        )
    return first


@dataclass(frozen=True)
class Page[T]:
    """A page a service hands to a resolver: items, each one's cursor, and whether more follow.

    `distances` (metres) when the page is ordered by distance. `resume_at` is where a filtered
    scan stopped reading when that lies past the last item; the next page starts there.
    """

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    distances: list[float | None] | None = None
    resume_at: str | None = None

    @property
    def end_cursor(self) -> str | None:
        """Pass as `after` for the next page."""
        if self.resume_at is not None:
            return self.resume_at
        return self.cursors[-1] if self.cursors else None

    def map[U](self, convert: Callable[[T], U]) -> Page[U]:
        """The same page with each item converted (documents into models)."""
        return Page(
            [convert(item) for item in self.items],
            self.cursors,
            self.has_next_page,
            distances=self.distances,
            resume_at=self.resume_at,
        )

    def distance_list(self) -> list[float | None]:
        """A distance per item (None each when the page is not ordered by distance)."""
        return list(self.distances) if self.distances is not None else [None] * len(self.items)


@strawberry.type(description="Where a page of a connection sits.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow `endCursor`.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="An item of a connection with its cursor.")
class Edge[NodeT]:
    node: NodeT = strawberry.field(description="The item.")
    cursor: str = strawberry.field(description="Opaque position of this item.")


@strawberry.type(description="A page of items.")
class Connection[NodeT]:
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging information.")

    @classmethod
    def of(cls, nodes: Sequence[NodeT], page: Page[Any]) -> Connection[NodeT]:
        """The connection of a service's page, its items turned into `nodes`."""
        edges = [
            Edge(node=node, cursor=cursor) for node, cursor in zip(nodes, page.cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @classmethod
    def from_page(
        cls, nodes: Sequence[NodeT], cursors: Sequence[str], *, has_next_page: bool
    ) -> Connection[NodeT]:
        edges = [
            Edge(node=node, cursor=cursor) for node, cursor in zip(nodes, cursors, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=has_next_page, end_cursor=cursors[-1] if cursors else None
            ),
        )


# A distance depends on the point a list was asked from, so it belongs to the edge, never to the
# item: normalised caches (Apollo's InMemoryCache, urql, Relay) keep one copy of each
# `(__typename, id)`, and a distance stored on it would show the last list's value in every other
# list. The GraphQL names are those of Edge / Connection, so `Connection[Poi]` and
# `NearConnection[Poi]` are both `PoiConnection`: a type listed both ways fails at schema build.
@strawberry.type(
    name="Edge",
    description="An item of a list that can be ordered by distance, with its cursor and distance.",
)
class NearEdge[NodeT]:
    node: NodeT = strawberry.field(description="The item.")
    cursor: str = strawberry.field(description="Opaque position of this item.")
    distance_meters: float | None = strawberry.field(
        description="Metres from the list's `near` point to the item (a journey's first stop, a "
        "tour's meeting point); null when the list was asked without `near`. On the edge, not "
        "on the item: the same item has another distance in a list from another point."
    )


@strawberry.type(name="Connection", description="A page of items, nearest first with `near`.")
class NearConnection[NodeT]:
    edges: list[NearEdge[NodeT]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging information.")

    @classmethod
    def of(cls, nodes: Sequence[NodeT], page: Page[Any]) -> NearConnection[NodeT]:
        """The connection of a service's page, each edge with its item's distance (0.1 m)."""
        edges = [
            NearEdge(
                node=node,
                cursor=cursor,
                distance_meters=round(distance, 1) if distance is not None else None,
            )
            for node, cursor, distance in zip(
                nodes, page.cursors, page.distance_list(), strict=True
            )
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )
