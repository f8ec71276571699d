"""The staffing snapshot from real rows: demand, supply, gap, floors, backup gaps, rotation,
unreachable channels (docs/scoring.md Part 2), and query counts that do not grow."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import AccessGrant
from teams.models import Channel, Leave, OnCallShift
from tests.factories import ChannelFactory, MemberFactory, TeamFactory
from workload.models import BurnoutScore, Category, StaffingSnapshot, TaskLog
from workload.services import scoring

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 15)  # a Sunday
FIRST = AS_OF - dt.timedelta(days=27)


def _grant(member, channel, role="publisher", **fields):
    now = timezone.now() - dt.timedelta(days=60)
    values = {"granted_at": now, "approved_at": now, "justification": "rota", **fields}
    return AccessGrant.objects.create(member=member, channel=channel, role=role, **values)


@pytest.fixture
def team():
    team = TeamFactory(
        name="Care", fte_hours=37.5, shrinkage=0.25, staffed_window_start=dt.time(9),
        staffed_window_end=dt.time(17), staffed_weekdays=[0, 1, 2, 3, 4],
    )  # fmt: skip
    return team


def test_snapshot_figures(team):
    members = [MemberFactory(team=team, weekly_hours=37.5) for _ in range(3)]
    part_timer = MemberFactory(team=team, weekly_hours=22.5)
    MemberFactory(team=team, status="on_leave")  # long absence: not counted
    MemberFactory(team=team, ended_on=AS_OF - dt.timedelta(days=1))  # left: not counted
    comments = ChannelFactory(team=team, response_sla_minutes=1440, expected_weekly_messages=0)
    # 4 weeks × 100 messages in 400 minutes: 100 a week at AHT 4 minutes.
    for week in range(4):
        TaskLog.objects.create(
            member=members[0], date=FIRST + dt.timedelta(days=7 * week), minutes=400,
            category=Category.COMMUNITY_MANAGEMENT, channel=comments, messages_handled=100,
            started_at=dt.time(10),
        )  # fmt: skip
    # Non-queue work: 4 weeks × 60 h of publishing by one member (hidden overtime).
    for day in range(0, 28):
        TaskLog.objects.create(
            member=members[1], date=FIRST + dt.timedelta(days=day), minutes=int(60 * 60 / 7),
            category=Category.PUBLISHING, started_at=dt.time(8),
        )  # fmt: skip
    scoring.staffing_recompute(as_of=AS_OF, team_ids=[team.pk])
    snap = StaffingSnapshot.objects.get(team=team, as_of=AS_OF)

    queue = snap.demand_hours["queue_channels"][str(comments.pk)]
    assert queue["kind"] == "deferrable"
    assert queue["weekly_messages"] == 100 and queue["aht_minutes"] == 4.0
    assert queue["hours"] == round(100 * 4 / 60 / 0.85, 2)
    non_queue = 28 * int(60 * 60 / 7) / 60 / 4
    assert snap.demand_hours["by_category"] == {"publishing": round(non_queue, 2)}
    demand = non_queue + 100 * 4 / 60 / 0.85
    assert snap.demand_hours["total"] == round(demand, 2)
    assert float(snap.required_fte) == pytest.approx(max(demand, 40) / (37.5 * 0.75), abs=1e-4)
    assert float(snap.seat_floor_fte) == pytest.approx(40 / (37.5 * 0.75), abs=1e-4)
    assert float(snap.available_fte) == pytest.approx((3 * 37.5 + 22.5) / 37.5, abs=1e-4)
    assert float(snap.gap_fte) == pytest.approx(
        float(snap.required_fte) - float(snap.available_fte), abs=2e-4
    )
    overtime = (non_queue - 37.5) / 37.5  # only members[1] logs more than their contract
    assert float(snap.hidden_overtime_fte) == pytest.approx(overtime, abs=1e-4)
    assert snap.details["counted_members"] == 4
    assert part_timer.weekly_hours == 22.5


def test_backup_gaps_count_only_actors(team):
    alice, bob, cara, dan = (MemberFactory(team=team) for _ in range(4))
    covered = ChannelFactory(team=team, name="Covered")
    thin = ChannelFactory(team=team, name="Thin", min_backup=2)
    _grant(alice, covered, "owner")
    _grant(bob, covered, "moderator")
    _grant(alice, thin, "publisher")
    _grant(bob, thin, "analyst")  # analysts cannot act
    _grant(cara, thin, "admin", approved_at=None)  # pending approval
    _grant(dan, thin, "publisher", expires_at=timezone.now() - dt.timedelta(days=30))
    Leave.objects.create(member=bob, start_date=AS_OF, end_date=AS_OF)  # bob is away on as_of
    scoring.staffing_recompute(as_of=AS_OF, team_ids=[team.pk])
    snap = StaffingSnapshot.objects.get(team=team)
    gaps = {g["name"]: g["actors"] for g in snap.backup_gaps}
    assert gaps == {"Covered": 1, "Thin": 1}


def test_rotation_gap_and_unreachable_channels(team):
    members = [MemberFactory(team=team) for _ in range(3)]
    ChannelFactory(team=team, always_on=True, response_sla_minutes=30)
    dm = ChannelFactory(team=team, response_sla_minutes=60, name="DMs")
    for i, member in enumerate(members[:2]):
        start = dt.datetime.combine(FIRST + dt.timedelta(days=i), dt.time(18), tzinfo=dt.UTC)
        OnCallShift.objects.create(
            member=member, starts_at=start, ends_at=start + dt.timedelta(hours=10),
            first_local_date=start.date(), last_local_date=start.date() + dt.timedelta(days=1),
        )  # fmt: skip
    scoring.staffing_recompute(as_of=AS_OF, team_ids=[team.pk])
    snap = StaffingSnapshot.objects.get(team=team)
    assert snap.rotation_gap == 2  # an always-on channel needs a rotation of 4; 2 are on it
    assert [c["name"] for c in snap.unreachable_channels] == [str(dm)]
    assert snap.details["always_on"] is True
    assert float(snap.seat_floor_fte) == pytest.approx(168 / (37.5 * 0.75), abs=1e-4)
    realtime = snap.demand_hours["queue_channels"][str(dm.pk)]
    assert realtime["kind"] == "realtime"
    assert realtime["hours"] == 40  # at least one seat in each of the 40 staffed hours


def _grow(team, members: int, days: int):
    channel = ChannelFactory(team=team, response_sla_minutes=60)
    people = [MemberFactory(team=team) for _ in range(members)]
    TaskLog.objects.bulk_create(
        TaskLog(member=p, date=AS_OF - dt.timedelta(days=d), minutes=45, started_at=dt.time(9),
                category=Category.COMMUNITY_MANAGEMENT, channel=channel, messages_handled=12,
                hostile_messages=1)
        for p in people for d in range(days)
    )  # fmt: skip
    for p in people:
        _grant(p, channel)
        Leave.objects.create(member=p, start_date=AS_OF - dt.timedelta(days=90),
                             end_date=AS_OF - dt.timedelta(days=84))  # fmt: skip
        # Leave ahead, for coverage ahead (docs/scoring.md 3.4).
        Leave.objects.create(member=p, start_date=AS_OF + dt.timedelta(days=3),
                             end_date=AS_OF + dt.timedelta(days=9))  # fmt: skip


def _recompute_queries(team) -> int:
    with CaptureQueriesContext(connection) as ctx:
        scoring.team_recompute(team_id=team.pk, as_of=AS_OF)
    return len(ctx.captured_queries)


def test_recompute_query_count_does_not_grow_with_team_size_or_history(team):
    _grow(team, members=2, days=10)
    small = _recompute_queries(team)
    _grow(team, members=25, days=400)
    large = _recompute_queries(team)
    assert small == large
    # 19 queries — team exists; scores: members (with history start), member-day sums,
    # leave, on-call, pulses, upsert; staffing: teams, channels, counted members, their
    # year of leave, non-queue sums, queue groups, inbox cover, rotation, actors, grant
    # holders, their leave ahead, upsert — plus 6 SAVEPOINT/RELEASE statements of the three
    # atomic blocks (inside the test's transaction).
    assert large == 25
    snap = StaffingSnapshot.objects.get(team=team, as_of=AS_OF)
    assert snap.delivered_coverage and snap.coverage_ahead  # the Part 3 inputs were read
    assert BurnoutScore.objects.filter(as_of=AS_OF).count() == 27
    assert Channel.objects.filter(team=team).count() == 2
