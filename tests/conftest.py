"""Real components for every test: SecantusDB over TCP, a loopback certificate server for
Firebase ID tokens, the Firebase Auth emulator (started on first use), and the ASGI app over
HTTP (httpx) inside its lifespan."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import firebase_admin._token_gen as token_gen
import httpx
import pytest
from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient

from backend.app import create_app
from backend.embedded import EmbeddedMongo
from backend.emulators import FirebaseAuthEmulator
from backend.settings import Environment, Settings
from tests.factories import PROJECT_ID, SigningKey, id_token

# firebase-admin must never go looking for a metadata server.
os.environ["NO_GCE_CHECK"] = "true"
os.environ.pop("FIREBASE_AUTH_EMULATOR_HOST", None)


@pytest.fixture(scope="session")
def mongo() -> Iterator[EmbeddedMongo]:
    """One SecantusDB for the session; each test gets its own database in it."""
    with EmbeddedMongo(":memory:") as server:
        yield server


class CertServer:
    """Serves `{kid: certificate}` like https://www.googleapis.com/robot/v1/metadata/x509/..."""

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = keys
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps({k.kid: k.certificate_pem() for k in server.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "public, max-age=3600")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/certs"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CertServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey()


@pytest.fixture(scope="session")
def cert_server(signing_key: SigningKey) -> Iterator[CertServer]:
    """Point firebase-admin's certificate URL at a loopback server holding our public key."""
    original = token_gen.ID_TOKEN_CERT_URI
    with CertServer([signing_key]) as server:
        token_gen.ID_TOKEN_CERT_URI = server.url
        yield server
    token_gen.ID_TOKEN_CERT_URI = original


@pytest.fixture
def make_token(signing_key: SigningKey, cert_server: CertServer) -> Callable[..., str]:
    """Mint an RS256 Firebase ID token: `make_token(uid=..., claims={"role": "moderator"})`."""

    def make(**kwargs: object) -> str:
        return id_token(signing_key, **kwargs)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def auth_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirebaseAuthEmulator]:
    """The Firebase Auth emulator, started once, only for the tests that ask for it."""
    log_file = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with FirebaseAuthEmulator(log_file=log_file) as emulator:
        yield emulator


@pytest.fixture
def settings(mongo: EmbeddedMongo, cert_server: CertServer, tmp_path: Path) -> Settings:
    """Test settings: the session's database server, a database of this test's own."""
    return Settings(
        env=Environment.TEST,
        mongodb_uri=mongo.uri,
        mongodb_db=f"test_{uuid.uuid4().hex[:16]}",
        data_dir=tmp_path,
        firebase_project_id=PROJECT_ID,
        # Locally signed tokens have no Firebase user behind them to look up; the emulator
        # tests switch revocation checks back on.
        revocation_check_seconds=0,
        # Tests change public data behind the app's back; the cache has its own tests.
        response_cache=False,
    )


@pytest.fixture
async def db_client(mongo: EmbeddedMongo) -> AsyncIterator[AsyncMongoClient[dict[str, object]]]:
    """A driver connection of the test's own, for given/then steps that look at the database."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo.uri, tz_aware=True)
    yield client
    await client.close()


async def _serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
        await app.state.thanglong.client.drop_database(settings.mongodb_db)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app over HTTP, inside its lifespan; its database is dropped afterwards."""
    async for http in _serve(settings):
        yield http


@pytest.fixture
def serve() -> Callable[[Settings], AsyncIterator[httpx.AsyncClient]]:
    """Serve the app with other settings (production, emulator): `async for c in serve(s)`."""
    return _serve


def with_settings(settings: Settings, **changes: object) -> Settings:
    return replace(settings, **changes)  # type: ignore[arg-type]
