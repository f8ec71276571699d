"""manage.py recompute: scores and staffing snapshots for a date, team by team, idempotent."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from teams import services as team_services
from workload.models import BurnoutScore, Category, StaffingSnapshot
from workload.services import task_logs as services

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 13)  # a Friday in the past, whatever day the suite runs


@pytest.fixture
def crew():
    """Two teams with two members each; the first team's members logged two weeks of work."""
    team = team_services.team_create(name="Support")
    other = team_services.team_create(name="Studio")
    members = [
        team_services.member_create(username=f"{name.lower()}", full_name=name, team=team,
                                    started_on=dt.date(2026, 1, 5))
        for name in ("Sam", "Kim")
    ]  # fmt: skip
    for name in ("Ola", "Pia"):
        team_services.member_create(username=name.lower(), full_name=name, team=other,
                                    started_on=dt.date(2026, 1, 5))  # fmt: skip
    for member in members:
        for offset in range(14):
            day = AS_OF - dt.timedelta(days=offset)
            if day.weekday() < 5:
                services.task_log_create(member=member, date=day, minutes=8 * 60,
                                         category=Category.COMMUNITY_MANAGEMENT,
                                         started_at=dt.time(9, 0))  # fmt: skip
    return team, other, members


def _recompute(*args) -> str:
    out, err = StringIO(), StringIO()  # tqdm's progress bar goes to stderr
    call_command("recompute", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_recompute_one_team_writes_scores_and_a_snapshot(crew):
    team, other, members = crew
    output = _recompute("--as-of", str(AS_OF), "--team", str(team.pk))
    assert output.strip() == f"{AS_OF}: 2 member scores and 1 staffing snapshots."
    scores = BurnoutScore.objects.filter(as_of=AS_OF)
    assert sorted(scores.values_list("member_id", flat=True)) == sorted(m.pk for m in members)
    assert list(StaffingSnapshot.objects.filter(as_of=AS_OF).values_list("team_id", flat=True)) == [
        team.pk
    ]
    # Only the team asked for: the other team has neither scores nor a snapshot.
    assert not BurnoutScore.objects.filter(member__team=other).exists()
    assert not StaffingSnapshot.objects.filter(team=other).exists()
    # The logged hours made it into the scores and the snapshot.
    score = scores.get(member=members[0])
    assert score.aggregates["weekly_hours"][-2:] == [40.0, 40.0]
    snapshot = StaffingSnapshot.objects.get(team=team, as_of=AS_OF)
    assert snapshot.demand_hours["by_category"] == {"community_management": 40.0}


def test_recompute_every_team_when_none_is_named(crew):
    output = _recompute("--as-of", str(AS_OF))
    assert output.strip() == f"{AS_OF}: 4 member scores and 2 staffing snapshots."
    assert BurnoutScore.objects.filter(as_of=AS_OF).count() == 4
    assert StaffingSnapshot.objects.filter(as_of=AS_OF).count() == 2


def test_recompute_twice_keeps_one_row_per_member_and_per_team(crew):
    team, other, members = crew
    args = ("--as-of", str(AS_OF), "--team", str(team.pk), "--team", str(other.pk))
    _recompute(*args)
    first_scores = {s.member_id: s for s in BurnoutScore.objects.all()}
    first_snapshots = {s.team_id: s for s in StaffingSnapshot.objects.all()}
    output = _recompute(*args)
    assert output.strip() == f"{AS_OF}: 4 member scores and 2 staffing snapshots."
    assert BurnoutScore.objects.count() == 4 and StaffingSnapshot.objects.count() == 2
    for score in BurnoutScore.objects.all():
        before = first_scores[score.member_id]
        assert score.pk == before.pk and score.as_of == AS_OF
        assert (score.status, score.risk, score.wsi, score.aggregates) == (
            before.status, before.risk, before.wsi, before.aggregates,
        )  # fmt: skip
        assert score.computed_at >= before.computed_at
    for snapshot in StaffingSnapshot.objects.all():
        before = first_snapshots[snapshot.team_id]
        assert snapshot.pk == before.pk and snapshot.as_of == AS_OF
        assert (snapshot.required_fte, snapshot.demand_hours) == (
            before.required_fte, before.demand_hours,
        )  # fmt: skip
    # Another day is another row.
    _recompute("--as-of", str(AS_OF - dt.timedelta(days=1)), "--team", str(team.pk))
    assert BurnoutScore.objects.count() == 6 and StaffingSnapshot.objects.count() == 3


@pytest.mark.parametrize("bad", ["13/11/2026", "2026-02-30", "yesterday", "2026-11"])
def test_a_bad_as_of_is_a_command_error(crew, bad):
    with pytest.raises(CommandError, match="--as-of must be YYYY-MM-DD"):
        _recompute("--as-of", bad)
    assert not BurnoutScore.objects.exists() and not StaffingSnapshot.objects.exists()


def test_an_unknown_team_is_a_command_error(crew):
    team, _, _ = crew
    missing = team.pk + 1000
    with pytest.raises(CommandError, match=f"No team with id {missing}"):
        _recompute("--as-of", str(AS_OF), "--team", str(team.pk), "--team", str(missing))
    # Nothing is computed, not even for the team that exists.
    assert not BurnoutScore.objects.exists() and not StaffingSnapshot.objects.exists()


def test_a_non_numeric_team_is_a_command_error(crew):
    with pytest.raises(CommandError, match="--team"):
        _recompute("--as-of", str(AS_OF), "--team", "support")


def test_the_default_as_of_is_yesterday_in_utc(crew):
    team, _, members = crew
    before = timezone.now().date() - dt.timedelta(days=1)
    output = _recompute("--team", str(team.pk))
    after = timezone.now().date() - dt.timedelta(days=1)
    (as_of,) = set(BurnoutScore.objects.values_list("as_of", flat=True))
    assert as_of in {before, after}  # the same day unless the run straddles UTC midnight
    assert output.strip() == f"{as_of}: 2 member scores and 1 staffing snapshots."
    assert StaffingSnapshot.objects.get().as_of == as_of
    assert BurnoutScore.objects.filter(member__in=members).count() == 2
