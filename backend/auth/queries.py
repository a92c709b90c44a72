"""Auth queries."""

from __future__ import annotations

import strawberry

from backend.auth.service import consent as consent_service
from backend.auth.types import LegalDocument, ViewerType
from backend.context import Info


@strawberry.type
class AuthQueries:
    @strawberry.field(description="The viewer of this request (anonymous when no token is sent).")
    def viewer(self, info: Info) -> ViewerType:
        return ViewerType.from_viewer(info.context.viewer)

    @strawberry.field(
        description="The current terms of use and privacy notice, in vi and en, with the "
        "versions consentSet agrees to."
    )
    def legal_documents(self) -> list[LegalDocument]:
        return [LegalDocument.from_doc(doc) for doc in consent_service.legal_documents()]
