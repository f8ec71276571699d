"""The tamper-evident audit log: appends under one advisory lock, hash-chained.

hash = sha256(prev_hash + canonical_json) in hex, canonical_json = json.dumps(fields,
sort_keys=True, separators=(",", ":"), ensure_ascii=False) over at (ISO 8601 UTC with
microseconds), actor, action, target_type, target_id and data; the first prev_hash is 64
zeros (governance.md). Never secrets, never score values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from governance.models import AUDIT_GENESIS, AuditEvent

# pg_advisory_xact_lock key: concurrent writers queue here so the chain cannot fork.
AUDIT_LOCK_KEY = 7_311_972_026


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_json(*, at, actor, action, target_type, target_id, data) -> str:
    fields = {
        "at": _iso(at),
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "data": data,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    action: str
    target_type: str
    target_id: object
    data: dict


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])
    # SQLite (make run) serialises writers on its own database lock.


@transaction.atomic
def audit_append_many(*, actor, entries: Iterable[Entry]) -> list[AuditEvent]:
    """Append entries in order, in the caller's transaction (two queries and one insert)."""
    entries = list(entries)
    if not entries:
        return []
    _lock()
    prev = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
    prev = prev or AUDIT_GENESIS
    now = timezone.now()
    actor_id = getattr(actor, "pk", None)
    display = actor.get_username() if actor is not None else "system"
    rows = []
    for entry in entries:
        canonical = canonical_json(
            at=now, actor=actor_id, action=entry.action, target_type=entry.target_type,
            target_id=entry.target_id, data=entry.data,
        )  # fmt: skip
        digest = chain_hash(prev, canonical)
        rows.append(
            AuditEvent(
                at=now,
                actor_id=actor_id,
                actor_display=display,
                action=entry.action,
                target_type=entry.target_type,
                target_id=str(entry.target_id),
                data=entry.data,
                prev_hash=prev,
                hash=digest,
            )  # fmt: skip
        )
        prev = digest
    return AuditEvent.objects.bulk_create(rows)


def audit_append(*, actor, action: str, target_type: str, target_id, data: dict | None = None):
    return audit_append_many(
        actor=actor, entries=[Entry(action, target_type, target_id, data or {})]
    )[0]


def audit_verify(batch_size: int = 2000) -> Iterator[tuple[int, str]]:
    """Yield (row id, problem) for every row whose link or hash does not verify, in order."""
    prev = AUDIT_GENESIS
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=batch_size):
        if event.prev_hash != prev:
            yield event.pk, f"prev_hash {event.prev_hash[:12]}… does not match {prev[:12]}…"
        canonical = canonical_json(
            at=event.at, actor=event.actor_id, action=event.action,
            target_type=event.target_type, target_id=event.target_id, data=event.data,
        )  # fmt: skip
        if chain_hash(event.prev_hash, canonical) != event.hash:
            yield event.pk, "hash does not match the row's contents"
        prev = event.hash
