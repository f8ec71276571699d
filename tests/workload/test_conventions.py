"""One way to show things (docs/architecture.md): ISO weeks in the trends, years on dates
outside the current year, percentages as numbers in CSVs."""

import datetime as dt

import pytest

from tests.factories import MemberFactory
from workload.dates import day_label, days_label
from workload.selectors.dashboards import TREND_WEEKS, trend_weeks
from workload.views.tables import Column, Table, csv_response, percent_cell

WEDNESDAY = dt.date(2026, 12, 2)


def test_day_label_shows_the_year_only_outside_the_current_one():
    today = dt.date(2026, 12, 3)
    assert day_label(WEDNESDAY, today) == "Wed 2 Dec"
    assert day_label(dt.date(2025, 1, 1), today) == "Wed 1 Jan 2025"
    assert "2027" in days_label([dt.date(2027, 1, 4)], today)


@pytest.mark.django_db
def test_trend_weeks_are_iso_weeks_and_the_last_is_counted_to_as_of():
    member = MemberFactory(weekly_hours=40, started_on=dt.date(2020, 1, 1))
    weeks = trend_weeks(members=[member], as_of=WEDNESDAY)
    assert len(weeks) == TREND_WEEKS
    assert all(w.first.weekday() == 0 for w in weeks)  # every week starts on a Monday
    assert all(not w.partial and w.last.weekday() == 6 for w in weeks[:-1])
    last = weeks[-1]
    assert (last.first, last.last, last.partial) == (dt.date(2026, 11, 30), WEDNESDAY, True)
    # Three of five contracted weekdays so far: 3/5 of the 40 h contract.
    assert last.contract_hours == pytest.approx(24)
    assert weeks[0].contract_hours == 40


def test_percentages_are_numbers_in_csv_and_text_on_the_page():
    table = Table("t", "T", [Column("Name"), Column("Share", True)])
    table.add("a", percent_cell(0.4249))
    assert table.rows[0][1].text == "42 %"
    body = csv_response(table, "t").content.decode()
    assert body.splitlines()[1] == "a,42"
