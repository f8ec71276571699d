"""The access-review job: auto-revoke overdue items of campaigns with auto_revoke.

Not named tasks.py, so Celery's autodiscovery does not import it by itself: the beat
schedule's wiring imports it (e.g. from governance.tasks or CELERY_IMPORTS).
"""

from celery import shared_task

from governance import reviews


@shared_task(queue="governance", acks_late=True, reject_on_worker_lost=True)
def reviews_enforce_overdue() -> dict:
    """Daily: revoke, as the system, the grants still undecided after their campaign's
    deadline (campaigns with auto_revoke only). Idempotent."""
    return reviews.reviews_enforce_overdue()
