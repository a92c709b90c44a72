"""Tests for the local FCM endpoint, driven through the real firebase-admin client over HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import firebase_admin
import httpx
import pytest
import pytest_asyncio
from firebase_admin import exceptions, messaging

from notifications.fcm_local import LocalFcm, StaticTokenCredential, point_firebase_admin_at
from notifications.fcm_local import cli as fcm_local_cli

PROJECT_ID = "demo-thanglong"
NAME_RE = re.compile(rf"^projects/{PROJECT_ID}/messages/\d+$")
PROXY_ENV_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")

# firebase-admin 7.7 deprecates Message.token in favour of Message.fid; tokens are still what
# most apps register, so both are exercised here.
pytestmark = pytest.mark.filterwarnings("ignore:Message.token is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def local_fcm() -> Iterator[LocalFcm]:
    original_url = messaging._MessagingService.FCM_URL
    with LocalFcm() as fcm:
        point_firebase_admin_at(fcm.url)
        try:
            yield fcm
        finally:
            messaging._MessagingService.FCM_URL = original_url


@pytest.fixture
def fcm_control(local_fcm: LocalFcm) -> Iterator[httpx.Client]:
    # trust_env=False so a developer's proxy settings never route loopback traffic elsewhere.
    with httpx.Client(base_url=local_fcm.url, trust_env=False, timeout=5) as client:
        # Tests share one endpoint process; start each from an empty record.
        client.delete("/_local/messages").raise_for_status()
        yield client


@pytest.fixture
def fcm_app(
    fcm_control: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> Iterator[firebase_admin.App]:
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    # firebase-admin's clients honour proxy env vars, so drop them to keep traffic on loopback.
    # NO_PROXY goes too: a NO_PROXY entry matching the host makes httpx route around
    # firebase-admin's retry transport, which would change the async retry behaviour under test.
    for var in PROXY_ENV_VARS:
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    app = firebase_admin.initialize_app(
        StaticTokenCredential(),
        {"projectId": PROJECT_ID, "httpTimeout": 5},
        name=f"fcm-local-{uuid.uuid4().hex}",
    )
    try:
        yield app
    finally:
        firebase_admin.delete_app(app)


@pytest_asyncio.fixture
async def fcm_async_control(
    local_fcm: LocalFcm, fcm_control: httpx.Client
) -> AsyncIterator[httpx.AsyncClient]:
    # Async tests must not block their loop with the sync control client.
    async with httpx.AsyncClient(base_url=local_fcm.url, trust_env=False, timeout=5) as client:
        yield client


def fail_token(fcm_control: httpx.Client, token: str, error: str, **rule: Any) -> None:
    fcm_control.put(f"/_local/tokens/{token}", json={"error": error, **rule}).raise_for_status()


def recorded(fcm_control: httpx.Client, token: str) -> dict[str, Any]:
    response = fcm_control.get("/_local/messages", params={"token": token})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def afail_token(client: httpx.AsyncClient, token: str, error: str, **rule: Any) -> None:
    response = await client.put(f"/_local/tokens/{token}", json={"error": error, **rule})
    response.raise_for_status()


async def arecorded(client: httpx.AsyncClient, token: str | None = None) -> dict[str, Any]:
    params = {"token": token} if token is not None else {}
    response = await client.get("/_local/messages", params=params)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def close_async_client(app: firebase_admin.App) -> None:
    # delete_app() closes the httpx client with asyncio.run() on a new loop, which fails with
    # "Event loop is closed" once the loop that opened its connections is gone; close it here.
    await messaging._get_messaging_service(app)._async_client.aclose()


def test_send_records_message_with_its_data(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client
) -> None:
    # Given a device token and a flood alert with a data payload
    message = messaging.Message(
        token="device-a",
        notification=messaging.Notification(title="Cảnh báo ngập", body="Phố Huế ngập 30 cm"),
        data={"alert_id": "42", "district": "Hai Bà Trưng"},
    )
    before = datetime.now(UTC)

    # When it is sent through firebase-admin
    name = messaging.send(message, app=fcm_app)

    # Then FCM-style name comes back and the endpoint recorded exactly that message
    after = datetime.now(UTC)
    assert NAME_RE.match(name)
    body = recorded(fcm_control, "device-a")
    assert body["attempts"] == {"device-a": 1}
    [entry] = body["messages"]
    assert entry["name"] == name
    assert entry["project_id"] == PROJECT_ID
    assert entry["token"] == "device-a"
    assert entry["message"]["data"] == {"alert_id": "42", "district": "Hai Bà Trưng"}
    assert entry["message"]["notification"] == {
        "title": "Cảnh báo ngập",
        "body": "Phố Huế ngập 30 cm",
    }
    assert before <= datetime.fromisoformat(entry["received_at"]) <= after


def test_send_to_fid_is_recorded_under_that_device(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client
) -> None:
    # Given a message addressed with the newer Firebase installation ID field
    message = messaging.Message(fid="fid-123", data={"k": "v"})

    # When it is sent
    name = messaging.send(message, app=fcm_app)

    # Then it is recorded under that device address with the fid field kept as sent
    [entry] = recorded(fcm_control, "fid-123")["messages"]
    assert entry["name"] == name
    assert entry["message"]["fid"] == "fid-123"


def test_dry_run_answers_like_fcm_but_records_nothing(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client
) -> None:
    # Given a valid message
    message = messaging.Message(token="device-dry", data={"k": "v"})

    # When it is sent with validate_only
    name = messaging.send(message, dry_run=True, app=fcm_app)

    # Then FCM's fixed dry-run name comes back and nothing counts as delivered
    assert name == f"projects/{PROJECT_ID}/messages/fake_message_id"
    body = recorded(fcm_control, "device-dry")
    assert body["messages"] == []
    assert body["attempts"] == {"device-dry": 1}


def test_send_each_reports_unregistered_token(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client
) -> None:
    # Given three devices, the middle one uninstalled the app
    fail_token(fcm_control, "device-gone", "UNREGISTERED")
    tokens = ["device-1", "device-gone", "device-3"]

    # When a batch goes to all three
    batch = messaging.send_each(
        [messaging.Message(token=t, data={"n": t}) for t in tokens], app=fcm_app
    )

    # Then two succeed and the middle one fails with UnregisteredError, without retries
    assert (batch.success_count, batch.failure_count) == (2, 1)
    ok_1, gone, ok_3 = batch.responses
    assert ok_1.success and ok_3.success
    assert isinstance(gone.exception, messaging.UnregisteredError)
    assert gone.exception.http_response.status_code == 404
    listing = fcm_control.get("/_local/messages").json()
    assert sorted(m["token"] for m in listing["messages"]) == ["device-1", "device-3"]
    assert listing["attempts"]["device-gone"] == 1


def test_unregistered_rule_with_times_fails_that_many_attempts(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client
) -> None:
    # Given a token that fails twice (404 is never retried by the client)
    fail_token(fcm_control, "device-flaky", "UNREGISTERED", times=2)
    message = messaging.Message(token="device-flaky")

    # When it is sent three times
    outcomes: list[str] = []
    for _ in range(3):
        try:
            messaging.send(message, app=fcm_app)
            outcomes.append("ok")
        except messaging.UnregisteredError:
            outcomes.append("unregistered")

    # Then exactly the first two attempts fail
    assert outcomes == ["unregistered", "unregistered", "ok"]
    body = recorded(fcm_control, "device-flaky")
    assert body["attempts"] == {"device-flaky": 3}
    assert len(body["messages"]) == 1


@pytest.mark.asyncio
async def test_quota_exceeded_exposes_retry_after(
    fcm_app: firebase_admin.App, fcm_async_control: httpx.AsyncClient
) -> None:
    # Given a token whose sends are throttled with Retry-After: 7
    await afail_token(fcm_async_control, "device-throttled", "QUOTA_EXCEEDED", retry_after=7)

    # When it is sent with the async client (which does not honour Retry-After itself)
    try:
        batch = await messaging.send_each_async(
            [messaging.Message(token="device-throttled")], dry_run=False, app=fcm_app
        )
    finally:
        await close_async_client(fcm_app)

    # Then the error is QuotaExceededError carrying the header, after a single attempt
    [response] = batch.responses
    assert isinstance(response.exception, messaging.QuotaExceededError)
    assert response.exception.http_response.status_code == 429
    assert response.exception.http_response.headers["Retry-After"] == "7"
    body = await arecorded(fcm_async_control, "device-throttled")
    assert body["attempts"] == {"device-throttled": 1}


def test_sync_client_retries_quota_exceeded_after_retry_after(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client
) -> None:
    # Given one throttled attempt with Retry-After: 0 (urllib3 would sleep N seconds otherwise)
    fail_token(fcm_control, "device-throttled-once", "QUOTA_EXCEEDED", times=1, retry_after=0)

    # When the sync API sends to it
    name = messaging.send(messaging.Message(token="device-throttled-once"), app=fcm_app)

    # Then urllib3 retried the 429 by itself: success, and two HTTP attempts reached FCM
    assert NAME_RE.match(name)
    assert recorded(fcm_control, "device-throttled-once")["attempts"] == {
        "device-throttled-once": 2
    }


@pytest.mark.parametrize("error", ["UNAVAILABLE", "INTERNAL"])
def test_sync_client_retries_one_server_error(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client, error: str
) -> None:
    # Given a token whose first attempt gets a 503/500
    fail_token(fcm_control, "device-blip", error, times=1)

    # When the sync API sends to it
    name = messaging.send(messaging.Message(token="device-blip"), app=fcm_app)

    # Then firebase-admin's urllib3 retry (no backoff before the first retry) hides the error
    assert NAME_RE.match(name)
    body = recorded(fcm_control, "device-blip")
    assert body["attempts"] == {"device-blip": 2}
    assert [m["name"] for m in body["messages"]] == [name]


@pytest.mark.asyncio
async def test_async_client_retries_one_unavailable(
    fcm_app: firebase_admin.App, fcm_async_control: httpx.AsyncClient
) -> None:
    # Given a token whose first attempt gets a 503
    await afail_token(fcm_async_control, "device-blip-async", "UNAVAILABLE", times=1)

    # When the async API sends to it
    try:
        batch = await messaging.send_each_async(
            [messaging.Message(token="device-blip-async")], dry_run=False, app=fcm_app
        )
    finally:
        await close_async_client(fcm_app)

    # Then firebase-admin's httpx retry transport retried it: success after two attempts
    assert batch.success_count == 1
    body = await arecorded(fcm_async_control, "device-blip-async")
    assert body["attempts"] == {"device-blip-async": 2}


def test_invalid_argument_raises_invalid_argument_error(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client
) -> None:
    # Given a token FCM rejects as malformed
    fail_token(fcm_control, "not-a-token", "INVALID_ARGUMENT")

    # When it is sent to
    with pytest.raises(exceptions.InvalidArgumentError) as caught:
        messaging.send(messaging.Message(token="not-a-token"), app=fcm_app)

    # Then the 400 is not retried and nothing is delivered
    assert caught.value.http_response.status_code == 400
    body = recorded(fcm_control, "not-a-token")
    assert body == {"messages": [], "attempts": {"not-a-token": 1}, "rules": body["rules"]}
    assert body["rules"]["not-a-token"]["error"] == "INVALID_ARGUMENT"


@pytest.mark.asyncio
async def test_send_each_async_delivers(
    fcm_app: firebase_admin.App, fcm_async_control: httpx.AsyncClient
) -> None:
    # Given two devices
    messages = [messaging.Message(token=f"async-{i}", data={"i": str(i)}) for i in range(2)]

    # When they are sent with the async API
    try:
        batch = await messaging.send_each_async(messages, dry_run=False, app=fcm_app)
    finally:
        await close_async_client(fcm_app)

    # Then both are delivered and recorded under the names FCM returned
    assert batch.success_count == 2
    listing = (await arecorded(fcm_async_control))["messages"]
    by_token = {m["token"]: m for m in listing}
    for i, response in enumerate(batch.responses):
        assert NAME_RE.match(response.message_id)
        assert by_token[f"async-{i}"]["name"] == response.message_id
        assert by_token[f"async-{i}"]["message"]["data"] == {"i": str(i)}


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer"}, {"Authorization": "Basic bG9jYWw6ZmNt"}]
)
def test_send_without_bearer_token_is_401(
    fcm_control: httpx.Client, headers: dict[str, str]
) -> None:
    # Given a well-formed request without a usable bearer token
    payload = {"message": {"token": "device-a", "data": {"k": "v"}}}

    # When it is posted
    response = fcm_control.post(
        f"/v1/projects/{PROJECT_ID}/messages:send", json=payload, headers=headers
    )

    # Then it is refused Google-style and nothing is recorded
    assert response.status_code == 401
    assert response.json()["error"]["status"] == "UNAUTHENTICATED"
    assert fcm_control.get("/_local/messages").json()["messages"] == []


def test_message_with_two_targets_is_invalid(fcm_control: httpx.Client) -> None:
    # Given a message naming both a token and a topic
    payload = {"message": {"token": "device-a", "topic": "flood-alerts"}}

    # When it is posted with credentials
    response = fcm_control.post(
        f"/v1/projects/{PROJECT_ID}/messages:send",
        json=payload,
        headers={"Authorization": "Bearer local-fcm"},
    )

    # Then FCM's INVALID_ARGUMENT error comes back
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["details"][0]["errorCode"] == "INVALID_ARGUMENT"


def test_control_api_rejects_unknown_error_code(fcm_control: httpx.Client) -> None:
    # Given / When a rule with an error FCM does not have
    response = fcm_control.put("/_local/tokens/device-a", json={"error": "ON_FIRE"})

    # Then it is refused and no rule exists
    assert response.status_code == 400
    assert fcm_control.get("/_local/messages").json()["rules"] == {}


def test_deleting_a_rule_restores_delivery(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client
) -> None:
    # Given a token that would fail forever
    fail_token(fcm_control, "device-back", "UNAVAILABLE")

    # When its rule is removed and it is sent to
    deleted = fcm_control.delete("/_local/tokens/device-back").json()
    name = messaging.send(messaging.Message(token="device-back"), app=fcm_app)

    # Then the rule was there to remove and the first attempt is delivered
    assert deleted == {"token": "device-back", "deleted": True}
    assert recorded(fcm_control, "device-back")["attempts"] == {"device-back": 1}
    assert NAME_RE.match(name)


def test_local_fcm_start_fails_clearly_on_a_busy_port(local_fcm: LocalFcm) -> None:
    # Given a port already served by another endpoint
    busy_port = int(local_fcm.url.rsplit(":", 1)[1])

    # When a second endpoint is started on it
    with pytest.raises(RuntimeError) as caught:
        LocalFcm(port=busy_port).start()

    # Then it reports its child's death instead of mistaking the other server for itself
    assert "exited with code" in str(caught.value)
    assert "address already in use" in str(caught.value)


def test_index_page_escapes_message_content(
    fcm_app: firebase_admin.App, fcm_control: httpx.Client
) -> None:
    # Given a delivered message whose title and data contain markup
    messaging.send(
        messaging.Message(
            token="device-<b>",
            notification=messaging.Notification(title="<script>alert(1)</script>", body="a&b"),
            data={"html": "<img src=x>"},
        ),
        app=fcm_app,
    )

    # When the developer page is fetched
    page = fcm_control.get("/").text

    # Then the content appears, escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a&amp;b" in page
    assert "html=&lt;img src=x&gt;" in page
    assert "device-&lt;b&gt;" in page
    assert "<script>" not in page and "<img" not in page


def test_main_refuses_non_loopback_host(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given uvicorn would be started only if the host check were skipped
    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("uvicorn.run called for a non-loopback host")

    monkeypatch.setattr(fcm_local_cli.uvicorn, "run", must_not_run)

    # When main is asked to bind to all interfaces
    with pytest.raises(SystemExit) as caught:
        fcm_local_cli.main(["--host", "0.0.0.0"])

    # Then it exits with a usage error explaining why
    assert caught.value.code == 2
    assert "non-loopback" in capsys.readouterr().err
