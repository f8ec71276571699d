"""The server-side timer (docs/timer.md): the services, the API, the page actions and the
header indicator."""

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import timezone

from socialops.common.exceptions import Conflict, DomainError
from teams.models import Member, roles_for
from workload.context_processors import running_timer
from workload.models import Category, TaskLog, Timer
from workload.services import timer as timers

pytestmark = pytest.mark.django_db

UTC = dt.UTC
CM = Category.COMMUNITY_MANAGEMENT


@pytest.fixture
def day() -> dt.date:
    return dt.date.today() - dt.timedelta(days=5)  # in the past in every time zone


def _at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute, second), tzinfo=UTC)


def _set_tz(member: Member, name: str) -> Member:
    member.timezone = name
    member.save(update_fields=["timezone"])
    return member


# ---- Services ----


def test_start_then_stop_logs_one_entry_in_local_time(personas, day):
    member = _set_tz(personas.member, "Europe/London")
    timers.timer_start(member=member, category=CM, channel=personas.channel, note="DMs",
                       now=_at(day, 16, 30))  # fmt: skip
    logs = timers.timer_stop(
        member=member, now=_at(day, 17, 10), messages_handled=12, hostile_messages=1
    )
    local = _at(day, 16, 30).astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert [(x.date, x.started_at, x.minutes) for x in logs] == [
        (local.date(), local.time().replace(tzinfo=None), 40)
    ]
    log = logs[0]
    assert (log.category, log.channel, log.note) == (CM, personas.channel, "DMs")
    assert (log.messages_handled, log.hostile_messages) == (12, 1)
    assert not Timer.objects.exists()


def test_a_second_start_conflicts(personas, day):
    timers.timer_start(member=personas.member, now=_at(day, 9))
    with pytest.raises(Conflict):
        timers.timer_start(member=personas.member, category=CM)
    assert Timer.objects.count() == 1


@pytest.mark.parametrize(
    ("seconds", "minutes"),
    [(0, 1), (29, 1), (30, 1), (89, 1), (89.5, 1), (90, 2), (149, 2), (150, 3), (-60, 1)],
)
def test_elapsed_rounds_half_up_to_whole_minutes_at_least_one(seconds, minutes):
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    timer = Timer(started_at=start)
    assert timers.elapsed_minutes(timer, start + dt.timedelta(seconds=seconds)) == minutes


def test_stop_without_category_is_refused_and_the_timer_keeps_running(personas, day):
    timers.timer_start(member=personas.member, now=_at(day, 9))
    with pytest.raises(DomainError) as exc:
        timers.timer_stop(member=personas.member, now=_at(day, 10))
    assert "category" in exc.value.errors
    assert Timer.objects.filter(member=personas.member).exists()
    assert not TaskLog.objects.exists()
    # Given at stop, it is enough.
    (log,) = timers.timer_stop(member=personas.member, now=_at(day, 10), category=CM)
    assert (log.minutes, log.category) == (60, CM)


def test_more_than_a_day_is_refused_and_the_timer_keeps_running(personas, day):
    timers.timer_start(member=personas.member, category=CM, now=_at(day, 9))
    with pytest.raises(DomainError) as exc:
        timers.timer_stop(member=personas.member, now=_at(day, 9, 1) + dt.timedelta(days=1))
    assert "minutes" in exc.value.errors
    assert Timer.objects.exists() and not TaskLog.objects.exists()
    # Exactly 24 hours is still one day's work.
    logs = timers.timer_stop(member=personas.member, now=_at(day, 9) + dt.timedelta(days=1))
    assert sum(x.minutes for x in logs) == 1440


def test_split_at_local_midnight_in_jakarta(personas, day):
    # 16:30–17:10 UTC is 23:30–00:10 in Jakarta (UTC+7, no DST): two entries.
    member = _set_tz(personas.member, "Asia/Jakarta")
    timers.timer_start(member=member, category=CM, now=_at(day, 16, 30))
    logs = timers.timer_stop(
        member=member, now=_at(day, 17, 10), messages_handled=5, hostile_messages=2, crisis=True
    )
    next_day = day + dt.timedelta(days=1)
    assert [(x.date, x.started_at, x.minutes) for x in logs] == [
        (day, dt.time(23, 30), 30),
        (next_day, dt.time(0, 0), 10),
    ]
    # The counts go on the last entry only.
    assert [(x.messages_handled, x.hostile_messages, x.crisis) for x in logs] == [
        (0, None, False),
        (5, 2, True),
    ]


def test_the_same_time_in_london_is_one_entry(personas, day):
    member = _set_tz(personas.member, "Europe/London")
    timers.timer_start(member=member, category=CM, now=_at(day, 16, 30))
    logs = timers.timer_stop(member=member, now=_at(day, 17, 10))
    assert [(x.date, x.minutes) for x in logs] == [(day, 40)]


def test_the_day_cap_refuses_and_nothing_is_logged(personas, day):
    member = _set_tz(personas.member, "Asia/Jakarta")
    next_day = day + dt.timedelta(days=1)
    # The second piece (00:00–00:10 on the next day) would take that day over 24 hours.
    TaskLog.objects.create(member=member, date=next_day, minutes=1435, category=CM)
    timers.timer_start(member=member, category=CM, now=_at(day, 16, 30))
    with pytest.raises(DomainError) as exc:
        timers.timer_stop(member=member, now=_at(day, 17, 10))
    assert "minutes" in exc.value.errors
    assert TaskLog.objects.count() == 1  # the first piece was rolled back too
    assert Timer.objects.filter(member=member).exists()


def test_channel_of_another_team_is_refused(personas, day):
    with pytest.raises(DomainError) as exc:
        timers.timer_start(member=personas.member, channel=personas.other_channel)
    assert "channel" in exc.value.errors
    timers.timer_start(member=personas.member, category=CM, now=_at(day, 9))
    with pytest.raises(DomainError):
        timers.timer_stop(member=personas.member, channel=personas.other_channel)
    assert Timer.objects.exists()


def test_start_validates_category_and_note(personas):
    with pytest.raises(DomainError) as exc:
        timers.timer_start(member=personas.member, category="napping", note="x" * 2001)
    assert set(exc.value.errors) == {"category", "note"}
    assert not Timer.objects.exists()


def test_a_departed_member_cannot_start(personas):
    member = personas.member
    member.status = Member.Status.DEPARTED
    member.save(update_fields=["status"])
    with pytest.raises(DomainError) as exc:
        timers.timer_start(member=member)
    assert "member" in exc.value.errors


def test_discard_deletes_and_404_without_a_timer(personas):
    timers.timer_start(member=personas.member, category=CM)
    timers.timer_discard(member=personas.member)
    assert not Timer.objects.exists() and not TaskLog.objects.exists()
    with pytest.raises(timers.TimerNotRunning):
        timers.timer_discard(member=personas.member)
    with pytest.raises(timers.TimerNotRunning):
        timers.timer_stop(member=personas.member, category=CM)


# ---- API ----

URL, STOP = "/api/v1/timer/", "/api/v1/timer/stop/"


def test_api_start_get_stop(personas, api):
    client = api(personas.member)
    assert client.get(URL).json() == {"running": False}
    res = client.post(URL, {"channel": personas.channel.pk, "note": "Inbox"})
    assert res.status_code == 201, res.content
    body = res.json()
    assert body["running"] is True
    assert (body["category"], body["channel"], body["note"]) == ("", personas.channel.pk, "Inbox")
    assert body["elapsed_minutes"] == 1
    assert client.get(URL).json()["started_at"] == body["started_at"]
    assert client.post(URL, {}).status_code == 409

    res = client.post(STOP, {})
    assert res.status_code == 400 and "category" in res.json()
    assert client.get(URL).json()["running"] is True

    res = client.post(STOP, {"category": CM, "messages_handled": 3})
    assert res.status_code == 201, res.content
    (log,) = res.json()["task_logs"]
    assert (log["minutes"], log["category"], log["messages_handled"]) == (1, CM, 3)
    assert log["date"] == personas.member.today().isoformat()
    assert "after_hours_minutes" in log
    assert client.get(URL).json() == {"running": False}


def test_api_over_a_day_is_400_and_keeps_running(personas, api):
    Timer.objects.create(
        member=personas.member, category=CM, started_at=timezone.now() - dt.timedelta(hours=25)
    )
    res = api(personas.member).post(STOP, {})
    assert res.status_code == 400 and "minutes" in res.json()
    assert Timer.objects.exists()


def test_api_discard(personas, api):
    client = api(personas.member)
    assert client.delete(URL).status_code == 404
    client.post(URL, {"category": CM})
    assert client.delete(URL).status_code == 204
    assert client.get(URL).json() == {"running": False}
    assert not TaskLog.objects.exists()


def test_api_refuses_a_foreign_channel_and_an_unknown_category(personas, api):
    client = api(personas.member)
    assert client.post(URL, {"channel": personas.other_channel.pk}).status_code == 400
    assert client.post(URL, {"category": "napping"}).status_code == 400
    assert not Timer.objects.exists()
    client.post(URL, {"category": CM})
    assert client.post(STOP, {"channel": personas.other_channel.pk}).status_code == 400
    assert Timer.objects.exists()


@pytest.mark.parametrize(("caller", "expected"), [("leader", 403), ("admin", 403), (None, 401)])
def test_api_only_members_have_a_timer(personas, api, caller, expected):
    client = api(getattr(personas, caller) if caller else None)
    assert client.get(URL).status_code == expected
    assert client.post(URL, {"category": CM}).status_code == expected
    assert client.delete(URL).status_code == expected
    assert client.post(STOP, {"category": CM}).status_code == expected
    assert not Timer.objects.exists()


def test_each_member_sees_and_stops_only_their_own(personas, api):
    timers.timer_start(member=personas.teammate, category=CM)
    client = api(personas.member)
    assert client.get(URL).json() == {"running": False}
    assert client.post(STOP, {}).status_code == 404
    assert client.delete(URL).status_code == 404
    assert Timer.objects.filter(member=personas.teammate).exists()
    assert not TaskLog.objects.exists()
    # Their own timer does not touch the teammate's.
    assert client.post(URL, {"category": CM}).status_code == 201
    assert Timer.objects.count() == 2


def test_api_get_query_count(personas, api, django_assert_num_queries):
    timers.timer_start(member=personas.member, category=CM, channel=personas.channel)
    client = api(personas.member)
    # The user (SignedInClient), the member with its team (roles_for), the timer with its
    # channel: the same with or without a timer.
    with django_assert_num_queries(3):
        assert client.get(URL).json()["running"] is True
    timers.timer_discard(member=personas.member)
    with django_assert_num_queries(3):
        assert client.get(URL).json()["running"] is False


# ---- The header indicator (context processor) ----


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_context_processor_costs_one_query_for_members(personas, django_assert_num_queries):
    timers.timer_start(member=personas.member, category=CM)
    user = personas.member.user
    roles_for(user)  # read once per request already, by socialops.context_processors.roles
    request = _request(user)
    with django_assert_num_queries(1):  # the timer
        context = running_timer(request)
        assert context["running_timer"].label == "0h01"
        assert context["running_timer"].minutes == 1  # the request's cache: no second query
    teammate = personas.teammate.user
    roles_for(teammate)
    with django_assert_num_queries(1):  # the (absent) timer
        assert not running_timer(_request(teammate))["running_timer"]


def test_context_processor_costs_nothing_for_others(personas, django_assert_num_queries):
    leader = personas.leader.user
    roles_for(leader)
    with django_assert_num_queries(0):
        assert not running_timer(_request(leader))["running_timer"]
        assert running_timer(_request(AnonymousUser())) == {}


def test_header_shows_the_timer_on_every_page(personas, client, django_assert_num_queries):
    client.force_login(personas.member.user)
    assert "timer-badge" not in client.get("/pulse/").content.decode()
    Timer.objects.create(
        member=personas.member, started_at=timezone.now() - dt.timedelta(minutes=72)
    )
    html = client.get("/pulse/").content.decode()
    assert 'class="timer-badge" href="/log/#timer"' in html
    assert "1h12" in html


# ---- Pages ----


def test_pages_start_stop_and_discard(personas, client):
    client.force_login(personas.member.user)
    res = client.post("/log/timer/start/", {"channel": personas.channel.pk, "note": "Inbox"})
    assert res.status_code == 302 and res["Location"] == "/log/#timer"
    html = client.get("/log/").content.decode()
    assert "Running since" in html and "0h01" in html and "Stop and log" in html
    assert "Running since" not in html.split('id="timer"')[0]  # the card, not the header

    res = client.post("/log/timer/start/", {}, follow=True)
    assert "Timer not started: A timer is already running" in res.content.decode()

    res = client.post("/log/timer/stop/", {}, follow=True)
    assert "Timer not stopped: Choose a category" in res.content.decode()
    assert Timer.objects.exists()

    res = client.post("/log/timer/stop/", {"category": CM, "messages_handled": "4"}, follow=True)
    html = res.content.decode()
    assert "Logged 1m of Community management from the timer" in html
    log = TaskLog.objects.get()
    assert (log.minutes, log.channel, log.note, log.messages_handled) == (
        1, personas.channel, "Inbox", 4,
    )  # fmt: skip
    assert "Start timer" in html

    res = client.post("/log/timer/discard/", follow=True)
    assert "Nothing discarded: You have no running timer." in res.content.decode()
    client.post("/log/timer/start/", {"category": CM})
    res = client.post("/log/timer/discard/", follow=True)
    assert "Timer discarded" in res.content.decode()
    assert not Timer.objects.exists() and TaskLog.objects.count() == 1


def test_pages_refuse_bad_input_with_a_message(personas, client):
    client.force_login(personas.member.user)
    res = client.post("/log/timer/start/", {"channel": personas.other_channel.pk}, follow=True)
    assert res.status_code == 200
    assert "Timer not started: Channel:" in res.content.decode()
    assert not Timer.objects.exists()
    assert client.get("/log/timer/start/").status_code == 405


def test_pages_are_for_members_only(personas, client):
    client.force_login(personas.leader.user)
    assert client.post("/log/timer/start/", {"category": CM}).status_code == 403
    assert not Timer.objects.exists()
    client.logout()
    assert client.post("/log/timer/start/", {"category": CM}).status_code == 302  # to sign in
