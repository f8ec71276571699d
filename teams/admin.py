"""Teams in the Django admin: every add, change and delete is a teams service call
(socialops.common.admin.ServiceAdmin), so the admin keeps the same rules and audit events."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from socialops.common.admin import ServiceAdmin, changed_values
from teams import services
from teams.models import Channel, Leave, Member, OnCallShift, Team, roles_for


def _actor(request: HttpRequest) -> Member | None:
    return roles_for(request.user).member


@admin.register(Team)
class TeamAdmin(ServiceAdmin):
    list_display = [
        "name",
        "timezone",
        "staffed_window_start",
        "staffed_window_end",
        "fte_hours",
        "shrinkage",
        "pulse_min_group",
        "log_window_days",
    ]
    search_fields = ["name"]
    list_filter = ["timezone"]
    filter_horizontal = ["leaders"]

    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> Team:
        values = changed_values(form, services.TEAM_FIELDS | {"leaders"})
        if "leaders" in values:
            values["leaders"] = list(values["leaders"])
        if change:
            team = Team.objects.get(pk=form.instance.pk)
            return services.team_update(team=team, **values)
        return services.team_create(**values)


@admin.register(Member)
class MemberAdmin(ServiceAdmin):
    list_display = [
        "full_name",
        "user",
        "team",
        "status",
        "role_member",
        "role_leader",
        "role_admin",
        "timezone",
        "weekly_hours",
        "started_on",
        "ended_on",
    ]
    list_filter = ["status", "team", "role_member", "role_leader", "role_admin", "timezone"]
    search_fields = ["full_name", "user__username", "user__email"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]
    # The pulse-sharing choice is the member's own; operators do not flip it for them.
    readonly_fields = ["share_pulse_with_leader"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A member's sign-in is chosen when the record is made, then stays.
        return [*self.readonly_fields, "user"] if obj is not None else self.readonly_fields

    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> Member:
        values = changed_values(form, services.MEMBER_FIELDS)
        if change:
            member = Member.objects.select_related("user").get(pk=form.instance.pk)
            return services.member_update(member=member, actor=_actor(request), **values)
        return services.member_create(
            user=form.cleaned_data["user"], actor=_actor(request), **values
        )


@admin.register(Channel)
class ChannelAdmin(ServiceAdmin):
    list_display = [
        "label",
        "name",
        "team",
        "owner",
        "always_on",
        "response_sla_minutes",
        "min_backup",
        "uses_shared_credential",
    ]
    list_filter = ["platform", "team", "always_on", "uses_shared_credential"]
    search_fields = ["name", "handle"]
    list_select_related = ["team", "owner"]
    autocomplete_fields = ["team", "owner"]

    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> Channel:
        values = changed_values(form, services.CHANNEL_FIELDS)
        if change:
            channel = Channel.objects.get(pk=form.instance.pk)
            return services.channel_update(channel=channel, **values)
        return services.channel_create(**values)


class _RecordAdmin(ServiceAdmin):
    """Leave and on-call: recorded and removed through the services; a recorded one is not
    edited (remove it and record it again, as on My week)."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)


@admin.register(Leave)
class LeaveAdmin(_RecordAdmin):
    list_display = ["member", "kind", "start_date", "end_date"]
    list_filter = ["kind", "member__team"]
    search_fields = ["member__full_name", "member__user__username"]
    date_hierarchy = "start_date"
    list_select_related = ["member"]
    autocomplete_fields = ["member"]

    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> Leave:
        return services.leave_create(**changed_values(form, {"member", "start_date",
                                                              "end_date", "kind"}))  # fmt: skip

    def service_delete(self, request: HttpRequest, obj: Leave) -> None:
        services.leave_delete(leave=obj)


@admin.register(OnCallShift)
class OnCallShiftAdmin(_RecordAdmin):
    list_display = [
        "member",
        "starts_at",
        "ends_at",
        "channel",
        "first_local_date",
        "last_local_date",
    ]
    list_filter = ["member__team", "channel__platform"]
    search_fields = ["member__full_name", "member__user__username"]
    date_hierarchy = "starts_at"
    list_select_related = ["member", "channel"]
    autocomplete_fields = ["member", "channel"]
    readonly_fields = ["first_local_date", "last_local_date"]

    def service_save(
        self, request: HttpRequest, form: forms.ModelForm, change: bool
    ) -> OnCallShift:
        return services.on_call_create(
            **changed_values(form, {"member", "starts_at", "ends_at", "channel"})
        )

    def service_delete(self, request: HttpRequest, obj: OnCallShift) -> None:
        services.on_call_delete(shift=obj)
