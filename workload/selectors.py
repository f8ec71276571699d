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
