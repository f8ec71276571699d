"""The outbox delivers revocations exactly once (docs/governance.md "Outbox and connectors"):
delivery is at least once, every webhook POST carries `Idempotency-Key: <outbox id>` and an
HMAC-SHA256 signature, and the receiver deduplicates on the key, so exactly one distinct key
is processed per revocation: through retries, dead-lettering, concurrent relays, a worker
killed mid-delivery and a Redis restart."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import types
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone

from governance import outbox
from governance.models import AccessGrant, ChecklistItem, Connector, OutboxMessage
from governance.outbox import outbox_add_many, outbox_relay_batch, outbox_retry
from governance.services import grant_create, grant_revoke
from tests.governance.webhook_receiver import WebhookReceiver

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-webhook-secret"
WORKER_TIMEOUT = pytest.mark.timeout(180)


# ---- Helpers and fixtures ----


@pytest.fixture
def receiver():
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def webhook(personas, receiver) -> Connector:
    """The channel's platform reaches its consumer through the test's receiver."""
    return Connector.objects.create(
        platform=personas.channel.platform, kind=Connector.Kind.WEBHOOK, url=receiver.url,
        secret=SECRET,
    )  # fmt: skip


@pytest.fixture
def nudges(monkeypatch) -> list:
    """The on-commit nudge, recorded instead of published: unit tests call the relay
    themselves and leave nothing in the shared Redis for a worker to pick up later."""
    sent: list = []
    monkeypatch.setattr(
        "governance.outbox.outbox_relay", types.SimpleNamespace(delay=lambda: sent.append(1))
    )
    return sent


def _grant(personas, *, shared_credential=False, member=None) -> AccessGrant:
    return grant_create(
        actor=personas.admin, member=member or personas.member, channel=personas.channel,
        role=AccessGrant.Role.PUBLISHER, justification="Runs the campaign",
        shared_credential=shared_credential,
    )  # fmt: skip


def _revoke(personas, grant) -> OutboxMessage:
    grant_revoke(accept_gaps=True, grant=grant, actor=personas.admin, reason="Campaign over")
    return OutboxMessage.objects.get(topic="grant.revoked", payload__grant=grant.pk)


def _make_due(message: OutboxMessage) -> None:
    """Instead of waiting out the backoff: the message is due now."""
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def _assert_signed_revocation(seen, message: OutboxMessage, grant: AccessGrant) -> None:
    assert seen.key == str(message.pk)
    expected = hmac.new(SECRET.encode(), seen.body, hashlib.sha256).hexdigest()
    assert seen.signature.startswith("sha256=")
    assert hmac.compare_digest(seen.signature, f"sha256={expected}")
    body = json.loads(seen.body)
    assert body["id"] == str(message.pk)
    assert body["topic"] == "grant.revoked"
    assert body["payload"]["grant"] == grant.pk
    assert body["payload"]["member"] == grant.member_id
    assert body["payload"]["channel"] == grant.channel_id
    assert body["payload"]["platform"] == grant.channel.platform


# ---- The relay, called directly ----


@pytest.mark.django_db
def test_a_revocation_is_posted_once_signed_and_marked_delivered(
    personas, webhook, receiver, nudges, django_capture_on_commit_callbacks
):
    grant = _grant(personas)
    with django_capture_on_commit_callbacks(execute=True):
        message = _revoke(personas, grant)
    assert nudges == [1]  # the on-commit nudge asked for a relay (recorded, not published)
    assert AccessGrant.objects.get(pk=grant.pk).revoked_at is not None

    assert outbox_relay_batch() == {"delivered": 1, "failed": 0}

    [seen] = receiver.requests
    _assert_signed_revocation(seen, message, grant)
    assert receiver.processed == [str(message.pk)]
    message.refresh_from_db()
    assert message.delivered_at is not None
    assert (message.attempts, message.dead_at, message.last_error) == (1, None, "")

    assert outbox_relay_batch() == {"delivered": 0, "failed": 0}
    assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_the_signature_covers_the_exact_body(personas, webhook, receiver, nudges):
    message = _revoke(personas, _grant(personas))
    outbox_relay_batch()
    [seen] = receiver.requests
    tampered = seen.body.replace(b'"grant.revoked"', b'"grant.created"')
    assert tampered != seen.body
    forged = "sha256=" + hmac.new(SECRET.encode(), tampered, hashlib.sha256).hexdigest()
    assert forged != seen.signature
    assert outbox.sign(seen.body, SECRET) == seen.signature
    assert outbox.sign(seen.body, "another-secret") != seen.signature
    assert seen.key == str(message.pk)


@pytest.mark.django_db
def test_failures_back_off_then_the_key_is_processed_once(
    personas, webhook, receiver, nudges, monkeypatch
):
    monkeypatch.setattr(outbox, "backoff_seconds", lambda attempts: 60.0 * attempts)
    grant = _grant(personas)
    message = _revoke(personas, grant)
    receiver.fail_first(2)

    before = timezone.now()
    assert outbox_relay_batch() == {"delivered": 0, "failed": 1}
    message.refresh_from_db()
    assert message.attempts == 1 and message.delivered_at is None and message.dead_at is None
    assert "500" in message.last_error
    first_due = message.next_attempt_at
    assert first_due >= before + dt.timedelta(seconds=60)
    # Not due yet: the relay leaves it alone.
    assert outbox_relay_batch() == {"delivered": 0, "failed": 0}
    assert len(receiver.requests) == 1

    _make_due(message)
    before = timezone.now()
    assert outbox_relay_batch() == {"delivered": 0, "failed": 1}
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at >= before + dt.timedelta(seconds=120)  # backs off further

    _make_due(message)
    assert outbox_relay_batch() == {"delivered": 1, "failed": 0}
    message.refresh_from_db()
    assert message.attempts == 3 and message.delivered_at is not None and message.dead_at is None
    assert [s.key for s in receiver.requests] == [str(message.pk)] * 3  # same key every time
    assert receiver.distinct_processed() == {str(message.pk)}
    assert receiver.duplicates == 0
    for seen in receiver.requests:
        _assert_signed_revocation(seen, message, grant)

    _make_due(message)  # delivered rows are never sent again, whatever their due time
    assert outbox_relay_batch() == {"delivered": 0, "failed": 0}
    assert len(receiver.requests) == 3


def test_backoff_is_exponential_with_jitter_and_capped():
    for attempts, ceiling in ((1, 5.0), (2, 10.0), (3, 20.0), (4, 40.0)):
        values = [outbox.backoff_seconds(attempts) for _ in range(200)]
        assert all(ceiling / 2 <= v <= ceiling for v in values)
        assert len(set(values)) > 1  # jittered
    assert all(1800 <= outbox.backoff_seconds(30) <= 3600 for _ in range(50))


@pytest.mark.django_db
def test_dead_lettered_after_max_attempts_then_retried_and_delivered(
    personas, webhook, receiver, nudges, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    grant = _grant(personas)
    message = _revoke(personas, grant)
    receiver.fail_first(3)
    for _ in range(3):
        _make_due(message)
        assert outbox_relay_batch() == {"delivered": 0, "failed": 1}
    message.refresh_from_db()
    assert message.attempts == 3
    assert message.dead_at is not None and message.delivered_at is None
    assert "HTTP Error 500" in message.last_error  # kept for the governance page

    _make_due(message)  # dead letters are not relayed, due or not
    assert outbox_relay_batch() == {"delivered": 0, "failed": 0}
    assert len(receiver.requests) == 3
    assert receiver.processed == []

    with django_capture_on_commit_callbacks(execute=True):
        retried = outbox_retry(message=message, actor=personas.admin)
    assert (retried.dead_at, retried.attempts, retried.last_error) == (None, 0, "")
    assert nudges == [1]  # the retry nudges the relay too
    assert outbox_relay_batch() == {"delivered": 1, "failed": 0}
    message.refresh_from_db()
    assert message.delivered_at is not None and message.dead_at is None
    assert receiver.distinct_processed() == {str(message.pk)}
    assert len(receiver.requests) == 4
    _assert_signed_revocation(receiver.requests[-1], message, grant)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "connector, shared_credential",
    [(None, True), ("manual", False), ("disabled webhook", True)],
)
def test_the_manual_connector_creates_checklist_items_once(
    personas, receiver, nudges, connector, shared_credential
):
    if connector == "manual":
        Connector.objects.create(platform=personas.channel.platform, kind=Connector.Kind.MANUAL)
    elif connector == "disabled webhook":
        Connector.objects.create(
            platform=personas.channel.platform, kind=Connector.Kind.WEBHOOK, url=receiver.url,
            secret=SECRET, enabled=False,
        )  # fmt: skip
    grant = _grant(personas, shared_credential=shared_credential)
    message = _revoke(personas, grant)

    assert outbox_relay_batch() == {"delivered": 1, "failed": 0}
    expected = {ChecklistItem.Layer.TOOL_ROLE, ChecklistItem.Layer.NATIVE_ROLE}
    if shared_credential:
        expected.add(ChecklistItem.Layer.SHARED_CREDENTIAL)

    def items():
        return sorted(
            ChecklistItem.objects.filter(grant=grant).values_list(
                "layer", "member_id", "channel_id", "confirmed_at"
            )
        )

    first = items()
    assert first == sorted((layer, grant.member_id, grant.channel_id, None) for layer in expected)

    # At least once: the same message relayed again (as after a crash before the commit).
    OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=None)
    assert outbox_relay_batch() == {"delivered": 1, "failed": 0}
    assert items() == first
    assert ChecklistItem.objects.count() == len(expected)
    assert receiver.requests == []  # a manual or disabled connector posts nothing


@pytest.mark.django_db
def test_a_consumer_database_error_fails_only_its_own_message(personas, nudges):
    """A message whose consumer hits a database error (here a checklist item without a
    channel) is retried and dead-lettered like any failure; it neither aborts the batch's
    transaction nor blocks the messages behind it."""
    with transaction.atomic():
        [poison] = outbox_add_many(
            topic="grant.revoked",
            payloads=[{"platform": "instagram", "grant": None, "channel": None, "member": None}],
        )
    good = _revoke(personas, _grant(personas))
    assert poison.created_at < good.created_at

    assert outbox_relay_batch() == {"delivered": 1, "failed": 1}
    poison.refresh_from_db()
    good.refresh_from_db()
    assert poison.attempts == 1 and poison.delivered_at is None
    assert "IntegrityError" in poison.last_error
    assert good.delivered_at is not None
    assert ChecklistItem.objects.filter(grant__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_failed_nudge_is_harmless(
    personas, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down():
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("governance.outbox.outbox_relay", types.SimpleNamespace(delay=broker_down))
    grant = _grant(personas)
    with (
        caplog.at_level(logging.WARNING, logger="governance.outbox"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        message = _revoke(personas, grant)
    assert "beat will relay" in caplog.text
    assert AccessGrant.objects.get(pk=grant.pk).revoked_at is not None
    message.refresh_from_db()
    assert message.delivered_at is None


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_never_deliver_a_message_twice(personas, nudges, monkeypatch):
    receiver = WebhookReceiver(delay=0.05).start()
    try:
        Connector.objects.create(
            platform=personas.channel.platform, kind=Connector.Kind.WEBHOOK, url=receiver.url,
            secret=SECRET,
        )  # fmt: skip
        monkeypatch.setattr(outbox, "RELAY_BATCH", 2)  # small batches: the relays interleave
        with transaction.atomic():
            messages = outbox_add_many(
                topic="grant.revoked",
                payloads=[
                    {"grant": 1000 + i, "member": personas.member.pk,
                     "channel": personas.channel.pk, "platform": personas.channel.platform}
                    for i in range(10)
                ],
            )  # fmt: skip
        barrier = threading.Barrier(2)
        results: list = []
        errors: list = []

        def relay():
            try:
                barrier.wait(10)
                results.append(outbox_relay_batch())
            except Exception as exc:  # surfaced below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=relay) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        assert sum(r["delivered"] for r in results) == 10
        assert all(r["failed"] == 0 for r in results)
        # Both relays worked (the row locks were shared out), yet no key was posted twice.
        assert all(r["delivered"] > 0 for r in results), results
        keys = [s.key for s in receiver.requests]
        assert sorted(keys) == sorted(str(m.pk) for m in messages)
        assert receiver.duplicates == 0
        assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0
        assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    finally:
        receiver.stop()


# ---- A real Celery worker ----


def _require_redis() -> None:
    if not django_settings.REDIS_URL:
        pytest.fail(
            "The outbox worker tests need Redis: set REDIS_URL (make test sets "
            "redis://127.0.0.1:6379/15). Without it Celery runs tasks eagerly and no worker "
            "is exercised."
        )


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def _wait(condition, seconds, what, log=None):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


@contextmanager
def _celery_worker(redis_url: str, log: Path):
    """A Celery worker process (prefork, one child) against the test database and Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "DEBUG": "1",
        "SECRET_KEY": "worker-test",
    }
    name = f"outbox-{uuid.uuid4().hex[:8]}@%h"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "socialops", "worker",
             "-Q", "governance,default,scores", "--pool=prefork", "--concurrency=1", "-n", name,
             "-l", "info", "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait(lambda: b"ready." in log.read_bytes(), 60, "the worker to start", log)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture
def worker(tmp_path):
    """A worker on the shared test Redis (REDIS_URL)."""
    from socialops.celery import app

    _require_redis()
    assert not app.conf.task_always_eager
    app.control.purge()  # nothing left over from an earlier run
    log = tmp_path / "worker.log"
    with _celery_worker(django_settings.REDIS_URL, log) as process:
        yield process, log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own on a free port, which the test may stop and start
    (never the machine's shared Redis)."""

    def __init__(self, log: Path):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        import redis

        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no"],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=1)

        def up():
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        _wait(up, 10, f"redis-server on port {self.port}", self.log)
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path):
    _require_redis()
    server = PrivateRedis(tmp_path / "redis.log")
    server.start()
    yield server
    server.stop()


@contextmanager
def _test_app_redis(url: str):
    """Point this process's Celery app (the on-commit nudge) at another Redis, as broker and
    result backend; restored afterwards. The broker pools are per URL and the backend is
    cached per thread: reset them as Celery does after a fork."""
    from socialops.celery import app

    previous = (app.conf.broker_url, app.conf.result_backend)
    previous_backend = getattr(app._local, "backend", None)

    def reset():
        app._pool = None
        app.amqp._producer_pool = None
        if hasattr(app._local, "backend"):
            del app._local.backend

    app.conf.broker_url = app.conf.result_backend = url
    reset()
    try:
        yield app
    finally:
        try:
            app.pool.force_close_all()
        finally:
            app.conf.broker_url, app.conf.result_backend = previous
            reset()
            if previous_backend is not None:
                app._local.backend = previous_backend


def _delivered_once(message: OutboxMessage) -> bool:
    message.refresh_from_db()
    return message.delivered_at is not None


@WORKER_TIMEOUT
@pytest.mark.django_db(transaction=True)
def test_a_revocation_reaches_the_receiver_through_the_worker(personas, webhook, receiver, worker):
    _process, log = worker
    grant = _grant(personas)
    message = _revoke(personas, grant)  # committed: the on-commit nudge goes to Redis
    _wait(lambda: _delivered_once(message), 30, "the worker to relay the revocation", log)
    assert receiver.distinct_processed() == {str(message.pk)}
    [seen] = receiver.requests
    _assert_signed_revocation(seen, message, grant)
    assert message.attempts == 1 and message.dead_at is None


@WORKER_TIMEOUT
@pytest.mark.django_db(transaction=True)
def test_a_worker_child_killed_mid_delivery_still_delivers_one_key(
    personas, webhook, receiver, worker
):
    process, log = worker
    receiver.block_first()  # the first POST is held open: the child is mid-delivery
    grant = _grant(personas)
    message = _revoke(personas, grant)
    assert receiver.arrived.wait(30), log.read_text(errors="replace")[-3000:]
    [child] = _children(process.pid)
    os.kill(child, signal.SIGKILL)
    _wait(lambda: _children(process.pid) and _children(process.pid) != [child], 30,
          "a new worker child", log)  # fmt: skip
    # The killed child's transaction held the row lock; PostgreSQL rolled it back when the
    # socket closed, and the task (acks_late, reject_on_worker_lost) is delivered again.
    _wait(lambda: _delivered_once(message), 30, "the relay to run again", log)
    receiver.release()  # the held request completes too: a duplicate, deduplicated
    _wait(lambda: len(receiver.requests) >= 2 and receiver.duplicates >= 1, 10,
          "the held request to complete")  # fmt: skip
    text = log.read_text(errors="replace")
    assert "signal 9" in text or "WorkerLostError" in text, text[-2000:]
    assert receiver.distinct_processed() == {str(message.pk)}
    assert {s.key for s in receiver.requests} == {str(message.pk)}
    message.refresh_from_db()
    assert message.attempts == 1  # the killed attempt left no trace in the database
    assert message.delivered_at is not None and message.dead_at is None
    assert OutboxMessage.objects.filter(topic="grant.revoked").count() == 1


@WORKER_TIMEOUT
@pytest.mark.django_db(transaction=True)
def test_redis_restarting_between_commit_and_relay_loses_nothing(
    personas, webhook, receiver, private_redis, tmp_path, caplog
):
    from governance.tasks import outbox_relay

    log = tmp_path / "worker.log"
    with _celery_worker(private_redis.url, log), _test_app_redis(private_redis.url):
        grant = _grant(personas)
        private_redis.stop()  # right before the revocation commits
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="governance.outbox"):
            message = _revoke(personas, grant)
        nudge_seconds = time.monotonic() - started
        assert "outbox nudge not sent" in caplog.text
        # The business transaction committed regardless.
        assert AccessGrant.objects.get(pk=grant.pk).revoked_at is not None
        message.refresh_from_db()
        assert message.delivered_at is None and message.attempts == 0
        assert nudge_seconds < 5, nudge_seconds  # the request that revoked is not held up

        private_redis.start()  # an empty Redis: the nudge is gone for good
        outbox_relay.delay()  # what beat does every 10 s
        _wait(lambda: _delivered_once(message), 60, "the worker to reconnect and relay", log)
    assert receiver.distinct_processed() == {str(message.pk)}
    assert [s.key for s in receiver.requests] == [str(message.pk)]
    _assert_signed_revocation(receiver.requests[0], message, grant)


# ---- The audit's signed checkpoints, through the outbox to the checkpoint webhook ----


@pytest.mark.django_db
def test_each_checkpoint_reaches_the_checkpoint_webhook_signed(
    personas, receiver, nudges, settings, django_capture_on_commit_callbacks
):
    from socialops.audit.checkpoints import audit_checkpoint_write
    from socialops.audit.services import audit_append

    settings.AUDIT_CHECKPOINT_KEY = "test-only-checkpoint-key"
    settings.AUDIT_CHECKPOINT_WEBHOOK_URL = receiver.url
    settings.AUDIT_CHECKPOINT_WEBHOOK_SECRET = SECRET
    audit_append(actor=None, action="organisation.seeded", target_type="organisation",
                 target_id="demo", data={})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = audit_checkpoint_write()
    message = OutboxMessage.objects.get(topic=outbox.CHECKPOINT_TOPIC)
    assert outbox_relay_batch() == {"delivered": 1, "failed": 0}
    [seen] = receiver.requests
    body = json.loads(seen.body)
    assert body["topic"] == "audit.checkpoint" and body["id"] == str(message.pk)
    assert body["payload"]["signature"] == checkpoint.signature
    assert body["payload"]["last_hash"] == checkpoint.last_hash
    assert seen.signature == outbox.sign(seen.body, SECRET)
    assert seen.key == str(message.pk)


@pytest.mark.django_db
def test_without_a_checkpoint_webhook_nothing_is_queued(
    personas, nudges, settings, django_capture_on_commit_callbacks
):
    from socialops.audit.checkpoints import audit_checkpoint_write
    from socialops.audit.services import audit_append

    settings.AUDIT_CHECKPOINT_KEY = "test-only-checkpoint-key"
    settings.AUDIT_CHECKPOINT_WEBHOOK_URL = ""
    audit_append(actor=None, action="organisation.seeded", target_type="organisation",
                 target_id="demo", data={})  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert audit_checkpoint_write() is not None
    assert not OutboxMessage.objects.filter(topic=outbox.CHECKPOINT_TOPIC).exists()
