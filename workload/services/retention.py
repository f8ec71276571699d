"""Retention (docs/privacy.md "Retention"): personal rows older than RETENTION_MONTHS are
purged, set-based (one DELETE per table), with one audit event saying what went, in the same
transaction. Team-level rows (staffing snapshots) and the audit log itself are kept."""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import QuerySet

from socialops.audit.services import Entry, audit_append_many
from teams.models import Leave, OnCallShift
from workload.models import BurnoutScore, PulseResponse, TaskLog

# Longer than the longest edit window a team may set (366 days) plus the 28-day scoring
# window: nothing a member may still change, or a score still reads, is ever purged.
MIN_RETENTION_MONTHS = 13


def retention_months() -> int:
    months = int(getattr(settings, "RETENTION_MONTHS", 24))
    if months < MIN_RETENTION_MONTHS:
        raise ImproperlyConfigured(
            f"RETENTION_MONTHS must be at least {MIN_RETENTION_MONTHS} (it is {months})."
        )
    return months


def retention_cutoff(today: dt.date, months: int) -> dt.date:
    """The first day kept: `today` minus `months` calendar months (the 31st becomes the last
    day of a shorter month). Rows dated before it are purged; rows on it are kept."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def _purge(queryset: QuerySet) -> int:
    # One DELETE statement: no row is loaded, no signal is sent (none is connected to these
    # models). Django's public delete() would first SELECT every row to collect relations.
    return queryset._raw_delete(queryset.db)


@transaction.atomic
def retention_purge(*, today: dt.date, months: int | None = None) -> dict[str, object]:
    """Delete task logs, leave, on-call shifts, pulse answers and burnout scores dated before
    the cut-off, and append one `retention.purged` event with the counts (eight queries)."""
    months = retention_months() if months is None else months
    if months < MIN_RETENTION_MONTHS:
        raise ValueError(f"months must be at least {MIN_RETENTION_MONTHS}")
    cutoff = retention_cutoff(today, months)
    # A kept entry copied from a purged one keeps its data and loses only the link.
    TaskLog.objects.filter(copied_from__date__lt=cutoff, date__gte=cutoff).update(copied_from=None)
    counts = {
        "task_logs": _purge(TaskLog.objects.filter(date__lt=cutoff)),
        "leave": _purge(Leave.objects.filter(end_date__lt=cutoff)),
        "on_call_shifts": _purge(OnCallShift.objects.filter(last_local_date__lt=cutoff)),
        "pulse_responses": _purge(PulseResponse.objects.filter(week__lt=cutoff)),
        "burnout_scores": _purge(BurnoutScore.objects.filter(as_of__lt=cutoff)),
    }
    data: dict[str, object] = {"cutoff": cutoff.isoformat(), "months": months, **counts}
    audit_append_many(
        actor=None, entries=[Entry("retention.purged", "organisation", "retention", data)]
    )
    return data
