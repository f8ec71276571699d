"""API tokens (docs/api.md "Authentication"): a new token per sign-in, stored hashed, expiring,
listed for their owner (never the key), revocable; expired or revoked is 401."""

import datetime as dt
import hashlib

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from socialops.audit.models import AuditEvent
from teams.models import ApiToken
from teams.tokens import issue_token
from tests.factories import PASSWORD

ME = "/api/v1/me/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.delete("throttle_auth_127.0.0.1")
    yield
    cache.delete("throttle_auth_127.0.0.1")


def _sign_in(client, username="maya"):
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": PASSWORD},
        content_type="application/json", HTTP_USER_AGENT="report-script/1.0",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    return response.json()


def _me(key):
    return Client().get(ME, HTTP_AUTHORIZATION=f"Token {key}")


def test_every_sign_in_returns_a_new_expiring_token_stored_hashed(personas, client):
    first, second = _sign_in(client), _sign_in(client)
    assert set(first) == {"token", "expires_at"}
    assert first["token"] != second["token"]
    expires = dt.datetime.fromisoformat(first["expires_at"])
    assert abs(expires - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    assert _me(first["token"]).status_code == 200 and _me(second["token"]).status_code == 200
    row = ApiToken.objects.get(key_hash=hashlib.sha256(first["token"].encode()).hexdigest())
    assert row.user == personas.member.user and row.name == "report-script/1.0"
    assert not ApiToken.objects.filter(key_hash=first["token"]).exists()
    assert row.prefix == first["token"][:8]


def test_an_expired_token_is_401(personas):
    token, key = issue_token(personas.member.user)
    past = timezone.now() - dt.timedelta(days=31)
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=past, expires_at=past + dt.timedelta(days=30)
    )
    response = _me(key)
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_an_unknown_or_malformed_token_is_401(db):
    assert _me("nonsense").status_code == 401
    assert Client().get(ME, HTTP_AUTHORIZATION="Token a b").status_code == 401


def test_use_is_recorded_at_most_once_a_minute(personas):
    token, key = issue_token(personas.member.user)
    assert _me(key).status_code == 200
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    _me(key)
    token.refresh_from_db()
    assert token.last_used_at == first_use


def test_the_owner_lists_their_tokens_without_keys(personas, api):
    _, key = issue_token(personas.member.user, name="laptop")
    issue_token(personas.teammate.user)
    response = api(personas.member).get("/api/v1/auth/tokens/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1
    assert set(rows[0]) == {
        "id", "prefix", "name", "created_at", "expires_at", "last_used_at", "revoked_at",
        "active",
    }  # fmt: skip
    assert rows[0]["active"] is True and rows[0]["name"] == "laptop"
    assert key not in response.content.decode()


def test_the_token_list_has_a_constant_number_of_queries(personas, api):
    client = api(personas.member)

    def count(n):
        ApiToken.objects.filter(user=personas.member.user).delete()
        for _ in range(n):
            issue_token(personas.member.user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/auth/tokens/").status_code == 200
        return len(queries)

    assert count(2) == count(10)


def test_the_owner_revokes_a_token_and_it_stops_working(personas, api):
    token, key = issue_token(personas.member.user)
    response = api(personas.member).delete(f"/api/v1/auth/tokens/{token.pk}/")
    assert response.status_code == 204
    assert _me(key).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="token.revoked")
    assert event.data["token"] == token.pk and event.actor_id == personas.member.user.pk
    assert key not in str(event.data)
    # Again: nothing more to do, nothing more recorded.
    assert api(personas.member).delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="token.revoked").count() == 1


def test_someone_elses_token_is_404_and_stays_valid(personas, api):
    token, key = issue_token(personas.teammate.user)
    assert api(personas.member).delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 404
    assert api(personas.admin).delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 404
    assert api(personas.member).delete("/api/v1/auth/tokens/999999999/").status_code == 404
    assert api(personas.member).delete("/api/v1/auth/tokens/" + "9" * 20 + "/").status_code == 404
    assert _me(key).status_code == 200


def test_anonymous_callers_cannot_list_or_revoke(personas, api):
    token, _ = issue_token(personas.member.user)
    assert api().get("/api/v1/auth/tokens/").status_code == 401
    assert api().delete(f"/api/v1/auth/tokens/{token.pk}/").status_code == 401


def test_old_open_tokens_beyond_the_maximum_are_revoked(personas, settings):
    settings.TOKEN_MAX_PER_USER = 3
    keys = [issue_token(personas.member.user)[1] for _ in range(5)]
    assert [_me(k).status_code for k in keys] == [401, 401, 200, 200, 200]


def test_an_inactive_users_token_is_401(personas):
    _, key = issue_token(personas.member.user)
    personas.member.user.is_active = False
    personas.member.user.save()
    assert _me(key).status_code == 401
