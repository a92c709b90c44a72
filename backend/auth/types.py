"""GraphQL types of the auth domain."""

from __future__ import annotations

import strawberry

from backend.auth.models import Locale, Role, Viewer

RoleEnum = strawberry.enum(Role, name="Role", description="What a signed-in user may do.")
LocaleEnum = strawberry.enum(
    Locale, name="Locale", description="Language of translated content (Accept-Language)."
)


@strawberry.type(name="Viewer", description="Who is making this request.")
class ViewerType:
    id: strawberry.ID | None = strawberry.field(
        description="Firebase uid of the signed-in user; null for an anonymous viewer."
    )
    roles: list[RoleEnum] = strawberry.field(  # type: ignore[valid-type]
        description="Roles granted by the Firebase `role` custom claim; every user is a RESIDENT."
    )
    locale: LocaleEnum = strawberry.field(  # type: ignore[valid-type]
        description="Language used for translated content in this request."
    )

    @classmethod
    def from_viewer(cls, viewer: Viewer) -> ViewerType:
        order = list(Role)
        return cls(
            id=strawberry.ID(viewer.uid) if viewer.uid else None,
            roles=sorted(viewer.roles, key=order.index),
            locale=viewer.locale,
        )
