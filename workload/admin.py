from django.contrib import admin

from workload.models import BurnoutScore, RecomputeJob, StaffingSnapshot, TaskLog


@admin.register(TaskLog)
class TaskLogAdmin(admin.ModelAdmin):
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


# Raw pulse answers (PulseResponse) are deliberately not registered: product.md, privacy tiers.


@admin.register(BurnoutScore)
class BurnoutScoreAdmin(admin.ModelAdmin):
    """Objective strain only: the pulse-derived fields (WRB, blended risk and band, band
    overrides) stay out of the operators' view."""

    list_display = ["member", "as_of", "status", "wsi", "wsi_band", "coverage", "computed_at"]
    list_filter = ["status", "wsi_band", "as_of", "member__team"]
    search_fields = ["member__full_name", "member__user__username"]
    date_hierarchy = "as_of"
    list_select_related = ["member"]
    fields = ["member", "as_of", "status", "reason", "wsi", "wsi_band", "contributions",
              "coverage", "aggregates", "computed_at"]  # fmt: skip
    readonly_fields = fields


@admin.register(StaffingSnapshot)
class StaffingSnapshotAdmin(admin.ModelAdmin):
    list_display = ["team", "as_of", "required_fte", "available_fte", "gap_fte",
                    "hidden_overtime_fte", "rotation_gap", "computed_at"]  # fmt: skip
    list_filter = ["team", "as_of"]
    search_fields = ["team__name"]
    date_hierarchy = "as_of"
    list_select_related = ["team"]


@admin.register(RecomputeJob)
class RecomputeJobAdmin(admin.ModelAdmin):
    list_display = ["id", "as_of", "state", "total", "created_at", "finished_at"]
    list_filter = ["state"]
    search_fields = ["id"]
    readonly_fields = ["requested_by"]
