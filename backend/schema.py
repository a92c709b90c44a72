"""The GraphQL schema: the root types composed from the domains, with their limits."""

from __future__ import annotations

from collections.abc import Callable

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from graphql.validation import NoSchemaIntrospectionCustomRule

from backend.auth.queries import AuthQueries
from backend.errors import MaskUnexpectedErrors
from backend.meta.queries import MetaQueries

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2_000


# One base per domain, one per line; the root types only compose.
@strawberry.type(description="Read the city's data.")
class Query(
    AuthQueries,
    MetaQueries,
):
    pass


def build_schema(*, production: bool) -> strawberry.Schema:
    """The schema with its request limits; production adds masking and hides introspection."""
    # Factories, so every request gets fresh extension instances (no state shared across requests).
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: ValidationCache(maxsize=512),
    ]
    if production:
        extensions.append(lambda: AddValidationRules([NoSchemaIntrospectionCustomRule]))
        extensions.append(MaskUnexpectedErrors)
    return strawberry.Schema(
        query=Query,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
    )


# The schema as exported to graphql/schema.graphql (identical in every environment).
schema = build_schema(production=False)
