"""Factories: Firebase ID tokens (locally signed: backend.auth.localtokens), and bad ones."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from backend.auth.localtokens import PROJECT_ID, SigningKey, id_token

__all__ = ["PROJECT_ID", "SigningKey", "id_token", "service_account_json", "unsigned_token"]


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
