"""Production refuses unsafe configuration."""

from __future__ import annotations

import subprocess
import sys

import pytest

from backend.settings import ROOT, SettingsError, load_settings

PRODUCTION = {
    "APP_ENV": "production",
    "MONGODB_URI": "mongodb://db.internal:27017/?replicaSet=rs0",
    "FIREBASE_PROJECT_ID": "thanglong-prod",
    "CURSOR_SECRET": "a-long-random-secret-shared-by-all-web-processes",
    "TICKET_SIGNING_KEY": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
    "PUBLIC_BASE_URL": "https://api.thanglong.example",
}


def test_production_settings_load() -> None:
    settings = load_settings(dict(PRODUCTION))
    assert settings.production
    assert settings.mongodb_uri == PRODUCTION["MONGODB_URI"]
    assert settings.public_base_url == "https://api.thanglong.example"


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099"}, "FIREBASE_AUTH_EMULATOR_HOST"),
        ({"FCM_ENDPOINT": "http://127.0.0.1:9097"}, "FCM_ENDPOINT"),
        ({"MONGODB_URI": ""}, "MONGODB_URI"),
        ({"FIREBASE_PROJECT_ID": "demo-thanglong"}, "demo project"),
        ({"CURSOR_SECRET": "short"}, "CURSOR_SECRET"),
        ({"METRICS_TOKEN": "short"}, "METRICS_TOKEN"),
        ({"TICKET_SIGNING_KEY": ""}, "TICKET_SIGNING_KEY"),
        # photo, data-export and VNPay return links must not follow a request's Host
        ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL is not set"),
        ({"PUBLIC_BASE_URL": "  "}, "PUBLIC_BASE_URL is not set"),
        ({"PUBLIC_BASE_URL": "http://api.thanglong.example"}, "PUBLIC_BASE_URL must use https"),
    ],
)
def test_production_refuses_unsafe_settings(extra: dict[str, str], reason: str) -> None:
    with pytest.raises(SettingsError, match=reason):
        load_settings({**PRODUCTION, **extra})


def test_the_web_start_refuses_unsafe_settings_before_uvicorn() -> None:
    # given a production environment with the Auth emulator configured, and no public origin
    env = {
        **PRODUCTION,
        "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
        "PUBLIC_BASE_URL": "",
        "NO_GCE_CHECK": "true",
    }
    # when the Procfile's web start checks it
    check = subprocess.run(
        [sys.executable, "-m", "backend.settings"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then it exits non-zero, saying every reason on one line for the operator, before any
    # worker could be restarted in a loop
    assert check.returncode == 1
    assert check.stderr == (
        "thanglong: refusing to start in production: FIREBASE_AUTH_EMULATOR_HOST is set; "
        "PUBLIC_BASE_URL is not set (the https origin clients reach the API at, e.g. "
        "https://api.thanglong.vn: photo, data-export, VNPay return and Open311 links are built "
        "from it)\n"
    )


def test_development_allows_emulators() -> None:
    settings = load_settings(
        {"FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099", "FCM_ENDPOINT": "http://127.0.0.1:9"}
    )
    assert settings.firebase_auth_emulator_host == "127.0.0.1:9099"
    assert settings.embedded_database
