"""The exported SDL and the app's operation documents stay in step with the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate

from backend.schema import schema

ROOT = Path(__file__).resolve().parent.parent
SDL = ROOT / "graphql" / "schema.graphql"
OPERATIONS = sorted((ROOT / "graphql" / "operations").rglob("*.graphql"))


def test_exported_schema_matches_code() -> None:
    # given the schema built from the code, when printed, then it equals the committed SDL
    assert SDL.read_text(encoding="utf-8") == str(schema) + "\n", (
        "graphql/schema.graphql is stale: run `make schema`"
    )


def test_graphql_folder_holds_no_python() -> None:
    # a graphql/__init__.py would shadow graphql-core for every import
    assert not list((ROOT / "graphql").rglob("*.py"))


def test_there_are_operation_documents() -> None:
    assert OPERATIONS


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: str(p.relative_to(ROOT)))
def test_operation_document_is_valid(path: Path) -> None:
    # given an operation the app sends, when validated against the schema, then no errors
    document = parse(path.read_text(encoding="utf-8"))
    errors = validate(schema._schema, document)
    assert errors == []
