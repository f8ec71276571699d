"""`manage.py seed_demo`: a believable demo organisation, created once, fast."""

import datetime as dt
import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone

from teams.models import Channel, Leave, Member, OnCallShift, Team
from workload.hours import minutes_per_date
from workload.models import Category, TaskLog

pytestmark = pytest.mark.django_db

MODELS = (get_user_model(), Team, Member, Channel, TaskLog, Leave, OnCallShift)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def output(demo) -> str:
    """The demo, seeded once for this module (tests/conftest.py `demo`)."""
    return demo


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def days_ago(days: int) -> dt.date:
    return timezone.now().date() - dt.timedelta(days=days)


def test_creates_three_teams_one_of_them_a_team_of_one(output):
    assert Team.objects.count() == 3
    assert 18 <= Member.objects.count() <= 22
    team_sizes = dict(Team.objects.annotate(n=Count("members")).values_list("name", "n"))
    assert team_sizes["Social Care APAC"] == 1
    assert list(team_sizes.values()).count(1) == 1
    for team in Team.objects.all():
        assert team.leaders.exists(), team
    leo = Member.objects.get(user__username="leo")
    assert set(leo.led_teams.values_list("name", flat=True)) == {"Community", "Brand & Content"}
    assert Member.objects.filter(role_admin=True).count() == 2
    assert get_user_model().objects.filter(is_superuser=True, is_staff=True, member=None).exists()


def test_creates_channels_on_every_platform_owned_within_their_team(output):
    channels = Channel.objects.select_related("owner")
    assert 28 <= channels.count() <= 32
    assert set(channels.values_list("platform", flat=True)) == set(Channel.Platform.values)
    assert all(c.owner is not None and c.owner.team_id == c.team_id for c in channels)
    assert channels.filter(response_sla_minutes=60).exists()
    assert channels.filter(response_sla_minutes=1440).exists()
    assert channels.filter(always_on=True).exists()
    assert channels.filter(uses_shared_credential=True).exists()


def test_logs_cover_ninety_days_of_weekends_evenings_and_a_crisis(output):
    span = TaskLog.objects.aggregate(first=Min("date"), last=Max("date"))
    assert (span["last"] - span["first"]).days + 1 >= 88, span
    assert span["last"] >= days_ago(2)
    # Django's week_day: 1 = Sunday, 7 = Saturday.
    assert TaskLog.objects.filter(date__week_day__in=[1, 7]).count() > 50
    inbox = TaskLog.objects.filter(category=Category.COMMUNITY_MANAGEMENT)
    assert inbox.filter(messages_handled__gt=0).exists()
    assert inbox.filter(hostile_messages__isnull=True).exists()  # not recorded
    assert inbox.filter(hostile_messages__gt=0).exists()
    after_hours = [log for log in TaskLog.objects.select_related("member") if _after_hours(log)]
    assert len(after_hours) > 100

    crisis_weeks = TaskLog.objects.filter(crisis=True, date__range=(days_ago(36), days_ago(20)))
    crisis_teams = (
        crisis_weeks.filter(category=Category.CRISIS_RESPONSE)
        .values("member__team__name")
        .annotate(n=Count("id"))
        .filter(n__gte=50)
    )
    assert [row["member__team__name"] for row in crisis_teams] == ["Community"]
    long_days = (
        crisis_weeks.values("member", "date")
        .annotate(minutes=Sum("minutes"))
        .filter(minutes__gte=10 * 60)
    )
    assert long_days.exists()


def _after_hours(log: TaskLog) -> bool:
    if log.started_at is None:
        return False
    start = dt.datetime.combine(log.date, log.started_at)
    end = start + dt.timedelta(minutes=log.minutes)
    workday_end = dt.datetime.combine(log.date, log.member.workday_end)
    return log.started_at < log.member.workday_start or end > workday_end


def test_logs_follow_the_rules_of_task_log_create(output):
    busiest_day = (
        TaskLog.objects.values("member", "date")
        .annotate(minutes=Sum("minutes"))
        .aggregate(most=Max("minutes"))["most"]
    )
    assert busiest_day <= 24 * 60
    outside_employment = TaskLog.objects.filter(
        Q(date__lt=F("member__started_on")) | Q(date__gt=F("member__ended_on"))
    )
    assert not outside_employment.exists()
    foreign_channel = TaskLog.objects.exclude(channel=None).exclude(channel__team=F("member__team"))
    assert not foreign_channel.exists()
    assert Member.objects.filter(ended_on__isnull=False, task_logs__isnull=False).exists()
    for member in Member.objects.filter(task_logs__isnull=False).distinct():
        logs = list(member.task_logs.values_list("date", "started_at", "minutes"))
        assert max(date for date, _, _ in logs) <= member.today(), member
        # What task_log_create checks: split at local midnight, no date holds over 24 h.
        assert max(minutes_per_date(logs).values()) <= 24 * 60, member


def test_records_leave_and_on_call_shifts(output):
    kinds = set(Leave.objects.values_list("kind", flat=True))
    assert {Leave.Kind.VACATION, Leave.Kind.SICK} <= kinds
    assert Member.objects.filter(status=Member.Status.ON_LEAVE).exists()
    shifts = OnCallShift.objects.select_related("member")
    assert shifts.count() >= 13
    for shift in shifts:
        first = shift.starts_at.astimezone(shift.member.tz).date()
        assert shift.first_local_date == first
        assert shift.member.employed_on(shift.first_local_date)
        assert shift.member.employed_on(shift.last_local_date)
    # Nobody is on call while on leave.
    assert not shifts.filter(
        member__leave__start_date__lte=F("last_local_date"),
        member__leave__end_date__gte=F("first_local_date"),
    ).exists()


def test_printed_demo_logins_authenticate(output):
    password = re.search(r"Demo logins \(password: (\S+)\):", output).group(1)
    logins = re.findall(r"^  (member|leader|admin|operator)\s+(\S+)", output, re.MULTILINE)
    assert {role for role, _ in logins} == {"member", "leader", "admin", "operator"}
    for role, username in logins:
        user = authenticate(username=username, password=password)
        assert user is not None, username
        if role == "operator":
            assert user.is_staff and user.is_superuser
        else:
            assert role in user.member.roles
    departed = Member.objects.get(status=Member.Status.DEPARTED)
    assert authenticate(username=departed.user.username, password=password) is None


def test_second_run_changes_nothing(output):
    before = row_counts()
    assert "Demo organisation already present; nothing changed." in seed()
    assert row_counts() == before


def test_task_logs_are_bulk_inserted(django_assert_max_num_queries):
    # The services spend about 16 queries on each of the ~120 teams, people, channels, leave
    # records and shifts (existence checks, full_clean's FK and constraint queries,
    # savepoints): about 2,000 in all. Task logs add one INSERT per 1,000 rows. There are
    # more than twice as many logs as the bound, so logs created one by one could not pass.
    bound = 2_500
    with django_assert_max_num_queries(bound):
        seed()
    assert TaskLog.objects.count() > 2 * bound


def test_the_governance_pages_have_a_story_to_show(output):
    from governance import followups
    from governance.models import AccessReviewItem, Offboarding

    scheduled = Offboarding.objects.get(state="scheduled")
    assert scheduled.member.full_name == "Jonas Weber"
    assert scheduled.ended_on > timezone.localdate()
    assert scheduled.member.status == "active"  # still working
    reviewers = set(
        AccessReviewItem.objects.filter(decision="").values_list("reviewer_id", flat=True)
    )
    assert len(reviewers - {None}) >= 2  # items for at least two reviewers
    assert AccessReviewItem.objects.exclude(decision="").exists()  # in progress
    assert followups.open_followup_keys().count() >= 2  # follow-ups outstanding
    assert Member.objects.filter(role_admin=True).count() == 2  # someone to confirm them
