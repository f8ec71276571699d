"""Personas A and B of docs/scoring.md 1.5, written as daily logs, leave, on-call shifts and a pulse
through the services, produce their aggregates and their expected scores after a recompute."""

import datetime as dt
import zoneinfo

import pytest

from teams.models import Team
from teams.services import leave_create, on_call_create
from tests.factories import MemberFactory
from workload.models import BurnoutScore
from workload.services import scoring
from workload.services.pulse import pulse_submit
from workload.services.task_logs import task_log_create

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def recent_sunday() -> dt.date:
    """A Sunday 8 to 14 days ago: logs are in the past and its pulse week is still open."""
    today = dt.date.today()
    return today - dt.timedelta(days=today.weekday() + 1) - dt.timedelta(days=7)


def _log(member, day, start, minutes, category="community_management", **extra):
    h, m = divmod(start, 60)
    # History recorded when it happened: the edit window (35 days) does not apply to setup.
    Team.objects.filter(pk=member.team_id).update(log_window_days=366)
    task_log_create(member=member, date=day, started_at=dt.time(h, m), minutes=minutes,
                    category=category, **extra)  # fmt: skip


def _vacation(member, first, last):
    leave_create(member=member, start_date=first, end_date=last, kind="vacation")


def persona_a(team, as_of):
    member = MemberFactory(team=team, full_name="Persona A", timezone="Europe/London",
                           workday_start=dt.time(9), workday_end=dt.time(17, 30),
                           started_on=as_of - dt.timedelta(days=800))  # fmt: skip
    monday = as_of - dt.timedelta(days=27)
    per_day = [456, 444, 468, 432]  # minutes a weekday, weeks 1–4: 38 h, 37 h, 39 h, 36 h
    for week, minutes in enumerate(per_day):
        for weekday in range(5):
            day = monday + dt.timedelta(days=7 * week + weekday)
            hostile = 40 if (week, weekday) == (0, 0) else None
            _log(member, day, 9 * 60, minutes, hostile_messages=hostile)
    # Two evening hours on the last Wednesday: week 4 reaches 38 h, 2 h after hours in all.
    _log(member, monday + dt.timedelta(days=23), 18 * 60, 120, category="publishing")
    # 22 vacation workdays in the year; the last week off ended 60 days before as_of.
    week_off_end = as_of - dt.timedelta(days=60)
    _vacation(member, week_off_end - dt.timedelta(days=6), week_off_end)  # 5 workdays
    summer = as_of - dt.timedelta(days=140)
    summer = summer - dt.timedelta(days=summer.weekday())
    _vacation(member, summer, summer + dt.timedelta(days=18))  # 3 weeks: 15 workdays
    spring = as_of - dt.timedelta(days=250)
    spring = spring - dt.timedelta(days=spring.weekday())
    _vacation(member, spring, spring + dt.timedelta(days=1))  # 2 workdays
    pulse_submit(member=member, week=as_of - dt.timedelta(days=6),
                 answers=[25, 25, 0, 75, 25, 25, 0])  # fmt: skip
    return member


def persona_b(team, as_of):
    """Workday 08:00–20:00: the doc leaves the window open, and B's hours need a long one."""
    member = MemberFactory(team=team, full_name="Persona B", timezone="Europe/London",
                           workday_start=dt.time(8), workday_end=dt.time(20),
                           started_on=as_of - dt.timedelta(days=800))  # fmt: skip
    day = {n: as_of - dt.timedelta(days=28 - n) for n in range(1, 29)}  # D1 = Monday
    for n in range(1, 6):  # week 1: 07:00 starts (1 h after hours a day), 49 h with Saturday
        _log(member, day[n], 7 * 60, 582)
    _log(member, day[6], 10 * 60, 30)
    # Week 2: 56 h, the crisis week: 16 crisis hours, 240 hostile messages.
    _log(member, day[8], 7 * 60, 666, category="crisis_response", hostile_messages=120)
    _log(member, day[9], 7 * 60, 294, crisis=True)
    _log(member, day[9], 7 * 60 + 294, 372, hostile_messages=120)
    for n in (10, 11, 12):
        _log(member, day[n], 7 * 60, 666)
    _log(member, day[13], 10 * 60, 30)
    # Week 3: 47 h and the start of an 11-day run through the weekend.
    _log(member, day[15], 7 * 60 + 50, 552)
    for n in (16, 17, 18, 19):
        _log(member, day[n], 8 * 60, 552)
    _log(member, day[20], 10 * 60, 30)
    _log(member, day[21], 10 * 60, 30)
    # Week 4: 56 h; 09:00–23:00 three days running gives three quick returns.
    for n in (22, 23, 24):
        _log(member, day[n], 9 * 60, 840)
    _log(member, day[25], 9 * 60, 830)
    _log(member, day[26], 10 * 60, 10)  # logged, but under 15 minutes: not a worked day
    # On call 7 window days.
    for first, last in ((6, 7), (13, 14), (20, 21), (27, 27)):
        on_call_create(
            member=member,
            starts_at=dt.datetime.combine(day[first], dt.time(8), tzinfo=LONDON),
            ends_at=dt.datetime.combine(day[last], dt.time(20), tzinfo=LONDON),
        )
    # 7 vacation workdays in the year; the last week off ended 200 days before as_of.
    week_off_end = as_of - dt.timedelta(days=200)
    _vacation(member, week_off_end - dt.timedelta(days=6), week_off_end)
    later = as_of - dt.timedelta(days=100)
    later = later - dt.timedelta(days=later.weekday())
    _vacation(member, later, later + dt.timedelta(days=1))
    pulse_submit(member=member, week=as_of - dt.timedelta(days=6),
                 answers=[75, 50, 50, 25, 75, 50, 75])  # fmt: skip
    return member


@pytest.fixture
def as_of():
    sunday = recent_sunday()
    assert sunday.weekday() == 6
    return sunday


def _scores(personas, as_of):
    a = persona_a(personas.team, as_of)
    b = persona_b(personas.team, as_of)
    scoring.scores_recompute(as_of=as_of, team_ids=[personas.team.pk])
    return BurnoutScore.objects.get(member=a, as_of=as_of), BurnoutScore.objects.get(
        member=b, as_of=as_of
    )


def test_persona_a_aggregates_and_score(personas, as_of):
    a, _ = _scores(personas, as_of)
    agg = a.aggregates
    assert agg | {} == agg  # a plain dict
    expected = {
        "contracted_hours": 37.5, "contracted_weekdays": 5, "window_days": 28,
        "contracted_workdays": 20, "leave_workdays": 0, "logged_workdays": 20,
        "total_hours": 152.0, "after_hours_hours": 2.0, "rest_days": 8, "rest_days_worked": 0,
        "max_consecutive_days": 5, "quick_returns": 0, "on_call_days": 0,
        "hostile_messages": 40, "crisis_hours": 0.0, "weekly_hours": [38.0, 37.0, 39.0, 38.0],
        "leave_days_365": 22.0, "annual_entitlement": 25.0, "days_since_week_off": 60,
    }  # fmt: skip
    assert {k: agg[k] for k in expected} == expected
    assert (a.status, a.mode, a.band, a.wsi_band) == ("ok", "blended", "low", "low")
    assert (float(a.wsi), float(a.wrb), float(a.risk)) == (2.39, 17.86, 10.12)
    assert a.contributions["long_hours"] == 0.89
    assert a.contributions["emotional_load"] == 1.5
    assert a.band_overrides == []


def test_persona_b_aggregates_and_score(personas, as_of):
    _, b = _scores(personas, as_of)
    expected = {
        "contracted_workdays": 20, "leave_workdays": 0, "logged_workdays": 20,
        "total_hours": 208.0, "after_hours_hours": 24.0, "rest_days": 8, "rest_days_worked": 4,
        "max_consecutive_days": 11, "quick_returns": 3, "on_call_days": 7,
        "hostile_messages": 240, "crisis_hours": 16.0, "weekly_hours": [49.0, 56.0, 47.0, 56.0],
        "leave_days_365": 7.0, "days_since_week_off": 200,
    }  # fmt: skip
    assert {k: b.aggregates[k] for k in expected} == expected
    assert b.contributions == {
        "long_hours": 25.0, "after_hours": 8.33, "rest_day_work": 10.0, "recovery": 12.5,
        "on_call": 5.0, "emotional_load": 9.0, "leave_deficit": 10.0,
    }  # fmt: skip
    assert (float(b.wsi), float(b.wrb), float(b.risk)) == (79.83, 64.29, 72.06)
    assert (b.band, b.wsi_band) == ("high", "very_high")
    assert b.band_overrides == ["pulse_high", "long_weeks"]


def test_recomputing_leaves_identical_rows(personas, as_of):
    _scores(personas, as_of)
    fields = [f.name for f in BurnoutScore._meta.fields if f.name not in ("id", "computed_at")]
    first = list(BurnoutScore.objects.order_by("member_id").values(*fields))
    ids = list(BurnoutScore.objects.order_by("member_id").values_list("pk", flat=True))
    scoring.scores_recompute(as_of=as_of, team_ids=[personas.team.pk])
    assert list(BurnoutScore.objects.order_by("member_id").values(*fields)) == first
    assert list(BurnoutScore.objects.order_by("member_id").values_list("pk", flat=True)) == ids
