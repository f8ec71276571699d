"""My week offline, in a real browser (headless Chromium): the service worker serves the
cached page, entries logged offline wait on the device and are sent once, with their own
Idempotency-Key, when the connection is back (docs/offline.md)."""

import pytest
from playwright.sync_api import expect

from tests.conftest import sign_in
from tests.factories import PASSWORD
from workload.models import TaskLog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class _Localhost:
    """Service workers need a secure context: http://localhost is one, 127.0.0.1 may not be
    treated as one everywhere, so the tests use the live server under the name localhost."""

    def __init__(self, live_server):
        self.url = live_server.url.replace("://127.0.0.1", "://localhost")


def _wait_for(page, condition, timeout_ms=10_000):
    waited = 0
    while not condition():
        assert waited < timeout_ms, "timed out"
        page.wait_for_timeout(100)
        waited += 100


def _queue(page) -> list:
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem('socialops.offline-queue.' +"
        " document.getElementById('offline-queue').dataset.user) || '[]')"
    )


def test_an_entry_logged_offline_waits_and_is_sent_once(personas, live_server, page):
    server = _Localhost(live_server)
    sign_in(page, server, "maya", PASSWORD)
    assert page.url == f"{server.url}/log/"
    assert page.evaluate("window.isSecureContext")
    # The worker installs (caching My week as just loaded) and takes control of the page.
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)") in (
        "activating", "activated"
    )  # fmt: skip
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.wait_for_function("caches.match('/log/').then(r => !!r)")
    queue = page.get_by_role("region", name="Waiting to be sent")
    expect(queue).to_be_hidden()

    page.context.set_offline(True)
    expect(page.get_by_text("Offline: this is My week")).to_be_visible()
    form = page.get_by_role("region", name="Log work")
    form.get_by_label("Duration").fill("1h30")
    form.get_by_label("Start time").fill("17:00")
    form.get_by_label("Category").select_option("community_management")
    form.get_by_label("Channel").select_option(label=str(personas.channel))
    form.get_by_label("Messages").fill("25")
    form.get_by_label("Note").fill("Offline DMs")
    page.get_by_role("button", name="Log it").click()
    expect(queue).to_be_visible()
    expect(queue.get_by_role("listitem")).to_have_count(1)
    expect(queue).to_contain_text("Offline DMs")
    expect(queue).to_contain_text("Community management")
    assert not TaskLog.objects.exists()
    [entry] = _queue(page)
    assert len(entry["key"]) == 36  # its own key, a UUID
    assert entry["body"]["duration"] == "1h30" and "minutes" not in entry["body"]

    # Still offline, the page reloads from the worker's cache with the queue still there.
    response = page.reload()
    assert response is not None and response.from_service_worker
    assert page.evaluate("document.body.hasAttribute('data-offline-copy')")
    expect(page.get_by_role("heading", name="My week")).to_be_visible()
    expect(page.get_by_text("Offline: this is My week")).to_be_visible()
    expect(queue).to_contain_text("Offline DMs")
    assert not TaskLog.objects.exists()

    # Back online: the entry is sent, the week reloads with it, the queue empties.
    page.context.set_offline(False)
    _wait_for(page, lambda: TaskLog.objects.count() == 1)
    page.wait_for_function("document.querySelector('#offline-queue') &&"
                           " !document.body.hasAttribute('data-offline-copy')")  # fmt: skip
    expect(page.locator("tbody.today")).to_contain_text("Offline DMs")
    expect(page.get_by_text("Offline: this is My week")).to_have_count(0)
    assert _queue(page) == []
    log = TaskLog.objects.get()
    assert (log.minutes, log.messages_handled, log.channel_id, log.member_id) == (
        90, 25, personas.channel.pk, personas.member.pk
    )  # fmt: skip

    # A flaky connection: the same entry is sent again (say its answer was lost). Its key
    # makes that a replay: still one entry.
    page.evaluate(
        "entry => localStorage.setItem('socialops.offline-queue.' +"
        " document.getElementById('offline-queue').dataset.user, JSON.stringify([entry]))",
        entry,
    )
    with page.expect_navigation():  # sent (a replayed 201), the week reloads
        page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_load_state("networkidle")
    assert _queue(page) == []
    replay = page.evaluate(
        """entry => fetch('/api/v1/task-logs/', {
            method: 'POST', credentials: 'same-origin', body: JSON.stringify(entry.body),
            headers: {'Content-Type': 'application/json', 'Idempotency-Key': entry.key,
                      'X-CSRFToken': document.querySelector('[name=csrfmiddlewaretoken]').value},
        }).then(r => [r.status, r.headers.get('Idempotent-Replayed')])""",
        entry,
    )
    assert replay == [201, "true"]
    assert TaskLog.objects.count() == 1


def test_an_entry_the_server_refuses_keeps_its_error_until_discarded(personas, live_server, page):
    server = _Localhost(live_server)
    sign_in(page, server, "maya", PASSWORD)
    page.context.set_offline(True)
    form = page.get_by_role("region", name="Log work")
    form.get_by_label("Duration").fill("1h")
    form.get_by_label("Category").select_option("community_management")
    form.get_by_label("Messages").fill("2")
    form.get_by_label("Hostile").fill("5")  # more hostile messages than messages: 400
    form.get_by_label("Note").fill("Too hostile")
    page.get_by_role("button", name="Log it").click()
    queue = page.get_by_role("region", name="Waiting to be sent")
    expect(queue).to_contain_text("Too hostile")

    page.context.set_offline(False)
    expect(queue.locator(".error")).to_contain_text("cannot be more than the messages handled")
    assert not TaskLog.objects.exists()
    [kept] = _queue(page)  # kept, with its error, and not sent again
    assert kept["body"]["note"] == "Too hostile" and "cannot be more" in kept["error"]
    queue.get_by_role("button", name="Discard").click()
    expect(queue.get_by_role("listitem")).to_have_count(0)
    assert _queue(page) == []
    assert not TaskLog.objects.exists()


def test_an_entry_whose_post_fails_online_is_queued_not_lost(personas, live_server, page):
    # The browser believes it is online, but the page form's POST never gets an answer.
    server = _Localhost(live_server)
    sign_in(page, server, "maya", PASSWORD)
    page.route("**/log/", lambda route: route.abort() if route.request.method == "POST"
               else route.continue_())  # fmt: skip
    form = page.get_by_role("region", name="Log work")
    form.get_by_label("Duration").fill("45m")
    form.get_by_label("Category").select_option("community_management")
    form.get_by_label("Note").fill("Lost connection")
    page.get_by_role("button", name="Log it").click()
    queue = page.get_by_role("region", name="Waiting to be sent")
    expect(queue).to_contain_text("Lost connection")
    # The next try (page load, `online`, or the 20 s retry) goes to the API and gets through.
    with page.expect_navigation():
        page.evaluate("window.dispatchEvent(new Event('online'))")
    log = TaskLog.objects.get()
    assert (log.minutes, log.note) == (45, "Lost connection")
