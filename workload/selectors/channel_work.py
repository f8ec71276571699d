"""Work per channel, for governance's dormant-grant check (registered in WorkloadConfig.ready)."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet

from workload.models import TaskLog


def recent_channel_work(since: dt.date) -> QuerySet[TaskLog]:
    """Work rows on OuterRef("channel_id") by OuterRef("member_id") since `since`: the read
    governance's dormant-grant check uses."""
    return TaskLog.objects.filter(
        member_id=OuterRef("member_id"), channel_id=OuterRef("channel_id"), date__gte=since
    )
