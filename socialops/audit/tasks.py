"""Audit log jobs: the nightly chain check (scheduled by audit migration 0003)."""

from celery import shared_task

from socialops.audit.models import AuditVerification
from socialops.audit.verification import audit_verify_and_record


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def audit_verify_nightly() -> dict:
    """Nightly: verify the chain and record the result. Read-only on the chain, so a
    redelivered run only adds another verification record."""
    result = audit_verify_and_record(source=AuditVerification.Source.JOB)
    return {"ok": result.ok, "rows": result.rows, "first_broken_row": result.first_broken_row}
