"""Grants, approval, revocation and offboarding: the rules of docs/governance.md, over the API."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import services
from governance.models import AccessGrant, ChecklistItem, CredentialRotation, OutboxMessage
from socialops.audit.models import AuditEvent
from socialops.common.exceptions import Conflict
from teams.tokens import issue_token, open_tokens
from tests.factories import PASSWORD, AccessGrantFactory, ChannelFactory, MemberFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/grants/"


def _grant(member, channel, role="publisher", **fields):
    now = timezone.now() - dt.timedelta(days=1)
    values = {"granted_at": now, "approved_at": now, "justification": "rota", **fields}
    return AccessGrantFactory(member=member, channel=channel, role=role, **values)


@pytest.fixture
def grants(personas):
    foreign_member_channel = personas.other_channel
    return {
        "own": _grant(personas.member, personas.channel),
        "team": _grant(personas.teammate, personas.channel),
        "foreign": _grant(personas.foreigner, foreign_member_channel),
    }


READ = {  # caller → status of GET on (own, team, foreign)
    "member": (200, 404, 404),
    "teammate": (404, 200, 404),
    "leader": (200, 200, 404),
    "admin": (200, 200, 200),
    "foreigner": (404, 404, 200),
}
REVOKE = {  # caller → status of POST revoke on (own, team, foreign)
    "member": (403, 404, 404),
    "leader": (403, 403, 404),
    "admin": (200, 200, 200),
}


@pytest.mark.parametrize("caller", list(READ))
def test_who_reads_which_grants(personas, api, grants, caller):
    client = api(getattr(personas, caller))
    for scope, code in zip(("own", "team", "foreign"), READ[caller], strict=True):
        assert client.get(f"{URL}{grants[scope].pk}/").status_code == code, (caller, scope)
    listed = {g["id"] for g in client.get(URL).json()["results"]}
    assert listed == {
        grants[s].pk for s, c in zip(("own", "team", "foreign"), READ[caller], strict=True)
        if c == 200
    }  # fmt: skip


def test_anonymous_is_401(api, grants):
    assert api().get(URL).status_code == 401
    assert (
        api()
        .post(f"{URL}{grants['own'].pk}/revoke/", {"reason": "x", "accept_gaps": True})
        .status_code
        == 401
    )


@pytest.mark.parametrize("caller", list(REVOKE))
def test_who_may_revoke(personas, api, grants, caller):
    client = api(getattr(personas, caller))
    for scope, code in zip(("own", "team", "foreign"), REVOKE[caller], strict=True):
        response = client.post(
            f"{URL}{grants[scope].pk}/revoke/", {"reason": "left the rota", "accept_gaps": True}
        )
        assert response.status_code == code, (caller, scope, response.content)
        grants[scope].refresh_from_db()
        assert (grants[scope].revoked_at is not None) == (code == 200)


def test_revoke_is_one_transaction_with_audit_and_outbox_and_repeats_harmlessly(
    personas, api, grants
):
    client = api(personas.admin)
    grant = grants["own"]
    response = client.post(
        f"{URL}{grant.pk}/revoke/", {"reason": "moved team", "accept_gaps": True}
    )
    body = response.json()
    assert body["status"] == "revoked" and body["revoke_reason"] == "moved team"
    assert body["revoked_by"] == personas.admin.pk
    assert AuditEvent.objects.filter(action="grant.revoked", target_id=str(grant.pk)).count() == 1
    assert OutboxMessage.objects.filter(topic="grant.revoked").count() == 1
    again = client.post(f"{URL}{grant.pk}/revoke/", {"reason": "again", "accept_gaps": True})
    assert again.status_code == 200 and again.json()["revoke_reason"] == "moved team"
    assert AuditEvent.objects.filter(action="grant.revoked").count() == 1
    assert OutboxMessage.objects.count() == 1
    assert client.post(f"{URL}{grant.pk}/revoke/", {}).status_code == 400  # a reason, always


def test_revoke_needs_a_reason(personas, api, grants):
    response = api(personas.admin).post(
        f"{URL}{grants['own'].pk}/revoke/", {"reason": "", "accept_gaps": True}
    )
    assert response.status_code == 400 and "reason" in response.json()
    grants["own"].refresh_from_db()
    assert grants["own"].revoked_at is None


def _create(client, member, channel, **extra):
    body = {"member": member.pk, "channel": channel.pk, "role": "publisher",
            "justification": "covers weekends", **extra}  # fmt: skip
    return client.post(URL, body)


@pytest.mark.parametrize("caller", ["member", "leader", "foreigner"])
def test_only_admins_grant(personas, api, caller):
    response = _create(api(getattr(personas, caller)), personas.teammate, personas.channel)
    assert response.status_code == 403
    assert not AccessGrant.objects.exists()


def test_admin_grants_and_owner_grants_wait_for_a_second_admin(personas, api):
    admin = api(personas.admin)
    publisher = _create(admin, personas.member, personas.channel)
    assert publisher.status_code == 201 and publisher.json()["status"] == "active"
    owner = _create(admin, personas.teammate, personas.channel, role="owner")
    assert owner.json()["status"] == "pending"
    grant_id = owner.json()["id"]
    # The requester cannot approve their own request.
    assert admin.post(f"{URL}{grant_id}/approve/").status_code == 403
    # Nor can a leader; a second admin can, once.
    assert api(personas.leader).post(f"{URL}{grant_id}/approve/").status_code == 403
    second = MemberFactory(team=None, role_member=False, role_admin=True)
    approved = api(second).post(f"{URL}{grant_id}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    assert approved.json()["approved_by"] == second.pk
    assert api(second).post(f"{URL}{grant_id}/approve/").status_code == 409


def test_the_grantee_cannot_approve_their_own_owner_grant(personas, api):
    second = MemberFactory(team=personas.team, role_admin=True)
    pending = _create(api(personas.admin), second, personas.channel, role="admin").json()
    response = api(second).post(f"{URL}{pending['id']}/approve/")
    assert response.status_code == 403
    assert AccessGrant.objects.get(pk=pending["id"]).approved_at is None


@pytest.mark.parametrize(
    ("case", "field", "code"),
    [
        ("departed", "member", 400),
        ("self", "member", 400),
        ("past_expiry", "expires_at", 400),
        ("bad_role", "role", 400),
        ("no_reason", "justification", 400),
        ("duplicate", "member", 409),
        ("unknown_channel", "channel", 400),
    ],
)
def test_bad_grants_change_nothing(personas, api, case, field, code):
    admin = api(personas.admin)
    member, channel, extra = personas.teammate, personas.channel, {}
    if case == "departed":
        member.status = "departed"
        member.save()
    elif case == "self":
        member = personas.admin
    elif case == "past_expiry":
        extra = {"expires_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()}
    elif case == "bad_role":
        extra = {"role": "emperor"}
    elif case == "no_reason":
        extra = {"justification": ""}
    elif case == "duplicate":
        assert _create(admin, member, channel).status_code == 201
    elif case == "unknown_channel":
        channel = ChannelFactory.build(pk=987654)
    before = AccessGrant.objects.count()
    response = _create(admin, member, channel, **extra)
    assert response.status_code == code, response.content
    assert field in response.json(), response.json()
    assert AccessGrant.objects.count() == before


def test_expiry_is_derived_on_read_and_never_blocks_a_regrant(personas, api):
    grant = _grant(personas.member, personas.channel,
                   expires_at=timezone.now() + dt.timedelta(minutes=5))  # fmt: skip
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now())
    body = api(personas.admin).get(f"{URL}{grant.pk}/").json()
    assert body["status"] == "expired"  # no job has run
    regrant = _create(api(personas.admin), personas.member, personas.channel)
    assert regrant.status_code == 201
    grant.refresh_from_db()
    assert (grant.revoke_reason, grant.revoked_by) == ("expired", None)
    assert grant.status == "expired"


def test_hourly_expiry_job_records_and_dispatches_once(personas):
    grant = _grant(personas.member, personas.channel,
                   expires_at=timezone.now() + dt.timedelta(minutes=5))  # fmt: skip
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now())
    assert services.grants_expire() == 1
    assert services.grants_expire() == 0
    grant.refresh_from_db()
    assert grant.status == "expired" and grant.revoked_by is None
    assert AuditEvent.objects.filter(action="grant.expired").count() == 1
    assert OutboxMessage.objects.filter(topic="grant.revoked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_grants_give_one_row_and_one_409(personas):
    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(2)
    outcomes = []

    def grant():
        try:
            barrier.wait()
            services.grant_create(actor=personas.admin, member=personas.member,
                                  channel=personas.channel, role="publisher",
                                  justification="race")  # fmt: skip
            outcomes.append("created")
        except Conflict:
            outcomes.append("409")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=grant) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["409", "created"]
    assert AccessGrant.objects.filter(member=personas.member, channel=personas.channel).count() == 1


# ---- Offboarding ----


def _offboard(client, member, **body):
    payload = {"ended_on": str(timezone.localdate()), "reason": "resigned", "accept_gaps": True,
               **body}  # fmt: skip
    return client.post(f"/api/v1/members/{member.pk}/offboard/", payload)


def test_offboarding_revokes_everything_and_the_token_dies(personas, api, client):
    leaver = personas.member
    shared = ChannelFactory(team=personas.team, uses_shared_credential=True, owner=leaver)
    _grant(leaver, personas.channel)
    _grant(leaver, shared, "admin", shared_credential=True)
    _, key = issue_token(leaver.user)
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    assert client.login(username="maya", password=PASSWORD)
    assert client.get("/log/").status_code == 200

    response = _offboard(api(personas.admin), leaver, successor=personas.teammate.pk)
    assert response.status_code == 200, response.content
    assert response.json() == {"revoked_grants": 2, "rotations_created": 1,
                               "channels_reassigned": 1}  # fmt: skip

    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    assert not open_tokens(leaver.user).exists()  # revoked, not just refused
    assert client.get("/log/").status_code == 302  # the session is gone: back to sign-in
    leaver.refresh_from_db()
    assert leaver.status == "departed" and leaver.ended_on == timezone.localdate()
    assert not leaver.user.is_active
    assert not AccessGrant.objects.filter(member=leaver, revoked_at__isnull=True).exists()
    shared.refresh_from_db()
    assert shared.owner == personas.teammate
    assert CredentialRotation.objects.get().channel == shared
    layers = sorted(ChecklistItem.objects.filter(channel=shared).values_list("layer", flat=True))
    assert layers == ["native_role", "recovery_contact", "shared_credential", "tool_role"]
    assert ChecklistItem.objects.filter(channel=personas.channel).count() == 3
    assert AuditEvent.objects.filter(action="member.offboarded").count() == 1

    again = _offboard(api(personas.admin), leaver, successor=personas.teammate.pk)
    assert again.json() == {"revoked_grants": 0, "rotations_created": 0, "channels_reassigned": 0}
    assert AuditEvent.objects.filter(action="member.offboarded").count() == 1


@pytest.mark.parametrize(
    ("case", "field"),
    [("no_successor", "successor"), ("departed_successor", "successor"),
     ("self_successor", "successor"), ("no_reason", "reason"), ("bad_date", "ended_on")],
)  # fmt: skip
def test_offboarding_bad_input_changes_nothing(personas, api, case, field):
    leaver = personas.member
    ChannelFactory(team=personas.team, owner=leaver)
    _grant(leaver, personas.channel)
    body = {"successor": personas.teammate.pk}
    if case == "no_successor":
        body = {}
    elif case == "departed_successor":
        personas.teammate.status = "departed"
        personas.teammate.save()
    elif case == "self_successor":
        body = {"successor": leaver.pk}
    elif case == "no_reason":
        body["reason"] = ""
    elif case == "bad_date":
        body["ended_on"] = "soon"
    response = _offboard(api(personas.admin), leaver, **body)
    assert response.status_code == 400 and field in response.json(), response.content
    leaver.refresh_from_db()
    assert leaver.status == "active" and leaver.user.is_active
    assert AccessGrant.objects.filter(member=leaver, revoked_at__isnull=True).count() == 1


@pytest.mark.parametrize(("caller", "code"), [("member", 403), ("leader", 403),
                                               ("foreigner", 404)])  # fmt: skip
def test_only_admins_offboard(personas, api, caller, code):
    target = personas.member if caller != "member" else personas.member
    response = _offboard(api(getattr(personas, caller)), target)
    assert response.status_code == code
    target.refresh_from_db()
    assert target.status == "active"


def test_checklist_and_rotation_need_someone_other_than_the_leaver(personas, api):
    leaver = MemberFactory(team=personas.team, role_admin=True)
    shared = ChannelFactory(team=personas.team, uses_shared_credential=True)
    _grant(leaver, shared, shared_credential=True)
    requester = MemberFactory(team=None, role_member=False, role_admin=True)
    services.member_offboard(member=leaver, actor=requester, ended_on=timezone.localdate(),
                             reason="left", accept_gaps=True)  # fmt: skip
    item = ChecklistItem.objects.first()
    rotation = CredentialRotation.objects.get()
    leaver.refresh_from_db()
    # The leaver (deactivated, and an admin before) may not confirm their own items.
    with pytest.raises(services.Forbidden):
        services.checklist_confirm(item=item, actor=leaver)
    with pytest.raises(services.Forbidden):
        services.rotation_confirm(rotation=rotation, actor=leaver)
    # Nor the admin who made the change (409, nothing changed).
    assert (
        api(requester).patch(f"/api/v1/checklist-items/{item.pk}/", {"confirmed": True})
    ).status_code == 409
    item.refresh_from_db()
    assert item.confirmed_at is None
    client = api(personas.admin)
    assert (
        client.patch(f"/api/v1/checklist-items/{item.pk}/", {"confirmed": True}).status_code == 200
    )
    assert client.patch(f"/api/v1/credential-rotations/{rotation.pk}/",
                        {"rotated": True}).json()["rotated_by"] == personas.admin.pk  # fmt: skip
    assert api(personas.leader).get(f"/api/v1/checklist-items/{item.pk}/").status_code == 404
    offboarding = item.offboarding
    assert not services.offboarding_complete(offboarding)
    for other in offboarding.items.all():
        services.checklist_confirm(item=other, actor=personas.admin)
    assert services.offboarding_complete(offboarding)


def test_offboarding_300_grants_runs_a_fixed_number_of_queries(personas):
    def offboard_with(n):
        leaver = MemberFactory(team=personas.team)
        channels = ChannelFactory.create_batch(n, team=personas.team,
                                               uses_shared_credential=True)  # fmt: skip
        AccessGrant.objects.bulk_create(
            AccessGrant(member=leaver, channel=c, role="publisher", justification="x",
                        approved_at=timezone.now(), shared_credential=True)
            for c in channels
        )  # fmt: skip
        with CaptureQueriesContext(connection) as ctx:
            result = services.member_offboard(
                accept_gaps=True,
                member=leaver,
                actor=personas.admin,
                ended_on=timezone.localdate(),
                reason="left",
            )
        assert result["revoked_grants"] == n
        return len(ctx.captured_queries)

    assert offboard_with(3) == offboard_with(300)
