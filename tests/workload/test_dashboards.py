"""Leader dashboards and My dashboard over the Django client: who may open which page,
privacy tiers, withheld aggregates, CSV downloads, recompute, and query counts that do not
grow with team size or history length."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from socialops.audit.models import AuditEvent
from tests.factories import MemberFactory, TaskLogFactory
from tests.workload.test_explain import CONTRIBUTIONS_B, PERSONA_B
from workload.dates import day_label, short_date
from workload.models import BurnoutScore, Category, RecomputeJob, StaffingSnapshot, TaskLog
from workload.services import jobs
from workload.tasks import recompute_start

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 15)


def _score(member, as_of=AS_OF, **fields):
    values = {
        "status": "ok", "risk": Decimal("72.06"), "wsi": Decimal("79.83"),
        "wrb": Decimal("64.29"), "band": "high", "wsi_band": "very_high", "mode": "blended",
        "contributions": CONTRIBUTIONS_B, "band_overrides": ["pulse_high", "long_weeks"],
        "coverage": Decimal("1"), "aggregates": PERSONA_B, "computed_at": timezone.now(),
        **fields,
    }  # fmt: skip
    return BurnoutScore.objects.create(member=member, as_of=as_of, **values)


def _snapshot(team, as_of=AS_OF, **fields):
    values = {
        "demand_hours": {
            "total": 240.0, "non_queue": 100.0, "queue": 140.0,
            "by_category": {"publishing": 60.0, "analytics_reporting": 40.0},
            "queue_channels": {"1": {"name": "Instagram @community", "kind": "realtime",
                                     "hours": 140.0, "weekly_messages": 2000.0,
                                     "aht_minutes": 2.5, "sla_minutes": 60}},
        },
        "required_fte": Decimal("8.5333"), "available_fte": Decimal("6.6"),
        "gap_fte": Decimal("1.9333"), "hidden_overtime_fte": Decimal("0.5"),
        "seat_floor_fte": Decimal("1.5"), "rotation_gap": 2,
        "backup_gaps": [{"channel": 1, "name": "Community on Instagram", "platform": "instagram",
                         "handle": "@community", "actors": 1, "min_backup": 2}],
        "unreachable_channels": [],
        "details": {"staffed_hours_per_week": 45.0, "always_on": True, "counted_members": 7,
                    "rotation_size": 2, "shrinkage": 0.25, "fte_hours": 37.5},
        "computed_at": timezone.now(), **fields,
    }  # fmt: skip
    return StaffingSnapshot.objects.create(team=team, as_of=as_of, **values)


@pytest.fixture
def scored(personas):
    return score_the_personas(personas)


def score_the_personas(personas):
    """The team's two members scored (Maya not sharing her pulse), a foreigner scored, and a
    staffing snapshot for both teams (the `scored` fixture; also used by other modules)."""
    _score(personas.member)
    _score(personas.teammate, wsi=Decimal("20.5"), wsi_band="low", risk=Decimal("30"),
           band="moderate", wrb=None, mode="objective_only", band_overrides=[])  # fmt: skip
    _score(personas.foreigner)
    _snapshot(personas.team)
    _snapshot(personas.other_team)
    return personas


def _as(client, member):
    if member is not None:
        client.force_login(member.user)
    return client


# ---- Permission matrix ---------------------------------------------------------------------

PERSONAS = ["member", "teammate", "leader", "admin", "foreigner", None]


def _urls(p):
    return {
        "landing": "/dashboard/",
        "team:own": f"/dashboard/teams/{p.team.pk}/",
        "team:foreign": f"/dashboard/teams/{p.other_team.pk}/",
        "team-csv:own": f"/dashboard/teams/{p.team.pk}/csv/members/",
        "team-csv:foreign": f"/dashboard/teams/{p.other_team.pk}/csv/members/",
        "member:same-team": f"/dashboard/members/{p.member.pk}/",
        "member:foreign": f"/dashboard/members/{p.foreigner.pk}/",
        "member-csv:same-team": f"/dashboard/members/{p.member.pk}/csv/trend/",
        "member-csv:foreign": f"/dashboard/members/{p.foreigner.pk}/csv/trend/",
        "org": "/dashboard/org/",
        "org-csv": "/dashboard/org/csv/teams/",
        "me": "/me/",
        "me-csv": "/me/csv/trend/",
    }


LEADER = {"landing": 200, "team:own": 200, "team:foreign": 404, "team-csv:own": 200,
          "team-csv:foreign": 404, "member:same-team": 200, "member:foreign": 404,
          "member-csv:same-team": 200, "member-csv:foreign": 404, "org": 200, "org-csv": 200,
          "me": 403, "me-csv": 403}  # fmt: skip
NOT_LEADER = dict.fromkeys(LEADER, 403) | {"me": 200, "me-csv": 200}
EXPECTED = {
    "member": NOT_LEADER,
    "teammate": NOT_LEADER,
    "foreigner": NOT_LEADER,
    "leader": LEADER,  # a leader without the member role has no /me/
    "admin": dict.fromkeys(LEADER, 403),
    None: dict.fromkeys(LEADER, 302),  # anonymous: to the sign-in page
}


@pytest.mark.parametrize("caller", PERSONAS)
def test_permission_matrix(scored, client, caller):
    _as(client, getattr(scored, caller) if caller else None)
    seen = {name: client.get(url).status_code for name, url in _urls(scored).items()}
    assert seen == EXPECTED[caller]


@pytest.mark.parametrize("caller", PERSONAS)
def test_recompute_permissions(scored, client, caller, django_capture_on_commit_callbacks):
    _as(client, getattr(scored, caller) if caller else None)
    own = client.post(f"/dashboard/teams/{scored.team.pk}/recompute/")
    foreign = client.post(f"/dashboard/teams/{scored.other_team.pk}/recompute/")
    expected = {"leader": (302, 404), None: (302, 302)}.get(caller, (403, 403))
    assert (own.status_code, foreign.status_code) == expected
    assert RecomputeJob.objects.exists() == (caller == "leader")


def test_a_member_who_leads_another_team_gets_404_for_this_teams_pages(scored, client):
    scored.foreigner.role_leader = True
    scored.foreigner.save()
    scored.other_team.leaders.add(scored.foreigner)
    _as(client, scored.foreigner)
    assert client.get(f"/dashboard/teams/{scored.team.pk}/").status_code == 404
    assert client.get(f"/dashboard/members/{scored.member.pk}/").status_code == 404
    assert client.get(f"/dashboard/teams/{scored.other_team.pk}/").status_code == 200
    assert client.get("/me/").status_code == 200  # still a member


def test_landing_pages(scored, client):
    assert _as(client, scored.leader).get("/").url == "/dashboard/"
    assert _as(client, scored.member).get("/").url == "/log/"
    assert _as(client, scored.admin).get("/").url == "/governance/"


def test_nav_links_by_role(scored, client):
    leader = _as(client, scored.leader).get("/dashboard/").content.decode()
    assert 'href="/dashboard/">Dashboard</a>' in leader and 'href="/me/"' not in leader
    member = _as(client, scored.member).get("/me/").content.decode()
    assert 'href="/me/">Me</a>' in member and 'href="/dashboard/"' not in member


def test_a_leader_of_several_teams_gets_a_switcher(scored, client):
    scored.other_team.leaders.add(scored.leader)
    body = _as(client, scored.leader).get("/dashboard/").content.decode()
    assert "Teams you lead:" in body
    assert f'href="/dashboard/teams/{scored.other_team.pk}/"' in body
    # The landing page is the first team by name: "Brand" before "Community".
    assert "<h1>Brand" in body


# ---- What the team dashboard shows ------------------------------------------------------------


def test_team_dashboard_staffing_and_headcount_sentence(scored, client):
    body = _as(client, scored.leader).get("/dashboard/").content.decode()
    assert 'id="gap-fte">+1.9<' in body
    assert 'id="required-fte">8.5<' in body and 'id="available-fte">6.6<' in body
    assert (
        "Community needs 1.9 more FTE: demand is 240 h a week (140 h of real-time inbox seats, "
        "100 h of other work), which takes 8.5 FTE once 25 % absence is allowed for, against "
        "6.6 FTE available; 0.5 FTE of it is absorbed today as unpaid overtime."
    ) in body
    assert "Community on Instagram" in body  # the channel without a backup, by name
    assert "2 people on the rota against a minimum of 4" in body
    assert "Publishing and scheduling" in body and "<svg" in body
    assert "Members by risk, highest first" in body


def test_leader_sees_objective_strain_but_no_pulse_until_the_member_shares(scored, client):
    _as(client, scored.leader)
    team = client.get("/dashboard/").content.decode()
    assert '<td class="num">80</td>' in team  # Maya's WSI (79.83): work data, whole on pages
    assert "52 h/week, 11 days in a row, 3 short rests, 4 of 8 rest days worked" in team
    assert "72.06" not in team and "64.29" not in team  # blended risk and WRB: hers
    assert "not shared" in team
    page = client.get(f"/dashboard/members/{scored.member.pk}/").content.decode()
    assert 'id="wsi">80<' in page and "not shared with you" in page
    assert 'id="blended"' not in page and "pulse score is 50 or more" not in page

    scored.member.share_pulse_with_leader = True
    scored.member.save()
    team = client.get("/dashboard/").content.decode()
    assert '<td class="num">72</td>' in team  # her blended risk, 72.06
    page = client.get(f"/dashboard/members/{scored.member.pk}/").content.decode()
    assert 'id="blended"' in page and "pulse score is 50 or more" in page


def test_members_are_sorted_by_visible_risk(scored, client):
    # Tom: WSI 20.5 with a higher blended risk (30) he does not share → sorted by 20.5.
    _score(scored.leader, status="ok", wsi=Decimal("50"), wsi_band="high", risk=None, wrb=None)
    body = _as(client, scored.leader).get("/dashboard/").content.decode()
    rows = body[body.index('id="table-members"') :]
    assert rows.index("Maya Member") < rows.index("Leo Leader") < rows.index("Tom Teammate")


def test_insufficient_data_members_are_listed_with_their_reason(scored, client):
    BurnoutScore.objects.filter(member=scored.teammate).update(
        status="insufficient_data", reason="low_coverage", wsi=None, risk=None,
        coverage=Decimal("0.45"),
    )  # fmt: skip
    body = _as(client, scored.leader).get("/dashboard/").content.decode()
    assert "Members without a score" in body
    assert "Work logged on fewer than 70 % of available workdays (logged on 45 %)." in body


def test_pulse_aggregate_withheld_below_five_respondents(scored, client):
    for _ in range(2):  # four respondents with a pulse: Maya and three more
        _score(MemberFactory(team=scored.team))
    _score(MemberFactory(team=scored.team), wrb=None)
    _as(client, scored.leader)
    body = client.get("/dashboard/").content.decode()
    assert BurnoutScore.objects.filter(member__team=scored.team, wrb__isnull=False).count() == 3
    assert (
        "Pulse results are withheld to protect individuals: fewer than 5 people answered."
    ) in body
    assert "Mean pulse score" not in body
    for _ in range(2):
        _score(MemberFactory(team=scored.team))
    body = client.get("/dashboard/").content.decode()
    assert "withheld to protect individuals" not in body
    assert "Mean pulse score" in body and "Pulse respondents per blended risk band" in body


def test_governance_links_only_for_an_admin(scored, client):
    body = _as(client, scored.leader).get("/dashboard/").content.decode()
    assert "Access still held by people who have left" in body
    assert 'href="/governance/"' not in body
    scored.leader.role_admin = True
    scored.leader.save()
    body = client.get("/dashboard/").content.decode()
    assert 'href="/governance/"' in body


def test_no_figures_yet_says_so_and_offers_recompute(personas, client):
    body = _as(client, personas.leader).get("/dashboard/").content.decode()
    assert "No staffing figures yet" in body and "No scores yet" in body
    assert "Recompute now" in body and "Not computed yet" in body
    page = client.get(f"/dashboard/members/{personas.member.pk}/")
    assert page.status_code == 200 and "No score yet" in page.content.decode()
    assert client.get("/dashboard/org/").status_code == 200
    me = _as(client, personas.member).get("/me/").content.decode()
    assert "No score yet" in me and "Recompute now" in me


def test_a_leader_without_a_team(personas, client):
    personas.team.leaders.clear()
    body = _as(client, personas.leader).get("/dashboard/").content.decode()
    assert "You lead no team yet" in body


def test_computed_at_in_the_leaders_time_zone(scored, client):
    at = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    StaffingSnapshot.objects.update(computed_at=at)
    body = _as(client, scored.leader).get("/dashboard/").content.decode()
    assert "Wed 1 Jul 2026, 13:00:00 BST" in body  # Europe/London in summer


# ---- Trends -------------------------------------------------------------------------------


def test_twelve_week_trend_measures_hours_after_hours_rest_days_and_hostile(scored, client):
    saturday = AS_OF - dt.timedelta(days=1)  # AS_OF is a Sunday
    TaskLogFactory(member=scored.member, date=saturday, started_at=dt.time(10), minutes=120,
                   hostile_messages=7, category=Category.COMMUNITY_MANAGEMENT)  # fmt: skip
    TaskLogFactory(member=scored.teammate, date=AS_OF - dt.timedelta(days=2),
                   started_at=dt.time(16), minutes=120)  # fmt: skip
    # An entry passing midnight on the last day of the previous block spills into this one.
    TaskLogFactory(member=scored.teammate, date=AS_OF - dt.timedelta(days=7),
                   started_at=dt.time(23), minutes=120)  # fmt: skip
    TaskLogFactory(member=scored.member, date=AS_OF - dt.timedelta(days=90), minutes=600)
    body = _as(client, scored.leader).get(f"/dashboard/teams/{scored.team.pk}/csv/trend/")
    lines = body.content.decode().splitlines()
    assert lines[0] == (
        "Week,To,Hours logged,Contracted hours,Hours vs contract,After-hours hours,"
        "After-hours share,Rest days worked,Hostile messages"
    )
    # AS_OF is a Sunday: the last ISO week (W46) is whole, Monday 9 to Sunday 15 Nov.
    assert len(lines) == 13 and lines[-1].startswith("2026-11-09,2026-11-15,")
    # Last week: 2 h Saturday (rest day: all after hours) + 2 h Friday 16–18 (0.5 h after
    # 17:30) + 1 h spilled into Monday 00–01 (after hours); contracts 2 × 37.5 h. Shares are
    # numbers in the CSV (7, not "7 %").
    assert lines[-1] == "2026-11-09,2026-11-15,5,75,7,3.5,70,1,7"
    assert lines[-2] == "2026-11-02,2026-11-08,1,75,1,1,100,1,0"  # Sunday 23–24: a rest day
    page = _as(client, scored.leader).get(f"/dashboard/teams/{scored.team.pk}/").content.decode()
    table = page[page.index('id="table-trend"') :]
    today = timezone.localdate()  # "9 Nov" this year, "9 Nov 2026" from 2027 on
    monday, sunday = short_date(AS_OF - dt.timedelta(days=6), today), day_label(AS_OF, today)
    assert f'<th scope="row">W46 · {monday}</th><td>{sunday}</td>' in table
    assert '<td class="num">7 %</td><td class="num">4</td><td class="num">70 %</td>' in table


# ---- Organisation overview -----------------------------------------------------------------


def test_org_overview_withholds_small_teams_and_sorts(scored, client):
    scored.other_team.leaders.add(scored.leader)
    for i in range(4):  # the other team: 5 scored members, 2 of them in high bands
        _score(MemberFactory(team=scored.other_team),
               wsi_band="low" if i < 3 else "high", band="very_high")  # fmt: skip
    _snapshot(scored.other_team, as_of=AS_OF + dt.timedelta(days=1), gap_fte=Decimal("-0.5"))
    _as(client, scored.leader)
    body = client.get("/dashboard/org/").content.decode()
    table = body[body.index('id="table-teams"') :]
    assert table.index("Community") < table.index("Brand")  # by gap, largest first
    assert "withheld" in table  # Community: 2 scored members
    assert "40 %" in table  # Brand: foreigner very_high + one high of 5 (wsi_band: not shared)
    by_name = client.get("/dashboard/org/?sort=team").content.decode()
    table = by_name[by_name.index('id="table-teams"') :]
    assert table.index("Brand") < table.index("Community")
    assert 'href="?sort=-team"' in by_name  # the current column's link reverses it
    csv = client.get("/dashboard/org/csv/teams/?sort=team").content.decode().splitlines()
    assert csv[0].startswith("Team,Gap FTE,Required FTE,Available FTE,High or very high risk")
    # The CSV keeps the stored 4 decimals and percentages as numbers (the page: "1.9", "40 %").
    assert csv[1].startswith("Brand,-0.5,8.5333,6.6,40,")
    assert csv[2].startswith("Community,1.9333,8.5333,6.6,withheld,")


# ---- My dashboard ------------------------------------------------------------------------------


def test_me_shows_everything_of_my_own(scored, client):
    TaskLogFactory(member=scored.member, date=scored.member.today(), minutes=90)
    body = _as(client, scored.member).get("/me/").content.decode()
    assert 'id="week-total">1h30<' in body
    assert 'id="blended"' in body and "72" in body  # my own blended risk, not shared
    assert "52 h/week, 11 days in a row, 3 short rests, 4 of 8 rest days worked" in body
    assert "You have not answered the pulse yet" in body and 'href="/pulse/"' in body


# ---- CSV and audit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    ["fte", "demand-by-category", "demand-by-channel", "backup-gaps", "unreachable", "bands",
     "members", "insufficient", "trend", "departed-grants", "overdue-rotations",
     "overdue-reviews"],
)  # fmt: skip
def test_every_team_table_downloads_as_csv(scored, client, table):
    response = _as(client, scored.leader).get(f"/dashboard/teams/{scored.team.pk}/csv/{table}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="community-{table}-{AS_OF.isoformat()}.csv"'
    )
    page = client.get("/dashboard/").content.decode()
    assert f'href="/dashboard/teams/{scored.team.pk}/csv/{table}/"' in page


def test_members_csv_and_unknown_tables(scored, client):
    _as(client, scored.leader)
    rows = client.get(f"/dashboard/teams/{scored.team.pk}/csv/members/").content.decode()
    assert rows.splitlines()[1].startswith("Maya Member,79.83,Very high,")
    assert "72.06" not in rows
    assert client.get(f"/dashboard/teams/{scored.team.pk}/csv/nope/").status_code == 404
    factors = client.get(f"/dashboard/members/{scored.member.pk}/csv/factors/").content.decode()
    assert factors.splitlines()[1] == "Long hours,25,25,52 h/week"  # the weight: a number
    me = _as(client, scored.member).get("/me/csv/factors/")
    assert me["Content-Disposition"] == 'attachment; filename="my-factors.csv"'


def test_reading_a_members_page_is_audited_without_values(scored, client):
    _as(client, scored.leader).get(f"/dashboard/members/{scored.member.pk}/")
    event = AuditEvent.objects.filter(action="score.read", target_type="member").get()
    assert event.target_id == str(scored.member.pk)
    assert event.data == {"via": "member_dashboard"}
    assert event.actor_id == scored.leader.user.pk
    client.get("/dashboard/")
    # The team page shows every scored member: one entry for each, in the same format.
    shown = AuditEvent.objects.filter(action="score.read", data__via="team_dashboard")
    assert set(shown.values_list("target_type", flat=True)) == {"member"}
    assert str(scored.member.pk) in set(shown.values_list("target_id", flat=True))


# ---- Recompute without and with htmx ------------------------------------------------------------


def test_recompute_now_without_javascript(scored, client, eager_celery,
                                          django_capture_on_commit_callbacks):  # fmt: skip
    _as(client, scored.leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/dashboard/teams/{scored.team.pk}/recompute/")
    job = RecomputeJob.objects.get()
    assert response.status_code == 302
    assert response.url == f"/dashboard/teams/{scored.team.pk}/?job={job.pk}#recompute"
    assert (job.team_ids, job.as_of, job.requested_by_id) == (
        [scored.team.pk],
        jobs.default_as_of(),
        scored.leader.user.pk,
    )
    page = client.get(response.url).content.decode()
    assert "Recomputed." in page and "hx-get" not in page
    snapshot = StaffingSnapshot.objects.get(team=scored.team, as_of=jobs.default_as_of())
    assert snapshot.computed_at >= job.created_at


def test_job_progress_partial_polls_until_done(scored, client):
    job = recompute_start(as_of=AS_OF, team_ids=[scored.team.pk], requested_by=scored.leader.user)
    _as(client, scored.leader)
    page = client.get(f"/dashboard/?job={job.pk}").content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in page and 'hx-trigger="load delay:1s"' in page
    assert f'href="?job={job.pk}#recompute">Check again' in page  # without JavaScript
    partial = client.get(f"/jobs/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert "Recomputing" in partial.content.decode() and "HX-Refresh" not in partial
    StaffingSnapshot.objects.filter(team=scored.team, as_of=AS_OF).update(
        computed_at=timezone.now()
    )
    partial = client.get(f"/jobs/{job.pk}/progress/", headers={"HX-Request": "true"})
    assert partial["HX-Refresh"] == "true" and "Done — reload" in partial.content.decode()
    # Somebody else's job is not there for them.
    assert _as(client, scored.member).get(f"/jobs/{job.pk}/progress/").status_code == 404


def test_me_recompute(scored, client, django_capture_on_commit_callbacks):
    _as(client, scored.member)
    response = client.post("/me/recompute/")
    job = RecomputeJob.objects.get()
    assert response.url == f"/me/?job={job.pk}#recompute" and job.team_ids == [scored.team.pk]
    assert _as(client, scored.leader).post("/me/recompute/").status_code == 403


# ---- Query counts: the same whatever the team size or history length ---------------------------


def _grow(p, *, members: int, days: int, snapshots: int) -> None:
    """More members in the team, each scored on several dates with logs every day, and more
    snapshots: none of it may add a query."""
    people = [p.member, p.teammate] + [MemberFactory(team=p.team) for _ in range(members)]
    for person in people:
        for back in range(1, 3):
            _score(person, as_of=AS_OF - dt.timedelta(days=back))
    for person in people[2:]:
        _score(person)
    TaskLog.objects.bulk_create(
        TaskLog(member=m, date=AS_OF - dt.timedelta(days=i), started_at=dt.time(9), minutes=60,
                category=Category.PUBLISHING, hostile_messages=1)
        for i in range(days) for m in people
    )  # fmt: skip
    for back in range(1, snapshots + 1):
        _snapshot(p.team, as_of=AS_OF - dt.timedelta(days=back))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


def _pages(p):
    return {
        "team": (p.leader, f"/dashboard/teams/{p.team.pk}/"),
        "landing": (p.leader, "/dashboard/"),
        "team-csv": (p.leader, f"/dashboard/teams/{p.team.pk}/csv/members/"),
        "org": (p.leader, "/dashboard/org/"),
        "member": (p.leader, f"/dashboard/members/{p.member.pk}/"),
        "me": (p.member, "/me/"),
    }


# Per page: session and user (2), the caller's member record (1) and, for a leader, the teams
# they lead (1); then —
# team: the led teams (1), latest snapshot (1), scores with members (1), score summary (1),
#   trend members, day sums and leave (3), governance health (5), overdue review items (1),
#   and the score-read audit: savepoints and releases (4, test transaction only), advisory
#   lock, last hash, insert (3) = 24; the team CSV reads the same;
# org: teams with their latest snapshot and score date (1), their latest scores (1) = 6;
# member: the member (1), latest score (1), trend day sums and leave (2), audit (7), the
#   team's latest snapshot for the leave gap ahead (1) = 16;
# me (no led teams): latest score (1), trend (2), My week's logs, leave, shifts (3),
#   latest pulse (1), the team's latest snapshot (1) = 11.
# Pages for people who are not admins include one EXISTS for the "Reviews" link in the
# navigation, and members one for the running timer in the header; the team and member
# pages one more for scheduled leavers ("leaving on …").
EXPECTED_QUERIES = {"team": 26, "landing": 26, "team-csv": 24, "org": 7, "member": 18, "me": 13}


@pytest.mark.parametrize("page", list(EXPECTED_QUERIES))
def test_query_counts_do_not_grow(personas, client, page):
    # Exact counts include PostgreSQL's advisory lock: the suite runs on PostgreSQL.
    assert connection.vendor == "postgresql", "run the suite on PostgreSQL (make test)"
    _score(personas.member)
    _score(personas.teammate)
    _snapshot(personas.team)
    member, url = _pages(personas)[page]
    client.force_login(member.user)
    few = _count(client, url)
    _grow(personas, members=12, days=84, snapshots=6)
    many = _count(client, url)
    assert few == many == EXPECTED_QUERIES[page]
