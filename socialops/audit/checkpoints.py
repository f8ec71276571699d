"""Signed checkpoints of the audit chain's head, kept in the database and outside it
(docs/deployment.md "Audit log"; docs/governance.md "Audit log").

A checkpoint states: the last event's id and hash, how many events there are up to it, and a
running digest of their `actor_display` values (the display column is not in the chain's
hash, so that it is covered here). The statement is HMAC-SHA256-signed with
AUDIT_CHECKPOINT_KEY, which comes from the environment and is never stored in the database.
Each checkpoint is stored as an AuditCheckpoint row AND appended as one JSON line to
AUDIT_CHECKPOINT_FILE (the anchor outside the database: whoever rewrites the table and the
checkpoint rows still fails against the file), and announced with the `checkpoint_written`
signal for anything above the audit log (e.g. a webhook through governance's outbox).

    signed message = json.dumps({"created_at", "last_event_id", "last_hash", "event_count",
                                 "display_digest"}, sort_keys=True, separators=(",", ":"))
    display_digest = d_n, d_0 = 64 zeros, d_i = sha256(d_{i-1} + ":" + str(id_i) + ":" +
                                                          actor_display_i) in hex
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from socialops.audit.models import AuditCheckpoint, AuditEvent
from socialops.audit.services import _lock

logger = logging.getLogger(__name__)

DISPLAY_GENESIS = "0" * 64
# Sent inside the checkpoint's transaction with `checkpoint` (an AuditCheckpoint) and
# `record` (the signed JSON object): a receiver may queue it for delivery (an outbox row).
checkpoint_written = Signal()
# How much of the file's end is read to find its last line (one line is ~400 bytes).
_TAIL_BYTES = 64 * 1024


class CheckpointKeyMissing(RuntimeError):
    """AUDIT_CHECKPOINT_KEY is not set: checkpoints can be neither written nor checked."""


def display_step(digest: str, event_id: int, actor_display: str) -> str:
    return hashlib.sha256(f"{digest}:{event_id}:{actor_display}".encode()).hexdigest()


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def checkpoint_message(
    *, created_at: str, last_event_id: int, last_hash: str, event_count: int,
    display_digest: str,
) -> bytes:  # fmt: skip
    fields = {
        "created_at": created_at,
        "last_event_id": last_event_id,
        "last_hash": last_hash,
        "event_count": event_count,
        "display_digest": display_digest,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_key() -> bytes | None:
    key = settings.AUDIT_CHECKPOINT_KEY
    return key.encode() if key else None


def sign(message: bytes, key: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CheckpointClaim:
    """A checkpoint as read back, from the database or from the file, to check the chain
    against. `source` names it in reports ("checkpoint #3", "checkpoint file line 12")."""

    source: str
    created_at: str
    last_event_id: int
    last_hash: str
    event_count: int
    display_digest: str
    signature: str

    def message(self) -> bytes:
        return checkpoint_message(
            created_at=self.created_at, last_event_id=self.last_event_id,
            last_hash=self.last_hash, event_count=self.event_count,
            display_digest=self.display_digest,
        )  # fmt: skip

    def signed_by(self, key: bytes) -> bool:
        return hmac.compare_digest(sign(self.message(), key), self.signature)

    @classmethod
    def of(cls, checkpoint: AuditCheckpoint) -> CheckpointClaim:
        return cls(
            source=f"checkpoint #{checkpoint.pk}", created_at=_iso(checkpoint.created_at),
            last_event_id=checkpoint.last_event_id, last_hash=checkpoint.last_hash,
            event_count=checkpoint.event_count, display_digest=checkpoint.display_digest,
            signature=checkpoint.signature,
        )  # fmt: skip

    @classmethod
    def from_record(cls, record: dict[str, Any], source: str) -> CheckpointClaim:
        return cls(
            source=source, created_at=str(record["created_at"]),
            last_event_id=int(record["last_event_id"]), last_hash=str(record["last_hash"]),
            event_count=int(record["event_count"]),
            display_digest=str(record["display_digest"]), signature=str(record["signature"]),
        )  # fmt: skip


def _record(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    return {
        "checkpoint_id": checkpoint.pk,
        "created_at": _iso(checkpoint.created_at),
        "last_event_id": checkpoint.last_event_id,
        "last_hash": checkpoint.last_hash,
        "event_count": checkpoint.event_count,
        "display_digest": checkpoint.display_digest,
        "signature": checkpoint.signature,
    }


def _append_to_file(path: str, record: dict[str, Any]) -> None:
    line = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def _latest_signed(key: bytes) -> AuditCheckpoint | None:
    """The newest checkpoint row whose signature holds (a forged row is passed over)."""
    for checkpoint in AuditCheckpoint.objects.order_by("-last_event_id", "-pk")[:20]:
        if CheckpointClaim.of(checkpoint).signed_by(key):
            return checkpoint
    return None


@transaction.atomic
def audit_checkpoint_write() -> AuditCheckpoint | None:
    """Sign the chain's current head and store it (row, file, signal). None when the log is
    empty or nothing was appended since the last checkpoint. Raises CheckpointKeyMissing
    without AUDIT_CHECKPOINT_KEY. Takes the append lock, so the head cannot move meanwhile."""
    key = checkpoint_key()
    if key is None:
        raise CheckpointKeyMissing("AUDIT_CHECKPOINT_KEY is not set")
    _lock()
    head = AuditEvent.objects.order_by("-pk").values_list("pk", "hash").first()
    if head is None:
        return None
    previous = _latest_signed(key)
    if previous is not None and previous.last_event_id >= head[0]:
        return None
    after, digest = (0, DISPLAY_GENESIS)
    if previous is not None:
        after, digest = previous.last_event_id, previous.display_digest
    rows = (
        AuditEvent.objects.filter(pk__gt=after, pk__lte=head[0])
        .order_by("pk")
        .values_list("pk", "actor_display")
    )
    for event_id, actor_display in rows.iterator(chunk_size=5000):
        digest = display_step(digest, event_id, actor_display)
    created_at = timezone.now()
    count = AuditEvent.objects.filter(pk__lte=head[0]).count()
    message = checkpoint_message(
        created_at=_iso(created_at), last_event_id=head[0], last_hash=head[1],
        event_count=count, display_digest=digest,
    )  # fmt: skip
    checkpoint = AuditCheckpoint.objects.create(
        created_at=created_at, last_event_id=head[0], last_hash=head[1], event_count=count,
        display_digest=digest, signature=sign(message, key),
    )  # fmt: skip
    record = _record(checkpoint)
    checkpoint_written.send(sender=AuditCheckpoint, checkpoint=checkpoint, record=record)
    if settings.AUDIT_CHECKPOINT_FILE:
        path = settings.AUDIT_CHECKPOINT_FILE
        transaction.on_commit(lambda: _append_to_file(path, record))
    return checkpoint


def file_claim(path: str) -> CheckpointClaim | str | None:
    """The checkpoint on the file's last line; None for a missing or empty file; a string
    saying what is wrong when the last line is not a checkpoint."""
    file = Path(path)
    if not file.exists():
        return None
    with file.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - _TAIL_BYTES))
        tail = handle.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        return CheckpointClaim.from_record(json.loads(lines[-1]), "the checkpoint file")
    except (ValueError, KeyError, TypeError):
        return f"the last line of the checkpoint file {path} is not a checkpoint"


def checkpoint_claims() -> tuple[list[CheckpointClaim], list[str]]:
    """What the chain is checked against: the newest checkpoint row and the file's last line
    (when AUDIT_CHECKPOINT_FILE is set); and notes on what could not be used."""
    notes: list[str] = []
    if checkpoint_key() is None:
        return [], ["AUDIT_CHECKPOINT_KEY is not set: the chain head is not anchored"]
    claims: list[CheckpointClaim] = []
    latest = AuditCheckpoint.objects.order_by("-last_event_id", "-pk").first()
    if latest is not None:
        claims.append(CheckpointClaim.of(latest))
    if settings.AUDIT_CHECKPOINT_FILE:
        found = file_claim(settings.AUDIT_CHECKPOINT_FILE)
        if isinstance(found, CheckpointClaim):
            claims.append(found)
        elif isinstance(found, str):
            notes.append(found)
        else:
            notes.append(f"the checkpoint file {settings.AUDIT_CHECKPOINT_FILE} has none yet")
    if not claims:
        notes.append("no checkpoint yet")
    return claims, notes
