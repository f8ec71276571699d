"""Reading the audit log back: the chain check."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.db.models import QuerySet

from socialops.audit.checkpoints import DISPLAY_GENESIS, CheckpointClaim, display_step
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


def audit_verify(
    batch_size: int = 2000, *, checkpoints: Sequence[CheckpointClaim] = (),
    key: bytes | None = None,
) -> Iterator[tuple[int, str]]:  # fmt: skip
    """Yield (row id, problem) for every row whose link or hash does not verify, in order;
    and, against each signed checkpoint: a forged checkpoint, a rewrite (the hash at the
    checkpoint's row differs from the signed one), missing rows (fewer rows up to it), a
    changed actor_display (the running display digest differs) and a dropped tail (the
    checkpoint's row is gone)."""
    pending: dict[int, list[CheckpointClaim]] = {}
    for claim in checkpoints:
        if key is None or not claim.signed_by(key):
            yield claim.last_event_id, f"{claim.source} is not signed with AUDIT_CHECKPOINT_KEY"
            continue
        pending.setdefault(claim.last_event_id, []).append(claim)
    waiting = sorted(pending)
    prev = AUDIT_GENESIS
    display = DISPLAY_GENESIS
    count = last = 0
    rows = AuditEvent.objects.order_by("pk").values_list(
        "pk", "at", "actor_id", "actor_display", "action", "target_type", "target_id", "data",
        "prev_hash", "hash",
    )  # fmt: skip
    for (
        pk,
        at,
        actor,
        actor_display,
        action,
        target_type,
        target_id,
        data,
        prev_hash,
        digest,
    ) in rows.iterator(chunk_size=batch_size):
        while waiting and waiting[0] < pk:
            for claim in pending[waiting.pop(0)]:
                yield (
                    claim.last_event_id,
                    (f"row {claim.last_event_id} signed in {claim.source} is missing"),
                )
        count += 1
        last = pk
        display = display_step(display, pk, actor_display)
        if prev_hash != prev:
            yield pk, f"prev_hash {prev_hash[:12]}… does not match {prev[:12]}…"
        canonical = canonical_json(
            at=at, actor=actor, action=action, target_type=target_type,
            target_id=target_id, data=data,
        )  # fmt: skip
        if chain_hash(prev_hash, canonical) != digest:
            yield pk, "hash does not match the row's contents"
        prev = digest
        if waiting and waiting[0] == pk:
            for claim in pending[waiting.pop(0)]:
                yield from _against(claim, pk, digest, count, display)
    for event_id in waiting:
        for claim in pending[event_id]:
            yield (
                event_id,
                (
                    f"dropped tail: row {event_id} signed in {claim.source} ({claim.event_count} "
                    f"rows) is missing; the log ends at row {last} ({count} rows)"
                ),
            )


def _against(
    claim: CheckpointClaim, pk: int, digest: str, count: int, display: str
) -> Iterator[tuple[int, str]]:
    if digest != claim.last_hash:
        yield (
            pk,
            (
                f"rewrite: the hash of row {pk} is {digest[:12]}…, {claim.source} signed "
                f"{claim.last_hash[:12]}…"
            ),
        )
    elif count != claim.event_count:
        yield (
            pk,
            (
                f"rows missing: {count} rows up to row {pk}, {claim.source} signed "
                f"{claim.event_count}"
            ),
        )
    elif display != claim.display_digest:
        yield (
            pk,
            (
                f"actor_display changed in a row up to row {pk}: the display digest differs from "
                f"the one signed in {claim.source}"
            ),
        )
