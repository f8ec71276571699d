"""Reads of task logs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from teams.models import Leave, Member, OnCallShift
from teams.selectors import leave_dates_for
from workload.hours import WorkingWindow, after_hours_minutes, split_at_midnight
from workload.models import TaskLog


def working_window(member: Member, leave_dates=frozenset()) -> WorkingWindow:
    return WorkingWindow(
        start=member.workday_start,
        end=member.workday_end,
        workdays=frozenset(member.workdays),
        leave_dates=frozenset(leave_dates),
    )


def after_hours_for(logs: Sequence[TaskLog], members: dict[int, Member]) -> dict[int, int]:
    """task log id → after-hours minutes, with leave taken into account (one query)."""
    if not logs:
        return {}
    start = min(log.date for log in logs)
    end = max(log.date for log in logs) + dt.timedelta(days=1)
    leave = leave_dates_for(member_ids={log.member_id for log in logs}, start=start, end=end)
    windows = {mid: working_window(members[mid], leave[mid]) for mid in leave}
    return {
        log.pk: after_hours_minutes(log.date, log.started_at, log.minutes, windows[log.member_id])
        for log in logs
    }


@dataclass
class Day:
    date: dt.date
    entries: list = field(default_factory=list)
    minutes: int = 0
    after_hours: int = 0
    is_workday: bool = True
    leave: str | None = None
    on_call: bool = False


@dataclass
class Week:
    monday: dt.date
    days: list[Day]
    leave: list[Leave]
    shifts: list[OnCallShift]

    @property
    def minutes(self) -> int:
        return sum(d.minutes for d in self.days)

    @property
    def after_hours(self) -> int:
        return sum(d.after_hours for d in self.days)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def member_week(*, member: Member, monday: dt.date) -> Week:
    """A member's week for the My week page: entries per day, totals, after-hours, leave and
    on-call (three queries, whatever the number of entries)."""
    sunday = monday + dt.timedelta(days=6)
    # The day before can spill into Monday.
    logs = list(
        TaskLog.objects.filter(
            member=member, date__range=(monday - dt.timedelta(days=1), sunday)
        ).select_related("channel")
    )
    leave = list(Leave.objects.filter(member=member, start_date__lte=sunday, end_date__gte=monday))
    shifts = list(
        OnCallShift.objects.filter(
            member=member, first_local_date__lte=sunday, last_local_date__gte=monday
        ).select_related("channel")
    )
    leave_by_date: dict[dt.date, str] = {}
    for item in leave:
        day = max(item.start_date, monday - dt.timedelta(days=1))
        while day <= min(item.end_date, sunday):
            leave_by_date[day] = item.get_kind_display()
            day += dt.timedelta(days=1)
    window = working_window(member, leave_by_date)
    days = {
        monday + dt.timedelta(days=i): Day(
            date=monday + dt.timedelta(days=i),
            is_workday=(monday + dt.timedelta(days=i)).weekday() in window.workdays,
            leave=leave_by_date.get(monday + dt.timedelta(days=i)),
            on_call=any(
                s.first_local_date <= monday + dt.timedelta(days=i) <= s.last_local_date
                for s in shifts
            ),
        )
        for i in range(7)
    }
    for log in sorted(logs, key=lambda x: (x.date, x.started_at or dt.time.min, x.pk)):
        log.after_hours_minutes = after_hours_minutes(log.date, log.started_at, log.minutes, window)
        if log.date in days:
            days[log.date].entries.append(log)
        # Totals follow the pieces: an entry that passes midnight counts on both days.
        for piece in split_at_midnight(log.date, log.started_at, log.minutes):
            if piece.date in days:
                days[piece.date].minutes += piece.minutes
                days[piece.date].after_hours += after_hours_minutes(
                    piece.date,
                    None if piece.start_minute is None else _time(piece.start_minute),
                    piece.minutes,
                    window,
                )
    return Week(monday=monday, days=list(days.values()), leave=leave, shifts=shifts)


def _time(minute_of_day: int) -> dt.time:
    return dt.time(minute_of_day // 60, minute_of_day % 60)


def score_pulse_visible(*, score, viewer: Member | None) -> bool:
    """The pulse-derived parts of a score (WRB, blended risk and band, band overrides) are
    the member's own; a leader sees them only when the member shares their pulse."""
    if viewer is not None and viewer.pk == score.member_id:
        return True
    return score.member.share_pulse_with_leader


def team_score_summary(*, team, as_of: dt.date | None = None) -> dict:
    """A team's objective-strain distribution, and its pulse aggregates only when at least
    `pulse_min_group` members have a pulse counting for as_of (product.md privacy tiers).
    Two queries."""
    from workload.models import BurnoutScore

    scores = BurnoutScore.objects.filter(member__team=team)
    if as_of is None:
        as_of = scores.order_by("-as_of").values_list("as_of", flat=True).first()
    rows = list(scores.filter(as_of=as_of).values("status", "wsi_band", "band", "wrb"))
    bands = ("low", "moderate", "high", "very_high")
    scored = [r for r in rows if r["status"] == BurnoutScore.Status.OK]
    # A pulse counts for the aggregate even when the work data is too thin to score.
    with_pulse = [r for r in rows if r["wrb"] is not None]
    summary = {
        "team": team.pk,
        "as_of": as_of,
        "members_scored": len(scored),
        "insufficient_data": len(rows) - len(scored),
        "wsi_bands": {b: sum(1 for r in scored if r["wsi_band"] == b) for b in bands},
        "pulse": {"withheld": True, "min_group": team.pulse_min_group},
    }
    if len(with_pulse) >= team.pulse_min_group:
        wrbs = [float(r["wrb"]) for r in with_pulse]
        summary["pulse"] = {
            "withheld": False,
            "min_group": team.pulse_min_group,
            "respondents": len(with_pulse),
            "mean_wrb": round(sum(wrbs) / len(wrbs), 2),
            "share_wrb_50_or_more": round(sum(1 for w in wrbs if w >= 50) / len(wrbs), 4),
            "bands": {b: sum(1 for r in with_pulse if r["band"] == b) for b in bands},
        }
    return summary
