"""Real components for every test: SecantusDB over TCP, a loopback certificate server for
Firebase ID tokens, the Firebase Auth emulator (started in the background when the session has
tests that use it), and the ASGI app over HTTP (httpx) inside its lifespan.

Seeded databases are copied, not loaded: each worker loads content/ once into a template database
and copies it into a test's database inside the server (`$out`), then builds the indexes. Loading
took 2-3 s of the database's time per test (a document at a time); the copy takes a fifth of that,
and leaves the same documents and indexes."""

from __future__ import annotations

import functools
import itertools
import logging
import os
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import firebase_admin._token_gen as token_gen
import httpx
import pytest
from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from backend.app import create_app
from backend.auth.localtokens import PROJECT_ID, CertServer, SigningKey, id_token
from backend.bookings.models import HANOI, hanoi_date
from backend.bookings.repository import DEPARTURES
from backend.db import Database
from backend.domains import ContentLoader, ensure_indexes
from backend.embedded import EmbeddedMongo
from backend.emulators import FirebaseAuthEmulator
from backend.payments.sandbox import LocalVnpay
from backend.seed import CONTENT_DIR, migrate
from backend.settings import Environment, Settings

# firebase-admin must never go looking for a metadata server.
os.environ["NO_GCE_CHECK"] = "true"
os.environ.pop("FIREBASE_AUTH_EMULATOR_HOST", None)


# The longest tests (20-100 s each on two cores; most take under a second) go first: they start
# at once and the other worker runs the short ones meanwhile. Collected late (security/ sorts
# near the end), one of them could keep a worker busy for a minute after the other had finished.
# Longest first (seconds measured under two-worker load, setup included).
RUN_FIRST = (
    "tests/security/test_fuzz.py::test_graphql_schema_fuzzing",  # 50-110
    "tests/production/test_smoke.py::test_the_wheel_runs_the_procfile_in_production",  # 45-55
    "tests/air/test_replay.py::test_a_recorded_day_sends_exactly_these_alerts",  # 5-45
    "tests/security/test_fuzz.py::test_rest_routes_fuzzing",  # 15-41
    "tests/bookings/test_holds.py::test_200_concurrent_holds_never_oversell_50_seats",  # 12-27
    "tests/areas/test_migration.py::test_migrate_on_an_empty_database_has_nothing_to_move",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    first = {node_id: rank for rank, node_id in enumerate(RUN_FIRST)}
    # A stable sort: every other test keeps its place, so module fixtures are set up as before.
    items.sort(key=lambda item: first.get(item.nodeid, len(first)))


class DatabaseServer:
    """The worker's SecantusDB, replaced by a fresh one between test modules once it has held
    ROTATE_AFTER test databases.

    Test databases are not dropped: the server goes instead. A dropped database leaves deleted
    entries in the server's in-memory B-trees, and prefix scans (drop, $out) walk them: one
    server for the whole session grew slower with every test until, near the end of a run, a
    teardown's dropDatabase waited past the driver's 30 s socket timeout. A drop also cost about
    0.3 s a test (and a seeded copy 0.85 s with it, 0.55 s without: /tmp script over 60
    databases, steady). A fresh server costs about a second and a template load. A seeded
    database takes about 5 MB of the server's memory, and the server is only replaced between
    modules (the largest has 53 tests), so it may hold about 110 (some 600 MB): the cache is
    raised from 1G to 4G as headroom for what tests write, a limit rather than memory taken."""

    ROTATE_AFTER = 60
    CACHE_SIZE = "4G"

    def __init__(self) -> None:
        self._server = EmbeddedMongo(":memory:", cache_size=self.CACHE_SIZE).start()
        self.generation = 0
        self._databases = 0

    @property
    def uri(self) -> str:
        return self._server.uri

    @property
    def pid(self) -> int | None:
        return self._server.pid

    def new_database_name(self) -> str:
        self._databases += 1
        return f"test_{uuid.uuid4().hex[:16]}"

    def rotate_if_worn(self) -> None:
        if self._databases < self.ROTATE_AFTER:
            return
        self._server.stop()
        self._server = EmbeddedMongo(":memory:", cache_size=self.CACHE_SIZE).start()
        self.generation += 1
        self._databases = 0

    def stop(self) -> None:
        self._server.stop()


@pytest.fixture(scope="session")
def mongo() -> Iterator[DatabaseServer]:
    """One SecantusDB at a time for the worker; each test gets its own database in it."""
    server = DatabaseServer()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True, scope="module")
def _fresh_database_server(mongo: DatabaseServer) -> None:
    """Between modules (module fixtures hold connections to the server): see DatabaseServer."""
    mongo.rotate_if_worn()


@dataclass(frozen=True)
class _Template:
    database: str
    collections: tuple[str, ...]
    # Bookings content depends on the clock: departures after now, room-nights from today (Hanoi).
    # Past this instant a fresh load would differ, so the template is loaded again.
    valid_until: datetime


class SeedTemplates:
    """Per worker: content loaded once into a template database, copied into each test's own.

    `loaders=None` is what `migrate` leaves (every loader and the content version, so the app's
    lifespan finds the content loaded); some of backend.domains.CONTENT_LOADERS, what those
    loaders alone leave.
    """

    def __init__(self, server: DatabaseServer) -> None:
        self._server = server
        self._generation = server.generation
        self._templates: dict[tuple[ContentLoader, ...] | None, _Template] = {}
        self._names = itertools.count()

    @property
    def uri(self) -> str:
        return self._server.uri

    async def copy(self, db: Database, loaders: Sequence[ContentLoader] | None = None) -> None:
        """Give `db` (empty, on this server) the template's documents and every index."""
        if self._generation != self._server.generation:  # a fresh server: no templates in it
            self._templates.clear()
            self._generation = self._server.generation
        key = None if loaders is None else tuple(loaders)
        template = self._templates.get(key)
        if template is None or datetime.now(UTC) >= template.valid_until:
            if template is not None:
                await db.client.drop_database(template.database)
            template = self._templates[key] = await self._load(db, key)
        source = db.client[template.database]
        for name in template.collections:
            out = {"$out": {"db": db.name, "coll": name}}
            await (await source[name].aggregate([out])).to_list()
        # After the copy: SecantusDB's $out leaves the target with only its _id index.
        await ensure_indexes(db)

    async def _load(self, db: Database, loaders: tuple[ContentLoader, ...] | None) -> _Template:
        template = db.client[f"seed_template_{os.getpid()}_{next(self._names)}"]
        if loaders is None:
            await migrate(template)
        else:
            await ensure_indexes(template)  # the loaders' upserts look documents up by them
            for load in loaders:
                await load(template, CONTENT_DIR)
        now = datetime.now(UTC)
        midnight = datetime.combine(hanoi_date(now) + timedelta(days=1), time(), tzinfo=HANOI)
        first = await template[DEPARTURES].find_one({}, sort=[("starts_at", 1)])
        valid_until = min(midnight, first["starts_at"]) if first else midnight
        names = await template.list_collection_names()
        return _Template(template.name, tuple(sorted(names)), valid_until)


@pytest.fixture(scope="session")
def seed_templates(mongo: DatabaseServer) -> SeedTemplates:
    """Seeded databases for this worker's tests, copied from templates in its own server."""
    return SeedTemplates(mongo)


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


class _EmulatorInBackground:
    """The emulator started by a thread of its own, while the first tests run: its CLI takes
    10-35 s to answer. The thread lives until `stop`, and stops the emulator itself: the child
    is spawned with PR_SET_PDEATHSIG, which fires when the spawning thread ends."""

    def __init__(self, log_file: Path) -> None:
        self.emulator = FirebaseAuthEmulator(log_file=log_file)
        self._error: BaseException | None = None
        self._started = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="auth-emulator", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.emulator.start()
        except BaseException as error:  # raised again by ready(), in the test that asks
            self._error = error
            return
        finally:
            self._started.set()
        self._stopping.wait()
        self.emulator.stop()

    def ready(self) -> FirebaseAuthEmulator:
        self._started.wait()
        if self._error is not None:
            raise self._error
        return self.emulator

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


@pytest.fixture(scope="session")
def _auth_emulator_start(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[_EmulatorInBackground]:
    started = _EmulatorInBackground(tmp_path_factory.mktemp("emulator") / "emulator.log")
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(autouse=True, scope="session")
def _early_auth_emulator(request: pytest.FixtureRequest) -> None:
    """Start the emulator at the session's first test when any test of the session needs it."""
    if any("auth_emulator" in item.fixturenames for item in request.session.items):
        request.getfixturevalue("_auth_emulator_start")


@pytest.fixture(scope="session")
def auth_emulator(_auth_emulator_start: _EmulatorInBackground) -> FirebaseAuthEmulator:
    """The Firebase Auth emulator, started once, only in sessions with tests that ask for it."""
    return _auth_emulator_start.ready()


@pytest.fixture(scope="session")
def vnpay_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalVnpay]:
    """The local VNPay sandbox, a child process on a free loopback port (started on first use)."""
    log_file = tmp_path_factory.mktemp("vnpay") / "sandbox.log"
    with LocalVnpay(log_file=log_file) as sandbox:
        yield sandbox


@pytest.fixture
def settings(mongo: DatabaseServer, cert_server: CertServer, tmp_path: Path) -> Settings:
    """Test settings: the session's database server, a database of this test's own."""
    return Settings(
        env=Environment.TEST,
        mongodb_uri=mongo.uri,
        mongodb_db=mongo.new_database_name(),
        data_dir=tmp_path,
        firebase_project_id=PROJECT_ID,
        # Locally signed tokens have no Firebase user behind them to look up; the emulator
        # tests switch revocation checks back on.
        revocation_check_seconds=0,
        # Tests change public data behind the app's back; the cache has its own tests.
        response_cache=False,
        # The same for content: the snapshot has its own tests (tests/tourism/test_snapshot*).
        content_snapshot=False,
        # A roomier budget than production's 2 s (1 s to find the server): a fresh app's client
        # on a loaded 2-core machine found no server within 1 s once (UNAVAILABLE in a test that
        # is not about outages). The fault tests and tests/test_health.py set their own.
        db_timeout_ms=10_000,
    )


@pytest.fixture
async def db_client(mongo: DatabaseServer) -> AsyncIterator[AsyncMongoClient[dict[str, object]]]:
    """A driver connection of the test's own, for given/then steps that look at the database."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo.uri, tz_aware=True)
    yield client
    await client.close()


@pytest.fixture
async def empty_db(db_client: AsyncMongoClient[dict[str, object]], settings: Settings) -> Database:
    """The test's own database, empty but with every declared index (no content, no app). It
    goes with the worker's server (see DatabaseServer)."""
    database = db_client[settings.mongodb_db]
    await ensure_indexes(database)
    return database


async def _serve(
    settings: Settings, templates: SeedTemplates | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    if settings.seed_on_start and templates is not None and settings.mongodb_uri == templates.uri:
        # What the lifespan's migrate would load, copied; it then finds the content version.
        seeder: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(templates.uri, tz_aware=True)
        try:
            await templates.copy(seeder[settings.mongodb_db])
        finally:
            await seeder.close()
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    if templates is not None and settings.mongodb_uri == templates.uri:
        return  # the worker's own server: replaced, not dropped into (see DatabaseServer)
    # Another server (a test's own): drop, after the lifespan so none of the app's work is still
    # writing while its database goes.
    await _drop(settings)


async def _drop(settings: Settings) -> None:
    """Drop a test's database on a server other than the worker's (which is replaced instead).
    A drop that fails is logged, not raised: the test's assertions all held."""
    dropper: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        settings.mongodb_uri, serverSelectionTimeoutMS=5_000, socketTimeoutMS=30_000
    )
    try:
        await dropper.drop_database(settings.mongodb_db)
    except PyMongoError as error:
        logging.getLogger(__name__).warning("dropping %s failed (%s)", settings.mongodb_db, error)
    finally:
        await dropper.close()


@pytest.fixture
async def client(
    settings: Settings, seed_templates: SeedTemplates
) -> AsyncIterator[httpx.AsyncClient]:
    """The app over HTTP, inside its lifespan (in a database of its own, see DatabaseServer)."""
    async for http in _serve(settings, seed_templates):
        yield http


@pytest.fixture
def serve(seed_templates: SeedTemplates) -> Callable[[Settings], AsyncIterator[httpx.AsyncClient]]:
    """Serve the app with other settings (production, emulator): `async for c in serve(s)`."""
    return functools.partial(_serve, templates=seed_templates)


def with_settings(settings: Settings, **changes: object) -> Settings:
    return replace(settings, **changes)  # type: ignore[arg-type]
