"""Task logs over the JSON API (docs/api.md): members write their own, leaders read their
teams'. Each entry carries its after-hours minutes."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from socialops.common.fields import (
    BoundedDateField,
    BoundedDateFromToRangeFilter,
    BoundedModelSerializer,
)
from socialops.common.filters import IdFilterSet
from teams.models import Channel
from teams.viewsets import (
    OwnMemberField,
    PersonalRecordViewSet,
    ScopedPrimaryKeyRelatedField,
    ServiceUpdateMixin,
)
from workload.duration import DurationError, parse_duration
from workload.hours import DAY_LIMIT_MESSAGE, MINUTES_PER_DAY
from workload.models import Category, TaskLog
from workload.selectors.after_hours import after_hours_for, after_hours_of
from workload.services import task_logs


class OverlapWarning(serializers.Serializer):
    overlaps = serializers.IntegerField()


class TaskLogSerializer(BoundedModelSerializer):
    member = OwnMemberField(required=False)
    minutes = serializers.IntegerField(required=False, min_value=1, max_value=MINUTES_PER_DAY)
    duration = serializers.CharField(
        write_only=True, required=False, max_length=32,
        help_text=gettext_lazy("Instead of minutes: 90, 90m, 1h30, 1:30 or 1.5h."),
    )  # fmt: skip
    category = serializers.ChoiceField(choices=Category.choices)
    channel = ScopedPrimaryKeyRelatedField(Channel, allow_null=True, required=False)
    messages_handled = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    hostile_messages = serializers.IntegerField(
        min_value=0, max_value=100_000, allow_null=True, required=False
    )
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False)
    after_hours_minutes = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(
        help_text="On a new entry: [{overlaps: id}] for each of your entries its time overlaps "
        "(saved anyway)."
    )

    class Meta:
        model = TaskLog
        fields = [
            "id", "member", "date", "started_at", "minutes", "duration", "category", "channel",
            "messages_handled", "hostile_messages", "crisis", "note", "after_hours_minutes",
            "warnings",
        ]  # fmt: skip

    @extend_schema_field(OverlapWarning(many=True))
    def get_warnings(self, log: TaskLog) -> list[dict]:
        return self.context.get("warnings", {}).get(log.pk, [])

    def get_after_hours_minutes(self, log: TaskLog) -> int:
        known = self.context.get("after_hours")
        if known is None or log.pk not in known:
            return after_hours_of(log)  # a single entry just written
        return known[log.pk]

    def validate(self, attrs):
        duration = attrs.pop("duration", None)
        if duration is not None:
            if "minutes" in attrs:
                raise ValidationError({"duration": [_("Give minutes or duration, not both.")]})
            try:
                attrs["minutes"] = parse_duration(duration)
            except DurationError as exc:
                raise ValidationError({"duration": [str(exc)]}) from exc
            if not 1 <= attrs["minutes"] <= MINUTES_PER_DAY:
                raise ValidationError({"duration": [DAY_LIMIT_MESSAGE]})
        if self.instance is None and "minutes" not in attrs:
            raise ValidationError({"minutes": [_("Give minutes or a duration such as 1h30.")]})
        hostile, handled = attrs.get("hostile_messages"), attrs.get("messages_handled")
        if hostile is not None and handled is not None and hostile > handled:
            raise ValidationError({"hostile_messages": [task_logs.hostile_error(hostile, handled)]})
        return attrs


class DuplicateSerializer(serializers.Serializer):
    date = BoundedDateField(
        required=False, help_text=gettext_lazy("The day of the copy; the source's day if left out.")
    )


class CopyDaySerializer(serializers.Serializer):
    from_date = BoundedDateField()
    to_date = BoundedDateField()


CopiedDay = inline_serializer("CopiedDay", {"task_logs": TaskLogSerializer(many=True)})
CopyConflict = inline_serializer(
    "CopyDayConflict",
    {"existing": serializers.ListField(child=serializers.IntegerField()),
     "detail": serializers.ListField(child=serializers.CharField())},
)  # fmt: skip


class TaskLogFilter(IdFilterSet):
    date = BoundedDateFromToRangeFilter()  # ?date_after=&date_before=
    category = django_filters.ChoiceFilter(choices=Category.choices)

    class Meta:
        model = TaskLog
        fields = ["member", "date", "category", "channel"]


class TaskLogViewSet(ServiceUpdateMixin, PersonalRecordViewSet):
    """Task logs: members their own (read and write); leaders read their teams' and correct
    them (PATCH, DELETE: audited, not bound by the edit window)."""

    model = TaskLog
    serializer_class = TaskLogSerializer
    filterset_class = TaskLogFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return (
            super().get_queryset().with_pieces().select_related("member").order_by("-date", "-pk")
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        context = self.get_serializer_context() | {"after_hours": after_hours_for(page)}
        return self.get_paginated_response(
            self.get_serializer(page, many=True, context=context).data
        )

    def get_serializer_context(self):
        return super().get_serializer_context() | {"warnings": getattr(self, "_warnings", {})}

    def can_change(self, roles, obj):
        if self.action == "duplicate":  # a new entry of one's own
            return super().can_change(roles, obj)
        return super().can_change(roles, obj) or obj.member.team_id in roles.led_team_ids

    def service_create(self, values):
        log = task_logs.task_log_create(member=self.own_member(values), **values)
        self._warnings = {log.pk: [{"overlaps": pk} for pk in task_logs.task_log_overlaps(log)]}
        return log

    @extend_schema(request=CopyDaySerializer, responses={201: CopiedDay, 409: CopyConflict})
    @action(detail=False, methods=["post"], url_path="copy-day")
    def copy_day(self, request, **kwargs):
        """Copy one day's entries to another day (not the note); entries already copied there
        are skipped; all of them → 409 `{existing}`."""
        member = self.roles.member
        if member is None or not member.role_member:
            raise PermissionDenied(_("Only people who log work copy days."))
        ser = CopyDaySerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        created = task_logs.task_logs_copy_day(member=member, **ser.validated_data)
        # The copies with their after-hours minutes: two queries for any number of them.
        created = list(
            TaskLog.objects.with_pieces()
            .select_related("member")
            .filter(pk__in=[log.pk for log in created])
            .order_by("started_at", "pk")
        )
        context = self.get_serializer_context() | {"after_hours": after_hours_for(created)}
        return Response(
            {"task_logs": TaskLogSerializer(created, many=True, context=context).data},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=DuplicateSerializer, responses={201: TaskLogSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None, **kwargs):
        """The same work again (not the note), on `date` or the source's day: one new entry
        per call (send an Idempotency-Key to make a retry safe)."""
        record = self.get_object()
        ser = DuplicateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        log = task_logs.task_log_duplicate(task_log=record, **ser.validated_data)
        self._warnings = {log.pk: [{"overlaps": pk} for pk in task_logs.task_log_overlaps(log)]}
        return Response(self.get_serializer(log).data, status=status.HTTP_201_CREATED)

    def service_update(self, record, values):
        claimed = values.pop("member", None)
        if claimed is not None and claimed != record.member_id:
            raise ValidationError({"member": [_("An entry cannot be moved to another person.")]})
        return task_logs.task_log_update(task_log=record, actor=self.request.user, **values)

    def service_delete(self, record):
        task_logs.task_log_delete(task_log=record, actor=self.request.user)
