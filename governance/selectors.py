"""Reads of access grants: who can act on a channel, and the governance health checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.models import AccessGrant, ChecklistItem, CredentialRotation, Offboarding
from teams.models import Channel, Leave, Member, counted_members_q

DORMANT_DAYS = 90
ROTATION_OVERDUE_DAYS = 7

# The dormant-grant check needs recent work per (member, channel), which workload records.
# Workload sits above governance (docs/architecture.md: its dashboards read governance), so
# it hands that read to governance at start-up (WorkloadConfig.ready) rather than governance
# importing workload. The source takes `since` and returns a queryset of work rows filtered
# on OuterRef("member_id") and OuterRef("channel_id"), for use inside Exists().
RecentWorkSource = Callable[[dt.date], QuerySet[Any]]
_recent_work: list[RecentWorkSource] = []


def recent_work_source_register(source: RecentWorkSource) -> None:
    _recent_work[:] = [source]


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


def actor_grants(*, channel_ids: Iterable[int], as_of: dt.date) -> QuerySet[AccessGrant]:
    """The grants that make their holders actors on as_of (docs/scoring.md 2.3): effective
    that day, with role owner, admin, publisher or moderator, held by a counted member who is
    not on leave that day."""
    on_leave = Leave.objects.filter(
        member_id=OuterRef("member_id"), start_date__lte=as_of, end_date__gte=as_of
    )
    return (
        AccessGrant.objects.effective_at(end_of_day(as_of))
        .filter(channel_id__in=list(channel_ids), role__in=AccessGrant.ACTOR_ROLES)
        .filter(counted_members_q(as_of, "member__"))
        .filter(~Exists(on_leave))
    )


def channel_actor_counts(*, channel_ids: Iterable[int], as_of: dt.date) -> dict[int, int]:
    """channel id → number of actors on as_of (one query).

    An actor (docs/privacy.md "Vocabulary", docs/scoring.md 2.3) is a counted member, not on
    leave on as_of, holding an effective grant (approved, not revoked, not expired) with role
    owner, admin, publisher or moderator. The one definition used by staffing, dashboards and
    governance health.
    """
    channel_ids = list(channel_ids)
    rows = (
        actor_grants(channel_ids=channel_ids, as_of=as_of)
        .values("channel_id")
        .order_by()
        .annotate(actors=Count("member_id", distinct=True))
    )
    counts = dict.fromkeys(channel_ids, 0)
    counts.update({row["channel_id"]: row["actors"] for row in rows})
    return counts


def actor_grant_holders(*, channel_ids: Iterable[int]) -> QuerySet[AccessGrant]:
    """Approved, unrevoked grants with an actor role on these channels, with their holders
    (one query): what decides who can act on a day ahead — the day's own checks (expiry at
    that instant, employment, long absence, leave) are the caller's (docs/scoring.md 3.4)."""
    return (
        AccessGrant.objects.unrevoked()
        .filter(
            channel_id__in=list(channel_ids),
            role__in=AccessGrant.ACTOR_ROLES,
            approved_at__isnull=False,
        )
        .select_related("member")
        .order_by("channel_id", "member_id")
    )


def dormant_grants(grants: QuerySet[AccessGrant], *, today: dt.date) -> QuerySet[AccessGrant]:
    """Open grants older than DORMANT_DAYS whose holder logged no work on that channel in the
    last DORMANT_DAYS days. Without a registered work source, nothing is called dormant."""
    if not _recent_work:
        return grants.none()
    recent = _recent_work[0](today - dt.timedelta(days=DORMANT_DAYS))
    return grants.filter(granted_at__lt=timezone.now() - dt.timedelta(days=DORMANT_DAYS)).filter(
        ~Exists(recent)
    )


def governance_health(
    *, team_ids: Iterable[int] | None = None, today: dt.date | None = None
) -> dict[str, list[Any]]:
    """The governance page's health checks, for some teams or all (a fixed number of
    queries): backup gaps, grants of departed or on-leave members, dormant grants, overdue
    shared-credential rotations, channels without an owner."""
    today = today or timezone.localdate()
    channels_qs = Channel.objects.select_related("team", "owner").order_by(
        "team__name", "platform", "handle"
    )
    if team_ids is not None:
        channels_qs = channels_qs.filter(team_id__in=list(team_ids))
    channels = list(channels_qs)
    ids = [c.pk for c in channels]
    actors = channel_actor_counts(channel_ids=ids, as_of=today)
    open_grants = (
        AccessGrant.objects.open().filter(channel_id__in=ids).select_related("member", "channel")
    )
    on_leave_today = Leave.objects.filter(
        member_id=OuterRef("member_id"), start_date__lte=today, end_date__gte=today
    )
    absent = list(
        open_grants.filter(
            Q(member__status__in=[Member.Status.DEPARTED, Member.Status.ON_LEAVE])
            | Q(member__ended_on__lt=today)
            | Exists(on_leave_today)
        ).order_by("member__full_name")
    )
    dormant = list(
        dormant_grants(open_grants, today=today).order_by(
            "channel__platform", "channel__handle", "member__full_name"
        )
    )
    overdue = list(
        CredentialRotation.objects.filter(
            channel_id__in=ids,
            rotated_at__isnull=True,
            required_since__lt=timezone.now() - dt.timedelta(days=ROTATION_OVERDUE_DAYS),
        ).select_related("channel", "member")
    )
    return {
        "backup_gaps": [
            {"channel": c, "actors": actors[c.pk], "min_backup": c.min_backup}
            for c in channels
            if actors[c.pk] < c.min_backup
        ],
        "absent_holders": absent,
        "dormant_grants": dormant,
        "overdue_rotations": overdue,
        "unowned_channels": [c for c in channels if c.owner_id is None],
    }


def _count(queryset: QuerySet[Any]) -> Subquery:
    """A correlated COUNT(*) of `queryset`, as an integer annotation."""
    return Subquery(
        queryset.order_by()
        .annotate(n=Func(F("pk"), function="COUNT", template="COUNT(DISTINCT %(expressions)s)"))
        .values("n")[:1],
        output_field=IntegerField(),
    )


def offboardings_with_progress(
    offboardings: QuerySet[Offboarding] | None = None,
) -> QuerySet[Offboarding]:
    """Offboardings annotated with their follow-ups (one query, whatever the number):
    `items_total`, `items_confirmed`, `rotations_open` (open rotations on the channels where
    the leaver held a shared credential, whoever's change opened them), `rotations_done`
    (rotations on those channels confirmed since the offboarding ran), `followups_total`,
    `followups_confirmed`, and `is_complete`: done, and every one of them confirmed
    (docs/governance.md "Follow-ups")."""
    offboardings = offboardings if offboardings is not None else Offboarding.objects.all()
    # Joined from this offboarding's shared-credential items (an index lookup) to the
    # rotations of their channels, rather than probing every open rotation.
    rotations = CredentialRotation.objects.filter(
        channel__checklist__offboarding_id=OuterRef("pk"),
        channel__checklist__layer=ChecklistItem.Layer.SHARED_CREDENTIAL,
    )
    since = Coalesce(OuterRef("ran_at"), OuterRef("created_at"))
    items = ChecklistItem.objects.filter(offboarding_id=OuterRef("pk"))
    return offboardings.annotate(
        items_total=_count(items),
        items_confirmed=_count(items.filter(confirmed_at__isnull=False)),
        rotations_open=_count(rotations.filter(rotated_at__isnull=True)),
        rotations_done=_count(
            rotations.filter(rotated_at__isnull=False, required_since__gte=since)
        ),
    ).annotate(
        followups_total=F("items_total") + F("rotations_open") + F("rotations_done"),
        followups_confirmed=F("items_confirmed") + F("rotations_done"),
        is_complete=ExpressionWrapper(
            Q(state=Offboarding.State.DONE)
            & Q(items_confirmed=F("items_total"))
            & Q(rotations_open=0),
            output_field=BooleanField(),
        ),
    )


def scheduled_leavers(
    *, team_ids: Iterable[int] | None = None, member_ids: Iterable[int] | None = None
) -> list[Offboarding]:
    """Scheduled offboardings ("leaving on …", docs/governance.md) of some teams' members or
    of some members, soonest first, with the member (one query)."""
    rows = Offboarding.objects.filter(state=Offboarding.State.SCHEDULED).select_related("member")
    if team_ids is not None:
        rows = rows.filter(member__team_id__in=list(team_ids))
    if member_ids is not None:
        rows = rows.filter(member_id__in=list(member_ids))
    return list(rows.order_by("ended_on", "member__full_name"))


@dataclass(frozen=True)
class Progress:
    """One offboarding's follow-ups, as `offboardings_with_progress` annotated them."""

    confirmed: int
    total: int
    complete: bool


def progress_of(offboarding: Offboarding) -> Progress:
    """Read the annotations of `offboardings_with_progress` off one row (they are instance
    attributes the model does not declare, so they are read from the instance's own dict)."""
    values = vars(offboarding)
    return Progress(
        confirmed=values["followups_confirmed"],
        total=values["followups_total"],
        complete=bool(values["is_complete"]),
    )
