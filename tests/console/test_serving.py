"""How the console is served: CSP, cache headers, config, and a clear answer before it is built."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.console import routes as console_routes
from backend.settings import Settings
from tests.conftest import with_settings


def test_csp_allows_no_inline_script_and_names_the_emulator(settings: Settings) -> None:
    policy = console_routes.content_security_policy(
        with_settings(settings, firebase_auth_emulator_host="127.0.0.1:9099")
    )
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert directives["frame-ancestors"] == "'none'"
    assert "http://127.0.0.1:9099" in directives["connect-src"]
    assert "https://identitytoolkit.googleapis.com" in directives["connect-src"]
    assert "https://*.tile.openstreetmap.org" in directives["img-src"]


async def test_config_gives_the_firebase_web_settings(client: httpx.AsyncClient) -> None:
    response = await client.get("/console/config.json")
    assert response.status_code == 200
    assert response.json() == {
        "projectId": "demo-thanglong",
        "apiKey": "demo-key",
        "authEmulatorHost": None,
    }
    assert response.headers["cache-control"] == "no-store"


async def test_page_and_hashed_assets_have_their_cache_headers(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a built console (a stand-in dist/, so this test does not need npm)
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><script type="module" src="/console/assets/index-abc123.js"></script>'
    )
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('hi')")
    monkeypatch.setattr(console_routes, "DIST", tmp_path)
    # when the page and an asset are fetched
    page = await client.get("/console/")
    asset = await client.get("/console/assets/index-abc123.js")
    missing = await client.get("/console/assets/nope.js")
    # then the page is revalidated, the asset cached for good, both under the CSP
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "content-security-policy" in asset.headers
    assert missing.status_code == 404
    assert "immutable" not in missing.headers.get("cache-control", "")


async def test_unbuilt_console_answers_503(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_routes, "DIST", tmp_path / "missing")
    response = await client.get("/console")
    assert response.status_code == 503
    assert "not built" in response.text
