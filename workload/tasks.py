"""Celery tasks: thin, idempotent, taking ids and ISO dates, each calling one service; and
`recompute_start`, which records a job and enqueues its tasks (the API, the dashboards and the
nightly run call it). Services never enqueue these tasks themselves: tasks import services,
not the other way round."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import OperationalError, transaction

from socialops.common.fields import date_in_range
from teams.models import Team
from workload.models import RecomputeJob
from workload.services import jobs, retention, scoring

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
    try:
        day = dt.date.fromisoformat(as_of)
        if not date_in_range(day):
            raise ValueError(f"as_of {as_of} is outside 1970-01-01..2100-12-31")
        return scoring.team_recompute(team_id=team_id, as_of=day)
    except OperationalError:
        raise  # retried; RecordFinalFailure records the last failure
    except Exception as exc:
        # Not retried: the job ends failed now, whatever on_failure later manages to do.
        jobs.job_fail(job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(queue="scores", acks_late=True, reject_on_worker_lost=True)
def recompute_all(as_of: str | None = None) -> str:
    """The nightly run (django-celery-beat, 12:00 UTC): every team, for yesterday by default."""
    day = dt.date.fromisoformat(as_of) if as_of else jobs.default_as_of()
    job = recompute_start(as_of=day, team_ids=Team.objects.values_list("pk", flat=True))
    return str(job.pk)


@shared_task(queue="default", acks_late=True, reject_on_worker_lost=True)
def retention_purge_daily(today: str | None = None) -> dict:
    """Daily (django-celery-beat, workload migration 0006): purge personal rows older than
    RETENTION_MONTHS (docs/privacy.md "Retention"). Idempotent: a rerun purges nothing more."""
    day = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
    return retention.retention_purge(today=day)


@transaction.atomic
def recompute_start(*, as_of: dt.date, team_ids: Iterable[int], requested_by=None) -> RecomputeJob:
    """Record a job and enqueue one task per team once the job row is committed."""
    job = jobs.job_create(as_of=as_of, team_ids=team_ids, requested_by=requested_by)
    for team_id in job.team_ids:
        recompute_team.delay_on_commit(team_id=team_id, as_of=as_of.isoformat(), job_id=str(job.pk))
    return job
