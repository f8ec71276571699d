"""A person's own data (docs/privacy.md "Your data"): the export a member downloads, and the
erasure an admin runs for a departed member.

The export spans every app, so it lives in workload, the top app layer. Both are set-based:
a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import CharField, F, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import AccessGrant, CredentialRotation, LoginSession, Offboarding
from socialops.audit.models import AuditEvent
from socialops.audit.services import Entry, audit_append_many
from socialops.common.exceptions import Conflict, Forbidden
from teams.models import Leave, Member, OnCallShift
from teams.tokens import revoke_all_tokens
from workload.models import BurnoutScore, PulseResponse, TaskLog, Timer

EXPORT_FORMAT = 1
ERASED_TEXT = "[erased]"

_USER_FIELDS = ("id", "username", "email", "first_name", "last_name", "date_joined",
                "last_login")  # fmt: skip
_MEMBER_FIELDS = (
    "id", "full_name", "team_id", "team__name", "role_member", "role_leader", "role_admin",
    "timezone", "workday_start", "workday_end", "workdays", "weekly_hours",
    "leave_entitlement_days", "status", "started_on", "ended_on", "share_pulse_with_leader",
    "language",
)  # fmt: skip
# Where the secret lives is the organisation's, not the person's: never exported.
_GRANT_FIELDS = (
    "id", "channel_id", "channel__platform", "channel__handle", "role", "shared_credential",
    "justification", "granted_at", "granted_by_id", "expires_at", "approved_at",
    "approved_by_id", "revoked_at", "revoked_by_id", "revoke_reason",
)  # fmt: skip
_AUDIT_FIELDS = ("id", "at", "actor_id", "action", "target_type", "target_id", "data")


def _ids_as_text(queryset) -> Any:
    """The primary keys of a queryset as text, as the audit log stores target ids."""
    return queryset.annotate(pk_text=Cast("pk", CharField())).values("pk_text")


def erased_name(member_id: int) -> str:
    return f"Erased member #{member_id}"


def erased_username(member_id: int) -> str:
    return f"erased-{member_id}"


def is_erased(member: Member) -> bool:
    return member.full_name == erased_name(member.pk)


def personal_data_export(member: Member) -> dict[str, Any]:
    """Everything stored about `member` and their user, and every audit event by them or
    about them, their logs or their grants (eleven queries)."""
    user = member.user
    logs = TaskLog.objects.filter(member=member)
    grants = AccessGrant.objects.filter(member=member)
    about_me = (
        Q(actor_id=user.pk)
        | Q(target_type="member", target_id=str(member.pk))
        | Q(target_type="user", target_id__in=[str(user.pk), user.get_username()])
        | Q(target_type="task_log", target_id__in=_ids_as_text(logs))
        | Q(target_type="grant", target_id__in=_ids_as_text(grants))
    )
    timer = Timer.objects.filter(member=member).values().first()
    return {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "user": type(user).objects.filter(pk=user.pk).values(*_USER_FIELDS).first(),
        "member": Member.objects.filter(pk=member.pk).values(*_MEMBER_FIELDS).first(),
        "task_logs": list(logs.order_by("date", "started_at", "pk").values()),
        "leave": list(Leave.objects.filter(member=member).order_by("start_date", "pk").values()),
        "on_call_shifts": list(
            OnCallShift.objects.filter(member=member).order_by("starts_at", "pk").values()
        ),
        "pulse_responses": list(
            PulseResponse.objects.filter(member=member).order_by("week").values()
        ),
        "burnout_scores": list(
            BurnoutScore.objects.filter(member=member).order_by("as_of").values()
        ),
        "timer": timer,
        "grants": list(grants.order_by("granted_at", "pk").values(*_GRANT_FIELDS)),
        "offboarding": Offboarding.objects.filter(member=member).values().first(),
        "audit_events": list(
            AuditEvent.objects.filter(about_me).order_by("pk").values(*_AUDIT_FIELDS)
        ),
    }


@transaction.atomic
def member_erase(*, member: Member, actor: Member) -> dict[str, Any]:
    """Pseudonymise a departed member (docs/privacy.md "Erasure"): their name, account and
    the free text they wrote go; pulse answers are deleted; work data stays, under the
    pseudonym, so team history and the audit chain hold. Audit events are never changed:
    their labels are read from the members table, which now says "Erased member #<id>".
    Admin only (403); only a departed member (409); an erased member again: 200, nothing
    changes and nothing is recorded."""
    if not actor.role_admin:
        raise Forbidden(_("Only an admin can do this."))
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    if is_erased(member):
        return {"member": member.pk, "already_erased": True}
    if member.status != Member.Status.DEPARTED:
        raise Conflict({"status": _("Only a departed member can be erased: offboard them first.")})
    user = member.user
    pseudonym = erased_name(member.pk)
    counts = {
        "task_log_notes": TaskLog.objects.filter(member=member).exclude(note="").update(note=""),
        "pulse_responses": PulseResponse.objects.filter(member=member)._raw_delete(
            PulseResponse.objects.db
        ),
        # Pulse-derived figures are health data too: each score becomes the objective one.
        "scores_pulse_cleared": BurnoutScore.objects.filter(member=member)
        .filter(Q(wrb__isnull=False) | Q(mode=BurnoutScore.Mode.BLENDED))
        .update(
            wrb=None,
            risk=F("wsi"),
            band=F("wsi_band"),
            band_overrides=[],
            mode=BurnoutScore.Mode.OBJECTIVE_ONLY,
        ),
        # A sick day is health data: the absence stays (staffing history), its kind goes.
        "sick_leave_recoded": Leave.objects.filter(member=member, kind=Leave.Kind.SICK).update(
            kind=Leave.Kind.OTHER
        ),
        "timers": Timer.objects.filter(member=member)._raw_delete(Timer.objects.db),
        "offboarding_reasons": Offboarding.objects.filter(member=member).update(reason=ERASED_TEXT),
        "grant_reasons": AccessGrant.objects.filter(
            member=member, revoke_reason__startswith="offboarding: "
        ).update(revoke_reason=f"offboarding: {ERASED_TEXT}"),
        "rotation_reasons": CredentialRotation.objects.filter(member=member).update(
            reason=f"{pseudonym} left: {ERASED_TEXT}"
        ),
    }
    member.full_name = pseudonym
    member.share_pulse_with_leader = False
    member.language = ""
    member.save(update_fields=["full_name", "share_pulse_with_leader", "language"])
    user.username = erased_username(member.pk)
    user.email = user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save(
        update_fields=["username", "email", "first_name", "last_name", "is_active", "password"]
    )
    revoke_all_tokens(user)
    keys = LoginSession.objects.filter(user=user).values_list("session_key", flat=True)
    Session.objects.filter(session_key__in=keys).delete()
    LoginSession.objects.filter(user=user).delete()
    audit_append_many(
        actor=actor.user,
        entries=[Entry("member.erased", "member", member.pk, counts)],
    )
    return {"member": member.pk, "already_erased": False, **counts}
