"""The audit log (docs/governance.md "Audit log"): the hash chain, verify_audit, the append-only
triggers, concurrent appends, failed sign-ins, and no secrets or score values in it."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import threading
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from governance.models import Connector
from socialops.audit.models import AuditEvent
from socialops.audit.services import audit_append
from tests.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db

GENESIS = "0" * 64
# The append-only triggers are PostgreSQL's; the suite runs on PostgreSQL (`make test`), and
# on anything else these tests fail loudly rather than skip.
postgres_only = pytest.mark.usefixtures("require_postgresql")


@pytest.fixture
def require_postgresql():
    assert connection.vendor == "postgresql", "run the suite on PostgreSQL (make test)"


@pytest.fixture(autouse=True)
def _triggers_on(request):
    """Run every test here with the audit triggers firing (session_replication_role =
    origin), whatever an earlier test left on this connection. In a plain test the SET is
    undone with the test's transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
    yield


def _expected_hash(prev_hash: str, row: AuditEvent) -> str:
    """The chain rule recomputed from docs/governance.md, independently of socialops.audit."""
    fields = {
        "at": row.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": row.actor_id,
        "action": row.action,
        "target_type": row.target_type,
        "target_id": row.target_id,
        "data": row.data,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _rows() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("pk"))


def _append_three(user=None) -> list[AuditEvent]:
    audit_append(actor=user, action="test.first", target_type="channel", target_id=1,
                 data={"name": "Zoë", "n": 1, "nested": {"b": 2, "a": [1, "x"]}})  # fmt: skip
    audit_append(actor=None, action="test.second", target_type="channel", target_id="two",
                 data={})  # fmt: skip
    audit_append(actor=user, action="test.third", target_type="channel", target_id=3,
                 data={"z": None, "a": True})  # fmt: skip
    return _rows()


def _verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@contextmanager
def _behind_the_triggers_back():
    """Test-only: this connection as a replica, so the triggers do not fire."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")


# ---- The chain ----


def test_appending_builds_the_chain(personas):
    assert not AuditEvent.objects.exists()
    rows = _append_three(personas.admin.user)
    assert [r.action for r in rows] == ["test.first", "test.second", "test.third"]
    assert rows[0].prev_hash == GENESIS
    prev = GENESIS
    for row in rows:
        assert row.prev_hash == prev
        assert row.hash == _expected_hash(prev, row)
        assert len(row.hash) == 64 and int(row.hash, 16) >= 0
        prev = row.hash
    assert rows[0].actor_id == personas.admin.user_id and rows[0].actor_display == "ada"
    assert rows[1].actor_id is None and rows[1].actor_display == "system"
    assert rows[0].data["name"] == "Zoë"  # canonical JSON keeps non-ASCII as is


def test_verify_audit_passes_on_an_intact_chain(personas):
    _append_three(personas.admin.user)
    assert "Audit chain verified: 3 rows, no break." in _verify()


def test_verify_audit_passes_on_an_empty_log(db):
    assert "0 rows" in _verify()


# ---- Append-only ----


@postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE governance_auditevent SET action = 'tampered' WHERE id = %(id)s",
        "UPDATE governance_auditevent SET actor_display = '' WHERE id = %(id)s",
        "DELETE FROM governance_auditevent WHERE id = %(id)s",
        "TRUNCATE governance_auditevent",
        "TRUNCATE governance_auditevent CASCADE",
    ],
)
def test_raw_sql_cannot_change_or_remove_audit_rows(personas, sql):
    rows = _append_three(personas.admin.user)
    # The savepoint rolls back the failed statement; the test's transaction goes on.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, {"id": rows[1].pk})
    assert [(r.pk, r.action, r.actor_display, r.hash) for r in _rows()] == [
        (r.pk, r.action, r.actor_display, r.hash) for r in rows
    ]
    assert "3 rows" in _verify()


@postgres_only
def test_the_orm_cannot_change_or_remove_audit_rows(personas):
    rows = _append_three()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=rows[0].pk).update(data={"x": 1})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=rows[0].pk).delete()
    assert _rows() == rows


# ---- Tampering is detected ----


@postgres_only
def test_a_row_changed_behind_the_triggers_back_is_named(personas):
    rows = _append_three(personas.admin.user)
    with _behind_the_triggers_back(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE governance_auditevent SET data = %s::jsonb WHERE id = %s",
            [json.dumps({"name": "Mallory", "n": 1}), rows[0].pk],
        )
    with pytest.raises(CommandError) as exc:
        _verify()
    message = str(exc.value)
    assert f"row {rows[0].pk}" in message and "hash does not match" in message
    # The triggers fire again on this connection.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM governance_auditevent WHERE id = %s", [rows[2].pk])


@postgres_only
def test_a_changed_time_or_actor_is_named(personas):
    rows = _append_three(personas.admin.user)
    with _behind_the_triggers_back(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE governance_auditevent SET at = at + interval '1 microsecond' WHERE id = %s",
            [rows[2].pk],
        )
    with pytest.raises(CommandError, match=f"row {rows[2].pk}"):
        _verify()


@postgres_only
def test_a_deleted_middle_row_breaks_the_chain_at_the_next_row(personas):
    rows = _append_three(personas.admin.user)
    with _behind_the_triggers_back(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM governance_auditevent WHERE id = %s", [rows[1].pk])
    with pytest.raises(CommandError) as exc:
        _verify()
    message = str(exc.value)
    assert f"row {rows[2].pk}" in message and "prev_hash" in message
    assert f"row {rows[0].pk}:" not in message


# ---- Concurrency ----


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain():
    threads_n, per_thread = 8, 15
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_thread):
                audit_append(
                    actor=None, action="test.concurrent", target_type="channel",
                    target_id=n, data={"i": i},
                )  # fmt: skip
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    rows = _rows()
    assert len(rows) == threads_n * per_thread
    assert len({r.hash for r in rows}) == len(rows)
    assert len({r.prev_hash for r in rows}) == len(rows)  # no two rows share a parent
    prev = GENESIS
    for row in rows:
        assert row.prev_hash == prev, row.pk
        assert row.hash == _expected_hash(prev, row)
        prev = row.hash
    assert f"{len(rows)} rows, no break" in _verify()


# ---- Failed sign-ins ----

WRONG = "Wr0ng-Passw0rd-!"


def _row_text(row: AuditEvent) -> str:
    return json.dumps(
        {f.attname: getattr(row, f.attname) for f in AuditEvent._meta.concrete_fields},
        default=str, ensure_ascii=False,
    )  # fmt: skip


def _assert_failed_login_recorded(username: str) -> None:
    events = list(AuditEvent.objects.filter(action="auth.login_failed"))
    assert len(events) == 1, events
    event = events[0]
    assert event.target_type == "user" and event.target_id == username
    assert event.actor_id is None
    text = _row_text(event)
    assert WRONG not in text and PASSWORD not in text and "password" not in text.lower()
    assert "*****" not in text  # not even Django's masked placeholder


def test_a_failed_sign_in_on_the_login_page_is_audited(personas, client):
    response = client.post("/login/", {"username": "maya", "password": WRONG})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session
    _assert_failed_login_recorded("maya")


def test_a_failed_token_request_is_audited(personas, client):
    response = client.post(
        "/api/v1/auth/token/", {"username": "maya", "password": WRONG},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    _assert_failed_login_recorded("maya")


def test_an_unknown_username_is_audited_too(db, client):
    client.post("/login/", {"username": "nobody-here", "password": WRONG})
    _assert_failed_login_recorded("nobody-here")


def test_a_successful_sign_in_records_no_failure(personas, client):
    response = client.post("/login/", {"username": "maya", "password": PASSWORD})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="auth.login_failed").exists()


# ---- No secrets, no score values ----

SECRET = "hmac-SECRET-do-not-log-7f3a"
VAULT = "1Password: Brand IG vault-item-93kq"
SCORE_KEYS = {"risk", "wsi", "wrb", "band", "wsi_band", "contributions", "score", "aggregates"}


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_secret_or_score_value_reaches_the_audit_log(personas, api):
    """Drive every audited governance write with secrets and scores around, then search the
    whole log: Connector.secret, vault references, passwords and score values never appear."""
    from governance import outbox, reviews, services
    from workload.models import BurnoutScore

    p = personas
    p.channel.owner = p.teammate
    p.channel.save(update_fields=["owner"])
    Connector.objects.create(
        platform=p.channel.platform, kind=Connector.Kind.WEBHOOK,
        url="http://127.0.0.1:9/hook", secret=SECRET,
    )  # fmt: skip
    second_admin = MemberFactory(team=None, role_member=False, role_admin=True)
    grant = services.grant_create(
        actor=p.admin, member=p.member, channel=p.channel, role="owner",
        justification="cover", shared_credential=True, vault_reference=VAULT,
        expires_at=timezone.now() + dt.timedelta(days=30),
    )  # fmt: skip
    services.grant_approve(grant=grant, actor=second_admin)
    other = services.grant_create(
        actor=p.admin, member=p.teammate, channel=p.other_channel, role="publisher",
        justification="help", shared_credential=True, vault_reference=VAULT,
    )  # fmt: skip
    review = reviews.review_create(actor=p.admin, name="Q4", deadline=timezone.localdate())
    item = review.items.get(grant=grant)
    reviews.review_decide(item=item, actor=p.teammate, decision="keep")
    services.grant_revoke(accept_gaps=True, grant=grant, actor=p.admin, reason="rotation")
    services.member_offboard(accept_gaps=True,
        member=p.teammate, actor=p.admin, ended_on=timezone.localdate(), reason="moved on",
        successor=p.member,
    )  # fmt: skip
    other.refresh_from_db()
    assert other.status == "revoked"  # closed by the offboarding
    # The relay signs webhooks with the secret; the delivery fails (nothing listens), and
    # an admin retries a message: still nothing secret in the log.
    outbox.outbox_relay_batch()
    message = outbox.OutboxMessage.objects.first()
    outbox.OutboxMessage.objects.filter(pk=message.pk).update(dead_at=timezone.now())
    outbox.outbox_retry(message=message, actor=p.admin)
    # Scores exist and are read by the member and a leader.
    score = BurnoutScore.objects.create(
        member=p.member, as_of=timezone.localdate(), status="ok", risk=Decimal("87.41"),
        wsi=Decimal("91.37"), wrb=Decimal("83.29"), band="very_high", wsi_band="very_high",
        mode="blended", contributions={"long_hours": 31.77}, coverage=Decimal("1"),
        computed_at=timezone.now(),
    )  # fmt: skip
    api(p.member).get("/api/v1/scores/")
    api(p.leader).get(f"/api/v1/scores/?member={p.member.pk}")

    events = _rows()
    actions = {e.action for e in events}
    assert {"grant.created", "grant.approved", "grant.revoked", "review.created",
            "review.decided", "member.offboarded", "outbox.retried"} <= actions  # fmt: skip
    revoked = [e for e in events if e.action == "grant.revoked"]
    assert revoked and all("vault_reference" not in e.data for e in revoked)
    everything = "\n".join(_row_text(e) for e in events)
    for secret in (SECRET, VAULT, "vault-item", PASSWORD):
        assert secret not in everything, secret
    assert "vault_reference" not in everything and "secret" not in everything.lower()
    for value in ("87.41", "91.37", "83.29", "31.77"):
        assert value not in everything, value
    assert not (_keys([e.data for e in events]) & SCORE_KEYS)
    assert score.pk  # the score row is untouched by auditing
    assert "rows, no break" in _verify()
