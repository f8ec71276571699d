"""Task logs, scores, staffing, the pulse and recompute jobs over the JSON API (api.md)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from socialops.audit.services import audit_append
from socialops.common.api import ListRetrieveViewSet, ScopedPrimaryKeyRelatedField, ScopedViewSet
from teams.api import OwnMemberField, PersonalRecordViewSet
from teams.models import Channel, Member, Team
from teams.selectors import roles_for
from workload import burnout, erlang, jobs, services
from workload.duration import DurationError, parse_duration
from workload.models import (
    BurnoutScore,
    Category,
    PulseResponse,
    RecomputeJob,
    StaffingSnapshot,
    TaskLog,
)
from workload.pulse import pulse_submit
from workload.selectors import after_hours_for, score_pulse_visible, team_score_summary


class TaskLogSerializer(serializers.ModelSerializer):
    member = OwnMemberField(required=False)
    minutes = serializers.IntegerField(required=False, min_value=1, max_value=1440)
    duration = serializers.CharField(
        write_only=True, required=False, max_length=32,
        help_text="Instead of minutes: 90, 90m, 1h30, 1:30 or 1.5h.",
    )  # fmt: skip
    category = serializers.ChoiceField(choices=Category.choices)
    channel = ScopedPrimaryKeyRelatedField(Channel, allow_null=True, required=False)
    messages_handled = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    hostile_messages = serializers.IntegerField(
        min_value=0, max_value=100_000, allow_null=True, required=False
    )
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    after_hours_minutes = serializers.SerializerMethodField()

    class Meta:
        model = TaskLog
        fields = [
            "id", "member", "date", "started_at", "minutes", "duration", "category", "channel",
            "messages_handled", "hostile_messages", "crisis", "note", "after_hours_minutes",
        ]  # fmt: skip

    def get_after_hours_minutes(self, log: TaskLog) -> int:
        known = self.context.get("after_hours")
        if known is None or log.pk not in known:
            known = after_hours_for([log], {log.member_id: log.member})
        return known[log.pk]

    def validate(self, attrs):
        duration = attrs.pop("duration", None)
        if duration is not None:
            if "minutes" in attrs:
                raise ValidationError({"duration": ["Give minutes or duration, not both."]})
            try:
                attrs["minutes"] = parse_duration(duration)
            except DurationError as exc:
                raise ValidationError({"duration": [str(exc)]}) from exc
            if not 1 <= attrs["minutes"] <= 1440:
                raise ValidationError(
                    {"duration": ["An entry lasts from 1 minute to 24 hours (1440 minutes)."]}
                )
        if self.instance is None and "minutes" not in attrs:
            raise ValidationError({"minutes": ["Give minutes or a duration such as 1h30."]})
        return attrs


class TaskLogFilter(django_filters.FilterSet):
    date = django_filters.DateFromToRangeFilter()  # ?date_after=&date_before=
    category = django_filters.ChoiceFilter(choices=Category.choices)

    class Meta:
        model = TaskLog
        fields = ["member", "date", "category", "channel"]


class TaskLogViewSet(PersonalRecordViewSet):
    """Task logs: members their own (read and write); leaders read their teams'."""

    model = TaskLog
    serializer_class = TaskLogSerializer
    filterset_class = TaskLogFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("member").order_by("-date", "-pk")

    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        members = {log.member_id: log.member for log in page}
        context = self.get_serializer_context() | {"after_hours": after_hours_for(page, members)}
        return self.get_paginated_response(
            self.get_serializer(page, many=True, context=context).data
        )

    def create(self, request):
        self.check_create()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        values = dict(ser.validated_data)
        log = services.task_log_create(member=self.own_member(values), **values)
        return Response(self.get_serializer(log).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        log = self.get_object()
        ser = self.get_serializer(log, data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        values = dict(ser.validated_data)
        claimed = values.pop("member", None)
        if claimed is not None and claimed != log.member_id:
            raise ValidationError({"member": ["An entry cannot be moved to another person."]})
        log = services.task_log_update(task_log=log, **values)
        return Response(self.get_serializer(log).data)

    def perform_delete(self, log):
        services.task_log_delete(task_log=log)


# ---- Scores, staffing, the calculator, the pulse and recompute jobs (scoring issue) ----


def _query_date(value: str | None, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({field: ["Give a date as YYYY-MM-DD."]}) from exc


def _scope_team_ids(request) -> set[int]:
    """Teams whose recompute a caller may ask for: admins all; leaders the teams they lead;
    a member their own team."""
    roles = roles_for(request.user)
    if roles.is_admin:
        return set(Team.objects.values_list("pk", flat=True))
    team_ids = set(roles.led_team_ids)
    if roles.is_member and roles.member.team_id is not None:
        team_ids.add(roles.member.team_id)
    return team_ids


class RecomputeSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="Default: yesterday (UTC).")
    team = serializers.IntegerField(required=False, help_text="Default: every team in scope.")

    def validate_as_of(self, value):
        if value > timezone.now().date():
            raise ValidationError("Scores cannot be computed for a future date.")
        return value

    def validate(self, attrs):
        scope = _scope_team_ids(self.context["request"])
        if "team" in attrs:
            if attrs["team"] not in scope:
                raise ValidationError({"team": ["Unknown team."]})
            attrs["team_ids"] = [attrs.pop("team")]
        else:
            attrs["team_ids"] = sorted(scope)
        if not attrs["team_ids"]:
            raise ValidationError({"team": ["You have no team to recompute."]})
        return attrs


class ScoreSerializer(serializers.ModelSerializer):
    """Applies the privacy tiers: a leader sees a member's WSI, its factors and wsi_band; the
    blended risk, WRB, band and band_overrides only when the member shares their pulse."""

    class Meta:
        model = BurnoutScore
        fields = [
            "member", "as_of", "status", "reason", "band", "wsi_band", "risk", "wsi", "wrb",
            "mode", "contributions", "band_overrides", "coverage", "aggregates", "computed_at",
        ]  # fmt: skip

    def to_representation(self, score):
        data = super().to_representation(score)
        for name in ("reason", "band", "wsi_band"):
            data[name] = data[name] or None
        for name in ("risk", "wsi", "wrb", "coverage"):
            data[name] = None if data[name] is None else float(data[name])
        viewer = self.context.get("viewer")
        if not score_pulse_visible(score=score, viewer=viewer):
            data.update(risk=None, wrb=None, band_overrides=None, mode=None)
            data["band"] = data["wsi_band"]
        return data


class ScoreFilter(django_filters.FilterSet):
    as_of = django_filters.DateFilter()
    team = django_filters.NumberFilter(field_name="member__team_id")

    class Meta:
        model = BurnoutScore
        fields = ["as_of", "member", "team"]


class ScoreViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Burnout scores: yours; leaders their teams' (privacy tiers applied). Without `as_of`,
    each member's latest score."""

    model = BurnoutScore
    serializer_class = ScoreSerializer
    filterset_class = ScoreFilter

    def get_queryset(self):
        queryset = super().get_queryset().select_related("member")
        if "as_of" not in self.request.query_params:
            # Each visible member's latest score, looked up once per member through the
            # (member, as_of) index rather than once per stored score (docs/performance.md).
            latest = BurnoutScore.objects.filter(member=OuterRef("pk")).order_by("-as_of")
            latest_ids = (
                Member.objects.for_user(self.request.user)
                .annotate(latest=Subquery(latest.values("pk")[:1]))
                .values("latest")
            )
            queryset = queryset.filter(pk__in=latest_ids)
        return queryset.order_by("member__full_name", "member_id")

    def get_serializer_context(self):
        return super().get_serializer_context() | {"viewer": self.roles.member}

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        viewer = self.roles.member
        others = sorted(
            {row["member"] for row in response.data["results"]} - {viewer.pk if viewer else None}
        )
        if others:
            # Reads of other people's scores are audited: who read whose, never the values.
            audit_append(
                actor=request.user, action="score.read", target_type="member",
                target_id=",".join(map(str, others))[:64], data={"members": others},
            )  # fmt: skip
        return response

    @extend_schema(
        request=RecomputeSerializer,
        responses={
            202: inline_serializer("RecomputeAccepted", {"job_id": serializers.UUIDField()})
        },
    )
    @action(detail=False, methods=["post"])
    def recompute(self, request):
        ser = RecomputeSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        job = jobs.job_start(
            as_of=ser.validated_data.get("as_of") or jobs.default_as_of(),
            team_ids=ser.validated_data["team_ids"],
            requested_by=request.user,
        )
        return Response({"job_id": str(job.pk)}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("team", int, required=True), OpenApiParameter("as_of", str)]
    )
    @action(detail=False, methods=["get"])
    def summary(self, request):
        """A team's band distribution; pulse aggregates only for groups large enough."""
        try:
            team_id = int(request.query_params.get("team", ""))
        except ValueError as exc:
            raise ValidationError({"team": ["Give a team id."]}) from exc
        team = get_object_or_404(Team.objects.for_user(request.user), pk=team_id)
        if team.pk not in self.roles.led_team_ids:
            raise NotFound()
        as_of = _query_date(request.query_params.get("as_of"), "as_of")
        return Response(team_score_summary(team=team, as_of=as_of))


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True)

    class Meta:
        model = RecomputeJob
        fields = ["id", "state", "progress", "as_of", "team_ids", "error", "created_at",
                  "finished_at"]  # fmt: skip


class JobViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A recompute job, for the person who asked for it."""

    serializer_class = JobSerializer

    def get_queryset(self):
        return RecomputeJob.objects.filter(requested_by=self.request.user)

    @extend_schema(parameters=[OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)])
    def retrieve(self, request, pk=None):
        try:
            job = self.get_queryset().get(pk=pk)
        except (RecomputeJob.DoesNotExist, ValueError, DjangoValidationError) as exc:
            raise NotFound() from exc
        return Response(JobSerializer(jobs.job_refresh(job=job)).data)


class StaffingSerializer(serializers.ModelSerializer):
    class Meta:
        model = StaffingSnapshot
        fields = [
            "team", "as_of", "demand_hours", "required_fte", "available_fte", "gap_fte",
            "hidden_overtime_fte", "seat_floor_fte", "rotation_gap", "backup_gaps",
            "unreachable_channels", "details", "computed_at",
        ]  # fmt: skip

    def to_representation(self, snapshot):
        data = super().to_representation(snapshot)
        for name in ("required_fte", "available_fte", "gap_fte", "hidden_overtime_fte",
                     "seat_floor_fte"):  # fmt: skip
            data[name] = float(data[name])
        return data


class StaffingFilter(django_filters.FilterSet):
    as_of = django_filters.DateFilter()

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
    def calculator(self, request):
        """Erlang C what-if (Erlang A when `patience_minutes` is given)."""
        query = CalculatorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            result = erlang.calculator(**query.validated_data)
        except erlang.CalculatorInputError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        return Response(result)


class PulseSerializer(serializers.ModelSerializer):
    member = OwnMemberField(required=False)
    week = serializers.DateField(required=False)
    answers = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), min_length=7, max_length=7
    )
    score = serializers.SerializerMethodField()

    class Meta:
        model = PulseResponse
        fields = ["id", "member", "week", "answers", "score"]
        validators = []  # answering a week again replaces it (the service's upsert)

    def get_score(self, pulse) -> float | None:
        return burnout.round_half_up(burnout.cbi_score(pulse.answers))


class PulseViewSet(mixins.CreateModelMixin, ListRetrieveViewSet):
    """Your weekly pulse. Raw answers are yours alone: nobody else can read them here."""

    model = PulseResponse
    serializer_class = PulseSerializer
    http_method_names = ["get", "post", "head", "options"]

    def can_create(self, roles):
        return roles.member is not None

    def create(self, request):
        self.check_create()
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        values = dict(ser.validated_data)
        claimed = values.pop("member", None)
        member = self.roles.member
        if claimed is not None and claimed != member.pk:
            raise ValidationError({"member": ["You can only answer your own pulse."]})
        pulse = pulse_submit(member=member, answers=values["answers"], week=values.get("week"))
        return Response(self.get_serializer(pulse).data, status=status.HTTP_201_CREATED)
