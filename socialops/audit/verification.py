"""Checking the audit chain and keeping the result (docs/governance.md "Reading the audit
log"): `manage.py verify_audit`, the nightly job and the audit page's "Verify now" all call
`audit_verify_and_record`, so each run leaves one AuditVerification row. The chain is
checked against the newest signed checkpoint in the database and the last one in
AUDIT_CHECKPOINT_FILE (socialops.audit.checkpoints)."""

from __future__ import annotations

from django.utils import timezone

from socialops.audit.checkpoints import checkpoint_claims, checkpoint_key
from socialops.audit.models import AuditEvent, AuditVerification
from socialops.audit.selectors import audit_verify


def audit_verify_and_record(*, source: str) -> AuditVerification:
    """Recompute the chain up to its first break, against the latest checkpoints, and store
    the outcome. The returned row also carries `anchors` (what it was checked against) and
    `notes` (what could not be used, e.g. no key), which are not stored."""
    if source not in AuditVerification.Source.values:
        raise ValueError(f"unknown verification source {source!r}")
    ran_at = timezone.now()
    # The first break is the verdict (as verify_audit always reported); the abandoned
    # generator is closed at once, releasing its server-side cursor.
    claims, notes = checkpoint_claims()
    broken = next(audit_verify(checkpoints=claims, key=checkpoint_key()), None)
    rows = AuditEvent.objects.count()
    # Not a chained row and not under the append lock: a broken chain still gets its verdict.
    result = AuditVerification.objects.create(
        ran_at=ran_at,
        ok=broken is None,
        rows=rows,
        first_broken_row=broken[0] if broken else None,
        problem=broken[1] if broken else "",
        source=source,
    )
    result.anchors = [claim.source for claim in claims]
    result.notes = notes
    return result


def audit_verification_last() -> AuditVerification | None:
    """The most recent verification, if the chain was ever checked."""
    return AuditVerification.objects.order_by("-ran_at", "-pk").first()
