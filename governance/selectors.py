"""Reads of access grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q

from governance.models import AccessGrant
from teams.models import Leave, Member


def counted_members_q(as_of: dt.date, prefix: str = "") -> Q:
    """Members counted for staffing on as_of: employed that day and not on long absence."""
    p = prefix
    return (
        Q(**{f"{p}started_on__lte": as_of})
        & (Q(**{f"{p}ended_on__isnull": True}) | Q(**{f"{p}ended_on__gte": as_of}))
        & ~Q(**{f"{p}status": Member.Status.ON_LEAVE})
    )


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


def channel_actor_counts(*, channel_ids: Iterable[int], as_of: dt.date) -> dict[int, int]:
    """channel id → number of actors on as_of (one query).

    An actor (product.md, scoring.md 2.3) is a counted member, not on leave on as_of, holding
    an effective grant (approved, not revoked, not expired) with role owner, admin, publisher
    or moderator. The one definition used by staffing, dashboards and governance health.
    """
    channel_ids = list(channel_ids)
    on_leave = Leave.objects.filter(
        member_id=OuterRef("member_id"), start_date__lte=as_of, end_date__gte=as_of
    )
    rows = (
        AccessGrant.objects.effective_at(end_of_day(as_of))
        .filter(channel_id__in=channel_ids, role__in=AccessGrant.ACTOR_ROLES)
        .filter(counted_members_q(as_of, "member__"))
        .filter(~Exists(on_leave))
        .values("channel_id")
        .order_by()
        .annotate(actors=Count("member_id", distinct=True))
    )
    counts = dict.fromkeys(channel_ids, 0)
    counts.update({row["channel_id"]: row["actors"] for row in rows})
    return counts
