"""A member answers the weekly pulse and shares their score, in a real browser (headless
Chromium)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import sign_in
from tests.factories import PASSWORD
from workload.dates import day_label
from workload.models import PulseResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Item number → the label clicked (item 4 is skipped): 75, 50, 50, —, 75, 50, 75.
CHOICES = {
    1: "Often",
    2: "Sometimes",
    3: "Sometimes",
    5: "To a high degree",
    6: "Somewhat",
    7: "To a high degree",
}


def _item(page, number: int):
    return page.get_by_role("group", name=re.compile(rf"^{number}\. "))


def test_member_answers_the_pulse_and_shares_the_score(personas, live_server, page):
    member = personas.member
    today = member.today()
    monday = today - dt.timedelta(days=today.weekday())

    sign_in(page, live_server, "maya", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pulse").click()
    expect(page).to_have_url(re.compile(r"/pulse/$"))
    expect(page.get_by_role("heading", name="Weekly pulse")).to_be_visible()
    expect(page.get_by_text("Your answers are seen by you alone")).to_be_visible()
    expect(page.get_by_label("Week starting")).to_have_value(monday.isoformat())
    expect(page.get_by_text("No answers in the last 8 weeks.")).to_be_visible()

    for number, label in CHOICES.items():
        _item(page, number).get_by_text(label, exact=True).click()
    for number, label in CHOICES.items():
        expect(_item(page, number).get_by_label(label, exact=True)).to_be_checked()
    expect(_item(page, 4).get_by_label("Skip")).to_be_checked()

    page.get_by_role("button", name="Save my answers").click()
    page.wait_for_load_state("networkidle")
    # (75 + 50 + 50 + 75 + 50 + 75) / 6 = 62.5
    expect(page.get_by_role("status")).to_contain_text(
        f"Pulse saved for the week of {day_label(monday, timezone.localdate())}. Your score: 63."
    )
    expect(page.get_by_text("You answered this week already")).to_be_visible()
    expect(_item(page, 1).get_by_label("Often", exact=True)).to_be_checked()
    history = page.get_by_role("region", name="My recent answers")
    row = history.get_by_role("row").filter(has_text=day_label(monday, today))
    expect(row).to_contain_text("6 of 7")
    expect(row).to_contain_text("63")  # 62.5, whole (half-up) on pages
    pulse = PulseResponse.objects.get()
    assert (pulse.member_id, pulse.week) == (member.pk, monday)
    assert pulse.answers == [75, 50, 50, None, 75, 50, 75]

    # Sharing: off by default, switched on by one button.
    sharing = page.get_by_role("region", name="Share with my leader")
    expect(sharing).to_contain_text("Your leader sees only your objective workload strain.")
    sharing.get_by_role("button", name="Share my pulse score").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Your leader now sees your pulse-based score.")).to_be_visible()
    sharing = page.get_by_role("region", name="Share with my leader")
    expect(sharing).to_contain_text("Your leader sees your pulse-based score and blended")
    expect(sharing.get_by_role("button", name="Stop sharing")).to_be_visible()
    member.refresh_from_db()
    assert member.share_pulse_with_leader is True
