"""Air quality mutations: moderators edit or cancel an automatic alert (audited)."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.air import alert_edits
from backend.air.inputs import AirAlertCancelInput, AirAlertEditInput
from backend.air.types import AirAlert, AirError, AirErrorCode
from backend.auth.permissions import IsModerator
from backend.context import Info
from backend.errors import returns_errors


@strawberry.type(description="The result of airAlertEdit.")
class AirAlertEditPayload:
    air_alert: AirAlert | None = strawberry.field(
        default=None, description="The alert as it now reads."
    )
    errors: list[AirError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result of airAlertCancel.")
class AirAlertCancelPayload:
    air_alert: AirAlert | None = strawberry.field(default=None, description="The alert, now ended.")
    errors: list[AirError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type
class AirMutations:
    @strawberry.mutation(
        description="Rewrite an automatic air quality alert (shown in the app, not pushed again; "
        "moderators; audited).",
        permission_classes=[IsModerator],
    )
    @returns_errors(AirAlertEditPayload, AirError, AirErrorCode)
    async def air_alert_edit(self, info: Info, input: AirAlertEditInput) -> AirAlertEditPayload:
        doc = await alert_edits.edit_alert(
            info.context.db,
            viewer=info.context.viewer,
            alert_id=str(input.id),
            title={"vi": input.title.vi, "en": input.title.en} if input.title else None,
            body={"vi": input.body.vi, "en": input.body.en} if input.body else None,
            reason=input.reason,
            now=clock.now(),
        )
        return AirAlertEditPayload(air_alert=AirAlert.from_mongo(doc, info.context.viewer.locale))

    @strawberry.mutation(
        description="End an automatic air quality alert now; it is not sent again until the "
        "station's band changes (moderators; audited).",
        permission_classes=[IsModerator],
    )
    @returns_errors(AirAlertCancelPayload, AirError, AirErrorCode)
    async def air_alert_cancel(
        self, info: Info, input: AirAlertCancelInput
    ) -> AirAlertCancelPayload:
        doc = await alert_edits.cancel_alert(
            info.context.db,
            viewer=info.context.viewer,
            alert_id=str(input.id),
            reason=input.reason,
            now=clock.now(),
        )
        return AirAlertCancelPayload(air_alert=AirAlert.from_mongo(doc, info.context.viewer.locale))
