"""Scores, staffing, pulse, the calculator and recompute jobs over the API: privacy tiers,
permissions, bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import BurnoutScoreFactory
from workload.hours import monday_of
from workload.models import PulseResponse, RecomputeJob, StaffingSnapshot

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 15)


def _score(member, as_of=AS_OF, **fields):
    values = {
        "status": "ok", "risk": Decimal("72.06"), "wsi": Decimal("79.83"),
        "wrb": Decimal("64.29"), "band": "high", "wsi_band": "very_high", "mode": "blended",
        "contributions": {"long_hours": 25.0}, "band_overrides": ["pulse_high"],
        "coverage": Decimal("1"), "aggregates": {"total_hours": 208.0},
        "computed_at": timezone.now(), **fields,
    }  # fmt: skip
    return BurnoutScoreFactory(member=member, as_of=as_of, **values)


@pytest.fixture
def scores(personas):
    return {
        "own": _score(personas.member),
        "team": _score(personas.teammate),
        "foreign": _score(personas.foreigner),
    }


# caller → which of (own, team, foreign) they see; admins see none (privacy tiers).
VISIBLE = {
    "member": {"own"},
    "teammate": {"team"},
    "leader": {"own", "team"},
    "admin": set(),
    "foreigner": {"foreign"},
}


@pytest.mark.parametrize("caller", list(VISIBLE))
def test_who_sees_which_scores(personas, api, scores, caller):
    body = api(getattr(personas, caller)).get("/api/v1/scores/").json()
    seen = {row["member"] for row in body["results"]}
    assert seen == {scores[k].member_id for k in VISIBLE[caller]}


def test_anonymous_gets_401(api):
    assert api().get("/api/v1/scores/").status_code == 401


def test_a_leader_sees_objective_strain_only_until_the_member_shares(personas, api, scores):
    leader = api(personas.leader)
    row = leader.get(f"/api/v1/scores/?member={personas.member.pk}").json()["results"][0]
    assert row["wsi"] == 79.83 and row["contributions"] == {"long_hours": 25.0}
    assert row["wsi_band"] == "very_high" and row["band"] == "very_high"  # band = wsi_band
    assert row["risk"] is None and row["wrb"] is None and row["band_overrides"] is None
    # The member sees everything of their own.
    own = api(personas.member).get("/api/v1/scores/").json()["results"][0]
    assert (own["risk"], own["wrb"], own["band"]) == (72.06, 64.29, "high")
    # After opting in, the leader sees the blend too; revoking hides it again.
    api(personas.member).patch("/api/v1/me/", {"share_pulse_with_leader": True})
    row = leader.get(f"/api/v1/scores/?member={personas.member.pk}").json()["results"][0]
    assert (row["risk"], row["wrb"], row["band"]) == (72.06, 64.29, "high")
    api(personas.member).patch("/api/v1/me/", {"share_pulse_with_leader": False})
    row = leader.get(f"/api/v1/scores/?member={personas.member.pk}").json()["results"][0]
    assert row["risk"] is None


def test_latest_score_per_member_unless_as_of(personas, api, scores):
    _score(personas.member, as_of=AS_OF - dt.timedelta(days=1), wsi=Decimal("10"))
    client = api(personas.member)
    latest = client.get("/api/v1/scores/").json()["results"]
    assert [(r["as_of"], r["wsi"]) for r in latest] == [("2026-11-15", 79.83)]
    older = client.get("/api/v1/scores/?as_of=2026-11-14").json()["results"]
    assert [r["wsi"] for r in older] == [10.0]
    assert client.get("/api/v1/scores/?as_of=someday").status_code == 400


def test_team_summary_withholds_pulse_aggregates_below_the_group_minimum(personas, api, scores):
    leader = api(personas.leader)
    body = leader.get(f"/api/v1/scores/summary/?team={personas.team.pk}").json()
    assert body["members_scored"] == 2
    assert body["wsi_bands"]["very_high"] == 2
    assert body["pulse"] == {"withheld": True, "min_group": 5}
    assert leader.get(f"/api/v1/scores/summary/?team={personas.other_team.pk}").status_code == 404
    assert (
        api(personas.member).get(f"/api/v1/scores/summary/?team={personas.team.pk}").status_code
        == 404
    )
    assert leader.get("/api/v1/scores/summary/?team=x").status_code == 400


def test_team_summary_shows_pulse_aggregates_for_five_or_more(personas, api, scores):
    from tests.factories import MemberFactory

    for i in range(3):
        _score(MemberFactory(team=personas.team), wrb=Decimal(40 + 10 * i), band="moderate")
    body = api(personas.leader).get(f"/api/v1/scores/summary/?team={personas.team.pk}").json()
    assert body["pulse"]["withheld"] is False
    assert body["pulse"]["respondents"] == 5
    assert body["pulse"]["mean_wrb"] == round((64.29 * 2 + 40 + 50 + 60) / 5, 2)
    assert body["pulse"]["share_wrb_50_or_more"] == 0.8


# ---- Staffing ----


def _snapshot(team):
    return StaffingSnapshot.objects.create(
        team=team, as_of=AS_OF, demand_hours={"total": 240}, required_fte=Decimal("8.5333"),
        available_fte=Decimal("6.6"), gap_fte=Decimal("1.9333"),
        hidden_overtime_fte=Decimal("0.5"), seat_floor_fte=Decimal("5.9733"),
        computed_at=timezone.now(),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("caller", "sees"),
    [("member", set()), ("leader", {"team"}), ("admin", set()), ("foreigner", set())],
)
def test_staffing_is_for_the_teams_a_leader_leads(personas, api, caller, sees):
    snapshots = {"team": _snapshot(personas.team), "foreign": _snapshot(personas.other_team)}
    body = api(getattr(personas, caller)).get("/api/v1/staffing/").json()
    assert {r["team"] for r in body["results"]} == {snapshots[k].team_id for k in sees}
    if sees:
        assert body["results"][0]["gap_fte"] == 1.9333


# ---- Calculator ----


def test_calculator_tv1(personas, api):
    query = ("arrivals=100&interval_minutes=30&aht_minutes=3&target_seconds=20"
             "&service_level=0.8&max_occupancy=0.85&shrinkage=0.3")  # fmt: skip
    body = api(personas.member).get(f"/api/v1/staffing/calculator/?{query}").json()
    assert (body["raw_positions"], body["positions"]) == (14, 20)
    assert round(body["waiting_probability"], 6) == 0.174132
    assert round(body["service_level"], 6) == 0.888350
    assert round(body["asa_seconds"], 4) == 7.8359
    assert round(body["occupancy"], 6) == 0.714286
    erlang_a = (
        api(personas.member).get(f"/api/v1/staffing/calculator/?{query}&patience_minutes=5").json()
    )
    assert "abandonment_probability" in erlang_a
    assert erlang_a["raw_positions"] <= 14


BASE = {"arrivals": "100", "interval_minutes": "30", "aht_minutes": "3", "target_seconds": "20",
        "service_level": "0.8"}  # fmt: skip


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"arrivals": "many"}, "arrivals"),
        ({"arrivals": "0"}, "arrivals"),
        ({"arrivals": "-5"}, "arrivals"),
        ({"interval_minutes": "0"}, "interval_minutes"),
        ({"aht_minutes": "-1"}, "aht_minutes"),
        ({"target_seconds": "0"}, "target_seconds"),
        ({"service_level": "1.5"}, "service_level"),
        ({"service_level": "0"}, "service_level"),
        ({"max_occupancy": "0"}, "max_occupancy"),
        ({"max_occupancy": "1.2"}, "max_occupancy"),
        ({"shrinkage": "1"}, "shrinkage"),
        ({"shrinkage": "-0.1"}, "shrinkage"),
        ({"patience_minutes": "0"}, "patience_minutes"),
        ({"arrivals": "1e12"}, "arrivals"),
        ({"arrivals": "nan"}, "arrivals"),
        ({"aht_minutes": "inf"}, "aht_minutes"),
        ({"arrivals": None}, "arrivals"),
    ],
)
def test_calculator_bad_input_names_the_field(personas, api, override, field):
    params = {k: v for k, v in {**BASE, **override}.items() if v is not None}
    response = api(personas.member).get("/api/v1/staffing/calculator/", params)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()


def test_calculator_needs_sign_in(api):
    assert api().get("/api/v1/staffing/calculator/", BASE).status_code == 401


# ---- Pulse ----


def test_pulse_answer_replace_and_privacy(personas, api):
    client = api(personas.member)
    this_week = monday_of(personas.member.today())
    response = client.post("/api/v1/pulse/", {"answers": [75, 50, 50, 25, 75, 50, 75]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["week"] == this_week.isoformat() and body["score"] == 64.29
    again = client.post("/api/v1/pulse/", {"answers": [50, 50, 50, 50, 50, 50, 50]})
    assert again.status_code == 201 and again.json()["score"] == 50.0
    assert PulseResponse.objects.count() == 1  # replaced, not added
    three = client.post("/api/v1/pulse/", {"answers": [50, None, None, None, 50, 50, None]})
    assert three.json()["score"] is None
    pulse_id = three.json()["id"]
    for other in ("teammate", "leader", "admin", "foreigner"):
        other_client = api(getattr(personas, other))
        assert other_client.get("/api/v1/pulse/").json()["count"] == 0
        assert other_client.get(f"/api/v1/pulse/{pulse_id}/").status_code == 404
    assert client.get(f"/api/v1/pulse/{pulse_id}/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": [10, 50, 50, 50, 50, 50, 50]}, "answers"),
        ({"answers": [50, 50, 50]}, "answers"),
        ({"answers": "all good"}, "answers"),
        ({"answers": [50] * 7, "week": "2026-11-17"}, "week"),  # a Tuesday
        ({"answers": [50] * 7, "week": "2020-01-06"}, "week"),  # long closed
        ({"answers": [50] * 7, "week": "2099-01-05"}, "week"),  # the future
        ({"answers": [50] * 7, "member": "other"}, "member"),
    ],
)
def test_pulse_bad_input(personas, api, body, field):
    if body.get("member") == "other":
        body = {**body, "member": personas.teammate.pk}
    response = api(personas.member).post("/api/v1/pulse/", body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not PulseResponse.objects.exists()


# ---- Recompute and jobs ----


@pytest.mark.parametrize(
    ("caller", "body", "expected"),
    [
        ("member", {}, 202),
        ("member", {"team": "foreign"}, 400),
        ("leader", {"team": "own"}, 202),
        ("leader", {"team": "foreign"}, 400),
        ("admin", {"team": "foreign"}, 202),
        ("member", {"as_of": "2099-01-01"}, 400),
        ("member", {"as_of": "yesterday"}, 400),
    ],
)
def test_recompute_scope(
    personas, api, eager_celery, django_capture_on_commit_callbacks, caller, body, expected
):
    teams = {"own": personas.team.pk, "foreign": personas.other_team.pk}
    if "team" in body:
        body = {**body, "team": teams[body["team"]]}
    # The tasks are enqueued after commit; run them as the commit would.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api(getattr(personas, caller)).post("/api/v1/scores/recompute/", body)
    assert len(callbacks) == (1 if expected == 202 else 0)
    assert response.status_code == expected, response.content
    if expected == 202:
        job_id = response.json()["job_id"]
        job = api(getattr(personas, caller)).get(f"/api/v1/jobs/{job_id}/").json()
        assert (job["state"], job["progress"]) == ("done", 1.0)  # eager: already done
        assert api(personas.foreigner).get(f"/api/v1/jobs/{job_id}/").status_code == 404
    else:
        assert not RecomputeJob.objects.exists()


def test_unknown_job_is_404(personas, api):
    client = api(personas.member)
    assert client.get("/api/v1/jobs/not-a-uuid/").status_code == 404
    assert client.get("/api/v1/jobs/6f1c7a52-8d8e-4a53-9e8e-2b0a4d1f0c11/").status_code == 404


def test_nightly_schedule_is_in_django_celery_beat(personas, eager_celery,
                                                   django_capture_on_commit_callbacks):  # fmt: skip
    from django_celery_beat.models import PeriodicTask

    from socialops.celery import app
    from workload.tasks import recompute_all

    task = PeriodicTask.objects.get(task="workload.tasks.recompute_all")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "12", "0", "UTC",
    )  # fmt: skip
    assert task.enabled and "workload.tasks.recompute_all" in app.tasks
    with django_capture_on_commit_callbacks(execute=True):
        job_id = recompute_all()
    job = RecomputeJob.objects.get(pk=job_id)
    assert job.as_of == timezone.now().date() - dt.timedelta(days=1)
    assert sorted(job.team_ids) == sorted([personas.team.pk, personas.other_team.pk])
    assert StaffingSnapshot.objects.filter(as_of=job.as_of).count() == 2
