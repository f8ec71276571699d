"""Writes of governance data: grants, revocation, offboarding, rotations, checklists.

Every write is one transaction holding the change, its audit events and its outbox rows.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from governance.coverage import CoverageCheck, coverage_check, coverage_guard
from governance.models import (
    SYSTEM_EXPIRED,
    AccessGrant,
    ChecklistItem,
    Connector,
    CredentialRotation,
    LoginSession,
    Offboarding,
)
from governance.outbox import outbox_add_many
from governance.selectors import offboardings_with_progress
from socialops.audit.services import Entry, audit_append, audit_append_many
from socialops.common.exceptions import Conflict, DomainError, Forbidden
from teams.models import Channel, Member
from teams.tokens import revoke_all_tokens

REVOKE_REASON_MAX = AccessGrant._meta.get_field("revoke_reason").max_length or 520


def _user(member: Member | None):
    return member.user if member is not None else None


def _require_admin(actor: Member) -> None:
    if actor is None or not actor.role_admin or actor.status == Member.Status.DEPARTED:
        raise Forbidden(_("Only an admin can do this."))


def _grant_data(grant: AccessGrant) -> dict:
    return {
        "member": grant.member_id, "channel": grant.channel_id, "role": grant.role,
        "shared_credential": grant.shared_credential,
        "expires_at": grant.expires_at.isoformat() if grant.expires_at else None,
    }  # fmt: skip


def _revocation_message(grant: AccessGrant, reason: str) -> dict:
    return {
        "grant": grant.pk, "member": grant.member_id, "channel": grant.channel_id,
        "platform": grant.channel.platform, "handle": grant.channel.handle, "role": grant.role,
        "shared_credential": grant.shared_credential, "reason": reason,
    }  # fmt: skip


@transaction.atomic
def grant_create(
    *,
    actor: Member,
    member: Member,
    channel: Channel,
    role: str,
    justification: str,
    expires_at: dt.datetime | None = None,
    shared_credential: bool = False,
    vault_reference: str = "",
) -> AccessGrant:
    """Grant a member a role on a channel. Owner and admin grants wait for a second admin."""
    _require_admin(actor)
    now = timezone.now()
    errors: dict[str, str] = {}
    if member.pk == actor.pk:
        errors["member"] = _("Nobody grants access to themselves.")
    elif member.status == Member.Status.DEPARTED or not member.employed_on(timezone.localdate()):
        errors["member"] = _("This member has left; grant access to an employed member.")
    if role not in AccessGrant.Role.values:
        errors["role"] = _("Choose one of %(choices)s.") % {
            "choices": ", ".join(AccessGrant.Role.values)
        }
    if not (justification or "").strip():
        errors["justification"] = _("Say why this access is needed.")
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = _("The expiry must be in the future.")
    if errors:
        raise DomainError(errors)
    # An open grant that has run out is closed by the system first, so expiry never blocks
    # a re-grant (docs/governance.md).
    expired = list(
        AccessGrant.objects.select_for_update()
        .unrevoked()
        .filter(member=member, channel=channel, expires_at__lte=now)
    )
    if expired:
        _close(expired, actor=None, reason=SYSTEM_EXPIRED, at=now)
    needs_approval = role in AccessGrant.APPROVAL_ROLES
    grant = AccessGrant(
        member=member, channel=channel, role=role, justification=justification.strip(),
        expires_at=expires_at, shared_credential=shared_credential,
        vault_reference=vault_reference, granted_by=actor, granted_at=now,
        approved_at=None if needs_approval else now,
    )  # fmt: skip
    try:
        with transaction.atomic():
            grant.save()
    except IntegrityError as exc:
        raise Conflict(
            {"member": _("This member already has an open grant on this channel; revoke it first.")}
        ) from exc
    audit_append(
        actor=_user(actor), action="grant.created", target_type="grant", target_id=grant.pk,
        data=_grant_data(grant) | {"status": grant.status},
    )  # fmt: skip
    return grant


@transaction.atomic
def grant_approve(*, grant: AccessGrant, actor: Member) -> AccessGrant:
    _require_admin(actor)
    if actor.pk in (grant.granted_by_id, grant.member_id):
        raise Forbidden(_("A second admin approves: not the requester, not the grantee."))
    updated = (
        AccessGrant.objects.with_status("pending")
        .filter(pk=grant.pk)
        .update(approved_at=timezone.now(), approved_by=actor)
    )
    grant.refresh_from_db()
    if not updated:
        raise Conflict(
            _("Only a pending grant can be approved; this one is %(status)s.")
            % {"status": grant.status}
        )
    audit_append(
        actor=_user(actor), action="grant.approved", target_type="grant", target_id=grant.pk,
        data=_grant_data(grant),
    )  # fmt: skip
    return grant


REVOKE_LAYERS = (ChecklistItem.Layer.TOOL_ROLE, ChecklistItem.Layer.NATIVE_ROLE)


def _close(
    grants: list[AccessGrant],
    *,
    actor: Member | None,
    reason: str,
    at,
    checklist: bool = True,
    coverage: dict | None = None,
    by_system: bool = False,
) -> int:
    """Revoke open grants in bulk (one update, one audit append, one outbox insert, one
    checklist insert). Callers pass rows they locked; any already revoked is left out of the
    proof and the outbox. Each revocation gets its manual follow-ups (docs/governance.md):
    the tool role and the native platform role, and the shared password or 2FA device when
    the grant involved a shared credential; an offboarding writes its own checklist instead
    (`checklist=False`). `coverage` is what the audit events record about coverage;
    `by_system`: the system carries out `actor`'s decision (the audit names the system)."""
    grants = [g for g in grants if g.revoked_at is None]
    if not grants:
        return 0
    ids = [g.pk for g in grants]
    updated = (
        AccessGrant.objects.unrevoked()
        .filter(pk__in=ids)
        .update(revoked_at=at, revoked_by=actor, revoke_reason=reason[:REVOKE_REASON_MAX])
    )
    if checklist:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(grant=g, channel_id=g.channel_id, member_id=g.member_id, layer=layer,
                          created_at=at, made_by=actor)
            for g in grants
            for layer in (*REVOKE_LAYERS,
                          *((ChecklistItem.Layer.SHARED_CREDENTIAL,) if g.shared_credential
                            else ()))
        )  # fmt: skip
    action = "grant.expired" if reason == SYSTEM_EXPIRED else "grant.revoked"
    extra = coverage or {}
    audit_append_many(
        actor=None if by_system else _user(actor),
        entries=[
            Entry(action, "grant", g.pk, _grant_data(g) | {"reason": reason} | extra)
            for g in grants
        ],
    )
    outbox_add_many(
        topic="grant.revoked", payloads=[_revocation_message(g, reason) for g in grants]
    )
    return updated


@transaction.atomic
def grant_revoke(
    *, grant: AccessGrant, actor: Member, reason: str, accept_gaps: bool = False
) -> AccessGrant:
    """Revoke one grant now. Revoking a revoked grant changes nothing. Leaving its channel
    without anyone able to act is refused (409) unless `accept_gaps` (the coverage guard)."""
    _require_admin(actor)
    if not (reason or "").strip():
        raise DomainError({"reason": _("Say why the access is revoked.")})
    locked = AccessGrant.objects.select_for_update().select_related("channel").get(pk=grant.pk)
    if locked.revoked_at is None:
        revoke_guarded([locked], actor=actor, reason=reason.strip(), accept_gaps=accept_gaps)
        locked.refresh_from_db()
    return locked


def revoke_layers(grant: AccessGrant) -> list[str]:
    """The follow-ups a revoke of `grant` creates, in words."""
    layers = [*REVOKE_LAYERS]
    if grant.shared_credential:
        layers.append(ChecklistItem.Layer.SHARED_CREDENTIAL)
    return [str(ChecklistItem.Layer(layer).label) for layer in layers]


def revoke_guarded(
    grants: list[AccessGrant], *, actor: Member, reason: str, accept_gaps: bool
) -> CoverageCheck:
    """A person's revocation of locked grants, behind the coverage guard (also used by an
    access review's revoke decision). The accepted gaps and warnings go into the audit."""
    check = coverage_check(grants=grants)
    coverage_guard(check, accept_gaps=accept_gaps)
    _close(grants, actor=actor, reason=reason, at=timezone.now(),
           coverage=check.audit_data(accepted=True))  # fmt: skip
    return check


@transaction.atomic
def grants_expire(*, now: dt.datetime | None = None) -> int:
    """The hourly job: close grants whose expiry has passed (the system actor), recording
    each in the audit log and dispatching the platform revocation. Idempotent."""
    now = now or timezone.now()
    grants = list(
        AccessGrant.objects.select_for_update(skip_locked=True)
        .select_related("channel")
        .unrevoked()
        .filter(expires_at__lte=now)
    )
    return _close(grants, actor=None, reason=SYSTEM_EXPIRED, at=now) if grants else 0


LAYERS_ALWAYS = (
    ChecklistItem.Layer.TOOL_ROLE,
    ChecklistItem.Layer.NATIVE_ROLE,
    ChecklistItem.Layer.RECOVERY_CONTACT,
)


def _nothing_to_do() -> dict:
    return {"state": Offboarding.State.DONE, "revoked_grants": 0, "rotations_created": 0,
            "channels_reassigned": 0}  # fmt: skip


# Far enough for any real schedule, and clear of the calendar's end.
LAST_DAY_LIMIT = dt.date(2100, 12, 31)


def end_instant(member: Member, last_day: dt.date) -> dt.datetime:
    """The end of `last_day` in the member's time zone, as an instant."""
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=member.tz)


def successor_problem(successor: Member, *, leaver: Member, ended_on: dt.date) -> str | None:
    """Why `successor` cannot take over from `leaver` (None: they can). They must be employed
    on the day after the last day (started by then, no end date or a later one than the
    leaver's, a scheduled departure included), at work (status active) and not the leaver;
    another team is allowed (docs/governance.md "Successor")."""
    day_after = ended_on + dt.timedelta(days=1)
    if successor.pk == leaver.pk:
        return _("The successor cannot be the leaver.")
    if successor.status == Member.Status.DEPARTED:
        return _("%(successor)s has left: choose someone still employed.") % {
            "successor": successor
        }
    if successor.status == Member.Status.ON_LEAVE:
        return _("%(successor)s is on long absence: choose someone at work.") % {
            "successor": successor
        }
    if successor.started_on > day_after:
        return _("%(successor)s starts on %(day)s, after %(leaver)s leaves.") % {
            "successor": successor, "day": date_format(successor.started_on, "d M Y"),
            "leaver": leaver,
        }  # fmt: skip
    ends = [successor.ended_on] if successor.ended_on else []
    scheduled = Offboarding.objects.filter(
        member=successor, state=Offboarding.State.SCHEDULED
    ).values_list("ended_on", flat=True)
    ends.extend(scheduled)
    if ends and min(ends) <= ended_on:
        return _(
            "%(successor)s leaves on %(day)s, not after %(leaver)s's last day (%(last_day)s)."
        ) % {
            "successor": successor, "day": date_format(min(ends), "d M Y"), "leaver": leaver,
            "last_day": date_format(ended_on, "d M Y"),
        }  # fmt: skip
    return None


@transaction.atomic
def member_offboard(
    *,
    member: Member,
    actor: Member,
    ended_on: dt.date,
    reason: str,
    successor: Member | None = None,
    accept_gaps: bool = False,
) -> dict:
    """Offboard a leaver whose last day is `ended_on` (docs/governance.md "Scheduled").

    Today or earlier in the leaver's time zone: everything they held, now, in one transaction
    (`state` "done"). Later: scheduled for the end of that day (`state` "scheduled",
    `scheduled_for`); the member keeps working and `offboardings_run_due` runs it then. A new
    call replaces a schedule; after the offboarding ran, a call changes nothing. Leaving a
    channel without anyone able to act is refused unless `accept_gaps` (409)."""
    _require_admin(actor)
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    offboarding = Offboarding.objects.select_for_update().filter(member=member).first()
    if offboarding is not None and offboarding.state == Offboarding.State.DONE:
        return _nothing_to_do()
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if member.pk == actor.pk:
        errors["member"] = _("Another admin offboards you.")
    elif member.status == Member.Status.DEPARTED:
        errors["member"] = _("%(member)s has already left.") % {"member": member}
    if not reason:
        errors["reason"] = _("Say why the member leaves.")
    elif len(reason) > 500:
        errors["reason"] = _("Keep the reason to 500 characters.")
    if ended_on < member.started_on:
        errors["ended_on"] = _("The last day is before %(member)s started (%(day)s).") % {
            "member": member, "day": date_format(member.started_on, "d M Y"),
        }  # fmt: skip
    elif ended_on > LAST_DAY_LIMIT:
        errors["ended_on"] = _("The last day must be on or before %(day)s.") % {
            "day": date_format(LAST_DAY_LIMIT, "d M Y")
        }
    owns = Channel.objects.filter(owner=member).exists()
    if successor is not None:
        problem = successor_problem(successor, leaver=member, ended_on=ended_on)
        if problem:
            errors["successor"] = problem
    elif owns:
        owned = Channel.objects.filter(owner=member).count()
        errors["successor"] = ngettext(
            "%(member)s owns %(n)s channel(s): name a successor to hand them to.",
            "%(member)s owns %(n)s channel(s): name a successor to hand them to.",
            owned,
        ) % {"member": member, "n": owned}
    if errors:
        raise DomainError(errors)

    grants = list(
        AccessGrant.objects.select_for_update()
        .select_related("channel")
        .unrevoked()
        .filter(member=member)
    )
    now = timezone.now()
    scheduled = ended_on > member.today(now)
    check = coverage_check(
        grants=grants, day=ended_on + dt.timedelta(days=1) if scheduled else None
    )
    coverage_guard(check, accept_gaps=accept_gaps)
    fields = {
        "ended_on": ended_on, "reason": reason, "successor": successor, "started_by": actor,
        "accept_gaps": accept_gaps, "accepted_gaps": check.gap_refs,
        "cancelled_at": None, "cancelled_by": None,
    }  # fmt: skip
    if offboarding is None:
        offboarding = Offboarding(member=member, created_at=now, **fields)
        previous = None
    else:
        previous = offboarding.state, offboarding.ended_on
        for name, value in fields.items():
            setattr(offboarding, name, value)
    if scheduled:
        offboarding.state = Offboarding.State.SCHEDULED
        offboarding.scheduled_for = end_instant(member, ended_on)
        offboarding.save()
        action = (
            "member.offboarding_rescheduled"
            if previous and previous[0] == Offboarding.State.SCHEDULED
            else "member.offboarding_scheduled"
        )
        audit_append(
            actor=_user(actor), action=action, target_type="member", target_id=member.pk,
            data={"offboarding": offboarding.pk, "ended_on": ended_on.isoformat(),
                  "scheduled_for": offboarding.scheduled_for.isoformat(), "reason": reason,
                  "successor": successor.pk if successor else None,
                  "previous_ended_on": previous[1].isoformat() if previous else None,
                  **check.audit_data(accepted=True)},
        )  # fmt: skip
        return {"state": Offboarding.State.SCHEDULED, "scheduled_for": offboarding.scheduled_for}
    offboarding.scheduled_for = None
    return _offboard_now(offboarding, member=member, grants=grants, actor=actor, check=check,
                         now=now)  # fmt: skip


def _offboard_now(
    offboarding: Offboarding,
    *,
    member: Member,
    grants: list[AccessGrant],
    actor: Member | None,
    check: CoverageCheck,
    now: dt.datetime,
) -> dict:
    """Run an offboarding: every grant closed, rotations, checklist, channels handed over,
    the account switched off, audit and outbox, in the caller's transaction. `actor` is the
    admin (an offboarding now) or None (the system, when a scheduled one comes due)."""
    requester = offboarding.started_by
    reason = offboarding.reason
    successor = offboarding.successor
    handover_problem = (
        successor_problem(successor, leaver=member, ended_on=offboarding.ended_on)
        if successor is not None
        else None
    )
    if handover_problem:  # only when a scheduled successor became unable meanwhile
        successor = None
    offboarding.state = Offboarding.State.DONE
    offboarding.ran_at = now
    offboarding.resulting_gaps = check.gap_refs
    offboarding.save()
    coverage = check.audit_data(accepted=actor is not None)
    # The grants are closed in the requester's name (their decision); the audit event says
    # whether the system carried it out when a scheduled one came due.
    revoked = _close(grants, actor=actor or requester, reason=f"offboarding: {reason}", at=now,
                     checklist=False, coverage=coverage, by_system=actor is None)  # fmt: skip

    # Rotation for every shared credential the leaver knew (one open rotation per channel).
    shared = {g.channel_id: g.channel for g in grants if g.shared_credential}
    already = set(
        CredentialRotation.objects.filter(
            channel_id__in=list(shared), rotated_at__isnull=True
        ).values_list("channel_id", flat=True)
    )
    rotations = CredentialRotation.objects.bulk_create(
        CredentialRotation(channel=c, member=member, reason=f"{member} left: {reason}"[:600],
                           required_since=now, opened_by=requester)
        for cid, c in shared.items() if cid not in already
    )  # fmt: skip

    # The checklist: every layer of access per channel the leaver could act on.
    items = [
        ChecklistItem(offboarding=offboarding, grant=g, channel_id=g.channel_id, member=member,
                      layer=layer, created_at=now, made_by=requester)
        for g in grants
        for layer in (*LAYERS_ALWAYS,
                      *((ChecklistItem.Layer.SHARED_CREDENTIAL,) if g.shared_credential else ()))
    ]  # fmt: skip
    ChecklistItem.objects.bulk_create(items)

    owned = list(Channel.objects.filter(owner=member).order_by("pk"))
    reassigned = (
        Channel.objects.filter(pk__in=[c.pk for c in owned]).update(owner=successor) if owned else 0
    )

    member.status = Member.Status.DEPARTED
    member.ended_on = offboarding.ended_on
    member.save(update_fields=["status", "ended_on"])
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])
    revoke_all_tokens(member.user)
    _delete_sessions(member.user.pk)

    audit_append_many(
        actor=_user(actor),
        entries=[
            Entry("member.offboarded", "member", member.pk, {
                "offboarding": offboarding.pk, "ended_on": offboarding.ended_on.isoformat(),
                "reason": reason, "successor": successor.pk if successor else None,
                "requested_by": requester.pk if requester else None,
                "scheduled": actor is None, "revoked_grants": revoked,
                "rotations_created": len(rotations), "channels_reassigned": reassigned,
                "checklist_items": len(items),
                **({"successor_refused": handover_problem} if handover_problem else {}),
                **coverage,
            }),
            *[Entry("channel.owner_changed", "channel", c.pk,
                    {"from": member.pk, "to": successor.pk if successor else None})
              for c in owned],
            *[Entry("rotation.required", "channel", r.channel_id,
                    {"member": member.pk, "rotation": r.pk})
              for r in rotations],
        ],
    )  # fmt: skip
    outbox_add_many(
        topic="member.offboarded",
        payloads=[{"member": member.pk, "ended_on": offboarding.ended_on.isoformat()}],
    )
    return {
        "state": Offboarding.State.DONE,
        "revoked_grants": revoked,
        "rotations_created": len(rotations),
        "channels_reassigned": reassigned,
    }


@transaction.atomic
def offboarding_cancel(*, member: Member, actor: Member) -> Offboarding:
    """Cancel a scheduled offboarding (it can be scheduled again). One that already ran, or
    none scheduled, is a conflict (409)."""
    _require_admin(actor)
    offboarding = Offboarding.objects.select_for_update().filter(member=member).first()
    if offboarding is None or offboarding.state == Offboarding.State.CANCELLED:
        raise Conflict(_("No offboarding of %(member)s is scheduled.") % {"member": member})
    if offboarding.state == Offboarding.State.DONE:
        raise Conflict(
            _("%(member)s's offboarding already ran; it cannot be cancelled.") % {"member": member}
        )
    offboarding.state = Offboarding.State.CANCELLED
    offboarding.cancelled_at = timezone.now()
    offboarding.cancelled_by = actor
    offboarding.save(update_fields=["state", "cancelled_at", "cancelled_by"])
    audit_append(
        actor=_user(actor), action="member.offboarding_cancelled", target_type="member",
        target_id=member.pk,
        data={"offboarding": offboarding.pk, "ended_on": offboarding.ended_on.isoformat()},
    )  # fmt: skip
    return offboarding


def offboardings_run_due(*, now: dt.datetime | None = None) -> int:
    """The job (every 15 minutes): run each scheduled offboarding whose instant has passed,
    as the system: never blocked by the coverage guard, the gaps it leaves recorded. Each in
    its own transaction, rows another run holds skipped: a job that runs twice, or two at
    once, offboards each leaver once."""
    now = now or timezone.now()
    due = list(
        Offboarding.objects.filter(
            state=Offboarding.State.SCHEDULED, scheduled_for__lte=now
        ).values_list("pk", flat=True)
    )
    ran = 0
    for pk in due:
        with transaction.atomic():
            offboarding = (
                Offboarding.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("successor", "started_by")
                .filter(pk=pk, state=Offboarding.State.SCHEDULED, scheduled_for__lte=now)
                .first()
            )
            if offboarding is None:
                continue
            member = (
                Member.objects.select_for_update().select_related("user")
                .get(pk=offboarding.member_id)
            )  # fmt: skip
            grants = list(
                AccessGrant.objects.select_for_update()
                .select_related("channel")
                .unrevoked()
                .filter(member=member)
            )
            _offboard_now(offboarding, member=member, grants=grants, actor=None,
                          check=coverage_check(grants=grants), now=now)  # fmt: skip
            ran += 1
    return ran


def _delete_sessions(user_id: int) -> None:
    """Sign the user out everywhere: the sessions recorded at each login (two queries)."""
    keys = LoginSession.objects.filter(user_id=user_id).values_list("session_key", flat=True)
    Session.objects.filter(session_key__in=list(keys)).delete()
    LoginSession.objects.filter(user_id=user_id).delete()


@transaction.atomic
def checklist_confirm(*, item: ChecklistItem, actor: Member) -> ChecklistItem:
    _require_admin(actor)
    if actor.pk == item.member_id:
        raise Conflict(_("This follow-up is about your own access: another admin confirms it."))
    if actor.pk == item.made_by_id:
        raise Conflict(_("You made this change: a second admin confirms its follow-up."))
    updated = ChecklistItem.objects.filter(pk=item.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now(), confirmed_by=actor
    )
    item.refresh_from_db()
    if updated:
        audit_append(
            actor=_user(actor), action="checklist.confirmed", target_type="checklist_item",
            target_id=item.pk,
            data={"channel": item.channel_id, "member": item.member_id, "layer": item.layer},
        )  # fmt: skip
    return item


@transaction.atomic
def rotation_confirm(*, rotation: CredentialRotation, actor: Member) -> CredentialRotation:
    _require_admin(actor)
    if actor.pk == rotation.member_id:
        raise Conflict(_("You knew this credential: another admin confirms its rotation."))
    if actor.pk == rotation.opened_by_id:
        raise Conflict(_("You made this change: a second admin confirms its follow-up."))
    updated = CredentialRotation.objects.filter(pk=rotation.pk, rotated_at__isnull=True).update(
        rotated_at=timezone.now(), rotated_by=actor
    )
    rotation.refresh_from_db()
    if updated:
        audit_append(
            actor=_user(actor), action="rotation.confirmed", target_type="channel",
            target_id=rotation.channel_id, data={"rotation": rotation.pk},
        )  # fmt: skip
    return rotation


def offboarding_complete(offboarding: Offboarding) -> bool:
    """Done, and every checklist item and rotation it needs confirmed (one query)."""
    return bool(
        offboardings_with_progress(Offboarding.objects.filter(pk=offboarding.pk))
        .filter(Q(is_complete=True))
        .exists()
    )


CONNECTOR_FIELDS = {"platform", "kind", "url", "secret", "enabled"}


@transaction.atomic
def connector_save(*, actor: Member | None, connector: Connector | None = None,
                   **fields: object) -> Connector:  # fmt: skip
    """Create or change how revocations reach a platform; audited, never with the secret."""
    unknown = set(fields) - CONNECTOR_FIELDS
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), _("This field cannot be set here.")))
    connector = connector or Connector()
    for name, value in fields.items():
        setattr(connector, name, value)
    if connector.kind == Connector.Kind.WEBHOOK and not (connector.url and connector.secret):
        raise DomainError({"url": _("A webhook connector needs a URL and a signing secret.")})
    created = connector.pk is None
    try:
        with transaction.atomic():
            connector.save()
    except IntegrityError as exc:
        raise Conflict({"platform": _("This platform already has a connector.")}) from exc
    audit_append(
        actor=_user(actor), action="connector.created" if created else "connector.changed",
        target_type="connector", target_id=connector.pk,
        data={"platform": connector.platform, "kind": connector.kind, "url": connector.url,
              "enabled": connector.enabled,
              "secret_changed": "secret" in fields and not created},
    )  # fmt: skip
    return connector
