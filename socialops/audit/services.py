"""Appending to the audit log: one writer, one target format, one advisory lock.

hash = sha256(prev_hash + canonical_json) in hex, canonical_json = json.dumps(fields,
sort_keys=True, separators=(",", ":"), ensure_ascii=False) over at (ISO 8601 UTC with
microseconds), actor, action, target_type, target_id and data; the first prev_hash is 64
zeros (docs/governance.md "Audit log"). Never secrets, never score values.

A target is always one object: its type name (`TARGET_TYPES`, e.g. "grant", "member") and
its own id. An event about several objects is several entries, appended together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from socialops.audit.models import AUDIT_GENESIS, AuditEvent

# pg_advisory_xact_lock key: concurrent writers queue here so the chain cannot fork.
AUDIT_LOCK_KEY = 7_311_972_026

# Model label → the target type recorded. The names predate this table and stay as they are,
# so that the audit page's filters find old and new rows alike.
TARGET_TYPES = {
    "auth.user": "user",
    "auth.group": "group",
    "teams.team": "team",
    "teams.member": "member",
    "teams.channel": "channel",
    "governance.accessgrant": "grant",
    "governance.checklistitem": "checklist_item",
    "governance.connector": "connector",
    "governance.outboxmessage": "outbox",
    "governance.accessreview": "access_review",
    "governance.accessreviewitem": "access_review_item",
    "workload.tasklog": "task_log",
}
# Targets that are not one row: the whole organisation (e.g. the demo seed).
OTHER_TARGET_TYPES = ("organisation",)


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_json(
    *, at: dt.datetime, actor: int | None, action: str, target_type: str, target_id: object,
    data: dict[str, Any],
) -> str:  # fmt: skip
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
    """One event: what happened (`action`) to which one object (type and id)."""

    action: str
    target_type: str
    target_id: object
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.target_type not in (*TARGET_TYPES.values(), *OTHER_TARGET_TYPES):
            raise ValueError(f"unknown audit target type {self.target_type!r}")

    @classmethod
    def about(cls, action: str, obj: models.Model, data: dict[str, Any] | None = None) -> Entry:
        """The entry for an event about a model instance: its type name and primary key."""
        return cls(action, TARGET_TYPES[obj._meta.label_lower], obj.pk, data or {})


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])
    # SQLite (make run) serialises writers on its own database lock.


@transaction.atomic
def audit_append_many(*, actor: Any, entries: Iterable[Entry]) -> list[AuditEvent]:
    """Append entries in order, in the caller's transaction (two queries and one insert).
    `actor` is the user who acted, or None for the system."""
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
        target_id = str(entry.target_id)[:64]
        canonical = canonical_json(
            at=now, actor=actor_id, action=entry.action, target_type=entry.target_type,
            target_id=target_id, data=entry.data,
        )  # fmt: skip
        digest = chain_hash(prev, canonical)
        rows.append(
            AuditEvent(
                at=now,
                actor_id=actor_id,
                actor_display=display,
                action=entry.action,
                target_type=entry.target_type,
                target_id=target_id,
                data=entry.data,
                prev_hash=prev,
                hash=digest,
            )  # fmt: skip
        )
        prev = digest
    return AuditEvent.objects.bulk_create(rows)


def audit_append(
    *, actor: Any, action: str, target_type: str, target_id: object,
    data: dict[str, Any] | None = None,
) -> AuditEvent:  # fmt: skip
    """Append one event (see audit_append_many)."""
    return audit_append_many(
        actor=actor, entries=[Entry(action, target_type, target_id, data or {})]
    )[0]
