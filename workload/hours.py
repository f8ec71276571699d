"""Wall-clock arithmetic on task-log entries (docs/scoring.md "Local wall-clock time").

Pure Python (Django only to translate a message). An entry spans [started_at,
started_at + minutes) on the member's wall clock; one that passes local midnight is split
there and each piece belongs to its own date. DST is ignored on purpose: dates and times are
what the member typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Set
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

MINUTES_PER_DAY = 24 * 60
DAY_LIMIT_MESSAGE = gettext_lazy("An entry lasts from 1 minute to 24 hours (1440 minutes).")


@dataclass(frozen=True)
class Piece:
    date: dt.date
    start_minute: int | None  # minutes after local midnight; None when no start time was given
    minutes: int


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the ISO week holding `day` (weeks run Monday to Sunday)."""
    return day - dt.timedelta(days=day.weekday())


def _minute_of_day(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def split_at_midnight(date: dt.date, started_at: dt.time | None, minutes: int) -> list[Piece]:
    if started_at is None:
        return [Piece(date, None, minutes)]
    pieces = []
    start = _minute_of_day(started_at)
    remaining = minutes
    day = date
    while remaining > 0:
        length = min(remaining, MINUTES_PER_DAY - start)
        pieces.append(Piece(day, start, length))
        remaining -= length
        day += dt.timedelta(days=1)
        start = 0
    return pieces


def is_available_workday(day: dt.date, workdays: Iterable[int], leave_dates: Set[dt.date]) -> bool:
    """A contracted weekday the member is not on leave."""
    return day.weekday() in workdays and day not in leave_dates


def after_hours(minutes: int, inside: int, *, available_workday: bool) -> int:
    """The after-hours rule (docs/scoring.md 1.1), for one date's piece of work: on an
    available workday, the minutes outside the working window; on any other day (rest day or
    leave day), all of them. `inside` counts a piece without a start time as inside.

    The one rule behind the entry response, My week, the recompute and the trends; where a
    piece falls inside the window is computed in SQL (TaskLogQuerySet.with_pieces)."""
    return minutes - inside if available_workday else minutes


def minutes_per_date(entries: Iterable[tuple[dt.date, dt.time | None, int]]) -> dict:
    """date → logged minutes, with entries split at local midnight."""
    out: dict[dt.date, int] = {}
    for date, started_at, minutes in entries:
        for piece in split_at_midnight(date, started_at, minutes):
            out[piece.date] = out.get(piece.date, 0) + piece.minutes
    return out
