"""Task logs over the API: what goes in, what is refused, and the after-hours figure."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from teams.models import Leave
from workload.models import TaskLog

pytestmark = pytest.mark.django_db

URL = "/api/v1/task-logs/"


def post(client, **body):
    body = {"date": "2026-11-02", "category": "community_management", **body}
    return client.post(URL, body, format="json")


def test_logs_with_a_duration_and_returns_after_hours(personas, api):
    client = api(personas.member)
    response = post(client, duration="1h30", started_at="16:45", channel=personas.channel.pk,
                    messages_handled=40, hostile_messages=3, crisis=False, note="DMs")  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["minutes"] == 90
    assert body["started_at"] == "16:45"
    # Workday 09:00–17:30 (Europe/London): 16:45–18:15 is 45 minutes after hours.
    assert body["after_hours_minutes"] == 45
    assert body["member"] == personas.member.pk
    assert body["hostile_messages"] == 3
    assert "duration" not in body


def test_after_hours_takes_leave_and_rest_days_into_account(personas, api):
    client = api(personas.member)
    Leave.objects.create(member=personas.member, start_date=dt.date(2026, 11, 3),
                         end_date=dt.date(2026, 11, 3))  # fmt: skip
    on_leave = post(client, date="2026-11-03", minutes=30, started_at="10:00").json()
    saturday = post(client, date="2026-11-07", minutes=20).json()
    assert on_leave["after_hours_minutes"] == 30
    assert saturday["after_hours_minutes"] == 20
    listed = {r["id"]: r["after_hours_minutes"] for r in client.get(URL).json()["results"]}
    assert listed == {on_leave["id"]: 30, saturday["id"]: 20}


def test_after_hours_follows_the_members_own_time_zone_and_window(personas, api):
    """The same wall-clock entry is after hours for a member whose day is 09:00–17:30 in
    London and inside the window for a teammate working 13:00–21:00 in New York."""
    personas.teammate.timezone = "America/New_York"
    personas.teammate.workday_start = dt.time(13, 0)
    personas.teammate.workday_end = dt.time(21, 0)
    personas.teammate.save()
    london = post(api(personas.member), minutes=60, started_at="19:00").json()
    new_york = post(api(personas.teammate), minutes=60, started_at="19:00").json()
    assert (london["after_hours_minutes"], new_york["after_hours_minutes"]) == (60, 0)


def test_filters(personas, api):
    client = api(personas.member)
    for day, category in (("2026-11-02", "publishing"), ("2026-11-03", "crisis_response"),
                          ("2026-11-05", "publishing")):  # fmt: skip
        assert post(client, date=day, minutes=10, category=category).status_code == 201

    def ids(query):
        return [r["date"] for r in client.get(URL + query).json()["results"]]

    assert ids("?category=publishing") == ["2026-11-05", "2026-11-02"]
    assert ids("?date_after=2026-11-03&date_before=2026-11-04") == ["2026-11-03"]
    assert ids(f"?member={personas.member.pk}&page_size=2") == ["2026-11-05", "2026-11-03"]
    leader = api(personas.leader)
    assert leader.get(URL + f"?member={personas.member.pk}").json()["count"] == 3
    assert client.get(URL + "?date_after=yesterday").status_code == 400
    assert client.get(URL + "?category=sleeping").status_code == 400
    assert client.get(URL + "?page_size=100000").json()["count"] == 3  # capped, not an error


def test_patch_with_duration_and_move_refused(personas, api):
    client = api(personas.member)
    log = post(client, minutes=30).json()
    response = client.patch(f"{URL}{log['id']}/", {"duration": "2h"}, format="json")
    assert response.status_code == 200 and response.json()["minutes"] == 120
    response = client.patch(f"{URL}{log['id']}/", {"member": personas.teammate.pk}, format="json")
    assert response.status_code == 400 and "member" in response.json()
    assert TaskLog.objects.get(pk=log["id"]).member == personas.member


# ---- Bad input: a clear message, nothing changed, never a 500 ----


def _today_for(member):
    return timezone.now().astimezone(member.tz).date()


BAD = [
    ({"minutes": 0}, "minutes"),
    ({"minutes": -5}, "minutes"),
    ({"minutes": 1441}, "minutes"),
    ({"minutes": "lots"}, "minutes"),
    ({"duration": "0"}, "duration"),
    ({"duration": "25h"}, "duration"),
    ({"duration": "an hour or so"}, "duration"),
    ({"duration": "1h", "minutes": 60}, "duration"),
    ({}, "minutes"),
    ({"minutes": 30, "category": "sleeping"}, "category"),
    ({"minutes": 30, "category": ""}, "category"),
    ({"minutes": 30, "date": "2026-13-45"}, "date"),
    ({"minutes": 30, "date": "2019-01-01"}, "date"),  # before employment started
    ({"minutes": 30, "started_at": "25:00"}, "started_at"),
    ({"minutes": 30, "messages_handled": -1}, "messages_handled"),
    ({"minutes": 30, "hostile_messages": -2}, "hostile_messages"),
    ({"minutes": 30, "note": "x" * 2001}, "note"),
    ({"minutes": 30, "channel": 999999}, "channel"),
]


@pytest.mark.parametrize(("body", "field"), BAD)
def test_bad_input_is_refused_with_the_field_named(personas, api, body, field):
    response = post(api(personas.member), **body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not TaskLog.objects.exists()


def test_future_date_in_the_members_zone_is_refused(personas, api):
    tomorrow = _today_for(personas.member) + dt.timedelta(days=1)
    response = post(api(personas.member), minutes=30, date=str(tomorrow))
    assert response.status_code == 400 and "future" in response.json()["date"][0]
    assert not TaskLog.objects.exists()


def test_date_after_employment_ended_is_refused(personas, api):
    personas.member.ended_on = dt.date(2026, 10, 31)
    personas.member.save()
    response = post(api(personas.member), minutes=30, date="2026-11-02")
    assert response.status_code == 400 and "employment" in response.json()["date"][0]


def test_another_teams_channel_is_refused_like_a_missing_one(personas, api):
    foreign = post(api(personas.member), minutes=30, channel=personas.other_channel.pk)
    missing = post(api(personas.member), minutes=30, channel=987654)
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["channel"] == [
        m.replace("987654", str(personas.other_channel.pk)) for m in missing.json()["channel"]
    ]
    assert not TaskLog.objects.exists()


def test_a_leader_picking_a_led_teams_channel_outside_their_own_team_is_refused(personas, api):
    from tests.factories import TeamFactory

    personas.leader.role_member = True
    personas.leader.team = TeamFactory(name="Leadership")
    personas.leader.save()
    response = post(api(personas.leader), minutes=30, channel=personas.channel.pk)
    assert response.status_code == 400 and "team" in response.json()["channel"][0]


def test_somebody_elses_member_id_is_refused(personas, api):
    for other in (personas.teammate, personas.foreigner):
        response = post(api(personas.member), minutes=30, member=other.pk)
        assert response.status_code == 400 and "member" in response.json()
    assert not TaskLog.objects.exists()
    own = post(api(personas.member), minutes=30, member=personas.member.pk)
    assert own.status_code == 201


def test_a_day_cannot_pass_24_hours(personas, api):
    client = api(personas.member)
    assert post(client, minutes=1000).status_code == 201
    response = post(client, minutes=441)
    assert response.status_code == 400 and "24h" in response.json()["minutes"][0]
    assert post(client, minutes=440).status_code == 201
    assert TaskLog.objects.count() == 2


def test_an_entry_spilling_past_midnight_counts_on_the_next_day(personas, api):
    client = api(personas.member)
    assert post(client, date="2026-11-03", minutes=1380, started_at="00:00").status_code == 201
    # 22:00 on the 2nd for 3h30 puts 1h30 on the 3rd, which already holds 23h.
    response = post(client, date="2026-11-02", minutes=210, started_at="22:00")
    assert response.status_code == 400, response.content
    assert "Tue 03 Nov" in response.json()["minutes"][0]
    # 22:00 for 3h fills the 3rd to exactly 24h, which is allowed.
    assert post(client, date="2026-11-02", minutes=180, started_at="22:00").status_code == 201


def test_malformed_json_and_oversized_bodies(personas, api, settings):
    client = api(personas.member)
    response = client.generic("POST", URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    response = client.generic("POST", URL, "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    big = json.dumps({"date": "2026-11-02", "minutes": 30, "category": "publishing",
                      "note": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})  # fmt: skip
    response = client.generic("POST", URL, big, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "Request body too large."}
    assert not TaskLog.objects.exists()


def test_malformed_ids_are_404_not_500(personas, api):
    client = api(personas.member)
    assert client.get(URL + "abc/").status_code == 404
    assert client.get(URL + "99999999999999999999999/").status_code == 404
