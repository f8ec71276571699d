from django.contrib import admin

from teams.models import Channel, Leave, Member, OnCallShift, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "timezone",
        "staffed_window_start",
        "staffed_window_end",
        "fte_hours",
        "shrinkage",
        "pulse_min_group",
    ]
    search_fields = ["name"]
    list_filter = ["timezone"]
    filter_horizontal = ["leaders"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
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


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "platform",
        "handle",
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


@admin.register(Leave)
class LeaveAdmin(admin.ModelAdmin):
    list_display = ["member", "kind", "start_date", "end_date"]
    list_filter = ["kind", "member__team"]
    search_fields = ["member__full_name", "member__user__username"]
    date_hierarchy = "start_date"
    list_select_related = ["member"]
    autocomplete_fields = ["member"]


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
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

    def save_model(self, request, obj, form, change):
        from teams.services import on_call_local_dates

        obj.first_local_date, obj.last_local_date = on_call_local_dates(
            obj.member, obj.starts_at, obj.ends_at
        )
        super().save_model(request, obj, form, change)
