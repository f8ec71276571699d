"""Task logs over the JSON API (api.md)."""

from __future__ import annotations

import django_filters
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from socialops.common.api import ScopedPrimaryKeyRelatedField
from teams.api import OwnMemberField, PersonalRecordViewSet
from teams.models import Channel
from workload import services
from workload.duration import DurationError, parse_duration
from workload.models import Category, TaskLog
from workload.selectors import after_hours_for


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
