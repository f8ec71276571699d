"""Reads of teams data."""

from __future__ import annotations

import datetime as dt

from teams.models import Leave


def leave_dates_for(*, member_ids, start: dt.date, end: dt.date) -> dict[int, set[dt.date]]:
    """member id → the dates in [start, end] covered by any leave (one query)."""
    out: dict[int, set[dt.date]] = {m: set() for m in member_ids}
    rows = Leave.objects.filter(
        member_id__in=member_ids, start_date__lte=end, end_date__gte=start
    ).values_list("member_id", "start_date", "end_date")
    for member_id, s, e in rows:
        day = max(s, start)
        last = min(e, end)
        while day <= last:
            out[member_id].add(day)
            day += dt.timedelta(days=1)
    return out
