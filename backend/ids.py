"""Opaque ids outward, typed ids inward: a malformed id becomes None, never a query operator."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId


def parse_object_id(value: object) -> ObjectId | None:
    """The ObjectId that `value` spells (24 hex digits), or None for anything else."""
    if not isinstance(value, str) or len(value) != 24:
        return None
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def parse_object_ids(values: list[str]) -> list[ObjectId] | None:
    """Every id parsed, or None when any of them is malformed."""
    parsed = [parse_object_id(value) for value in values]
    if any(oid is None for oid in parsed):
        return None
    return [oid for oid in parsed if oid is not None]
