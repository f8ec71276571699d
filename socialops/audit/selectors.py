"""Reading the audit log back: the chain check."""

from __future__ import annotations

from collections.abc import Iterator

from socialops.audit.models import AUDIT_GENESIS, AuditEvent
from socialops.audit.services import canonical_json, chain_hash


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
