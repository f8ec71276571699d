"""Offboarding an auditor would sign (docs/governance.md "Offboarding you can trust"):
scheduling in the leaver's time zone with change and cancel, the job that runs it exactly
once, the successor rules, and the coverage guard on offboarding and single revokes."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import services, tasks
from governance.models import AccessGrant, ChecklistItem, Offboarding, OutboxMessage
from socialops.audit.models import AuditEvent
from socialops.audit.selectors import audit_verify
from teams.models import Leave, Member
from teams.tokens import issue_token, open_tokens
from tests.factories import ChannelFactory, MemberFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/members/{}/offboard/"


def _grant(member, channel, role="publisher", **fields) -> AccessGrant:
    now = timezone.now() - dt.timedelta(days=1)
    return AccessGrant.objects.create(
        member=member, channel=channel, role=role, justification="Rota", granted_at=now,
        approved_at=now, **fields,
    )  # fmt: skip


def _post(client, member, **body):
    payload = {"ended_on": str(timezone.localdate()), "reason": "resigned", **body}
    return client.post(URL.format(member.pk), payload, format="json")


def _state():
    """Everything an offboarding may change, to show a refusal changed nothing."""
    return (
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
        Offboarding.objects.count(),
        AccessGrant.objects.filter(revoked_at__isnull=False).count(),
        Member.objects.filter(status="departed").count(),
        ChecklistItem.objects.count(),
    )


@pytest.fixture
def covered(personas):
    """Maya publishes on @community with Tom as backup: offboarding her leaves one actor."""
    _grant(personas.member, personas.channel)
    _grant(personas.teammate, personas.channel)
    return personas


# ---- Scheduled ----


def test_a_future_last_day_schedules_the_offboarding_at_the_end_of_that_day(covered, api):
    p = covered
    Member.objects.filter(pk=p.member.pk).update(timezone="Asia/Jakarta")
    issue_token(p.member.user)
    last_day = timezone.localdate() + dt.timedelta(days=40)
    response = _post(api(p.admin), p.member, ended_on=str(last_day))
    assert response.status_code == 202, response.content
    expected = dt.datetime.combine(
        last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zoneinfo.ZoneInfo("Asia/Jakarta")
    )
    assert dt.datetime.fromisoformat(response.json()["scheduled_for"]) == expected

    # Nothing happens to a person still working.
    member = Member.objects.select_related("user").get(pk=p.member.pk)
    assert member.status == "active" and member.ended_on is None and member.user.is_active
    assert open_tokens(member.user).exists()
    assert AccessGrant.objects.filter(member=member, revoked_at__isnull=True).count() == 1
    offboarding = Offboarding.objects.get(member=member)
    assert offboarding.state == "scheduled" and offboarding.scheduled_for == expected
    event = AuditEvent.objects.get(action="member.offboarding_scheduled")
    assert event.target_id == str(member.pk) and event.data["ended_on"] == str(last_day)
    listed = api(p.admin).get("/api/v1/offboardings/").json()["results"]
    assert [(o["state"], o["complete"], o["member"]) for o in listed] == [
        ("scheduled", False, member.pk)
    ]


def test_a_new_post_replaces_the_schedule_and_today_runs_it_now(covered, api):
    p = covered
    client = api(p.admin)
    first = timezone.localdate() + dt.timedelta(days=30)
    assert _post(client, p.member, ended_on=str(first)).status_code == 202
    later = first + dt.timedelta(days=7)
    moved = _post(client, p.member, ended_on=str(later), reason="moved date")
    assert moved.status_code == 202
    offboarding = Offboarding.objects.get(member=p.member)
    assert offboarding.ended_on == later and offboarding.reason == "moved date"
    assert AuditEvent.objects.filter(action="member.offboarding_rescheduled").get().data[
        "previous_ended_on"
    ] == str(first)

    now = _post(client, p.member)  # a last day of today: at once
    assert now.status_code == 200
    assert now.json() == {"revoked_grants": 1, "rotations_created": 0, "channels_reassigned": 0}
    offboarding.refresh_from_db()
    assert offboarding.state == "done" and offboarding.ran_at is not None
    assert Member.objects.get(pk=p.member.pk).status == "departed"
    assert Offboarding.objects.count() == 1


def test_cancel_then_schedule_again_and_no_cancel_once_it_ran(covered, api):
    p = covered
    client = api(p.admin)
    ahead = str(timezone.localdate() + dt.timedelta(days=10))
    assert _post(client, p.member, ended_on=ahead).status_code == 202
    assert client.delete(URL.format(p.member.pk)).status_code == 204
    assert Offboarding.objects.get(member=p.member).state == "cancelled"
    assert AuditEvent.objects.filter(action="member.offboarding_cancelled").count() == 1
    before = _state()
    again = client.delete(URL.format(p.member.pk))  # nothing scheduled any more
    assert again.status_code == 409 and "No offboarding" in str(again.json())
    assert _state() == before
    assert _post(client, p.member, ended_on=ahead).status_code == 202  # scheduled again
    assert Offboarding.objects.get(member=p.member).state == "scheduled"

    assert _post(client, p.member).status_code == 200  # runs now
    before = _state()
    refused = client.delete(URL.format(p.member.pk))
    assert refused.status_code == 409 and "already ran" in str(refused.json())
    repeat = _post(client, p.member)
    assert repeat.status_code == 200
    assert repeat.json() == {"revoked_grants": 0, "rotations_created": 0, "channels_reassigned": 0}
    assert _state() == before


def test_the_job_runs_a_due_offboarding_exactly_once_as_the_system(covered, api):
    p = covered
    Channel = type(p.channel)
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.member, uses_shared_credential=True)
    AccessGrant.objects.filter(member=p.member).update(shared_credential=True)
    last_day = timezone.localdate() + dt.timedelta(days=3)
    response = _post(api(p.admin), p.member, ended_on=str(last_day), successor=p.teammate.pk)
    assert response.status_code == 202
    due = dt.datetime.fromisoformat(response.json()["scheduled_for"])

    assert services.offboardings_run_due(now=due - dt.timedelta(seconds=1)) == 0
    assert Member.objects.get(pk=p.member.pk).status == "active"

    assert services.offboardings_run_due(now=due + dt.timedelta(minutes=5)) == 1
    member = Member.objects.select_related("user").get(pk=p.member.pk)
    assert member.status == "departed" and member.ended_on == last_day
    assert not member.user.is_active
    assert not AccessGrant.objects.filter(member=member, revoked_at__isnull=True).exists()
    assert Channel.objects.get(pk=p.channel.pk).owner_id == p.teammate.pk
    event = AuditEvent.objects.get(action="member.offboarded")
    assert event.actor_id is None  # the system ran it
    assert event.data["requested_by"] == p.admin.pk and event.data["scheduled"] is True
    # The admin who scheduled it made the change: they do not confirm its follow-ups.
    assert set(ChecklistItem.objects.values_list("made_by_id", flat=True)) == {p.admin.pk}

    after_first = _state()
    # Called again (a second beat, a retried task): nothing more happens.
    assert services.offboardings_run_due(now=due + dt.timedelta(minutes=20)) == 0
    assert tasks.offboardings_run_due.apply().get() == 0
    assert _state() == after_first
    assert list(audit_verify()) == []


def test_the_job_uses_each_leavers_own_time_zone(personas):
    p = personas
    day = timezone.localdate() + dt.timedelta(days=5)
    east = MemberFactory(team=p.team, timezone="Pacific/Auckland")
    west = MemberFactory(team=p.team, timezone="America/Los_Angeles")
    for leaver in (east, west):
        services.member_offboard(member=leaver, actor=p.admin, ended_on=day, reason="left")
    auckland_midnight = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time.min, tzinfo=zoneinfo.ZoneInfo("Pacific/Auckland")
    )
    # Midnight in Auckland is still the last day's afternoon in Los Angeles.
    assert services.offboardings_run_due(now=auckland_midnight) == 1
    assert Member.objects.get(pk=east.pk).status == "departed"
    assert Member.objects.get(pk=west.pk).status == "active"
    la_midnight = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time.min, tzinfo=zoneinfo.ZoneInfo("America/Los_Angeles")
    )
    assert services.offboardings_run_due(now=la_midnight) == 1
    assert Member.objects.get(pk=west.pk).status == "departed"


def test_the_job_runs_a_fixed_number_of_queries_per_offboarding(personas):
    p = personas
    day = timezone.localdate() + dt.timedelta(days=2)

    def schedule(n_grants: int) -> Member:
        leaver = MemberFactory(team=p.team)
        for channel in ChannelFactory.create_batch(n_grants, team=p.team):
            _grant(leaver, channel, shared_credential=True)
        services.member_offboard(member=leaver, actor=p.admin, ended_on=day, reason="left",
                                 accept_gaps=True)  # fmt: skip
        return leaver

    due = dt.datetime.combine(day + dt.timedelta(days=3), dt.time.min, tzinfo=dt.UTC)
    schedule(2)
    with CaptureQueriesContext(connection) as few:
        assert services.offboardings_run_due(now=due) == 1
    schedule(15)
    with CaptureQueriesContext(connection) as many:
        assert services.offboardings_run_due(now=due) == 1
    assert len(few) == len(many)


# ---- Leaving on … ----


def test_leaving_on_shows_to_admins_and_the_leavers_leaders_only(covered, client, api):
    p = covered
    last_day = timezone.localdate() + dt.timedelta(days=20)
    assert _post(api(p.admin), p.member, ended_on=str(last_day)).status_code == 202
    day = f"{last_day:%a} {last_day.day} {last_day:%b}"
    words = f"Leaving on {day}"
    client.force_login(p.leader.user)
    assert words in client.get(f"/dashboard/members/{p.member.pk}/").content.decode()
    team_page = client.get(f"/dashboard/teams/{p.team.pk}/").content.decode()
    leavers = team_page.split('id="leavers"')[1].split("</p>")[0]
    assert "Maya Member</a> on " + day in leavers
    client.force_login(p.admin.user)
    body = client.get(f"/governance/members/{p.member.pk}/offboard/").content.decode()
    assert "Leaving on" in body and "Cancel the offboarding" in body
    assert "Scheduled" in client.get("/governance/").content.decode()
    client.force_login(p.teammate.user)  # a teammate is not told
    assert words not in client.get("/me/").content.decode()


# ---- Successor ----


@pytest.mark.parametrize(
    ("make", "message"),
    [
        ("departed", "has left"),
        ("on_leave", "is on long absence"),
        ("ends_first", "not after"),
        ("scheduled_first", "not after"),
        ("leaver", "cannot be the leaver"),
    ],
)
def test_a_successor_who_cannot_take_over_is_refused(covered, api, make, message):
    p = covered
    type(p.channel).objects.filter(pk=p.channel.pk).update(owner=p.member)
    last_day = timezone.localdate() + dt.timedelta(days=30)
    successor = p.teammate
    if make == "departed":
        Member.objects.filter(pk=successor.pk).update(status="departed")
    elif make == "on_leave":
        Member.objects.filter(pk=successor.pk).update(status="on_leave")
    elif make == "ends_first":
        Member.objects.filter(pk=successor.pk).update(ended_on=last_day - dt.timedelta(days=1))
    elif make == "scheduled_first":
        services.member_offboard(
            member=successor,
            actor=p.admin,
            reason="leaving",
            ended_on=last_day - dt.timedelta(days=2),
            accept_gaps=True,
        )
    elif make == "leaver":
        successor = p.member
    before = _state()
    response = _post(api(p.admin), p.member, ended_on=str(last_day), successor=successor.pk)
    assert response.status_code == 400, response.content
    assert message in response.json()["successor"][0]
    assert _state() == before


def test_a_successor_from_another_team_is_accepted_and_shown_as_such(covered, api, client):
    p = covered
    type(p.channel).objects.filter(pk=p.channel.pk).update(owner=p.member)
    client.force_login(p.admin.user)
    body = client.get(f"/governance/members/{p.member.pk}/offboard/").content.decode()
    assert "Fay Foreign (Brand · other team)" in body and "Tom Teammate (Community)" in body
    response = _post(api(p.admin), p.member, successor=p.foreigner.pk)
    assert response.status_code == 200 and response.json()["channels_reassigned"] == 1


def test_a_last_day_before_the_member_started_is_refused(covered, api):
    before = _state()
    response = _post(api(covered.admin), covered.member, ended_on="2020-01-01")
    assert response.status_code == 400
    assert "before Maya Member started" in response.json()["ended_on"][0]
    for far in ("9999-12-31", "2101-01-01"):  # the end of the calendar is no 500
        response = _post(api(covered.admin), covered.member, ended_on=far)
        message = response.json()["ended_on"][0]
        assert response.status_code == 400 and "between 1970-01-01 and 2100-12-31" in message
    assert _state() == before


@pytest.mark.parametrize(("caller", "code"), [("member", 403), ("leader", 403),
                                               ("foreigner", 404), ("teammate", 404)])  # fmt: skip
def test_only_admins_cancel(covered, api, caller, code):
    p = covered
    ahead = str(timezone.localdate() + dt.timedelta(days=9))
    assert _post(api(p.admin), p.member, ended_on=ahead).status_code == 202
    target = p.member if caller != "teammate" else p.member
    assert api(getattr(p, caller)).delete(URL.format(target.pk)).status_code == code
    assert api(None).delete(URL.format(target.pk)).status_code == 401
    assert Offboarding.objects.get(member=p.member).state == "scheduled"


# ---- The coverage guard ----


def test_offboarding_the_last_actor_is_refused_unless_the_gaps_are_accepted(personas, api):
    p = personas
    _grant(p.member, p.channel)  # Maya is the only actor on @community
    _grant(p.member, p.other_channel, role="analyst")  # an analyst is no actor
    before = _state()
    response = _post(api(p.admin), p.member)
    assert response.status_code == 409
    assert response.json() == {
        "channels_without_actor": [{"id": p.channel.pk, "label": "Instagram @community"}]
    }
    assert _state() == before
    accepted = _post(api(p.admin), p.member, accept_gaps=True)
    assert accepted.status_code == 200
    event = AuditEvent.objects.get(action="member.offboarded")
    assert event.data["accepted_gaps"] == [{"id": p.channel.pk, "label": "Instagram @community"}]
    assert Offboarding.objects.get(member=p.member).accepted_gaps == event.data["accepted_gaps"]


def test_a_channel_already_without_an_actor_does_not_block(personas, api):
    p = personas
    _grant(p.member, p.channel)
    Leave.objects.create(member=p.member, start_date=timezone.localdate(),
                         end_date=timezone.localdate(), kind="vacation")  # fmt: skip
    # On leave today: @community has nobody able to act already.
    response = _post(api(p.admin), p.member)
    assert response.status_code == 200
    data = AuditEvent.objects.get(action="member.offboarded").data
    assert data["already_without_actor"] == [{"id": p.channel.pk, "label": "Instagram @community"}]
    assert "accepted_gaps" not in data


def test_a_scheduled_offboarding_is_checked_on_the_day_after_the_last_day(covered, api):
    p = covered
    last_day = timezone.localdate() + dt.timedelta(days=10)
    day_after = last_day + dt.timedelta(days=1)
    # Tom, the backup, is on leave the day after Maya's last day.
    Leave.objects.create(member=p.teammate, start_date=day_after, end_date=day_after,
                         kind="vacation")  # fmt: skip
    before = _state()
    refused = _post(api(p.admin), p.member, ended_on=str(last_day))
    assert refused.status_code == 409 and refused.json()["channels_without_actor"][0]["id"] == (
        p.channel.pk
    )
    assert _state() == before
    # Today Tom is at work: offboarding now passes the guard.
    assert _post(api(p.admin), p.member).status_code == 200


def test_the_scheduled_run_is_never_blocked_and_records_the_gaps(covered, api):
    p = covered
    last_day = timezone.localdate() + dt.timedelta(days=2)
    response = _post(api(p.admin), p.member, ended_on=str(last_day))
    assert response.status_code == 202
    # Meanwhile Tom's grant goes (accepted: Maya still covers today).
    toms = AccessGrant.objects.get(member=p.teammate)
    services.grant_revoke(grant=toms, actor=p.admin, reason="moved")
    due = dt.datetime.fromisoformat(response.json()["scheduled_for"]) + dt.timedelta(minutes=1)
    assert services.offboardings_run_due(now=due) == 1
    offboarding = Offboarding.objects.get(member=p.member)
    gap = [{"id": p.channel.pk, "label": "Instagram @community"}]
    assert offboarding.state == "done" and offboarding.resulting_gaps == gap
    assert AuditEvent.objects.get(action="member.offboarded").data["gaps"] == gap


def test_a_single_revoke_of_the_last_actor_is_refused_unless_accepted(personas, api):
    p = personas
    grant = _grant(p.member, p.channel)
    client = api(p.admin)
    before = _state()
    response = client.post(f"/api/v1/grants/{grant.pk}/revoke/", {"reason": "moved"},
                           format="json")  # fmt: skip
    assert response.status_code == 409
    assert response.json() == {
        "channels_without_actor": [{"id": p.channel.pk, "label": "Instagram @community"}]
    }
    assert _state() == before
    accepted = client.post(f"/api/v1/grants/{grant.pk}/revoke/",
                           {"reason": "moved", "accept_gaps": True}, format="json")  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["status"] == "revoked"
    event = AuditEvent.objects.get(action="grant.revoked")
    assert event.data["accepted_gaps"] == [{"id": p.channel.pk, "label": "Instagram @community"}]


def test_falling_below_the_backup_minimum_warns_without_blocking(personas, api):
    p = personas
    type(p.channel).objects.filter(pk=p.channel.pk).update(min_backup=3)
    grant = _grant(p.member, p.channel)
    _grant(p.teammate, p.channel)
    _grant(MemberFactory(team=p.team), p.channel)
    response = api(p.admin).post(f"/api/v1/grants/{grant.pk}/revoke/", {"reason": "moved"},
                                 format="json")  # fmt: skip
    assert response.status_code == 200
    data = AuditEvent.objects.get(action="grant.revoked").data
    assert data["below_backup"] == [
        {"id": p.channel.pk, "label": "Instagram @community", "actors": 2, "min_backup": 3}
    ]


def test_expiry_is_a_system_change_and_never_blocked(personas):
    p = personas
    grant = _grant(p.member, p.channel, expires_at=timezone.now() + dt.timedelta(minutes=1))
    assert services.grants_expire(now=timezone.now() + dt.timedelta(minutes=2)) == 1
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoke_reason == "expired"


def test_the_guard_counts_in_the_channels_team_time_zone(personas, api):
    p = personas
    team = p.team
    type(team).objects.filter(pk=team.pk).update(timezone="Pacific/Kiritimati")  # UTC+14
    grant = _grant(p.member, p.channel)
    backup = _grant(p.teammate, p.channel)
    kiritimati_today = timezone.now().astimezone(zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    # Tom is on leave on the team's today (which may already be tomorrow in UTC).
    Leave.objects.create(member=p.teammate, start_date=kiritimati_today,
                         end_date=kiritimati_today, kind="vacation")  # fmt: skip
    response = api(p.admin).post(f"/api/v1/grants/{grant.pk}/revoke/", {"reason": "x"},
                                 format="json")  # fmt: skip
    assert response.status_code == 409
    assert backup.revoked_at is None


def test_a_leaver_cannot_be_offboarded_by_themselves_or_when_departed(personas, api):
    p = personas
    second = MemberFactory(team=None, role_member=False, role_admin=True)
    response = _post(api(second), second)
    assert response.status_code == 400 and "Another admin" in response.json()["member"][0]
    get_user_model().objects.filter(pk=p.member.user.pk).update(is_active=True)
    Member.objects.filter(pk=p.foreigner.pk).update(status="departed")
    response = _post(api(p.admin), p.foreigner)
    assert response.status_code == 400 and "already left" in response.json()["member"][0]
