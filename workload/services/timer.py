"""The running timer (docs/timer.md): start now, fill in the details when stopping. The API,
the My week page and the header indicator call these; stopping writes task logs only through
`task_logs.task_log_create`, so every task-log rule applies to the timed work too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from socialops.common.exceptions import Conflict, DomainError, NotFound
from teams.models import Channel, Member
from workload.duration import format_duration
from workload.hours import MINUTES_PER_DAY, split_at_midnight
from workload.models import Category, TaskLog, Timer
from workload.services import task_logs

STOP_OVERRIDES = frozenset(
    {"category", "channel", "note", "messages_handled", "hostile_messages", "crisis"}
)
_MINUTE_US = 60_000_000


class TimerNotRunning(NotFound):
    """The member has no running timer to stop or discard (404)."""

    def __init__(self) -> None:
        super().__init__(_("You have no running timer."))


def timer_for(member: Member | None) -> Timer | None:
    """The member's running timer, if any (one query)."""
    if member is None:
        return None
    return Timer.objects.filter(member=member).select_related("channel").first()


def elapsed_minutes(timer: Timer, now: dt.datetime | None = None) -> int:
    """Whole minutes since the start, rounded half up (30 s → 1, 89 s → 1, 90 s → 2), and at
    least 1 (a clock set back cannot make it zero or negative)."""
    micro = ((now or timezone.now()) - timer.started_at) // dt.timedelta(microseconds=1)
    return max(1, (micro + _MINUTE_US // 2) // _MINUTE_US)


def _lock_member(member: Member) -> Member:
    # Serialises starts and stops per member: two taps on Start cannot make two timers, and
    # two taps on Stop cannot log the same time twice.
    return Member.objects.select_for_update().get(pk=member.pk)


def _validate(member: Member, *, category: str, channel: Channel | None, note: str) -> None:
    errors: dict[str, str] = {}
    if member.status == Member.Status.DEPARTED:
        errors["member"] = _("A departed member cannot log work.")
    if category and category not in Category.values:
        errors["category"] = _("Unknown category; choose one of %(choices)s.") % {
            "choices": ", ".join(Category.values)
        }
    if channel is not None and (member.team_id is None or channel.team_id != member.team_id):
        errors["channel"] = _("Choose one of your team's channels.")
    if len(note or "") > task_logs.NOTE_MAX:
        errors["note"] = _("Keep the note under %(max)s characters.") % {"max": task_logs.NOTE_MAX}
    if errors:
        raise DomainError(errors)


@transaction.atomic
def timer_start(
    *,
    member: Member,
    category: str = "",
    channel: Channel | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Timer:
    """Start the member's timer; 409 when one already runs."""
    member = _lock_member(member)
    running = Timer.objects.filter(member=member).first()
    if running is not None:
        since = timezone.localtime(running.started_at, member.tz)
        raise Conflict(
            {
                "timer": [
                    _("A timer is already running since %(since)s.") % {"since": f"{since:%H:%M}"}
                ]
            }
        )
    category, note = category or "", note or ""
    _validate(member, category=category, channel=channel, note=note)
    return Timer.objects.create(
        member=member,
        started_at=now or timezone.now(),
        category=category,
        channel=channel,
        note=note,
    )


@transaction.atomic
def timer_stop(
    *, member: Member, now: dt.datetime | None = None, **overrides: Any
) -> list[TaskLog]:
    """Stop the timer and log its time: one task log per local date the timer ran on (in the
    member's time zone, wall clock; the first from the start time, the next from 00:00), each
    through `task_log_create`. `overrides` set or replace the timer's category, channel and
    note, and give the counts (messages_handled, hostile_messages, crisis), which go on the
    last entry only: they are counted once, at the end of the work.

    Refused (400, nothing logged, the timer keeps running): no category from start or stop,
    more than 24 hours elapsed, or any task-log rule (day cap, employment, channel)."""
    unknown = set(overrides) - STOP_OVERRIDES
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), _("This field cannot be set on stop.")))
    member = _lock_member(member)
    timer = Timer.objects.select_for_update().filter(member=member).first()
    if timer is None:
        raise TimerNotRunning()
    now = now or timezone.now()
    category = overrides.get("category") or timer.category
    if not category:
        raise DomainError(
            {"category": [_("Choose a category: the timer was started without one.")]}
        )
    channel = overrides.get("channel", timer.channel)
    note = overrides["note"] if overrides.get("note") is not None else timer.note
    _validate(member, category=category, channel=channel, note=note)
    minutes = elapsed_minutes(timer, now)
    if minutes > MINUTES_PER_DAY:
        raise DomainError(
            {
                "minutes": [
                    _(
                        "The timer has run for %(duration)s, more than 24 hours: discard it "
                        "and log the time by hand."
                    )
                    % {"duration": format_duration(minutes)}
                ]
            }
        )
    start = timezone.localtime(timer.started_at, member.tz).replace(second=0, microsecond=0)
    pieces = split_at_midnight(start.date(), start.time().replace(tzinfo=None), minutes)
    created = []
    for index, piece in enumerate(pieces):
        last = index == len(pieces) - 1
        created.append(
            task_logs.task_log_create(
                member=member,
                date=piece.date,
                started_at=dt.time(*divmod(piece.start_minute or 0, 60)),
                minutes=piece.minutes,
                category=category,
                channel=channel,
                note=note,
                messages_handled=overrides.get("messages_handled") or 0 if last else 0,
                hostile_messages=overrides.get("hostile_messages") if last else None,
                crisis=bool(overrides.get("crisis")) if last else False,
            )
        )
    timer.delete()
    return created


@transaction.atomic
def timer_discard(*, member: Member) -> None:
    """Throw the running timer away; nothing is logged. 404 when none runs."""
    deleted, _ = Timer.objects.filter(member=member).delete()
    if not deleted:
        raise TimerNotRunning()
