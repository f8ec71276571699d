"""A member downloads all their own data (docs/privacy.md "Your data"): GET /api/v1/me/export/."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from socialops.audit.services import Entry, audit_append_many
from teams.models import Leave, OnCallShift
from tests.factories import (
    AccessGrantFactory,
    BurnoutScoreFactory,
    ChannelFactory,
    TaskLogFactory,
    TeamFactory,
)
from workload.models import PulseResponse, Timer

URL = "/api/v1/me/export/"
MONDAY = dt.date(2026, 11, 2)


def _life(member, n=1, first=0):
    """n rows of every kind for `member`, and audit events about them and by them."""
    grants = []
    for i in range(first, first + n):
        day = MONDAY - dt.timedelta(weeks=i)
        TaskLogFactory(member=member, date=day, note=f"note {member.pk}/{i}")
        Leave.objects.create(member=member, start_date=day, end_date=day)
        start = dt.datetime.combine(day, dt.time(20), tzinfo=dt.UTC)
        OnCallShift.objects.create(member=member, starts_at=start,
                                   ends_at=start + dt.timedelta(hours=2),
                                   first_local_date=day, last_local_date=day)  # fmt: skip
        PulseResponse.objects.create(member=member, week=day, a1=75, a2=25)
        BurnoutScoreFactory(member=member, as_of=day)
    channel = ChannelFactory(team=member.team or TeamFactory())
    grants.append(
        AccessGrantFactory(member=member, channel=channel, vault_reference="1Password: a place")
    )
    Timer.objects.get_or_create(member=member, defaults={"started_at": timezone.now()})
    audit_append_many(actor=member.user, entries=[Entry("grant.created", "grant", grants[0].pk)])
    audit_append_many(actor=None, entries=[Entry("member.updated", "member", member.pk)])


def _get(api, member):
    response = api(member).get(URL)
    assert response.status_code == 200, response.content
    return response, json.loads(response.content)


def test_a_member_downloads_all_their_own_data_and_nothing_else(personas, api):
    _life(personas.member)
    _life(personas.teammate)
    response, data = _get(api, personas.member)

    assert response["Content-Disposition"].startswith('attachment; filename="my-socialops-data-')
    assert "no-store" in response["Cache-Control"]
    assert data["member"]["id"] == personas.member.pk
    assert data["member"]["full_name"] == "Maya Member"
    assert data["user"]["username"] == "maya"
    assert data["user"]["email"] == "maya@example.com"
    assert "password" not in data["user"]
    for key in ("task_logs", "leave", "on_call_shifts", "pulse_responses", "burnout_scores",
                "grants"):  # fmt: skip
        assert len(data[key]) == 1, key
        assert {row.get("member_id", personas.member.pk) for row in data[key]} == {
            personas.member.pk
        }, key
    assert data["task_logs"][0]["note"] == f"note {personas.member.pk}/0"
    assert data["pulse_responses"][0]["a1"] == 75
    assert data["timer"]["member_id"] == personas.member.pk
    assert "vault_reference" not in data["grants"][0]
    events = {(e["action"], e["target_type"]) for e in data["audit_events"]}
    assert events == {("grant.created", "grant"), ("member.updated", "member")}
    assert {e["target_id"] for e in data["audit_events"]} == {
        str(data["grants"][0]["id"]),
        str(personas.member.pk),
    }


def test_audit_events_about_their_work_entries_and_account_are_included(personas, api):
    log = TaskLogFactory(member=personas.member)
    other = TaskLogFactory(member=personas.teammate)
    audit_append_many(actor=personas.leader.user, entries=[
        Entry.about("task_log.corrected", log), Entry.about("task_log.corrected", other),
        Entry("auth.login_failed", "user", "maya"), Entry("auth.login_failed", "user", "tom"),
        Entry("score.read", "member", personas.member.pk),
    ])  # fmt: skip
    _, data = _get(api, personas.member)
    got = sorted((e["action"], e["target_id"]) for e in data["audit_events"])
    assert got == sorted([("task_log.corrected", str(log.pk)), ("auth.login_failed", "maya"),
                          ("score.read", str(personas.member.pk))])  # fmt: skip


def test_the_export_runs_a_fixed_number_of_queries(personas, api):
    _life(personas.member, n=1)
    _life(personas.teammate, n=1)
    client = api(personas.member)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    _life(personas.member, n=30, first=1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(json.loads(response.content)["task_logs"]) == 31
    assert len(many) == len(few)
    assert len(many) <= 14, [q["sql"] for q in many]


@pytest.mark.parametrize("who", ["member", "teammate", "leader", "admin", "foreigner"])
def test_every_role_exports_only_their_own_data(personas, api, who):
    for person in ("member", "teammate", "leader", "admin", "foreigner"):
        _life(getattr(personas, person))
    me = getattr(personas, who)
    _, data = _get(api, me)
    assert data["member"]["id"] == me.pk
    owners = {row["member_id"] for key in ("task_logs", "leave", "on_call_shifts",
              "pulse_responses", "burnout_scores") for row in data[key]}  # fmt: skip
    assert owners == {me.pk}


@pytest.mark.parametrize("query", ["?member=1", "?member_id=1", "?user=1"])
def test_no_parameter_reaches_someone_elses_data(personas, api, query):
    _life(personas.member)
    _, data = _get(api, personas.admin)
    response = api(personas.admin).get(URL + query)
    assert json.loads(response.content)["member"]["id"] == personas.admin.pk
    assert data["task_logs"] == []


def test_anonymous_is_refused_and_a_user_without_member_record_gets_404(db, api):
    assert api().get(URL).status_code == 401
    user = get_user_model().objects.create_user("loner", password="x")
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    response = client.get(URL)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_the_export_refuses_writes(personas, api):
    assert api(personas.member).post(URL, {}).status_code == 405


def test_my_dashboard_links_to_the_download(personas, client):
    from tests.factories import PASSWORD

    client.login(username="maya", password=PASSWORD)
    page = client.get("/me/")
    assert page.status_code == 200
    assert f'href="{URL}"' in page.content.decode()
