"""An admin keeps access clean in a real browser (headless Chromium): health, revoke, offboard,
checklist."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance import services
from governance.models import AccessGrant, Offboarding
from socialops.audit.models import AuditEvent
from teams.models import Channel, Member
from tests.conftest import ARTIFACTS, sign_in
from tests.factories import PASSWORD, MemberFactory

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
    MemberFactory(team=None, full_name="Ben Backup", user__username="ben", role_member=False,
                  role_admin=True)  # fmt: skip

    sign_in(page, live_server, "ada", PASSWORD)
    assert page.url.endswith("/governance/")  # an admin lands on governance
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Governance").click()
    expect(page.get_by_role("heading", name="Governance")).to_be_visible()
    gaps = page.locator("#backup-gaps")
    expect(gaps).to_contain_text("Instagram @community")  # one actor where two are needed
    expect(gaps).to_contain_text("X @brand")
    _snapshot(page, "overview")

    # Revoke Tom's grant through the confirm step: he is the only one able to act on @brand,
    # so the coverage guard names the channel and asks for an explicit tick.
    page.get_by_role("navigation", name="Governance").get_by_role("link", name="Grants").click()
    expect(page.get_by_role("heading", name="Access grants")).to_be_visible()
    row = page.locator(f"#grant-{toms.pk}")
    expect(row).to_contain_text("Active")
    row.get_by_role("link", name=re.compile("^Revoke")).click()
    expect(page.get_by_role("heading", name="Tom Teammate: Moderator on X @brand")).to_be_visible()
    expect(page.locator("#coverage-gaps")).to_contain_text("X @brand")
    _snapshot(page, "revoke-confirm")
    page.get_by_label("Reason").fill("Moved to the analytics team")
    page.get_by_role("button", name="Revoke access").click()  # without the tick: refused
    expect(page.get_by_text("with nobody able to act. Tick the box")).to_be_visible()
    toms.refresh_from_db()
    assert toms.revoked_at is None
    page.get_by_label("I accept that X @brand will have nobody able to act").check()
    page.get_by_role("button", name="Revoke access").click()
    expect(page.get_by_text("Revoked Tom Teammate's Moderator access to X @brand.")).to_be_visible()
    row = page.locator(f"#grant-{toms.pk}")
    expect(row).to_contain_text("Revoked")
    expect(row).to_contain_text("Moved to the analytics team")
    expect(row.get_by_role("link", name=re.compile("^Revoke"))).to_have_count(0)
    toms.refresh_from_db()
    assert toms.status == "revoked" and toms.revoked_by == p.admin
    event = AuditEvent.objects.get(action="grant.revoked", target_id=str(toms.pk))
    assert event.data["accepted_gaps"] == [{"id": p.other_channel.pk, "label": "X @brand"}]
    _snapshot(page, "grants")

    # The revoke's follow-ups wait in the queue for an admin other than Ada.
    page.get_by_role("navigation", name="Governance").get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", name=re.compile("^Follow-ups"))).to_be_visible()
    queue = page.locator("#followups")
    expect(queue).to_contain_text("Remove Tom Teammate's role in the publishing tool for X @brand")
    expect(queue).to_contain_text("You made this change.")
    expect(queue.get_by_role("button", name=re.compile("^Confirm done"))).to_have_count(0)

    # Offboard Maya now, handing her channel to Tom; the guard asks again for @community.
    page.get_by_role("navigation", name="Governance").get_by_role("link", name="Grants").click()
    expect(page.get_by_role("heading", name="Access grants")).to_be_visible()
    page.get_by_label("Member").first.select_option(label="Maya Member")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"member={p.member.pk}"))
    page.get_by_role("link", name="Offboard Maya Member").click()
    expect(page.get_by_role("heading", name=re.compile("Offboard Maya Member"))).to_be_visible()
    expect(page.locator("#owned-channels")).to_contain_text("Instagram @community")
    expect(page.locator("#shared-credentials")).to_contain_text("1Password")
    expect(page.locator("#coverage-gaps")).to_contain_text("Instagram @community")
    _snapshot(page, "offboard")
    page.get_by_label("Reason").fill("Resigned")
    page.get_by_label("Successor").select_option(label="Tom Teammate (Community)")
    page.get_by_label("I accept that Instagram @community will have nobody able to act").check()
    page.get_by_role("button", name="Offboard Maya Member").click()
    expect(page.get_by_role("heading", name="Offboarding of Maya Member")).to_be_visible()
    expect(page.get_by_text("Offboarded Maya Member: 2 grant(s) revoked")).to_be_visible()
    status = page.locator("#offboarding-status")
    expect(status).to_contain_text("In progress (0 of 8 follow-ups confirmed)")
    # Ada requested it: the follow-ups are another admin's to confirm.
    expect(page.locator("#checklist").get_by_role("button")).to_have_count(0)
    _snapshot(page, "offboarding-started")
    maya = Member.objects.get(pk=p.member.pk)
    assert maya.status == Member.Status.DEPARTED
    assert Channel.objects.get(pk=p.channel.pk).owner_id == p.teammate.pk

    # Ben, the second admin, confirms every follow-up: the rotation, then the checklist.
    page.context.clear_cookies()
    sign_in(page, live_server, "ben", PASSWORD)
    page.goto(f"{live_server.url}/governance/")
    expect(page.locator("#followups-heading")).to_contain_text("10 not yet confirmed")
    page.locator("#offboardings").get_by_role("link", name="Maya Member").click()
    page.locator("#rotations").get_by_role("button", name=re.compile("^Confirm rotated")).click()
    expect(page.locator("#rotations")).to_contain_text("Rotated")
    expect(status).to_contain_text("In progress (1 of 8 follow-ups confirmed)")
    for n in range(2, 9):
        page.locator("#checklist").get_by_role("button", name=re.compile("^Confirm")).first.click()
        if n < 8:
            expect(status).to_contain_text(f"In progress ({n} of 8 follow-ups confirmed)")
    expect(status).to_contain_text("Complete")
    expect(page.locator("#checklist").get_by_role("button")).to_have_count(0)
    offboarding = Offboarding.objects.get(member=p.member)
    assert services.offboarding_complete(offboarding)
    page.goto(f"{live_server.url}/governance/")
    expect(page.locator(f"#offboarding-{offboarding.pk}")).to_contain_text("Complete")
    # Only the single revoke's two follow-ups are left, and Ben may confirm them.
    expect(page.locator("#followups-heading")).to_contain_text("2 not yet confirmed")
    confirm = page.locator("#followups").get_by_role("button", name=re.compile("^Confirm done"))
    for left in (1, 0):
        confirm.first.click()
        expect(page.locator("#followups-heading")).to_contain_text(f"{left} not yet confirmed")
    expect(page.locator("#followups")).to_contain_text("Nothing to follow up")
    page.locator("#offboardings").get_by_role("link", name="Maya Member").click()
    page.get_by_role("link", name="Evidence pack").click()
    expect(page.get_by_role("heading", name=re.compile("Evidence"))).to_be_visible()
    _snapshot(page, "evidence")


def test_admin_schedules_changes_and_cancels_an_offboarding(personas, live_server, page):
    p = personas
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.member)
    _grant(p.member, p.channel, "publisher")
    _grant(p.teammate, p.channel, "publisher")
    last_day = timezone.localdate() + dt.timedelta(days=45)
    sign_in(page, live_server, "ada", PASSWORD)
    page.goto(f"{live_server.url}/governance/members/{p.member.pk}/offboard/")
    page.get_by_label("Last day").fill(last_day.isoformat())
    page.get_by_label("Reason").fill("New job abroad")
    page.get_by_label("Successor").select_option(label="Fay Foreign (Brand · other team)")
    page.get_by_role("button", name="Offboard Maya Member").click()
    expect(
        page.get_by_text("Scheduled: Maya Member keeps working until the end of")
    ).to_be_visible()
    scheduled = page.locator("#scheduled")
    expect(scheduled).to_contain_text(f"Leaving on {last_day:%A} {last_day.day} {last_day:%B}")
    maya = Member.objects.select_related("user").get(pk=p.member.pk)
    assert maya.status == "active" and maya.user.is_active  # still working
    _snapshot(page, "offboarding-scheduled")

    # Change the last day: the form shows the schedule, a new date replaces it.
    later = last_day + dt.timedelta(days=7)
    expect(page.get_by_label("Reason")).to_have_value("New job abroad")
    page.get_by_label("Last day").fill(later.isoformat())
    page.get_by_role("button", name="Save the new schedule").click()
    expect(scheduled).to_contain_text(f"Leaving on {later:%A} {later.day} {later:%B}")
    assert Offboarding.objects.get(member=p.member).ended_on == later

    # The leader sees it on the team dashboard.
    page.goto(f"{live_server.url}/governance/")
    expect(page.locator("#offboardings")).to_contain_text("Scheduled")

    # Cancel: Maya stays, with her access.
    page.goto(f"{live_server.url}/governance/members/{p.member.pk}/offboard/")
    page.get_by_role("button", name="Cancel the offboarding").click()
    expect(page.get_by_text("Cancelled Maya Member's offboarding")).to_be_visible()
    expect(page.locator("#scheduled")).to_have_count(0)
    assert Offboarding.objects.get(member=p.member).state == "cancelled"
    assert AccessGrant.objects.filter(member=p.member, revoked_at__isnull=True).count() == 1

    # Phone width: the offboard page does not scroll sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


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
