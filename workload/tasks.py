"""Celery tasks: thin, idempotent, taking ids and ISO dates, each calling one service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import OperationalError

from workload import jobs, scoring

log = logging.getLogger(__name__)


class RecordFinalFailure(DjangoTask):
    """After the last retry, record the failure on the job so the API can report it."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        jobs.job_fail(job_id=kwargs.get("job_id"), error=f"{type(exc).__name__}: {exc}")


@shared_task(
    base=RecordFinalFailure,
    queue="scores",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def recompute_team(*, team_id: int, as_of: str, job_id: str | None = None) -> int:
    """Burnout scores and the staffing snapshot of one team for as_of (an upsert: safe to
    run again after a redelivery)."""
    jobs.job_mark_running(job_id=job_id)
    return scoring.team_recompute(team_id=team_id, as_of=dt.date.fromisoformat(as_of))


@shared_task(queue="scores", acks_late=True, reject_on_worker_lost=True)
def recompute_all(as_of: str | None = None) -> str:
    """The nightly run (django-celery-beat, 12:00 UTC): every team, for yesterday by default."""
    from teams.models import Team

    day = dt.date.fromisoformat(as_of) if as_of else jobs.default_as_of()
    job = jobs.job_start(as_of=day, team_ids=Team.objects.values_list("pk", flat=True))
    return str(job.pk)
