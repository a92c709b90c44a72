"""The GraphQL schema: the root types composed from the domains, with their limits."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import strawberry
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
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

from backend.air.mutations import AirMutations
from backend.air.queries import AirQueries
from backend.areas.queries import AreaQueries
from backend.auth.mutations import AuthMutations
from backend.auth.queries import AuthQueries
from backend.bookings.mutations import BookingMutations
from backend.bookings.queries import BookingQueries
from backend.errors import LocalizeErrors, MaskUnexpectedErrors
from backend.execution import FastLeafExecutionContext
from backend.meta.queries import MetaQueries
from backend.moderation.mutations import ModerationMutations
from backend.moderation.queries import ModerationQueries
from backend.notifications.mutations import NotificationMutations
from backend.notifications.queries import NotificationQueries
from backend.payments.mutations import PaymentMutations
from backend.reports.mutations import ReportMutations
from backend.reports.queries import ReportQueries
from backend.tourism.mutations import TourismMutations
from backend.tourism.queries import TourismQueries

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2_000
# Selections (fields, fragment spreads, inline fragments) in a document once fragments are
# expanded; the largest document the app ships has far fewer.
MAX_SELECTIONS = 500


# One base per domain, one per line; the root types only compose.
@strawberry.type(description="Read the city's data.")
class Query(
    AuthQueries,
    MetaQueries,
    ReportQueries,
    AreaQueries,
    AirQueries,
    TourismQueries,
    NotificationQueries,
    BookingQueries,
    ModerationQueries,
):
    pass


@strawberry.type(description="Change the city's data.")
class Mutation(
    AuthMutations,
    ReportMutations,
    TourismMutations,
    NotificationMutations,
    BookingMutations,
    PaymentMutations,
    ModerationMutations,
    AirMutations,
):
    pass


def count_selections(document: DocumentNode, limit: int) -> int:
    """Selections in the document with every fragment spread expanded; stops past `limit`.

    Each fragment is sized once (memoised), so a fragment spread twice in each of 60 nested
    fragments costs 60 steps here, not 2**60. Cycles count as nothing: validation reports them.
    """
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    sizes: dict[str, int] = {}
    expanding: set[str] = set()

    def size(selection_set: SelectionSetNode) -> int:
        total = 0
        for selection in selection_set.selections:
            total += 1
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in sizes and name in fragments and name not in expanding:
                    expanding.add(name)
                    sizes[name] = size(fragments[name].selection_set)
                    expanding.discard(name)
                total += sizes.get(name, 0)
            elif getattr(selection, "selection_set", None) is not None:
                total += size(selection.selection_set)  # type: ignore[attr-defined]
            if total > limit:
                break
        return total

    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            total += size(definition.selection_set)
            if total > limit:
                break
    return total


class TooManySelectionsRule(ValidationRule):
    """Stands in for every other rule when a document is too large to validate."""

    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        context.report_error(
            GraphQLError(f"The operation selects more than {MAX_SELECTIONS} fields")
        )


class MaxSelectionsLimiter(SchemaExtension):
    """Refuse documents whose expanded selections exceed a bound, before any other rule runs.

    Strawberry's depth and alias limiters walk every fragment spread again, which takes
    exponential time on nested fragments spread several times; they never see such documents.
    Must come before ValidationCache, which runs the validation rules in its own on_validate.
    """

    def __init__(self, max_selections: int = MAX_SELECTIONS) -> None:
        self.max_selections = max_selections

    def on_validate(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        if document is not None:
            try:
                too_large = count_selections(document, self.max_selections) > self.max_selections
            except RecursionError:
                too_large = True
            if too_large:
                self.execution_context.validation_rules = (TooManySelectionsRule,)
        yield


def build_schema(*, production: bool) -> strawberry.Schema:
    """The schema with its request limits; production adds masking and hides introspection."""
    # The limiters' rule classes are built once and shared: Strawberry's ValidationCache keys on
    # the rule classes, and limiters built per request make new classes, so it never hit (24% of
    # query time in bench_fields). Extension instances stay per request (factories).
    rules = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        lambda: AddValidationRules(rules),
        lambda: MaxSelectionsLimiter(MAX_SELECTIONS),  # before ValidationCache: see its docstring
        lambda: ValidationCache(maxsize=512),
        LocalizeErrors,  # our errors' messages in the request's language
    ]
    if production:
        extensions.append(MaskUnexpectedErrors)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
        execution_context_class=FastLeafExecutionContext,  # plain leaf fields: backend/execution.py
    )


# The schema as exported to graphql/schema.graphql (identical in every environment).
schema = build_schema(production=False)
