"""Offboardings over the JSON API (docs/api.md Additions): `/api/v1/offboardings/`, for
admins, each with its state and whether every follow-up is confirmed."""

from __future__ import annotations

from rest_framework import mixins, serializers

from governance.models import Offboarding
from governance.selectors import offboardings_with_progress
from teams.viewsets import AdminOnlyViewSet


class OffboardingSerializer(serializers.ModelSerializer):
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
