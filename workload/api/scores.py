"""Burnout scores (privacy tiers applied), their team summary, recompute and its jobs over
the JSON API (docs/api.md)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from socialops.common.fields import (
    BoundedDateField,
    BoundedDateFilter,
    BoundedModelSerializer,
    parse_query_date,
)
from socialops.common.filters import IdFilter, IdFilterSet
from teams.models import Member, Team, roles_for
from teams.viewsets import ScopedViewSet
from workload.models import BurnoutScore, RecomputeJob
from workload.selectors.scores import score_pulse_visible, team_score_summary
from workload.services import jobs
from workload.services.score_reads import score_reads_record
from workload.tasks import recompute_start


def _query_date(value: str | None, field: str) -> dt.date | None:
    return parse_query_date(value, field)  # 400 when malformed or outside 1970..2100


def _scope_team_ids(request) -> set[int]:
    """Teams whose recompute a caller may ask for: admins all; leaders the teams they lead;
    a member their own team."""
    roles = roles_for(request.user)
    if roles.is_admin:
        return set(Team.objects.values_list("pk", flat=True))
    team_ids = set(roles.led_team_ids)
    member = roles.member
    if member is not None and member.role_member and member.team_id is not None:
        team_ids.add(member.team_id)
    return team_ids


class RecomputeSerializer(serializers.Serializer):
    as_of = BoundedDateField(required=False, help_text="Default: yesterday (UTC).")
    team = serializers.IntegerField(required=False, help_text="Default: every team in scope.")

    def validate_as_of(self, value):
        if value > timezone.now().date():
            raise ValidationError(_("Scores cannot be computed for a future date."))
        return value

    def validate(self, attrs):
        scope = _scope_team_ids(self.context["request"])
        if "team" in attrs:
            if attrs["team"] not in scope:
                raise ValidationError({"team": [_("Unknown team.")]})
            attrs["team_ids"] = [attrs.pop("team")]
        else:
            attrs["team_ids"] = sorted(scope)
        if not attrs["team_ids"]:
            raise ValidationError({"team": [_("You have no team to recompute.")]})
        return attrs


class ScoreSerializer(BoundedModelSerializer):
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


class ScoreFilter(IdFilterSet):
    as_of = BoundedDateFilter()
    team = IdFilter(field_name="member__team_id")

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
        score_reads_record(user=request.user, member_ids=others, via="api")
        return response

    @extend_schema(
        request=RecomputeSerializer,
        responses={
            202: inline_serializer("RecomputeAccepted", {"job_id": serializers.UUIDField()})
        },
    )
    @action(detail=False, methods=["post"])
    def recompute(self, request, **kwargs):
        ser = RecomputeSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        job = recompute_start(
            as_of=ser.validated_data.get("as_of") or jobs.default_as_of(),
            team_ids=ser.validated_data["team_ids"],
            requested_by=request.user,
        )
        return Response({"job_id": str(job.pk)}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[OpenApiParameter("team", int, required=True), OpenApiParameter("as_of", str)]
    )
    @action(detail=False, methods=["get"])
    def summary(self, request, **kwargs):
        """A team's band distribution; pulse aggregates only for groups large enough."""
        try:
            team_id = int(request.query_params.get("team", ""))
        except ValueError as exc:
            raise ValidationError({"team": [_("Give a team id.")]}) from exc
        team = get_object_or_404(Team.objects.for_user(request.user), pk=team_id)
        if team.pk not in self.roles.led_team_ids:
            raise NotFound()
        as_of = _query_date(request.query_params.get("as_of"), "as_of")
        return Response(team_score_summary(team=team, as_of=as_of))


class JobSerializer(BoundedModelSerializer):
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
    def retrieve(self, request, pk=None, **kwargs):
        try:
            job = self.get_queryset().get(pk=pk)
        except (RecomputeJob.DoesNotExist, ValueError, DjangoValidationError) as exc:
            raise NotFound() from exc
        return Response(JobSerializer(jobs.job_refresh(job=job)).data)
