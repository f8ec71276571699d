"""Offboardings over the JSON API (docs/api.md Additions): `/api/v1/offboardings/`, for
admins, each with its state and whether every follow-up is confirmed, and
`/{id}/evidence/`, its evidence pack (docs/governance.md "Evidence pack")."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.evidence import evidence_pack
from governance.models import Offboarding
from governance.selectors import offboardings_with_progress
from socialops.common.fields import BoundedModelSerializer
from teams.viewsets import AdminOnlyViewSet


class OffboardingSerializer(BoundedModelSerializer):
    complete = serializers.BooleanField(source="is_complete", read_only=True)
    followups_total = serializers.IntegerField(read_only=True)
    followups_confirmed = serializers.IntegerField(read_only=True)

    class Meta:
        model = Offboarding
        fields = [
            "id", "member", "ended_on", "scheduled_for", "state", "complete", "reason",
            "successor", "started_by", "created_at", "ran_at", "cancelled_at",
            "followups_total", "followups_confirmed",
        ]  # fmt: skip
        read_only_fields = fields


class OffboardingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AdminOnlyViewSet):
    """Offboardings, newest first: scheduled, done or cancelled, and complete once every
    checklist item and rotation they need is confirmed."""

    model = Offboarding
    serializer_class = OffboardingSerializer
    filterset_fields = ["member", "state"]

    def get_queryset(self):
        return offboardings_with_progress(super().get_queryset()).order_by("-created_at", "-pk")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "download", OpenApiTypes.BOOL,
                description="1: answer as an attachment, offboarding-<id>-evidence.json.",
            )
        ],
        responses={200: OpenApiTypes.OBJECT},
        description="The evidence pack (docs/governance.md): who, when, why, grants closed, "
        "checklist, rotations, successor, coverage gaps, and the audit events with their "
        "hash and prev_hash.",
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def evidence(self, request, pk=None, **kwargs):
        offboarding = self.get_object()
        response = Response(evidence_pack(offboarding))
        if request.query_params.get("download") in ("1", "true"):
            response["Content-Disposition"] = (
                f'attachment; filename="offboarding-{offboarding.pk}-evidence.json"'
            )
        return response
