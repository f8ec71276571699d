"""manage.py verify_audit: recompute the audit chain, check it against the latest signed
checkpoints (database and AUDIT_CHECKPOINT_FILE), and name the first row that breaks it.
Each run is recorded (AuditVerification, source "command") for the audit page."""

from django.core.management.base import BaseCommand, CommandError

from socialops.audit.models import AuditVerification
from socialops.audit.verification import audit_verify_and_record


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log against its signed checkpoints."

    def handle(self, *args, **options):
        result = audit_verify_and_record(source=AuditVerification.Source.COMMAND)
        for note in result.notes:
            self.stderr.write(f"Warning: {note}.")
        if not result.ok:
            raise CommandError(
                f"Audit chain broken at row {result.first_broken_row}: {result.problem}."
            )
        self.stdout.write(f"Audit chain verified: {result.rows} rows, no break.")
        if result.anchors:
            self.stdout.write(f"Checked against: {', '.join(result.anchors)}.")
