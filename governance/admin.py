from django.contrib import admin

from governance.models import AccessGrant


@admin.register(AccessGrant)
class AccessGrantAdmin(admin.ModelAdmin):
    list_display = ["member", "channel", "role", "status", "shared_credential", "granted_at",
                    "expires_at", "revoked_at"]  # fmt: skip
    list_filter = ["role", "shared_credential", "channel__platform", "channel__team"]
    search_fields = ["member__full_name", "member__user__username", "channel__handle",
                     "channel__name", "justification"]  # fmt: skip
    list_select_related = ["member", "channel"]
    autocomplete_fields = ["member", "channel", "granted_by", "approved_by", "revoked_by"]
