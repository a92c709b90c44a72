"""Relay-style connections with opaque cursors and a bounded page size."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Generic, TypeVar

import orjson
import strawberry

from backend.errors import DomainError

MAX_PAGE = 100
DEFAULT_PAGE = 20

NodeT = TypeVar("NodeT")


class InvalidCursorError(DomainError):
    def __init__(self) -> None:
        super().__init__("INVALID_CURSOR", "The cursor is not valid", field="after")


def encode_cursor(values: Sequence[object]) -> str:
    """An opaque cursor from the sort-key values of the last item (JSON, url-safe base64)."""
    return base64.urlsafe_b64encode(orjson.dumps(list(values))).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[object]:
    """The sort-key values of a cursor; a tampered cursor is an INVALID_CURSOR error."""
    if len(cursor) > 512:
        raise InvalidCursorError
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
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
            "INVALID_PAGE_SIZE", f"first must be between 1 and {MAX_PAGE}", field="first"
        )
    return first


@strawberry.type(description="Where a page of a connection sits.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow `endCursor`.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="An item of a connection with its cursor.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The item.")
    cursor: str = strawberry.field(description="Opaque position of this item.")


@strawberry.type(description="A page of items.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging information.")

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
