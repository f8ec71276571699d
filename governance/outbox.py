"""The transactional outbox: rows written in the business transaction, relayed by Celery.

The relay task lives here with the relay it runs, because the services that write outbox
rows nudge it after commit: a task module that imported the services and was imported by
them would be a cycle (docs/architecture.md). governance.tasks re-exports it for Celery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import urllib.parse
import urllib.request
from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from governance.models import ChecklistItem, Connector, OutboxMessage
from socialops.audit.services import audit_append

log = logging.getLogger(__name__)

# Signed checkpoints of the audit chain (socialops.audit.checkpoints), for the checkpoint
# webhook (settings AUDIT_CHECKPOINT_WEBHOOK_URL / _SECRET).
CHECKPOINT_TOPIC = "audit.checkpoint"


def outbox_add_many(*, topic: str, payloads: Iterable[dict]) -> list[OutboxMessage]:
    """Write outbox rows in the caller's transaction, and nudge the relay after commit (the
    beat schedule relays anything a lost nudge leaves behind)."""
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(topic=topic, payload=payload) for payload in payloads
    )
    if rows:
        transaction.on_commit(_nudge_relay)
    return rows


def _nudge_relay() -> None:
    try:
        outbox_relay.delay()
    except Exception:  # the broker may be down: beat relays the rows later
        log.warning("outbox nudge not sent; beat will relay", exc_info=True)


# ---- The relay ----

RELAY_BATCH = 50
WEBHOOK_TIMEOUT_SECONDS = 10


def _max_attempts() -> int:
    return settings.OUTBOX_MAX_ATTEMPTS


def backoff_seconds(attempts: int) -> float:
    """Exponential with full jitter: up to 5 s, 10 s, 20 s … capped at one hour."""
    return random.uniform(0.5, 1.0) * min(3600.0, 5.0 * 2 ** (attempts - 1))


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post_webhook(url: str, secret: str, message: OutboxMessage) -> None:
    body = json.dumps(
        {"id": str(message.pk), "topic": message.topic, "payload": message.payload},
        sort_keys=True, separators=(",", ":"),
    ).encode()  # fmt: skip
    # urllib also opens file: and ftp: URLs (URLField accepts ftp): webhooks are http(s) only.
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise OSError(f"webhook URL must be http or https: {url!r}")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Idempotency-Key": str(message.pk),
            "X-Socialops-Signature": sign(body, secret),
        },
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered {response.status}")


def _manual_checklist(message: OutboxMessage) -> None:
    """The manual connector: checklist items a person confirms (idempotent per grant)."""
    p = message.payload
    layers = [ChecklistItem.Layer.TOOL_ROLE, ChecklistItem.Layer.NATIVE_ROLE]
    if p.get("shared_credential"):
        layers.append(ChecklistItem.Layer.SHARED_CREDENTIAL)
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(grant_id=p["grant"], channel_id=p["channel"], member_id=p["member"],
                          layer=layer)
            for layer in layers
        ],
        ignore_conflicts=True,
    )  # fmt: skip


def deliver(message: OutboxMessage) -> None:
    """Hand one message to its consumer; raises on failure."""
    if message.topic == CHECKPOINT_TOPIC:
        url = settings.AUDIT_CHECKPOINT_WEBHOOK_URL
        secret = settings.AUDIT_CHECKPOINT_WEBHOOK_SECRET
        if not url or not secret:
            raise OSError("AUDIT_CHECKPOINT_WEBHOOK_URL and _SECRET are not both set")
        _post_webhook(url, secret, message)
        return
    if message.topic != "grant.revoked":
        return  # nothing outside socialops consumes other topics yet
    connector = Connector.objects.filter(
        platform=message.payload.get("platform"), enabled=True
    ).first()
    if connector is not None and connector.kind == Connector.Kind.WEBHOOK:
        _post_webhook(connector.url, connector.secret, message)
    else:
        _manual_checklist(message)


def outbox_relay_batch() -> dict:
    """Deliver what is due, a batch at a time; rows another relay holds are skipped."""
    delivered = failed = 0
    while True:
        with transaction.atomic():
            now = timezone.now()
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(delivered_at__isnull=True, dead_at__isnull=True, next_attempt_at__lte=now)
                .order_by("created_at")[:RELAY_BATCH]
            )
            if not batch:
                break
            for message in batch:
                try:
                    # A savepoint: a consumer's database error rolls back that consumer's
                    # writes only, so the batch's bookkeeping still commits.
                    with transaction.atomic():
                        deliver(message)
                except Exception as exc:  # any consumer failure is retried, then dead-lettered
                    failed += 1
                    message.attempts += 1
                    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                    if message.attempts >= _max_attempts():
                        message.dead_at = now
                    else:
                        message.next_attempt_at = now + _seconds(backoff_seconds(message.attempts))
                else:
                    delivered += 1
                    message.attempts += 1
                    message.delivered_at = now
                message.save(update_fields=["attempts", "last_error", "dead_at",
                                            "next_attempt_at", "delivered_at"])  # fmt: skip
    return {"delivered": delivered, "failed": failed}


def _seconds(value: float) -> dt.timedelta:
    return dt.timedelta(seconds=value)


@transaction.atomic
def outbox_retry(*, message: OutboxMessage, actor) -> OutboxMessage:
    """An admin sends a dead-lettered message again."""
    updated = OutboxMessage.objects.filter(pk=message.pk, dead_at__isnull=False).update(
        dead_at=None, attempts=0, next_attempt_at=timezone.now(), last_error=""
    )
    message.refresh_from_db()
    if not updated:
        return message  # not dead-lettered: nothing to send again
    audit_append(
        actor=actor.user if actor else None, action="outbox.retried", target_type="outbox",
        target_id=message.pk, data={"topic": message.topic},
    )  # fmt: skip
    transaction.on_commit(_nudge_relay)
    return message


# ignore_result: nobody reads the relay's result, and a task with a result makes every delay()
# (the on-commit nudge) subscribe to the Redis result backend first, which retries a down
# Redis for ~20 s inside the request that committed; the publish alone gives up in about 1 s.
@shared_task(
    name="governance.tasks.outbox_relay", queue="governance", acks_late=True,
    reject_on_worker_lost=True, ignore_result=True,
)  # fmt: skip
def outbox_relay() -> dict:
    """Relay due outbox rows (beat every 10 s, plus an on-commit nudge). At least once:
    consumers deduplicate on the outbox id."""
    return outbox_relay_batch()
