"""The evidence pack of an offboarding (docs/governance.md "Evidence pack"): the JSON at
`/api/v1/offboardings/{id}/evidence/` and the printable page, checked against the audit chain
an auditor would verify."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from governance import services
from governance.evidence import CHAIN_RULE, evidence_pack
from governance.models import AccessGrant, ChecklistItem, CredentialRotation, Offboarding
from socialops.audit.models import AuditEvent
from socialops.audit.selectors import audit_verify
from socialops.audit.services import canonical_json, chain_hash
from teams.models import Channel
from tests.factories import ChannelFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _grant(member, channel, role="publisher", **fields) -> AccessGrant:
    now = timezone.now()
    return AccessGrant.objects.create(
        member=member, channel=channel, role=role, justification="Needed for the rota",
        granted_at=now - dt.timedelta(minutes=5), approved_at=now - dt.timedelta(minutes=5),
        **fields,
    )  # fmt: skip


@pytest.fixture
def second_admin(personas):
    return MemberFactory(
        team=None, full_name="Ben Backup", user__username="ben", role_member=False,
        role_admin=True,
    )  # fmt: skip


@pytest.fixture
def story(personas, second_admin):
    """Maya leaves: three grants (a shared credential on @community, which she owns), Fay of
    the other team succeeds her; Ben confirms some follow-ups. Noise around it: Tom's own
    revocation, which the pack must leave out."""
    p = personas
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.member, uses_shared_credential=True)
    third = ChannelFactory(team=p.team, platform=Channel.Platform.TIKTOK, handle="@community.tt")
    shared = _grant(
        p.member, p.channel, shared_credential=True, vault_reference="1Password: Community IG"
    )
    analyst = _grant(p.member, p.other_channel, role="analyst")
    moderator = _grant(p.member, third, role="moderator")
    toms = _grant(p.teammate, p.other_channel, role="moderator")
    services.grant_revoke(grant=toms, actor=p.admin, reason="Moved team", accept_gaps=True)

    result = services.member_offboard(
        member=p.member, actor=p.admin, ended_on=timezone.localdate() - dt.timedelta(days=1),
        reason="Resigned", successor=p.foreigner, accept_gaps=True,
    )  # fmt: skip
    assert result["state"] == Offboarding.State.DONE and result["revoked_grants"] == 3
    offboarding = Offboarding.objects.get(member=p.member)
    items = list(offboarding.items.order_by("pk"))
    confirmed = items[:3]
    for item in confirmed:
        services.checklist_confirm(item=item, actor=second_admin)
    rotation = CredentialRotation.objects.get(member=p.member)
    services.rotation_confirm(rotation=rotation, actor=second_admin)
    return {
        "offboarding": offboarding, "grants": [shared, analyst, moderator], "toms": toms,
        "items": items, "confirmed": confirmed, "rotation": rotation, "third": third,
    }  # fmt: skip


def test_the_pack_lists_who_when_why_and_every_follow_up(personas, second_admin, story):
    p = personas
    offboarding = story["offboarding"]
    offboarding.refresh_from_db()
    pack = evidence_pack(offboarding)
    json.dumps(pack)  # JSON-ready as it is

    assert pack["id"] == offboarding.pk
    assert pack["state"] == "done"
    assert pack["complete"] is False  # some checklist items are still open
    assert pack["leaver"] == {
        "id": p.member.pk, "name": "Maya Member", "username": "maya",
        "team": {"id": p.team.pk, "name": "Community"},
    }  # fmt: skip
    assert pack["reason"] == "Resigned"
    assert pack["requested_by"] == {"id": p.admin.pk, "name": "Ada Admin"}
    when = pack["when"]
    assert when["ended_on"] == offboarding.ended_on.isoformat()
    assert when["scheduled_for"] is None and when["cancelled_at"] is None
    assert dt.datetime.fromisoformat(when["ran_at"]) == offboarding.ran_at
    assert dt.datetime.fromisoformat(when["created_at"]) == offboarding.created_at
    assert pack["successor"] == {
        "id": p.foreigner.pk, "name": "Fay Foreign",
        "team": {"id": p.other_team.pk, "name": "Brand"}, "other_team": True,
    }  # fmt: skip

    grants = {g["id"]: g for g in pack["grants_closed"]}
    assert set(grants) == {g.pk for g in story["grants"]}  # Tom's revocation is not here
    shared = grants[story["grants"][0].pk]
    assert shared["role"] == "publisher"
    assert shared["channel"] == {"id": p.channel.pk, "label": "Instagram @community"}
    assert shared["shared_credential"] is True
    assert shared["vault_reference"] == "1Password: Community IG"
    assert shared["revoked_by"] == {"id": p.admin.pk, "name": "Ada Admin"}
    assert shared["revoke_reason"] == "offboarding: Resigned"
    assert all(g["revoked_at"] == when["ran_at"] for g in grants.values())

    items = {i["id"]: i for i in pack["checklist"]}
    assert set(items) == {i.pk for i in story["items"]}
    # Three layers per grant, plus the shared password on the one with a shared credential.
    assert len(items) == 3 * 3 + 1
    for item in story["items"]:
        shown = items[item.pk]
        assert shown["layer"] == item.layer and shown["what"] == item.get_layer_display()
        assert shown["made_by"] == {"id": p.admin.pk, "name": "Ada Admin"}
        if item in story["confirmed"]:
            assert shown["confirmed_by"] == {"id": second_admin.pk, "name": "Ben Backup"}
            assert shown["confirmed_at"] is not None
        else:
            assert shown["confirmed_by"] is None and shown["confirmed_at"] is None

    rotation = story["rotation"]
    assert pack["rotations"] == [
        {
            "id": rotation.pk,
            "channel": {"id": p.channel.pk, "label": "Instagram @community"},
            "member": p.member.pk,
            "required_since": when["ran_at"],
            "opened_by": {"id": p.admin.pk, "name": "Ada Admin"},
            "rotated_at": rotation.rotated_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "rotated_by": {"id": second_admin.pk, "name": "Ben Backup"},
        }
    ]
    assert [(c["id"], c["label"], c["to"]) for c in pack["channels_handed_over"]] == [
        (p.channel.pk, "Instagram @community", p.foreigner.pk)
    ]
    gaps = pack["coverage_gaps"]
    assert gaps["accept_gaps"] is True
    # Maya was the only actor on @community and on the TikTok channel.
    labels = {g["label"] for g in gaps["accepted_gaps"]}
    assert {"Instagram @community", "TikTok @community.tt"} <= labels
    assert gaps["resulting_gaps"] == offboarding.resulting_gaps

    actions = [e["action"] for e in pack["audit_events"]]
    assert actions.count("member.offboarded") == 1
    assert actions.count("grant.revoked") == 3
    assert actions.count("channel.owner_changed") == 1
    assert actions.count("rotation.required") == 1
    assert actions.count("rotation.confirmed") == 1
    assert actions.count("checklist.confirmed") == 3
    toms_events = AuditEvent.objects.filter(target_type="grant", target_id=str(story["toms"].pk))
    assert not {e.pk for e in toms_events} & {e["id"] for e in pack["audit_events"]}
    ids = [e["id"] for e in pack["audit_events"]]
    assert ids == sorted(ids)
    assert pack["chain"]["first_id"] == ids[0] and pack["chain"]["last_id"] == ids[-1]
    assert pack["chain"]["rule"] == CHAIN_RULE
    assert pack["chain"]["verified_at"]

    # Never a secret: nothing in the pack but where the shared secret lives.
    assert "correct-horse" not in json.dumps(pack)


def test_the_events_are_the_chain_and_verify_from_the_json_alone(story):
    pack = evidence_pack(story["offboarding"])
    events = pack["audit_events"]
    assert events
    rows = {e.pk: e for e in AuditEvent.objects.filter(pk__in=[e["id"] for e in events])}
    for event in events:
        row = rows[event["id"]]
        assert (event["hash"], event["prev_hash"]) == (row.hash, row.prev_hash)
        assert event["actor_id"] == row.actor_id and event["actor"] == row.actor_display
        # The link: the row before it in the whole chain ends with this prev_hash.
        before = AuditEvent.objects.filter(pk__lt=row.pk).order_by("-pk").first()
        assert event["prev_hash"] == (before.hash if before else "0" * 64)
        assert event["recomputed_ok"] is True
        # An auditor with the JSON only: canonical_json over the pack's own fields.
        canonical = canonical_json(
            at=dt.datetime.fromisoformat(event["at"]), actor=event["actor_id"],
            action=event["action"], target_type=event["target_type"],
            target_id=event["target_id"], data=event["data"],
        )  # fmt: skip
        assert chain_hash(event["prev_hash"], canonical) == event["hash"]
    assert list(audit_verify()) == []
    call_command("verify_audit")  # raises CommandError on a break


def _offboard_with(personas, n_grants: int, name: str):
    p = personas
    leaver = MemberFactory(team=p.team, full_name=name)
    successor = MemberFactory(team=p.team)
    for i in range(n_grants):
        channel = ChannelFactory(team=p.team, owner=leaver if i == 0 else None)
        _grant(leaver, channel, shared_credential=i % 2 == 0)
    services.member_offboard(
        member=leaver, actor=p.admin, ended_on=timezone.localdate() - dt.timedelta(days=1),
        reason="Contract ended", successor=successor, accept_gaps=True,
    )  # fmt: skip
    offboarding = Offboarding.objects.get(member=leaver)
    item = ChecklistItem.objects.filter(offboarding=offboarding).first()
    return offboarding, item


def test_the_pack_takes_the_same_queries_whatever_its_size(
    personas, second_admin, django_assert_num_queries
):
    small, item = _offboard_with(personas, 2, "Sam Small")
    services.checklist_confirm(item=item, actor=second_admin)
    large, item = _offboard_with(personas, 12, "Lara Large")
    services.checklist_confirm(item=item, actor=second_admin)
    # The offboarding with its progress, its checklist items, the grants it closed, the
    # rotations on the shared-credential channels, the audit events, the channels handed over.
    with django_assert_num_queries(6):
        small_pack = evidence_pack(small)
    with django_assert_num_queries(6):
        large_pack = evidence_pack(large)
    assert len(small_pack["grants_closed"]) == 2 and len(large_pack["grants_closed"]) == 12
    assert len(large_pack["rotations"]) == 6
    assert len(large_pack["audit_events"]) > len(small_pack["audit_events"])


def test_a_scheduled_offboarding_has_closed_nothing_yet(personas):
    p = personas
    _grant(p.member, p.channel, shared_credential=True)
    result = services.member_offboard(
        member=p.member, actor=p.admin, ended_on=timezone.localdate() + dt.timedelta(days=10),
        reason="Moving abroad", accept_gaps=True,
    )  # fmt: skip
    assert result["state"] == Offboarding.State.SCHEDULED
    pack = evidence_pack(Offboarding.objects.get(member=p.member))
    assert pack["state"] == "scheduled" and pack["complete"] is False
    assert pack["when"]["scheduled_for"] is not None and pack["when"]["ran_at"] is None
    assert pack["grants_closed"] == [] and pack["checklist"] == [] and pack["rotations"] == []
    assert pack["successor"] is None and pack["channels_handed_over"] == []
    assert [e["action"] for e in pack["audit_events"]] == ["member.offboarding_scheduled"]
    assert pack["audit_events"][0]["recomputed_ok"] is True


def test_a_scheduled_offboarding_run_by_the_job_shows_the_system(personas):
    p = personas
    _grant(p.member, p.channel, shared_credential=True)
    services.member_offboard(
        member=p.member, actor=p.admin, ended_on=timezone.localdate() + dt.timedelta(days=3),
        reason="Moving abroad", accept_gaps=True,
    )  # fmt: skip
    assert services.offboardings_run_due(now=timezone.now() + dt.timedelta(days=5)) == 1
    pack = evidence_pack(Offboarding.objects.get(member=p.member))
    assert pack["state"] == "done"
    # Closed in the requester's name (their decision), carried out by the system.
    assert [g["revoked_by"] for g in pack["grants_closed"]] == [
        {"id": p.admin.pk, "name": "Ada Admin"}
    ]
    # The requester's change made the follow-ups: they are not theirs to confirm.
    assert {i["made_by"]["id"] for i in pack["checklist"]} == {p.admin.pk}
    assert [e["action"] for e in pack["audit_events"]][:2] == [
        "member.offboarding_scheduled", "grant.revoked",
    ]  # fmt: skip
    assert all(e["actor_id"] is None for e in pack["audit_events"][1:])


# ---- Who may read it ----


def _api_url(offboarding) -> str:
    return f"/api/v1/offboardings/{offboarding.pk}/evidence/"


def _page_url(offboarding) -> str:
    return f"/governance/offboardings/{offboarding.pk}/evidence/"


def test_only_admins_read_the_pack_over_the_api(personas, story, api, second_admin):
    p = personas
    url = _api_url(story["offboarding"])
    for admin in (p.admin, second_admin):
        response = api(admin).get(url)
        assert response.status_code == 200
        assert response.json()["id"] == story["offboarding"].pk
        assert "Content-Disposition" not in response
    for who in (p.leader, p.teammate, p.member):  # p.member is the leaver
        assert api(who).get(url).status_code == 404, who
    assert api(None).get(url).status_code == 401
    assert api(p.admin).get("/api/v1/offboardings/999999/evidence/").status_code == 404


def test_the_download_is_an_attachment(personas, story, api):
    offboarding = story["offboarding"]
    response = api(personas.admin).get(_api_url(offboarding), {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="offboarding-{offboarding.pk}-evidence.json"'
    )
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body == json.loads(json.dumps(evidence_pack(offboarding) | {"chain": body["chain"]}))


def test_the_page_shows_the_pack_to_admins(personas, story, client):
    client.force_login(personas.admin.user)
    offboarding = story["offboarding"]
    response = client.get(_page_url(offboarding))
    assert response.status_code == 200
    body = response.content.decode()
    pack = evidence_pack(offboarding)
    for heading in (
        "Summary", "Grants closed", "Checklist", "Credential rotations",
        "Successor and channels handed over", "Coverage gaps", "Audit events",
    ):  # fmt: skip
        assert f">{heading}" in body, heading
    shown = body.replace("<wbr>", "")
    for event in pack["audit_events"]:
        assert f'data-hash="{event["hash"]}"' in body
        assert event["hash"] in shown and event["prev_hash"] in shown
    assert f"/api/v1/offboardings/{offboarding.pk}/evidence/?download=1" in body
    assert "Download JSON" in body and "Ctrl+P" in body
    assert "1Password: Community IG" in body and "Fay Foreign" in body
    assert "Another team" in body
    assert "onclick" not in body


def test_the_page_shows_times_in_the_admins_time_zone(personas, story, client):
    admin = personas.admin
    admin.timezone = "Asia/Tokyo"
    admin.save(update_fields=["timezone"])
    client.force_login(admin.user)
    offboarding = story["offboarding"]
    body = client.get(_page_url(offboarding)).content.decode()
    ran = offboarding.ran_at.astimezone(admin.tz)
    assert f"{ran:%H:%M:%S}" in body
    assert "Asia/Tokyo" in body


def test_the_page_is_for_admins_only(personas, story, client):
    url = _page_url(story["offboarding"])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith("/login/")
    for who in (personas.leader, personas.teammate, personas.foreigner):
        client.force_login(who.user)
        assert client.get(url).status_code == 403, who
    client.force_login(personas.admin.user)
    assert client.get("/governance/offboardings/999999/evidence/").status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_page_reads_on_a_phone_and_prints_without_the_controls(
    personas, story, live_server, chromium
):
    from tests.conftest import ARTIFACTS, sign_in
    from tests.factories import PASSWORD

    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, "ada", PASSWORD)
        page.goto(f"{live_server.url}{_page_url(story['offboarding'])}")
        events = page.locator("#evidence-events")
        assert events.is_visible()
        # The hashes wrap inside the screen: nothing in the events list scrolls sideways.
        width = events.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert width[0] <= width[1], width
        box = page.locator("#evidence-events code.hash").first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "evidence-390.png"), full_page=True)
        page.emulate_media(media="print")
        assert not page.locator(".evidence-actions").is_visible()
        assert not page.locator("header.top").is_visible()
        assert page.locator("#evidence-events").is_visible()
    finally:
        context.close()
