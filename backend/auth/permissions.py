"""Permission classes: sign-in and roles, with a fresh revocation check before any write."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from backend.auth import service as auth_service
from backend.auth.models import Role, Viewer
from backend.context import Info
from backend.errors import DomainError, PermissionDeniedError


async def fresh_viewer(info: Info) -> Viewer:
    """Re-check the token for revocation/disabling now (writes must not wait for the cache)."""
    context = info.context
    viewer = context.viewer
    if not viewer.is_authenticated or not context.state.revocations.enabled:
        return viewer
    request = context.request
    if getattr(request.state, "revocation_checked", False):
        # The GraphQL view checked before running the mutation (and answered 401 if revoked).
        return viewer
    try:
        return await auth_service.authenticate(
            app=context.firebase_app,
            authorization=request.headers.get("authorization"),
            locale=viewer.locale,
            revocations=context.state.revocations,
            force_revocation_check=True,
        )
    except auth_service.AuthenticationError:
        context.state.revocations.forget(str(viewer.uid))
        raise


class IsSignedIn(BasePermission):
    """Any signed-in user; for mutations, the token is checked for revocation first."""

    message = "Sign in to do this"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def on_unauthorized(self) -> None:
        # A DomainError keeps the code and is said in the viewer's language (LocalizeErrors).
        raise DomainError("UNAUTHENTICATED")

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not info.context.viewer.is_authenticated:
            return False
        if info.operation.operation.value == "mutation":
            try:
                await fresh_viewer(info)
            except auth_service.AuthenticationError:
                return False
        return True


class HasRole(IsSignedIn):
    """Signed in with one of `roles` (set `roles` in a subclass)."""

    roles: frozenset[Role] = frozenset()
    message = "You are not allowed to do this"
    error_extensions = {"code": "FORBIDDEN"}

    def on_unauthorized(self) -> None:
        raise PermissionDeniedError()

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not info.context.viewer.has_role(*self.roles):
            return False
        return await super().has_permission(source, info, **kwargs)


class IsModerator(HasRole):
    roles = frozenset({Role.MODERATOR, Role.ADMIN})


class IsStaff(HasRole):
    """Moderators, department staff and admins."""

    roles = frozenset({Role.MODERATOR, Role.STAFF, Role.ADMIN})


class IsAdmin(HasRole):
    roles = frozenset({Role.ADMIN})
