"""Template context the workload app adds to every page: the member's running timer, for the
header indicator and the timer card of My week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from teams.models import roles_for
from workload.models import Timer
from workload.services.timer import elapsed_minutes, timer_for


@dataclass(frozen=True)
class RunningTimer:
    """A running timer as pages show it: its start on the member's clock and the elapsed
    time, computed on the server when the page is rendered."""

    timer: Timer
    started_local: dt.datetime
    minutes: int
    seconds: int  # elapsed at rendering, for socialops/timer.js to count on from

    @property
    def label(self) -> str:
        """12 → "0h12", 135 → "2h15"."""
        hours, minutes = divmod(self.minutes, 60)
        return f"{hours}h{minutes:02d}"


CACHE_KEY = "_socialops_timer"


def running_timer_for(request: HttpRequest) -> RunningTimer | None:
    """The signed-in member's running timer, read once per request (one query; none for
    people who are not members)."""
    # Cached in the request's own dict: one query per request however often it is asked.
    if CACHE_KEY in request.__dict__:
        cached: RunningTimer | None = request.__dict__[CACHE_KEY]
        return cached
    member = roles_for(getattr(request, "user", None)).member
    found = timer_for(member) if member is not None and member.role_member else None
    shown = None
    if member is not None and found is not None:
        now = timezone.now()
        shown = RunningTimer(
            timer=found,
            started_local=timezone.localtime(found.started_at, member.tz),
            minutes=elapsed_minutes(found, now),
            seconds=max(0, int((now - found.started_at).total_seconds())),
        )
    request.__dict__[CACHE_KEY] = shown
    return shown


def running_timer(request: HttpRequest) -> dict:
    """`running_timer`: the member's running timer or None. Lazy: the query runs only when a
    page shows it (the header does, for signed-in members)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"running_timer": SimpleLazyObject(lambda: running_timer_for(request))}
