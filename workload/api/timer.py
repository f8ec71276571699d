"""The member's running timer over the JSON API (docs/api.md, docs/timer.md): one per member,
on the server, so that it follows them from the phone to the laptop."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from socialops.common.fields import BoundedDateTimeField
from teams.models import Channel, Member, roles_for
from teams.viewsets import ScopedPrimaryKeyRelatedField
from workload.api.task_logs import TaskLogSerializer
from workload.models import Category, Timer
from workload.services import timer as timers


class TimerSerializer(serializers.Serializer):
    """The timer as read: `running` false alone when none runs."""

    running = serializers.BooleanField()
    started_at = BoundedDateTimeField(required=False)
    elapsed_minutes = serializers.IntegerField(required=False)
    category = serializers.CharField(required=False, help_text="Blank until chosen.")
    channel = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False)


class TimerStartSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=Category.choices, required=False, allow_blank=True)
    channel = ScopedPrimaryKeyRelatedField(
        Channel, allow_null=True, required=False, pk_field=serializers.IntegerField()
    )
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class TimerStopSerializer(TimerStartSerializer):
    messages_handled = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    hostile_messages = serializers.IntegerField(
        min_value=0, max_value=100_000, allow_null=True, required=False
    )
    crisis = serializers.BooleanField(required=False)


TimerStopResponse = inline_serializer(
    "TimerStopResponse", fields={"task_logs": TaskLogSerializer(many=True)}
)


def timer_payload(timer: Timer | None) -> dict:
    if timer is None:
        return {"running": False}
    return TimerSerializer(
        {
            "running": True,
            "started_at": timer.started_at,
            "elapsed_minutes": timers.elapsed_minutes(timer),
            "category": timer.category,
            "channel": timer.channel_id,
            "note": timer.note,
        }
    ).data


class _MemberTimerView(APIView):
    def timer_member(self) -> Member:
        roles = roles_for(self.request.user)
        if not roles.is_member or roles.member is None or roles.member.team_id is None:
            raise PermissionDenied(
                _("The timer is for members of a team; you have no member record.")
            )
        return roles.member


class TimerView(_MemberTimerView):
    """The caller's running timer: read it, start it, discard it."""

    @extend_schema(responses=TimerSerializer)
    def get(self, request):
        return Response(timer_payload(timers.timer_for(self.timer_member())))

    @extend_schema(request=TimerStartSerializer, responses={201: TimerSerializer})
    def post(self, request):
        member = self.timer_member()
        ser = TimerStartSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        timer = timers.timer_start(member=member, **ser.validated_data)
        return Response(timer_payload(timer), status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request):
        timers.timer_discard(member=self.timer_member())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TimerStopView(_MemberTimerView):
    """Stop the caller's timer: its time becomes task logs, one per local date."""

    @extend_schema(request=TimerStopSerializer, responses={201: TimerStopResponse})
    def post(self, request):
        member = self.timer_member()
        ser = TimerStopSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        logs = timers.timer_stop(member=member, **ser.validated_data)
        context = {"request": request}
        return Response(
            {"task_logs": TaskLogSerializer(logs, many=True, context=context).data},
            status=status.HTTP_201_CREATED,
        )
