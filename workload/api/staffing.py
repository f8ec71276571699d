"""Staffing snapshots and the Erlang calculator over the JSON API (docs/api.md)."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from socialops.common.fields import BoundedDateField, BoundedDateFilter, BoundedModelSerializer
from socialops.common.filters import IdFilterSet
from teams.viewsets import ScopedViewSet
from workload import erlang
from workload.models import StaffingSnapshot

# The explanation of the figure (docs/scoring.md Part 3), stored as JSON on the snapshot and
# described here field by field so the OpenAPI schema says what a client receives.


def _with_label(fields: dict, help_text: str = "") -> dict:
    """A field named `label` cannot be a class attribute (Field.label is the field's own
    title), so these serializers add it in get_fields."""
    return fields | {"label": serializers.CharField(help_text=help_text)}


class ChannelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()

    def get_fields(self):
        return _with_label(super().get_fields(), "platform and handle")


class DriverSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(["realtime_queue", "deferrable_queue", "other_work"])
    channel = ChannelRefSerializer(allow_null=True)
    category = serializers.CharField(allow_null=True)
    hours_per_week = serializers.FloatField()
    fte = serializers.FloatField(help_text="hours_per_week / (fte_hours × (1 − shrinkage))")
    unreachable = serializers.BooleanField()
    sla_minutes = serializers.FloatField(allow_null=True)
    always_on = serializers.BooleanField()

    def get_fields(self):
        return _with_label(super().get_fields(), "the channel's label or the category's name")


class WhatIfSerializer(serializers.Serializer):
    channel = ChannelRefSerializer()
    change = serializers.ChoiceField(["sla_x4", "staffed_window_only"])
    required_fte = serializers.FloatField()
    fte_saved = serializers.FloatField()
    sla_minutes = serializers.FloatField(help_text="the reply target after the change")
    becomes_deferrable = serializers.BooleanField()
    unreachable = serializers.BooleanField()


class SlotSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(help_text="0 = Monday")
    hour = serializers.IntegerField()


class DeliveredSerializer(serializers.Serializer):
    channel = ChannelRefSerializer()
    required_seat_hours = serializers.FloatField(help_text="per week")
    covered_seat_hours = serializers.FloatField(help_text="per week, the 4-week mean")
    ratio = serializers.FloatField(allow_null=True)
    uncovered_slots = SlotSerializer(many=True)


class CauseMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CauseSerializer(serializers.Serializer):
    member = CauseMemberSerializer()
    dates = serializers.ListField(child=BoundedDateField())
    reasons = serializers.ListField(
        child=serializers.ChoiceField(["leave", "ended", "long_absence", "not_started"])
    )


class AheadSerializer(serializers.Serializer):
    channel = ChannelRefSerializer()
    min_backup = serializers.IntegerField()
    days_without_actor = serializers.ListField(child=BoundedDateField())
    days_below_backup = serializers.ListField(child=BoundedDateField())
    causes = CauseSerializer(many=True)


class StaffingSerializer(BoundedModelSerializer):
    drivers = DriverSerializer(many=True, read_only=True)
    what_if = WhatIfSerializer(many=True, read_only=True)
    delivered_coverage = DeliveredSerializer(many=True, read_only=True)
    coverage_ahead = AheadSerializer(many=True, read_only=True)

    class Meta:
        model = StaffingSnapshot
        fields = [
            "team", "as_of", "demand_hours", "required_fte", "available_fte", "gap_fte",
            "hidden_overtime_fte", "seat_floor_fte", "rotation_gap", "backup_gaps",
            "unreachable_channels", "details", "computed_at",
            # docs/scoring.md Part 3: explaining the figure.
            "demand_fte", "binding", "shrinkage", "drivers", "what_if",
            "logged_hours_per_week", "contracted_hours_per_week", "delivered_coverage",
            "measured_absence", "coverage_ahead",
        ]  # fmt: skip

    def to_representation(self, snapshot):
        data = super().to_representation(snapshot)
        for name in NUMBERS:
            if data[name] is not None:
                data[name] = float(data[name])
        return data


# Stored with 4 decimals; the API gives them as JSON numbers (docs/api.md).
NUMBERS = (
    "required_fte", "available_fte", "gap_fte", "hidden_overtime_fte", "seat_floor_fte",
    "demand_fte", "shrinkage", "logged_hours_per_week", "contracted_hours_per_week",
    "measured_absence",
)  # fmt: skip


class StaffingFilter(IdFilterSet):
    as_of = BoundedDateFilter()

    class Meta:
        model = StaffingSnapshot
        fields = ["as_of", "team"]


class CalculatorQuerySerializer(serializers.Serializer):
    arrivals = serializers.FloatField(help_text="Contacts arriving per interval.")
    interval_minutes = serializers.FloatField()
    aht_minutes = serializers.FloatField(help_text="Average handling time.")
    target_seconds = serializers.FloatField(help_text="Answer within this many seconds…")
    service_level = serializers.FloatField(help_text="…for this share of contacts (0..1).")
    max_occupancy = serializers.FloatField(required=False, default=1.0)
    shrinkage = serializers.FloatField(required=False, default=0.0)
    patience_minutes = serializers.FloatField(
        required=False, help_text="Mean patience: switches to Erlang A (abandonment)."
    )


class CalculatorResultSerializer(serializers.Serializer):
    raw_positions = serializers.IntegerField()
    positions = serializers.IntegerField()
    service_level = serializers.FloatField()
    occupancy = serializers.FloatField()
    waiting_probability = serializers.FloatField()
    asa_seconds = serializers.FloatField()
    abandonment_probability = serializers.FloatField(required=False)


class StaffingViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Staffing snapshots of the teams a leader leads. Without `as_of`, each team's latest."""

    model = StaffingSnapshot
    serializer_class = StaffingSerializer
    filterset_class = StaffingFilter

    def get_queryset(self):
        queryset = super().get_queryset()
        if "as_of" not in self.request.query_params:
            latest = StaffingSnapshot.objects.filter(team=OuterRef("team")).order_by("-as_of")
            queryset = queryset.filter(as_of=Subquery(latest.values("as_of")[:1]))
        return queryset.order_by("team_id")

    @extend_schema(parameters=[CalculatorQuerySerializer], responses=CalculatorResultSerializer)
    @action(detail=False, methods=["get"])
    def calculator(self, request, **kwargs):
        """Erlang C what-if (Erlang A when `patience_minutes` is given)."""
        query = CalculatorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = erlang.calculator(**query.validated_data)
        except erlang.CalculatorInputError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        return Response(result)
