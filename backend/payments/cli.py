"""`python -m backend.cli payments reconcile --date D` (see backend/cli.py)."""

from __future__ import annotations

import sys
from datetime import date

from backend import clock
from backend.db import Database
from backend.payments import service as payment_service


async def reconcile(db: Database, day: str) -> int:
    """Print one line per disagreement, then a summary; 1 when something disagrees."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        print(f"--date must be YYYY-MM-DD, not {day!r}", file=sys.stderr)
        return 2
    found = await payment_service.reconcile_day(db, when, now=clock.now())
    for item in found:
        print(f"{item.code}\t{item.booking}\t{item.problem}")
    print(f"{when.isoformat()}: {len(found)} disagreement(s)")
    return 1 if found else 0
