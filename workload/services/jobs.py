"""Recompute jobs: created by the API or the nightly schedule, fanned out one Celery task per
team, and reported by the job API. Progress is derived from what the tasks wrote (the teams
whose snapshot is newer than the job), so a redelivered task can never count twice."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from workload.models import RecomputeJob, StaffingSnapshot

log = logging.getLogger(__name__)

# A job not finished this long after it was created has lost its tasks (a worker that died,
# a broker that dropped them): it reads as failed rather than "running" for ever.
JOB_TIMEOUT = dt.timedelta(seconds=getattr(settings, "RECOMPUTE_JOB_TIMEOUT_SECONDS", 3600))


def default_as_of() -> dt.date:
    """Yesterday in the server's time zone (UTC): docs/scoring.md "Which day"."""
    return timezone.now().date() - dt.timedelta(days=1)


@transaction.atomic
def job_create(*, as_of: dt.date, team_ids: Iterable[int], requested_by=None) -> RecomputeJob:
    """Record a job for these teams; one with no team is done at once. The tasks are
    enqueued by workload.tasks.recompute_start, which calls this."""
    team_ids = sorted(set(team_ids))
    job = RecomputeJob.objects.create(
        as_of=as_of, team_ids=team_ids, total=len(team_ids), requested_by=requested_by
    )
    if not team_ids:
        RecomputeJob.objects.filter(pk=job.pk).update(
            state=RecomputeJob.State.DONE, finished_at=timezone.now()
        )
        job.refresh_from_db()
    return job


def job_mark_running(*, job_id: str | None) -> None:
    if job_id:
        RecomputeJob.objects.filter(pk=job_id, state=RecomputeJob.State.QUEUED).update(
            state=RecomputeJob.State.RUNNING
        )


def job_refresh(*, job: RecomputeJob) -> RecomputeJob:
    """Bring state and progress up to date from the snapshots the tasks wrote (one query,
    plus one write when the job has just finished)."""
    if job.state in (RecomputeJob.State.DONE, RecomputeJob.State.FAILED):
        return job
    done = StaffingSnapshot.objects.filter(
        team_id__in=job.team_ids, as_of=job.as_of, computed_at__gte=job.created_at
    ).count()
    job.done = min(done, job.total)
    update_fields = ["done", "state", "finished_at"]
    if job.done >= job.total:
        job.state = RecomputeJob.State.DONE
        job.finished_at = timezone.now()
    elif timezone.now() - job.created_at > JOB_TIMEOUT:
        job.state = RecomputeJob.State.FAILED
        job.finished_at = timezone.now()
        job.error = _("The job did not finish within %(minutes)s minutes.") % {
            "minutes": int(JOB_TIMEOUT.total_seconds() // 60)
        }
        update_fields.append("error")
    elif job.done and job.state == RecomputeJob.State.QUEUED:
        job.state = RecomputeJob.State.RUNNING
    job.save(update_fields=update_fields)
    return job


def job_fail(*, job_id: str | None, error: str) -> None:
    if job_id:
        log.error("recompute job %s failed: %s", job_id, error)
        RecomputeJob.objects.filter(pk=job_id).exclude(state=RecomputeJob.State.DONE).update(
            state=RecomputeJob.State.FAILED, error=error[:2000], finished_at=timezone.now()
        )
