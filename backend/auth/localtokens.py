"""Firebase ID tokens signed with a local RSA key, and a loopback server for its certificate.

What the tests and the benchmarks sign in with: firebase-admin verifies these tokens for real
(RS256, issuer, audience, expiry) against the certificate this server publishes in the shape of
Google's x509 endpoint, once `firebase_admin._token_gen.ID_TOKEN_CERT_URI` points at it. Never
used by the app itself.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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
    # The key object itself: PyJWT would parse (and check) a PEM again, ~30 ms a token.
    return jwt.encode(payload, key.key, algorithm="RS256", headers={"kid": kid or key.kid})


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
