"""My week: a member's entries, day totals, after-hours time, leave and on-call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from teams.models import Leave, Member, OnCallShift
from workload.hours import after_hours, is_available_workday
from workload.models import TaskLog
from workload.selectors.after_hours import entry_after_hours


@dataclass(frozen=True)
class Entry:
    """One task log shown on My week, with its after-hours minutes."""

    log: TaskLog
    after_hours_minutes: int


@dataclass
class Day:
    date: dt.date
    entries: list[Entry] = field(default_factory=list)
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


def member_week(*, member: Member, monday: dt.date) -> Week:
    """A member's week for the My week page: entries per day, totals, after-hours, leave and
    on-call (three queries, whatever the number of entries)."""
    sunday = monday + dt.timedelta(days=6)
    # The day before can spill into Monday.
    logs = list(
        TaskLog.objects.filter(member=member, date__range=(monday - dt.timedelta(days=1), sunday))
        .with_pieces()
        .select_related("channel")
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
    workdays = set(member.workdays)
    leave_dates = set(leave_by_date)
    days = {
        monday + dt.timedelta(days=i): Day(
            date=monday + dt.timedelta(days=i),
            is_workday=(monday + dt.timedelta(days=i)).weekday() in workdays,
            leave=leave_by_date.get(monday + dt.timedelta(days=i)),
            on_call=any(
                s.first_local_date <= monday + dt.timedelta(days=i) <= s.last_local_date
                for s in shifts
            ),
        )
        for i in range(7)
    }
    for log in sorted(logs, key=lambda x: (x.date, x.started_at or dt.time.min, x.pk)):
        if log.date in days:
            days[log.date].entries.append(Entry(log, entry_after_hours(log, workdays, leave_dates)))
        # Totals follow the pieces: an entry that passes midnight counts on both days.
        for date, minutes, inside in (
            (log.date, log.piece_same, log.piece_inside_same),
            (log.date + dt.timedelta(days=1), log.piece_spill, log.piece_inside_spill),
        ):
            if date in days and minutes:
                days[date].minutes += minutes
                days[date].after_hours += after_hours(
                    minutes,
                    inside,
                    available_workday=is_available_workday(date, workdays, leave_dates),
                )
    return Week(monday=monday, days=list(days.values()), leave=leave, shifts=shifts)
