"""Governance jobs: the outbox relay, grant expiry, overdue reviews."""

from celery import shared_task

from governance import outbox, services


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def outbox_relay() -> dict:
    """Relay due outbox rows (beat every 10 s, plus an on-commit nudge). At least once:
    consumers deduplicate on the outbox id."""
    return outbox.outbox_relay_batch()


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def grants_expire() -> int:
    """Hourly: record expiries in the audit log and dispatch the platform revocations."""
    return services.grants_expire()
