"""Wall-clock arithmetic on task-log entries (scoring.md "Local wall-clock time").

Pure Python, no Django. An entry spans [started_at, started_at + minutes) on the member's
wall clock; one that passes local midnight is split there and each piece belongs to its own
date. DST is ignored on purpose: dates and times are what the member typed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Piece:
    date: dt.date
    start_minute: int | None  # minutes after local midnight; None when no start time was given
    minutes: int


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


@dataclass(frozen=True)
class WorkingWindow:
    """A member's contracted working pattern in local wall-clock time."""

    start: dt.time
    end: dt.time
    workdays: frozenset[int]  # 0 = Monday … 6 = Sunday
    leave_dates: frozenset[dt.date] = frozenset()

    def is_available_workday(self, day: dt.date) -> bool:
        return day.weekday() in self.workdays and day not in self.leave_dates


def after_hours_minutes(
    date: dt.date, started_at: dt.time | None, minutes: int, window: WorkingWindow
) -> int:
    """Minutes of one entry outside the working window.

    On an available workday: the minutes outside [start, end); on any other day (rest day or
    leave day): all of them. A piece without a start time counts as inside the window on an
    available workday.
    """
    total = 0
    w_start, w_end = _minute_of_day(window.start), _minute_of_day(window.end)
    for piece in split_at_midnight(date, started_at, minutes):
        if not window.is_available_workday(piece.date):
            total += piece.minutes
        elif piece.start_minute is not None:
            p_start, p_end = piece.start_minute, piece.start_minute + piece.minutes
            inside = max(0, min(p_end, w_end) - max(p_start, w_start))
            total += piece.minutes - inside
    return total


def minutes_per_date(entries: Iterable[tuple[dt.date, dt.time | None, int]]) -> dict:
    """date → logged minutes, with entries split at local midnight."""
    out: dict[dt.date, int] = {}
    for date, started_at, minutes in entries:
        for piece in split_at_midnight(date, started_at, minutes):
            out[piece.date] = out.get(piece.date, 0) + piece.minutes
    return out
