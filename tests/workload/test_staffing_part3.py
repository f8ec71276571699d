"""docs/scoring.md Part 3 from real rows, through the recompute and `GET /api/v1/staffing/`:
drivers, what-if, delivered coverage, measured absence and coverage ahead, for each team."""

import datetime as dt

import pytest
from django.utils import timezone

from teams.models import Leave
from teams.services import team_update
from tests.factories import AccessGrantFactory, ChannelFactory, MemberFactory, TeamFactory
from workload.models import Category, StaffingSnapshot, TaskLog
from workload.services import scoring

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 15)  # a Sunday: the 4 weeks start on Monday 19 October
FIRST = AS_OF - dt.timedelta(days=27)
PART3 = {
    "demand_fte", "binding", "drivers", "what_if", "logged_hours_per_week",
    "contracted_hours_per_week", "delivered_coverage", "measured_absence", "shrinkage",
    "coverage_ahead",
}  # fmt: skip


def _grant(member, channel, role="moderator", **fields):
    at = timezone.now() - dt.timedelta(days=400)
    return AccessGrantFactory(member=member, channel=channel, role=role, granted_at=at, **fields)


@pytest.fixture
def setup():
    """X1-like: fte_hours 40, shrinkage 0.20, staffed Mon–Fri 09–17, one always-on 60-minute
    inbox at 1,680 messages a week (no arrivals logged: a flat profile), one person on it
    Monday to Friday 09:00–17:00, a colleague from another team on Saturday mornings."""
    team = TeamFactory(
        name="Solo", fte_hours=40, shrinkage=0.20, staffed_window_start=dt.time(9),
        staffed_window_end=dt.time(17), staffed_weekdays=[0, 1, 2, 3, 4],
        timezone="Europe/London",
    )  # fmt: skip
    started = AS_OF - dt.timedelta(days=4 * 365)
    solo = MemberFactory(team=team, full_name="Sam Solo", weekly_hours=40, started_on=started)
    helper = MemberFactory(full_name="Hana Helper", started_on=started)  # another team
    inbox = ChannelFactory(team=team, platform="x", handle="@SoloHelp", always_on=True,
                           response_sla_minutes=60, expected_weekly_messages=1680)  # fmt: skip
    page = ChannelFactory(team=team, platform="facebook", handle="solo.page", min_backup=1)
    for day in range(28):
        date = FIRST + dt.timedelta(days=day)
        if date.weekday() < 5:
            TaskLog.objects.create(
                member=solo, date=date, started_at=dt.time(9), minutes=480,
                category=Category.COMMUNITY_MANAGEMENT, channel=inbox, messages_handled=0,
            )  # fmt: skip
        elif date.weekday() == 5:
            TaskLog.objects.create(
                member=helper, date=date, started_at=dt.time(9), minutes=120,
                category=Category.COMMUNITY_MANAGEMENT, channel=inbox, messages_handled=0,
            )  # fmt: skip
    # 100 h a week of other work would be 400 h over the 4 weeks: 20 h a week here.
    for week in range(4):
        TaskLog.objects.create(
            member=solo, date=FIRST + dt.timedelta(days=7 * week + 2), started_at=dt.time(18),
            minutes=1200, category=Category.PUBLISHING,
        )  # fmt: skip
    _grant(solo, inbox, "owner")
    _grant(solo, page, "owner")
    # Leave booked ahead: Mon 23 – Fri 27 November (days 8–12 after as_of).
    Leave.objects.create(member=solo, start_date=dt.date(2026, 11, 23),
                         end_date=dt.date(2026, 11, 27), kind="vacation")  # fmt: skip
    return team, solo, inbox, page


def test_the_staffing_api_returns_every_part3_field(setup, api):
    team, solo, inbox, page = setup
    scoring.staffing_recompute(as_of=AS_OF, team_ids=[team.pk])
    leader = MemberFactory(team=None, role_member=False, role_leader=True)
    team_update(team=team, leaders=[leader])
    body = api(leader).get("/api/v1/staffing/").json()
    (row,) = body["results"]
    assert set(row) >= PART3
    assert row["shrinkage"] == 0.2
    # The inbox needs one seat in each of the 168 hours (flat 10 an hour at 3 minutes).
    (inbox_driver, other) = row["drivers"]
    assert inbox_driver == {
        "kind": "realtime_queue", "channel": {"id": inbox.pk, "label": "X @SoloHelp"},
        "category": None, "label": "X @SoloHelp", "hours_per_week": 168.0, "fte": 5.25,
        "unreachable": False, "sla_minutes": 60, "always_on": True,
    }  # fmt: skip
    assert other["kind"] == "other_work" and other["category"] == "publishing"
    assert other["hours_per_week"] == 20.0
    assert row["demand_fte"] == 5.875  # (168 + 20) / 32
    assert row["required_fte"] == 5.875
    assert row["binding"] == "demand"
    assert [(w["change"], w["required_fte"], w["fte_saved"]) for w in row["what_if"]] == [
        ("staffed_window_only", 1.875, 4.0),  # (40 + 20) / 32
        # Deferrable at 4 h: (98.8235 + 20) / 32 = 3.7132, but the channel is still always-on
        # and its 24 × 7 seat floor (168 / 32 = 5.25) binds.
        ("sla_x4", 5.25, 0.625),
    ]
    assert row["logged_hours_per_week"] == 60.0  # 40 h of inbox + 20 h of publishing
    assert row["contracted_hours_per_week"] == 40.0


def test_delivered_coverage_counts_whoever_is_on_the_inbox(setup):
    team, solo, inbox, page = setup
    scoring.staffing_recompute(as_of=AS_OF, team_ids=[team.pk])
    snap = StaffingSnapshot.objects.get(team=team)
    (delivered,) = snap.delivered_coverage
    # 40 weekday hours by Sam and 2 Saturday hours by a colleague from another team.
    assert delivered["required_seat_hours"] == 168
    assert delivered["covered_seat_hours"] == 42
    assert delivered["ratio"] == 0.25
    uncovered = {(s["weekday"], s["hour"]) for s in delivered["uncovered_slots"]}
    assert len(uncovered) == 168 - 42
    assert (0, 9) not in uncovered and (5, 9) not in uncovered and (5, 11) in uncovered
    assert (6, 12) in uncovered


def test_measured_absence_needs_60_workdays_of_records(setup):
    team, solo, inbox, page = setup
    scoring.staffing_recompute(as_of=AS_OF, team_ids=[team.pk])
    snap = StaffingSnapshot.objects.get(team=team)
    # Records start on the first log (19 October): 20 workdays, too few to compare.
    assert snap.measured_absence is None
    # Leave imported from HR 300 days back: the history starts there.
    start = AS_OF - dt.timedelta(days=300)
    start -= dt.timedelta(days=start.weekday())
    Leave.objects.create(member=solo, start_date=start, end_date=start + dt.timedelta(days=11),
                         kind="vacation")  # 10 workdays  # fmt: skip
    scoring.staffing_recompute(as_of=AS_OF, team_ids=[team.pk])
    snap = StaffingSnapshot.objects.get(team=team)
    contracted = snap.details["measured_absence_workdays"]["contracted"]
    assert snap.details["measured_absence_workdays"]["leave"] == 10
    assert float(snap.measured_absence) == pytest.approx(10 / contracted, abs=1e-4)


def test_coverage_ahead_names_the_team_of_one_s_leave(setup):
    team, solo, inbox, page = setup
    scoring.staffing_recompute(as_of=AS_OF, team_ids=[team.pk])
    snap = StaffingSnapshot.objects.get(team=team)
    assert snap.details["counted_members"] == 1
    leave = [f"2026-11-{d}" for d in range(23, 28)]
    rows = {r["channel"]["label"]: r for r in snap.coverage_ahead}
    assert set(rows) == {"X @SoloHelp", "Facebook solo.page"}
    x, fb = rows["X @SoloHelp"], rows["Facebook solo.page"]
    assert x["days_without_actor"] == leave
    assert len(x["days_below_backup"]) == 28 - 5  # min_backup 2: one person is not enough
    assert fb["days_without_actor"] == leave and fb["days_below_backup"] == []
    assert fb["causes"] == [{"member": {"id": solo.pk, "name": "Sam Solo"}, "dates": leave,
                             "reasons": ["leave"]}]  # fmt: skip
    # Rows are ordered by their first such date, then label.
    assert [r["channel"]["label"] for r in snap.coverage_ahead] == [
        "X @SoloHelp", "Facebook solo.page",
    ]  # fmt: skip


def test_a_grant_expiring_or_a_last_day_ahead_is_seen(setup):
    team, solo, inbox, page = setup
    cover = MemberFactory(team=team, full_name="Cara Cover", started_on=dt.date(2020, 1, 1),
                          ended_on=AS_OF + dt.timedelta(days=10))  # fmt: skip
    _grant(cover, page, expires_at=timezone.make_aware(dt.datetime(2026, 11, 24, 9)))
    scoring.staffing_recompute(as_of=AS_OF, team_ids=[team.pk])
    snap = StaffingSnapshot.objects.get(team=team)
    fb = next(r for r in snap.coverage_ahead if r["channel"]["id"] == page.pk)
    # Cara's last day is the 25th: she covers the 23rd; her grant expires on the 24th at 09:00.
    assert fb["days_without_actor"] == ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]
    # Her grant ran out before her last day: she is not a cause (nobody's absence), Sam is.
    assert [c["member"]["name"] for c in fb["causes"]] == ["Sam Solo"]
