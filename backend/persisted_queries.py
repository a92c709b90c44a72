"""The persisted-query manifest: the documents the app's clients may run, by Apollo's ids.

`graphql/persisted-query-manifest.json` is generated from graphql/operations/ by Apollo's own
tool (`make manifest`, `@apollo/generate-persisted-query-manifest`), so each id is what Apollo
Client's persisted query link sends: the SHA-256 of Apollo's printed document with `__typename`
added. The server runs the manifest's body, so answers carry `__typename` for the clients'
normalised caches. tests/test_persisted_manifest.py fails when the file disagrees with the
documents.

The moderator console is not an Apollo client: it posts its documents' text, imported verbatim
from graphql/operations/. Such a text is accepted when it is byte for byte a checked-in file
whose operation is in the manifest; it runs as checked in, without `__typename` (the console keeps
no normalised cache, and sends objects it read back as inputs, which `__typename` would break).
Nothing else that is sent is parsed or run in allowlist mode.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse

from backend.settings import ROOT

log = logging.getLogger(__name__)

OPERATIONS_DIR = ROOT / "graphql" / "operations"
MANIFEST_PATH = ROOT / "graphql" / "persisted-query-manifest.json"
MANIFEST_FORMAT = "apollo-persisted-query-manifest"


class PersistedQueryMode(StrEnum):
    OFF = "off"
    APQ = "apq"  # any document, registered by hash on first use (outside production)
    ALLOWLIST = "allowlist"  # only the manifest's operations (production)


class ManifestError(RuntimeError):
    """The manifest is missing or not one Apollo's tool wrote: refuse to start."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ManifestOperation:
    id: str
    name: str
    type: str  # query | mutation | subscription
    body: str


@dataclass(frozen=True)
class Manifest:
    """Operations by id, and the checked-in documents (by the hash of their text)."""

    operations: dict[str, ManifestOperation]
    documents: dict[str, str]

    def by_id(self, digest: str) -> ManifestOperation | None:
        return self.operations.get(digest)

    def by_document(self, text: str) -> str | None:
        """The checked-in document with exactly this text, if the manifest has its operation."""
        return self.documents.get(sha256_hex(text))


def _operations(data: Any, path: Path) -> dict[str, ManifestOperation]:
    if not (
        isinstance(data, dict)
        and data.get("format") == MANIFEST_FORMAT
        and data.get("version") == 1
        and isinstance(data.get("operations"), list)
    ):
        raise ManifestError(f"{path} is not an {MANIFEST_FORMAT} (version 1)")
    operations = {}
    for entry in data["operations"]:
        try:
            operation = ManifestOperation(
                id=entry["id"], name=entry["name"], type=entry["type"], body=entry["body"]
            )
        except (KeyError, TypeError):
            raise ManifestError(f"{path}: malformed operation {entry!r:.80}") from None
        # Apollo's default id; a different one would never match what its link sends.
        if operation.id != sha256_hex(operation.body):
            raise ManifestError(f"{path}: {operation.name}'s id is not the SHA-256 of its body")
        operations[operation.id] = operation
    return operations


def _operation_name(text: str) -> str | None:
    try:
        document = parse(text)
    except GraphQLError:
        return None
    names = [
        d.name.value
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    ]
    return names[0] if len(names) == 1 else None


def load_manifest(path: Path = MANIFEST_PATH, operations_dir: Path = OPERATIONS_DIR) -> Manifest:
    """Read the manifest and the checked-in documents whose operations it has."""
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise ManifestError(f"{path} is missing: run make manifest") from None
    except orjson.JSONDecodeError as error:
        raise ManifestError(f"{path} is not JSON: {error}") from None
    operations = _operations(data, path)
    names = {operation.name for operation in operations.values()}
    documents = {}
    for file in sorted(operations_dir.rglob("*.graphql")):
        text = file.read_text(encoding="utf-8")
        name = _operation_name(text)
        if name is None or name not in names:
            # tests/test_persisted_manifest.py fails for this; here it only costs that file.
            log.warning("%s has no operation in the manifest (run make manifest)", file)
            continue
        documents[sha256_hex(text)] = text
    return Manifest(operations=operations, documents=documents)
