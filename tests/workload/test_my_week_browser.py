"""A member logs a day's work on My week in a real browser (headless Chromium)."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import sign_in
from tests.factories import PASSWORD
from workload.models import TaskLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_logs_edits_and_deletes_work(personas, live_server, page):
    sign_in(page, live_server, "maya", PASSWORD)
    assert page.url.endswith("/log/")
    expect(page.get_by_role("heading", name="My week")).to_be_visible()

    form = page.get_by_role("region", name="Log work")  # the timer card has its own fields
    # A bad duration is explained next to the field and nothing is saved.
    form.get_by_label("Duration").fill("a while")
    form.get_by_label("Category").select_option("community_management")
    page.get_by_role("button", name="Log it").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("is not a duration")).to_be_visible()
    assert not TaskLog.objects.exists()

    # The same form, corrected: 1h30 from 17:00 on the member's channel.
    form.get_by_label("Duration").fill("1h30")
    form.get_by_label("Start time").fill("17:00")
    form.get_by_label("Channel").select_option(label=str(personas.channel))
    form.get_by_label("Messages").fill("25")
    form.get_by_label("Hostile").fill("2")
    form.get_by_label("Note").fill("Evening DMs")
    page.get_by_role("button", name="Log it").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Logged 1h30 of Community management")).to_be_visible()
    log = TaskLog.objects.get()
    assert (log.minutes, log.messages_handled, log.hostile_messages) == (90, 25, 2)
    today = page.locator("tbody.today")
    expect(today).to_contain_text("Total 1h30")
    expect(today).to_contain_text("Evening DMs")

    # Edit it to 2h.
    today.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name=re.compile("Edit entry"))).to_be_visible()
    expect(page.get_by_label("Duration")).to_have_value("1h30")
    page.get_by_label("Duration").fill("2h")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Entry updated")).to_be_visible()
    expect(page.locator("tbody.today")).to_contain_text("Total 2h")
    log.refresh_from_db()
    assert log.minutes == 120

    # Delete it (htmx asks for confirmation; accept it).
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tbody.today").get_by_role("button", name="Delete").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("deleted")).to_be_visible()
    assert not TaskLog.objects.exists()


def test_member_records_leave(personas, live_server, page):
    sign_in(page, live_server, "maya", PASSWORD)
    today = personas.member.today().isoformat()
    expect(page.get_by_label("Start date")).to_have_value(today)  # prefilled with today
    page.get_by_label("End date").fill(today)
    page.get_by_label("Kind").select_option("sick")
    page.get_by_role("button", name="Record leave").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Leave recorded")).to_be_visible()
    expect(page.locator("tbody.today")).to_contain_text("Sick")


def test_three_entries_for_yesterday_need_the_date_typed_once(personas, live_server, page):
    yesterday = personas.member.today() - dt.timedelta(days=1)
    sign_in(page, live_server, "maya", PASSWORD)
    form = page.get_by_role("region", name="Log work")
    form.get_by_label("Date").fill(yesterday.isoformat())
    for n, (duration, start) in enumerate((("30m", "09:00"), ("45m", "10:00"), ("1h", "11:00"))):
        if n:  # the form kept yesterday and put the cursor in the duration
            expect(form.get_by_label("Date")).to_have_value(yesterday.isoformat())
            expect(form.get_by_label("Duration")).to_be_focused()
        form.get_by_label("Duration").fill(duration)
        form.get_by_label("Category").select_option("publishing")
        form.get_by_label("Start time").fill(start)
        form.get_by_label("Duration").press("Enter")  # Enter submits
        expect(page.get_by_text(f"Logged {duration} of Publishing")).to_be_visible()
    assert TaskLog.objects.filter(date=yesterday).count() == 3
    assert not TaskLog.objects.exclude(date=yesterday).exists()


def test_keyboard_shortcuts_and_duplicate(personas, live_server, page):
    today = personas.member.today()
    sign_in(page, live_server, "maya", PASSWORD)
    form = page.get_by_role("region", name="Log work")
    date = form.get_by_label("Date")
    expect(date).to_have_value(today.isoformat())
    page.locator("body").click(position={"x": 5, "y": 5})  # nothing focused: shortcuts work
    page.keyboard.press("[")
    page.keyboard.press("[")
    expect(date).to_have_value((today - dt.timedelta(days=2)).isoformat())
    page.keyboard.press("]")
    expect(date).to_have_value((today - dt.timedelta(days=1)).isoformat())
    page.keyboard.press("]")
    page.keyboard.press("]")  # never past today (the field's max)
    expect(date).to_have_value(today.isoformat())
    page.keyboard.press("n")
    duration = form.get_by_label("Duration")
    expect(duration).to_be_focused()
    page.keyboard.type("45m")  # typed into the field: no shortcut fires
    expect(duration).to_have_value("45m")
    expect(date).to_have_value(today.isoformat())
    form.get_by_label("Category").select_option("publishing")
    duration.press("Enter")
    expect(page.get_by_text("Logged 45m of Publishing")).to_be_visible()

    # Duplicate it: one more entry per press, on the same day.
    page.locator("tbody.today").get_by_role("button", name="Duplicate").first.click()
    expect(page.get_by_text("Logged 45m of Publishing")).to_be_visible()
    expect(page.locator("tbody.today")).to_contain_text("Total 1h30")
    assert TaskLog.objects.filter(member=personas.member, date=today).count() == 2
