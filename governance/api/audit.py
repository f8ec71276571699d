"""The audit log over the JSON API, read-only, for admins (docs/api.md)."""

from __future__ import annotations

import django_filters
from rest_framework import mixins, serializers

from socialops.audit.models import AuditEvent
from teams.viewsets import AdminOnlyViewSet


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_display")

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "target_type", "target_id", "data", "hash",
                  "prev_hash"]  # fmt: skip


class AuditFilter(django_filters.FilterSet):
    at = django_filters.IsoDateTimeFromToRangeFilter()  # ?at_after=&at_before=

    class Meta:
        model = AuditEvent
        fields = ["action", "target_type", "target_id", "at"]


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AdminOnlyViewSet):
    """The audit log, read-only, for admins."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-pk")
