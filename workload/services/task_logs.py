"""Writes of task logs. The API, the My week page, admin and the demo seeder call these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from socialops.common.exceptions import Conflict, DomainError
from teams.models import Channel, Member
from workload.duration import format_duration
from workload.hours import DAY_LIMIT_MESSAGE, MINUTES_PER_DAY, minutes_per_date
from workload.models import Category, TaskLog

NOTE_MAX = 2000
COUNT_MAX = 100_000
EDITABLE = {
    "date", "started_at", "minutes", "category", "channel", "messages_handled",
    "hostile_messages", "crisis", "note",
}  # fmt: skip


def _lock_member(member: Member) -> Member:
    # Serialises writes per member so that concurrent submissions for one member-day cannot
    # both pass the 24-hour check (PostgreSQL row lock; SQLite serialises writers anyway).
    return Member.objects.select_for_update(of=("self",)).select_related("team").get(pk=member.pk)


def _window_error(member: Member, day: dt.date) -> str | None:
    """Why `day` is outside the team's edit window (None: inside): members log and change
    work at most `log_window_days` back, so that scores stop moving under people's feet."""
    days = member.team.log_window_days if member.team is not None else None
    if days is not None and day < member.today() - dt.timedelta(days=days):
        return (
            f"Entries more than {days} days old are closed ({day:%a %d %b %Y}); ask your "
            "leader if something there is wrong."
        )
    return None


def _validate(
    member: Member, values: dict[str, Any], *, exclude_pk: int | None = None, totals: bool = True
) -> None:
    errors: dict[str, str] = {}
    minutes = values["minutes"]
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        errors["minutes"] = "Give whole minutes."
    elif not 1 <= minutes <= MINUTES_PER_DAY:
        errors["minutes"] = DAY_LIMIT_MESSAGE
    if values["category"] not in Category.values:
        errors["category"] = f"Unknown category; choose one of {', '.join(Category.values)}."
    day: dt.date = values["date"]
    if member.status == Member.Status.DEPARTED:
        errors["member"] = "A departed member cannot log work."
    elif day > member.today():
        errors["date"] = "You cannot log work for a future date."
    elif not member.employed_on(day):
        errors["date"] = f"{day:%Y-%m-%d} is outside your employment."
    elif (closed := _window_error(member, day)) is not None:
        errors["date"] = closed
    channel: Channel | None = values.get("channel")
    if channel is not None and channel.team_id != member.team_id:
        errors["channel"] = "Choose one of your team's channels."
    for name in ("messages_handled", "hostile_messages"):
        value = values.get(name)
        if value is not None and not 0 <= value <= COUNT_MAX:
            errors[name] = f"Give a number from 0 to {COUNT_MAX}."
    hostile, handled = values.get("hostile_messages"), values.get("messages_handled") or 0
    if "hostile_messages" not in errors and hostile is not None and handled and hostile > handled:
        errors["hostile_messages"] = (
            f"Hostile messages ({hostile}) cannot be more than the messages handled ({handled})."
        )
    if len(values.get("note") or "") > NOTE_MAX:
        errors["note"] = f"Keep the note under {NOTE_MAX} characters."
    if errors:
        raise DomainError(errors)
    if totals:
        _check_day_totals(member, values, exclude_pk=exclude_pk)


def _check_day_totals(
    member: Member,
    values: dict[str, Any],
    *,
    exclude_pk: int | None,
    more: list[tuple[dt.date, dt.time | None, int]] | None = None,
) -> None:
    """No local date may hold more than 24 hours once entries are split at midnight. `more`:
    further new entries on the same date (a copied day), checked in the same query."""
    day: dt.date = values["date"]
    # An entry lasts at most a day, so only the day before can spill into `day`, and the new
    # entry can spill only into the day after.
    existing = TaskLog.objects.filter(
        member=member, date__range=(day - dt.timedelta(days=1), day + dt.timedelta(days=1))
    )
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    rows = list(existing.values_list("date", "started_at", "minutes"))
    before = minutes_per_date(rows)
    new = [(day, values.get("started_at"), values["minutes"]), *(more or [])]
    after = minutes_per_date([*rows, *new])
    for date, total in sorted(after.items()):
        if total > MINUTES_PER_DAY and total > before.get(date, 0):
            already = before.get(date, 0)
            raise DomainError(
                {
                    "minutes": f"{date:%a %d %b} would total {format_duration(total)}: a day "
                    f"holds at most 24h and {format_duration(already)} "
                    "is already logged."
                }
            )


@transaction.atomic
def task_log_create(
    *,
    member: Member,
    date: dt.date,
    minutes: int,
    category: str,
    started_at: dt.time | None = None,
    channel: Channel | None = None,
    messages_handled: int = 0,
    hostile_messages: int | None = None,
    crisis: bool = False,
    note: str = "",
    copied_from: TaskLog | None = None,
) -> TaskLog:
    values = {
        "date": date,
        "started_at": started_at,
        "minutes": minutes,
        "category": category,
        "channel": channel,
        "messages_handled": messages_handled or 0,
        "hostile_messages": hostile_messages,
        "crisis": bool(crisis),
        "note": note or "",
    }
    member = _lock_member(member)
    _validate(member, values)
    return TaskLog.objects.create(member=member, copied_from=copied_from, **values)


@transaction.atomic
def task_log_update(*, task_log: TaskLog, **changes) -> TaskLog:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), "This field cannot be changed."))
    member = _lock_member(task_log.member)
    if (closed := _window_error(member, task_log.date)) is not None:
        raise DomainError({"date": closed})
    # An entry can be moved within employment, but never to a future date nor to another person.
    values = {name: getattr(task_log, name) for name in EDITABLE}
    values.update(changes)
    values["note"] = values["note"] or ""
    values["messages_handled"] = values["messages_handled"] or 0
    _validate(member, values, exclude_pk=task_log.pk)
    for name in changes:
        setattr(task_log, name, values[name])
    if changes:
        task_log.save(update_fields=[*changes, "updated_at"])
    return task_log


@transaction.atomic
def task_log_delete(*, task_log: TaskLog) -> None:
    member = _lock_member(task_log.member)
    if (closed := _window_error(member, task_log.date)) is not None:
        raise DomainError({"date": closed})
    task_log.delete()


@transaction.atomic
def task_logs_copy_day(*, member: Member, from_date: dt.date, to_date: dt.date) -> list[TaskLog]:
    """Copy the entries of `from_date` to `to_date` ("copy yesterday", docs/api.md copy-day):
    start, minutes, category, channel, counts and crisis, not the note; each copy remembers its
    source. Entries whose copy already stands on `to_date` are skipped, so pressing it twice
    copies nothing twice: when every entry is copied already, 409 `{existing: [ids]}`. All or
    nothing: a refusal (the day cap, a future day) creates none."""
    if from_date == to_date:
        raise DomainError({"to_date": "Choose another day than the one copied."})
    sources = list(
        TaskLog.objects.filter(member=member, date=from_date)
        .select_related("channel")
        .order_by("started_at", "pk")
    )
    if not sources:
        raise DomainError({"from_date": f"Nothing is logged on {from_date:%a %d %b %Y} to copy."})
    existing = dict(
        TaskLog.objects.filter(
            member=member, date=to_date, copied_from__in=[s.pk for s in sources]
        ).values_list("copied_from_id", "pk")
    )
    todo = [s for s in sources if s.pk not in existing]
    if not todo:
        raise Conflict(
            {
                "existing": sorted(existing.values()),
                "detail": [
                    f"Every entry of {from_date:%a %d %b %Y} is already copied to "
                    f"{to_date:%a %d %b %Y}."
                ],
            }
        )
    member = _lock_member(member)
    copies = [
        {"date": to_date, "started_at": s.started_at, "minutes": s.minutes,
         "category": s.category, "channel": s.channel, "messages_handled": s.messages_handled,
         "hostile_messages": s.hostile_messages, "crisis": s.crisis, "note": ""}
        for s in todo
    ]  # fmt: skip
    for values in copies:  # the rules of one entry, without a query each
        _validate(member, values, totals=False)
    # The day cap for all copies at once (one query).
    more = [(to_date, s.started_at, s.minutes) for s in todo[1:]]
    _check_day_totals(member, copies[0], exclude_pk=None, more=more)
    return TaskLog.objects.bulk_create(
        TaskLog(member=member, copied_from=source, **values)
        for source, values in zip(todo, copies, strict=True)
    )


def _interval(day: dt.date, start: dt.time, minutes: int) -> tuple[dt.datetime, dt.datetime]:
    begin = dt.datetime.combine(day, start)
    return begin, begin + dt.timedelta(minutes=minutes)


def task_log_overlaps(task_log: TaskLog) -> list[int]:
    """Ids of the member's other entries whose time overlaps this one's (one query): a
    warning beside a new entry, never a refusal (docs/api.md). Entries without a start time
    overlap nothing."""
    if task_log.started_at is None:
        return []
    begin, end = _interval(task_log.date, task_log.started_at, task_log.minutes)
    others = TaskLog.objects.filter(
        member_id=task_log.member_id,
        date__range=(task_log.date - dt.timedelta(days=1), task_log.date + dt.timedelta(days=1)),
        started_at__isnull=False,
    ).exclude(pk=task_log.pk)
    found = []
    for pk, day, start, minutes in others.order_by("date", "started_at", "pk").values_list(
        "pk", "date", "started_at", "minutes"
    ):
        if start is None:  # excluded in SQL; for the type checker
            continue
        other_begin, other_end = _interval(day, start, minutes)
        if other_begin < end and begin < other_end:
            found.append(pk)
    return found
