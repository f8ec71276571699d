"""After-hours time of task-log entries, for the entry response and My week.

The pieces (an entry split at local midnight, and how much of each lies inside the member's
working window) come from SQL (`TaskLogQuerySet.with_pieces`); the rule that turns them into
after-hours minutes is `workload.hours.after_hours`. The recompute and the trends sum the same
pieces per member-day (`workload.selectors.aggregates.day_sums`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence, Set
from typing import TYPE_CHECKING

from teams.selectors import leave_dates_for
from workload.hours import after_hours, is_available_workday
from workload.models import TaskLog

if TYPE_CHECKING:
    from workload.models import TaskLogWithPieces

DAY = dt.timedelta(days=1)


def entry_after_hours(
    log: TaskLogWithPieces, workdays: Iterable[int], leave_dates: Set[dt.date]
) -> int:
    """After-hours minutes of one entry annotated by `with_pieces()` (no query)."""
    workdays = set(workdays)
    return after_hours(
        log.piece_same,
        log.piece_inside_same,
        available_workday=is_available_workday(log.date, workdays, leave_dates),
    ) + after_hours(
        log.piece_spill,
        log.piece_inside_spill,
        available_workday=is_available_workday(log.date + DAY, workdays, leave_dates),
    )


def after_hours_for(logs: Sequence[TaskLogWithPieces]) -> dict[int, int]:
    """task log id → after-hours minutes, leave taken into account (one query: leave). The
    logs carry `with_pieces()` annotations and their member (select_related)."""
    if not logs:
        return {}
    start = min(log.date for log in logs)
    end = max(log.date for log in logs) + DAY
    leave = leave_dates_for(member_ids={log.member_id for log in logs}, start=start, end=end)
    return {
        log.pk: entry_after_hours(log, log.member.workdays, leave[log.member_id]) for log in logs
    }


def after_hours_of(log: TaskLog) -> int:
    """One entry's after-hours minutes, as just written by a service (two queries)."""
    annotated = TaskLog.objects.with_pieces().select_related("member").get(pk=log.pk)
    return after_hours_for([annotated])[annotated.pk]
