"""Production smoke test: the wheel, installed alone in a clean venv, runs the Procfile.

As an operator would deploy it: `python -m build` of the tree, the wheel and its locked runtime
requirements in a fresh virtualenv (no dev or test extras, no embedded database), then the
Procfile's `release`, `web` (two uvicorn workers) and `worker`, each through `bash -c` with only
the production environment: APP_ENV=production, a MongoDB URI (a SecantusDB the test starts), a
generated service-account key and a Firebase project that is not a `demo-` one. Google's
endpoints are loopback stand-ins reached through smoke_seams.py (see there why not settings).

One test, not several: its setup (a wheel, a venv) is most of its cost, and xdist would build
it once per worker for tests of the same module.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from backend.embedded import EmbeddedMongo
from backend.processes import ChildProcess, free_port
from notifications.fcm_local import LocalFcm
from tests.factories import SigningKey, id_token
from tests.production.conftest import (
    PROJECT_ID,
    REPO,
    GoogleStandIn,
    ProductionVenv,
    wheel_problems,
)

pytestmark = pytest.mark.production_smoke

OPERATIONS = REPO / "graphql" / "operations"
# The load balancer's address: the only one FORWARDED_ALLOW_IPS trusts. The test reaches the web
# process from it (loopback is 127.0.0.0/8) and, as an untrusted client, from 127.0.0.1.
LOAD_BALANCER = "127.0.0.2"
PUBLIC_HOST = "api.thanglong.example"
STARTUP_SECONDS = 90
DELIVERY_SECONDS = 30
HEALTHZ = {"method": "GET", "route": "/healthz", "status": "2xx"}
INTROSPECTION = "query { __schema { queryType { name } types { name } } }"


def procfile() -> dict[str, str]:
    """The Procfile's entries: process type -> command."""
    entries = {}
    for line in (REPO / "Procfile").read_text().splitlines():
        name, colon, command = line.partition(":")
        if colon and name.strip() and not line.lstrip().startswith("#"):
            entries[name.strip()] = command.strip()
    return entries


def as_platform_runs(command: str, env: dict[str, str]) -> list[str]:
    """A Procfile entry as a platform runs it: `bash -c`, with the app's environment only."""
    return ["env", "-i", *(f"{name}={value}" for name, value in env.items()), "bash", "-c", command]


@contextmanager
def running(name: str, command: list[str], cwd: Path, log_dir: Path) -> Iterator[ChildProcess]:
    child = ChildProcess(name, log_file=log_dir / f"{name}.log")
    child.spawn(command, cwd=cwd)
    try:
        yield child
    finally:
        child.stop()


def gql(http: httpx.Client, operation: str, variables: dict[str, Any], token: str) -> Any:
    """Run one of the app's own documents: production accepts only those (the allowlist)."""
    query = (OPERATIONS / operation).read_text(encoding="utf-8")
    response = http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def healthz_counts_by_worker(metrics_dir: Path) -> dict[str, float]:
    """GET /healthz answered, per uvicorn worker, from each worker's own multiprocess file."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        for metric in MultiProcessCollector.merge([str(path)], accumulate=True):
            for sample in metric.samples:
                if sample.name == "thanglong_http_requests_total" and sample.labels == HEALTHZ:
                    counts[path.stem] = sample.value
    return counts


def scraped_healthz(body: str) -> float:
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == "thanglong_http_requests_total" and sample.labels == HEALTHZ:
                return sample.value
    raise AssertionError(f"no /healthz counter in the scrape:\n{body[:2000]}")


def test_the_wheel_runs_the_procfile_in_production(
    production_venv: ProductionVenv,
    wheel: Path,
    google: GoogleStandIn,
    id_token_key: SigningKey,
    tmp_path: Path,
) -> None:
    # given the wheel: it carries the console, the content and the allowlisted operations
    assert wheel_problems(wheel) == [], "the wheel misses files the installed app reads"
    # and a venv with nothing from the dev or test extras, the embedded database included
    assert not production_venv.can_import("secantus"), "secantusdb is in the production venv"
    assert not production_venv.can_import("pytest")
    commands = procfile()
    work_dir = tmp_path / "app"  # not the checkout: the venv's code must be what runs
    work_dir.mkdir()
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(google.service_account()))
    metrics_dir = tmp_path / "metrics"
    metrics_token = secrets.token_urlsafe(32)
    port = free_port()

    with ExitStack() as stack:
        database = stack.enter_context(EmbeddedMongo(":memory:"))
        fcm = stack.enter_context(LocalFcm())
        env = {
            "PATH": f"{production_venv.root / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "NO_GCE_CHECK": "true",
            "APP_ENV": "production",
            "MONGODB_URI": database.uri,
            "MONGODB_DB": "thanglong",
            "FIREBASE_PROJECT_ID": PROJECT_ID,
            "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
            "CURSOR_SECRET": secrets.token_urlsafe(32),
            "TICKET_SIGNING_KEY": secrets.token_urlsafe(32),  # 32 bytes, base64url
            "METRICS_TOKEN": metrics_token,
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "FORWARDED_ALLOW_IPS": LOAD_BALANCER,
            "PUBLIC_BASE_URL": f"https://{PUBLIC_HOST}",
            "WEB_CONCURRENCY": "2",
            "WEB_HOST": "127.0.0.1",
            "PORT": str(port),
            "THANGLONG_SMOKE_SEAMS": google.seams(fcm.url),
        }
        # A stale file of an earlier run in the metrics directory: the web start must clear it.
        metrics_dir.mkdir()
        (metrics_dir / "counter_1.db").write_bytes(b"stale")

        # when the release phase runs: indexes and content into the empty database
        release = subprocess.run(
            as_platform_runs(commands["release"], env),
            cwd=work_dir,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert release.returncode == 0, release.stdout + release.stderr

        # and the web (two workers) and the push worker start
        web = stack.enter_context(
            running("web", as_platform_runs(commands["web"], env), work_dir, tmp_path)
        )
        stack.enter_context(
            running("worker", as_platform_runs(commands["worker"], env), work_dir, tmp_path)
        )
        base_url = f"http://127.0.0.1:{port}"
        direct = stack.enter_context(httpx.Client(base_url=base_url, trust_env=False, timeout=10))
        balancer = stack.enter_context(
            httpx.Client(
                base_url=base_url,
                transport=httpx.HTTPTransport(local_address=LOAD_BALANCER),
                trust_env=False,
                timeout=10,
            )
        )

        def ready() -> bool:
            try:
                return direct.get("/readyz").status_code == 200
            except httpx.TransportError:
                return False

        web.wait_until(ready, STARTUP_SECONDS)

        # then it is ready, and the console is served from the wheel with its strict CSP
        assert direct.get("/readyz").json() == {"status": "ready"}
        page = direct.get("/console")
        assert page.status_code == 200, page.text
        csp = page.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "style-src 'self';" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert "http://" not in csp  # no emulator origin in production
        [script] = re.findall(r'src="(/console/assets/[^"]+\.js)"', page.text)
        asset = direct.get(script)
        assert asset.status_code == 200
        assert "immutable" in asset.headers["cache-control"]
        config = direct.get("/console/config.json").json()
        assert config["projectId"] == PROJECT_ID
        assert config["authEmulatorHost"] is None
        # and so is /account/delete (Google Play's web link to delete an account), with its bundle
        delete_page = direct.get("/account/delete")
        assert delete_page.status_code == 200, delete_page.text
        assert "unsafe-inline" not in delete_page.headers["content-security-policy"]
        [script] = re.findall(r'src="(/console/assets/account-delete-[^"]+\.js)"', delete_page.text)
        assert direct.get(script).status_code == 200

        # and introspection is refused: the allowlist stops it before the schema (which has
        # introspection off too: tests/test_limits.py)
        introspection = direct.post("/graphql", json={"query": INTROSPECTION})
        assert introspection.status_code == 400
        [error] = introspection.json()["errors"]
        assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
        assert "data" not in introspection.json()

        # and Open311 links start with PUBLIC_BASE_URL (production requires it), whatever scheme
        # and host a request names, through the load balancer or not
        forwarded = {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example"}
        for client in (balancer, direct):
            for headers in (forwarded, {"Host": "10.0.0.5:8000"}):
                discovery = client.get("/open311/v2/discovery.json", headers=headers).json()
                assert discovery["endpoints"][0]["url"] == f"https://{PUBLIC_HOST}/open311/v2"

        # and /metrics needs the token
        refused = direct.get("/metrics")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "UNAUTHENTICATED"
        assert refused.headers["www-authenticate"].startswith("Bearer")
        wrong = direct.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        assert wrong.status_code == 401
        assert not (metrics_dir / "counter_1.db").exists()

        # and a scrape adds up both workers: requests on new connections until both served some
        sent = 0
        deadline = time.monotonic() + STARTUP_SECONDS
        while len(healthz_counts_by_worker(metrics_dir)) < 2:
            assert time.monotonic() < deadline, f"one worker served all {sent} requests"
            for _ in range(10):
                health = direct.get("/healthz", headers={"Connection": "close"})
                assert health.status_code == 200
                sent += 1
        # A request is counted once its response has gone (the middleware's `finally`), so the
        # workers' files may trail the client by a moment: wait until they add up to `sent`.
        web.wait_until(
            lambda: sum(healthz_counts_by_worker(metrics_dir).values()) == sent, STARTUP_SECONDS
        )
        per_worker = healthz_counts_by_worker(metrics_dir)
        scrape = direct.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
        assert scrape.status_code == 200
        assert scraped_healthz(scrape.text) == sent == sum(per_worker.values())
        assert all(count > 0 for count in per_worker.values())

        # when a resident registers a phone and a staff member sends a city-wide alert
        device = f"fid-smoke-{secrets.token_hex(8)}"
        resident = id_token(id_token_key, uid="smoke-resident", project_id=PROJECT_ID)
        staff = id_token(
            id_token_key, uid="smoke-officer", project_id=PROJECT_ID, claims={"role": "staff"}
        )
        registered = gql(
            direct,
            "notifications/DeviceRegister.graphql",
            {"input": {"token": device, "platform": "ANDROID", "locale": "en"}},
            resident,
        )
        assert registered["deviceRegister"]["errors"] == []
        title = {"vi": "Ngập úng phố Hàng Bài", "en": "Flooding on Hàng Bài"}
        expires = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        alert = {
            "all": True,
            "severity": "URGENT",
            "title": title,
            "body": {"vi": "Tránh khu vực Hàng Bài.", "en": "Avoid Hàng Bài."},
            "expiresAt": expires,
        }
        sent_alert = gql(direct, "notifications/AlertSend.graphql", {"input": alert}, staff)
        assert sent_alert["alertSend"]["errors"] == []

        # then the worker pushes it to the phone, in its language
        pushes: list[dict[str, Any]] = []
        deadline = time.monotonic() + DELIVERY_SECONDS
        while not pushes:
            assert time.monotonic() < deadline, "no push within the deadline"
            found = direct.get(f"{fcm.url}/_local/messages", params={"token": device})
            pushes = found.json()["messages"]
            time.sleep(0.2)  # polling the endpoint's record, not waiting for a guess
        [push] = pushes
        assert push["message"]["notification"]["title"] == title["en"]
        # and both writes were checked for revocation with the service account's access token
        assert {"smoke-resident", "smoke-officer"} <= set(google.lookups)
        assert google.grants[0]["iss"] == google.service_account()["client_email"]

    # and production still refuses the emulators, in every process type
    refusals = {
        "release": {"FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099"},
        "web": {"FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099", "PORT": str(free_port())},
        "worker": {"FCM_ENDPOINT": "http://127.0.0.1:9097"},
    }
    started = {
        name: subprocess.Popen(
            as_platform_runs(commands[name], {**env, **extra}),
            cwd=work_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, extra in refusals.items()
    }
    for name, process in started.items():
        output, _ = process.communicate(timeout=60)
        assert process.returncode != 0, f"{name} started with an emulator configured"
        assert "refusing to start in production" in output, output
