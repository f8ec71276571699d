"""Reads of teams data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from teams.models import Leave, Member


@dataclass(frozen=True)
class Roles:
    """What a signed-in person is: their member record (if any) and the roles they hold."""

    member: Member | None = None
    led_team_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_member(self) -> bool:
        return self.member is not None and self.member.role_member

    @property
    def is_leader(self) -> bool:
        return self.member is not None and self.member.role_leader

    @property
    def is_admin(self) -> bool:
        return self.member is not None and self.member.role_admin

    @property
    def names(self) -> list[str]:
        return self.member.roles if self.member is not None else []


_NO_ROLES = Roles()


def roles_for(user) -> Roles:
    """The caller's roles, read once per request (two queries) and cached on the user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return _NO_ROLES
    cached = getattr(user, "_socialops_roles", None)
    if cached is not None:
        return cached
    member = Member.objects.select_related("team").filter(user=user).first()
    if member is None or member.status == Member.Status.DEPARTED:
        roles = _NO_ROLES
    else:
        led = (
            frozenset(member.led_teams.values_list("pk", flat=True))
            if member.role_leader
            else (frozenset())
        )
        roles = Roles(member=member, led_team_ids=led)
    user._socialops_roles = roles
    return roles


def leave_dates_for(*, member_ids, start: dt.date, end: dt.date) -> dict[int, set[dt.date]]:
    """member id → the dates in [start, end] covered by any leave (one query)."""
    out: dict[int, set[dt.date]] = {m: set() for m in member_ids}
    rows = Leave.objects.filter(
        member_id__in=member_ids, start_date__lte=end, end_date__gte=start
    ).values_list("member_id", "start_date", "end_date")
    for member_id, s, e in rows:
        day = max(s, start)
        last = min(e, end)
        while day <= last:
            out[member_id].add(day)
            day += dt.timedelta(days=1)
    return out
