"""The checked-in persisted-query manifest is what Apollo's tool makes of graphql/operations/."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from backend.persisted_queries import (
    MANIFEST_PATH,
    OPERATIONS_DIR,
    ManifestError,
    load_manifest,
)
from backend.settings import ROOT

CONFIG = ROOT / "persisted-query-manifest.config.json"
TOOL = ROOT / "node_modules" / "@apollo" / "generate-persisted-query-manifest" / "cli.js"


def copy_documents(workdir: Path) -> None:
    shutil.copy(CONFIG, workdir / CONFIG.name)
    shutil.copytree(OPERATIONS_DIR, workdir / "graphql" / "operations")


def generate(workdir: Path) -> dict[str, object]:
    """Run Apollo's tool (as `make manifest` does) on the documents copied to `workdir`."""
    node = shutil.which("node")
    assert node is not None and TOOL.is_file(), "Node or npm dependencies missing: run make"
    subprocess.run(
        [node, str(TOOL), "--config", CONFIG.name],
        cwd=workdir,
        check=True,
        capture_output=True,
        timeout=120,
    )
    output = json.loads(CONFIG.read_text())["output"]
    generated: dict[str, object] = json.loads((workdir / output).read_text())
    return generated


def test_the_checked_in_manifest_matches_the_documents(tmp_path: Path) -> None:
    # given the documents as they are now, when Apollo's tool compiles them
    copy_documents(tmp_path)
    fresh = generate(tmp_path)
    # then the checked-in manifest is exactly that (else: make manifest, and commit it)
    assert json.loads(MANIFEST_PATH.read_text()) == fresh, "stale manifest: run make manifest"


def test_the_check_fails_when_a_document_changes(tmp_path: Path) -> None:
    # given a document edited after the manifest was generated
    copy_documents(tmp_path)
    viewer = tmp_path / "graphql" / "operations" / "auth" / "Viewer.graphql"
    fresh = generate(tmp_path)
    viewer.write_text(viewer.read_text().replace("locale", "locale email"))
    changed = generate(tmp_path)
    # then the two manifests differ in that operation only
    before = {op["name"]: op["id"] for op in fresh["operations"]}  # type: ignore[attr-defined]
    after = {op["name"]: op["id"] for op in changed["operations"]}  # type: ignore[attr-defined]
    assert {name for name in before if before[name] != after[name]} == {"Viewer"}


def test_every_document_is_in_the_manifest_with_apollos_id() -> None:
    manifest = load_manifest()
    files = list(OPERATIONS_DIR.rglob("*.graphql"))
    # every checked-in file maps to one operation (the console posts files' text)
    assert len(manifest.documents) == len(files) == len(manifest.operations)
    for operation in manifest.operations.values():
        assert operation.id == hashlib.sha256(operation.body.encode()).hexdigest()
    # Apollo's printed document, with __typename added to every selection of objects
    [viewer] = [op for op in manifest.operations.values() if op.name == "Viewer"]
    assert viewer.body.startswith("query Viewer {\n  viewer {\n")
    assert "__typename" in viewer.body and "#" not in viewer.body


def test_a_manifest_that_is_not_apollos_is_refused(tmp_path: Path) -> None:
    tampered = json.loads(MANIFEST_PATH.read_text())
    tampered["operations"][0]["body"] += " "
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(tampered))
    with pytest.raises(ManifestError, match="SHA-256"):
        load_manifest(path)
    path.write_text(json.dumps({"format": "something-else", "version": 1, "operations": []}))
    with pytest.raises(ManifestError, match="apollo-persisted-query-manifest"):
        load_manifest(path)
    with pytest.raises(ManifestError, match="make manifest"):
        load_manifest(tmp_path / "missing.json")
