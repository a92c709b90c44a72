"""Consents: what a user agreed to (terms, privacy notice, push, precise location) and when.

The history is append-only: withdrawing adds an entry, so what was agreed at any time can be
shown. The documents' texts and current versions ship with the code in content/legal/.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from backend.auth import repository as auth_repository
from backend.auth.models import VERSIONED_CONSENTS, ConsentDoc, ConsentKind
from backend.db import Database
from backend.errors import DomainError
from backend.i18n import Message
from backend.settings import ROOT

LEGAL_DIR = ROOT / "content" / "legal"
# Each versioned consent kind agrees to one document.
DOCUMENT_FILES = {
    ConsentKind.TERMS: "terms.json",
    ConsentKind.PRIVACY_NOTICE: "privacy_notice.json",
}


@dataclass(frozen=True, kw_only=True)
class LegalDocument:
    kind: ConsentKind
    version: str
    title: Message
    text: Message


def _read(kind: ConsentKind, path: Path) -> LegalDocument:
    data = json.loads(path.read_text(encoding="utf-8"))
    return LegalDocument(
        kind=kind,
        version=str(data["version"]),
        title=Message(en=data["title"]["en"], vi=data["title"]["vi"]),
        text=Message(en="\n\n".join(data["text"]["en"]), vi="\n\n".join(data["text"]["vi"])),
    )


@cache
def legal_documents(directory: Path = LEGAL_DIR) -> tuple[LegalDocument, ...]:
    """The current terms and privacy notice (content ships with the code: read once)."""
    return tuple(_read(kind, directory / name) for kind, name in DOCUMENT_FILES.items())


def current_version(kind: ConsentKind) -> str | None:
    """The version a consent of `kind` must name, None for kinds without a document."""
    return next((doc.version for doc in legal_documents() if doc.kind is kind), None)


async def record(
    db: Database,
    *,
    uid: str,
    kind: ConsentKind,
    granted: bool,
    version: str | None,
    now: datetime,
) -> ConsentDoc:
    """Append a consent (or its withdrawal); agreeing to a document names its current version."""
    version = version.strip() if version is not None else None
    if kind in VERSIONED_CONSENTS:
        current = current_version(kind)
        if not version:
            raise DomainError(
                "VERSION_REQUIRED",
                en="Say which version of the document this is about",
                vi="Cần cho biết phiên bản của văn bản",
                field="version",
            )
        if version != current:
            raise DomainError(
                "VERSION_OUTDATED",
                en=f"The current version is {current}; read it before agreeing",
                vi=f"Phiên bản hiện hành là {current}; vui lòng đọc trước khi đồng ý",
                field="version",
            )
    else:
        version = None  # a permission has no document to name
    consent = ConsentDoc(uid=uid, kind=kind, granted=granted, version=version, at=now)
    await auth_repository.add_consent(db, consent)
    return consent


def current(history: list[ConsentDoc]) -> list[ConsentDoc]:
    """The latest entry per kind, in the order of ConsentKind (history is newest first)."""
    latest: dict[ConsentKind, ConsentDoc] = {}
    for entry in history:
        latest.setdefault(entry.kind, entry)
    return [latest[kind] for kind in ConsentKind if kind in latest]
