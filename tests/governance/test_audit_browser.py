"""An admin reads the audit log in a real browser (headless Chromium): names beside ids,
filters by actor, action, date and kind, the CSV download, and "Verify now"."""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance import services
from socialops.audit.models import AuditVerification
from socialops.audit.services import audit_append
from tests.conftest import ARTIFACTS, sign_in
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def _snapshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"audit-{name}.png"), full_page=True)


def _filter(page, pattern: str) -> None:
    """Submit the filters and wait for htmx to push the new URL."""
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(pattern))


def test_admin_reads_filters_exports_and_verifies_the_audit_log(personas, live_server, page):
    p = personas
    grant = services.grant_create(
        actor=p.admin, member=p.member, channel=p.channel, role="publisher",
        justification="Weekend rota",
    )  # fmt: skip
    audit_append(actor=None, action="auth.login_failed", target_type="user", target_id="maya")
    read = audit_append(actor=p.leader.user, action="score.read", target_type="member",
                        target_id=p.member.pk, data={"via": "page"})  # fmt: skip
    today = timezone.localdate()

    sign_in(page, live_server, "ada", PASSWORD)
    page.goto(f"{live_server.url}/governance/audit/")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    events = page.locator("#audit-events")
    # Names beside the ids: who acted and on what.
    expect(events).to_contain_text("Ada Admin")
    expect(events).to_contain_text("Grant: Publisher on Instagram @community for Maya Member")
    expect(events).to_contain_text(f"grant:{grant.pk}")
    expect(events).to_contain_text("User: Maya Member")
    expect(events).not_to_contain_text("score.read")  # changes by default
    _snapshot(page, "log")

    # By actor: the admin's own changes.
    page.get_by_label("Actor").select_option(label=f"Ada Admin (user {p.admin.user_id})")
    _filter(page, rf"actor={p.admin.user_id}")
    expect(events).to_contain_text("grant.created")
    expect(events).not_to_contain_text("auth.login_failed")

    # By action (a prefix) and a date range in the admin's time zone.
    page.get_by_label("Actor").select_option(label="Anyone")
    page.get_by_label("Action").fill("auth")
    page.get_by_label("From", exact=True).fill(today.isoformat())
    page.get_by_label("To", exact=True).fill(today.isoformat())
    _filter(page, r"action=auth.*date_to=")
    expect(events).to_contain_text("auth.login_failed")
    expect(events).not_to_contain_text("grant.created")
    page.get_by_label("From", exact=True).fill((today + dt.timedelta(days=1)).isoformat())
    page.get_by_label("To", exact=True).fill((today + dt.timedelta(days=2)).isoformat())
    _filter(page, rf"date_from={today + dt.timedelta(days=1)}")
    expect(events).to_contain_text("No events match.")

    # Reads of others' data: the leader's score read.
    page.get_by_role("link", name="Clear").click()
    expect(page).to_have_url(re.compile(r"/governance/audit/$"))
    page.get_by_label("Kind").select_option(label="Reads of others' data")
    _filter(page, r"kind=read")
    expect(events).to_contain_text("score.read")
    expect(events).to_contain_text("Leo Leader")
    expect(events).to_contain_text("Member: Maya Member")
    expect(events).not_to_contain_text("grant.created")
    _snapshot(page, "reads")

    # The CSV holds what the filters select.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download CSV")).click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["id"], r["actor_name"], r["target_label"]) for r in rows] == [
        (str(read.pk), "Leo Leader", "Member: Maya Member")
    ]

    # Verify the chain now and see the result.
    panel = page.locator("#audit-verification")
    expect(panel).to_contain_text("The chain has not been verified yet.")
    page.get_by_role("button", name="Verify now").click()
    expect(page.get_by_text("Audit chain verified: 3 rows, no break.")).to_be_visible()
    expect(panel).to_contain_text("Intact")
    expect(panel).to_contain_text("3 rows, no break")
    expect(page).to_have_url(re.compile(r"kind=read"))  # back to the same filters
    assert AuditVerification.objects.get().source == "page"
    _snapshot(page, "verified")
