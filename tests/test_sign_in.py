"""Sign-in hardening (docs/security.md "Sign-in"): lockout per username and per address on the
login page and the token endpoint, an admin unlock, failed sign-ins audited at a bounded rate,
DRF throttles, Argon2 and shorter sessions."""

import pytest
from axes.models import AccessAttempt  # type: ignore[import-untyped]  # axes ships no types
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from socialops import settings as project_settings
from socialops.audit.models import AuditEvent
from tests.factories import PASSWORD

WRONG = "Wr0ng-Passw0rd-!"
TOKEN_URL = "/api/v1/auth/token/"
LIMIT = project_settings.AXES_FAILURE_LIMIT


def _throttle_keys(*idents: str) -> list[str]:
    return [f"throttle_{scope}_{i}" for scope in ("auth", "anon", "user") for i in idents]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counts live in the cache (Redis), which outlives a test: start and end clean
    for the addresses these tests use."""
    keys = _throttle_keys("127.0.0.1", "10.0.0.1", "10.0.0.2", "10.0.0.3")
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


def _login(client, username, password, ip="127.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _token(client, username, password, ip="127.0.0.1"):
    return client.post(
        TOKEN_URL, {"username": username, "password": password},
        content_type="application/json", REMOTE_ADDR=ip,
    )  # fmt: skip


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# ---- Lockout ----


def test_the_limit_is_configured_per_username_and_per_address():
    assert project_settings.AXES_FAILURE_LIMIT == 5
    assert project_settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert project_settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60


def test_the_login_page_locks_a_username_and_then_refuses_the_right_password(personas, client):
    for _ in range(LIMIT - 1):
        assert _login(client, "maya", WRONG).status_code == 200
    locked = _login(client, "maya", WRONG)
    assert locked.status_code == 429
    response = _login(client, "maya", PASSWORD)
    assert response.status_code == 429 and not _signed_in(client)
    text = response.content.decode()
    assert "Too many failed sign-ins" in text and "30 minutes" in text and 'role="alert"' in text
    assert 'name="username"' in text  # the form again, to try later
    assert response["Retry-After"] == "1800"


def test_a_username_locked_from_other_addresses_is_locked_from_a_new_one(personas):
    for i in range(LIMIT):
        _login(Client(), "maya", WRONG, ip=f"10.0.1.{i}")
    client = Client()
    assert _login(client, "maya", PASSWORD, ip="10.0.0.3").status_code == 429
    assert not _signed_in(client)
    # Another username from that address is unaffected.
    assert _login(client, "tom", PASSWORD, ip="10.0.0.3").status_code == 302


def test_an_address_trying_many_usernames_is_locked_for_every_username(personas, client):
    for i in range(LIMIT):
        _login(client, f"guess-{i}", WRONG, ip="10.0.0.1")
    assert _login(client, "maya", PASSWORD, ip="10.0.0.1").status_code == 429
    assert not _signed_in(client)
    # From another address maya signs in: her username was tried only once per name.
    assert _login(Client(), "maya", PASSWORD, ip="10.0.0.2").status_code == 302


def test_the_token_endpoint_locks_out_with_a_json_429(personas, client):
    for _ in range(LIMIT):
        response = _token(client, "maya", WRONG)
    assert response.status_code == 429
    response = _token(client, "maya", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "Too many failed sign-ins" in response.json()["detail"]
    assert "token" not in response.json()
    assert response["Retry-After"] == "1800"


def test_a_lockout_on_the_page_holds_on_the_token_endpoint_too(personas, client):
    for _ in range(LIMIT):
        _login(client, "maya", WRONG)
    assert _token(client, "maya", PASSWORD).status_code == 429


def test_failures_below_the_limit_then_the_right_password_sign_in(personas, client):
    for _ in range(LIMIT - 1):
        _login(client, "maya", WRONG)
    assert _login(client, "maya", PASSWORD).status_code == 302 and _signed_in(client)


def test_an_admin_unlocks_in_the_django_admin(personas, operator):
    locked = Client()
    for _ in range(LIMIT):
        _login(locked, "maya", WRONG, ip="10.0.0.1")
    assert _login(locked, "maya", PASSWORD, ip="10.0.0.1").status_code == 429
    attempts = list(AccessAttempt.objects.filter(username="maya"))
    assert attempts
    listing = operator.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "maya" in listing.content.decode()
    response = operator.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [a.pk for a in attempts], "post": "yes"},
    )  # fmt: skip
    assert response.status_code == 302
    assert _login(locked, "maya", PASSWORD, ip="10.0.0.1").status_code == 302


def test_an_admin_unlocks_from_the_command_line(personas, client):
    for _ in range(LIMIT):
        _login(client, "maya", WRONG)
    assert _login(client, "maya", PASSWORD).status_code == 429
    call_command("axes_reset_username", "maya")
    call_command("axes_reset_ip", "127.0.0.1")
    assert _login(client, "maya", PASSWORD).status_code == 302


# ---- Failed sign-ins reach the audit chain at a bounded rate ----


def _failed_events() -> int:
    return AuditEvent.objects.filter(action="auth.login_failed").count()


def test_100_failures_from_one_address_append_at_most_the_limit(personas, client):
    for i in range(100):
        _login(client, f"guess-{i % 7}", WRONG)
    assert _failed_events() == LIMIT  # then locked: axes counts, the chain does not grow
    last = AuditEvent.objects.filter(action="auth.login_failed").order_by("-pk").first()
    assert last.data == {"ip": "127.0.0.1", "locked_out": True}
    assert AccessAttempt.objects.filter(ip_address="127.0.0.1").exists()


def test_100_failures_for_one_username_from_many_addresses_append_at_most_the_limit(
    personas,
):
    for i in range(100):
        _token(Client(), "maya", WRONG, ip=f"10.9.{i // 250}.{i % 250}")
    assert _failed_events() == LIMIT


def test_without_a_lockout_the_audit_is_capped_per_address_per_window(personas, client, settings):
    # Even with lockout out of the way (a huge limit), one address gets at most
    # AUDIT_FAILED_SIGNIN_LIMIT events per window.
    settings.AXES_FAILURE_LIMIT = 1000
    settings.AUDIT_FAILED_SIGNIN_LIMIT = 10
    for i in range(100):
        _login(client, f"guess-{i}", WRONG)
    assert _failed_events() == 10
    # Another address is audited on its own count.
    _login(Client(), "someone", WRONG, ip="10.0.0.2")
    assert _failed_events() == 11


def test_the_audit_cap_counts_only_the_window(personas, client, settings):
    import datetime as dt

    settings.AXES_FAILURE_LIMIT = 1000
    settings.AUDIT_FAILED_SIGNIN_LIMIT = 2
    settings.AUDIT_FAILED_SIGNIN_WINDOW = dt.timedelta(seconds=0)  # every earlier event is out
    for i in range(5):
        _login(client, f"guess-{i}", WRONG)
    assert _failed_events() == 5


# ---- API throttles ----


@pytest.fixture
def rates(monkeypatch):
    """DRF reads the rates once, at import: the test sets them on the throttle class."""

    def set_rates(**rates):
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **rates}
        )

    return set_rates


def test_the_rates_come_from_settings():
    rates = project_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"anon": "60/minute", "user": "1200/minute", "auth": "10/minute"}
    assert rates == SimpleRateThrottle.THROTTLE_RATES


def test_the_token_endpoint_is_throttled_per_address_with_a_json_429(personas, client, rates):
    rates(auth="3/minute")
    for _ in range(3):
        assert _token(client, "maya", PASSWORD).status_code == 200
    response = _token(client, "maya", PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "throttled" in response.json()["detail"].lower()
    assert int(response["Retry-After"]) > 0
    assert _token(Client(), "maya", PASSWORD, ip="10.0.0.2").status_code == 200


def test_a_signed_in_caller_is_throttled_on_the_api(personas, client, rates):
    rates(user="3/minute")
    client.force_login(personas.member.user)
    cache.delete_many(_throttle_keys(str(personas.member.user.pk)))
    try:
        for _ in range(3):
            assert client.get("/api/v1/me/").status_code == 200
        response = client.get("/api/v1/me/")
        assert response.status_code == 429 and "detail" in response.json()
        other = Client()
        other.force_login(personas.teammate.user)
        assert other.get("/api/v1/me/").status_code == 200  # per user
    finally:
        cache.delete_many(_throttle_keys(str(personas.member.user.pk)))
        cache.delete_many(_throttle_keys(str(personas.teammate.user.pk)))


# ---- Passwords and sessions ----


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert make_password("a long passphrase").startswith("argon2$argon2id$")


def test_sessions_last_twelve_hours(personas, client):
    assert project_settings.SESSION_COOKIE_AGE == 12 * 60 * 60
    assert project_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is False
    response = _login(client, "maya", PASSWORD)
    assert response.status_code == 302
    assert response.cookies["sessionid"]["max-age"] == 12 * 60 * 60
