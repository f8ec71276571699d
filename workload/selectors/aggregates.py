"""Set-based reads that feed the scoring maths (docs/scoring.md 1.1 and 2.2).

Every function here runs a fixed number of queries whatever the number of members, teams or
days: the database sums each member-day (entries split at local midnight, minutes inside the
member's working window); Python only walks those per-day sums, never raw logs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from governance.models import AccessGrant
from governance.selectors import actor_grant_holders, channel_actor_counts
from teams.models import Channel, Leave, Member, OnCallShift, Team, counted_members_q
from workload.hours import MINUTES_PER_DAY, after_hours, is_available_workday
from workload.models import Category, PulseResponse, TaskLog, TaskLogQuerySet

WINDOW_DAYS = 28
LEAVE_DAYS = 365
DAY = dt.timedelta(days=1)
WORKED_DAY_MINUTES = 15  # a day "with ≥ 15 logged minutes" (docs/scoring.md 1.1)


def day_sums(logs: TaskLogQuerySet) -> QuerySet[Any, Mapping[str, Any]]:
    """Per (member, date): minutes on that date and spilling into the next, minutes inside the
    member's working window (same and spill), crisis minutes, hostile sums, first start and
    last end (wall clock, minutes after midnight; the end may pass 1440). One grouped query
    over `TaskLogQuerySet.with_pieces`."""
    is_crisis = Q(category=Category.CRISIS_RESPONSE) | Q(crisis=True)
    zero = Value(0, output_field=IntegerField())
    return (
        logs.with_pieces()
        .values("member_id", "date")
        .order_by()
        .annotate(
            same=Sum("piece_same"),
            spill=Sum("piece_spill"),
            inside_same=Sum("piece_inside_same"),
            inside_spill=Sum("piece_inside_spill"),
            crisis_same=Sum(Case(When(is_crisis, then=F("piece_same")), default=zero)),
            crisis_spill=Sum(Case(When(is_crisis, then=F("piece_spill")), default=zero)),
            hostile=Sum("hostile_messages"),
            hostile_recorded=Count("hostile_messages"),
            first_start=Min("piece_start"),
            last_end=Max("piece_end"),
        )
    )


@dataclass
class DayTotals:
    minutes: int = 0
    inside: int = 0  # minutes inside the working window (no-start pieces count inside)
    crisis: int = 0
    hostile: int = 0
    hostile_recorded: int = 0
    first_start: int | None = None  # of entries dated this day, with a start time
    last_end: int | None = None


@dataclass
class MemberWindow:
    """Everything the burnout maths needs about one member, read set-based."""

    member: Member
    days: dict[dt.date, DayTotals] = field(default_factory=dict)
    leave: list[tuple[dt.date, dt.date, str]] = field(default_factory=list)
    on_call: list[tuple[dt.date, dt.date]] = field(default_factory=list)
    pulse: list[int | None] | None = None


def scored_members(*, as_of: dt.date, team_ids: Iterable[int] | None = None):
    """Members who log work and were employed at some point of the window ending on as_of."""
    first = as_of - dt.timedelta(days=WINDOW_DAYS - 1)
    members = Member.objects.filter(role_member=True, team__isnull=False, started_on__lte=as_of)
    members = members.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
    if team_ids is not None:
        members = members.filter(team_id__in=list(team_ids))
    return members.order_by("pk")


def with_history_start(members: QuerySet[Member]) -> QuerySet[Member]:
    """Annotate ``first_log`` and ``first_leave``: the dates socialops's records of each member
    begin (docs/scoring.md 1.1 history_start). Two correlated subqueries served by the
    (member, date) and (member, start_date) indexes: no extra query."""
    first_log = TaskLog.objects.filter(member=OuterRef("pk")).order_by("date").values("date")[:1]
    first_leave = (
        Leave.objects.filter(member=OuterRef("pk")).order_by("start_date").values("start_date")[:1]
    )
    return members.annotate(first_log=Subquery(first_log), first_leave=Subquery(first_leave))


def history_start(member: Member, as_of: dt.date) -> dt.date:
    """The first day socialops holds records for the member: the earliest of their first task
    log and first leave record, never before started_on; as_of when there is no record.
    Needs the annotations of :func:`with_history_start`."""
    firsts = [
        d for d in (getattr(member, "first_log", None), getattr(member, "first_leave", None)) if d
    ]
    if not firsts:
        return as_of
    return max(min(firsts), member.started_on)


def history_days(start: dt.date, as_of: dt.date) -> int:
    """Days from history_start to as_of inclusive; 0 when history starts after as_of."""
    return max(0, (as_of - start).days + 1)


def member_windows(*, as_of: dt.date, team_ids: Iterable[int] | None = None) -> list[MemberWindow]:
    """Five queries: members, member-day sums, leave, on-call shifts, counting pulses."""
    members = list(with_history_start(scored_members(as_of=as_of, team_ids=team_ids)))
    if not members:
        return []
    windows = {m.pk: MemberWindow(member=m) for m in members}
    member_filter = (Q(member__team_id__in=list(team_ids)) if team_ids is not None else Q()) & Q(
        member__role_member=True
    )
    first = as_of - dt.timedelta(days=WINDOW_DAYS - 1)

    logs = TaskLog.objects.filter(member_filter, date__range=(first - DAY, as_of))
    for row in day_sums(logs):
        window = windows.get(row["member_id"])
        if window is None:
            continue
        day = row["date"]
        if day >= first:
            totals = window.days.setdefault(day, DayTotals())
            totals.minutes += row["same"]
            totals.inside += row["inside_same"]
            totals.crisis += row["crisis_same"]
            totals.hostile += row["hostile"] or 0
            totals.hostile_recorded += row["hostile_recorded"]
            totals.first_start = row["first_start"]
            totals.last_end = row["last_end"]
        if row["spill"] and day + DAY <= as_of:
            # The part of an entry past local midnight belongs to the next date.
            totals = window.days.setdefault(day + DAY, DayTotals())
            totals.minutes += row["spill"]
            totals.inside += row["inside_spill"]
            totals.crisis += row["crisis_spill"]

    # Leave: long enough to find the most recent week off (docs/scoring.md: days_since_week_off).
    leave_from = as_of - dt.timedelta(days=2 * LEAVE_DAYS)
    for member_id, start, end, kind in Leave.objects.filter(
        member_filter, end_date__gte=leave_from, start_date__lte=as_of
    ).values_list("member_id", "start_date", "end_date", "kind"):
        if member_id in windows:
            windows[member_id].leave.append((start, end, kind))

    for member_id, start, end in OnCallShift.objects.filter(
        member_filter, last_local_date__gte=first, first_local_date__lte=as_of
    ).values_list("member_id", "first_local_date", "last_local_date"):
        if member_id in windows:
            windows[member_id].on_call.append((start, end))

    # The pulse that counts: the latest week with as_of − 14 days ≤ week ≤ as_of.
    pulses = PulseResponse.objects.filter(
        member_filter, week__range=(as_of - dt.timedelta(days=14), as_of)
    ).order_by("member_id", "-week")
    for pulse in pulses:
        window = windows.get(pulse.member_id)
        if window is not None and window.pulse is None:
            window.pulse = pulse.answers
    return list(windows.values())


def _dates(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += DAY


def window_aggregates(window: MemberWindow, *, as_of: dt.date) -> dict:
    """docs/scoring.md 1.1 for one member, from the per-day sums (no queries)."""
    member = window.member
    workdays = set(member.workdays)
    k = len(workdays)
    first = max(as_of - dt.timedelta(days=WINDOW_DAYS - 1), member.started_on)
    last = min(as_of, member.ended_on or as_of)
    window_dates = list(_dates(first, last)) if first <= last else []

    leave_dates: set[dt.date] = set()
    vacation_dates: set[dt.date] = set()
    for start, end, kind in window.leave:
        for day in _dates(start, end):
            leave_dates.add(day)
            if kind == Leave.Kind.VACATION:
                vacation_dates.add(day)
    on_call_dates = {d for start, end in window.on_call for d in _dates(start, end)}

    def minutes(day):
        totals = window.days.get(day)
        return totals.minutes if totals else 0

    contracted = [d for d in window_dates if d.weekday() in workdays]
    available = [d for d in contracted if d not in leave_dates]
    rest = [d for d in window_dates if d.weekday() not in workdays and d not in leave_dates]
    worked = {d for d in window_dates if minutes(d) >= WORKED_DAY_MINUTES}

    after_hours_minutes = sum(
        after_hours(
            totals.minutes,
            totals.inside,
            available_workday=is_available_workday(day, workdays, leave_dates),
        )
        for day in window_dates
        if (totals := window.days.get(day)) is not None
    )

    longest = run = 0
    for day in window_dates:
        run = run + 1 if day in worked else 0
        longest = max(longest, run)

    quick_returns = 0
    for day in window_dates[1:]:
        prev, cur = window.days.get(day - DAY), window.days.get(day)
        if (
            day in worked
            and day - DAY in worked
            and prev is not None
            and cur is not None
            and prev.last_end is not None
            and cur.first_start is not None
            and MINUTES_PER_DAY + cur.first_start - prev.last_end < 11 * 60
        ):
            quick_returns += 1

    recorded = sum(window.days[d].hostile_recorded for d in window_dates if d in window.days)
    hostile = sum(window.days[d].hostile for d in window_dates if d in window.days)

    blocks = []
    for block in range(4):
        end = as_of - dt.timedelta(days=7 * (3 - block))
        blocks.append(
            sum(minutes(d) for d in _dates(end - dt.timedelta(days=6), end) if first <= d <= last)
            / 60
        )

    tenure_days = (as_of - member.started_on).days + 1
    recorded_from = history_start(member, as_of)
    recorded_days = history_days(recorded_from, as_of)
    year_first = max(as_of - dt.timedelta(days=LEAVE_DAYS - 1), member.started_on, recorded_from)
    year_last = min(as_of, member.ended_on or as_of)
    leave_days_365 = sum(
        1 for d in _dates(year_first, year_last) if d.weekday() in workdays and d in vacation_dates
    )

    return {
        "contracted_hours": float(member.weekly_hours),
        "contracted_weekdays": k,
        "window_days": len(window_dates),
        "contracted_workdays": len(contracted),
        "leave_workdays": len(contracted) - len(available),
        "logged_workdays": sum(1 for d in available if minutes(d) > 0),
        "total_hours": sum(minutes(d) for d in window_dates) / 60,
        "after_hours_hours": after_hours_minutes / 60,
        "rest_days": len(rest),
        "rest_days_worked": sum(1 for d in rest if d in worked),
        "max_consecutive_days": longest,
        "quick_returns": quick_returns,
        "on_call_days": sum(1 for d in window_dates if d in on_call_dates),
        "hostile_messages": hostile if recorded else None,
        "crisis_hours": sum(window.days[d].crisis for d in window_dates if d in window.days) / 60,
        "weekly_hours": tuple(blocks),
        "tenure_days": tenure_days,
        "history_start": recorded_from.isoformat(),
        "history_days": recorded_days,
        "leave_days_365": float(leave_days_365),
        "annual_entitlement": float(member.leave_entitlement_days),
        "days_since_week_off": _days_since_week_off(member, leave_dates, as_of, recorded_days),
    }


def _days_since_week_off(member: Member, leave_dates: set, as_of: dt.date, history: int) -> int:
    """as_of − the last day of the most recent run of ≥ 5 consecutive contracted workdays all
    on leave (walking the member's contracted days only); history_days if there is none
    (what socialops has not seen does not count against the member)."""
    workdays = set(member.workdays)
    run = 0
    run_end = None
    latest_end = None
    for day in _dates(max(member.started_on, min(leave_dates, default=as_of)), as_of):
        if day.weekday() not in workdays:
            continue
        if day in leave_dates:
            run += 1
            run_end = day
            if run >= 5:
                latest_end = run_end
        else:
            run = 0
    return (as_of - latest_end).days if latest_end is not None else history


@dataclass
class CountedMember:
    """A member counted for staffing on as_of (docs/scoring.md 2.3), with what Part 3 needs."""

    member: Member
    contracted_hours: float
    logged_hours_4w: float
    history_start: dt.date
    leave_dates: frozenset[dt.date] = frozenset()  # any kind, the trailing year


@dataclass
class TeamStaffingInputs:
    """What the staffing maths needs about one team for as_of, read set-based."""

    team: Team
    channels: list[Channel] = field(default_factory=list)
    counted: list[CountedMember] = field(default_factory=list)
    minutes_by_category: dict[str, int] = field(default_factory=dict)  # non-queue work
    queue_volume: dict[int, tuple[int, int]] = field(default_factory=dict)  # messages, minutes
    queue_entries: dict[int, list] = field(default_factory=dict)  # profile input per channel
    # Real-time channels: (member, day index in the window, start minute, minutes) per entry.
    cover_entries: dict[int, list[tuple[int, int, int, int]]] = field(default_factory=dict)
    rotation_size: int = 0
    actors: dict[int, int] = field(default_factory=dict)
    holders: list[tuple[AccessGrant, frozenset[dt.date]]] = field(default_factory=list)

    @property
    def contracted_hours(self) -> list[float]:
        return [c.contracted_hours for c in self.counted]

    @property
    def logged_hours_4w(self) -> list[float]:
        return [c.logged_hours_4w for c in self.counted]


AHEAD_DAYS = 28


def _leave_dates(members: QuerySet[Any], *, start: dt.date, end: dt.date) -> dict[int, set]:
    """member id → dates in [start, end] covered by any leave, for the members a subquery
    selects (one query, also when it selects nobody)."""
    out: dict[int, set[dt.date]] = {}
    rows = Leave.objects.filter(
        member_id__in=Subquery(members), start_date__lte=end, end_date__gte=start
    ).values_list("member_id", "start_date", "end_date")
    for member_id, first, last in rows:
        out.setdefault(member_id, set()).update(_dates(max(first, start), min(last, end)))
    return out


def staffing_inputs(*, as_of: dt.date, team_ids: Iterable[int] | None = None):
    """Eleven queries whatever the number of teams, members, channels, grants or logs."""
    first = as_of - dt.timedelta(days=WINDOW_DAYS - 1)
    teams = Team.objects.order_by("pk")
    if team_ids is not None:
        teams = teams.filter(pk__in=list(team_ids))
    inputs = {t.pk: TeamStaffingInputs(team=t) for t in teams}
    if not inputs:
        return []
    ids = list(inputs)

    channels = list(Channel.objects.filter(team_id__in=ids).order_by("platform", "handle"))
    for channel in channels:
        inputs[channel.team_id].channels.append(channel)
    by_channel_team = {c.pk: c.team_id for c in channels}
    queue_ids = [c.pk for c in channels if c.response_sla_minutes is not None]
    realtime_ids = [c.pk for c in channels if c.response_sla_minutes is not None
                    and c.response_sla_minutes <= 60]  # fmt: skip

    logged = (
        TaskLog.objects.filter(member=OuterRef("pk"), date__range=(first, as_of))
        .order_by()
        .values("member")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    counted_qs = Member.objects.filter(counted_members_q(as_of), team_id__in=ids, role_member=True)
    counted = list(with_history_start(counted_qs.annotate(logged=Subquery(logged))).order_by("pk"))
    year_first = as_of - dt.timedelta(days=LEAVE_DAYS - 1)
    year_leave = _leave_dates(counted_qs.values("pk"), start=year_first, end=as_of)
    for m in counted:
        if m.team_id is None:  # excluded by the filter; keeps the type checker informed
            continue
        inputs[m.team_id].counted.append(
            CountedMember(
                member=m,
                contracted_hours=float(m.weekly_hours),
                logged_hours_4w=(getattr(m, "logged", 0) or 0) / 60,
                history_start=history_start(m, as_of),
                leave_dates=frozenset(year_leave.get(m.pk, ())),
            )
        )

    # Queue work is community management on a queue channel, whoever logs it: it belongs to
    # the channel's team. Everything else a team's members log is that team's other work.
    is_queue = Q(
        category=Category.COMMUNITY_MANAGEMENT, channel__response_sla_minutes__isnull=False
    )
    team_logs = TaskLog.objects.filter(member__team_id__in=ids, date__range=(first, as_of))
    for team_id, category, minutes in (
        team_logs.exclude(is_queue)
        .values_list("member__team_id", "category")
        .order_by()
        .annotate(Sum("minutes"))
    ):
        inputs[team_id].minutes_by_category[category] = minutes

    # Queue channels: messages and minutes per (channel, date, start, length), the input of
    # the hour-of-week arrival profile; grouped in the database, never row by row.
    queue_logs = TaskLog.objects.filter(
        category=Category.COMMUNITY_MANAGEMENT, channel_id__in=queue_ids,
        date__range=(first, as_of),
    )  # fmt: skip
    for channel_id, date, started_at, minutes, messages, count in (
        queue_logs.values_list("channel_id", "date", "started_at", "minutes")
        .order_by()
        .annotate(Sum("messages_handled"), Count("pk"))
    ):
        team = inputs[by_channel_team[channel_id]]
        volume, spent = team.queue_volume.get(channel_id, (0, 0))
        team.queue_volume[channel_id] = (volume + messages, spent + minutes * count)
        start = None if started_at is None else started_at.hour * 60 + started_at.minute
        team.queue_entries.setdefault(channel_id, []).append(
            (date.weekday(), start, minutes, messages)
        )

    # Who was on each real-time inbox, hour by hour (docs/scoring.md 3.3): distinct
    # (member, date, start, length) rows; entries without a start time cover nothing.
    for channel_id, member_id, date, started_at, minutes in (
        queue_logs.filter(channel_id__in=realtime_ids, started_at__isnull=False)
        .values_list("channel_id", "member_id", "date", "started_at", "minutes")
        .order_by()
        .distinct()
    ):
        if started_at is None:  # excluded by the filter
            continue
        inputs[by_channel_team[channel_id]].cover_entries.setdefault(channel_id, []).append(
            (member_id, (date - first).days, started_at.hour * 60 + started_at.minute, minutes)
        )

    for team_id, size in (
        OnCallShift.objects.filter(
            member__team_id__in=ids, last_local_date__gte=first, first_local_date__lte=as_of
        )
        .filter(counted_members_q(as_of, "member__"))
        .values_list("member__team_id")
        .order_by()
        .annotate(Count("member_id", distinct=True))
    ):
        inputs[team_id].rotation_size = size

    actors = channel_actor_counts(channel_ids=[c.pk for c in channels], as_of=as_of)
    for channel in channels:
        inputs[channel.team_id].actors[channel.pk] = actors[channel.pk]

    # Coverage ahead (docs/scoring.md 3.4): the grants that could make someone an actor in
    # the next 28 days, and their holders' leave in those days.
    holder_grants = actor_grant_holders(channel_ids=[c.pk for c in channels])
    holders = list(holder_grants)
    ahead = _leave_dates(
        holder_grants.values("member_id"),
        start=as_of + DAY, end=as_of + dt.timedelta(days=AHEAD_DAYS),
    )  # fmt: skip
    for grant in holders:
        inputs[by_channel_team[grant.channel_id]].holders.append(
            (grant, frozenset(ahead.get(grant.member_id, ())))
        )
    return list(inputs.values())
