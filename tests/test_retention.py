"""Retention (docs/privacy.md "Retention"): personal rows older than RETENTION_MONTHS are
purged daily, set-based, and the purge is audited with its counts and cut-off."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from socialops.audit.models import AuditEvent
from socialops.audit.selectors import audit_verify
from teams.models import Leave, OnCallShift
from tests.factories import BurnoutScoreFactory, TaskLogFactory
from workload import tasks
from workload.models import BurnoutScore, PulseResponse, StaffingSnapshot, TaskLog
from workload.services.retention import retention_cutoff, retention_purge

TODAY = dt.date(2026, 12, 3)
CUTOFF = dt.date(2024, 12, 3)  # 24 months before TODAY: the first day kept
BEFORE = CUTOFF - dt.timedelta(days=1)


def _shift(member, day):
    start = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
    return OnCallShift.objects.create(
        member=member, starts_at=start, ends_at=start + dt.timedelta(hours=8),
        first_local_date=day, last_local_date=day,
    )  # fmt: skip


def _rows(member, day):
    """One row of every purged kind dated `day` (a pulse needs a Monday: the Monday on or
    before `day` is used only when it is `day` itself, so callers pass Mondays for pulses)."""
    TaskLogFactory(member=member, date=day)
    Leave.objects.create(member=member, start_date=day - dt.timedelta(days=2), end_date=day)
    _shift(member, day)
    BurnoutScoreFactory(member=member, as_of=day)
    PulseResponse.objects.create(member=member, week=day, a1=50)


def _snapshot(team, day):
    return StaffingSnapshot.objects.create(
        team=team, as_of=day, required_fte=1, available_fte=1, gap_fte=0,
        hidden_overtime_fte=0, seat_floor_fte=0, computed_at=timezone.now(),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("today", "months", "cutoff"),
    [
        (TODAY, 24, CUTOFF),
        (dt.date(2026, 3, 31), 13, dt.date(2025, 2, 28)),  # the 31st in a short month
        (dt.date(2026, 2, 28), 24, dt.date(2024, 2, 28)),
        (dt.date(2026, 1, 15), 13, dt.date(2024, 12, 15)),  # across the year
    ],
)
def test_the_cutoff_is_today_minus_whole_calendar_months(today, months, cutoff):
    assert retention_cutoff(today, months) == cutoff


def test_rows_before_the_cutoff_are_purged_and_rows_on_it_kept(personas):
    member = personas.member
    _rows(member, BEFORE)
    _rows(member, CUTOFF)
    old_snapshot = _snapshot(personas.team, BEFORE)

    result = retention_purge(today=TODAY, months=24)

    counts = {"task_logs": 1, "leave": 1, "on_call_shifts": 1, "pulse_responses": 1,
              "burnout_scores": 1}  # fmt: skip
    assert result == {"cutoff": "2024-12-03", "months": 24, **counts}
    assert list(TaskLog.objects.values_list("date", flat=True)) == [CUTOFF]
    assert list(Leave.objects.values_list("end_date", flat=True)) == [CUTOFF]
    assert list(OnCallShift.objects.values_list("last_local_date", flat=True)) == [CUTOFF]
    assert list(PulseResponse.objects.values_list("week", flat=True)) == [CUTOFF]
    assert list(BurnoutScore.objects.values_list("as_of", flat=True)) == [CUTOFF]
    # Team-level rows are not personal: kept.
    assert StaffingSnapshot.objects.filter(pk=old_snapshot.pk).exists()


def test_a_record_spanning_the_cutoff_is_kept(personas):
    Leave.objects.create(member=personas.member, start_date=BEFORE - dt.timedelta(days=5),
                         end_date=CUTOFF)  # fmt: skip
    retention_purge(today=TODAY, months=24)
    assert Leave.objects.count() == 1


def test_the_purge_is_audited_with_its_counts_and_cutoff_and_the_chain_verifies(personas):
    _rows(personas.member, BEFORE)
    retention_purge(today=TODAY, months=24)
    event = AuditEvent.objects.get(action="retention.purged")
    assert event.actor_id is None
    assert event.target_type == "organisation"
    counts = dict.fromkeys(
        ["task_logs", "leave", "on_call_shifts", "pulse_responses", "burnout_scores"], 1
    )
    assert event.data == {"cutoff": "2024-12-03", "months": 24, **counts}
    assert list(audit_verify()) == []


def test_a_kept_copy_of_a_purged_entry_loses_only_its_link(personas):
    original = TaskLogFactory(member=personas.member, date=BEFORE)
    copy = TaskLogFactory(member=personas.member, date=CUTOFF, copied_from=original)
    retention_purge(today=TODAY, months=24)
    copy.refresh_from_db()
    assert copy.copied_from_id is None
    assert not TaskLog.objects.filter(pk=original.pk).exists()


def test_the_purge_runs_a_fixed_number_of_queries_whatever_it_deletes(personas):
    _rows(personas.member, BEFORE)
    with CaptureQueriesContext(connection) as few:
        retention_purge(today=TODAY, months=24)
    monday = dt.date(2024, 1, 1)
    for member in (personas.member, personas.teammate, personas.foreigner):
        for week in range(40):
            _rows(member, monday + dt.timedelta(weeks=week))
    with CaptureQueriesContext(connection) as many:
        retention_purge(today=TODAY, months=24)
    assert TaskLog.objects.count() == 0
    assert len(many) == len(few)
    # Copy links (one UPDATE), one DELETE per table (five), the audit lock, head and insert,
    # and two savepoints with their releases.
    deletes = [q["sql"] for q in many if q["sql"].startswith("DELETE")]
    assert len(deletes) == 5, deletes
    assert len(many) == 13, [q["sql"] for q in many]


def test_retention_months_comes_from_the_settings_and_has_a_floor(personas, settings):
    settings.RETENTION_MONTHS = 13
    TaskLogFactory(member=personas.member, date=dt.date(2025, 11, 2))
    assert retention_purge(today=TODAY)["task_logs"] == 1  # cut-off 2025-11-03
    settings.RETENTION_MONTHS = 6
    with pytest.raises(ImproperlyConfigured):
        retention_purge(today=TODAY)
    with pytest.raises(ValueError):
        retention_purge(today=TODAY, months=12)


def test_the_default_is_24_months(personas):
    from django.conf import settings

    assert settings.RETENTION_MONTHS == 24
    TaskLogFactory(member=personas.member, date=CUTOFF)
    assert retention_purge(today=TODAY)["cutoff"] == CUTOFF.isoformat()
    assert TaskLog.objects.count() == 1


def test_the_daily_task_is_scheduled_and_purges(personas):
    task = PeriodicTask.objects.get(task="workload.tasks.retention_purge_daily")
    assert task.enabled and task.crontab.hour == "3"
    TaskLogFactory(member=personas.member, date=BEFORE)
    assert tasks.retention_purge_daily(today=TODAY.isoformat())["task_logs"] == 1
    assert tasks.retention_purge_daily(today=TODAY.isoformat())["task_logs"] == 0
