"""Idempotency jobs: the daily purge of records past their 7 days (scheduled by idempotency
migration 0002)."""

from celery import shared_task
from django.utils import timezone

from socialops.idempotency.middleware import RETENTION
from socialops.idempotency.models import IdempotencyRecord


@shared_task(acks_late=True, reject_on_worker_lost=True)
def idempotency_purge() -> int:
    """Delete the records older than the retention period; the middleware already ignores
    them, this keeps the table small. Idempotent: a redelivered run deletes nothing more."""
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - RETENTION
    ).delete()
    return deleted
