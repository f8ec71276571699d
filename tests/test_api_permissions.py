"""The permission matrix: each role × each endpoint × own / same-team / foreign object.

Objects are named from the point of view of the `member` persona: `own` is theirs, `team` is
their teammate's (the leader leads that team), `foreign` belongs to another team. Out of
scope is 404; in scope but not allowed is 403; anonymous is 401.
"""

import datetime as dt

import pytest
from django.utils import timezone

from teams.models import Leave, OnCallShift
from workload.models import Category, TaskLog

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 2)


def _records(p):
    """One task log, leave and on-call shift for each of member, teammate and foreigner."""
    out = {}
    for key, owner in (("own", p.member), ("team", p.teammate), ("foreign", p.foreigner)):
        start = timezone.now() - dt.timedelta(days=3)
        out[key] = {
            "task-logs": TaskLog.objects.create(
                member=owner, date=DAY, minutes=30, category=Category.PUBLISHING
            ),
            "leave": Leave.objects.create(member=owner, start_date=DAY, end_date=DAY),
            "on-call": OnCallShift.objects.create(
                member=owner,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=8),
                first_local_date=start.date(),
                last_local_date=start.date(),
            ),
        }
    return out


PERSONAL = ["task-logs", "leave", "on-call"]

# caller → expected status for GET of (own, team, foreign), and for writes on them.
PERSONAL_READ = {
    "member": (200, 404, 404),
    "leader": (200, 200, 404),
    "admin": (404, 404, 404),
    "anonymous": (401, 401, 401),
}
PERSONAL_WRITE = {  # PATCH (task logs) and DELETE
    "member": ("ok", 404, 404),
    "leader": (403, 403, 404),
    "admin": (404, 404, 404),
    "anonymous": (401, 401, 401),
}
# Task logs differ for leaders: they correct their teams' entries (audited; tests/workload/
# test_corrections.py), they never touch another team's.
TASK_LOG_WRITE = PERSONAL_WRITE | {"leader": ("ok", "ok", 404)}
PERSONAL_CREATE = {"member": 201, "leader": 403, "admin": 403, "anonymous": 401}


def _caller(p, name):
    return None if name == "anonymous" else getattr(p, name)


@pytest.mark.parametrize("resource", PERSONAL)
@pytest.mark.parametrize("caller", list(PERSONAL_READ))
def test_personal_records_read(personas, api, resource, caller):
    records = _records(personas)
    client = api(_caller(personas, caller))
    for scope, expected in zip(("own", "team", "foreign"), PERSONAL_READ[caller], strict=True):
        obj = records[scope][resource]
        response = client.get(f"/api/v1/{resource}/{obj.pk}/")
        assert response.status_code == expected, (resource, caller, scope, response.content)
    listing = client.get(f"/api/v1/{resource}/")
    if caller == "anonymous":
        assert listing.status_code == 401
    else:
        visible = {r["id"] for r in listing.json()["results"]}
        expected_ids = {
            records[s][resource].pk
            for s, code in zip(("own", "team", "foreign"), PERSONAL_READ[caller], strict=True)
            if code == 200
        }
        assert visible == expected_ids


@pytest.mark.parametrize("resource", PERSONAL)
@pytest.mark.parametrize("caller", list(PERSONAL_WRITE))
def test_personal_records_delete(personas, api, resource, caller):
    records = _records(personas)
    client = api(_caller(personas, caller))
    table = TASK_LOG_WRITE if resource == "task-logs" else PERSONAL_WRITE
    for scope, expected in zip(("own", "team", "foreign"), table[caller], strict=True):
        obj = records[scope][resource]
        response = client.delete(f"/api/v1/{resource}/{obj.pk}/")
        expected = 204 if expected == "ok" else expected
        assert response.status_code == expected, (resource, caller, scope, response.content)
        assert type(obj).objects.filter(pk=obj.pk).exists() == (expected != 204)


@pytest.mark.parametrize("caller", list(TASK_LOG_WRITE))
def test_task_log_patch(personas, api, caller):
    records = _records(personas)
    client = api(_caller(personas, caller))
    for scope, expected in zip(("own", "team", "foreign"), TASK_LOG_WRITE[caller], strict=True):
        log = records[scope]["task-logs"]
        response = client.patch(f"/api/v1/task-logs/{log.pk}/", {"minutes": 45}, format="json")
        expected = 200 if expected == "ok" else expected
        assert response.status_code == expected, (caller, scope, response.content)
        log.refresh_from_db()
        assert log.minutes == (45 if expected == 200 else 30)


@pytest.mark.parametrize("caller", list(PERSONAL_CREATE))
def test_personal_records_create(personas, api, caller):
    client = api(_caller(personas, caller))
    start = timezone.now() - dt.timedelta(days=2)
    payloads = {
        "task-logs": {"date": str(DAY), "minutes": 30, "category": "publishing"},
        "leave": {"start_date": "2026-10-05", "end_date": "2026-10-06", "kind": "vacation"},
        "on-call": {
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=4)).isoformat(),
        },
    }
    for resource, payload in payloads.items():
        response = client.post(f"/api/v1/{resource}/", payload, format="json")
        assert response.status_code == PERSONAL_CREATE[caller], (resource, response.content)
        if response.status_code == 201:
            assert response.json()["member"] == personas.member.pk


# Teams: objects are the member's team (led by the leader) and another team.
TEAM_EXPECTED = {
    #            GET own, GET foreign, PATCH own, PATCH foreign, POST
    "member": (404, 404, 404, 404, 403),
    "leader": (200, 404, 403, 404, 403),
    "admin": (200, 200, 200, 200, 201),
    "anonymous": (401, 401, 401, 401, 401),
}


@pytest.mark.parametrize("caller", list(TEAM_EXPECTED))
def test_teams(personas, api, caller):
    client = api(_caller(personas, caller))
    get_own, get_foreign, patch_own, patch_foreign, post = TEAM_EXPECTED[caller]
    assert client.get(f"/api/v1/teams/{personas.team.pk}/").status_code == get_own
    assert client.get(f"/api/v1/teams/{personas.other_team.pk}/").status_code == get_foreign
    body = {"fte_hours": "37.5"}
    assert client.patch(f"/api/v1/teams/{personas.team.pk}/", body).status_code == patch_own
    assert (
        client.patch(f"/api/v1/teams/{personas.other_team.pk}/", body).status_code == patch_foreign
    )
    assert client.post("/api/v1/teams/", {"name": "New team"}).status_code == post
    personas.team.refresh_from_db()
    assert (personas.team.fte_hours == 37.5) == (patch_own == 200)


# Members: objects are the caller's own record, a member of the member's team, a foreigner.
MEMBER_EXPECTED = {
    #            GET own/team/foreign, PATCH own/team/foreign, POST
    "member": ((200, 404, 404), (403, 404, 404), 403),
    "leader": ((200, 200, 404), (403, 403, 404), 403),
    "admin": ((200, 200, 200), (200, 200, 200), 201),
    "anonymous": ((401, 401, 401), (401, 401, 401), 401),
}


@pytest.mark.parametrize("caller", list(MEMBER_EXPECTED))
def test_members(personas, api, caller):
    me = _caller(personas, caller) or personas.member
    team_member = personas.teammate
    client = api(_caller(personas, caller))
    gets, patches, post = MEMBER_EXPECTED[caller]
    for obj, get_code, patch_code in zip(
        (me, team_member, personas.foreigner), gets, patches, strict=True
    ):
        assert client.get(f"/api/v1/members/{obj.pk}/").status_code == get_code
        response = client.patch(f"/api/v1/members/{obj.pk}/", {"weekly_hours": "30"})
        assert response.status_code == patch_code, response.content
        obj.refresh_from_db()
        assert (obj.weekly_hours == 30) == (patch_code == 200)
    response = client.post(
        "/api/v1/members/",
        {"username": "newbie", "full_name": "New Bie", "team": personas.team.pk,
         "password": "a-long-enough-password", "roles": ["member"]},
    )  # fmt: skip
    assert response.status_code == post, response.content


CHANNEL_EXPECTED = {
    #            GET own team, GET foreign, PATCH own team, PATCH foreign, POST
    "member": (200, 404, 403, 404, 403),
    "leader": (200, 404, 403, 404, 403),
    "admin": (200, 200, 200, 200, 201),
    "anonymous": (401, 401, 401, 401, 401),
}


@pytest.mark.parametrize("caller", list(CHANNEL_EXPECTED))
def test_channels(personas, api, caller):
    client = api(_caller(personas, caller))
    get_own, get_foreign, patch_own, patch_foreign, post = CHANNEL_EXPECTED[caller]
    own, foreign = personas.channel, personas.other_channel
    assert client.get(f"/api/v1/channels/{own.pk}/").status_code == get_own
    assert client.get(f"/api/v1/channels/{foreign.pk}/").status_code == get_foreign
    assert client.patch(f"/api/v1/channels/{own.pk}/", {"min_backup": 3}).status_code == patch_own
    assert (
        client.patch(f"/api/v1/channels/{foreign.pk}/", {"min_backup": 3}).status_code
        == patch_foreign
    )
    response = client.post(
        "/api/v1/channels/",
        {"platform": "tiktok", "handle": "@new", "name": "New", "team": personas.team.pk},
    )
    assert response.status_code == post, response.content


@pytest.mark.parametrize("caller", ["member", "leader", "admin"])
def test_me(personas, api, caller):
    member = getattr(personas, caller)
    body = api(member).get("/api/v1/me/").json()
    assert body["member_id"] == member.pk
    assert body["username"] == member.user.username
    assert body["roles"] == member.roles
    assert body["led_team_ids"] == ([personas.team.pk] if caller == "leader" else [])
    response = api(member).patch("/api/v1/me/", {"share_pulse_with_leader": True})
    assert response.status_code == 200 and response.json()["share_pulse_with_leader"] is True


def test_me_refuses_other_fields_and_anonymous(personas, api):
    response = api(personas.member).patch("/api/v1/me/", {"roles": ["admin"]})
    assert response.status_code == 400 and "roles" in response.json()
    personas.member.refresh_from_db()
    assert personas.member.roles == ["member"]
    assert api().get("/api/v1/me/").status_code == 401


def test_token_auth(personas, client):
    from tests.factories import PASSWORD

    response = client.post(
        "/api/v1/auth/token/", {"username": "maya", "password": PASSWORD},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200 and me.json()["username"] == "maya"
    bad = client.post(
        "/api/v1/auth/token/", {"username": "maya", "password": "nope"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 400
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token nonsense").status_code == 401
