from django import template

from workload.duration import format_duration

register = template.Library()


@register.filter
def duration(minutes) -> str:
    """90 → 1h30."""
    try:
        return format_duration(int(minutes or 0))
    except (TypeError, ValueError):
        return ""
