"""Leaders and members on the dashboards in a real browser (headless Chromium, live server)."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, sign_in
from tests.factories import PASSWORD, MemberFactory
from tests.workload.test_dashboards import _score, _snapshot
from workload.models import BurnoutScore, StaffingSnapshot
from workload.services import jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _figures(personas, *, computed_days_ago: int = 2):
    """Yesterday's figures as if computed two days ago: Maya overloaded, Tom fine."""
    as_of = jobs.default_as_of()
    then = timezone.now() - dt.timedelta(days=computed_days_ago)
    _snapshot(personas.team, as_of=as_of, computed_at=then, backup_gaps=[
        {"channel": personas.channel.pk, "name": "Community on Instagram",
         "platform": "instagram", "handle": "@community", "actors": 0, "min_backup": 2},
    ])  # fmt: skip
    _score(personas.member, as_of=as_of, computed_at=then)
    _score(personas.teammate, as_of=as_of, computed_at=then, wsi=18, wsi_band="low", risk=20,
           band="low", wrb=None, mode="objective_only", band_overrides=[],
           contributions={"long_hours": 10.0, "after_hours": 8.0})  # fmt: skip
    return as_of


def test_leader_reads_the_dashboard_drills_into_a_member_and_recomputes(
    personas, live_server, page, eager_celery
):
    _figures(personas)
    sign_in(page, live_server, "leo", PASSWORD)
    assert page.url.endswith("/dashboard/")  # a leader's landing page
    expect(page.get_by_role("heading", name="Community")).to_be_visible()
    expect(page.locator("#gap-fte")).to_have_text("+1.9")
    expect(page.locator("#headcount-sentence")).to_contain_text("Community needs 1.9 more FTE")
    expect(page.locator("#backup-gaps")).to_contain_text("Community on Instagram")
    expect(page.locator("#pulse-aggregate")).to_contain_text("Pulse results are withheld")
    _shot(page, "dashboard-team")

    # Drill into Maya's factor breakdown from the members table.
    page.locator("#table-members").get_by_role("link", name="Maya Member").click()
    expect(page.get_by_role("heading", name="Maya Member")).to_be_visible()
    expect(page.locator("#drivers")).to_have_text(
        "52 h/week, 11 days in a row, 3 short rests, 4 of 8 rest days worked"
    )
    factors = page.locator("#table-factors")
    expect(factors).to_contain_text("Long hours")
    expect(factors).to_contain_text("no week off for 200 days")
    expect(page.get_by_text("not shared with you")).to_be_visible()
    _shot(page, "dashboard-member")

    # Back to the team, and recompute: the computed-at time changes.
    page.get_by_role("link", name="← Community dashboard").click()
    before = page.locator(".computed-at").inner_text()
    page.get_by_role("button", name="Recompute now").click()
    expect(page.locator("#job-progress")).to_contain_text("Recomputed")
    expect(page.locator(".computed-at")).not_to_have_text(before)
    snapshot = StaffingSnapshot.objects.get(team=personas.team, as_of=jobs.default_as_of())
    assert snapshot.computed_at > timezone.now() - dt.timedelta(minutes=5)
    assert re.search(r"\?job=[0-9a-f-]{36}", page.url)
    _shot(page, "dashboard-team-recomputed")

    page.get_by_role("link", name="Organisation overview").click()
    expect(page.get_by_role("heading", name="Organisation overview")).to_be_visible()
    expect(page.locator("#table-teams")).to_contain_text("withheld")
    sorts = page.get_by_role("navigation", name="Sort teams")
    sorts.get_by_role("link", name="After-hours share").click()
    expect(page).to_have_url(re.compile(r"sort=-after_hours"))
    expect(sorts.get_by_role("link", name="After-hours share (highest first)")).to_be_visible()
    _shot(page, "dashboard-org")


def test_member_is_kept_out_of_leader_pages_and_sees_their_own(personas, live_server, page):
    _figures(personas)
    sign_in(page, live_server, "maya", PASSWORD)
    team = page.goto(f"{live_server.url}/dashboard/teams/{personas.team.pk}/")
    assert team.status == 403
    other = page.goto(f"{live_server.url}/dashboard/members/{personas.teammate.pk}/")
    assert other.status == 403  # no leader role: 403 on every leader page (docs/privacy.md)
    me = page.goto(f"{live_server.url}/me/")
    assert me.status == 200
    expect(page.get_by_role("heading", name="My dashboard")).to_be_visible()
    expect(page.locator("#blended")).to_contain_text("72")  # my own blended risk
    expect(page.locator("#drivers")).to_contain_text("52 h/week")
    _shot(page, "dashboard-me")


def test_a_member_leading_another_team_gets_404_for_a_member_outside_it(
    personas, live_server, page
):
    _figures(personas)
    fay = personas.foreigner
    fay.role_leader = True
    fay.save()
    personas.other_team.leaders.add(fay)
    sign_in(page, live_server, "fay", PASSWORD)
    response = page.goto(f"{live_server.url}/dashboard/members/{personas.member.pk}/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/dashboard/teams/{personas.team.pk}/")
    assert response.status == 404


def test_a_team_of_four_withholds_the_pulse_aggregate(personas, live_server, page):
    as_of = _figures(personas)
    for _ in range(2):
        _score(MemberFactory(team=personas.team), as_of=as_of)  # four with a pulse
    assert BurnoutScore.objects.filter(member__team=personas.team, wrb__isnull=False).count() == 3
    BurnoutScore.objects.filter(member=personas.teammate).update(wrb=50)
    sign_in(page, live_server, "leo", PASSWORD)
    aggregate = page.locator("#pulse-aggregate")
    expect(aggregate).to_contain_text(
        "Pulse results are withheld to protect individuals: fewer than 5 people answered."
    )
    expect(aggregate).not_to_contain_text("Mean pulse score")
    _shot(page, "dashboard-team-withheld")
