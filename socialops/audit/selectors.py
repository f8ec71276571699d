"""Reading the audit log back: the chain check."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from socialops.audit.models import AUDIT_GENESIS, AuditEvent
from socialops.audit.services import canonical_json, chain_hash

# Actions that record a read of another person's data (a leader opening a score), not a
# change: `kind=read` selects them, `kind=change` everything else (failed sign-ins included).
READ_ACTIONS = ("score.read",)
EVENT_KINDS = ("change", "read")


def events_of_kind(events: QuerySet[AuditEvent], kind: str) -> QuerySet[AuditEvent]:
    """Filter audit events to reads of other people's data or to everything else."""
    if kind == "read":
        return events.filter(action__in=READ_ACTIONS)
    if kind == "change":
        return events.exclude(action__in=READ_ACTIONS)
    raise ValueError(f"unknown audit event kind {kind!r}")


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
