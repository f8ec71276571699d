"""Follow-ups (docs/governance.md "Follow-ups"): every checklist item and credential rotation
not yet confirmed, in one queue, oldest first, each with who may confirm it.

The queue is one SQL UNION of the two tables' open rows ordered by when each was created, so
a page of it costs the same however long the queue is: the union's count, its page of keys,
then the page's items, rotations and the admins who may confirm (five queries).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import CharField, F, QuerySet, Value
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from governance.models import ChecklistItem, CredentialRotation
from teams.models import Channel, Member

KINDS = ("checklist", "rotation")


@dataclass(frozen=True)
class FollowUp:
    kind: str  # checklist | rotation
    id: int
    channel: Channel
    what: str
    created_at: dt.datetime
    member: Member | None  # the leaver or grantee: never the confirmer
    made_by: Member | None  # the admin whose change created it (None: the system)
    offboarding_id: int | None
    confirmed_at: dt.datetime | None
    confirmed_by: Member | None
    who_may_confirm: list[Member]

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"

    @property
    def excluded_ids(self) -> set[int]:
        return {m.pk for m in (self.member, self.made_by) if m is not None}


def parse_key(key: str) -> tuple[str, int] | None:
    kind, _sep, raw = (key or "").partition("-")
    if kind not in KINDS or not raw.isdigit() or len(raw) > 18:
        return None
    return kind, int(raw)


def open_followup_keys() -> QuerySet:
    """(kind, id, created) of every unconfirmed follow-up, oldest first: a UNION queryset
    that pages and counts in SQL."""
    items = (
        ChecklistItem.objects.filter(confirmed_at__isnull=True)
        .annotate(kind=Value("checklist", output_field=CharField()), created=F("created_at"))
        .values_list("kind", "pk", "created")
        .order_by()  # SQLite refuses ORDER BY inside a compound statement's parts
    )
    rotations = (
        CredentialRotation.objects.filter(rotated_at__isnull=True)
        .annotate(kind=Value("rotation", output_field=CharField()), created=F("required_since"))
        .values_list("kind", "pk", "created")
        .order_by()
    )
    return items.union(rotations, all=True).order_by("created", "kind", "pk")


def eligible_admins() -> list[Member]:
    """Admins who can confirm follow-ups at all: employed, not departed (one query)."""
    return list(
        Member.objects.filter(role_admin=True)
        .exclude(status=Member.Status.DEPARTED)
        .select_related("user")
        .filter(user__is_active=True)
        .order_by("full_name", "pk")
    )


def followups_load(keys: list[tuple[str, int]]) -> list[FollowUp]:
    """The follow-ups named by (kind, id) pairs, in that order (three queries)."""
    item_ids = [pk for kind, pk in keys if kind == "checklist"]
    rotation_ids = [pk for kind, pk in keys if kind == "rotation"]
    related = ("channel", "channel__team", "member", "made_by", "confirmed_by")
    items = {
        i.pk: i for i in ChecklistItem.objects.filter(pk__in=item_ids).select_related(*related)
    }
    rotations = {
        r.pk: r
        for r in CredentialRotation.objects.filter(pk__in=rotation_ids).select_related(
            "channel", "channel__team", "member", "opened_by", "rotated_by"
        )
    }
    admins = eligible_admins() if keys else []
    found: list[FollowUp] = []
    for kind, pk in keys:
        if kind == "checklist" and pk in items:
            i = items[pk]
            found.append(_followup("checklist", pk, i.channel, checklist_what(i), i.created_at,
                                   i.member, i.made_by, i.offboarding_id, i.confirmed_at,
                                   i.confirmed_by, admins))  # fmt: skip
        elif kind == "rotation" and pk in rotations:
            r = rotations[pk]
            found.append(_followup("rotation", pk, r.channel, rotation_what(r), r.required_since,
                                   r.member, r.opened_by, None, r.rotated_at, r.rotated_by,
                                   admins))  # fmt: skip
    return found


def _followup(kind, pk, channel, what, created_at, member, made_by, offboarding_id,
              confirmed_at, confirmed_by, admins) -> FollowUp:  # fmt: skip
    excluded = {m.pk for m in (member, made_by) if m is not None}
    return FollowUp(
        kind=kind, id=pk, channel=channel, what=what, created_at=created_at, member=member,
        made_by=made_by, offboarding_id=offboarding_id, confirmed_at=confirmed_at,
        confirmed_by=confirmed_by, who_may_confirm=[a for a in admins if a.pk not in excluded],
    )  # fmt: skip


def checklist_what(item: ChecklistItem) -> str:
    return CHECKLIST_WHAT[ChecklistItem.Layer(item.layer)] % {
        "member": item.member,
        "channel": item.channel.label,
    }


CHECKLIST_WHAT = {
    ChecklistItem.Layer.TOOL_ROLE: _(
        "Remove %(member)s's role in the publishing tool for %(channel)s"
    ),
    ChecklistItem.Layer.NATIVE_ROLE: _("Remove %(member)s's role on %(channel)s itself"),
    ChecklistItem.Layer.SHARED_CREDENTIAL: _(
        "Change the shared password or 2FA device of %(channel)s that %(member)s knew"
    ),
    ChecklistItem.Layer.RECOVERY_CONTACT: _("Take %(member)s off %(channel)s's recovery contacts"),
}


def rotation_what(rotation: CredentialRotation) -> str:
    if rotation.member_id:
        return gettext("Rotate the shared credential of %(channel)s (%(member)s knew it)") % {
            "channel": rotation.channel.label,
            "member": rotation.member,
        }
    return gettext("Rotate the shared credential of %(channel)s") % {
        "channel": rotation.channel.label
    }


def may_confirm(followup: FollowUp, member: Member | None) -> bool:
    return member is not None and any(a.pk == member.pk for a in followup.who_may_confirm)
