import datetime as dt

from django import template
from django.utils import timezone

from workload import dates
from workload.duration import format_duration

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """90 → 1h30."""
    try:
        return format_duration(int(minutes or 0))
    except (TypeError, ValueError):
        return ""


def _local_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value if isinstance(value, dt.date) else None


@register.filter
def day_label(value, today=None) -> str:
    """A date (or an instant, in the active time zone) as people read it: "Wed 2 Dec" in
    today's year, "Wed 1 Jan 2025" outside it (workload.dates). `today` defaults to the local
    date; pages that know the member's own today pass it: `{{ d|day_label:today }}`."""
    day = _local_date(value)
    if day is None:
        return ""
    return dates.day_label(day, _local_date(today) or timezone.localdate())
