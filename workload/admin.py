from django.contrib import admin

from workload.models import TaskLog


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
