"""Factories: Firebase ID tokens signed with a local RSA key, and their certificate."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

PROJECT_ID = "demo-thanglong"


@dataclass
class SigningKey:
    """An RSA key with a self-signed certificate, as Google publishes for Firebase tokens."""

    kid: str = field(default_factory=lambda: uuid.uuid4().hex)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def certificate_pem(self) -> str:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.local")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=7))
            .sign(self.key, hashes.SHA256())
        )
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    def private_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()


def id_token(
    key: SigningKey,
    *,
    uid: str | None = None,
    project_id: str = PROJECT_ID,
    audience: str | None = None,
    expires_in: int = 3600,
    issued_ago: int = 10,
    claims: dict[str, Any] | None = None,
    kid: str | None = None,
) -> str:
    """A Firebase ID token as Firebase Auth issues it, signed RS256 with `key`."""
    now = int(time.time())
    uid = uid or f"user-{uuid.uuid4().hex[:12]}"
    payload: dict[str, Any] = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": audience or project_id,
        "auth_time": now - issued_ago,
        "user_id": uid,
        "sub": uid,
        "iat": now - issued_ago,
        "exp": now - issued_ago + expires_in,
        "email": f"{uid}@example.com",
        "firebase": {"identities": {}, "sign_in_provider": "password"},
        **(claims or {}),
    }
    return jwt.encode(
        payload, key.private_pem(), algorithm="RS256", headers={"kid": kid or key.kid}
    )


def unsigned_token(*, uid: str = "mallory", project_id: str = PROJECT_ID, kid: str = "x") -> str:
    """A token with `alg: none`: it must never be accepted outside the emulator."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    header = {"alg": "none", "kid": kid, "typ": "JWT"}
    payload = {
        "iss": f"https://securetoken.google.com/{project_id}",
        "aud": project_id,
        "sub": uid,
        "user_id": uid,
        "iat": now,
        "exp": now + 3600,
        "auth_time": now,
        "role": "admin",
    }
    return f"{part(header)}.{part(payload)}."


def service_account_json(key: SigningKey, project_id: str) -> dict[str, str]:
    """A service-account file body for credentials.Certificate (parsed locally, never used)."""
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": key.kid,
        "private_key": key.private_pem(),
        "client_email": f"backend@{project_id}.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "http://127.0.0.1:9/token",
    }
