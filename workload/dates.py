"""Dates as people read them (docs/architecture.md, "Showing things").

The names are Django's abbreviations in the active language (never the server's locale), so
an English page reads "Wed 2 Dec" whatever the server. A date outside `today`'s year carries
its year: "Wed 2 Dec", "Wed 1 Jan 2025".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR

# Lazy: "Mon" … "Sun" and "Jan" … "Dec" (Django's "jan" title-cased, as its "M" format does).
WEEKDAYS = tuple(WEEKDAYS_ABBR[i] for i in range(7))
MONTHS = tuple(MONTHS_3[i] for i in range(1, 13))


def short_date(day: dt.date, today: dt.date) -> str:
    """ "2 Dec" in today's year, "1 Jan 2025" outside it."""
    text = f"{day.day} {str(MONTHS[day.month - 1]).title()}"
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
