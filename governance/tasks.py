"""Governance jobs: the outbox relay, grant expiry, overdue reviews."""

from celery import shared_task

from governance import outbox, services
from governance.tasks_reviews import reviews_enforce_overdue

__all__ = ["outbox_relay", "grants_expire", "reviews_enforce_overdue"]


# ignore_result: nobody reads the relay's result, and a task with a result makes every delay()
# (the on-commit nudge) subscribe to the Redis result backend first, which retries a down
# Redis for ~20 s inside the request that committed; the publish alone gives up in about 1 s.
@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def outbox_relay() -> dict:
    """Relay due outbox rows (beat every 10 s, plus an on-commit nudge). At least once:
    consumers deduplicate on the outbox id."""
    return outbox.outbox_relay_batch()


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def grants_expire() -> int:
    """Hourly: record expiries in the audit log and dispatch the platform revocations."""
    return services.grants_expire()
