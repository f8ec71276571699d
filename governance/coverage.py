"""The coverage guard (docs/governance.md "Coverage guard"): a change made by a person that
takes a channel from at least one actor to none is refused unless the request accepts the
gap explicitly; system changes are never blocked and record the gaps they leave.

`coverage_check` answers, for the grants a change would close, which channels would lose
their last actor (blocking), which have none already (a warning) and which would fall below
their `min_backup` but keep someone (a warning). Actors are counted as everywhere else
(`selectors.actor_grants`), on the channel's team's today, or on a given day (a scheduled
offboarding is checked on the day after the last day). One query per distinct day, two
counts each: with and without the closed grants.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from governance.models import AccessGrant
from governance.selectors import actor_grants
from socialops.common.exceptions import Conflict
from teams.models import Channel


def channel_ref(channel: Channel) -> dict:
    """A channel inside another resource (docs/api.md): `{id, label}`."""
    return {"id": channel.pk, "label": channel.label}


@dataclass(frozen=True)
class CoverageCheck:
    # Channels that would go from at least one actor to none: the guard's business.
    gaps: list[Channel] = field(default_factory=list)
    # Channels with no actor even before the change: listed, never blocking.
    already_uncovered: list[Channel] = field(default_factory=list)
    # (channel, actors left) for channels that keep someone but fall below min_backup.
    below_backup: list[tuple[Channel, int]] = field(default_factory=list)

    @property
    def gap_refs(self) -> list[dict]:
        return [channel_ref(c) for c in self.gaps]

    def audit_data(self, *, accepted: bool) -> dict:
        """What the change's audit event records about coverage."""
        data: dict = {}
        if self.gaps:
            data["accepted_gaps" if accepted else "gaps"] = self.gap_refs
        if self.already_uncovered:
            data["already_without_actor"] = [channel_ref(c) for c in self.already_uncovered]
        if self.below_backup:
            data["below_backup"] = [
                channel_ref(c) | {"actors": n, "min_backup": c.min_backup}
                for c, n in self.below_backup
            ]
        return data


def coverage_check(*, grants: Iterable[AccessGrant], day: dt.date | None = None) -> CoverageCheck:
    """What closing `grants` would do to the coverage of their channels on `day` (default:
    today in each channel's team's time zone)."""
    grants = list(grants)
    if not grants:
        return CoverageCheck()
    closed = {g.pk for g in grants}
    channels = {
        c.pk: c
        for c in Channel.objects.filter(pk__in={g.channel_id for g in grants})
        .select_related("team")
        .order_by("platform", "handle", "pk")
    }
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    now = timezone.now()
    for channel in channels.values():
        local = now.astimezone(zoneinfo.ZoneInfo(channel.team.timezone)).date()
        by_day[day or local].append(channel.pk)
    before: dict[int, int] = {}
    after: dict[int, int] = {}
    for as_of, ids in by_day.items():
        rows = (
            actor_grants(channel_ids=ids, as_of=as_of)
            .values("channel_id")
            .order_by()
            .annotate(
                before=Count("member_id", distinct=True),
                after=Count("member_id", distinct=True, filter=~Q(pk__in=closed)),
            )
        )
        for row in rows:
            before[row["channel_id"]] = row["before"]
            after[row["channel_id"]] = row["after"]
    gaps, uncovered, below = [], [], []
    for pk, channel in channels.items():
        was, left = before.get(pk, 0), after.get(pk, 0)
        if was == 0:
            uncovered.append(channel)
        elif left == 0:
            gaps.append(channel)
        elif left < channel.min_backup and left < was:
            below.append((channel, left))
    return CoverageCheck(gaps=gaps, already_uncovered=uncovered, below_backup=below)


def coverage_guard(check: CoverageCheck, *, accept_gaps: bool) -> None:
    """Refuse (409 `{channels_without_actor: [{id, label}]}`) a person's change that leaves
    channels without an actor, unless they accepted it."""
    if check.gaps and not accept_gaps:
        raise Conflict({"channels_without_actor": check.gap_refs})
