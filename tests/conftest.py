"""Fixed personas shared by every test: a member, a teammate, a member of another team,
the leader of the first team and an admin."""

import datetime as dt
import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from rest_framework.test import APIClient

from teams.models import Channel
from tests.factories import PASSWORD, ChannelFactory, MemberFactory, TeamFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _audit_triggers_let_the_test_flush_through(request):
    """The audit table refuses TRUNCATE, which Django's flush after a transactional test uses.
    Test-only: this connection runs the flush as a replica (triggers off), then is reset
    (docs/governance.md). Application code never does this."""
    from django.db import connection

    transactional = request.node.get_closest_marker("django_db")
    if not (transactional and transactional.kwargs.get("transaction")):
        yield
        return
    request.getfixturevalue("transactional_db")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo organisation (`manage.py seed_demo`), built once for the module that asks for
    it: what the command printed. It lives in a transaction rolled back when the module ends,
    so no other module sees it; each test's own changes roll back as usual (savepoints)."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """DRF's throttle counts live in the cache (Redis under `make test`) and would outlive a
    test: one test's sign-ins must not throttle the next. Only the throttle keys go; Celery
    shares the Redis database."""
    from django.core.cache import cache

    def clear() -> None:
        delete_pattern = getattr(cache, "delete_pattern", None)
        client = getattr(cache, "_cache", None)
        if delete_pattern is not None:
            delete_pattern("throttle_*")
        elif client is not None and hasattr(client, "get_client"):
            redis = client.get_client(write=True)
            keys = list(redis.scan_iter(match=f"*{cache.make_key('throttle_')}*"))
            if keys:
                redis.delete(*keys)
        else:
            cache.clear()  # the in-process cache of a run without Redis

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs seconds per persona; tests need no brute-force cost.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@dataclass
class Personas:
    team: object
    other_team: object
    member: object
    teammate: object
    foreigner: object
    leader: object
    admin: object
    channel: object
    other_channel: object


@pytest.fixture
def personas(db) -> Personas:
    team = TeamFactory(name="Community")
    other_team = TeamFactory(name="Brand")
    member = MemberFactory(team=team, full_name="Maya Member", user__username="maya")
    teammate = MemberFactory(team=team, full_name="Tom Teammate", user__username="tom")
    foreigner = MemberFactory(team=other_team, full_name="Fay Foreign", user__username="fay")
    leader = MemberFactory(
        team=team, full_name="Leo Leader", user__username="leo", role_member=False,
        role_leader=True,
    )  # fmt: skip
    team.leaders.add(leader)
    admin = MemberFactory(
        team=None, full_name="Ada Admin", user__username="ada", role_member=False,
        role_admin=True,
    )  # fmt: skip
    channel = ChannelFactory(team=team, platform=Channel.Platform.INSTAGRAM, handle="@community")
    other_channel = ChannelFactory(team=other_team, platform=Channel.Platform.X, handle="@brand")
    return Personas(
        team, other_team, member, teammate, foreigner, leader, admin, channel, other_channel
    )


class SignedInClient(APIClient):
    """Loads the user afresh for every request, as session and token auth do, so that nothing
    cached on a user object outlives its request (and query counts include the user)."""

    def __init__(self, user, **kwargs):
        super().__init__(**kwargs)
        self.user_pk = user.pk

    def request(self, **kwargs):
        from django.contrib.auth import get_user_model

        self.force_authenticate(get_user_model().objects.get(pk=self.user_pk))
        return super().request(**kwargs)


@pytest.fixture
def operator(personas, client):
    """A client signed in to the Django admin as the admin persona, made a superuser."""
    user = personas.admin.user
    user.is_staff = user.is_superuser = True
    user.save()
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def api():
    """api(member) → an APIClient signed in as that member (None: anonymous)."""

    def make(member=None) -> APIClient:
        return APIClient() if member is None else SignedInClient(member.user)

    return make


@pytest.fixture
def past_day() -> dt.date:
    return dt.date.today() - dt.timedelta(days=2)  # safely in the past in every time zone


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        # Never a silent skip: .ci/run installs Debian's chromium before the suite runs.
        raise RuntimeError("Browser tests need Debian's chromium: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    """A fresh browser context per test; a screenshot of the last page is saved as an
    artifact under test-artifacts/."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page, live_server, username: str, password: str) -> None:
    """Sign in through the login page, in whatever language the browser asks for."""
    page.goto(f"{live_server.url}/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("networkidle")


@pytest.fixture
def eager_celery():
    """Run tasks in-process, as `make run` does without Redis (restored afterwards)."""
    from socialops.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous
