from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from governance import services
from governance.models import (
    AccessGrant,
    AccessReview,
    AccessReviewItem,
    ChecklistItem,
    Connector,
    CredentialRotation,
    Offboarding,
    OutboxMessage,
)
from socialops.common.admin import ReadOnlyAdmin, ServiceAdmin, changed_values
from socialops.common.exceptions import DomainError
from teams.models import roles_for


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyAdmin):
    list_display = ["member", "channel", "role", "status", "shared_credential", "granted_at",
                    "expires_at", "revoked_at"]  # fmt: skip
    list_filter = ["role", "shared_credential", "channel__platform", "channel__team"]
    search_fields = ["member__full_name", "member__user__username", "channel__handle",
                     "channel__name", "justification"]  # fmt: skip
    list_select_related = ["member", "channel"]
    actions = ["revoke_selected", "revoke_selected_accepting_gaps"]

    @admin.action(description=_("Revoke the selected grants now"))
    def revoke_selected(self, request, queryset, accept_gaps: bool = False):
        """The same revoke service as the API and the governance page (audited, outboxed,
        behind the coverage guard): each refusal is reported, the others go ahead."""
        actor = roles_for(request.user).member
        if actor is None:
            self.message_user(
                request, gettext("Only an admin with a member record revokes."), messages.ERROR
            )
            return
        done = 0
        for grant in queryset.unrevoked().select_related("channel", "member"):
            try:
                services.grant_revoke(grant=grant, actor=actor, reason="revoked in the admin",
                                      accept_gaps=accept_gaps)  # fmt: skip
            except DomainError as exc:
                words = {"grant": grant, "problem": exc}
                if "channels_without_actor" in exc.errors:
                    text = gettext(
                        "%(grant)s: not revoked: %(problem)s. Use “Revoke … accepting coverage "
                        "gaps” to go ahead anyway."
                    )
                else:
                    text = gettext("%(grant)s: not revoked: %(problem)s.")
                self.message_user(request, text % words, messages.ERROR)
                continue
            done += 1
        self.message_user(
            request,
            ngettext("Revoked %(n)s grant(s).", "Revoked %(n)s grant(s).", done) % {"n": done},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Revoke the selected grants now, accepting channels left without an actor")
    )
    def revoke_selected_accepting_gaps(self, request, queryset):
        self.revoke_selected(request, queryset, accept_gaps=True)

    def has_change_permission(self, request, obj=None):
        return obj is None  # the changelist (and its action) only


@admin.register(CredentialRotation)
class CredentialRotationAdmin(ReadOnlyAdmin):
    list_display = ["channel", "member", "required_since", "rotated_at", "rotated_by"]
    list_filter = ["channel__platform"]
    search_fields = ["channel__name", "channel__handle", "member__full_name"]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ["member", "channel", "layer", "created_at", "confirmed_at", "confirmed_by"]
    list_filter = ["layer"]
    search_fields = ["member__full_name", "channel__name"]


@admin.register(Offboarding)
class OffboardingAdmin(ReadOnlyAdmin):
    list_display = ["member", "ended_on", "successor", "started_by", "created_at"]
    search_fields = ["member__full_name"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "topic", "created_at", "attempts", "delivered_at", "dead_at"]
    list_filter = ["topic"]
    search_fields = ["id"]


@admin.register(Connector)
class ConnectorAdmin(ServiceAdmin):
    """Changed through governance.services.connector_save (audited, without the secret)."""

    list_display = ["platform", "kind", "url", "enabled"]
    list_filter = ["kind", "enabled"]
    search_fields = ["platform", "url"]

    def service_save(self, request: HttpRequest, form: forms.ModelForm, change: bool) -> Connector:
        connector = Connector.objects.get(pk=form.instance.pk) if change else None
        return services.connector_save(
            actor=roles_for(request.user).member, connector=connector,
            **changed_values(form, services.CONNECTOR_FIELDS),
        )  # fmt: skip


class AccessReviewItemInline(admin.TabularInline):
    model = AccessReviewItem
    extra = 0
    can_delete = False
    readonly_fields = ["grant", "reviewer", "decision", "decided_at", "decided_by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AccessReview)
class AccessReviewAdmin(ReadOnlyAdmin):
    list_display = ["name", "deadline", "auto_revoke", "created_by", "created_at"]
    search_fields = ["name"]
    inlines = [AccessReviewItemInline]
