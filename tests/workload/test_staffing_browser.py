"""A leader reads the staffing figure's explanation on the demo organisation in a real browser
(docs/scoring.md Part 3): drivers, what relaxing a target saves, delivered coverage, measured
absence and coverage ahead; and a team of one's leave gap, for the leader and the member."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from socialops.management.commands.seed_demo import DEMO_PASSWORD
from teams.models import Member, Team
from tests.conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=io.StringIO())
    return {t.name: t for t in Team.objects.all()}


def test_a_leader_sees_why_the_community_gap_is_what_it_is(seeded, live_server, page):
    community = seeded["Community"]
    sign_in(page, live_server, "leo", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dashboard/teams/{community.pk}/")

    # The headcount sentence names the largest driver with its share of the FTE required.
    sentence = page.locator("#headcount-sentence")
    expect(sentence).to_contain_text(
        re.compile(r"Of the \d+\.\d FTE required, \d+\.\d FTE is X @HalcyonHelp's 24/7 "
                   r"one-hour reply target")
    )  # fmt: skip
    expect(sentence).to_contain_text("Relaxing one target saves the most")
    expect(sentence).to_contain_text(re.compile(r"Today someone covers \d+ % of the seat-hours"))

    # Drivers: a chart and its table, the X inbox first.
    drivers = page.locator("#table-drivers")
    expect(drivers.locator("tbody tr").first).to_contain_text("X @HalcyonHelp")
    expect(page.locator("#drivers svg[role=img]")).to_be_visible()

    # What relaxing a target saves: both changes for the always-on inbox.
    what_if = page.locator("#table-what-if")
    expect(what_if).to_contain_text("Reply target × 4 (4 hours)")
    expect(what_if).to_contain_text("Answer only in the staffed hours")

    # Delivered today, well under what the 24/7 target implies.
    delivered = page.locator("#table-delivered tbody tr").first
    expect(delivered).to_contain_text("X @HalcyonHelp")
    share = int(re.search(r"(\d+) %", delivered.inner_text()).group(1))
    assert share < 80
    expect(delivered).to_contain_text("Mon 00:00")  # nights nobody covers

    # Measured absence beside the 30 % allowance, with its reading.
    expect(page.locator("#absence-reading")).to_contain_text("below the 30 % allowance")
    expect(page.locator("#table-absence")).to_contain_text("Measured, last 12 months")

    # Coverage ahead names the leave that thins a channel out.
    ahead = page.locator("#table-coverage-ahead")
    expect(ahead).to_contain_text("TikTok @halcyonhelp")
    expect(ahead).to_contain_text("Callum Reid on leave")
    _shot(page, "staffing-explained")

    # Every explained figure downloads as CSV, percentages as numbers.
    csv = page.request.get(
        f"{live_server.url}/dashboard/teams/{community.pk}/csv/delivered/"
    ).text()
    header, row = csv.splitlines()[:2]
    assert header.startswith("Channel,Seat-hours required per week")
    assert re.search(r",\d+,\d+,", row) and "%" not in row

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#table-what-if")).to_be_visible()
    _no_sideways_scroll(page)
    _shot(page, "staffing-explained-phone")


def test_a_team_of_one_s_leave_gap(seeded, live_server, page):
    apac = seeded["Social Care APAC"]
    mei = Member.objects.get(user__username="mei")
    sign_in(page, live_server, "ravi", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/dashboard/teams/{apac.pk}/")
    expect(page.locator("#team-of-one")).to_contain_text("A team of one")
    ahead = page.locator("#table-coverage-ahead")
    expect(ahead.locator("tbody tr")).to_have_count(6)  # every one of the team's channels
    expect(ahead).to_contain_text("Mei Lin Tan on leave")
    _shot(page, "team-of-one")

    page.goto(f"{live_server.url}/dashboard/members/{mei.pk}/")
    gap = page.locator("#leave-gap")
    expect(gap).to_contain_text("nobody else can act on")
    expect(gap).to_contain_text("X @HalcyonHelpAPAC")

    page.context.clear_cookies()
    sign_in(page, live_server, "mei", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/me/")
    gap = page.locator("#leave-gap")
    expect(gap).to_contain_text("While you are away")
    expect(gap).to_contain_text("X @HalcyonHelpAPAC")
    _shot(page, "team-of-one-me")
