"""Workload in the Django admin: task logs go through the task-log services (the 24-hour
day check included); scores, snapshots and jobs are written by the recompute only."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from socialops.common.admin import ReadOnlyAdmin, ServiceAdmin, changed_values
from workload.models import BurnoutScore, RecomputeJob, StaffingSnapshot, TaskLog
from workload.services import task_logs


@admin.register(TaskLog)
class TaskLogAdmin(ServiceAdmin):
    list_display = [
        "member",
        "date",
        "started_at",
        "minutes",
        "category",
        "channel",
        "messages_handled",
        "hostile_messages",
        "crisis",
    ]
    list_filter = ["category", "crisis", "member__team", "channel__platform"]
    search_fields = ["member__full_name", "member__user__username", "note"]
    date_hierarchy = "date"
    list_select_related = ["member", "channel"]
    autocomplete_fields = ["member", "channel"]

    def get_readonly_fields(self, request: HttpRequest, obj: TaskLog | None = None) -> list[str]:
        return ["member"] if obj is not None else []  # an entry is never moved to another person

    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> TaskLog:
        values = changed_values(form, task_logs.EDITABLE | {"member"})
        if change:
            log = TaskLog.objects.select_related("member").get(pk=form.instance.pk)
            return task_logs.task_log_update(task_log=log, actor=request.user, **values)
        return task_logs.task_log_create(actor=request.user, **values)

    def service_delete(self, request: HttpRequest, obj: TaskLog) -> None:
        task_logs.task_log_delete(task_log=obj, actor=request.user)


# Raw pulse answers (PulseResponse) are deliberately not registered: docs/privacy.md.


@admin.register(BurnoutScore)
class BurnoutScoreAdmin(ReadOnlyAdmin):
    """Objective strain only: the pulse-derived fields (WRB, blended risk and band, band
    overrides) stay out of the operators' view."""

    list_display = ["member", "as_of", "status", "wsi", "wsi_band", "coverage", "computed_at"]
    list_filter = ["status", "wsi_band", "as_of", "member__team"]
    search_fields = ["member__full_name", "member__user__username"]
    date_hierarchy = "as_of"
    list_select_related = ["member"]
    readonly_fields = ("member", "as_of", "status", "reason", "wsi", "wsi_band",
                       "contributions", "coverage", "aggregates", "computed_at")  # fmt: skip
    fields = readonly_fields


@admin.register(StaffingSnapshot)
class StaffingSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["team", "as_of", "required_fte", "available_fte", "gap_fte",
                    "hidden_overtime_fte", "rotation_gap", "computed_at"]  # fmt: skip
    list_filter = ["team", "as_of"]
    search_fields = ["team__name"]
    date_hierarchy = "as_of"
    list_select_related = ["team"]


@admin.register(RecomputeJob)
class RecomputeJobAdmin(ReadOnlyAdmin):
    list_display = ["id", "as_of", "state", "total", "created_at", "finished_at"]
    list_filter = ["state"]
    search_fields = ["id"]
    readonly_fields = ["requested_by"]
