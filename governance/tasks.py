"""Governance jobs: the outbox relay, grant expiry, overdue access reviews, scheduled
offboardings.

The relay task itself is defined in governance.outbox, beside the relay it runs (the services
that write outbox rows nudge it); it is imported here so that Celery's autodiscovery of
`tasks` modules registers it with the others.
"""

from celery import shared_task

from governance import reviews, services
from governance.outbox import outbox_relay

__all__ = ["outbox_relay", "grants_expire", "reviews_enforce_overdue", "offboardings_run_due"]


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def grants_expire() -> int:
    """Hourly: record expiries in the audit log and dispatch the platform revocations."""
    return services.grants_expire()


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def reviews_enforce_overdue() -> dict:
    """Daily: revoke, as the system, the grants still undecided after their campaign's
    deadline (campaigns with auto_revoke only). Idempotent."""
    return reviews.reviews_enforce_overdue()


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def offboardings_run_due() -> int:
    """Every 15 minutes: run the scheduled offboardings whose last day has ended in the
    leaver's time zone, as the system. Idempotent."""
    return services.offboardings_run_due()
