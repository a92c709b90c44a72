"""The app's own clients against the real stack: `node --test tests/clients/`.

tests/clients/app_day.test.mjs signs in with the Firebase JS SDK (Auth emulator) and talks to the
API with Apollo Client 4 (InMemoryCache, the persisted query link with ids from the manifest, GET
for queries), as the mobile app does. This test starts what it needs: the app under uvicorn on a
loopback port in production's allowlist mode, the embedded database with the seed content, the
Auth emulator, the local FCM endpoint and the push worker (`python -m notifications.worker`, as
the Procfile runs it). It also does what only the city can: a moderator account, whose ID token
the Node test uses, and a neighbour's reports around the resident's street.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from firebase_admin import auth as firebase_auth
from PIL import Image
from pymongo import AsyncMongoClient

from backend import firebase
from backend.emulators import FirebaseAuthEmulator
from backend.payments.sandbox import LocalVnpay
from backend.processes import ChildProcess
from backend.settings import ROOT, Environment, Settings
from notifications.fcm_local import LocalFcm
from tests.clients.node import run_node
from tests.conftest import DatabaseServer, SeedTemplates
from tests.open311.conftest import LiveServer

CLIENT_TESTS = ROOT / "tests" / "clients"
REPORT_CREATE = (ROOT / "graphql" / "operations" / "reports" / "ReportCreate.graphql").read_text(
    encoding="utf-8"
)
PASSWORD = "correct horse battery staple"
# Hàng Bài street: the resident's report and the neighbour's three are around it.
STREET = {"lat": 21.0245, "lng": 105.8526}
NEIGHBOUR_REPORTS = (
    ("pothole", {"lat": 21.0248, "lng": 105.8529}, "Ổ gà sâu trước số 20 phố Hàng Bài"),
    ("broken-street-light", {"lat": 21.0252, "lng": 105.8522}, "Đèn đường tắt cả tuần ở Hàng Bài"),
    ("uncollected-garbage", {"lat": 21.0239, "lng": 105.8533}, "Rác để qua đêm ở ngõ Hàng Bài"),
)
# The scenarios app_day.test.mjs runs; each must pass (none skipped, none missing).
SCENARIOS = 5
NODE_TIMEOUT_SECONDS = 240

pytestmark = pytest.mark.timeout(360)


@pytest.fixture
def fcm() -> Iterator[LocalFcm]:
    with LocalFcm() as server:
        yield server


class Emulator:
    """Accounts made the way the city makes them: REST sign-up, roles through firebase-admin."""

    def __init__(self, emulator: FirebaseAuthEmulator, settings: Settings) -> None:
        self.base = f"http://{emulator.host_port}/identitytoolkit.googleapis.com/v1"
        self.settings = settings

    def _call(self, action: str, email: str) -> dict[str, Any]:
        response = httpx.post(
            f"{self.base}/accounts:{action}",
            params={"key": "fake-api-key"},
            json={"email": email, "password": PASSWORD, "returnSecureToken": True},
            trust_env=False,
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def account(self, prefix: str, role: str | None = None) -> str:
        """A new account's ID token (signed in again after a role, so the token carries it)."""
        email = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"
        signed_up = self._call("signUp", email)
        if role is None:
            return str(signed_up["idToken"])
        admin_app = firebase.initialize(self.settings)
        try:
            firebase_auth.set_custom_user_claims(
                signed_up["localId"], {"role": role}, app=admin_app
            )
        finally:
            # firebase-admin's auth client never closes its HTTP session itself.
            firebase_auth._get_client(admin_app)._user_manager.http_client.close()
            firebase.close(admin_app)
        return str(self._call("signInWithPassword", email)["idToken"])


def file_neighbour_reports(api: str, token: str) -> None:
    """The neighbour's reports, sent as the app's checked-in document (allowed byte for byte)."""
    for category, location, description in NEIGHBOUR_REPORTS:
        variables = {
            "input": {
                "categoryId": category,
                "description": description,
                "location": location,
                "idempotencyKey": uuid.uuid4().hex,
            }
        }
        response = httpx.post(
            f"{api}/graphql",
            json={"query": REPORT_CREATE, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
            trust_env=False,
            timeout=30,
        )
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body
        assert body["data"]["reportCreate"]["errors"] == [], body


def photo(path: Path) -> Path:
    Image.new("RGB", (640, 480), (200, 120, 40)).save(path, format="JPEG", quality=85)
    return path


async def test_apollo_client_and_the_firebase_sdk_live_a_resident_and_a_tourist_day(
    mongo: DatabaseServer,
    seed_templates: SeedTemplates,
    auth_emulator: FirebaseAuthEmulator,
    fcm: LocalFcm,
    vnpay_sandbox: LocalVnpay,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given the app as production runs it (only the manifest's operations, the response cache),
    # with the Auth emulator in place of Firebase and the seed content loaded
    settings = Settings(
        env=Environment.TEST,
        mongodb_uri=mongo.uri,
        mongodb_db=f"test_clients_{uuid.uuid4().hex[:12]}",
        data_dir=tmp_path,
        firebase_project_id=auth_emulator.project_id,
        firebase_auth_emulator_host=auth_emulator.host_port,
        persisted_queries="allowlist",
        response_cache=True,
        revocation_check_seconds=300,
        # and VNPay's local sandbox, as a merchant of this test's own
        vnpay_tmn_code=f"C{uuid.uuid4().hex[:7].upper()}",
        vnpay_hash_secret=uuid.uuid4().hex,
        vnpay_payment_url=vnpay_sandbox.payment_url,
        vnpay_api_url=vnpay_sandbox.api_url,
    )
    # firebase-admin reads the emulator's address from the environment, as under `make run`.
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", auth_emulator.host_port)
    admin: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.uri, tz_aware=True)
    worker = ChildProcess("push worker", log_file=tmp_path / "worker.log")
    try:
        await seed_templates.copy(admin[settings.mongodb_db])
        # and the push worker, as the Procfile runs it, sending through the local FCM endpoint
        worker.spawn(
            [sys.executable, "-m", "notifications.worker"],
            env={
                "APP_ENV": "test",
                "MONGODB_URI": mongo.uri,
                "MONGODB_DB": settings.mongodb_db,
                "FIREBASE_PROJECT_ID": settings.firebase_project_id,
                "FCM_ENDPOINT": fcm.url,
                "PYTHONPATH": str(ROOT),
            },
            cwd=ROOT,
        )
        with LiveServer(settings) as server:
            # whose IPNs the sandbox sends to the app, as VNPay does
            async with httpx.AsyncClient(trust_env=False) as http:
                registered = await http.put(
                    f"{vnpay_sandbox.url}/_sandbox/merchants/{settings.vnpay_tmn_code}",
                    json={
                        "hashSecret": settings.vnpay_hash_secret,
                        "ipnUrl": f"{server.url}/payments/vnpay/ipn",
                    },
                )
            assert registered.status_code == 200, registered.text
            # and what only the city does: a moderator, and a neighbour's reports on the street
            accounts = Emulator(auth_emulator, settings)
            moderator_token = await asyncio.to_thread(accounts.account, "moderator", "moderator")
            neighbour_token = await asyncio.to_thread(accounts.account, "neighbour")
            await asyncio.to_thread(file_neighbour_reports, server.url, neighbour_token)
            env = {
                "PATH": os.environ["PATH"],
                "HOME": str(tmp_path),
                "NO_PROXY": "127.0.0.1,localhost",
                "API_URL": server.url,
                "FIREBASE_AUTH_EMULATOR_HOST": auth_emulator.host_port,
                "FIREBASE_PROJECT_ID": auth_emulator.project_id,
                "FCM_URL": fcm.url,
                "MODERATOR_TOKEN": moderator_token,
                "PHOTO_PATH": str(photo(tmp_path / "pothole.jpg")),
                "STREET": f"{STREET['lat']},{STREET['lng']}",
            }
            # when the Node test runs the app's days with Apollo Client and the Firebase SDK
            code, output = await run_node(CLIENT_TESTS, env, seconds=NODE_TIMEOUT_SECONDS)
        assert worker.process is not None and worker.process.poll() is None, worker.output_tail()
    finally:
        worker.stop()
        await admin.close()
    # then every scenario passed, and all of them ran
    worker_log = f"\n--- push worker ---\n{worker.output_tail(4000)}"
    assert code == 0, output + worker_log
    assert f"# pass {SCENARIOS}" in output and "# fail 0" in output, output
