"""Teams in the Django admin: every add, change and delete is a teams service call
(socialops.common.admin.ServiceAdmin), so the admin keeps the same rules and audit events."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.authtoken.models import TokenProxy

from socialops.common.admin import (
    PrivateFieldsAdmin,
    ReadOnlyAdmin,
    ServiceAdmin,
    changed_values,
)
from teams import accounts, services
from teams.models import Channel, Leave, Member, OnCallShift, Team

User = get_user_model()


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
            return services.team_update(team=team, actor=request.user, **values)
        return services.team_create(actor=request.user, **values)


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
            return services.member_update(member=member, actor=request.user, **values)
        return services.member_create(user=form.cleaned_data["user"], actor=request.user, **values)


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
            return services.channel_update(channel=channel, actor=request.user, **values)
        return services.channel_create(actor=request.user, **values)


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


# ---- Sign-in accounts and permission groups (teams.accounts) ---------------------------------
# Django's own user and group pages, with every write through teams.accounts: audited, and a
# departed member's sign-in is not turned back on. Users are never deleted here (a leaver is
# offboarded; an erased member is pseudonymised, docs/privacy.md).
_ACCOUNT_ACTOR: ContextVar[Any] = ContextVar("account_actor", default=None)


class _AuditedPasswordForm(AdminPasswordChangeForm):
    def save(self, commit: bool = True) -> Any:
        usable = self.cleaned_data.get("set_usable_password", True)
        return accounts.account_set_password(
            user=self.user,
            password=self.cleaned_data["password1"] if usable else None,
            actor=_ACCOUNT_ACTOR.get(),
        )


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AccountAdmin(ServiceAdmin, DjangoUserAdmin):
    change_password_form = _AuditedPasswordForm
    readonly_fields = ["last_login", "date_joined"]

    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> Any:
        relations = {"groups", "user_permissions"}
        if change:
            values = changed_values(form, accounts.ACCOUNT_FIELDS | relations)
            for name in relations & set(values):
                values[name] = list(values[name])
            user = User.objects.get(pk=form.instance.pk)
            return accounts.account_update(user=user, actor=request.user, **values)
        # Django's form turns its "usable_password" choice into set_usable_password.
        usable = form.cleaned_data.get("set_usable_password", True)
        return accounts.account_create(
            username=form.cleaned_data["username"],
            password=form.cleaned_data.get("password1") if usable else None,
            actor=request.user,
        )

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        token = _ACCOUNT_ACTOR.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _ACCOUNT_ACTOR.reset(token)


@admin.register(Group)
class PermissionGroupAdmin(ServiceAdmin, DjangoGroupAdmin):
    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> Group:
        values = changed_values(form, {"name", "permissions"})
        if "permissions" in values:
            values["permissions"] = list(values["permissions"])
        group = Group.objects.get(pk=form.instance.pk) if change else None
        return accounts.group_save(group=group, actor=request.user, **values)

    def service_delete(self, request: HttpRequest, obj: Group) -> None:
        accounts.group_delete(group=obj, actor=request.user)


# ---- Third-party models ----------------------------------------------------------------------
# DRF's own tokens are not used for sign-in (teams.ApiToken is): their admin would only make
# credentials that do nothing. The beat schedules are written by migrations (the jobs'
# times, docs/deployment.md): visible to operators, not edited by hand, so that no one can
# quietly stop the audit checkpoints or the retention job from the admin.
admin.site.unregister(TokenProxy)
for _schedule in (PeriodicTask, IntervalSchedule, CrontabSchedule, SolarSchedule, ClockedSchedule):
    admin.site.unregister(_schedule)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(ReadOnlyAdmin):
    list_display = ["name", "task", "enabled", "interval", "crontab", "last_run_at"]
    list_filter = ["enabled"]
    search_fields = ["name", "task"]
    list_select_related = ["interval", "crontab"]


@admin.register(IntervalSchedule, CrontabSchedule)
class ScheduleAdmin(ReadOnlyAdmin):
    pass


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(PrivateFieldsAdmin, AxesAccessAttemptAdmin):
    """django-axes' lockouts; deleting one (the admin unlock) is audited (teams.accounts)."""

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        accounts.lockouts_clear(attempts=[obj], actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        accounts.lockouts_clear(attempts=list(queryset), actor=request.user)
