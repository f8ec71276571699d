"""The My week page without JavaScript: log, edit, delete, copy yesterday, leave, on-call."""

import datetime as dt

import pytest

from teams.models import Leave, OnCallShift
from workload.models import TaskLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def maya(personas, client):
    client.force_login(personas.member.user)
    return client


def _log(client, **fields):
    data = {"date": "", "duration": "1h30", "category": "community_management",
            "messages_handled": "12", **fields}  # fmt: skip
    return client.post("/log/", data)


def test_home_sends_a_member_to_my_week(personas, maya):
    assert maya.get("/").url == "/log/"


def test_anonymous_is_sent_to_login(client):
    response = client.get("/log/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_a_person_without_the_member_role_gets_403(personas, client):
    client.force_login(personas.leader.user)
    assert client.get("/log/").status_code == 403
    assert client.get("/").url == "/dashboard/"  # a leader lands on the team dashboard


def test_log_an_entry_and_see_it_with_daily_totals(personas, maya):
    monday = "2026-11-16"  # a workday in the past, whatever day the suite runs
    response = _log(maya, date=monday, started_at="17:00", channel=personas.channel.pk,
                    hostile_messages="2", note="Evening DMs")  # fmt: skip
    assert response.status_code == 302
    log = TaskLog.objects.get()
    assert (log.minutes, log.started_at, log.hostile_messages) == (90, dt.time(17, 0), 2)
    # The form keeps the date just used (?day=) for the next entry.
    assert response.url == "/log/?week=2026-11-16&day=2026-11-16"
    page = maya.get(response.url).content.decode()
    assert "Logged 1h30 of Community management" in page
    assert "Evening DMs" in page
    # 17:00–18:30 against a 09:00–17:30 day: 1h after hours.
    assert "Total 1h30" in page and "1h after hours" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"duration": "soon"}, "is not a duration"),
        ({"duration": "0"}, "from 1 minute to 24 hours"),
        ({"duration": "25h"}, "from 1 minute to 24 hours"),
        ({"category": "sleeping"}, "Select a valid choice"),
        ({"date": "2099-01-01"}, "future"),
        ({"date": "2020-01-01"}, "outside your employment"),
        ({"messages_handled": "-3"}, "greater than or equal to 0"),
    ],
)
def test_bad_input_shows_the_error_and_saves_nothing(personas, maya, fields, message):
    fields.setdefault("date", str(personas.member.today()))
    response = _log(maya, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TaskLog.objects.exists()


def test_another_teams_channel_is_not_offered_and_refused(personas, maya):
    page = maya.get("/log/").content.decode()
    assert "@community" in page and "@brand" not in page
    response = _log(maya, date=str(personas.member.today()), channel=personas.other_channel.pk)
    assert "Select a valid choice" in response.content.decode()
    assert not TaskLog.objects.exists()


def test_a_day_over_24_hours_is_refused_on_the_page(personas, maya):
    today = str(personas.member.today())
    assert _log(maya, date=today, duration="20h").status_code == 302
    response = _log(maya, date=today, duration="5h")
    assert "holds at most 24h" in response.content.decode()
    assert TaskLog.objects.count() == 1


def test_edit_and_delete_own_entries_only(personas, maya):
    mine = TaskLog.objects.create(member=personas.member, date=personas.member.today(),
                                  minutes=30, category="publishing")  # fmt: skip
    theirs = TaskLog.objects.create(member=personas.teammate, date=personas.member.today(),
                                    minutes=30, category="publishing")  # fmt: skip
    form = maya.get(f"/log/entries/{mine.pk}/edit/").content.decode()
    assert 'value="30m"' in form
    response = maya.post(
        f"/log/entries/{mine.pk}/edit/",
        {"date": str(mine.date), "duration": "45", "category": "analytics_reporting",
         "messages_handled": "0"},
    )  # fmt: skip
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.minutes, mine.category) == (45, "analytics_reporting")
    assert maya.get(f"/log/entries/{theirs.pk}/edit/").status_code == 404
    assert maya.post(f"/log/entries/{theirs.pk}/delete/").status_code == 404
    assert maya.get(f"/log/entries/{mine.pk}/delete/").status_code == 405
    assert maya.post(f"/log/entries/{mine.pk}/delete/").status_code == 302
    assert list(TaskLog.objects.values_list("pk", flat=True)) == [theirs.pk]


def test_copy_yesterday(personas, maya):
    today = personas.member.today()
    yesterday = today - dt.timedelta(days=1)
    for start, minutes in ((dt.time(9, 0), 60), (dt.time(14, 0), 30)):
        TaskLog.objects.create(member=personas.member, date=yesterday, started_at=start,
                               minutes=minutes, category="publishing",
                               channel=personas.channel)  # fmt: skip
    response = maya.post("/log/copy-yesterday/", follow=True)
    assert "Copied 2 entries" in response.content.decode()
    copied = TaskLog.objects.filter(date=today).order_by("started_at")
    assert [(c.started_at, c.minutes, c.channel_id) for c in copied] == [
        (dt.time(9, 0), 60, personas.channel.pk),
        (dt.time(14, 0), 30, personas.channel.pk),
    ]


def test_copy_yesterday_with_nothing_to_copy_says_so(personas, maya):
    response = maya.post("/log/copy-yesterday/", follow=True)
    assert "Nothing copied" in response.content.decode()
    assert not TaskLog.objects.exists()


def test_record_and_remove_leave(personas, maya):
    today = personas.member.today()
    response = maya.post("/log/leave/", {"start_date": str(today), "end_date": str(today),
                                         "kind": "sick"}, follow=True)  # fmt: skip
    assert "Leave recorded" in response.content.decode()
    leave = Leave.objects.get()
    assert leave.kind == "sick"
    bad = maya.post("/log/leave/", {"start_date": str(today), "end_date": str(today),
                                    "kind": "vacation"})  # fmt: skip
    assert "overlaps" in bad.content.decode() and Leave.objects.count() == 1
    backwards = maya.post("/log/leave/", {"start_date": str(today),
                                          "end_date": str(today - dt.timedelta(days=3)),
                                          "kind": "vacation"})  # fmt: skip
    assert "cannot end before" in backwards.content.decode()
    maya.post(f"/log/leave/{leave.pk}/delete/")
    assert not Leave.objects.exists()


def test_record_an_on_call_shift_in_the_members_zone(personas, maya):
    # London: 2026-10-24 20:00 BST (UTC+1) to 2026-10-25 08:00 GMT crosses the DST change.
    response = maya.post("/log/on-call/", {"starts_at": "2026-10-24T20:00",
                                           "ends_at": "2026-10-25T08:00"})  # fmt: skip
    assert response.status_code == 302
    shift = OnCallShift.objects.get()
    assert shift.starts_at.isoformat() == "2026-10-24T19:00:00+00:00"
    assert shift.ends_at.isoformat() == "2026-10-25T08:00:00+00:00"
    assert (shift.first_local_date, shift.last_local_date) == (
        dt.date(2026, 10, 24),
        dt.date(2026, 10, 25),
    )
    bad = maya.post("/log/on-call/", {"starts_at": "2026-10-24T20:00",
                                      "ends_at": "2026-10-24T19:00"})  # fmt: skip
    assert "must end after it starts" in bad.content.decode()
    assert OnCallShift.objects.count() == 1


def test_week_navigation_and_a_bad_week_parameter(personas, maya):
    assert maya.get("/log/?week=2026-10-07").status_code == 200
    assert "5 Oct" in maya.get("/log/?week=2026-10-07").content.decode()
    assert maya.get("/log/?week=garbage").status_code == 200


def test_after_a_save_the_form_keeps_the_date_and_focuses_the_duration(personas, client):
    client.force_login(personas.member.user)
    day = personas.member.today() - dt.timedelta(days=1)
    body = {"date": day.isoformat(), "duration": "45m", "category": "publishing",
            "started_at": "09:00"}  # fmt: skip
    response = client.post("/log/", body)
    page = client.get(response.url).content.decode()
    form = page.split('class="log-form"')[1].split("</form>")[0]
    assert f'value="{day.isoformat()}"' in form
    duration = (
        form.split('name="duration"')[0].rsplit("<input", 1)[1]
        + form.split('name="duration"')[1].split(">")[0]
    )
    assert "autofocus" in duration
    # A second entry overlapping the first is saved, with a warning naming it.
    again = client.post("/log/", body | {"started_at": "09:30"}, follow=True)
    assert "Saved, but it overlaps 09:00 Publishing and scheduling (45m): check the times." in (
        again.content.decode()
    )
    bogus = client.get("/log/?day=2999-01-01").content.decode()  # not a day to keep
    assert "autofocus" not in bogus.split('class="log-form"')[1].split("</form>")[0]
