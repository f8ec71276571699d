"""Teams, members, channels, leave and on-call over the JSON API (docs/api.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from socialops.common.fields import BoundedModelSerializer
from teams import services
from teams.models import Channel, Leave, Member, OnCallShift, Team, roles_for, timezone_names
from teams.viewsets import (
    ListRetrieveViewSet,
    OwnMemberField,
    PersonalRecordViewSet,
    ScopedPrimaryKeyRelatedField,
    ServiceCreateMixin,
    ServiceUpdateMixin,
)

ROLE_CHOICES = ["member", "leader", "admin"]


class WeekdaysField(serializers.ListField):
    child = serializers.IntegerField(min_value=0, max_value=6)

    def to_internal_value(self, data):
        days = super().to_internal_value(data)
        if not 1 <= len(days) <= 7 or len(set(days)) != len(days):
            raise ValidationError(_("Give 1 to 7 distinct weekdays, 0 = Monday … 6 = Sunday."))
        return sorted(days)


class TimezoneField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value not in timezone_names():
            raise ValidationError(
                _("“%(value)s” is not an IANA time zone name (e.g. Europe/Paris).")
                % {"value": value}
            )
        return value


class TeamSerializer(BoundedModelSerializer):
    name = serializers.CharField(max_length=120)  # uniqueness: the service answers 409
    leader_ids = serializers.PrimaryKeyRelatedField(
        source="leaders", many=True, queryset=Member.objects.all(), required=False
    )
    timezone = TimezoneField(required=False)
    staffed_weekdays = WeekdaysField(required=False)
    staffed_hours_per_week = serializers.FloatField(read_only=True)
    fte_hours = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("1"),
        max_value=Decimal("168"),
        required=False,
    )
    shrinkage = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("0.999"),
        required=False,
    )
    pulse_min_group = serializers.IntegerField(min_value=5, max_value=1000, required=False)
    log_window_days = serializers.IntegerField(
        min_value=1, max_value=366, required=False,
        help_text="How many days back members may log or change their work (default 35).",
    )  # fmt: skip

    class Meta:
        model = Team
        fields = [
            "id", "name", "leader_ids", "timezone", "staffed_window_start", "staffed_window_end",
            "staffed_weekdays", "staffed_hours_per_week", "fte_hours", "shrinkage",
            "pulse_min_group", "log_window_days",
        ]  # fmt: skip


class TeamViewSet(ServiceCreateMixin, ServiceUpdateMixin, ListRetrieveViewSet):
    """Teams: leaders see the teams they lead, admins all; admins write."""

    model = Team
    serializer_class = TeamSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("leaders")

    def can_create(self, roles):
        return roles.is_admin

    def can_change(self, roles, obj):
        return roles.is_admin

    def service_create(self, values):
        return services.team_create(actor=self.request.user, **values)

    def service_update(self, record, values):
        return services.team_update(team=record, actor=self.request.user, **values)


class MemberSerializer(BoundedModelSerializer):
    username = serializers.CharField(source="user.username", max_length=150)
    email = serializers.EmailField(source="user.email", required=False, allow_blank=True)
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, required=False
    )
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ROLE_CHOICES), required=False, allow_empty=True
    )
    timezone = TimezoneField(required=False)
    workdays = WeekdaysField(required=False)
    weekly_hours = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.5"),
        max_value=Decimal("168"),
        required=False,
    )
    leave_entitlement_days = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("0"),
        max_value=Decimal("366"),
        required=False,
    )

    class Meta:
        model = Member
        fields = [
            "id", "username", "full_name", "email", "password", "team", "roles", "timezone",
            "workday_start", "workday_end", "workdays", "weekly_hours", "leave_entitlement_days",
            "status", "started_on", "ended_on",
        ]  # fmt: skip

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        user = values.pop("user", {})
        if "username" in user:
            values["username"] = user["username"]
        if "email" in user:
            values["email"] = user["email"]
        if "roles" in values:
            roles = set(values.pop("roles"))
            values.update({f"role_{name}": name in roles for name in ROLE_CHOICES})
        return values

    def validate(self, attrs):
        start, end = attrs.get("workday_start"), attrs.get("workday_end")
        if self.instance is not None:
            start = start or self.instance.workday_start
            end = end or self.instance.workday_end
        if start and end and end <= start:
            raise ValidationError({"workday_end": _("The workday must end after it starts.")})
        return attrs


class MemberViewSet(ServiceCreateMixin, ServiceUpdateMixin, ListRetrieveViewSet):
    """Members: yourself; leaders their teams; admins all; admins write."""

    model = Member
    serializer_class = MemberSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("user")

    def can_create(self, roles):
        return roles.is_admin

    def can_change(self, roles, obj):
        return roles.is_admin

    def service_create(self, values):
        if "username" not in values:
            raise ValidationError({"username": [_("This field is required.")]})
        return services.member_create(**values)

    def service_update(self, record, values):
        for name in ("username", "password"):
            if name in values:
                raise ValidationError({name: [_("This field cannot be changed here.")]})
        return services.member_update(member=record, actor=self.request.user, **values)


class ChannelSerializer(BoundedModelSerializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Member.objects.all(), allow_null=True, required=False
    )
    service_level_target = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        min_value=Decimal("0.001"),
        max_value=Decimal("0.999"),
        required=False,
    )
    response_sla_minutes = serializers.IntegerField(
        min_value=1, max_value=60 * 24 * 14, allow_null=True, required=False
    )
    expected_weekly_messages = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False
    )
    min_backup = serializers.IntegerField(min_value=0, max_value=50, required=False)

    class Meta:
        model = Channel
        fields = [
            "id", "label", "platform", "handle", "name", "team", "always_on",
            "response_sla_minutes", "service_level_target", "expected_weekly_messages",
            "min_backup", "uses_shared_credential", "owner",
        ]  # fmt: skip
        # `label` ("X @HalcyonHelp", how a channel is named) is Channel.label: read-only.
        # A handle unique per platform ignoring case is the service's job (409 on `handle`).
        validators: list[Any] = []


class ChannelViewSet(ServiceCreateMixin, ServiceUpdateMixin, ListRetrieveViewSet):
    """Channels: members and leaders see their teams' channels; admins all and write."""

    model = Channel
    serializer_class = ChannelSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def can_create(self, roles):
        return roles.is_admin

    def can_change(self, roles, obj):
        return roles.is_admin

    def service_create(self, values):
        return services.channel_create(actor=self.request.user, **values)

    def service_update(self, record, values):
        return services.channel_update(channel=record, actor=self.request.user, **values)


class LeaveSerializer(BoundedModelSerializer):
    member = OwnMemberField(required=False)
    kind = serializers.ChoiceField(choices=Leave.Kind.choices, default=Leave.Kind.VACATION)

    class Meta:
        model = Leave
        fields = ["id", "member", "start_date", "end_date", "kind"]


class LeaveViewSet(PersonalRecordViewSet):
    model = Leave
    serializer_class = LeaveSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    filterset_fields = ["member", "kind"]

    def service_create(self, values):
        return services.leave_create(member=self.own_member(values), **values)

    def service_delete(self, record):
        services.leave_delete(leave=record)


class OnCallSerializer(BoundedModelSerializer):
    member = OwnMemberField(required=False)
    channel = ScopedPrimaryKeyRelatedField(Channel, allow_null=True, required=False)

    class Meta:
        model = OnCallShift
        fields = ["id", "member", "starts_at", "ends_at", "channel"]


class OnCallViewSet(PersonalRecordViewSet):
    model = OnCallShift
    serializer_class = OnCallSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    filterset_fields = ["member", "channel"]

    def service_create(self, values):
        return services.on_call_create(member=self.own_member(values), **values)

    def service_delete(self, record):
        services.on_call_delete(shift=record)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    member_id = serializers.IntegerField(read_only=True, allow_null=True)
    led_team_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    share_pulse_with_leader = serializers.BooleanField()
    language = serializers.ChoiceField(
        choices=[("", "the browser's"), ("en", "English"), ("it", "Italiano"),
                 ("id", "Bahasa Indonesia")],
        help_text="Pages and API messages in this language; blank follows the browser.",
    )  # fmt: skip


class MeView(APIView):
    """Who am I: my roles, my member record, the teams I lead, my pulse-sharing setting."""

    serializer_class = MeSerializer

    def _payload(self, request):
        roles = roles_for(request.user)
        member = roles.member
        return {
            "id": request.user.pk,
            "username": request.user.get_username(),
            "full_name": member.full_name if member else request.user.get_full_name(),
            "roles": roles.names,
            "member_id": member.pk if member else None,
            "led_team_ids": sorted(roles.led_team_ids),
            "share_pulse_with_leader": bool(member and member.share_pulse_with_leader),
            "language": member.language if member else "",
        }

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(self._payload(request))

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        other = sorted(set(request.data) - {"share_pulse_with_leader", "language"})
        if other:
            raise ValidationError(
                {
                    name: [_("Only share_pulse_with_leader and language can be changed here.")]
                    for name in other
                }
            )
        ser = MeSerializer(data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        member = roles_for(request.user).member
        if member is None:
            field = next(iter(ser.validated_data), "share_pulse_with_leader")
            raise ValidationError({field: [_("You have no member record.")]})
        if "share_pulse_with_leader" in ser.validated_data:
            services.member_set_share_pulse(
                member=member, share=ser.validated_data["share_pulse_with_leader"]
            )
        if "language" in ser.validated_data:
            services.member_set_language(member=member, language=ser.validated_data["language"])
        return Response(self._payload(request))
