"""Follow-ups (docs/governance.md "Follow-ups"): every revoke creates its manual checklist,
checklist items and rotations form one queue oldest first, the confirmer is neither the
person whose access it is nor the admin who made the change, and an offboarding is complete
only when all of its follow-ups, rotations included, are confirmed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import services
from governance.models import AccessGrant, ChecklistItem, CredentialRotation, Offboarding
from governance.selectors import offboardings_with_progress
from socialops.audit.models import AuditEvent
from tests.factories import ChannelFactory, MemberFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/follow-ups/"


def _grant(member, channel, role="publisher", **fields) -> AccessGrant:
    now = timezone.now() - dt.timedelta(days=1)
    return AccessGrant.objects.create(
        member=member, channel=channel, role=role, justification="Rota", granted_at=now,
        approved_at=now, **fields,
    )  # fmt: skip


@pytest.fixture
def admins(personas):
    """Ada (personas.admin) and Ben: two admins, so that one can confirm the other's work."""
    ben = MemberFactory(team=None, full_name="Ben Backup", role_member=False, role_admin=True)
    return personas.admin, ben


def test_a_revoke_creates_its_checklist_in_the_same_transaction(personas, admins):
    ada, _ = admins
    grant = _grant(personas.member, personas.channel, shared_credential=True)
    services.grant_revoke(grant=grant, actor=ada, reason="moved", accept_gaps=True)
    items = ChecklistItem.objects.filter(grant=grant)
    assert sorted(items.values_list("layer", flat=True)) == [
        "native_role", "shared_credential", "tool_role"
    ]  # fmt: skip
    assert set(items.values_list("made_by_id", "member_id", "offboarding_id")) == {
        (ada.pk, personas.member.pk, None)
    }
    plain = _grant(personas.teammate, personas.other_channel)
    services.grant_revoke(grant=plain, actor=ada, reason="moved", accept_gaps=True)
    assert ChecklistItem.objects.filter(grant=plain).count() == 2  # no shared credential layer


def test_the_queue_lists_items_and_rotations_oldest_first_with_who_may_confirm(
    personas, admins, api
):
    ada, ben = admins
    old = _grant(personas.member, personas.channel)
    services.grant_revoke(grant=old, actor=ada, reason="moved", accept_gaps=True)
    ChecklistItem.objects.filter(grant=old).update(created_at=timezone.now() - dt.timedelta(days=3))
    rotation = CredentialRotation.objects.create(
        channel=personas.other_channel, member=personas.teammate, reason="left",
        required_since=timezone.now() - dt.timedelta(days=2), opened_by=ben,
    )  # fmt: skip
    body = api(ada).get(URL).json()
    assert body["count"] == 3
    keys = [row["key"] for row in body["results"]]
    assert keys[-1] == f"rotation-{rotation.pk}"  # the newest is last
    assert all(k.startswith("checklist-") for k in keys[:2])
    first = body["results"][0]
    assert first["kind"] == "checklist"
    assert first["channel"] == {"id": personas.channel.pk, "label": "Instagram @community"}
    assert "Maya Member" in first["what"]
    assert first["made_by"]["id"] == ada.pk
    # Ada made the change: only Ben may confirm it; Ben opened the rotation: only Ada.
    assert [a["id"] for a in first["who_may_confirm"]] == [ben.pk]
    assert [a["id"] for a in body["results"][-1]["who_may_confirm"]] == [ada.pk]


def test_confirming_ones_own_follow_up_is_refused_and_changes_nothing(personas, admins, api):
    ada, ben = admins
    grant = _grant(personas.member, personas.channel)
    services.grant_revoke(grant=grant, actor=ada, reason="moved", accept_gaps=True)
    item = ChecklistItem.objects.filter(grant=grant).first()
    events = AuditEvent.objects.count()
    response = api(ada).post(f"{URL}checklist-{item.pk}/confirm/")
    assert response.status_code == 409
    assert "second admin" in str(response.json())
    item.refresh_from_db()
    assert item.confirmed_at is None and AuditEvent.objects.count() == events

    # An admin whose own grant it was may not confirm either.
    bens = _grant(ben, personas.channel, role="admin")
    services.grant_revoke(grant=bens, actor=ada, reason="rota", accept_gaps=True)
    own = ChecklistItem.objects.filter(grant=bens).first()
    refused = api(ben).post(f"{URL}checklist-{own.pk}/confirm/")
    assert refused.status_code == 409 and "your own access" in str(refused.json())

    done = api(ben).post(f"{URL}checklist-{item.pk}/confirm/")
    assert done.status_code == 200
    assert done.json()["confirmed_by"]["id"] == ben.pk
    assert f"checklist-{item.pk}" not in [r["key"] for r in api(ada).get(URL).json()["results"]]
    again = api(ben).post(f"{URL}checklist-{item.pk}/confirm/")  # confirming twice: no change
    assert (
        again.status_code == 200
        and AuditEvent.objects.filter(action="checklist.confirmed").count() == 1
    )


def test_rotations_follow_the_same_rule(personas, admins, api):
    ada, ben = admins
    rotation = CredentialRotation.objects.create(
        channel=personas.channel, member=personas.member, reason="left", opened_by=ada
    )
    assert api(ada).post(f"{URL}rotation-{rotation.pk}/confirm/").status_code == 409
    response = api(ben).post(f"{URL}rotation-{rotation.pk}/confirm/")
    assert response.status_code == 200 and response.json()["confirmed_at"]
    rotation.refresh_from_db()
    assert rotation.rotated_by == ben


@pytest.mark.parametrize("caller", ["member", "teammate", "leader", "foreigner"])
def test_only_admins_see_and_confirm_follow_ups(personas, admins, api, caller):
    ada, _ = admins
    grant = _grant(personas.member, personas.channel)
    services.grant_revoke(grant=grant, actor=ada, reason="moved", accept_gaps=True)
    item = ChecklistItem.objects.filter(grant=grant).first()
    client = api(getattr(personas, caller))
    assert client.get(URL).json()["count"] == 0
    assert client.post(f"{URL}checklist-{item.pk}/confirm/").status_code == 404
    assert api(None).get(URL).status_code == 401
    item.refresh_from_db()
    assert item.confirmed_at is None


def test_unknown_keys_are_not_found(admins, api):
    ada, _ = admins
    for key in ("checklist-999999", "rotation-999999", "grant-1", "checklist-x"):
        assert api(ada).post(f"{URL}{key}/confirm/").status_code == 404


def test_the_queue_runs_a_fixed_number_of_queries(personas, admins, api):
    ada, _ = admins

    def grow(n: int) -> None:
        for channel in ChannelFactory.create_batch(n, team=personas.team):
            grant = _grant(MemberFactory(team=personas.team), channel, shared_credential=True)
            services.grant_revoke(grant=grant, actor=ada, reason="x", accept_gaps=True)
            CredentialRotation.objects.create(channel=channel, reason="x", opened_by=ada)

    client = api(ada)
    grow(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    grow(20)
    with CaptureQueriesContext(connection) as many:
        body = client.get(URL).json()
    assert body["count"] == 22 * 4
    # The user and the caller's member (2), the union's count and page (2), the page's items,
    # rotations and the admins who may confirm (3).
    assert len(few) == len(many) == 7


def test_an_offboarding_is_complete_only_when_every_follow_up_is_confirmed(
    personas, admins, api, client
):
    ada, ben = admins
    p = personas
    type(p.channel).objects.filter(pk=p.channel.pk).update(uses_shared_credential=True)
    _grant(p.member, p.channel, shared_credential=True)
    services.member_offboard(member=p.member, actor=ada, ended_on=timezone.localdate(),
                             reason="left", accept_gaps=True)  # fmt: skip
    offboarding = Offboarding.objects.get(member=p.member)
    keys = [r["key"] for r in api(ben).get(URL).json()["results"]]
    items = list(offboarding.items.all())
    rotation = CredentialRotation.objects.get(channel=p.channel)
    assert sorted(keys) == sorted(
        [f"checklist-{i.pk}" for i in items] + [f"rotation-{rotation.pk}"]
    )
    for item in items:
        assert api(ben).post(f"{URL}checklist-{item.pk}/confirm/").status_code == 200
    # Every checklist item confirmed, the rotation open: not complete, in every panel.
    row = offboardings_with_progress().get(pk=offboarding.pk)
    assert (row.is_complete, row.followups_confirmed, row.followups_total) == (
        False, len(items), len(items) + 1
    )  # fmt: skip
    listed = api(ada).get("/api/v1/offboardings/").json()["results"][0]
    assert listed["complete"] is False
    assert (listed["followups_confirmed"], listed["followups_total"]) == (
        len(items),
        len(items) + 1,
    )
    client.force_login(ada.user)
    overview = client.get("/governance/").content.decode()
    panel = overview.split('id="offboardings"')[1].split("</section>")[0]
    assert f"{len(items)} of {len(items) + 1} follow-ups confirmed" in panel
    assert "In progress" in panel and "Complete" not in panel
    assert "1 not yet confirmed" in overview.split('id="followups"')[1].split("</h2>")[0]

    # A later rotation on the same channel, opened by someone else's change, also counts.
    assert api(ben).post(f"{URL}rotation-{rotation.pk}/confirm/").status_code == 200
    assert services.offboarding_complete(offboarding)
    CredentialRotation.objects.create(channel=p.channel, reason="someone else left", opened_by=ben)
    assert not services.offboarding_complete(offboarding)
