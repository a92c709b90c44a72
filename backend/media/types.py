"""GraphQL type of a stored photo: absolute links (PUBLIC_BASE_URL), its size by DataLoader."""

from __future__ import annotations

import strawberry

from backend.context import Info
from backend.ids import parse_object_id
from backend.media.dataloaders import photo_size_loader
from backend.media.models import PhotoSize, photo_url, public_base, thumbnail_url


@strawberry.type(
    description="A photo of a report: absolute links (the photo and its thumbnail are immutable, "
    "cache them for as long as you like) and the photo's size, so a list can reserve its space."
)
class ReportPhoto:
    photo_id: strawberry.Private[str]

    @classmethod
    def from_id(cls, photo_id: object) -> ReportPhoto:
        return cls(photo_id=str(photo_id))

    @strawberry.field(description="Photo id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(self.photo_id)

    @strawberry.field(description="The photo, upright and cleaned of metadata (absolute URL).")
    def url(self, info: Info) -> str:
        base = public_base(info.context.settings.public_base_url, info.context.request)
        return photo_url(self.photo_id, base=base)

    @strawberry.field(description="A thumbnail at most 400 px wide and high (absolute URL).")
    def thumbnail_url(self, info: Info) -> str:
        base = public_base(info.context.settings.public_base_url, info.context.request)
        return thumbnail_url(self.photo_id, base=base)

    @strawberry.field(description="Width of `url`'s image in pixels (null if not recorded).")
    async def width(self, info: Info) -> int | None:
        size = await self._size(info)
        return size.width if size else None

    @strawberry.field(description="Height of `url`'s image in pixels (null if not recorded).")
    async def height(self, info: Info) -> int | None:
        size = await self._size(info)
        return size.height if size else None

    async def _size(self, info: Info) -> PhotoSize | None:
        photo_id = parse_object_id(self.photo_id)
        return await photo_size_loader(info).load(photo_id) if photo_id else None
