"""manage.py verify_audit: recompute the audit chain and name the first row that breaks it."""

from django.core.management.base import BaseCommand, CommandError

from socialops.audit.models import AuditEvent
from socialops.audit.selectors import audit_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log."

    def handle(self, *args, **options):
        for row_id, problem in audit_verify():
            raise CommandError(f"Audit chain broken at row {row_id}: {problem}.")
        count = AuditEvent.objects.count()
        self.stdout.write(f"Audit chain verified: {count} rows, no break.")
