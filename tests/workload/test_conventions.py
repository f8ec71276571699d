"""One way to show things (docs/architecture.md): ISO weeks in the trends, years on dates
outside the current year, percentages as numbers in CSVs."""

import datetime as dt

import pytest

from tests.factories import MemberFactory, TaskLogFactory
from workload.dates import day_label, days_label
from workload.selectors.dashboards import TREND_WEEKS, trend_weeks
from workload.views.panels import chart_label, trend_table
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


def test_the_day_label_filter_reads_dates_and_instants_in_the_local_date():
    from django.template import Context, Template

    template = Template("{% load durations %}{{ d|day_label:today }}|{{ d|day_label }}")
    today = dt.date(2026, 12, 3)
    assert template.render(Context({"d": WEDNESDAY, "today": today})).startswith("Wed 2 Dec|")
    assert template.render(Context({"d": dt.date(2025, 1, 1), "today": today})).startswith(
        "Wed 1 Jan 2025|"
    )
    instant = dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.UTC)  # the active zone is UTC
    assert template.render(Context({"d": instant, "today": today})).startswith("Wed 2 Dec|")
    assert template.render(Context({"d": None, "today": None})) == "|"


@pytest.mark.django_db
def test_the_trend_table_names_iso_weeks_and_marks_the_partial_one():
    member = MemberFactory(weekly_hours=40, started_on=dt.date(2020, 1, 1))
    TaskLogFactory(member=member, date=WEDNESDAY, started_at=dt.time(10), minutes=8 * 60)
    weeks = trend_weeks(members=[member], as_of=WEDNESDAY)
    table = trend_table(weeks, today=dt.date(2026, 12, 3))
    first, last = table.rows[0], table.rows[-1]
    assert first[0].text == "W38 · 14 Sep" and first[1].text == "Sun 20 Sep"
    assert last[0].text == "W49 · 30 Nov (to Wed 2 Dec)" and last[1].text == "Wed 2 Dec"
    # 8 h against 3/5 of 40 h: 33 %, fair for the three days so far; whole hours on the page.
    # 10:00–18:00 runs half an hour past the 17:30 end of the working day: 1 h (half-up) on
    # the page, 0.5 in the CSV.
    assert [c.text for c in last[2:7]] == ["8", "24", "33 %", "1", "6 %"]
    lines = csv_response(table, "trend").content.decode().splitlines()
    assert lines[-1] == "2026-11-30,2026-12-02,8,24,33,0.5,6,0,0"
    assert [chart_label(w) for w in weeks[-2:]] == ["W48", "W49*"]
    # Outside the current year the dates carry the year.
    assert trend_table(weeks, today=dt.date(2027, 1, 4)).rows[-1][0].text == (
        "W49 · 30 Nov 2026 (to Wed 2 Dec 2026)"
    )


@pytest.mark.django_db
def test_scores_are_whole_on_me_and_the_member_dashboard(personas, client):
    from tests.workload.test_dashboards import _score

    _score(personas.member)  # WSI 79.83, risk 72.06; recovery 12.5 and after hours 8.33 points
    member_page = f"/dashboard/members/{personas.member.pk}/"
    for viewer, url in ((personas.member, "/me/"), (personas.leader, member_page)):
        client.force_login(viewer.user)
        page = client.get(url).content.decode()
        assert 'id="wsi">80<' in page and "79.83" not in page
        factors = page[page.index('id="table-factors"') :]
        factors = factors[: factors.index("</table>")]
        assert '<th scope="row">Too little recovery</th><td class="num">13</td>' in factors
        assert '<td class="num">8</td>' in factors and "8.33" not in factors
        assert "12.5" not in factors
    client.force_login(personas.member.user)
    assert 'id="blended"' in client.get("/me/").content.decode()
    csv = client.get("/me/csv/factors/").content.decode()
    assert "Too little recovery,12.5,15," in csv  # two decimals and plain numbers in the CSV


@pytest.mark.django_db
def test_my_week_confirms_an_entry_with_its_day(personas, client):
    member = personas.member
    client.force_login(member.user)
    today = member.today()
    response = client.post(
        "/log/",
        {
            "date": today.isoformat(),
            "duration": "1h30",
            "category": "community_management",
            "messages_handled": "12",
        },
        follow=True,
    )
    assert f"Logged 1h30 of Community management on {day_label(today, today)}." in (
        response.content.decode()
    )
