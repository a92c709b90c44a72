"""Per-request DataLoaders of the auth domain: profiles and consents by uid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from backend.auth import repository as auth_repository
from backend.auth.models import ConsentDoc, ProfileDoc
from backend.context import Context, Info


@dataclass(frozen=True)
class AuthLoaders:
    profile: DataLoader[str, ProfileDoc | None]
    # Every consent entry of a user, newest first per kind.
    consents: DataLoader[str, list[ConsentDoc]]


def _for_request(context: Context) -> AuthLoaders:
    db = context.db

    async def profile(uids: Sequence[str]) -> list[ProfileDoc | None]:
        by_uid = {doc.uid: doc for doc in await auth_repository.profiles(db, uids)}
        return [by_uid.get(uid) for uid in uids]

    async def consents(uids: Sequence[str]) -> list[list[ConsentDoc]]:
        grouped: dict[str, list[ConsentDoc]] = {uid: [] for uid in uids}
        for entry in await auth_repository.consent_history(db, uids):
            grouped[entry.uid].append(entry)
        return [grouped[uid] for uid in uids]

    return AuthLoaders(profile=DataLoader(load_fn=profile), consents=DataLoader(load_fn=consents))


def loaders(info: Info) -> AuthLoaders:
    """This request's loaders (built on first use)."""
    return info.context.loaders.get(_for_request, info.context)


def forget(info: Info) -> None:
    """Drop this request's loaders after a write to a profile or the consents."""
    info.context.loaders.forget(_for_request)
