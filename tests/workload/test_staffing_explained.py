"""docs/scoring.md Part 3 on plain data: the X1 vector, drivers, what-if, delivered coverage,
measured absence and coverage ahead."""

import datetime as dt

import pytest

from workload.staffing import QueueChannel, TeamWindow, channel_demand
from workload.staffing_explained import (
    AbsencePeriod,
    AheadChannel,
    CoverEntry,
    Holder,
    contracted_days,
    coverage_ahead,
    delivered_coverage,
    drivers,
    measured_absence,
    slot_ranges,
    what_if,
)

WEEKDAYS = TeamWindow(dt.time(9), dt.time(17), frozenset(range(5)))
X_CHANNEL = QueueChannel(
    id=1, label="X @HalcyonHelp", always_on=True, sla_minutes=60, service_level_target=0.8,
    weekly_volume=1680, aht_minutes=3,
)  # fmt: skip


def x1():
    return what_if(
        channels=[X_CHANNEL], window=WEEKDAYS, other_hours=100, always_on_channel_ids=[1],
        fte_hours=40, shrinkage=0.20,
    )  # fmt: skip


def test_x1_drivers_and_requirement():
    demand = channel_demand(X_CHANNEL, WEEKDAYS)
    assert demand.hours == 168
    assert set(demand.per_slot.values()) == {1} and len(demand.per_slot) == 168
    rows = drivers(channels=[demand], other_hours_by_category={"publishing": 100},
                   category_labels={"publishing": "Publishing"}, productive_hours=32)  # fmt: skip
    assert [(r["kind"], r["hours_per_week"]) for r in rows] == [
        ("realtime_queue", 168), ("other_work", 100),
    ]  # fmt: skip
    assert sum(r["hours_per_week"] for r in rows) == 268
    assert rows[0]["fte"] == pytest.approx(5.25)
    now, _ = x1()
    assert now.demand_hours == 268
    assert now.demand_fte == pytest.approx(8.375)
    assert now.seat_floor_fte == pytest.approx(5.25)
    assert now.required_fte == pytest.approx(8.375)
    assert now.binding == "demand"


def test_x1_what_if():
    _, rows = x1()
    by_change = {r["change"]: r for r in rows}
    assert [r["change"] for r in rows] == ["staffed_window_only", "sla_x4"]
    sla = by_change["sla_x4"]
    assert sla["becomes_deferrable"] and sla["sla_minutes"] == 240
    assert round(sla["required_fte"], 4) == 6.2132  # (98.8235 + 100) / 32
    assert round(sla["fte_saved"], 4) == 2.1618
    window = by_change["staffed_window_only"]
    assert round(window["required_fte"], 4) == 4.375  # (40 + 100) / 32; floor 1.25
    assert round(window["fte_saved"], 4) == 4.0


def test_what_if_keeps_rows_that_save_nothing_and_a_remaining_always_on_floor():
    other = QueueChannel(id=2, label="Facebook Halcyon", always_on=False, sla_minutes=1440,
                         service_level_target=0.8, weekly_volume=0, aht_minutes=3)  # fmt: skip
    _, rows = what_if(
        channels=[X_CHANNEL, other], window=WEEKDAYS, other_hours=0,
        always_on_channel_ids=[1, 99], fte_hours=40, shrinkage=0.2,
    )  # fmt: skip
    window = next(r for r in rows if r["change"] == "staffed_window_only")
    # Another always-on channel (99) remains: the seat floor stays 168 / 32 = 5.25.
    assert round(window["required_fte"], 4) == 5.25
    assert window["fte_saved"] == 0.0
    assert all(r["channel"]["id"] == 1 for r in rows)  # deferrable channels get no row


def test_drivers_order_by_hours_then_label():
    rows = drivers(channels=[], other_hours_by_category={"b": 5, "a": 5, "c": 9},
                   category_labels={"a": "Alpha", "b": "Beta", "c": "Gamma"},
                   productive_hours=10)  # fmt: skip
    assert [r["label"] for r in rows] == ["Gamma", "Alpha", "Beta"]


def test_delivered_coverage_counts_distinct_members_up_to_n_per_slot():
    demand = channel_demand(
        QueueChannel(id=3, label="Instagram @h", always_on=False, sla_minutes=60,
                     service_level_target=0.8, weekly_volume=0, aht_minutes=3),
        TeamWindow(dt.time(9), dt.time(11), frozenset({0})),
    )  # fmt: skip
    assert demand.per_slot == {9: 1, 10: 1}
    # Monday 09:30–10:15 in weeks 1–3 by two people (counts once per slot); week 4 nothing.
    entries = [CoverEntry(m, 7 * w, 570, 45) for w in range(3) for m in (1, 2)]
    result = delivered_coverage(demand, entries, first_weekday=0)
    assert result["required_seat_hours"] == 2
    assert result["covered_seat_hours"] == pytest.approx(6 / 4)
    assert result["ratio"] == pytest.approx(0.75)
    assert result["uncovered_slots"] == []
    # Only week 1: both slots uncovered in 3 of 4 weeks.
    result = delivered_coverage(demand, entries[:2], first_weekday=0)
    assert result["uncovered_slots"] == [{"weekday": 0, "hour": 9}, {"weekday": 0, "hour": 10}]


def test_delivered_coverage_follows_the_calendar_and_midnight():
    demand = channel_demand(X_CHANNEL, WEEKDAYS)
    # The window starts on a Wednesday; an entry 23:30 + 60 min covers Wed 23 and Thu 00.
    result = delivered_coverage(demand, [CoverEntry(1, 0, 23 * 60 + 30, 60)], first_weekday=2)
    assert result["covered_seat_hours"] == pytest.approx(2 / 4)
    assert {"weekday": 2, "hour": 23} in result["uncovered_slots"]  # only 1 week of 4
    assert len(result["uncovered_slots"]) == 168


def test_slot_ranges():
    weekend = [{"weekday": d, "hour": h} for d in (5, 6) for h in range(24)]
    slots = [{"weekday": 0, "hour": h} for h in range(0, 9)] + weekend
    assert slot_ranges(slots) == ["Mon 00:00–09:00", "Sat 00:00–Mon 00:00"]
    assert slot_ranges([{"weekday": 2, "hour": 23}]) == ["Wed 23:00–24:00"]


def test_measured_absence():
    monday = dt.date(2026, 1, 5)
    weekdays = frozenset(range(5))
    assert contracted_days(monday, monday + dt.timedelta(days=13), weekdays) == 10
    assert contracted_days(monday + dt.timedelta(days=5), monday + dt.timedelta(days=6),
                           weekdays) == 0  # fmt: skip
    leave = frozenset(monday + dt.timedelta(days=i) for i in range(7))  # 5 workdays + weekend
    year = AbsencePeriod(weekdays, monday, monday + dt.timedelta(days=83), leave)  # 60 workdays
    assert measured_absence([year]) == (5, 60, pytest.approx(5 / 60))
    short = AbsencePeriod(weekdays, monday, monday + dt.timedelta(days=76), leave)
    assert measured_absence([short])[2] is None  # 55 workdays: too few to compare


def test_coverage_ahead_names_the_absences():
    days = [dt.date(2027, 1, 4) + dt.timedelta(days=i) for i in range(5)]
    noon = {d: dt.datetime.combine(d, dt.time(12), tzinfo=dt.UTC) for d in days}
    channels = [AheadChannel(1, "X @solo", 2), AheadChannel(2, "Instagram @solo", 1),
                AheadChannel(3, "TikTok @fine", 0)]  # fmt: skip
    started = dt.date(2020, 1, 1)
    holders = [
        Holder(1, 10, "Sam Solo", started, None, False, None),
        Holder(2, 10, "Sam Solo", started, None, False, None),
        # Expires on the 3rd day at 09:00: not effective from then, not a cause.
        Holder(2, 11, "Ada Temp", started, None, False,
               dt.datetime.combine(days[2], dt.time(9), tzinfo=dt.UTC)),
    ]  # fmt: skip
    leave = {10: frozenset(days[1:3])}
    rows = coverage_ahead(channels=channels, holders=holders, leave=leave, days=days, noon=noon)
    assert [r["channel"]["label"] for r in rows] == ["X @solo", "Instagram @solo"]
    x, ig = rows
    assert x["days_without_actor"] == days[1:3]
    assert x["days_below_backup"] == [days[0], days[3], days[4]]
    assert x["causes"] == [
        {"member": {"id": 10, "name": "Sam Solo"}, "dates": days[1:3], "reasons": ["leave"]}
    ]
    assert ig["days_without_actor"] == [days[2]]  # Ada covered the 2nd; her grant ran out
    assert ig["days_below_backup"] == []
