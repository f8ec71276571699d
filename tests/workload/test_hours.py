import datetime as dt

from workload.hours import WorkingWindow, after_hours_minutes, minutes_per_date, split_at_midnight

MON = dt.date(2026, 11, 16)
SAT = dt.date(2026, 11, 21)
WINDOW = WorkingWindow(start=dt.time(9, 0), end=dt.time(17, 30), workdays=frozenset(range(5)))


def test_inside_the_window_is_not_after_hours():
    assert after_hours_minutes(MON, dt.time(9, 0), 510, WINDOW) == 0


def test_before_and_after_the_window_count():
    assert after_hours_minutes(MON, dt.time(8, 0), 120, WINDOW) == 60
    assert after_hours_minutes(MON, dt.time(17, 0), 90, WINDOW) == 60
    assert after_hours_minutes(MON, dt.time(7, 0), 12 * 60, WINDOW) == 12 * 60 - 510


def test_no_start_time_counts_inside_on_a_workday_and_all_on_a_rest_day():
    assert after_hours_minutes(MON, None, 600, WINDOW) == 0
    assert after_hours_minutes(SAT, None, 45, WINDOW) == 45


def test_rest_days_and_leave_days_are_all_after_hours():
    assert after_hours_minutes(SAT, dt.time(10, 0), 60, WINDOW) == 60
    on_leave = WorkingWindow(WINDOW.start, WINDOW.end, WINDOW.workdays, frozenset({MON}))
    assert after_hours_minutes(MON, dt.time(10, 0), 60, on_leave) == 60


def test_an_entry_passing_midnight_is_split_and_each_piece_judged_on_its_own_day():
    # Friday 23:00 for 2h: one hour on Friday night (after hours), one on Saturday (rest day).
    fri = dt.date(2026, 11, 20)
    pieces = split_at_midnight(fri, dt.time(23, 0), 120)
    assert [(p.date, p.start_minute, p.minutes) for p in pieces] == [
        (fri, 23 * 60, 60),
        (SAT, 0, 60),
    ]
    assert after_hours_minutes(fri, dt.time(23, 0), 120, WINDOW) == 120
    # Sunday 23:30 for 10h: 30 min Sunday + Monday 00:00–09:30 of which 09:00–09:30 is inside.
    sun = dt.date(2026, 11, 22)
    assert after_hours_minutes(sun, dt.time(23, 30), 600, WINDOW) == 30 + 540
    assert minutes_per_date([(sun, dt.time(23, 30), 600)]) == {
        sun: 30,
        sun + dt.timedelta(days=1): 570,
    }


def test_a_members_own_workdays_decide_rest_days():
    # A Tuesday–Saturday contract: Saturday is a workday, Monday a rest day.
    window = WorkingWindow(dt.time(9, 0), dt.time(17, 0), frozenset({1, 2, 3, 4, 5}))
    assert after_hours_minutes(SAT, dt.time(10, 0), 60, window) == 0
    assert after_hours_minutes(MON, dt.time(10, 0), 60, window) == 60


def test_daylight_saving_change_uses_the_wall_clock():
    """Europe/London springs forward on 2026-03-29 at 01:00 and falls back on 2026-10-25 at
    02:00. Entries are local wall-clock times (scoring.md): 07:00 + 3h is 07:00–10:00 on the
    clock whatever the offset did overnight, so two hours fall before a 09:00 start."""
    spring_sunday = dt.date(2026, 3, 29)
    autumn_monday = dt.date(2026, 10, 26)
    window = WorkingWindow(dt.time(9, 0), dt.time(17, 0), frozenset(range(7)))
    assert after_hours_minutes(spring_sunday, dt.time(7, 0), 180, window) == 120
    assert after_hours_minutes(autumn_monday, dt.time(7, 0), 180, window) == 120
    # Across the transition itself (00:30 + 3h on the clock), minutes are what was typed.
    assert minutes_per_date([(spring_sunday, dt.time(0, 30), 180)]) == {spring_sunday: 180}
