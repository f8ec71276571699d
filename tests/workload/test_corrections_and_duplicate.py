"""A leader or an operator corrects a member's entry: allowed outside the edit window, and
audited with before and after in the same transaction; the member's own changes are not
audited and stay inside the window. Duplicating an entry makes one more, under the rules of
any new entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from socialops.audit.models import AuditEvent
from socialops.audit.selectors import audit_verify
from tests.factories import ChannelFactory
from workload.models import TaskLog
from workload.services import task_logs

pytestmark = pytest.mark.django_db

LOGS = "/api/v1/task-logs/"


def _entry(member, day, **fields):
    values = {"minutes": 30, "category": "publishing", **fields}
    return TaskLog.objects.create(member=member, date=day, **values)


def test_a_leader_corrects_an_old_entry_and_the_change_is_audited(personas, api):
    old = personas.member.today() - dt.timedelta(days=60)  # outside the 35-day window
    log = _entry(personas.member, old)
    before = AuditEvent.objects.count()
    member = api(personas.member).patch(f"{LOGS}{log.pk}/", {"minutes": 45}, format="json")
    assert member.status_code == 400 and "closed" in member.json()["date"][0]
    response = api(personas.leader).patch(f"{LOGS}{log.pk}/", {"minutes": 45}, format="json")
    assert response.status_code == 200, response.content
    log.refresh_from_db()
    assert log.minutes == 45
    event = AuditEvent.objects.get(pk__gt=0, action="task_log.update")
    assert AuditEvent.objects.count() == before + 1
    assert event.actor_id == personas.leader.user_id
    assert (event.target_type, event.target_id) == ("task_log", str(log.pk))
    assert event.data == {"member": personas.member.pk, "changed": {"minutes": [30, 45]}}
    assert list(audit_verify()) == []


def test_a_correction_that_changes_nothing_writes_no_event(personas, api):
    log = _entry(personas.member, personas.member.today())
    response = api(personas.leader).patch(f"{LOGS}{log.pk}/", {"minutes": 30}, format="json")
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="task_log.update").exists()


def test_a_leaders_delete_is_audited_with_the_entry(personas, api):
    log = _entry(personas.member, personas.member.today(), note="secret words")
    response = api(personas.leader).delete(f"{LOGS}{log.pk}/")
    assert response.status_code == 204
    event = AuditEvent.objects.get(action="task_log.delete")
    assert event.data["entry"]["minutes"] == 30
    assert event.data["entry"]["note_length"] == len("secret words")
    assert "secret words" not in str(event.data)  # the note's words stay out of the log


def test_a_refused_correction_changes_nothing_and_audits_nothing(personas, api):
    log = _entry(personas.member, personas.member.today())
    response = api(personas.leader).patch(f"{LOGS}{log.pk}/", {"minutes": 2000}, format="json")
    assert response.status_code == 400
    log.refresh_from_db()
    assert log.minutes == 30
    assert not AuditEvent.objects.filter(action__startswith="task_log.").exists()


def test_the_members_own_changes_are_not_audited(personas, api):
    log = _entry(personas.member, personas.member.today())
    patched = api(personas.member).patch(f"{LOGS}{log.pk}/", {"minutes": 40}, format="json")
    assert patched.status_code == 200
    assert api(personas.member).delete(f"{LOGS}{log.pk}/").status_code == 204
    assert not AuditEvent.objects.filter(action__startswith="task_log.").exists()


def test_an_operator_in_the_admin_is_audited(personas, client):
    operator = get_user_model().objects.create_superuser("op", "op@example.com", "pw-123456")
    client.force_login(operator)
    old = personas.member.today() - dt.timedelta(days=90)
    log = _entry(personas.member, old)
    url = f"/admin/workload/tasklog/{log.pk}/change/"
    form = {"date": old.isoformat(), "minutes": 50, "category": "publishing",
            "messages_handled": 0, "note": ""}  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    log.refresh_from_db()
    assert log.minutes == 50
    event = AuditEvent.objects.get(action="task_log.update")
    assert event.actor_id == operator.pk and event.data["changed"] == {"minutes": [30, 50]}
    created = task_logs.task_log_create(member=personas.member, date=old, minutes=10,
                                        category="publishing", actor=operator)  # fmt: skip
    assert AuditEvent.objects.get(action="task_log.create").target_id == str(created.pk)


def test_duplicate_one_entry_over_the_api(personas, api):
    channel = ChannelFactory(team=personas.team)
    today = personas.member.today()
    log = _entry(personas.member, today, channel=channel, started_at=dt.time(9), note="words",
                 messages_handled=12, hostile_messages=3, crisis=True)  # fmt: skip
    maya = api(personas.member)
    response = maya.post(f"{LOGS}{log.pk}/duplicate/", {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["date"], body["started_at"], body["minutes"], body["channel"]) == (
        today.isoformat(),
        "09:00",
        30,
        channel.pk,
    )
    assert (body["messages_handled"], body["hostile_messages"], body["crisis"], body["note"]) == (
        12,
        3,
        True,
        "",
    )
    assert body["warnings"] == [{"overlaps": log.pk}]  # the same time again, said not refused
    copy = TaskLog.objects.get(pk=body["id"])
    assert copy.copied_from_id == log.pk
    yesterday = today - dt.timedelta(days=1)
    moved = maya.post(f"{LOGS}{log.pk}/duplicate/", {"date": yesterday.isoformat()},
                      format="json")  # fmt: skip
    assert moved.status_code == 201 and moved.json()["date"] == yesterday.isoformat()
    assert TaskLog.objects.filter(member=personas.member).count() == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2999-01-01"}, "date"),
        ({"date": "soon"}, "date"),
        ({"date": "1900-01-01"}, "date"),
    ],
)
def test_duplicate_refuses_bad_days_and_changes_nothing(personas, api, body, field):
    log = _entry(personas.member, personas.member.today())
    response = api(personas.member).post(f"{LOGS}{log.pk}/duplicate/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert TaskLog.objects.count() == 1


def test_duplicate_respects_the_day_cap(personas, api):
    log = _entry(personas.member, personas.member.today(), minutes=800)
    response = api(personas.member).post(f"{LOGS}{log.pk}/duplicate/", {}, format="json")
    assert response.status_code == 400 and "24h" in response.json()["minutes"][0]
    assert TaskLog.objects.count() == 1


@pytest.mark.parametrize("caller", ["teammate", "leader", "foreigner", "admin"])
def test_only_the_owner_duplicates(personas, api, caller):
    log = _entry(personas.member, personas.member.today())
    response = api(getattr(personas, caller)).post(f"{LOGS}{log.pk}/duplicate/", {}, format="json")
    assert response.status_code == (403 if caller == "leader" else 404)
    assert TaskLog.objects.count() == 1
    assert api(None).post(f"{LOGS}{log.pk}/duplicate/", {}, format="json").status_code == 401


def test_duplicate_on_my_week(personas, client):
    client.force_login(personas.member.user)
    today = personas.member.today()
    log = _entry(personas.member, today)
    page = client.get("/log/").content.decode()
    assert f"/log/entries/{log.pk}/duplicate/" in page
    response = client.post(f"/log/entries/{log.pk}/duplicate/", follow=True)
    assert response.status_code == 200
    assert TaskLog.objects.filter(member=personas.member, date=today).count() == 2
    assert "Logged 30m of Publishing and scheduling on" in response.content.decode()
    other = _entry(personas.teammate, today)
    assert client.post(f"/log/entries/{other.pk}/duplicate/").status_code == 404
    assert client.get(f"/log/entries/{log.pk}/duplicate/").status_code == 405


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "1969-12-29", "2101-01-03"])
def test_a_week_outside_the_calendar_shows_this_week(personas, client, week):
    client.force_login(personas.member.user)
    response = client.get(f"/log/?week={week}&day={week}")
    assert response.status_code == 200
    monday = personas.member.today() - dt.timedelta(days=personas.member.today().weekday())
    assert f"?week={(monday + dt.timedelta(days=7)):%Y-%m-%d}" in response.content.decode()
