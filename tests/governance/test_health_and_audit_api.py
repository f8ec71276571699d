"""Governance health and the audit-events API; what gets audited."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from socialops.audit.models import AuditEvent
from socialops.audit.services import audit_append
from tests.factories import AccessGrantFactory, BurnoutScoreFactory, ChannelFactory

pytestmark = pytest.mark.django_db


def _grant(member, channel, role="publisher"):
    now = timezone.now() - dt.timedelta(days=120)
    return AccessGrantFactory(member=member, channel=channel, role=role, granted_at=now)


@pytest.mark.parametrize(("caller", "code"), [("member", 403), ("leader", 200), ("admin", 200),
                                               ("foreigner", 403)])  # fmt: skip
def test_health_is_for_admins_and_leaders(personas, api, caller, code):
    assert api(getattr(personas, caller)).get("/api/v1/governance/health/").status_code == code


def test_health_checks(personas, api):
    _grant(personas.member, personas.channel, "owner")
    personas.teammate.status = "departed"
    personas.teammate.save()
    _grant(personas.teammate, personas.channel)
    foreign = ChannelFactory(team=personas.other_team, owner=personas.foreigner)
    leader = api(personas.leader).get("/api/v1/governance/health/").json()
    # The leader sees their team's channels only.
    assert {g["channel"]["id"] for g in leader["backup_gaps"]} == {personas.channel.pk}
    assert leader["backup_gaps"][0]["actors"] == 1
    assert [g["member"] for g in leader["absent_holders"]] == [personas.teammate.pk]
    assert {g["member"] for g in leader["dormant_grants"]} == {
        personas.member.pk, personas.teammate.pk,
    }  # fmt: skip
    assert [c["id"] for c in leader["unowned_channels"]] == [personas.channel.pk]
    admin = api(personas.admin).get("/api/v1/governance/health/").json()
    assert foreign.pk in {g["channel"]["id"] for g in admin["backup_gaps"]}


def test_health_query_count_is_constant(personas, api):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert api(personas.admin).get("/api/v1/governance/health/").status_code == 200
        return len(ctx.captured_queries)

    small = count()
    for _ in range(20):
        _grant(personas.member, ChannelFactory(team=personas.team))
    assert count() == small


@pytest.mark.parametrize(("caller", "sees"), [("member", False), ("leader", False),
                                               ("admin", True)])  # fmt: skip
def test_audit_events_are_for_admins(personas, api, caller, sees):
    event = audit_append(actor=None, action="test.event", target_type="channel", target_id=1)
    client = api(getattr(personas, caller))
    assert client.get(f"/api/v1/audit-events/{event.pk}/").status_code == (200 if sees else 404)
    body = client.get("/api/v1/audit-events/?action=test.event").json()
    assert body["count"] == (1 if sees else 0)
    assert client.delete(f"/api/v1/audit-events/{event.pk}/").status_code == 405


def test_audit_list_query_count_is_constant(personas, api):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            api(personas.admin).get("/api/v1/audit-events/")
        return len(ctx.captured_queries)

    # Names are looked up per actor and target type on the page: the first page has both.
    audit_append(actor=personas.admin.user, action="a", target_type="channel", target_id=1)
    small = count()
    for i in range(30):
        audit_append(actor=personas.admin.user, action="a", target_type="channel", target_id=i)
    assert count() == small


def test_role_and_team_changes_are_audited(personas, api):
    change = {"roles": ["member", "leader"], "team": personas.other_team.pk}
    api(personas.admin).patch(f"/api/v1/members/{personas.member.pk}/", change)
    events = {e.action: e for e in AuditEvent.objects.filter(target_id=str(personas.member.pk))}
    assert events["member.roles_changed"].data == {"from": ["member"], "to": ["member", "leader"]}
    assert events["member.team_changed"].data == {
        "from": personas.team.pk, "to": personas.other_team.pk,
    }  # fmt: skip
    assert events["member.team_changed"].actor_id == personas.admin.user.pk


def test_reading_someone_elses_score_is_audited_without_the_value(personas, api):
    BurnoutScoreFactory(member=personas.member, wsi=Decimal("61.25"), wsi_band="high")
    api(personas.member).get("/api/v1/scores/")  # one's own: not audited
    assert not AuditEvent.objects.filter(action="score.read").exists()
    api(personas.leader).get("/api/v1/scores/")
    event = AuditEvent.objects.get(action="score.read")
    # One entry per member read, in the one target format: the member and where it was read.
    assert (event.target_type, event.target_id) == ("member", str(personas.member.pk))
    assert event.data == {"via": "api"}
    assert "61.25" not in str(event.data) and event.actor_id == personas.leader.user.pk
