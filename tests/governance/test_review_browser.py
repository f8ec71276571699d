"""An access review in a real browser (headless Chromium): an admin opens a campaign, a
channel owner who is not an admin works through "My reviews" (keep, keep all, a revoke
that meets the coverage guard) and the campaign's progress shows it."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import AccessGrant, AccessReview, AccessReviewItem
from socialops.audit.models import AuditEvent
from teams.models import Channel
from tests.conftest import ARTIFACTS, sign_in
from tests.factories import PASSWORD, ChannelFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Nothing inside the page's content reaches past the viewport, and the content does not
# scroll sideways (a wide table scrolls inside its own box).
MAIN_FITS = """() => {
  const main = document.querySelector("main");
  const wide = [...main.querySelectorAll("*")].filter(
    (el) => !el.closest(".table-wrap") && el.getBoundingClientRect().right > window.innerWidth + 1
  );
  return main.scrollWidth <= main.clientWidth + 1 && wide.length === 0;
}"""
PAGE_FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def _snapshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reviews-{name}.png"), full_page=True)


def _grant(member, channel, role="publisher") -> AccessGrant:
    now = timezone.now()
    return AccessGrant.objects.create(
        member=member, channel=channel, role=role, justification="Rota",
        granted_at=now, approved_at=now,
    )  # fmt: skip


def test_a_campaign_from_creation_to_decisions(personas, live_server, page, chromium):
    p = personas
    # Tom, a plain member, owns @community and @solo; Maya alone can act on @solo.
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.teammate)
    solo = ChannelFactory(team=p.team, platform=Channel.Platform.TIKTOK, handle="@solo",
                          owner=p.teammate)  # fmt: skip
    keep_one = _grant(p.member, p.channel)
    _grant(p.leader, p.channel, "moderator")
    _grant(p.admin, p.channel, "analyst")
    only = _grant(p.member, solo)
    _grant(p.foreigner, p.other_channel)  # another team: out of the campaign's scope

    # The admin opens a campaign over the Community team.
    sign_in(page, live_server, "ada", PASSWORD)
    page.goto(f"{live_server.url}/governance/")
    page.get_by_role("navigation", name="Governance").get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name=re.compile("^Access reviews"))).to_be_visible()
    page.get_by_label("Name").fill("Autumn review")
    page.get_by_label("Only the teams and channels ticked below").check()
    page.get_by_role("group", name="Teams").get_by_label("Community").check()
    _snapshot(page, "create")
    page.get_by_role("button", name="Open the campaign").click()
    expect(
        page.get_by_text("Opened the campaign Autumn review: 4 grant(s) to review.")
    ).to_be_visible()
    expect(page.locator("#progress-decided")).to_have_text("0 of 4")
    review = AccessReview.objects.get()
    assert list(review.teams.all()) == [p.team]
    page.get_by_role("button", name="Sign out").click()

    # Tom works through My reviews on a phone.
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        sign_in(phone, live_server, "tom", PASSWORD)
        phone.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
        expect(phone.get_by_role("heading", name=re.compile("^My reviews"))).to_be_visible()
        assert phone.evaluate(MAIN_FITS)
        expect(phone.locator(".review-group")).to_have_count(2)

        phone.get_by_role(
            "button", name="Keep Maya Member's Publisher on Instagram @community"
        ).click()
        expect(
            phone.get_by_text("Kept Maya Member's Publisher on Instagram @community.")
        ).to_be_visible()
        phone.get_by_role(
            "button", name="Keep all on this channel for Instagram @community in Autumn review"
        ).click()
        expect(
            phone.get_by_text("Kept 2 grant(s) on Instagram @community in Autumn review.")
        ).to_be_visible()

        # Revoking Maya on @solo would leave nobody able to act: the guard asks for the tick.
        words = "Maya Member's Publisher on TikTok @solo"
        phone.get_by_label(f"Reason for revoking {words}").fill("Rota ended")
        phone.get_by_role("button", name=f"Revoke {words}").click()
        expect(phone.locator("#coverage-gaps")).to_contain_text("TikTok @solo")
        acceptance = phone.get_by_label("I accept that TikTok @solo will have nobody able to act")
        expect(acceptance).to_be_visible()
        assert phone.evaluate(MAIN_FITS)
        _snapshot(phone, "guard-390")
        only.refresh_from_db()
        assert only.revoked_at is None
        acceptance.check()
        phone.get_by_role("button", name=f"Revoke anyway {words}").click()
        expect(phone.get_by_text(f"Revoked {words}.")).to_be_visible()
        expect(phone.get_by_role("heading", name="Nothing to review")).to_be_visible()
        assert phone.evaluate(MAIN_FITS)
        _snapshot(phone, "done-390")
    finally:
        context.close()

    only.refresh_from_db()
    assert only.status == "revoked" and only.revoked_by_id == p.teammate.pk
    assert AccessReviewItem.objects.get(review=review, grant=keep_one).decision == "keep"
    event = AuditEvent.objects.get(action="grant.revoked", target_id=str(only.pk))
    assert event.data["accepted_gaps"] == [{"id": solo.pk, "label": "TikTok @solo"}]

    # The admin sees the progress: Tom decided all four of his items.
    sign_in(page, live_server, "ada", PASSWORD)
    page.goto(f"{live_server.url}/governance/reviews/{review.pk}/")
    expect(page.locator("#progress-decided")).to_have_text("4 of 4")
    expect(page.locator("#by-reviewer")).to_contain_text("Tom Teammate")
    expect(page.locator("#by-reviewer")).to_contain_text("4 of 4")


def test_my_reviews_does_not_scroll_sideways_at_390_px(personas, live_server, chromium):
    p = personas
    Channel.objects.filter(pk=p.channel.pk).update(owner=p.teammate)
    _grant(p.member, p.channel)
    from governance import reviews

    reviews.review_create(actor=p.admin, name="Autumn review", deadline=timezone.localdate())
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    try:
        sign_in(phone, live_server, "tom", PASSWORD)
        phone.goto(f"{live_server.url}/reviews/")
        expect(phone.get_by_role("heading", name=re.compile("^My reviews"))).to_be_visible()
        assert phone.evaluate(MAIN_FITS)
        assert phone.evaluate(PAGE_FITS)
    finally:
        context.close()
