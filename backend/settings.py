"""Twelve-factor settings: every value comes from the environment (or .env in development)."""

from __future__ import annotations

import ipaddress
import os
import re
import sys
import sysconfig
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from starlette.config import Config
from starlette.datastructures import CommaSeparatedStrings

_CHECKOUT = Path(__file__).resolve().parent.parent


def _data_root() -> Path:
    """Where content/ and graphql/operations/ are: the checkout, or an installed wheel's data."""
    if (_CHECKOUT / "pyproject.toml").is_file():
        return _CHECKOUT
    # The wheel installs them as data files (pyproject.toml: tool.setuptools.data-files), next to
    # the scheme's bin/ and lib/: a virtualenv's prefix, or /usr/local in a container.
    return Path(sysconfig.get_path("data")) / "share" / "thanglong"


ROOT = _data_root()
# Production refuses shorter secrets (CURSOR_SECRET, METRICS_TOKEN).
MIN_SECRET_LENGTH = 32


# Browser origins a developer's clients run on, allowed by default in development (`make run`):
# Expo web (Metro on 8081; 19006 before Expo SDK 49) and Vite (dev server 5173, preview 4173).
DEV_CORS_ORIGINS = tuple(
    f"http://{host}:{port}"
    for port in (8081, 19006, 5173, 4173)
    for host in ("localhost", "127.0.0.1")
)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SettingsError(RuntimeError):
    """The environment describes a configuration the app refuses to run with."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    env: Environment = Environment.DEVELOPMENT
    mongodb_uri: str | None = None
    mongodb_db: str = "thanglong"
    data_dir: Path = ROOT / "var"
    firebase_project_id: str = "demo-thanglong"
    firebase_credentials_file: str | None = None
    firebase_auth_emulator_host: str | None = None
    # The Firebase web API key the console signs in with (public, not a secret).
    firebase_web_api_key: str | None = None
    # The Firebase Auth domain of web sign-in with Google (its popup and helper iframe);
    # unset: <FIREBASE_PROJECT_ID>.firebaseapp.com.
    firebase_auth_domain: str | None = None
    fcm_endpoint: str | None = None
    # VNPay (backend/payments): the merchant's terminal code and hash secret, the payment page
    # (e.g. https://pay.vnpay.vn/vpcpay.html) and the refund/querydr API URL. `make run` and the
    # tests point them at the local sandbox (backend/payments/sandbox), which production refuses.
    # Unset: priced bookings cannot be paid (bookingPay answers PAYMENTS_UNAVAILABLE).
    vnpay_tmn_code: str | None = None
    vnpay_hash_secret: str | None = None
    vnpay_payment_url: str | None = None
    vnpay_api_url: str | None = None
    cors_origins: tuple[str, ...] = ()
    max_body_bytes: int = 1_000_000
    # Proxies (addresses or CIDR ranges, or *) whose X-Forwarded-Host is believed; uvicorn reads
    # the same variable for X-Forwarded-Proto and -For (Procfile).
    forwarded_allow_ips: tuple[str, ...] = ("127.0.0.1",)
    # The origin (and optional path prefix) clients reach the API at, e.g. https://api.example.vn:
    # links are built from it (photos, data exports, VNPay's return URL, Open311). Production
    # requires it, in https. Unset elsewhere: each request's own origin (the scheme and host a
    # trusted proxy forwarded, see FORWARDED_ALLOW_IPS), which suits development and tests.
    public_base_url: str | None = None
    # How often a user's token is checked for revocation/disabling (a remote call); 0 = never.
    revocation_check_seconds: int = 300
    readiness_timeout_seconds: float = 2.0
    db_timeout_ms: int = 2_000
    seed_on_start: bool = False
    # Apollo automatic persisted queries: off | apq | allowlist (graphql/operations/ only).
    persisted_queries: str = "apq"
    # Log lines as JSON (with the request id) or plain text for a developer's terminal.
    log_json: bool = False
    # Whole-response cache for anonymous public queries (see backend/graphql_view.py).
    response_cache: bool = True
    # How often each process re-reads the public data version that keys its response cache.
    public_version_refresh_seconds: float = 2.0
    # Public content (places, journeys, areas, report categories and departments) answered from
    # each process's memory (backend/snapshot.py),
    # reloaded within `content_snapshot_poll_seconds` of a change to the content stamp; off, or
    # past `content_snapshot_max_entries` documents, the database answers.
    content_snapshot: bool = True
    content_snapshot_poll_seconds: float = 1.0
    content_snapshot_max_entries: int = 50_000
    # Freeze what start-up allocated out of the cyclic GC and collect the young generation
    # less often (see backend/app.py). Off where many apps share one process (tests).
    tune_gc: bool = False
    # Key material for encrypted page cursors, shared by every web process.
    cursor_secret: str | None = None
    # Key material for the pseudonyms of deleted accounts and signed data-export links
    # (backend/auth/service/secrets.py); the same on every process. Unset: derived from
    # CURSOR_SECRET (production requires that one).
    privacy_secret: str | None = None
    # The bearer token a Prometheus scrape of /metrics must send. In production, /metrics is not
    # served at all (404) without one; elsewhere it is open unless one is set.
    metrics_token: str | None = None
    # Air quality feed polled by the worker: a station export's URL or path, or OpenAQ's base URL
    # (AIR_FEED_FORMAT=openaq with OPENAQ_LOCATIONS and OPENAQ_API_KEY). Unset: no polling.
    air_feed: str | None = None
    air_feed_format: str = "stations"
    air_poll_seconds: int = 900
    air_feed_timeout_seconds: float = 10.0
    air_stale_minutes: int = 180
    openaq_locations: tuple[str, ...] = ()
    openaq_api_key: str | None = None
    # Booking tickets (backend/bookings/tickets): the Ed25519 private key that signs their QR
    # codes (32 bytes, base64url) and its id, the same on every process; production requires it
    # (elsewhere one is made and kept under DATA_DIR). Retired keys' public halves ("id:key,...")
    # stay published at /.well-known/ticket-keys.json until the tickets they signed expire.
    ticket_signing_key: str | None = None
    ticket_key_id: str = "dev"
    ticket_retired_keys: tuple[str, ...] = ()
    # Email (the outbox's email channel): an SMTP server, and the sender's address. SMTP_TLS is
    # starttls, tls (implicit, port 465) or none; production refuses none, which is what the
    # local sink of `make run` and the tests (notifications/smtp_local) speaks.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: str = "starttls"
    email_from: str = "ThangLong <no-reply@thanglong.local>"
    # Photo uploads per user per UTC day (staff are not limited): how many, and how many bytes
    # received. A report carries at most 5 photos and reportCreate allows 20 reports a day.
    upload_daily_count: int = 60
    upload_daily_bytes: int = 200 * 1024 * 1024

    @property
    def production(self) -> bool:
        return self.env is Environment.PRODUCTION

    @property
    def embedded_database(self) -> bool:
        return self.mongodb_uri is None

    @property
    def auth_domain(self) -> str:
        """The host Firebase Auth's web sign-in pages come from."""
        return self.firebase_auth_domain or f"{self.firebase_project_id}.firebaseapp.com"

    def check(self) -> None:
        """Refuse configurations that are unsafe in production."""
        if self.persisted_queries not in ("off", "apq", "allowlist"):
            raise SettingsError("PERSISTED_QUERIES must be off, apq or allowlist")
        if self.air_feed_format not in ("stations", "openaq"):
            raise SettingsError("AIR_FEED_FORMAT must be stations or openaq")
        if self.air_poll_seconds < 60:
            raise SettingsError("AIR_POLL_SECONDS must be at least 60")
        if self.upload_daily_count < 1 or self.upload_daily_bytes < 1:
            raise SettingsError("UPLOAD_DAILY_COUNT and UPLOAD_DAILY_BYTES must be positive")
        if self.smtp_tls not in ("starttls", "tls", "none"):
            raise SettingsError("SMTP_TLS must be starttls, tls or none")
        if self.firebase_auth_domain and not _HOST_NAME.fullmatch(self.firebase_auth_domain):
            raise SettingsError("FIREBASE_AUTH_DOMAIN must be a host name, e.g. x.firebaseapp.com")
        public_base_url_problem = _public_base_url_problem(self.public_base_url, self.production)
        if public_base_url_problem:
            raise SettingsError(public_base_url_problem)
        if not self.production:
            return
        problems = []
        if self.firebase_auth_emulator_host:
            # The emulator accepts unsigned tokens: never trust it in production.
            problems.append("FIREBASE_AUTH_EMULATOR_HOST is set")
        if self.fcm_endpoint:
            problems.append("FCM_ENDPOINT (a local FCM endpoint) is set")
        for name, url in (
            ("VNPAY_PAYMENT_URL", self.vnpay_payment_url),
            ("VNPAY_API_URL", self.vnpay_api_url),
        ):
            if url and (_is_loopback_url(url) or urlsplit(url).scheme != "https"):
                problems.append(f"{name} is the local VNPay sandbox (or not https)")
        if not self.mongodb_uri:
            problems.append("MONGODB_URI is not set (the embedded database is for development)")
        if not self.public_base_url:
            # Else a request's Host names links that outlive the request (VNPay returns to it).
            problems.append(
                "PUBLIC_BASE_URL is not set (the https origin clients reach the API at, e.g. "
                "https://api.thanglong.vn: photo, data-export, VNPay return and Open311 links "
                "are built from it)"
            )
        if not self.cursor_secret or len(self.cursor_secret) < MIN_SECRET_LENGTH:
            problems.append("CURSOR_SECRET must be set (32+ characters, the same on every process)")
        if self.privacy_secret is not None and len(self.privacy_secret) < MIN_SECRET_LENGTH:
            problems.append("PRIVACY_SECRET must be 32+ characters (or unset: from CURSOR_SECRET)")
        if self.metrics_token is not None and len(self.metrics_token) < MIN_SECRET_LENGTH:
            problems.append("METRICS_TOKEN must be 32+ characters (or unset: no /metrics)")
        if self.revocation_check_seconds <= 0:
            problems.append("REVOCATION_CHECK_SECONDS must be positive")
        if self.firebase_project_id.startswith("demo-"):
            problems.append("FIREBASE_PROJECT_ID is a demo project")
        if not self.ticket_signing_key:
            problems.append("TICKET_SIGNING_KEY must be set (tickets' QR codes are signed with it)")
        if self.smtp_host and self.smtp_tls == "none":
            problems.append("SMTP_TLS is none (the local SMTP sink; mail would travel in clear)")
        if problems:
            raise SettingsError("refusing to start in production: " + "; ".join(problems))


# A DNS host name (it goes into the /account/delete page's Content-Security-Policy).
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_HOST_NAME = re.compile(rf"{_LABEL}(\.{_LABEL})+")


def _is_loopback_url(url: str) -> bool:
    """Whether a URL points at this machine (the local VNPay sandbox listens there)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _public_base_url_problem(url: str | None, production: bool) -> str | None:
    """Why PUBLIC_BASE_URL cannot prefix links (None when it can, or when unset)."""
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "PUBLIC_BASE_URL must be an absolute http(s) URL, e.g. https://api.example.vn"
    if parts.query or parts.fragment or parts.username or parts.password:
        return "PUBLIC_BASE_URL must have no query, fragment or credentials"
    if production and parts.scheme != "https":
        return "PUBLIC_BASE_URL must use https in production"
    return None


def load_settings(environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    """Read settings from the environment (and .env outside production)."""
    env_file = ROOT / ".env"
    config = Config(env_file if env_file.exists() else None, environ=environ or os.environ)
    env = Environment(config("APP_ENV", default="development"))
    settings = Settings(
        env=env,
        mongodb_uri=config("MONGODB_URI", default=None) or None,
        mongodb_db=config("MONGODB_DB", default="thanglong"),
        data_dir=Path(config("DATA_DIR", default=str(ROOT / "var"))),
        firebase_project_id=config("FIREBASE_PROJECT_ID", default="demo-thanglong"),
        firebase_credentials_file=config("GOOGLE_APPLICATION_CREDENTIALS", default=None) or None,
        firebase_auth_emulator_host=config("FIREBASE_AUTH_EMULATOR_HOST", default=None) or None,
        firebase_web_api_key=config("FIREBASE_WEB_API_KEY", default=None) or None,
        firebase_auth_domain=config("FIREBASE_AUTH_DOMAIN", default="").strip() or None,
        fcm_endpoint=config("FCM_ENDPOINT", default=None) or None,
        vnpay_tmn_code=config("VNPAY_TMN_CODE", default=None) or None,
        vnpay_hash_secret=config("VNPAY_HASH_SECRET", default=None) or None,
        vnpay_payment_url=config("VNPAY_PAYMENT_URL", default=None) or None,
        vnpay_api_url=config("VNPAY_API_URL", default=None) or None,
        cors_origins=tuple(
            config(
                "CORS_ORIGINS",
                cast=CommaSeparatedStrings,
                default=",".join(DEV_CORS_ORIGINS) if env is Environment.DEVELOPMENT else "",
            )
        ),
        forwarded_allow_ips=tuple(
            config("FORWARDED_ALLOW_IPS", cast=CommaSeparatedStrings, default="127.0.0.1")
        ),
        public_base_url=config("PUBLIC_BASE_URL", default="").strip().rstrip("/") or None,
        max_body_bytes=config("MAX_BODY_BYTES", cast=int, default=1_000_000),
        revocation_check_seconds=config("REVOCATION_CHECK_SECONDS", cast=int, default=300),
        db_timeout_ms=config("DB_TIMEOUT_MS", cast=int, default=2_000),
        seed_on_start=config("SEED_ON_START", cast=bool, default=False),
        cursor_secret=config("CURSOR_SECRET", default=None) or None,
        privacy_secret=config("PRIVACY_SECRET", default=None) or None,
        metrics_token=config("METRICS_TOKEN", default=None) or None,
        response_cache=config("RESPONSE_CACHE", cast=bool, default=True),
        content_snapshot=config("CONTENT_SNAPSHOT", cast=bool, default=True),
        content_snapshot_poll_seconds=config(
            "CONTENT_SNAPSHOT_POLL_SECONDS", cast=float, default=1.0
        ),
        content_snapshot_max_entries=config(
            "CONTENT_SNAPSHOT_MAX_ENTRIES", cast=int, default=50_000
        ),
        tune_gc=config("TUNE_GC", cast=bool, default=True),
        log_json=config("LOG_JSON", cast=bool, default=env is Environment.PRODUCTION),
        air_feed=config("AIR_FEED", default=None) or None,
        air_feed_format=config("AIR_FEED_FORMAT", default="stations"),
        air_poll_seconds=config("AIR_POLL_SECONDS", cast=int, default=900),
        air_feed_timeout_seconds=config("AIR_FEED_TIMEOUT_SECONDS", cast=float, default=10.0),
        air_stale_minutes=config("AIR_STALE_MINUTES", cast=int, default=180),
        openaq_locations=tuple(config("OPENAQ_LOCATIONS", cast=CommaSeparatedStrings, default="")),
        openaq_api_key=config("OPENAQ_API_KEY", default=None) or None,
        ticket_signing_key=config("TICKET_SIGNING_KEY", default=None) or None,
        ticket_key_id=config("TICKET_KEY_ID", default="dev"),
        ticket_retired_keys=tuple(
            config("TICKET_RETIRED_KEYS", cast=CommaSeparatedStrings, default="")
        ),
        smtp_host=config("SMTP_HOST", default=None) or None,
        smtp_port=config("SMTP_PORT", cast=int, default=587),
        smtp_username=config("SMTP_USERNAME", default=None) or None,
        smtp_password=config("SMTP_PASSWORD", default=None) or None,
        smtp_tls=config("SMTP_TLS", default="starttls"),
        email_from=config("EMAIL_FROM", default="ThangLong <no-reply@thanglong.local>"),
        upload_daily_count=config("UPLOAD_DAILY_COUNT", cast=int, default=60),
        upload_daily_bytes=config("UPLOAD_DAILY_BYTES", cast=int, default=200 * 1024 * 1024),
        persisted_queries=config(
            "PERSISTED_QUERIES", default="allowlist" if env is Environment.PRODUCTION else "apq"
        ),
    )
    settings.check()
    return settings


if __name__ == "__main__":
    # `python -m backend.settings` checks the environment: the web start runs it before uvicorn,
    # whose supervisor would otherwise restart workers that refuse the configuration, forever.
    try:
        load_settings()
    except SettingsError as error:
        sys.exit(f"thanglong: {error}")
