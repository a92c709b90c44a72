"""The /account/delete page's Content-Security-Policy: exactly what Google and phone sign-in need.

Firebase Auth's Google popup loads Google's API loader (apis.google.com) into the page and a
helper iframe from the auth domain; phone sign-in runs reCAPTCHA (www.google.com and
www.gstatic.com, under /recaptcha/); both talk to Identity Toolkit and Secure Token. Only this
page is widened, and only by those.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from backend.settings import Environment, Settings, SettingsError, load_settings
from tests.conftest import with_settings
from tests.factories import SigningKey, service_account_json

PROJECT = "thanglong-prod-test"
GOOGLE_SIGN_IN_SCRIPTS = (
    "'self' https://apis.google.com https://www.google.com/recaptcha/"
    " https://www.gstatic.com/recaptcha/"
)
CONNECT = "'self' https://identitytoolkit.googleapis.com https://securetoken.googleapis.com"


def production(settings: Settings, tmp_path: Path) -> Settings:
    key = SigningKey()
    credentials = tmp_path / "service-account.json"
    credentials.write_text(json.dumps(service_account_json(key, PROJECT)))
    return with_settings(
        settings,
        env=Environment.PRODUCTION,
        firebase_project_id=PROJECT,
        firebase_credentials_file=str(credentials),
        revocation_check_seconds=300,  # anonymous requests below never reach a remote check
        cursor_secret="test-cursor-secret-0123456789abcdef",
        ticket_signing_key="AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
        public_base_url="https://api.thanglong.example.vn",
    )


def directives(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))  # type: ignore[misc]


async def test_production_lets_in_only_google_and_phone_sign_in(
    settings: Settings, tmp_path: Path, serve: Callable[..., object]
) -> None:
    async for client in serve(production(settings, tmp_path)):  # type: ignore[attr-defined]
        # when the page is fetched in production
        page = await client.get("/account/delete")
        # then its policy is the console's, plus the sign-in origins and nothing else
        assert directives(page) == {
            "default-src": "'self'",
            "script-src": GOOGLE_SIGN_IN_SCRIPTS,
            "style-src": "'self'",
            "img-src": "'self' data: blob: https://*.tile.openstreetmap.org",
            "connect-src": CONNECT,
            "object-src": "'none'",
            "base-uri": "'none'",
            "form-action": "'self'",
            "frame-ancestors": "'none'",
            "frame-src": f"https://{PROJECT}.firebaseapp.com https://www.google.com/recaptcha/",
        }
        # and the Google popup may report back to it
        assert page.headers["cross-origin-opener-policy"] == "same-origin-allow-popups"
        # and the page signs in against that same auth domain, with no emulator
        config = await client.get("/account/delete/config.json")
        assert config.json() == {
            "projectId": PROJECT,
            "authDomain": f"{PROJECT}.firebaseapp.com",
            "apiKey": None,
            "authEmulatorHost": None,
        }
        assert config.headers["cache-control"] == "no-store"

        # but the console's pages are not widened
        console = await client.get("/console/")
        assert directives(console)["script-src"] == "'self'"
        assert "frame-src" not in directives(console)
        assert console.headers["cross-origin-opener-policy"] == "same-origin"


async def test_an_explicit_auth_domain_replaces_the_projects(
    settings: Settings, tmp_path: Path, serve: Callable[..., object]
) -> None:
    custom = with_settings(
        production(settings, tmp_path), firebase_auth_domain="login.thanglong.example.vn"
    )
    async for client in serve(custom):  # type: ignore[attr-defined]
        page = await client.get("/account/delete")
        assert directives(page)["frame-src"] == (
            "https://login.thanglong.example.vn https://www.google.com/recaptcha/"
        )
        config = await client.get("/account/delete/config.json")
        assert config.json()["authDomain"] == "login.thanglong.example.vn"


async def test_with_the_emulator_its_helper_iframe_is_allowed(
    settings: Settings, serve: Callable[..., object]
) -> None:
    emulated = with_settings(settings, firebase_auth_emulator_host="127.0.0.1:9099")
    async for client in serve(emulated):  # type: ignore[attr-defined]
        page = await client.get("/account/delete")
        frames = directives(page)["frame-src"].split()
        assert frames == [
            "https://demo-thanglong.firebaseapp.com",
            "https://www.google.com/recaptcha/",
            "http://127.0.0.1:9099",
        ]
        assert "http://127.0.0.1:9099" in directives(page)["connect-src"]
        config = await client.get("/account/delete/config.json")
        assert config.json()["authEmulatorHost"] == "127.0.0.1:9099"


def test_the_auth_domain_comes_from_the_environment() -> None:
    assert load_settings({}).auth_domain == "demo-thanglong.firebaseapp.com"
    configured = load_settings({"FIREBASE_AUTH_DOMAIN": " login.example.vn "})
    assert configured.auth_domain == "login.example.vn"
    # anything but a host name is refused: it goes into a response header
    with pytest.raises(SettingsError, match="FIREBASE_AUTH_DOMAIN"):
        load_settings({"FIREBASE_AUTH_DOMAIN": "login.example.vn; script-src *"})
