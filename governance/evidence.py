"""The evidence pack of an offboarding (docs/governance.md "Evidence pack"): who left, when and
why, every grant closed, each checklist item and rotation with who confirmed it and when, the
successor and the channels handed over, the coverage gaps, and the audit events involved with
their `hash` and `prev_hash`, so that an auditor can check them against `verify_audit`'s chain.

Six queries whatever the size: the offboarding (with its progress), its checklist items, the
grants it closed, the rotations on the channels where the leaver held a shared credential,
the audit events, and the channels handed to the successor.

A person inside the pack is `{id, name}`; `"system"` stands for the system actor (a job, no
person), `null` for nobody yet (not confirmed). Never secrets: `vault_reference` says where a
shared secret lives, not what it is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from governance.coverage import channel_ref
from governance.models import AccessGrant, ChecklistItem, CredentialRotation, Offboarding
from governance.selectors import offboardings_with_progress, progress_of
from socialops.audit.models import AuditEvent
from socialops.audit.services import canonical_json, chain_hash
from teams.models import Channel, Member, Team

CHAIN_RULE = "hash = sha256(prev_hash + canonical_json)"
SYSTEM = "system"


def _team(team: Team | None) -> dict | None:
    return {"id": team.pk, "name": team.name} if team is not None else None


def _person(member: Member | None, *, none: str | None = None) -> dict | str | None:
    """`{id, name}`, or `none` when there is no member (SYSTEM where a missing person means
    the system acted, None where it means nobody has yet)."""
    if member is None:
        return none
    return {"id": member.pk, "name": str(member)}


def _event(event: AuditEvent) -> dict[str, Any]:
    """One audit row as the chain hashed it, and whether the row recomputes to its own hash."""
    canonical = canonical_json(
        at=event.at, actor=event.actor_id, action=event.action,
        target_type=event.target_type, target_id=event.target_id, data=event.data,
    )  # fmt: skip
    return {
        "id": event.pk,
        "at": event.at,
        "actor_id": event.actor_id,
        "actor": event.actor_display,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
        "recomputed_ok": chain_hash(event.prev_hash, canonical) == event.hash,
    }


def _events_q(
    *,
    leaver: Member,
    grant_ids: list[int],
    item_ids: list[int],
    rotation_ids: list[int],
) -> Q:
    """Every audit event about this offboarding, as one filter."""
    q = Q(target_type="member", target_id=str(leaver.pk), action__startswith="member.offboard")
    q |= Q(action="channel.owner_changed", target_type="channel", data__from=leaver.pk)
    if grant_ids:
        q |= Q(
            target_type="grant",
            target_id__in=[str(pk) for pk in grant_ids],
            action__startswith="grant.",
        )
    if item_ids:
        q |= Q(target_type="checklist_item", target_id__in=[str(pk) for pk in item_ids])
    if rotation_ids:
        q |= Q(
            action__in=("rotation.required", "rotation.confirmed"),
            data__rotation__in=rotation_ids,
        )
    return q


def evidence_collect(offboarding: Offboarding) -> dict[str, Any]:
    """The evidence pack with dates and instants as Python values (the printable page shows
    them in the reader's time zone); `evidence_pack` is the same as JSON."""
    offboarding = (
        offboardings_with_progress(Offboarding.objects.filter(pk=offboarding.pk))
        .select_related(
            "member__user", "member__team", "successor__team", "started_by", "cancelled_by"
        )
        .get()
    )
    leaver = offboarding.member
    successor = offboarding.successor

    items = list(
        ChecklistItem.objects.filter(offboarding=offboarding)
        .select_related("channel", "made_by", "confirmed_by")
        .order_by("channel__platform", "channel__handle", "channel_id", "layer", "pk")
    )

    # Closed by this offboarding: the grants its checklist names, and any of the leaver's
    # grants revoked in the same instant as it ran.
    closed_q = Q(pk__in={i.grant_id for i in items if i.grant_id is not None})
    if offboarding.ran_at is not None:
        closed_q |= Q(revoked_at=offboarding.ran_at)
    grants = list(
        AccessGrant.objects.filter(member=leaver, revoked_at__isnull=False)
        .filter(closed_q)
        .select_related("channel", "revoked_by")
        .order_by("channel__platform", "channel__handle", "pk")
    )

    # The rotations `complete` waits for (selectors.offboardings_with_progress): open ones on
    # the channels where the leaver held a shared credential, whoever's change opened them,
    # and those opened or confirmed since the offboarding.
    shared_channels = sorted({g.channel_id for g in grants if g.shared_credential})
    since = offboarding.ran_at or offboarding.created_at
    rotations = (
        list(
            CredentialRotation.objects.filter(channel_id__in=shared_channels)
            .filter(
                Q(rotated_at__isnull=True) | Q(required_since__gte=since) | Q(rotated_at__gte=since)
            )
            .select_related("channel", "opened_by", "rotated_by")
            .order_by("required_since", "pk")
        )
        if shared_channels
        else []
    )

    events = list(
        AuditEvent.objects.filter(
            _events_q(
                leaver=leaver,
                grant_ids=[g.pk for g in grants],
                item_ids=[i.pk for i in items],
                rotation_ids=[r.pk for r in rotations],
            )
        ).order_by("pk")
    )

    # The audit log records which channels were handed over; the channel rows may have
    # changed owner again since.
    handed = [e for e in events if e.action == "channel.owner_changed"]
    channel_ids = [int(e.target_id) for e in handed]
    channels = {c.pk: c for c in Channel.objects.filter(pk__in=channel_ids)} if handed else {}

    return {
        "id": offboarding.pk,
        "state": offboarding.state,
        # An annotation of offboardings_with_progress, unknown to the model's type.
        "complete": progress_of(offboarding).complete,
        "leaver": {
            "id": leaver.pk,
            "name": str(leaver),
            "username": leaver.user.get_username(),
            "team": _team(leaver.team),
        },
        "when": {
            "ended_on": offboarding.ended_on,
            "scheduled_for": offboarding.scheduled_for,
            "ran_at": offboarding.ran_at,
            "created_at": offboarding.created_at,
            "cancelled_at": offboarding.cancelled_at,
        },
        "reason": offboarding.reason,
        "requested_by": _person(offboarding.started_by),
        "cancelled_by": _person(offboarding.cancelled_by),
        "successor": (
            {
                "id": successor.pk,
                "name": str(successor),
                "team": _team(successor.team),
                "other_team": successor.team_id != leaver.team_id,
            }
            if successor is not None
            else None
        ),
        "channels_handed_over": [
            {
                "id": int(e.target_id),
                "label": channels[int(e.target_id)].label if int(e.target_id) in channels else "",
                "to": e.data.get("to"),
                "at": e.at,
                "audit_event": e.pk,
            }
            for e in handed
        ],
        "grants_closed": [
            {
                "id": g.pk,
                "role": g.role,
                "channel": channel_ref(g.channel),
                "shared_credential": g.shared_credential,
                "vault_reference": g.vault_reference,
                "granted_at": g.granted_at,
                "revoked_at": g.revoked_at,
                "revoked_by": _person(g.revoked_by, none=SYSTEM),
                "revoke_reason": g.revoke_reason,
            }
            for g in grants
        ],
        "checklist": [
            {
                "id": i.pk,
                "grant": i.grant_id,
                "channel": channel_ref(i.channel),
                "layer": i.layer,
                "what": i.get_layer_display(),
                "created_at": i.created_at,
                "made_by": _person(i.made_by, none=SYSTEM),
                "confirmed_at": i.confirmed_at,
                "confirmed_by": _person(i.confirmed_by),
            }
            for i in items
        ],
        "rotations": [
            {
                "id": r.pk,
                "channel": channel_ref(r.channel),
                "member": r.member_id,
                "required_since": r.required_since,
                "opened_by": _person(r.opened_by, none=SYSTEM),
                "rotated_at": r.rotated_at,
                "rotated_by": _person(r.rotated_by),
            }
            for r in rotations
        ],
        "coverage_gaps": {
            "accept_gaps": offboarding.accept_gaps,
            "accepted_gaps": offboarding.accepted_gaps,
            "resulting_gaps": offboarding.resulting_gaps,
        },
        "audit_events": [_event(e) for e in events],
        "chain": {
            "first_id": events[0].pk if events else None,
            "last_id": events[-1].pk if events else None,
            "verified_at": timezone.now(),
            "rule": CHAIN_RULE,
        },
    }


def evidence_pack_instant(at: dt.datetime) -> str:
    """An instant as the audit chain hashes it (ISO 8601 UTC, microseconds)."""
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _json_ready(value: Any) -> Any:
    """Instants in the chain's own format, so that an event's `at` in the pack is exactly
    what was hashed; dates as ISO 8601."""
    if isinstance(value, dt.datetime):
        return evidence_pack_instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    return value


def evidence_pack(offboarding: Offboarding) -> dict[str, Any]:
    """The evidence pack of `offboarding`, JSON-ready (six queries whatever its size)."""
    return _json_ready(evidence_collect(offboarding))
