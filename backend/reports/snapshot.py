"""Report categories and departments in memory: a few dozen of each, read by every report a
response shows (its category, its department's name) and by the category picker."""

from __future__ import annotations

from dataclasses import dataclass

import bson

from backend.db import Database
from backend.reports import repository as report_repository
from backend.reports.models import CategoryDoc

# Far more than the content holds (a few dozen each): past it the database path serves.
MAX_ITEMS = 2_000


class TooManyItemsError(Exception):
    """More categories or departments than a snapshot may hold: the database path serves."""


@dataclass(frozen=True)
class CatalogueContent:
    """Every category (in content order) and every department's name of one content version."""

    categories: tuple[CategoryDoc, ...]
    category_by_id: dict[str, CategoryDoc]
    department_names: dict[str, dict[str, str]]  # slug -> name by language
    size_bytes: int

    @property
    def entries(self) -> int:
        return len(self.categories) + len(self.department_names)

    def category(self, category_id: str) -> CategoryDoc | None:
        return self.category_by_id.get(category_id)

    def department(self, slug: str) -> dict[str, str] | None:
        """A department's name by language (a copy: callers may change it)."""
        names = self.department_names.get(slug)
        return None if names is None else dict(names)


async def load(db: Database, *, max_items: int = MAX_ITEMS) -> CatalogueContent:
    """Read every category and department."""
    docs = await report_repository.category_documents(db)
    names = await report_repository.department_names(db)
    if len(docs) > max_items or len(names) > max_items:
        raise TooManyItemsError(f"more than {max_items} categories or departments")
    categories = tuple(CategoryDoc.from_mongo(doc) for doc in docs)
    return CatalogueContent(
        categories=categories,
        category_by_id={category.id: category for category in categories},
        department_names=names,
        size_bytes=sum(len(bson.encode(doc)) for doc in docs)
        + sum(len(bson.encode({"_id": slug, "name": name})) for slug, name in names.items()),
    )
