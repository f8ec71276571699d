"""The governance pages for admins, without JavaScript: health, channel register, grants,
revoke, offboarding, checklist, rotations, outbox retry and the audit log."""

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import services
from governance.models import (
    AccessGrant,
    ChecklistItem,
    CredentialRotation,
    Offboarding,
    OutboxMessage,
)
from socialops.audit.models import AuditEvent
from socialops.audit.services import Entry, audit_append_many
from teams.models import Channel, Leave, Member
from tests.factories import ChannelFactory, MemberFactory

# Until socialops/urls.py includes governance.urls: the site's URLs plus the governance pages.
pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(personas, client):
    client.force_login(personas.admin.user)
    return client


@pytest.fixture
def second_admin(personas):
    return MemberFactory(
        team=None, full_name="Ben Backup", user__username="ben", role_member=False,
        role_admin=True,
    )  # fmt: skip


def _grant(member, channel, *, role="publisher", by=None, **fields) -> AccessGrant:
    now = timezone.now()
    fields.setdefault("approved_at", now)
    fields.setdefault("granted_at", now - dt.timedelta(minutes=1))
    return AccessGrant.objects.create(
        member=member, channel=channel, role=role, justification="Needed for the rota",
        granted_by=by, **fields,
    )  # fmt: skip


def _messages(response) -> list[str]:
    """The messages this request added (earlier ones wait in the session until shown)."""
    return [str(m) for m in response.wsgi_request._messages._queued_messages]


def _offboard(p, leaver=None, successor=None, reason="resigned"):
    """Offboard as another admin than personas.admin, who then confirms the follow-ups (the
    admin who made a change never confirms its follow-ups)."""
    leaver = leaver or p.member
    requester = MemberFactory(team=None, full_name="Olga Offboarder", role_member=False,
                              role_admin=True)  # fmt: skip
    services.member_offboard(
        member=leaver, actor=requester, ended_on=timezone.localdate(), reason=reason,
        successor=successor, accept_gaps=True,
    )  # fmt: skip
    return Offboarding.objects.get(member=leaver)


# ---- Who may see the pages ----


@pytest.fixture
def targets(personas):
    """One object of each kind, so that every URL resolves."""
    p = personas
    grant = _grant(p.teammate, p.channel, shared_credential=True)
    leaver = MemberFactory(team=p.other_team, full_name="Lee Leaver")
    leaver_grant = _grant(leaver, p.other_channel, shared_credential=True)
    offboarding = _offboard(p, leaver=leaver)
    rotation = CredentialRotation.objects.get(member=leaver)
    item = offboarding.items.first()
    dead = OutboxMessage.objects.create(topic="grant.revoked", dead_at=timezone.now())
    return {
        "grant": grant, "leaver_grant": leaver_grant, "offboarding": offboarding,
        "rotation": rotation, "item": item, "dead": dead,
    }  # fmt: skip


def _page_urls(p, t) -> list[str]:
    return [
        "/governance/",
        "/governance/channels/",
        "/governance/grants/",
        f"/governance/grants/{t['grant'].pk}/revoke/",
        f"/governance/members/{p.member.pk}/offboard/",
        f"/governance/offboardings/{t['offboarding'].pk}/",
        "/governance/audit/",
    ]


def _action_urls(p, t) -> list[str]:
    return [
        "/governance/grants/",
        f"/governance/grants/{t['grant'].pk}/approve/",
        f"/governance/grants/{t['grant'].pk}/revoke/",
        f"/governance/members/{p.member.pk}/offboard/",
        f"/governance/checklist/{t['item'].pk}/confirm/",
        f"/governance/rotations/{t['rotation'].pk}/confirm/",
        f"/governance/outbox/{t['dead'].pk}/retry/",
    ]


def test_anonymous_is_sent_to_login(personas, targets, client):
    for url in _page_urls(personas, targets) + _action_urls(personas, targets):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url
        response = client.post(url)
        assert response.status_code == 302 and response.url.startswith("/login/"), url


@pytest.mark.parametrize("who", ["member", "teammate", "foreigner", "leader"])
def test_a_signed_in_non_admin_gets_403_and_changes_nothing(personas, targets, client, who):
    client.force_login(getattr(personas, who).user)
    for url in _page_urls(personas, targets):
        assert client.get(url).status_code == 403, url
    events = AuditEvent.objects.count()
    for url in _action_urls(personas, targets):
        assert client.post(url, {"reason": "x", "ended_on": "2026-01-01"}).status_code == 403, url
    assert AuditEvent.objects.count() == events
    targets["grant"].refresh_from_db()
    assert targets["grant"].revoked_at is None
    assert Member.objects.get(pk=personas.member.pk).status == Member.Status.ACTIVE


def test_an_admin_sees_every_page(personas, targets, admin):
    for url in _page_urls(personas, targets):
        assert admin.get(url).status_code == 200, url


def test_a_departed_admin_is_not_an_admin(personas, targets, client, second_admin):
    Member.objects.filter(pk=second_admin.pk).update(status=Member.Status.DEPARTED)
    client.force_login(second_admin.user)
    assert client.get("/governance/").status_code == 403


def test_unknown_ids_are_404(personas, admin):
    for url in (
        "/governance/grants/999999/revoke/",
        "/governance/members/999999/offboard/",
        "/governance/offboardings/999999/",
    ):
        assert admin.get(url).status_code == 404, url
    for url in (
        "/governance/grants/999999/approve/",
        "/governance/grants/999999/revoke/",
        "/governance/members/999999/offboard/",
        "/governance/checklist/999999/confirm/",
        "/governance/rotations/999999/confirm/",
        f"/governance/outbox/{uuid.uuid4()}/retry/",
    ):
        assert admin.post(url, {"reason": "x"}).status_code == 404, url


def test_actions_refuse_get(personas, targets, admin):
    for url in _action_urls(personas, targets)[1:]:
        if "/revoke/" in url:
            continue  # the revoke URL is also the confirm page
        if "/offboard/" in url:
            continue  # the offboard URL is also the page showing what the leaver holds
        assert admin.get(url).status_code == 405, url


# ---- Overview ----


def test_overview_shows_every_health_finding(personas, admin):
    p = personas
    today = timezone.localdate()
    # @community: one actor (Maya) against a minimum of two, and no owner.
    _grant(p.member, p.channel)
    # @brand: Fay is on leave today, so her grant is an absent holder and she is no actor.
    _grant(p.foreigner, p.other_channel)
    Leave.objects.create(  # around today in every time zone
        member=p.foreigner, start_date=today - dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=1),
    )  # fmt: skip
    # A grant older than 90 days with no work logged on its channel is dormant.
    old = timezone.now() - dt.timedelta(days=120)
    quiet = ChannelFactory(team=p.team, handle="@quiet", owner=p.leader, min_backup=0)
    _grant(p.teammate, quiet, granted_at=old, approved_at=old)
    # Lee left without being offboarded: his grant is an absent holder, and he can be offboarded.
    lee = MemberFactory(team=p.team, full_name="Lee Left", status=Member.Status.DEPARTED)
    _grant(lee, quiet, role="analyst")
    CredentialRotation.objects.create(
        channel=quiet, member=p.teammate, reason="left",
        required_since=timezone.now() - dt.timedelta(days=10),
    )  # fmt: skip

    body = admin.get("/governance/").content.decode()
    gaps = body.split('id="backup-gaps"')[1].split("</section>")[0]
    assert "Instagram @community" in gaps and "X @brand" in gaps
    assert "@quiet" not in gaps  # min_backup 0
    assert "<td>1</td><td>2</td>" in gaps  # @community: 1 actor of 2
    absent = body.split('id="absent-holders"')[1].split("</section>")[0]
    assert "Fay Foreign" in absent and "On leave today" in absent
    assert "Lee Left" in absent and "Departed" in absent
    assert f'href="/governance/members/{lee.pk}/offboard/"' in absent
    assert f'href="/governance/members/{p.foreigner.pk}/offboard/"' not in absent  # on leave
    dormant = body.split('id="dormant-grants"')[1].split("</section>")[0]
    assert "Tom Teammate" in dormant and "@quiet" in dormant
    overdue = body.split('id="overdue-rotations"')[1].split("</section>")[0]
    assert "@quiet" in overdue and "Confirm rotated" in overdue
    unowned = body.split('id="unowned-channels"')[1].split("</section>")[0]
    assert "@community" in unowned and "@quiet" not in unowned
    for link in ("/governance/channels/", "/governance/grants/", "/governance/audit/"):
        assert f'href="{link}"' in body


def test_overview_lists_dead_letters_open_offboardings_and_recent_events(personas, admin):
    p = personas
    _grant(p.member, p.channel)
    offboarding = _offboard(p)
    dead = OutboxMessage.objects.create(
        topic="grant.revoked", attempts=8, dead_at=timezone.now(), last_error="OSError: 502"
    )
    OutboxMessage.objects.create(topic="grant.revoked", delivered_at=timezone.now())
    audit_append_many(
        actor=None, entries=[Entry("test.event", "channel", i, {}) for i in range(30)]
    )

    body = admin.get("/governance/").content.decode()
    letters = body.split('id="dead-letters"')[1].split("</section>")[0]
    assert str(dead.pk) in letters and "OSError: 502" in letters
    assert letters.count("Retry") == 1
    offboardings = body.split('id="offboardings"')[1].split("</section>")[0]
    assert "Maya Member" in offboardings
    assert f"0 of {offboarding.items.count()} follow-ups confirmed" in offboardings
    events = body.split('id="recent-events"')[1].split("</section>")[0]
    assert events.count("<tr>") == 1 + 20  # the header and the last 20 events
    assert "Channel #29" in events and "Channel #9<" not in events  # no such channels


def test_a_completed_offboarding_reads_complete_on_the_overview(personas, admin):
    offboarding = _offboard(personas)  # Maya held nothing: nothing to confirm
    assert offboarding.items.count() == 0
    offboardings = admin.get("/governance/").content.decode().split('id="offboardings"')[1]
    assert "Complete" in offboardings.split("</section>")[0]


def test_retry_a_dead_lettered_message(personas, admin):
    dead = OutboxMessage.objects.create(
        topic="grant.revoked", attempts=8, dead_at=timezone.now(), last_error="boom"
    )
    response = admin.post(f"/governance/outbox/{dead.pk}/retry/")
    assert response.status_code == 302 and response.url == "/governance/"
    dead.refresh_from_db()
    assert (dead.dead_at, dead.attempts, dead.last_error) == (None, 0, "")
    assert AuditEvent.objects.filter(action="outbox.retried", target_id=str(dead.pk)).exists()
    assert "will be sent again" in _messages(response)[0]

    # Retrying one that is no longer dead-lettered says so and writes nothing.
    events = AuditEvent.objects.count()
    response = admin.post(f"/governance/outbox/{dead.pk}/retry/")
    assert "not dead-lettered" in _messages(response)[0]
    assert AuditEvent.objects.count() == events


# ---- Channel register ----


def test_channel_register_lists_every_channel_with_counts(personas, admin, second_admin):
    p = personas
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.member, uses_shared_credential=True)
    _grant(p.member, p.channel)
    _grant(p.teammate, p.channel, role="analyst")  # open, but an analyst is no actor
    _grant(p.foreigner, p.channel, revoked_at=timezone.now(), revoked_by=p.admin)  # closed
    services.grant_create(
        actor=p.admin, member=p.leader, channel=p.channel, role="owner", justification="cover"
    )  # pending: open, no actor yet
    body = admin.get("/governance/channels/").content.decode()
    row = body.split(f'id="channel-{p.channel.pk}"')[1].split("</tr>")[0]
    assert "Community" in row and "Instagram" in row and "Maya Member" in row
    assert "Yes" in row  # shared credential
    assert "1 of 2 needed" in row and "backup gap" in row
    assert ">3<" in row  # open grants: Maya, Tom, Leo (pending)
    other = body.split(f'id="channel-{p.other_channel.pk}"')[1].split("</tr>")[0]
    assert "Brand" in other and "No owner" in other and ">0<" in other


# ---- Grants ----


def test_grants_list_filters_by_channel_member_and_status(personas, admin):
    p = personas
    g1 = _grant(p.member, p.channel)
    g2 = _grant(p.teammate, p.channel, revoked_at=timezone.now(), revoked_by=p.admin,
                revoke_reason="moved")  # fmt: skip
    earlier = timezone.now() - dt.timedelta(days=2)
    g3 = _grant(
        p.foreigner,
        p.other_channel,
        granted_at=earlier,
        approved_at=earlier,
        expires_at=timezone.now() - dt.timedelta(hours=1),
    )  # expired, not yet closed
    g4 = services.grant_create(
        actor=p.admin, member=p.leader, channel=p.other_channel, role="admin", justification="x"
    )

    def shown(query: str) -> set[int]:
        body = admin.get(f"/governance/grants/?{query}").content.decode()
        return {g.pk for g in (g1, g2, g3, g4) if f'id="grant-{g.pk}"' in body}

    assert shown("") == {g1.pk, g2.pk, g3.pk, g4.pk}
    assert shown(f"channel={p.channel.pk}") == {g1.pk, g2.pk}
    assert shown(f"member={p.teammate.pk}") == {g2.pk}
    assert shown("status=active") == {g1.pk}
    assert shown("status=pending") == {g4.pk}
    assert shown("status=open") == {g1.pk, g4.pk}
    assert shown("status=revoked") == {g2.pk}
    assert shown("status=expired") == {g3.pk}
    assert shown(f"channel={p.other_channel.pk}&status=pending") == {g4.pk}
    # A bad filter value is reported and ignored, never a 500.
    response = admin.get("/governance/grants/?member=nobody&status=sleeping")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_filtering_by_member_offers_to_offboard_them(personas, admin):
    body = admin.get(f"/governance/grants/?member={personas.member.pk}").content.decode()
    assert f'href="/governance/members/{personas.member.pk}/offboard/"' in body
    assert "Offboard Maya Member" in body


def test_grants_are_paginated(personas, admin):
    channels = Channel.objects.bulk_create(
        Channel(platform="facebook", handle=f"@p{i}", name=f"P {i}", team=personas.team)
        for i in range(60)
    )
    for channel in channels:
        _grant(personas.member, channel)
    first = admin.get("/governance/grants/").content.decode()
    assert first.count('id="grant-') == 50 and "Page 1 of 2" in first
    second = admin.get("/governance/grants/?page=2").content.decode()
    assert second.count('id="grant-') == 10


def _new_grant(client, **fields):
    data = {"role": "publisher", "justification": "Covers the weekend rota", "expires_at": "",
            "vault_reference": "", **fields}  # fmt: skip
    return client.post("/governance/grants/", data)


def test_create_a_grant(personas, admin):
    response = _new_grant(
        admin, member=personas.member.pk, channel=personas.channel.pk,
        expires_at="2099-01-01T10:00", shared_credential="on", vault_reference="1Password: IG",
    )  # fmt: skip
    assert response.status_code == 302 and response.url == "/governance/grants/"
    grant = AccessGrant.objects.get()
    assert (grant.member, grant.channel, grant.role) == (personas.member, personas.channel,
                                                        "publisher")  # fmt: skip
    assert grant.status == "active" and grant.shared_credential
    assert grant.vault_reference == "1Password: IG"
    # datetime-local is read in the admin's own time zone.
    london = zoneinfo.ZoneInfo("Europe/London")
    assert grant.expires_at == dt.datetime(2099, 1, 1, 10, 0, tzinfo=london)
    assert grant.granted_by == personas.admin
    assert "Granted Maya Member Publisher on Instagram @community." in _messages(response)


def test_an_owner_grant_waits_for_a_second_admin(personas, admin):
    response = _new_grant(
        admin, member=personas.member.pk, channel=personas.channel.pk, role="owner"
    )
    assert response.status_code == 302
    assert AccessGrant.objects.get().status == "pending"
    assert "pending until a second admin approves it" in _messages(response)[0]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"justification": ""}, "This field is required"),
        ({"role": "superuser"}, "Select a valid choice"),
        ({"expires_at": "2001-01-01T10:00"}, "The expiry must be in the future."),
        ({"expires_at": "soon"}, "Enter a valid date/time"),
        ({"member": "self"}, "Nobody grants access to themselves."),
        ({"member": "departed"}, "Select a valid choice"),
        ({"channel": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_grant_input_is_explained_and_grants_nothing(personas, admin, fields, message):
    member = {"self": personas.admin.pk, "departed": personas.foreigner.pk}.get(
        fields.pop("member", None), personas.member.pk
    )
    Member.objects.filter(pk=personas.foreigner.pk).update(status=Member.Status.DEPARTED)
    data = {"member": member, "channel": personas.channel.pk, **fields}
    response = _new_grant(admin, **data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccessGrant.objects.exists()


def test_a_second_open_grant_on_the_same_channel_is_refused(personas, admin):
    _grant(personas.member, personas.channel)
    response = _new_grant(admin, member=personas.member.pk, channel=personas.channel.pk)
    assert response.status_code == 200
    assert "already has an open grant on this channel" in response.content.decode()
    assert AccessGrant.objects.count() == 1


def test_approving_ones_own_request_is_refused_with_a_message(personas, admin, client):
    grant = services.grant_create(
        actor=personas.admin, member=personas.member, channel=personas.channel, role="owner",
        justification="Lead",
    )  # fmt: skip
    body = admin.get("/governance/grants/").content.decode()
    row = body.split(f'id="grant-{grant.pk}"')[1].split("</tr>")[0]
    # The requester is not offered a button that can only fail.
    assert f'action="/governance/grants/{grant.pk}/approve/"' not in row
    assert "Waiting for a second admin" in row
    response = admin.post(
        f"/governance/grants/{grant.pk}/approve/", {"next": "/governance/grants/?status=pending"}
    )
    assert response.status_code == 302 and response.url == "/governance/grants/?status=pending"
    assert _messages(response) == [
        "Not approved: A second admin approves: not the requester, not the grantee."
    ]
    grant.refresh_from_db()
    assert grant.status == "pending"


def test_a_second_admin_approves_and_a_second_approval_is_refused(personas, client, second_admin):
    grant = services.grant_create(
        actor=personas.admin, member=personas.member, channel=personas.channel, role="admin",
        justification="Lead",
    )  # fmt: skip
    client.force_login(second_admin.user)
    response = client.post(f"/governance/grants/{grant.pk}/approve/")
    assert response.status_code == 302 and response.url == "/governance/grants/"
    grant.refresh_from_db()
    assert grant.status == "active" and grant.approved_by == second_admin
    assert "Approved Maya Member's Admin" in _messages(response)[0]
    response = client.post(f"/governance/grants/{grant.pk}/approve/")
    assert "Only a pending grant can be approved; this one is active." in _messages(response)[0]


def test_an_offsite_next_is_ignored(personas, admin):
    grant = _grant(personas.member, personas.channel)
    response = admin.post(
        f"/governance/grants/{grant.pk}/revoke/",
        {"reason": "moved", "next": "https://evil.example/", "accept_gaps": "on"},
    )
    assert response.url == "/governance/grants/"


# ---- Revoke ----


def test_revoke_shows_a_confirm_step_then_revokes(personas, admin):
    grant = _grant(personas.member, personas.channel, shared_credential=True,
                   vault_reference="1Password: IG")  # fmt: skip
    back = "next=/governance/grants/%3Fstatus%3Dopen"
    page = admin.get(f"/governance/grants/{grant.pk}/revoke/?{back}")
    body = page.content.decode()
    assert "Maya Member: Publisher on Instagram @community" in body
    assert "1Password: IG" in body and "shared password or 2fa device changed" in body
    assert 'name="reason"' in body and "Revoke access" in body
    assert 'value="/governance/grants/?status=open"' in body
    grant.refresh_from_db()
    assert grant.revoked_at is None  # the GET changed nothing

    response = admin.post(
        f"/governance/grants/{grant.pk}/revoke/",
        {
            "reason": "Moved to the brand team",
            "next": "/governance/grants/?status=open",
            "accept_gaps": "on",
        },
    )
    assert response.status_code == 302 and response.url == "/governance/grants/?status=open"
    grant.refresh_from_db()
    assert grant.status == "revoked" and grant.revoked_by == personas.admin
    assert grant.revoke_reason == "Moved to the brand team"
    assert _messages(response) == [
        "Revoked Maya Member's Publisher access to Instagram @community. Its follow-ups are in "
        "the queue on the governance page."
    ]
    assert AuditEvent.objects.filter(action="grant.revoked", target_id=str(grant.pk)).count() == 1
    assert OutboxMessage.objects.filter(topic="grant.revoked").count() == 1
    listed = admin.get("/governance/grants/").content.decode()
    row = listed.split(f'id="grant-{grant.pk}"')[1].split("</tr>")[0]
    assert "Revoked" in row and "Moved to the brand team" in row and "Revoke<" not in row


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoke_without_a_reason_is_refused(personas, admin, reason):
    grant = _grant(personas.member, personas.channel)
    response = admin.post(f"/governance/grants/{grant.pk}/revoke/", {"reason": reason})
    assert response.status_code == 200
    assert "Say why the access is revoked." in response.content.decode()
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert not AuditEvent.objects.filter(action="grant.revoked").exists()


def test_revoking_a_revoked_grant_says_so_and_changes_nothing(personas, admin):
    grant = _grant(personas.member, personas.channel)
    services.grant_revoke(accept_gaps=True, grant=grant, actor=personas.admin, reason="first")
    grant.refresh_from_db()
    before = (grant.revoked_at, grant.revoked_by_id, grant.revoke_reason)
    events, outbox = AuditEvent.objects.count(), OutboxMessage.objects.count()

    page = admin.get(f"/governance/grants/{grant.pk}/revoke/").content.decode()
    assert "already revoked" in page and "Nothing to revoke" in page
    assert 'name="reason"' not in page
    response = admin.post(
        f"/governance/grants/{grant.pk}/revoke/", {"reason": "again", "accept_gaps": "on"}
    )
    assert response.status_code == 302
    message = _messages(response)[0]
    assert "already revoked" in message and "nothing changed" in message
    grant.refresh_from_db()
    assert (grant.revoked_at, grant.revoked_by_id, grant.revoke_reason) == before
    assert (AuditEvent.objects.count(), OutboxMessage.objects.count()) == (events, outbox)


# ---- Offboarding ----


def _offboard_post(client, leaver, **fields):
    data = {"ended_on": str(timezone.localdate()), "reason": "Resigned", "successor": "",
            "accept_gaps": "on", **fields}  # fmt: skip
    return client.post(f"/governance/members/{leaver.pk}/offboard/", data)


def test_offboard_page_shows_what_the_leaver_holds(personas, admin):
    p = personas
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.member)
    _grant(p.member, p.channel, shared_credential=True, vault_reference="1Password: IG")
    _grant(p.member, p.other_channel, role="analyst")
    Member.objects.filter(pk=p.foreigner.pk).update(status=Member.Status.DEPARTED)
    body = admin.get(f"/governance/members/{p.member.pk}/offboard/").content.decode()
    held = body.split('id="open-grants"')[1].split("</ul>")[0]
    assert "Publisher on Instagram @community" in held and "Analyst on X @brand" in held
    assert "Instagram @community" in body.split('id="owned-channels"')[1].split("</ul>")[0]
    shared = body.split('id="shared-credentials"')[1].split("</ul>")[0]
    assert "1Password: IG" in shared and "@brand" not in shared
    successors = body.split('name="successor"')[1].split("</select>")[0]
    assert "Tom Teammate" in successors and "Ada Admin" in successors
    assert "Maya Member" not in successors  # not the leaver
    assert "Fay Foreign" not in successors  # not a departed member


def test_offboard_a_member_with_a_successor(personas, admin):
    p = personas
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.member)
    shared = _grant(p.member, p.channel, shared_credential=True)
    plain = _grant(p.member, p.other_channel, role="moderator")
    response = _offboard_post(admin, p.member, successor=p.teammate.pk, reason="Resigned")
    offboarding = Offboarding.objects.get(member=p.member)
    assert response.status_code == 302
    assert response.url == f"/governance/offboardings/{offboarding.pk}/"
    assert _messages(response) == [
        "Offboarded Maya Member: 2 grant(s) revoked, 1 credential rotation(s) required, "
        "1 channel(s) handed to Tom Teammate."
    ]
    member = Member.objects.select_related("user").get(pk=p.member.pk)
    assert member.status == Member.Status.DEPARTED and not member.user.is_active
    for grant in (shared, plain):
        grant.refresh_from_db()
        assert grant.status == "revoked"
    assert Channel.objects.get(pk=p.channel.pk).owner == p.teammate
    assert offboarding.successor == p.teammate and offboarding.reason == "Resigned"

    # The page now says they are offboarded; a second POST changes nothing.
    page = admin.get(f"/governance/members/{p.member.pk}/offboard/").content.decode()
    assert "was offboarded" in page and 'name="reason"' not in page
    events = AuditEvent.objects.count()
    response = _offboard_post(admin, p.member, successor=p.teammate.pk)
    assert response.url == f"/governance/offboardings/{offboarding.pk}/"
    assert "already offboarded; nothing changed" in _messages(response)[0]
    assert AuditEvent.objects.count() == events


def test_offboarding_someone_who_owns_channels_needs_a_successor(personas, admin):
    Channel.objects.filter(pk=personas.channel.pk).update(owner=personas.member)
    response = _offboard_post(admin, personas.member)
    assert response.status_code == 200
    assert (
        "Maya Member owns 1 channel(s): name a successor to hand them to."
        in response.content.decode()
    )
    assert not Offboarding.objects.exists()
    assert Member.objects.get(pk=personas.member.pk).status == Member.Status.ACTIVE


def test_someone_who_owns_nothing_needs_no_successor(personas, admin):
    response = _offboard_post(admin, personas.member)
    assert response.status_code == 302
    assert Offboarding.objects.get().successor is None


@pytest.mark.parametrize("who", ["departed", "ended", "leaver"])
def test_a_successor_must_be_employed_and_not_the_leaver(personas, admin, who):
    p = personas
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.member)
    if who == "departed":
        Member.objects.filter(pk=p.teammate.pk).update(status=Member.Status.DEPARTED)
    elif who == "ended":
        Member.objects.filter(pk=p.teammate.pk).update(ended_on=dt.date(2024, 1, 1))
    successor = p.member if who == "leaver" else p.teammate
    response = _offboard_post(admin, p.member, successor=successor.pk)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Offboarding.objects.exists()
    assert Channel.objects.get(pk=p.channel.pk).owner == p.member


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": ""}, "Say why the member leaves."),
        ({"ended_on": "2020-01-01"}, "The last day is before Maya Member started"),
        ({"ended_on": "someday"}, "Enter a valid date"),
        ({"reason": "x" * 501}, "at most 500 characters"),
    ],
)
def test_bad_offboarding_input_is_explained(personas, admin, fields, message):
    response = _offboard_post(admin, personas.member, **fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Offboarding.objects.exists()


def test_an_admin_cannot_offboard_themselves(personas, admin):
    response = _offboard_post(admin, personas.admin)
    assert response.status_code == 200
    assert "Another admin offboards you." in response.content.decode()
    assert not Offboarding.objects.exists()


# ---- The offboarding checklist ----


def test_confirm_checklist_items_and_rotations_until_complete(personas, admin):
    p = personas
    _grant(p.member, p.channel, shared_credential=True)
    _grant(p.member, p.other_channel)
    offboarding = _offboard(p)
    items = list(offboarding.items.all())
    assert len(items) == 4 + 3  # shared credential adds a layer on @community
    rotation = CredentialRotation.objects.get(member=p.member)

    body = admin.get(f"/governance/offboardings/{offboarding.pk}/").content.decode()
    assert f"In progress (0 of {len(items) + 1} follow-ups confirmed)" in body
    checklist = body.split('id="checklist"')[1].split("</table>")[0]
    assert checklist.count(">Confirm<") == len(items)
    assert "Not applicable" in checklist  # no shared credential on @brand
    assert "Shared password or 2FA device changed" in checklist
    assert "Confirm rotated" in body.split('id="rotations"')[1]

    for n, item in enumerate(items, start=1):
        response = admin.post(f"/governance/checklist/{item.pk}/confirm/")
        assert response.status_code == 302
        assert response.url == f"/governance/offboardings/{offboarding.pk}/"
        assert _messages(response)[0].startswith("Confirmed: ")
        page = admin.get(response.url).content.decode()
        if n < len(items):
            assert f"In progress ({n} of {len(items) + 1} follow-ups confirmed)" in page
    # Every checklist item is confirmed, but the rotation is not: not complete yet.
    assert f"In progress ({len(items)} of {len(items) + 1} follow-ups confirmed)" in page
    assert not services.offboarding_complete(offboarding)
    assert all(i.confirmed_by_id == p.admin.pk for i in offboarding.items.all())

    # Confirming twice changes nothing.
    events = AuditEvent.objects.count()
    admin.post(f"/governance/checklist/{items[0].pk}/confirm/")
    assert AuditEvent.objects.count() == events

    response = admin.post(
        f"/governance/rotations/{rotation.pk}/confirm/",
        {"next": f"/governance/offboardings/{offboarding.pk}/"},
    )
    assert response.url == f"/governance/offboardings/{offboarding.pk}/"
    rotation.refresh_from_db()
    assert rotation.rotated_by == p.admin
    page = admin.get(response.url).content.decode()
    assert "1 of 1 done" in page and "Confirm rotated" not in page
    assert "Complete" in page and "In progress" not in page
    assert services.offboarding_complete(offboarding)


def test_the_leaver_cannot_confirm_their_own_checklist(personas, client, second_admin):
    # The leaver is an admin: once offboarded they are deactivated and cannot act at all.
    _grant(second_admin, personas.channel)
    offboarding = _offboard(personas, leaver=second_admin)
    item = offboarding.items.first()
    client.force_login(second_admin.user)
    response = client.post(f"/governance/checklist/{item.pk}/confirm/")
    assert response.status_code == 302 and response.url.startswith("/login/")
    item.refresh_from_db()
    assert item.confirmed_at is None


def test_an_admin_cannot_confirm_a_checklist_item_about_themselves(personas, client, second_admin):
    # An item from a single revocation of an admin's own grant: the rule still holds.
    grant = _grant(second_admin, personas.channel)
    item = ChecklistItem.objects.create(
        grant=grant, channel=personas.channel, member=second_admin, layer="tool_role"
    )
    client.force_login(second_admin.user)
    response = client.post(f"/governance/checklist/{item.pk}/confirm/")
    assert response.status_code == 302 and response.url == "/governance/"
    assert _messages(response) == [
        "Not confirmed: This follow-up is about your own access: another admin confirms it."
    ]
    item.refresh_from_db()
    assert item.confirmed_at is None


def test_the_person_who_knew_a_credential_cannot_confirm_its_rotation(
    personas, client, second_admin
):
    rotation = CredentialRotation.objects.create(
        channel=personas.channel, member=second_admin, reason="revoked"
    )
    client.force_login(second_admin.user)
    response = client.post(f"/governance/rotations/{rotation.pk}/confirm/")
    assert (
        "Not confirmed: You knew this credential: another admin confirms its rotation."
        in _messages(response)[0]
    )
    rotation.refresh_from_db()
    assert rotation.rotated_at is None


# ---- Audit log ----


def test_audit_log_is_paginated_and_filtered(personas, admin):
    grant = _grant(personas.member, personas.channel)
    services.grant_revoke(accept_gaps=True, grant=grant, actor=personas.admin, reason="moved")
    audit_append_many(
        actor=None,
        entries=[Entry("test.seeded", "channel", i, {"n": i, "name": "Zoë"}) for i in range(60)],
    )
    body = admin.get("/governance/audit/").content.decode()
    assert "Page 1 of 2" in body and "61 events" in body
    assert "manage.py verify_audit" in body
    rows = body.split('id="audit-events"')[1].split("</table>")[0]
    assert rows.count("<tr>") == 1 + 50
    assert "channel:59" in rows and "{&quot;n&quot;: 59, &quot;name&quot;: &quot;Zoë&quot;}" in rows
    assert "system" in rows  # actor_display of the system actor

    second = admin.get("/governance/audit/?page=2").content.decode()
    assert second.split('id="audit-events"')[1].split("</table>")[0].count("<tr>") == 1 + 11
    assert "grant.revoked" in second and "<td>ada</td>" in second

    revoked = admin.get("/governance/audit/?action=grant.revoked").content.decode()
    assert "1 event<" in revoked and f"grant:{grant.pk}" in revoked
    by_prefix = admin.get("/governance/audit/?action=grant").content.decode()
    assert "1 event<" in by_prefix
    target = admin.get("/governance/audit/?target=channel:7").content.decode()
    assert "1 event<" in target and "channel:7<" in target
    by_type = admin.get("/governance/audit/?target=channel").content.decode()
    assert "60 events" in by_type
    # Filters survive paging.
    paged = admin.get("/governance/audit/?target=channel&page=2").content.decode()
    assert "?target=channel&amp;page=1" in paged


# ---- Query counts: a page's count does not grow with the data ----


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def _more_channels(team, n: int, prefix: str) -> list[Channel]:
    return Channel.objects.bulk_create(
        Channel(platform="facebook", handle=f"@{prefix}{i}", name=f"{prefix} {i}", team=team)
        for i in range(n)
    )


def _grow(p, n: int, prefix: str) -> None:
    """n more channels, each with an active grant (shared credential), a pending owner grant
    and a revoked grant; n dead-lettered messages, audit events, and an offboarding."""
    channels = _more_channels(p.team, n, prefix)
    holders = MemberFactory.create_batch(3, team=p.team)
    now = timezone.now()
    AccessGrant.objects.bulk_create(
        [AccessGrant(member=holders[0], channel=c, role="publisher", justification="x",
                     shared_credential=True, approved_at=now,
                     granted_at=now - dt.timedelta(days=200)) for c in channels]
        + [AccessGrant(member=holders[1], channel=c, role="owner", justification="x")
           for c in channels]
        + [AccessGrant(member=holders[2], channel=c, role="moderator", justification="x",
                       approved_at=now, revoked_at=now, revoked_by=p.admin) for c in channels]
    )  # fmt: skip
    OutboxMessage.objects.bulk_create(
        OutboxMessage(topic="grant.revoked", dead_at=now, attempts=8) for _ in range(n)
    )
    services.member_offboard(member=holders[0], actor=p.admin, ended_on=timezone.localdate(),
                             reason="left", accept_gaps=True)  # fmt: skip
    # The newest 20 events (the overview's recent changes) are always of one target type:
    # labelling them costs one query per type on show.
    audit_append_many(
        actor=None, entries=[Entry("test.seeded", "channel", i, {}) for i in range(max(n, 20))]
    )


# Expected, for an admin signed in with the test client: the session and the user (2), the
# admin's member record (1; an admin who leads no team skips the led-teams query).
BASE = 3


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # governance_health (5: channels, actor counts, absent holders, dormant grants,
        # overdue rotations), pending grants count, dead letters count and page, the
        # follow-ups (5: count, the first keys, their items, rotations, the admins who may
        # confirm), scheduled, open and completed offboardings (3), the last 20 changes and
        # their targets' labels (one query per target type shown: here channels).
        ("/governance/", BASE + 5 + 1 + 2 + 5 + 3 + 1 + 1),
        # Channels with owner, team and open-grant counts annotated (1), actor counts (1).
        ("/governance/channels/", BASE + 2),
        # Filter form choices: channels and members (2); the grant form's choices (2); the
        # page count and the page (2).
        ("/governance/grants/", BASE + 2 + 2 + 2),
        ("/governance/grants/?status=open&page=2", BASE + 2 + 2 + 2),
        # The audit log's page is counted in tests/governance/test_audit_log.py, with a fixed
        # mix of target types (its labels cost one query per type on the page).
    ],
)
def test_list_pages_run_a_fixed_number_of_queries(personas, admin, url, expected):
    _grow(personas, 3, "few")
    few = _count(admin, url)
    _grow(personas, 60, "many")
    many = _count(admin, url)
    assert few == many == expected


def test_revoke_page_runs_a_fixed_number_of_queries(personas, admin):
    grant = _grant(personas.member, personas.channel)
    url = f"/governance/grants/{grant.pk}/revoke/"
    few = _count(admin, url)
    _grow(personas, 60, "many")
    # The grant with member, channel, team, granter and revoker in one query; the coverage
    # check (2: the channel with its team, the actor counts with and without the grant).
    assert few == _count(admin, url) == BASE + 1 + 2


def test_offboard_page_runs_a_fixed_number_of_queries(personas, admin):
    def url():
        return f"/governance/members/{personas.member.pk}/offboard/"

    Channel.objects.filter(pk=personas.channel.pk).update(owner=personas.member)
    _grant(personas.member, personas.channel, shared_credential=True)
    few = _count(admin, url())
    for channel in _more_channels(personas.team, 60, "owned"):
        _grant(personas.member, channel, shared_credential=True)
        Channel.objects.filter(pk=channel.pk).update(owner=personas.member)
    MemberFactory.create_batch(20, team=personas.team)
    many = _count(admin, url())
    # The leaver (1), an existing offboarding (1), open grants (1), owned channels (1), the
    # successor choices (1), the coverage check (2: the channels, the actor counts).
    assert few == many == BASE + 5 + 2


def test_offboarding_page_runs_a_fixed_number_of_queries(personas, admin):
    def offboarding_of(member, channels):
        for channel in channels:
            _grant(member, channel, shared_credential=True)
        return _offboard(personas, leaver=member)

    small = offboarding_of(personas.member, [personas.channel])
    big = offboarding_of(personas.teammate, _more_channels(personas.team, 60, "big"))
    assert big.items.count() == 60 * 4
    few = _count(admin, f"/governance/offboardings/{small.pk}/")
    many = _count(admin, f"/governance/offboardings/{big.pk}/")
    # The offboarding with leaver, successor and starter (1), its items with channel and
    # confirmer (1), the leaver's rotations with channel and rotator (1).
    assert few == many == BASE + 3


def test_recent_changes_on_the_overview_leave_out_score_reads(personas, admin):
    audit_append_many(actor=personas.admin.user, entries=[Entry("grant.created", "grant", 1, {})])
    audit_append_many(
        actor=personas.leader.user,
        entries=[Entry("score.read", "member", personas.member.pk, {}) for _ in range(25)],
    )
    body = admin.get("/governance/").content.decode()
    events = body.split('id="recent-events"')[1].split("</section>")[0]
    assert "score.read" not in events
    assert "grant.created" in events and "Ada Admin" in events
