"""The lists and the My week page run a fixed number of queries however many rows exist."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from teams.models import Leave, OnCallShift
from tests.factories import ChannelFactory, MemberFactory
from workload.models import Category, TaskLog

pytestmark = pytest.mark.django_db


def _grow(p, n: int) -> None:
    """Add n task logs, leave records, shifts, members and channels to the member's team."""
    start = dt.date(2026, 1, 5)
    TaskLog.objects.bulk_create(
        TaskLog(member=m, date=start + dt.timedelta(days=i % 200), minutes=15,
                category=Category.PUBLISHING, channel=p.channel, started_at=dt.time(8, 0))
        for i in range(n) for m in (p.member, p.teammate)
    )  # fmt: skip
    Leave.objects.bulk_create(
        Leave(member=p.member, start_date=start + dt.timedelta(days=3 * i),
              end_date=start + dt.timedelta(days=3 * i))
        for i in range(n // 10)
    )  # fmt: skip
    now = timezone.now()
    OnCallShift.objects.bulk_create(
        OnCallShift(member=p.member, starts_at=now - dt.timedelta(days=i + 1),
                    ends_at=now - dt.timedelta(days=i), first_local_date=now.date(),
                    last_local_date=now.date())
        for i in range(n // 10)
    )  # fmt: skip
    for _ in range(n // 20):
        MemberFactory(team=p.team)
        ChannelFactory(team=p.team)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


# Expected per list call: the user (1, as session or token auth loads it), the caller's
# member record and the teams they lead (2), the page count (1), the page itself (1); task
# logs add one query for the leave dates behind after-hours; teams add one prefetch of
# leaders. A caller without the leader role skips the led-teams query.
@pytest.mark.parametrize(
    ("caller", "url", "expected"),
    [
        ("member", "/api/v1/task-logs/", 5),
        ("leader", "/api/v1/task-logs/", 6),
        ("leader", "/api/v1/leave/", 5),
        ("leader", "/api/v1/on-call/", 5),
        ("leader", "/api/v1/members/", 5),
        ("member", "/api/v1/channels/", 4),
        ("admin", "/api/v1/teams/", 5),
    ],
)
def test_list_endpoints_query_count_is_constant(personas, api, caller, url, expected):
    client = api(getattr(personas, caller))
    _grow(personas, 20)
    small = _count(client, url)
    _grow(personas, 200)
    large = _count(client, url)
    assert small == large
    assert large == expected


def test_my_week_page_query_count_is_constant(personas, client):
    client.force_login(personas.member.user)
    today = personas.member.today()
    TaskLog.objects.create(member=personas.member, date=today, minutes=10, category="publishing")
    small = _count(client, "/log/")
    TaskLog.objects.bulk_create(
        TaskLog(member=personas.member, date=today - dt.timedelta(days=d % 7), minutes=5,
                category=Category.COMMUNITY_MANAGEMENT, channel=personas.channel,
                started_at=dt.time(7 + d % 12, 0))
        for d in range(150)
    )  # fmt: skip
    Leave.objects.create(member=personas.member, start_date=today, end_date=today)
    large = _count(client, "/log/")
    assert small == large
    # session, user, member record (roles), the week's logs with their channels, leave,
    # on-call shifts, the channel picker options twice (log form, on-call form) — at most 11.
    assert large <= 11
