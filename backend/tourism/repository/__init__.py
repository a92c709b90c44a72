"""The tourism collections: pois, journeys, reviews, journey_progress; the only code that touches
them. One module per job, each naming its collections and declaring the indexes its queries use:

- `places`: pois and journeys by id, in batches (the content snapshot), search candidates, points
  in a box, ratings, and the content loader's replacement of them;
- `scans`: the indexed list queries (filters, a page past a cursor, nearest first);
- `reviews` and `progress`: a visitor's reviews and journey check-ins;
- `users`: a user's data across them (data export, account deletion).

Import as `from backend.tourism import repository as tourism_repository`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import IndexModel

from backend.tourism.repository import places, progress, reviews
from backend.tourism.repository.places import (
    JOURNEYS,
    POIS,
    SEARCH_FIELDS,
    content_batches,
    get_journeys,
    get_pois,
    inc_rating,
    points_within,
    ratings,
    replace_content,
    search_candidates,
)
from backend.tourism.repository.progress import (
    PROGRESS,
    add_visit,
    complete_progress,
    get_progress,
    list_progress,
    start_progress,
)
from backend.tourism.repository.reviews import (
    REVIEWS,
    ReviewHiddenError,
    get_review,
    hide_review,
    list_reviews,
    object_id,
    upsert_review,
)
from backend.tourism.repository.scans import (
    MAX_NEAR_FETCH,
    Key,
    Near,
    Scan,
    journey_filter,
    poi_filter,
    scan,
)
from backend.tourism.repository.users import delete_user_data, user_batches

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    **places.INDEXES,
    **reviews.INDEXES,
    **progress.INDEXES,
}

__all__ = [
    "INDEXES",
    "JOURNEYS",
    "MAX_NEAR_FETCH",
    "POIS",
    "PROGRESS",
    "REVIEWS",
    "SEARCH_FIELDS",
    "Key",
    "Near",
    "ReviewHiddenError",
    "Scan",
    "add_visit",
    "complete_progress",
    "content_batches",
    "delete_user_data",
    "get_journeys",
    "get_pois",
    "get_progress",
    "get_review",
    "hide_review",
    "inc_rating",
    "journey_filter",
    "list_progress",
    "list_reviews",
    "object_id",
    "poi_filter",
    "points_within",
    "ratings",
    "replace_content",
    "scan",
    "search_candidates",
    "start_progress",
    "upsert_review",
    "user_batches",
]
