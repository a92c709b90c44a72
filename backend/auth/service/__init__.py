"""Turn an Authorization header into a Viewer."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import replace

import firebase_admin
import pymongo
from firebase_admin import auth as firebase_auth
from firebase_admin import exceptions as firebase_exceptions
from pymongo.errors import PyMongoError

from backend import firebase, i18n
from backend.auth import repository as auth_repository
from backend.auth.models import Locale, Viewer, areas_from_claims, roles_from_claims
from backend.db import Database

log = logging.getLogger(__name__)

# How long a request waits for the user's stored language before speaking the default.
STORED_LOCALE_TIMEOUT_SECONDS = 0.25


# Why a token was refused (`extensions.reason`, so a client knows whether refreshing can help),
# and what the user is told, in both languages.
AUTH_FAILURES: dict[str, i18n.Message] = {
    "MALFORMED_HEADER": i18n.Message(
        en="Authorization must be 'Bearer <ID token>'",
        vi="Tiêu đề Authorization phải có dạng 'Bearer <ID token>'",
    ),
    "TOKEN_EXPIRED": i18n.Message(en="The ID token has expired", vi="Phiên đăng nhập đã hết hạn"),
    "TOKEN_REVOKED": i18n.Message(
        en="The ID token was revoked", vi="Phiên đăng nhập đã bị thu hồi"
    ),
    "USER_DISABLED": i18n.Message(en="This account is disabled", vi="Tài khoản này đã bị khóa"),
    "USER_NOT_FOUND": i18n.Message(
        en="This account no longer exists", vi="Tài khoản này không còn tồn tại"
    ),
    "TOKEN_INVALID": i18n.Message(
        en="The ID token is not valid", vi="Mã đăng nhập (ID token) không hợp lệ"
    ),
}


class AuthenticationError(Exception):
    """The request carried credentials that are not valid (HTTP 401)."""

    code = "UNAUTHENTICATED"

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.message = AUTH_FAILURES[reason].en
        super().__init__(self.message)

    def message_in(self, locale: Locale) -> str:
        return AUTH_FAILURES[self.reason].in_(locale)


class AuthUnavailableError(Exception):
    """Token verification could not run (certificates or Firebase unreachable): HTTP 503."""


class RevocationCache:
    """When each uid last passed a revocation check, so it runs at most every `ttl` seconds.

    Per process and bounded: losing it only costs one extra remote check, so web processes stay
    stateless in the sense that matters.
    """

    def __init__(self, ttl: float, max_entries: int = 50_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._checked: OrderedDict[str, float] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def is_fresh(self, uid: str, now: float) -> bool:
        checked = self._checked.get(uid)
        return checked is not None and now - checked < self.ttl

    def mark(self, uid: str, now: float) -> None:
        self._checked[uid] = now
        self._checked.move_to_end(uid)
        while len(self._checked) > self.max_entries:
            self._checked.popitem(last=False)

    def forget(self, uid: str) -> None:
        self._checked.pop(uid, None)


def parse_locale(accept_language: str | None) -> Locale:
    """The request's language from Accept-Language (q-values, BCP 47; see backend.i18n)."""
    return i18n.negotiate(accept_language)


async def with_stored_locale(
    db: Database, viewer: Viewer, *, accept_language: str | None
) -> Viewer:
    """The viewer in the language of this request: an explicit Accept-Language, else the one the
    user chose (viewerUpdate), else vi."""
    if viewer.uid is None or accept_language is not None:
        return viewer
    try:
        # A point read takes milliseconds; during an outage the request itself waits for the
        # database and says so, so its language must not add a second wait (or a 500).
        with pymongo.timeout(STORED_LOCALE_TIMEOUT_SECONDS):
            stored = await auth_repository.stored_locale(db, viewer.uid)
    except PyMongoError as error:
        log.warning("could not read the stored locale: %s", error)
        return viewer
    except asyncio.CancelledError:
        # Under load (1,000 concurrent requests in bench/bench_payments.py) the deadline expiring
        # while waiting for a pooled connection surfaced as CancelledError, not as a timeout, and
        # ended the whole request. A cancellation of this task itself still propagates.
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        log.warning("could not read the stored locale: the wait for a connection was cancelled")
        return viewer
    return replace(viewer, locale=stored) if stored is not None else viewer


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer` header, None when absent; error when malformed."""
    if authorization is None:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 8192:
        raise AuthenticationError("MALFORMED_HEADER")
    return token


async def authenticate(
    *,
    app: firebase_admin.App,
    authorization: str | None,
    locale: Locale,
    revocations: RevocationCache,
    force_revocation_check: bool = False,
) -> Viewer:
    """Verify the bearer token (if any) and build the viewer."""
    token = bearer_token(authorization)
    if token is None:
        return Viewer(locale=locale)
    try:
        # Signature and expiry on every request, locally with cached certificates.
        claims = await firebase.verify_id_token(app, token, check_revoked=False)
        uid = str(claims["uid"])
        now = time.time()
        if revocations.enabled and (force_revocation_check or not revocations.is_fresh(uid, now)):
            # A remote call: at most every few minutes per user, and on demand for writes.
            await firebase.verify_id_token(app, token, check_revoked=True)
            revocations.mark(uid, now)
    except firebase_auth.ExpiredIdTokenError:
        raise AuthenticationError("TOKEN_EXPIRED") from None
    except firebase_auth.RevokedIdTokenError:
        raise AuthenticationError("TOKEN_REVOKED") from None
    except firebase_auth.UserDisabledError:
        raise AuthenticationError("USER_DISABLED") from None
    except firebase_auth.UserNotFoundError:
        raise AuthenticationError("USER_NOT_FOUND") from None
    except firebase_auth.InvalidIdTokenError as error:
        log.info("rejected ID token: %s", error)
        raise AuthenticationError("TOKEN_INVALID") from None
    except firebase_auth.CertificateFetchError as error:
        log.warning("could not fetch token certificates: %s", error)
        raise AuthUnavailableError("token certificates unavailable") from error
    except firebase_exceptions.FirebaseError as error:
        log.warning("Firebase could not check the token: %s", error)
        raise AuthUnavailableError("Firebase unavailable") from error
    except ValueError as error:
        # firebase-admin raises ValueError for tokens that are not JWTs at all.
        log.info("rejected malformed ID token: %s", error)
        raise AuthenticationError("TOKEN_INVALID") from None
    department = claims.get("department")
    return Viewer(
        uid=uid,
        roles=roles_from_claims(claims),
        locale=locale,
        email=claims.get("email") if isinstance(claims.get("email"), str) else None,
        department=department if isinstance(department, str) else None,
        areas=areas_from_claims(claims),
        lead=claims.get("lead") is True,
        auth_time=claims.get("auth_time") if isinstance(claims.get("auth_time"), int) else None,
    )
