"""Teams, members, channels, leave and on-call over the API: writes and bad input."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from teams.models import Channel, Leave, Member, OnCallShift, Team

pytestmark = pytest.mark.django_db


def test_admin_creates_a_team_with_leaders_and_derived_staffed_hours(personas, api):
    response = api(personas.admin).post(
        "/api/v1/teams/",
        {"name": "Care", "timezone": "Asia/Singapore", "staffed_window_start": "08:00",
         "staffed_window_end": "20:00", "staffed_weekdays": [0, 1, 2, 3, 4, 5, 6],
         "leader_ids": [personas.leader.pk], "fte_hours": "37.5", "shrinkage": "0.25"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["staffed_hours_per_week"] == 84.0
    assert body["leader_ids"] == [personas.leader.pk]
    assert body["pulse_min_group"] == 5
    patched = api(personas.admin).patch(f"/api/v1/teams/{body['id']}/",
                                        {"staffed_hours_per_week": 1})  # fmt: skip
    assert patched.json()["staffed_hours_per_week"] == 84.0  # read-only, derived


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"staffed_weekdays": [0, 7]}, "staffed_weekdays"),
        ({"staffed_weekdays": []}, "staffed_weekdays"),
        ({"staffed_weekdays": [1, 1]}, "staffed_weekdays"),
        ({"staffed_weekdays": "weekdays"}, "staffed_weekdays"),
        ({"staffed_window_start": "18:00", "staffed_window_end": "09:00"}, "__all__"),
        ({"pulse_min_group": 4}, "pulse_min_group"),
        ({"shrinkage": "1"}, "shrinkage"),
        ({"fte_hours": "0"}, "fte_hours"),
        ({"leader_ids": [999999]}, "leader_ids"),
    ],
)
def test_team_bad_input(personas, api, body, field):
    before = Team.objects.get(pk=personas.team.pk)
    response = api(personas.admin).patch(f"/api/v1/teams/{personas.team.pk}/", body)
    assert response.status_code == 400, response.content
    assert field in response.json() or "non_field_errors" in response.json(), response.json()
    after = Team.objects.get(pk=personas.team.pk)
    assert [getattr(before, f.attname) for f in Team._meta.concrete_fields] == [
        getattr(after, f.attname) for f in Team._meta.concrete_fields
    ]


def test_leader_ids_must_hold_the_leader_role(personas, api):
    response = api(personas.admin).patch(
        f"/api/v1/teams/{personas.team.pk}/", {"leader_ids": [personas.member.pk]}
    )
    assert response.status_code == 400 and "leader role" in response.json()["leader_ids"][0]
    assert list(personas.team.leaders.all()) == [personas.leader]


def test_duplicate_team_name_is_refused(personas, api):
    response = api(personas.admin).post("/api/v1/teams/", {"name": "Brand"})
    assert response.status_code == 409 and "already exists" in response.json()["name"][0]
    assert Team.objects.filter(name="Brand").count() == 1


def test_admin_creates_a_member_who_can_sign_in(personas, api, client):
    response = api(personas.admin).post(
        "/api/v1/members/",
        {"username": "nina", "full_name": "Nina New", "email": "nina@example.com",
         "password": "a-long-enough-password", "team": personas.team.pk,
         "roles": ["member", "leader"], "timezone": "Europe/Paris", "workdays": [0, 1, 2, 3],
         "weekly_hours": "30", "started_on": "2026-11-01"},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["roles"] == ["member", "leader"] and "password" not in body
    assert client.login(username="nina", password="a-long-enough-password")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "maya"}, "username"),
        ({"username": "x", "password": "123"}, "password"),
        ({"username": "x", "timezone": "UTC+2"}, "timezone"),
        ({"username": "x", "workdays": [5, 6, 7]}, "workdays"),
        ({"username": "x", "workday_start": "17:00", "workday_end": "09:00"}, "workday_end"),
        ({"username": "x", "weekly_hours": "0"}, "weekly_hours"),
        ({"username": "x", "leave_entitlement_days": "-1"}, "leave_entitlement_days"),
        ({"username": "x", "roles": ["owner"]}, "roles"),
        ({"username": "x", "status": "retired"}, "status"),
        ({"username": "x", "team": 999999}, "team"),
        ({"username": "x", "email": "not-an-email"}, "email"),
        ({"username": "x", "started_on": "2026-05-01", "ended_on": "2026-04-01"}, "__all__"),
        ({"full_name": "No username"}, "username"),
    ],
)
def test_member_bad_input(personas, api, body, field):
    users_before = get_user_model().objects.count()
    response = api(personas.admin).post("/api/v1/members/", {"full_name": "X", **body})
    assert response.status_code in (400, 409), response.content
    assert field in response.json() or "non_field_errors" in response.json(), response.json()
    assert get_user_model().objects.count() == users_before
    assert Member.objects.count() == 5


def test_channel_duplicate_handle_is_409(personas, api):
    body = {"platform": "instagram", "handle": "@community", "name": "Dup",
            "team": personas.team.pk}  # fmt: skip
    response = api(personas.admin).post("/api/v1/channels/", body)
    assert response.status_code == 409
    assert Channel.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"platform": "myspace"}, "platform"),
        ({"response_sla_minutes": 0}, "response_sla_minutes"),
        ({"service_level_target": "1.5"}, "service_level_target"),
        # Every message in time is a promise Erlang C never reaches: it broke the recompute.
        ({"service_level_target": "1"}, "service_level_target"),
        ({"expected_weekly_messages": -1}, "expected_weekly_messages"),
        ({"team": 999999}, "team"),
        ({"owner": 999999}, "owner"),
    ],
)
def test_channel_bad_input(personas, api, body, field):
    response = api(personas.admin).post(
        "/api/v1/channels/",
        {
            "platform": "tiktok",
            "handle": "@t",
            "name": "T",
            "team": personas.team.pk,
            **body,
        },  # fmt: skip
    )
    assert response.status_code == 400 and field in response.json(), response.content
    assert Channel.objects.count() == 2


def test_departed_member_cannot_own_a_channel(personas, api):
    personas.teammate.status = Member.Status.DEPARTED
    personas.teammate.save()
    response = api(personas.admin).patch(
        f"/api/v1/channels/{personas.channel.pk}/", {"owner": personas.teammate.pk}
    )
    assert response.status_code == 400 and "owner" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start_date": "2026-11-05", "end_date": "2026-11-01"}, "end_date"),
        ({"kind": "sabbatical"}, "kind"),
        ({"start_date": "2020-01-01", "end_date": "2020-01-02"}, "start_date"),
        ({"start_date": "2026-01-01", "end_date": "2027-06-01"}, "end_date"),
        ({"member": "other"}, "member"),
        ({"start_date": "soon"}, "start_date"),
    ],
)
def test_leave_bad_input(personas, api, body, field):
    if body.get("member") == "other":
        body = {"member": personas.teammate.pk}
    payload = {"start_date": "2026-11-02", "end_date": "2026-11-03", "kind": "vacation", **body}
    response = api(personas.member).post("/api/v1/leave/", payload)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Leave.objects.exists()


def test_overlapping_leave_is_a_conflict(personas, api):
    client = api(personas.member)
    body = {"start_date": "2026-11-02", "end_date": "2026-11-06", "kind": "vacation"}
    assert client.post("/api/v1/leave/", body).status_code == 201
    again = client.post("/api/v1/leave/", {**body, "start_date": "2026-11-06",
                                           "end_date": "2026-11-09"})  # fmt: skip
    assert again.status_code == 409 and "overlaps" in again.json()["start_date"][0]
    assert Leave.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ends_at": "2026-11-02T08:00:00+00:00"}, "ends_at"),
        ({"ends_at": "2026-11-30T08:00:00+00:00"}, "ends_at"),
        ({"starts_at": "yesterday"}, "starts_at"),
        ({"channel": "foreign"}, "channel"),
        ({"member": "other"}, "member"),
    ],
)
def test_on_call_bad_input(personas, api, body, field):
    if body.get("channel") == "foreign":
        body = {"channel": personas.other_channel.pk}
    if body.get("member") == "other":
        body = {"member": personas.foreigner.pk}
    payload = {"starts_at": "2026-11-02T18:00:00+00:00", "ends_at": "2026-11-03T08:00:00+00:00",
               **body}  # fmt: skip
    response = api(personas.member).post("/api/v1/on-call/", payload)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not OnCallShift.objects.exists()


def test_on_call_local_dates_follow_the_members_zone(personas, api):
    """A shift from 22:00 to 06:00 UTC is one local date in Tokyo and two in London."""
    body = {"starts_at": "2026-11-02T22:00:00+00:00", "ends_at": "2026-11-03T06:00:00+00:00"}
    personas.teammate.timezone = "Asia/Tokyo"
    personas.teammate.save()
    london = api(personas.member).post("/api/v1/on-call/", body)
    tokyo = api(personas.teammate).post("/api/v1/on-call/", body)
    assert london.status_code == tokyo.status_code == 201
    by_member = {s.member_id: (s.first_local_date, s.last_local_date)
                 for s in OnCallShift.objects.all()}  # fmt: skip
    assert by_member[personas.member.pk] == (dt.date(2026, 11, 2), dt.date(2026, 11, 3))
    assert by_member[personas.teammate.pk] == (dt.date(2026, 11, 3), dt.date(2026, 11, 3))


def test_departed_members_lose_their_roles(personas, api):
    personas.member.status = Member.Status.DEPARTED
    personas.member.save()
    client = api(personas.member)
    assert client.get("/api/v1/me/").json()["roles"] == []
    assert client.get("/api/v1/task-logs/").json()["count"] == 0
    response = client.post("/api/v1/task-logs/", {"date": "2026-11-02", "minutes": 5,
                                                  "category": "publishing"})  # fmt: skip
    assert response.status_code == 403
