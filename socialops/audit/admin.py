from django.contrib import admin

from socialops.audit.models import AuditEvent, AuditVerification
from socialops.common.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: rows are appended by the services, never edited (triggers refuse it too)."""

    list_display = ["at", "actor_display", "action", "target_type", "target_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "target_id", "actor_display"]
    date_hierarchy = "at"


@admin.register(AuditVerification)
class AuditVerificationAdmin(ReadOnlyAdmin):
    """Read-only: each row is one run of the chain check, written by its service."""

    list_display = ["ran_at", "ok", "rows", "first_broken_row", "source"]
    list_filter = ["ok", "source"]
    date_hierarchy = "ran_at"
