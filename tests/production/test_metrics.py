"""/metrics in production: behind the METRICS_TOKEN bearer token, or not served at all."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx

from backend.metrics import prepare_multiprocess_dir
from backend.settings import Environment, Settings
from tests.conftest import with_settings
from tests.factories import SigningKey, service_account_json

TOKEN = "a-scrape-token-of-at-least-32-characters"
Serve = Callable[[Settings], AsyncIterator[httpx.AsyncClient]]


def production(settings: Settings, tmp_path: Path, **changes: object) -> Settings:
    credentials = tmp_path / "service-account.json"
    credentials.write_text(json.dumps(service_account_json(SigningKey(), "thanglong-metrics")))
    return with_settings(
        settings,
        env=Environment.PRODUCTION,
        firebase_project_id="thanglong-metrics",
        firebase_credentials_file=str(credentials),
        revocation_check_seconds=300,
        cursor_secret="test-cursor-secret-0123456789abcdef",
        ticket_signing_key="AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
        public_base_url="https://api.thanglong.example",
        **changes,
    )


async def test_production_scrapes_need_the_token(
    settings: Settings, tmp_path: Path, serve: Serve
) -> None:
    async for client in serve(production(settings, tmp_path, metrics_token=TOKEN)):
        # when Prometheus scrapes without the token, or with another one
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
        # then both are refused with the API's error body
        assert anonymous.status_code == 401
        assert anonymous.json()["error"]["code"] == "UNAUTHENTICATED"
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert wrong.status_code == 401
        # and with the token the scrape gets the exposition
        scrape = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scrape.status_code == 200
        assert "thanglong_http_requests_total" in scrape.text


async def test_production_without_a_token_serves_no_metrics(
    settings: Settings, tmp_path: Path, serve: Serve
) -> None:
    async for client in serve(production(settings, tmp_path)):
        response = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


def test_the_web_start_empties_the_multiprocess_directory(tmp_path: Path) -> None:
    # given a directory left by an earlier run: worker files and someone else's file
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"old")
    (directory / "histogram_123.db").write_bytes(b"old")
    (directory / "notes.txt").write_text("not ours")
    # when the web start prepares it
    prepared = prepare_multiprocess_dir({"PROMETHEUS_MULTIPROC_DIR": str(directory)})
    # then only prometheus_client's files are gone
    assert prepared == directory
    assert sorted(p.name for p in directory.iterdir()) == ["notes.txt"]
    # and a missing directory is created, and no setting means nothing to do
    fresh = tmp_path / "fresh" / "metrics"
    assert prepare_multiprocess_dir({"PROMETHEUS_MULTIPROC_DIR": str(fresh)}) == fresh
    assert fresh.is_dir()
    assert prepare_multiprocess_dir({}) is None
