"""Writes of governance data: grants, revocation, offboarding, rotations, checklists.

Every write is one transaction holding the change, its audit events and its outbox rows.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

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
from socialops.audit.services import Entry, audit_append, audit_append_many
from socialops.common.exceptions import Conflict, DomainError, Forbidden
from teams.models import Channel, Member


def _user(member: Member | None):
    return member.user if member is not None else None


def _require_admin(actor: Member) -> None:
    if actor is None or not actor.role_admin or actor.status == Member.Status.DEPARTED:
        raise Forbidden("Only an admin can do this.")


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
        errors["member"] = "Nobody grants access to themselves."
    elif member.status == Member.Status.DEPARTED or not member.employed_on(timezone.localdate()):
        errors["member"] = "This member has left; grant access to an employed member."
    if role not in AccessGrant.Role.values:
        errors["role"] = f"Choose one of {', '.join(AccessGrant.Role.values)}."
    if not (justification or "").strip():
        errors["justification"] = "Say why this access is needed."
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = "The expiry must be in the future."
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
            {"member": "This member already has an open grant on this channel; revoke it first."}
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
        raise Forbidden("A second admin approves: not the requester, not the grantee.")
    updated = (
        AccessGrant.objects.with_status("pending")
        .filter(pk=grant.pk)
        .update(approved_at=timezone.now(), approved_by=actor)
    )
    grant.refresh_from_db()
    if not updated:
        raise Conflict(f"Only a pending grant can be approved; this one is {grant.status}.")
    audit_append(
        actor=_user(actor), action="grant.approved", target_type="grant", target_id=grant.pk,
        data=_grant_data(grant),
    )  # fmt: skip
    return grant


def _close(grants: list[AccessGrant], *, actor: Member | None, reason: str, at) -> int:
    """Revoke open grants in bulk (one update, one audit append, one outbox insert). Callers
    pass rows they locked; any already revoked is left out of the proof and the outbox."""
    grants = [g for g in grants if g.revoked_at is None]
    if not grants:
        return 0
    ids = [g.pk for g in grants]
    updated = (
        AccessGrant.objects.unrevoked()
        .filter(pk__in=ids)
        .update(revoked_at=at, revoked_by=actor, revoke_reason=reason)
    )
    action = "grant.expired" if reason == SYSTEM_EXPIRED else "grant.revoked"
    audit_append_many(
        actor=_user(actor),
        entries=[Entry(action, "grant", g.pk, _grant_data(g) | {"reason": reason}) for g in grants],
    )
    outbox_add_many(
        topic="grant.revoked", payloads=[_revocation_message(g, reason) for g in grants]
    )
    return updated


@transaction.atomic
def grant_revoke(*, grant: AccessGrant, actor: Member, reason: str) -> AccessGrant:
    """Revoke one grant now. Revoking a revoked grant changes nothing."""
    _require_admin(actor)
    if not (reason or "").strip():
        raise DomainError({"reason": "Say why the access is revoked."})
    locked = AccessGrant.objects.select_for_update().select_related("channel").get(pk=grant.pk)
    if locked.revoked_at is None:
        _close([locked], actor=actor, reason=reason.strip(), at=timezone.now())
        locked.refresh_from_db()
    return locked


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


@transaction.atomic
def member_offboard(
    *,
    member: Member,
    actor: Member,
    ended_on: dt.date,
    reason: str,
    successor: Member | None = None,
) -> dict:
    """Everything a leaver held, in one transaction. Repeating it changes nothing."""
    _require_admin(actor)
    member = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
    if Offboarding.objects.filter(member=member).exists():
        return {"revoked_grants": 0, "rotations_created": 0, "channels_reassigned": 0}
    errors: dict[str, str] = {}
    if member.pk == actor.pk:
        errors["member"] = "Another admin offboards you."
    if not (reason or "").strip():
        errors["reason"] = "Say why the member leaves."
    if ended_on < member.started_on:
        errors["ended_on"] = "The end date is before the member started."
    owned = list(Channel.objects.filter(owner=member))
    if successor is not None:
        if successor.pk == member.pk:
            errors["successor"] = "The successor cannot be the leaver."
        elif successor.status == Member.Status.DEPARTED or not successor.employed_on(
            timezone.localdate()
        ):
            errors["successor"] = "The successor must be employed."
    elif owned:
        errors["successor"] = (
            f"{member} owns {len(owned)} channel(s): name a successor to hand them to."
        )
    if errors:
        raise DomainError(errors)
    now = timezone.now()
    grants = list(
        AccessGrant.objects.select_for_update()
        .select_related("channel")
        .unrevoked()
        .filter(member=member)
    )
    offboarding = Offboarding.objects.create(
        member=member, ended_on=ended_on, reason=reason.strip(), successor=successor,
        started_by=actor, created_at=now,
    )  # fmt: skip
    revoked = _close(grants, actor=actor, reason=f"offboarding: {reason.strip()}", at=now)

    # Rotation for every shared credential the leaver knew (one open rotation per channel).
    shared = {g.channel_id: g.channel for g in grants if g.shared_credential}
    already = set(
        CredentialRotation.objects.filter(
            channel_id__in=list(shared), rotated_at__isnull=True
        ).values_list("channel_id", flat=True)
    )
    rotations = CredentialRotation.objects.bulk_create(
        CredentialRotation(channel=c, member=member, reason=f"{member} left: {reason.strip()}",
                           required_since=now)
        for cid, c in shared.items() if cid not in already
    )  # fmt: skip

    # The checklist: every layer of access per channel the leaver could act on.
    channels = {g.channel_id: g for g in grants}
    items = [
        ChecklistItem(offboarding=offboarding, grant=g, channel_id=cid, member=member, layer=layer,
                      created_at=now)
        for cid, g in channels.items()
        for layer in (*LAYERS_ALWAYS,
                      *((ChecklistItem.Layer.SHARED_CREDENTIAL,) if g.shared_credential else ()))
    ]  # fmt: skip
    ChecklistItem.objects.bulk_create(items)

    reassigned = Channel.objects.filter(owner=member).update(owner=successor) if owned else 0

    member.status = Member.Status.DEPARTED
    member.ended_on = ended_on
    member.save(update_fields=["status", "ended_on"])
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])
    Token.objects.filter(user=member.user).delete()
    _delete_sessions(member.user.pk)

    audit_append_many(
        actor=_user(actor),
        entries=[
            Entry("member.offboarded", "member", member.pk, {
                "ended_on": ended_on.isoformat(), "reason": reason.strip(),
                "successor": successor.pk if successor else None, "revoked_grants": revoked,
                "rotations_created": len(rotations), "channels_reassigned": reassigned,
                "checklist_items": len(items),
            }),
            # Owned channels left the checks above only with a successor named.
            *[Entry("channel.owner_changed", "channel", c.pk,
                    {"from": member.pk, "to": successor.pk})
              for c in owned if successor is not None],
            *[Entry("rotation.required", "channel", r.channel_id, {"member": member.pk})
              for r in rotations],
        ],
    )  # fmt: skip
    outbox_add_many(
        topic="member.offboarded",
        payloads=[{"member": member.pk, "ended_on": ended_on.isoformat()}],
    )
    return {
        "revoked_grants": revoked,
        "rotations_created": len(rotations),
        "channels_reassigned": reassigned,
    }


def _delete_sessions(user_id: int) -> None:
    """Sign the user out everywhere: the sessions recorded at each login (two queries)."""
    keys = LoginSession.objects.filter(user_id=user_id).values_list("session_key", flat=True)
    Session.objects.filter(session_key__in=list(keys)).delete()
    LoginSession.objects.filter(user_id=user_id).delete()


@transaction.atomic
def checklist_confirm(*, item: ChecklistItem, actor: Member) -> ChecklistItem:
    _require_admin(actor)
    if actor.pk == item.member_id:
        raise Forbidden("The leaver cannot confirm their own checklist.")
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
        raise Forbidden("Someone other than the person who knew the credential confirms it.")
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
    return not offboarding.items.filter(confirmed_at__isnull=True).exists()


CONNECTOR_FIELDS = {"platform", "kind", "url", "secret", "enabled"}


@transaction.atomic
def connector_save(*, actor: Member | None, connector: Connector | None = None,
                   **fields: object) -> Connector:  # fmt: skip
    """Create or change how revocations reach a platform; audited, never with the secret."""
    unknown = set(fields) - CONNECTOR_FIELDS
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), "This field cannot be set here."))
    connector = connector or Connector()
    for name, value in fields.items():
        setattr(connector, name, value)
    if connector.kind == Connector.Kind.WEBHOOK and not (connector.url and connector.secret):
        raise DomainError({"url": "A webhook connector needs a URL and a signing secret."})
    created = connector.pk is None
    try:
        with transaction.atomic():
            connector.save()
    except IntegrityError as exc:
        raise Conflict({"platform": "This platform already has a connector."}) from exc
    audit_append(
        actor=_user(actor), action="connector.created" if created else "connector.changed",
        target_type="connector", target_id=connector.pk,
        data={"platform": connector.platform, "kind": connector.kind, "url": connector.url,
              "enabled": connector.enabled,
              "secret_changed": "secret" in fields and not created},
    )  # fmt: skip
    return connector
