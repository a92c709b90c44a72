"""Against the Firebase Auth emulator: sign-up, role granted by the CLI, disabled accounts.

The app and the CLI run with FIREBASE_AUTH_EMULATOR_HOST, as `make run` does; user management
goes through firebase-admin to the emulator, and sign-in through its REST API like the app's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import jwt
import pytest
from firebase_admin import auth as firebase_auth

from backend import firebase
from backend.emulators import FirebaseAuthEmulator
from backend.settings import ROOT, Settings
from tests.conftest import with_settings

VIEWER = "query Viewer { viewer { id roles } }"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def emulated(
    settings: Settings, auth_emulator: FirebaseAuthEmulator, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    # firebase-admin reads the emulator address from the environment, like in production
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", auth_emulator.host_port)
    return with_settings(
        settings,
        firebase_auth_emulator_host=auth_emulator.host_port,
        revocation_check_seconds=300,
    )


@pytest.fixture
async def emulated_client(
    emulated: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(emulated):
        yield client


async def identity(emulator: FirebaseAuthEmulator, action: str, email: str) -> dict[str, str]:
    """The app's sign-up / sign-in calls, against the emulator's REST API."""
    url = f"http://{emulator.host_port}/identitytoolkit.googleapis.com/v1/accounts:{action}"
    async with httpx.AsyncClient() as http:
        response = await http.post(
            url,
            params={"key": "fake-api-key"},
            json={"email": email, "password": PASSWORD, "returnSecureToken": True},
        )
    response.raise_for_status()
    body: dict[str, str] = response.json()
    return body


async def ask_viewer(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )


def run_cli(emulator: FirebaseAuthEmulator, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "FIREBASE_AUTH_EMULATOR_HOST": emulator.host_port,
        "FIREBASE_PROJECT_ID": emulator.project_id,
        "NO_GCE_CHECK": "true",
        "APP_ENV": "development",
    }
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


async def test_granted_moderator_sees_the_role_after_signing_in_again(
    emulated_client: httpx.AsyncClient, auth_emulator: FirebaseAuthEmulator
) -> None:
    # given a resident who signed up
    email = f"mod-{uuid.uuid4().hex[:8]}@example.com"
    signed_up = await identity(auth_emulator, "signUp", email)
    before = await ask_viewer(emulated_client, signed_up["idToken"])
    assert before.json()["data"]["viewer"] == {"id": signed_up["localId"], "roles": ["RESIDENT"]}

    # when an admin grants the moderator role with the CLI
    granted = run_cli(auth_emulator, "users", "grant", "--email", email, "--role", "moderator")
    assert granted.returncode == 0, granted.stderr
    assert "moderator" in granted.stdout

    # then after signing in again the viewer has it
    signed_in = await identity(auth_emulator, "signInWithPassword", email)
    after = await ask_viewer(emulated_client, signed_in["idToken"])
    assert after.json()["data"]["viewer"]["roles"] == ["RESIDENT", "MODERATOR"]


async def test_cli_grant_for_unknown_email_fails(auth_emulator: FirebaseAuthEmulator) -> None:
    result = run_cli(
        auth_emulator, "users", "grant", "--email", "nobody@example.com", "--role", "staff"
    )
    assert result.returncode == 1
    assert "no user with email" in result.stderr


async def test_disabled_user_gets_401(
    emulated: Settings,
    emulated_client: httpx.AsyncClient,
    auth_emulator: FirebaseAuthEmulator,
) -> None:
    # given a user with a valid token, whose account an admin then disables
    email = f"banned-{uuid.uuid4().hex[:8]}@example.com"
    signed_up = await identity(auth_emulator, "signUp", email)
    admin_app = firebase.initialize(emulated)
    try:
        firebase_auth.update_user(signed_up["localId"], disabled=True, app=admin_app)
    finally:
        firebase.close(admin_app)
    # when the token is used
    response = await ask_viewer(emulated_client, signed_up["idToken"])
    # then the request is refused
    assert response.status_code == 401
    assert response.json()["errors"] == [
        {
            "message": "Tài khoản này đã bị khóa",  # Vietnamese unless the request asks otherwise
            "extensions": {
                "code": "UNAUTHENTICATED",
                "reason": "USER_DISABLED",
                "requestId": response.headers["x-request-id"],
            },
        }
    ]


async def test_revoked_tokens_are_refused(
    emulated: Settings,
    emulated_client: httpx.AsyncClient,
    auth_emulator: FirebaseAuthEmulator,
) -> None:
    # given a signed-in user whose sessions are revoked (e.g. a stolen phone)
    email = f"revoked-{uuid.uuid4().hex[:8]}@example.com"
    signed_up = await identity(auth_emulator, "signUp", email)
    admin_app = firebase.initialize(emulated)
    try:
        # Revocation is kept in whole seconds and a token issued in the same second as the
        # revocation stays valid, so revoke as of one second after the token was issued.
        issued_at = jwt.decode(signed_up["idToken"], options={"verify_signature": False})["iat"]
        firebase_auth.update_user(signed_up["localId"], valid_since=issued_at + 1, app=admin_app)
    finally:
        firebase.close(admin_app)
    # when the old token is used, then it is refused
    response = await ask_viewer(emulated_client, signed_up["idToken"])
    assert response.status_code == 401
