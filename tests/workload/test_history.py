"""Recorded history (docs/scoring.md 1.1 history_start, 1.2 cold start): leave and week-off
metrics look only at what socialops holds for the member, so a long-serving person who began
logging last month is not a leave-deficit alarm on a new deployment.

Vectors H1–H4 are ours (aggregate level); the database tests build the same situations with
logs and leave written through the services and check the stored aggregates and scores."""

import dataclasses
import datetime as dt

import pytest

from teams.models import Team
from teams.services import leave_create
from tests.factories import MemberFactory
from tests.workload.test_burnout import PERSONA_A
from workload.burnout import exposures, score
from workload.explain import factor_words
from workload.models import BurnoutScore
from workload.selectors.aggregates import history_days
from workload.services import scoring
from workload.services.task_logs import task_log_create

FOUR_YEARS = 4 * 365 + 1


def with_(agg, **changes):
    return dataclasses.replace(agg, **changes)


# ---- Aggregate-level vectors ------------------------------------------------------------


def test_h1_four_years_of_tenure_one_month_of_records_is_no_alarm():
    """H1: Persona A's work, employed four years, 30 days on record, no leave recorded:
    leave_deficit 0 (nothing seen counts against them), WSI 2.39 as for Persona A."""
    h1 = with_(
        PERSONA_A, tenure_days=FOUR_YEARS, history_days=30, leave_days_365=0,
        days_since_week_off=30,
    )  # fmt: skip
    assert exposures(h1)["leave_deficit"] == 0.0
    result = score(h1)
    assert result.contributions["leave_deficit"] == 0.0
    assert round(result.wsi, 2) == 2.39


def test_h1_without_recorded_history_would_be_a_false_alarm():
    """The same person measured against their tenure (the bug): leave_deficit at its maximum,
    10.00 points, WSI 12.39 — what recorded history prevents."""
    alarm = with_(
        PERSONA_A, tenure_days=FOUR_YEARS, history_days=FOUR_YEARS, leave_days_365=0,
        days_since_week_off=FOUR_YEARS,
    )  # fmt: skip
    result = score(alarm)
    assert result.contributions["leave_deficit"] == pytest.approx(10.0)
    assert round(result.wsi, 2) == 12.39


def test_h2_two_hundred_days_on_record_without_vacation():
    """H2: 200 days on record, none of them vacation: entitlement 25 × 200/365 = 13.6986;
    the leave share counts (≥ 180 days): (0.75 − 0)/0.75 = 1 → 10.00 points."""
    h2 = with_(
        PERSONA_A, tenure_days=FOUR_YEARS, history_days=200, leave_days_365=0,
        days_since_week_off=200,
    )  # fmt: skip
    assert h2.entitlement == pytest.approx(13.6986, abs=1e-4)
    assert exposures(h2)["leave_deficit"] == 1.0


def test_h3_week_off_part_counts_only_the_days_on_record():
    """H3: 120 days on record, no week off in them: (120 − 90)/90 = 0.3333 → 3.33 points;
    under 180 days the leave share is not used."""
    h3 = with_(
        PERSONA_A, tenure_days=FOUR_YEARS, history_days=120, leave_days_365=0,
        days_since_week_off=120,
    )  # fmt: skip
    assert exposures(h3)["leave_deficit"] == pytest.approx(1 / 3)
    assert score(h3).contributions["leave_deficit"] == pytest.approx(3.3333, abs=1e-4)


def test_h4_leave_imported_from_hr_is_history():
    """H4: a year of leave imported from HR (history 365 days), 20 of 25 days taken, last
    week off 60 days ago: 20/25 = 0.8 ≥ 0.75 → no deficit."""
    h4 = with_(
        PERSONA_A, tenure_days=FOUR_YEARS, history_days=365, leave_days_365=20,
        days_since_week_off=60,
    )  # fmt: skip
    assert h4.entitlement == 25
    assert exposures(h4)["leave_deficit"] == 0.0


def test_history_days_counts_inclusively_and_never_negative():
    as_of = dt.date(2026, 11, 29)
    assert history_days(as_of, as_of) == 1
    assert history_days(as_of - dt.timedelta(days=29), as_of) == 30
    assert history_days(as_of + dt.timedelta(days=3), as_of) == 0


def test_words_say_on_record_not_since_hire():
    a = {"days_since_week_off": 30, "history_days": 30, "tenure_days": FOUR_YEARS,
         "history_start": "2026-10-31", "leave_days_365": 0.0}  # fmt: skip
    assert factor_words("leave_deficit", a) == "no week off in the 30 days on record"
    old = {"days_since_week_off": 200, "tenure_days": 800}  # stored before history existed
    assert factor_words("leave_deficit", old) == "no week off for 200 days"


# ---- Through the database -----------------------------------------------------------------


def recent_sunday() -> dt.date:
    today = dt.date.today()
    return today - dt.timedelta(days=today.weekday() + 1) - dt.timedelta(days=7)


def _month_of_work(member, as_of):
    """Weekday entries of 7.5 h for the 30 days ending on as_of."""
    # History recorded when it happened: the edit window (35 days) does not apply to setup.
    Team.objects.filter(pk=member.team_id).update(log_window_days=366)
    for offset in range(30):
        day = as_of - dt.timedelta(days=offset)
        if day.weekday() < 5:
            task_log_create(member=member, date=day, started_at=dt.time(9), minutes=450,
                            category="publishing")  # fmt: skip


@pytest.mark.django_db
def test_four_years_of_tenure_and_a_month_of_records_has_no_leave_deficit_alarm():
    as_of = recent_sunday()
    member = MemberFactory(started_on=as_of - dt.timedelta(days=FOUR_YEARS - 1))
    _month_of_work(member, as_of)
    scoring.scores_recompute(as_of=as_of, team_ids=[member.team_id])
    row = BurnoutScore.objects.get(member=member, as_of=as_of)
    first_log = min(member.task_logs.values_list("date", flat=True))
    assert row.aggregates["tenure_days"] == FOUR_YEARS
    assert row.aggregates["history_start"] == first_log.isoformat()
    assert row.aggregates["history_days"] == (as_of - first_log).days + 1
    assert row.aggregates["days_since_week_off"] == row.aggregates["history_days"]
    assert row.contributions["leave_deficit"] == 0.0
    assert row.status == "ok"


@pytest.mark.django_db
def test_history_starts_at_the_first_leave_record_and_never_before_started_on():
    as_of = recent_sunday()
    member = MemberFactory(started_on=as_of - dt.timedelta(days=FOUR_YEARS - 1))
    _month_of_work(member, as_of)
    # Leave imported from HR 300 days back: history (and week-off metrics) start there.
    imported = as_of - dt.timedelta(days=300)
    imported -= dt.timedelta(days=imported.weekday())  # a Monday
    leave_create(member=member, start_date=imported, end_date=imported + dt.timedelta(days=4),
                 kind="vacation")  # fmt: skip
    # A leave record from before the member's (corrected) start does not stretch the history.
    recent = MemberFactory(team=member.team, started_on=as_of - dt.timedelta(days=90))
    _month_of_work(recent, as_of)
    leave_create(member=recent, start_date=as_of - dt.timedelta(days=60),
                 end_date=as_of - dt.timedelta(days=58), kind="vacation")  # fmt: skip
    type(recent).objects.filter(pk=recent.pk).update(started_on=as_of - dt.timedelta(days=40))
    recent.refresh_from_db()
    scoring.scores_recompute(as_of=as_of, team_ids=[member.team_id])
    row = BurnoutScore.objects.get(member=member, as_of=as_of)
    assert row.aggregates["history_start"] == imported.isoformat()
    assert row.aggregates["history_days"] == 301
    # The week off ended on the Friday: 296 days before as_of (the week-off part is 1).
    assert row.aggregates["days_since_week_off"] == (as_of - imported).days - 4
    assert row.aggregates["leave_days_365"] == 5
    other = BurnoutScore.objects.get(member=recent, as_of=as_of)
    assert other.aggregates["history_start"] == recent.started_on.isoformat()


@pytest.mark.django_db
def test_a_member_without_records_has_history_starting_on_as_of():
    as_of = recent_sunday()
    member = MemberFactory(started_on=as_of - dt.timedelta(days=FOUR_YEARS - 1))
    scoring.scores_recompute(as_of=as_of, team_ids=[member.team_id])
    row = BurnoutScore.objects.get(member=member, as_of=as_of)
    assert row.aggregates["history_start"] == as_of.isoformat()
    assert row.aggregates["history_days"] == 1
    assert row.status == "insufficient_data"
