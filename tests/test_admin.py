"""The Django admin is one more caller of the services: the same validation, the same audit
events, and records only services write are read-only."""

import datetime as dt
import json

import pytest
from django.forms.models import model_to_dict

from governance.models import Connector
from socialops.audit.models import AuditEvent
from teams.models import Member, Team
from tests.factories import TaskLogFactory
from workload.models import TaskLog

pytestmark = pytest.mark.django_db


def _post_data(obj, **changes):
    """What the admin's change form posts for `obj`, with `changes` applied."""
    data = model_to_dict(obj) | changes
    out = {}
    for name, value in data.items():
        if value is None or value is False:
            continue  # an empty field, an unticked box
        if value is True:
            out[name] = "on"
        elif isinstance(value, list):
            out[name] = (
                json.dumps(value)
                if name in ("workdays", "staffed_weekdays")
                else [getattr(v, "pk", v) for v in value]
            )
        else:
            out[name] = getattr(value, "pk", value)
    return out


def _errors(response) -> str:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return response.content.decode()


def test_a_task_log_added_in_the_admin_keeps_the_24_hour_day(personas, operator, past_day):
    TaskLogFactory(member=personas.member, date=past_day, started_at=dt.time(0, 0), minutes=1400)
    data = {"member": personas.member.pk, "date": past_day.isoformat(), "started_at": "",
            "minutes": 60, "category": "publishing", "messages_handled": 0, "note": ""}  # fmt: skip
    body = _errors(operator.post("/admin/workload/tasklog/add/", data))
    assert "a day holds at most 24h" in body
    assert TaskLog.objects.count() == 1
    data["minutes"] = 40
    response = operator.post("/admin/workload/tasklog/add/", data)
    assert response.status_code == 302
    assert TaskLog.objects.count() == 2


def test_a_task_log_edited_in_the_admin_keeps_the_24_hour_day(personas, operator, past_day):
    TaskLogFactory(member=personas.member, date=past_day, started_at=dt.time(0, 0), minutes=1400)
    log = TaskLogFactory(member=personas.member, date=past_day, started_at=None, minutes=30)
    url = f"/admin/workload/tasklog/{log.pk}/change/"
    _errors(operator.post(url, _post_data(log, minutes=90)))
    log.refresh_from_db()
    assert log.minutes == 30
    assert operator.post(url, _post_data(log, minutes=40)).status_code == 302
    log.refresh_from_db()
    assert log.minutes == 40


def test_a_role_change_in_the_admin_is_audited(personas, operator):
    url = f"/admin/teams/member/{personas.member.pk}/change/"
    response = operator.post(url, _post_data(personas.member, role_leader=True))
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="member.roles_changed")
    assert event.target_id == str(personas.member.pk)
    assert event.data == {"from": ["member"], "to": ["member", "leader"]}
    assert event.actor_id == personas.admin.user.pk
    assert Member.objects.get(pk=personas.member.pk).role_leader is True


def test_a_team_move_in_the_admin_is_audited(personas, operator):
    url = f"/admin/teams/member/{personas.member.pk}/change/"
    data = _post_data(personas.member, team=personas.other_team)
    assert operator.post(url, data).status_code == 302
    event = AuditEvent.objects.get(action="member.team_changed")
    assert event.data == {"from": personas.team.pk, "to": personas.other_team.pk}


def test_a_team_leader_without_the_leader_role_is_refused_in_the_admin(personas, operator):
    team = personas.team
    data = _post_data(team, leaders=[personas.leader, personas.member])
    body = _errors(operator.post(f"/admin/teams/team/{team.pk}/change/", data))
    assert "do not hold the leader role" in body
    assert list(Team.objects.get(pk=team.pk).leaders.all()) == [personas.leader]


def test_a_connector_change_in_the_admin_is_audited_without_its_secret(personas, operator):
    data = {"platform": "x", "kind": "webhook", "url": "https://hooks.example/x", "secret": "s3",
            "enabled": "on"}  # fmt: skip
    assert operator.post("/admin/governance/connector/add/", data).status_code == 302
    connector = Connector.objects.get()
    event = AuditEvent.objects.get(action="connector.created")
    assert event.target_id == str(connector.pk) and "s3" not in json.dumps(event.data)
    body = _errors(operator.post("/admin/governance/connector/add/", data))
    assert "already" in body  # one connector per platform: the service's 409, on the form


def test_scores_and_snapshots_are_read_only_in_the_admin(operator):
    for model in ("burnoutscore", "staffingsnapshot", "recomputejob"):
        assert operator.get(f"/admin/workload/{model}/add/").status_code == 403, model


# Departure only through offboarding (docs/security.md): the API, the admin and any other caller
# of teams.services.member_update are refused with a pointer to the offboarding.

OFFBOARD_HINT = "/api/v1/members/{id}/offboard/"


def test_departed_in_the_admin_is_refused_and_points_to_offboarding(personas, operator):
    url = f"/admin/teams/member/{personas.member.pk}/change/"
    body = _errors(operator.post(url, _post_data(personas.member, status="departed")))
    assert "departs only through offboarding" in body and OFFBOARD_HINT in body
    member = Member.objects.select_related("user").get(pk=personas.member.pk)
    assert member.status == Member.Status.ACTIVE and member.user.is_active
    assert not AuditEvent.objects.filter(target_id=str(member.pk)).exists()


def test_departed_by_patch_is_a_400_pointing_to_offboarding(personas, api):
    url = f"/api/v1/members/{personas.member.pk}/"
    response = api(personas.admin).patch(url, {"status": "departed"}, format="json")
    assert response.status_code == 400, response.content
    assert OFFBOARD_HINT in str(response.json())
    assert Member.objects.get(pk=personas.member.pk).status == Member.Status.ACTIVE
    # The other statuses still change the ordinary way.
    response = api(personas.admin).patch(url, {"status": "on_leave"}, format="json")
    assert response.status_code == 200, response.content
    assert Member.objects.get(pk=personas.member.pk).status == Member.Status.ON_LEAVE


def test_a_member_recorded_as_departed_has_no_active_sign_in(personas, api):
    """A past leaver recorded after the fact (the demo's) holds nothing to close, but the
    record never comes with a working sign-in."""
    response = api(personas.admin).post(
        "/api/v1/members/",
        {"username": "old", "full_name": "Olga Old", "status": "departed",
         "password": "a-long-enough-Passw0rd!"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    member = Member.objects.select_related("user").get(user__username="old")
    assert member.status == Member.Status.DEPARTED and not member.user.is_active


def test_a_role_removed_in_the_admin_is_audited_with_the_operator(personas, operator):
    url = f"/admin/teams/member/{personas.leader.pk}/change/"
    personas.team.leaders.clear()  # a team's leader keeps the role (teams.services)
    data = _post_data(personas.leader, role_leader=False, role_member=True)
    assert operator.post(url, data).status_code == 302
    event = AuditEvent.objects.get(action="member.roles_changed")
    assert event.data == {"from": ["leader"], "to": ["member"]}
    assert event.actor_id == personas.admin.user.pk
