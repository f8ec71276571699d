"""An admin keeps access clean in a real browser (headless Chromium): health, revoke, offboard,
checklist."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance import services
from governance.models import AccessGrant, Offboarding
from teams.models import Channel, Member
from tests.conftest import ARTIFACTS, sign_in
from tests.factories import PASSWORD

# Until socialops/urls.py includes governance.urls, the test URLconf adds the pages.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _snapshot(page, name: str) -> None:
    """A screenshot of a step on the way (the page fixture saves the last page)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"governance-{name}.png"), full_page=True)


def _grant(member, channel, role, **fields) -> AccessGrant:
    now = timezone.now()
    return AccessGrant.objects.create(
        member=member, channel=channel, role=role, justification="Rota",
        granted_at=now, approved_at=now, **fields,
    )  # fmt: skip


def test_admin_revokes_a_grant_and_offboards_a_leaver(personas, live_server, page, eager_celery):
    # eager_celery: the outbox relay runs in-process after each commit, as without Redis.
    p = personas
    # Maya owns @community and knows its shared password; Tom moderates @brand.
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.member, uses_shared_credential=True)
    _grant(p.member, p.channel, "publisher", shared_credential=True, vault_reference="1Password")
    _grant(p.member, p.other_channel, "analyst")
    toms = _grant(p.teammate, p.other_channel, "moderator")

    sign_in(page, live_server, "ada", PASSWORD)
    assert page.url.endswith("/governance/")  # an admin lands on governance
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Governance").click()
    expect(page.get_by_role("heading", name="Governance")).to_be_visible()
    gaps = page.locator("#backup-gaps")
    expect(gaps).to_contain_text("Instagram @community")  # one actor where two are needed
    expect(gaps).to_contain_text("X @brand")
    _snapshot(page, "overview")

    # Revoke Tom's grant through the confirm step.
    page.get_by_role("navigation", name="Governance").get_by_role("link", name="Grants").click()
    expect(page.get_by_role("heading", name="Access grants")).to_be_visible()
    row = page.locator(f"#grant-{toms.pk}")
    expect(row).to_contain_text("Active")
    row.get_by_role("link", name=re.compile("^Revoke")).click()
    expect(page.get_by_role("heading", name="Tom Teammate: Moderator on X @brand")).to_be_visible()
    _snapshot(page, "revoke-confirm")
    page.get_by_label("Reason").fill("Moved to the analytics team")
    page.get_by_role("button", name="Revoke access").click()
    expect(page.get_by_text("Revoked Tom Teammate's Moderator access to X @brand.")).to_be_visible()
    row = page.locator(f"#grant-{toms.pk}")
    expect(row).to_contain_text("Revoked")
    expect(row).to_contain_text("Moved to the analytics team")
    expect(row.get_by_role("link", name=re.compile("^Revoke"))).to_have_count(0)
    toms.refresh_from_db()
    assert toms.status == "revoked" and toms.revoked_by == p.admin
    _snapshot(page, "grants")

    # Offboard Maya, handing her channel to Tom.
    page.get_by_label("Member").first.select_option(label="Maya Member")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"member={p.member.pk}"))
    page.get_by_role("link", name="Offboard Maya Member").click()
    expect(page.get_by_role("heading", name=re.compile("Offboard Maya Member"))).to_be_visible()
    expect(page.locator("#owned-channels")).to_contain_text("Instagram @community")
    expect(page.locator("#shared-credentials")).to_contain_text("1Password")
    _snapshot(page, "offboard")
    page.get_by_label("Reason").fill("Resigned")
    page.get_by_label("Successor").select_option(label="Tom Teammate")
    page.get_by_role("button", name="Offboard Maya Member").click()
    expect(page.get_by_role("heading", name="Offboarding of Maya Member")).to_be_visible()
    expect(page.get_by_text("Offboarded Maya Member: 2 grant(s) revoked")).to_be_visible()
    status = page.locator("#offboarding-status")
    expect(status).to_contain_text("In progress (0 of 7 confirmed)")
    _snapshot(page, "offboarding-started")
    maya = Member.objects.get(pk=p.member.pk)
    assert maya.status == Member.Status.DEPARTED
    assert Channel.objects.get(pk=p.channel.pk).owner_id == p.teammate.pk

    # Confirm the shared password's rotation, then every checklist item until complete.
    page.locator("#rotations").get_by_role("button", name=re.compile("^Confirm rotated")).click()
    expect(page.locator("#rotations")).to_contain_text("Rotated")
    for n in range(1, 8):
        page.locator("#checklist").get_by_role("button", name=re.compile("^Confirm")).first.click()
        if n < 7:
            expect(status).to_contain_text(f"In progress ({n} of 7 confirmed)")
    expect(status).to_contain_text("Complete")
    expect(page.locator("#checklist").get_by_role("button")).to_have_count(0)
    offboarding = Offboarding.objects.get(member=p.member)
    assert not offboarding.items.filter(confirmed_at__isnull=True).exists()


def test_admin_reads_the_channel_register_and_the_audit_log(personas, live_server, page):
    services.grant_create(
        actor=personas.admin, member=personas.member, channel=personas.channel, role="publisher",
        justification="Weekend rota",
    )  # fmt: skip
    sign_in(page, live_server, "ada", PASSWORD)
    page.goto(f"{live_server.url}/governance/channels/")
    row = page.locator(f"#channel-{personas.channel.pk}")
    expect(row).to_contain_text("1 of 2 needed")
    expect(row).to_contain_text("backup gap")
    _snapshot(page, "channels")

    page.get_by_role("navigation", name="Governance").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_text("manage.py verify_audit")).to_be_visible()
    events = page.locator("#audit-events")
    expect(events).to_contain_text("grant.created")
    # Each filter is a GET (htmx swaps the page and pushes its URL): wait for that URL before
    # the next step, so a step never reads the page it left.
    for action, shown in (("auth", "No events match."), ("grant", "grant.created")):
        page.get_by_label("Action").fill(action)
        page.get_by_role("button", name="Filter").click()
        expect(page).to_have_url(re.compile(rf"action={action}"))
        expect(events).to_contain_text(shown)
    expect(events).to_contain_text("ada")
