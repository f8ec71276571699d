"""Signed checkpoints of the audit chain head (docs/deployment.md "Audit log"): written by a
job every 5 minutes, stored in the database and in a file outside it, and `verify_audit`
(and the nightly job) checking the chain against them: a rewrite, a dropped tail, a changed
actor_display and a forged checkpoint are each named."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
from contextlib import contextmanager

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django_celery_beat.models import PeriodicTask

from socialops.audit.checkpoints import audit_checkpoint_write, checkpoint_written
from socialops.audit.models import AuditCheckpoint, AuditEvent, AuditVerification
from socialops.audit.services import audit_append, canonical_json, chain_hash
from socialops.audit.tasks import audit_checkpoint, audit_verify_nightly

pytestmark = pytest.mark.django_db
KEY = "test-only-checkpoint-key"


@pytest.fixture(autouse=True)
def _postgres_with_triggers_on():
    assert connection.vendor == "postgresql", "run the suite on PostgreSQL (make test)"
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = origin")


@pytest.fixture
def anchored(settings, tmp_path):
    """A checkpoint key and file; returns the file's path."""
    settings.AUDIT_CHECKPOINT_KEY = KEY
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")
    return tmp_path / "audit-checkpoints.jsonl"


@contextmanager
def _behind_the_triggers_back():
    """Test-only, as a superuser: this connection as a replica, so the triggers do not fire
    (what an attacker with the database's superuser could do)."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")


def _append(n: int, user=None) -> list[AuditEvent]:
    for i in range(n):
        audit_append(actor=user, action="test.event", target_type="channel", target_id=i,
                     data={"i": i})  # fmt: skip
    return list(AuditEvent.objects.order_by("pk"))


def _checkpoint(capture):
    """Write a checkpoint, running its after-commit file append."""
    with capture(execute=True):
        return audit_checkpoint_write()


def _verify() -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("verify_audit", stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def _broken(match: str) -> str:
    with pytest.raises(CommandError, match=match) as exc:
        _verify()
    return str(exc.value)


def _rewrite_forward(*, from_pk: int, data: dict) -> None:
    """The attack the chain alone misses: change a row, then recompute every hash after it."""
    rows = list(AuditEvent.objects.order_by("pk"))
    prev = None
    with _behind_the_triggers_back(), connection.cursor() as cursor:
        for row in rows:
            if prev is not None:
                row.prev_hash = prev
            if row.pk == from_pk:
                row.data = data
            if row.pk >= from_pk:
                canonical = canonical_json(
                    at=row.at, actor=row.actor_id, action=row.action,
                    target_type=row.target_type, target_id=row.target_id, data=row.data,
                )  # fmt: skip
                row.hash = chain_hash(row.prev_hash, canonical)
                cursor.execute(
                    "UPDATE governance_auditevent SET data = %s::jsonb, prev_hash = %s, "
                    "hash = %s WHERE id = %s",
                    [json.dumps(row.data), row.prev_hash, row.hash, row.pk],
                )
            prev = row.hash


# ---- Writing checkpoints ----


def test_a_checkpoint_signs_the_head_and_goes_to_the_file_and_the_signal(
    personas, anchored, django_capture_on_commit_callbacks
):
    rows = _append(3, personas.admin.user)
    received = []

    def receiver(sender, checkpoint, record, **kwargs):
        received.append(record)

    checkpoint_written.connect(receiver)
    try:
        checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    finally:
        checkpoint_written.disconnect(receiver)
    assert checkpoint.last_event_id == rows[-1].pk
    assert checkpoint.last_hash == rows[-1].hash
    assert checkpoint.event_count == 3
    # The display digest, recomputed from its documented rule.
    digest = "0" * 64
    for row in rows:
        digest = hashlib.sha256(f"{digest}:{row.pk}:{row.actor_display}".encode()).hexdigest()
    assert checkpoint.display_digest == digest
    # HMAC-SHA256 over the documented message, with the key from the settings.
    message = json.dumps(
        {
            "created_at": checkpoint.created_at.isoformat(timespec="microseconds"),
            "last_event_id": rows[-1].pk,
            "last_hash": rows[-1].hash,
            "event_count": 3,
            "display_digest": digest,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    assert checkpoint.signature == hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()
    # The same record outside the database, and for the signal's receivers.
    lines = anchored.read_text().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == received[0]
    assert received[0]["signature"] == checkpoint.signature
    assert received[0]["last_event_id"] == rows[-1].pk
    # The key itself is nowhere in the database row.
    stored = AuditCheckpoint.objects.filter(pk=checkpoint.pk).values().get()
    assert all(KEY not in str(value) for value in stored.values())


def test_nothing_new_no_new_checkpoint(personas, anchored, django_capture_on_commit_callbacks):
    assert _checkpoint(django_capture_on_commit_callbacks) is None  # empty log
    _append(2)
    first = _checkpoint(django_capture_on_commit_callbacks)
    assert _checkpoint(django_capture_on_commit_callbacks) is None
    _append(1)
    second = _checkpoint(django_capture_on_commit_callbacks)
    assert (first.event_count, second.event_count) == (2, 3)
    assert len(anchored.read_text().splitlines()) == 2
    assert "Checked against: checkpoint #" in _verify()


def test_the_checkpoint_job_is_scheduled_every_five_minutes(db):
    task = PeriodicTask.objects.get(task="socialops.audit.tasks.audit_checkpoint")
    assert (task.interval.every, task.interval.period, task.queue) == (5, "minutes", "governance")
    assert task.enabled


def test_the_job_writes_a_checkpoint_in_bounded_queries(
    personas, anchored, django_assert_max_num_queries
):
    _append(30)
    with django_assert_max_num_queries(9):
        assert audit_checkpoint() == {
            "written": True, "last_event_id": AuditEvent.objects.order_by("-pk")[0].pk
        }  # fmt: skip


def test_without_a_key_the_job_writes_nothing_and_warns(personas, settings, caplog):
    settings.AUDIT_CHECKPOINT_KEY = ""
    _append(2)
    with caplog.at_level(logging.WARNING, logger="socialops.audit.tasks"):
        assert audit_checkpoint() == {"written": False, "reason": "no key"}
    assert "AUDIT_CHECKPOINT_KEY is not set" in caplog.text
    assert not AuditCheckpoint.objects.exists()
    output = _verify()
    assert "Audit chain verified: 2 rows" in output
    assert "Warning: AUDIT_CHECKPOINT_KEY is not set" in output


def test_the_deployment_check_warns_without_a_key(settings):
    settings.AUDIT_CHECKPOINT_KEY = ""
    assert "audit.W001" in [m.id for m in run_checks(include_deployment_checks=True)]
    settings.AUDIT_CHECKPOINT_KEY = KEY
    assert "audit.W001" not in [m.id for m in run_checks(include_deployment_checks=True)]


def test_the_deployment_check_warns_about_half_a_checkpoint_webhook(settings):
    def ids():
        return [m.id for m in run_checks(include_deployment_checks=True)]

    settings.AUDIT_CHECKPOINT_WEBHOOK_URL, settings.AUDIT_CHECKPOINT_WEBHOOK_SECRET = "", ""
    assert "audit.W002" not in ids()
    settings.AUDIT_CHECKPOINT_WEBHOOK_URL = "https://anchor.example/in"
    assert "audit.W002" in ids()
    settings.AUDIT_CHECKPOINT_WEBHOOK_SECRET = "s"
    assert "audit.W002" not in ids()


def test_checkpoint_rows_are_append_only(personas, anchored, django_capture_on_commit_callbacks):
    _append(1)
    checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    for sql in (
        "UPDATE audit_auditcheckpoint SET event_count = 0 WHERE id = %s",
        "DELETE FROM audit_auditcheckpoint WHERE id = %s",
        "TRUNCATE audit_auditcheckpoint",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [checkpoint.pk] if "%s" in sql else None)
    assert AuditCheckpoint.objects.get().event_count == 1


# ---- Tampering the chain alone does not reveal ----


def test_a_rewrite_with_every_hash_recomputed_is_named(
    personas, anchored, django_capture_on_commit_callbacks
):
    rows = _append(4, personas.admin.user)
    _checkpoint(django_capture_on_commit_callbacks)
    _rewrite_forward(from_pk=rows[1].pk, data={"i": "forged"})
    message = _broken("rewrite")
    assert f"broken at row {rows[-1].pk}: rewrite: the hash of row {rows[-1].pk}" in message
    assert "checkpoint #" in message


def test_a_rewrite_with_the_checkpoint_rows_removed_still_fails_against_the_file(
    personas, anchored, django_capture_on_commit_callbacks
):
    rows = _append(4)
    _checkpoint(django_capture_on_commit_callbacks)
    _rewrite_forward(from_pk=rows[0].pk, data={"i": "forged"})
    with _behind_the_triggers_back(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditcheckpoint")
    message = _broken("rewrite")
    assert "the checkpoint file signed" in message and "checkpoint #" not in message


def test_a_rewritten_checkpoint_row_is_not_signed(
    personas, anchored, django_capture_on_commit_callbacks
):
    rows = _append(3)
    checkpoint = _checkpoint(django_capture_on_commit_callbacks)
    _rewrite_forward(from_pk=rows[0].pk, data={"i": "forged"})
    forged = AuditEvent.objects.order_by("-pk")[0].hash
    with _behind_the_triggers_back(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditcheckpoint SET last_hash = %s WHERE id = %s",
            [forged, checkpoint.pk],
        )
    _broken(f"checkpoint #{checkpoint.pk} is not signed with AUDIT_CHECKPOINT_KEY")
    assert AuditVerification.objects.get().first_broken_row == rows[-1].pk


def test_a_dropped_tail_is_named(personas, anchored, django_capture_on_commit_callbacks):
    rows = _append(5)
    _checkpoint(django_capture_on_commit_callbacks)
    with _behind_the_triggers_back(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM governance_auditevent WHERE id >= %s", [rows[3].pk])
    message = _broken("dropped tail")
    assert f"row {rows[-1].pk} signed in checkpoint #" in message
    assert f"the log ends at row {rows[2].pk} (3 rows)" in message


def test_a_changed_actor_display_is_named(personas, anchored, django_capture_on_commit_callbacks):
    rows = _append(3, personas.member.user)
    _checkpoint(django_capture_on_commit_callbacks)
    with _behind_the_triggers_back(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE governance_auditevent SET actor_display = 'ada' WHERE id = %s", [rows[1].pk]
        )
    _broken(f"row {rows[-1].pk}: actor_display changed in a row up to row {rows[-1].pk}")


def test_the_nightly_job_reports_the_same(personas, anchored, django_capture_on_commit_callbacks):
    rows = _append(3)
    _checkpoint(django_capture_on_commit_callbacks)
    with _behind_the_triggers_back(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM governance_auditevent WHERE id = %s", [rows[-1].pk])
    result = audit_verify_nightly()
    assert result["ok"] is False and result["first_broken_row"] == rows[-1].pk
    assert "dropped tail" in AuditVerification.objects.get().problem


def test_events_after_the_checkpoint_still_verify(
    personas, anchored, django_capture_on_commit_callbacks
):
    _append(2)
    _checkpoint(django_capture_on_commit_callbacks)
    _append(2)
    output = _verify()
    assert "Audit chain verified: 4 rows, no break." in output
    assert "checkpoint #" in output and "the checkpoint file" in output


def test_verification_reads_in_bounded_queries(
    personas, anchored, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    _append(50)
    _checkpoint(django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(8):
        assert "50 rows" in _verify()
