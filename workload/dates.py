"""Dates as people read them (docs/architecture.md, "Showing things").

Pure Python, no Django, no locale: the names are fixed English abbreviations, so a page reads
the same whatever the server's locale. A date outside `today`'s year carries its year:
"Wed 2 Dec", "Wed 1 Jan 2025".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # fmt: skip


def short_date(day: dt.date, today: dt.date) -> str:
    """ "2 Dec" in today's year, "1 Jan 2025" outside it."""
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return text if day.year == today.year else f"{text} {day.year}"


def day_label(day: dt.date, today: dt.date) -> str:
    """ "Wed 2 Dec" in today's year, "Wed 1 Jan 2025" outside it."""
    return f"{WEEKDAYS[day.weekday()]} {short_date(day, today)}"


def days_label(days: Iterable[dt.date], today: dt.date) -> str:
    """Several dates, runs of consecutive days joined: "Mon 7 Dec – Wed 9 Dec, Fri 11 Dec";
    "" for none."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(days)):
        if runs and day - runs[-1][-1] == dt.timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        day_label(run[0], today)
        if len(run) == 1
        else f"{day_label(run[0], today)} – {day_label(run[-1], today)}"
        for run in runs
    )
