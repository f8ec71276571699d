"""After-hours time and the midnight split, through the one implementation every reader uses:
the pieces in SQL (TaskLogQuerySet.with_pieces) and the rule (workload.hours.after_hours)."""

import datetime as dt

import pytest

from teams.models import Leave
from tests.factories import MemberFactory, TaskLogFactory
from workload.hours import after_hours, minutes_per_date, split_at_midnight
from workload.models import TaskLog
from workload.selectors.after_hours import after_hours_for

MON = dt.date(2026, 11, 16)
SAT = dt.date(2026, 11, 21)

pytestmark = pytest.mark.django_db


def _after_hours(day, started_at, minutes, *, workdays=(0, 1, 2, 3, 4), end=dt.time(17, 30),
                 leave=()):  # fmt: skip
    member = MemberFactory(workday_start=dt.time(9, 0), workday_end=end, workdays=list(workdays))
    for leave_day in leave:
        Leave.objects.create(member=member, start_date=leave_day, end_date=leave_day)
    log = TaskLogFactory(member=member, date=day, started_at=started_at, minutes=minutes)
    annotated = list(TaskLog.objects.filter(pk=log.pk).with_pieces().select_related("member"))
    return after_hours_for(annotated)[log.pk]


def test_the_rule_itself():
    assert after_hours(60, 40, available_workday=True) == 20
    assert after_hours(60, 40, available_workday=False) == 60


def test_inside_the_window_is_not_after_hours():
    assert _after_hours(MON, dt.time(9, 0), 510) == 0


def test_before_and_after_the_window_count():
    assert _after_hours(MON, dt.time(8, 0), 120) == 60
    assert _after_hours(MON, dt.time(17, 0), 90) == 60
    assert _after_hours(MON, dt.time(7, 0), 12 * 60) == 12 * 60 - 510


def test_no_start_time_counts_inside_on_a_workday_and_all_on_a_rest_day():
    assert _after_hours(MON, None, 600) == 0
    assert _after_hours(SAT, None, 45) == 45


def test_rest_days_and_leave_days_are_all_after_hours():
    assert _after_hours(SAT, dt.time(10, 0), 60) == 60
    assert _after_hours(MON, dt.time(10, 0), 60, leave=[MON]) == 60


def test_an_entry_passing_midnight_is_split_and_each_piece_judged_on_its_own_day():
    # Friday 23:00 for 2h: one hour on Friday night (after hours), one on Saturday (rest day).
    fri = dt.date(2026, 11, 20)
    pieces = split_at_midnight(fri, dt.time(23, 0), 120)
    assert [(p.date, p.start_minute, p.minutes) for p in pieces] == [
        (fri, 23 * 60, 60),
        (SAT, 0, 60),
    ]
    assert _after_hours(fri, dt.time(23, 0), 120) == 120
    # Sunday 23:30 for 10h: 30 min Sunday + Monday 00:00–09:30 of which 09:00–09:30 is inside.
    sun = dt.date(2026, 11, 22)
    assert _after_hours(sun, dt.time(23, 30), 600) == 30 + 540
    assert minutes_per_date([(sun, dt.time(23, 30), 600)]) == {
        sun: 30,
        sun + dt.timedelta(days=1): 570,
    }


def test_leave_on_the_next_day_makes_the_spilled_piece_after_hours():
    sun = dt.date(2026, 11, 22)
    assert _after_hours(sun, dt.time(23, 30), 600, leave=[sun + dt.timedelta(days=1)]) == 600


def test_a_members_own_workdays_decide_rest_days():
    # A Tuesday–Saturday contract: Saturday is a workday, Monday a rest day.
    tue_sat = (1, 2, 3, 4, 5)
    assert _after_hours(SAT, dt.time(10, 0), 60, workdays=tue_sat, end=dt.time(17, 0)) == 0
    assert _after_hours(MON, dt.time(10, 0), 60, workdays=tue_sat, end=dt.time(17, 0)) == 60


def test_daylight_saving_change_uses_the_wall_clock():
    """Europe/London springs forward on 2026-03-29 at 01:00 and falls back on 2026-10-25 at
    02:00. Entries are local wall-clock times (docs/scoring.md): 07:00 + 3h is 07:00–10:00 on
    the clock whatever the offset did overnight, so two hours fall before a 09:00 start."""
    spring_sunday = dt.date(2026, 3, 29)
    autumn_monday = dt.date(2026, 10, 26)
    every_day = range(7)
    assert _after_hours(spring_sunday, dt.time(7, 0), 180, workdays=every_day) == 120
    assert _after_hours(autumn_monday, dt.time(7, 0), 180, workdays=every_day) == 120
    # Across the transition itself (00:30 + 3h on the clock), minutes are what was typed.
    assert minutes_per_date([(spring_sunday, dt.time(0, 30), 180)]) == {spring_sunday: 180}
