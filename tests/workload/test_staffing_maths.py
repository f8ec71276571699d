"""The staffing-gap arithmetic of docs/scoring.md 2.2–2.3 (pure maths: no database)."""

import datetime as dt

import pytest

from workload.erlang import service_level
from workload.staffing import (
    HOURS_PER_WEEK,
    arrival_profile,
    deferrable_hours,
    is_unreachable,
    longest_unstaffed_gap_minutes,
    move_to_staffed,
    realtime_seat_hours,
    rotation_gap,
    scale_profile,
    staffed_hours_per_week,
    staffed_slots,
    team_gap,
    window_unstaffed_gap_minutes,
)

T = dt.time
WEEKDAYS = range(5)
EVERY_DAY = range(7)


def slot(weekday, hour):
    return weekday * 24 + hour


# ---- The staffed window ----


def test_staffed_slots_of_a_whole_hour_window():
    slots = staffed_slots(T(8), T(22), EVERY_DAY)
    assert len(slots) == 14 * 7
    assert slot(0, 8) in slots and slot(0, 21) in slots
    assert slot(0, 7) not in slots and slot(0, 22) not in slots
    assert staffed_hours_per_week(T(8), T(22), EVERY_DAY) == 98


def test_partial_hours_count_as_staffed_but_hours_are_exact():
    slots = staffed_slots(T(8, 30), T(17), WEEKDAYS)
    assert sorted(s for s in slots if s < 24) == list(range(8, 17))
    assert slot(5, 10) not in slots  # Saturday
    assert staffed_hours_per_week(T(8, 30), T(17), WEEKDAYS) == 42.5
    assert slot(0, 17) in staffed_slots(T(8), T(17, 15), WEEKDAYS)


def test_always_on_is_every_slot():
    assert staffed_slots(T(9), T(17), WEEKDAYS, always_on=True) == frozenset(range(168))
    assert staffed_hours_per_week(T(9), T(17), WEEKDAYS, always_on=True) == 168


@pytest.mark.parametrize(("start", "end"), [(T(17), T(9)), (T(9), T(9))])
def test_a_window_must_end_after_it_starts(start, end):
    with pytest.raises(ValueError):
        staffed_slots(start, end, WEEKDAYS)
    with pytest.raises(ValueError):
        staffed_hours_per_week(start, end, WEEKDAYS)


def test_weekdays_are_checked():
    with pytest.raises(ValueError):
        staffed_slots(T(9), T(17), [7])


# ---- The arrival profile ----

ALL = frozenset(range(HOURS_PER_WEEK))


def test_an_entry_spreads_pro_rata_over_the_hours_it_spans():
    # Monday 09:30 for 90 minutes: 30 minutes in 09:00, 60 in 10:00.
    profile = arrival_profile([(0, 9 * 60 + 30, 90, 30.0)], ALL, weeks=1)
    assert profile[slot(0, 9)] == pytest.approx(10.0)
    assert profile[slot(0, 10)] == pytest.approx(20.0)
    assert sum(profile) == pytest.approx(30.0)


def test_an_entry_passing_midnight_spills_into_the_next_day():
    # Tuesday 23:30 for 60 minutes: half on Tuesday 23:00, half on Wednesday 00:00.
    profile = arrival_profile([(1, 23 * 60 + 30, 60, 8.0)], ALL, weeks=1)
    assert profile[slot(1, 23)] == pytest.approx(4.0)
    assert profile[slot(2, 0)] == pytest.approx(4.0)


def test_sunday_night_spills_into_monday():
    profile = arrival_profile([(6, 23 * 60, 120, 10.0)], ALL, weeks=1)
    assert profile[slot(6, 23)] == pytest.approx(5.0)
    assert profile[slot(0, 0)] == pytest.approx(5.0)


def test_a_zero_minute_entry_lands_in_its_hour():
    profile = arrival_profile([(3, 14 * 60 + 59, 0, 3.0)], ALL, weeks=1)
    assert profile[slot(3, 14)] == 3.0


def test_entries_without_a_start_spread_over_their_days_staffed_hours():
    staffed = staffed_slots(T(9), T(13), WEEKDAYS)  # 4 slots a weekday
    profile = arrival_profile([(2, None, 120, 8.0)], staffed, weeks=1)
    assert [profile[slot(2, h)] for h in range(9, 13)] == [2.0, 2.0, 2.0, 2.0]
    assert sum(profile) == pytest.approx(8.0)


def test_entries_without_a_start_on_an_unstaffed_day_spread_over_the_week():
    staffed = staffed_slots(T(9), T(11), [0, 1])  # 4 slots in the week
    profile = arrival_profile([(5, None, 60, 8.0)], staffed, weeks=1)
    assert {s: profile[s] for s in staffed} == dict.fromkeys(staffed, 2.0)
    assert sum(profile) == pytest.approx(8.0)


def test_unstaffed_arrivals_move_to_the_next_staffed_hour():
    staffed = staffed_slots(T(9), T(17), WEEKDAYS)
    entries = [
        (0, 7 * 60, 60, 6.0),  # Monday 07:00 → Monday 09:00
        (0, 20 * 60, 60, 4.0),  # Monday 20:00 → Tuesday 09:00
        (4, 18 * 60, 60, 3.0),  # Friday evening → Monday 09:00 (wraps the week)
        (6, 12 * 60, 60, 2.0),  # Sunday noon → Monday 09:00
    ]
    profile = arrival_profile(entries, staffed, weeks=1)
    assert profile[slot(0, 9)] == pytest.approx(11.0)
    assert profile[slot(1, 9)] == pytest.approx(4.0)
    assert sum(profile) == pytest.approx(15.0)
    assert all(profile[s] == 0 for s in range(HOURS_PER_WEEK) if s not in staffed)


def test_moving_wraps_from_the_end_of_the_week_to_the_start():
    staffed = frozenset({slot(0, 10), slot(3, 10)})
    profile = [0.0] * HOURS_PER_WEEK
    profile[slot(6, 23)] = 1.0
    profile[slot(3, 11)] = 2.0
    profile[slot(1, 0)] = 4.0
    moved = move_to_staffed(profile, staffed)
    assert moved[slot(0, 10)] == 3.0
    assert moved[slot(3, 10)] == 4.0
    assert sum(moved) == 7.0


def test_the_profile_is_a_weekly_mean():
    entries = [(0, 9 * 60, 60, 10.0)] * 4 + [(0, 10 * 60, 60, 2.0)]
    profile = arrival_profile(entries, ALL)  # 4 weeks by default
    assert profile[slot(0, 9)] == pytest.approx(10.0)
    assert profile[slot(0, 10)] == pytest.approx(0.5)


def test_scaling_to_the_weekly_volume():
    profile = [0.0] * HOURS_PER_WEEK
    profile[10], profile[11] = 1.0, 3.0
    scaled = scale_profile(profile, ALL, 100.0)
    assert scaled[10] == pytest.approx(25.0)
    assert scaled[11] == pytest.approx(75.0)
    assert sum(scaled) == pytest.approx(100.0)


def test_an_empty_profile_scales_uniformly_over_staffed_hours():
    staffed = staffed_slots(T(8), T(18), WEEKDAYS)  # 50 slots
    scaled = scale_profile([0.0] * HOURS_PER_WEEK, staffed, 100.0)
    assert all(scaled[s] == pytest.approx(2.0) for s in staffed)
    assert sum(scaled) == pytest.approx(100.0)
    assert all(scaled[s] == 0 for s in range(HOURS_PER_WEEK) if s not in staffed)


def test_bad_entries_are_refused():
    with pytest.raises(ValueError):
        arrival_profile([(7, 0, 60, 1.0)], ALL)
    with pytest.raises(ValueError):
        arrival_profile([(0, 1440, 60, 1.0)], ALL)
    with pytest.raises(ValueError):
        arrival_profile([(0, 0, -1, 1.0)], ALL)
    with pytest.raises(ValueError):
        arrival_profile([], ALL, weeks=0)


# ---- Demand ----


def test_g1_realtime_seat_hours():
    staffed = staffed_slots(T(8), T(22), EVERY_DAY)
    profile = [0.0] * HOURS_PER_WEEK
    for day in EVERY_DAY:
        for hour in range(8, 22):
            profile[slot(day, hour)] = 40.0 if hour < 14 else 20.0  # 6 peak, 8 off-peak
    seat_hours, per_slot = realtime_seat_hours(profile, staffed, 2.5, 60, 0.90, 0.85)
    assert per_slot[slot(2, 9)] == 2
    assert per_slot[slot(2, 15)] == 1
    assert service_level(2, 40 * 2.5 / 60, 2.5, 60) == pytest.approx(0.999746, abs=1e-6)
    assert seat_hours == (6 * 2 + 8 * 1) * 7 == 140
    assert set(per_slot) == staffed


def test_an_hour_without_arrivals_still_needs_one_seat():
    staffed = staffed_slots(T(9), T(12), [0])
    seat_hours, per_slot = realtime_seat_hours([0.0] * HOURS_PER_WEEK, staffed, 3, 30, 0.8)
    assert seat_hours == 3
    assert set(per_slot.values()) == {1}


def test_deferrable_hours():
    assert deferrable_hours(170, 3) == pytest.approx(170 * 3 / 60 / 0.85)
    assert deferrable_hours(170, 3) == pytest.approx(10.0)


def test_longest_unstaffed_gap():
    weekdays_9_to_17 = staffed_slots(T(9), T(17), WEEKDAYS)
    # Friday 17:00 → Monday 09:00 = 64 hours.
    assert longest_unstaffed_gap_minutes(weekdays_9_to_17) == 64 * 60
    assert longest_unstaffed_gap_minutes(staffed_slots(T(8), T(22), EVERY_DAY)) == 10 * 60
    assert longest_unstaffed_gap_minutes(frozenset(range(168))) == 0
    assert longest_unstaffed_gap_minutes(frozenset()) == 168 * 60
    assert longest_unstaffed_gap_minutes({slot(3, 5)}) == 167 * 60
    # The gap wraps around the end of the week: Saturday 12:00 → Monday 00:00 is 36 hours.
    assert longest_unstaffed_gap_minutes(staffed_slots(T(0), T(12), range(6))) == 36 * 60


def test_exact_window_gap():
    assert window_unstaffed_gap_minutes(T(8, 30), T(17), WEEKDAYS) == 3810
    assert window_unstaffed_gap_minutes(T(8), T(22), EVERY_DAY) == 600
    assert window_unstaffed_gap_minutes(T(9), T(17), [2]) == 7 * 1440 - 480
    assert window_unstaffed_gap_minutes(T(9), T(17), []) == 168 * 60


def test_unreachable_when_the_gap_exceeds_the_sla():
    weekdays_9_to_17 = staffed_slots(T(9), T(17), WEEKDAYS)
    assert is_unreachable(weekdays_9_to_17, 24 * 60)
    assert not is_unreachable(weekdays_9_to_17, 72 * 60)
    assert not is_unreachable(weekdays_9_to_17, 64 * 60)  # exactly the gap: reachable
    assert not is_unreachable(frozenset(range(168)), 1)


# ---- Supply, gap and floors ----


def test_g2_team_gap():
    gap = team_gap(
        demand_hours=140 + 100,
        staffed_hours_per_week=40,
        fte_hours=37.5,
        shrinkage=0.25,
        contracted_hours=[37.5] * 6 + [22.5],
        logged_hours_4w=[150.0] * 7,
    )
    assert gap.required_fte == pytest.approx(8.5333, abs=5e-5)
    assert gap.required_fte_final == pytest.approx(8.5333, abs=5e-5)
    assert gap.available_fte == pytest.approx(6.6000, abs=5e-5)
    assert gap.gap_fte == pytest.approx(1.9333, abs=5e-5)
    # Only the 22.5-hour member logs more than contracted: 37.5 − 22.5 = 15 h a week.
    assert gap.hidden_overtime_fte == pytest.approx(15 / 37.5)


def test_c1_seat_floor_of_a_24_7_seat():
    gap = team_gap(
        demand_hours=10,
        staffed_hours_per_week=staffed_hours_per_week(T(0), T(1), [], always_on=True),
        fte_hours=37.5,
        shrinkage=0.25,
        contracted_hours=[37.5] * 3,
        logged_hours_4w=[100.0] * 3,
    )
    assert gap.seat_floor_fte == pytest.approx(5.9733, abs=5e-5)
    assert gap.required_fte_final == gap.seat_floor_fte
    assert gap.gap_fte == pytest.approx(5.9733 - 3, abs=5e-5)
    assert gap.hidden_overtime_fte == 0


def test_shrinkage_divides_never_multiplies():
    gap = team_gap(
        demand_hours=80,
        staffed_hours_per_week=0,
        fte_hours=40,
        shrinkage=0.2,
        contracted_hours=[],
        logged_hours_4w=[],
    )
    assert gap.required_fte == pytest.approx(2.5)  # not 2 × 1.2 = 2.4
    assert gap.available_fte == 0


def test_team_gap_refuses_misaligned_members():
    with pytest.raises(ValueError):
        team_gap(
            demand_hours=1,
            staffed_hours_per_week=1,
            fte_hours=40,
            shrinkage=0.1,
            contracted_hours=[40],
            logged_hours_4w=[],
        )


def test_rotation_gap():
    assert rotation_gap(True, 2) == 2
    assert rotation_gap(True, 4) == 0
    assert rotation_gap(True, 6) == 0
    assert rotation_gap(False, 1) == 0
