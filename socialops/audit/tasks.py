"""Audit log jobs: the nightly chain check (scheduled by audit migration 0003) and the signed
checkpoint of the chain head every 5 minutes (audit migration 0005)."""

import logging

from celery import shared_task

from socialops.audit.checkpoints import CheckpointKeyMissing, audit_checkpoint_write
from socialops.audit.models import AuditVerification
from socialops.audit.verification import audit_verify_and_record

logger = logging.getLogger(__name__)


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def audit_verify_nightly() -> dict:
    """Nightly: verify the chain and record the result. Read-only on the chain, so a
    redelivered run only adds another verification record."""
    result = audit_verify_and_record(source=AuditVerification.Source.JOB)
    return {"ok": result.ok, "rows": result.rows, "first_broken_row": result.first_broken_row}


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def audit_checkpoint() -> dict:
    """Every 5 minutes: sign the chain head (nothing when no event was appended since the
    last checkpoint, so a redelivered run adds nothing). Without AUDIT_CHECKPOINT_KEY it
    writes nothing and logs a warning (`check --deploy` warns about it too)."""
    try:
        checkpoint = audit_checkpoint_write()
    except CheckpointKeyMissing:
        logger.warning("AUDIT_CHECKPOINT_KEY is not set: no audit checkpoint written")
        return {"written": False, "reason": "no key"}
    if checkpoint is None:
        return {"written": False, "reason": "no new events"}
    return {"written": True, "last_event_id": checkpoint.last_event_id}
