"""The fault tests time how fast requests fail while the database is away: they run with the
production default of DB_TIMEOUT_MS (2 s), not the roomier budget of the other tests."""

from __future__ import annotations

import pytest

from backend.settings import Settings
from tests.conftest import with_settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_settings(settings, db_timeout_ms=Settings.db_timeout_ms)
