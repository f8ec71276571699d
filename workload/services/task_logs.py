"""Writes of task logs. The API, the My week page, admin and the demo seeder call these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from socialops.audit.services import Entry, audit_append_many
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


def long_day(day: dt.date) -> str:
    """A date in a message, with its year and the page's language: "Wed 01 Jan 2025"."""
    return date_format(day, "D d M Y")


def _window_error(member: Member, day: dt.date) -> str | None:
    """Why `day` is outside the team's edit window (None: inside): members log and change
    work at most `log_window_days` back, so that scores stop moving under people's feet."""
    days = member.team.log_window_days if member.team is not None else None
    if days is not None and day < member.today() - dt.timedelta(days=days):
        return ngettext(
            "Entries more than %(days)s day old are closed (%(day)s); ask your leader if "
            "something there is wrong.",
            "Entries more than %(days)s days old are closed (%(day)s); ask your leader if "
            "something there is wrong.",
            days,
        ) % {"days": days, "day": long_day(day)}
    return None


def _is_correction(member: Member, actor: Any) -> bool:
    """A change made by someone other than the member (their leader through the API, an
    operator in the Django admin): not bound by the edit window, and audited."""
    return actor is not None and actor.pk != member.user_id


def _snapshot(log: TaskLog) -> dict[str, Any]:
    """An entry's values as the audit records them (JSON)."""
    return {
        "member": log.member_id,
        "date": log.date.isoformat(),
        "started_at": log.started_at.strftime("%H:%M") if log.started_at else None,
        "minutes": log.minutes,
        "category": log.category,
        "channel": log.channel_id,
        "messages_handled": log.messages_handled,
        "hostile_messages": log.hostile_messages,
        "crisis": log.crisis,
        "note_length": len(log.note or ""),
    }


def _audit_correction(actor: Any, action: str, log: TaskLog, data: dict[str, Any]) -> None:
    audit_append_many(actor=actor, entries=[Entry.about(action, log, data)])


def _validate(
    member: Member,
    values: dict[str, Any],
    *,
    exclude_pk: int | None = None,
    totals: bool = True,
    window: bool = True,
) -> None:
    errors: dict[str, str] = {}
    minutes = values["minutes"]
    if not isinstance(minutes, int) or isinstance(minutes, bool):
        errors["minutes"] = _("Give whole minutes.")
    elif not 1 <= minutes <= MINUTES_PER_DAY:
        errors["minutes"] = str(DAY_LIMIT_MESSAGE)
    if values["category"] not in Category.values:
        errors["category"] = _("Unknown category; choose one of %(choices)s.") % {
            "choices": ", ".join(Category.values)
        }
    day: dt.date = values["date"]
    if member.status == Member.Status.DEPARTED:
        errors["member"] = _("A departed member cannot log work.")
    elif day > member.today():
        errors["date"] = _("You cannot log work for a future date.")
    elif not member.employed_on(day):
        errors["date"] = _("%(day)s is outside your employment.") % {"day": f"{day:%Y-%m-%d}"}
    elif window and (closed := _window_error(member, day)) is not None:
        errors["date"] = closed
    channel: Channel | None = values.get("channel")
    if channel is not None and channel.team_id != member.team_id:
        errors["channel"] = _("Choose one of your team's channels.")
    for name in ("messages_handled", "hostile_messages"):
        value = values.get(name)
        if value is not None and not 0 <= value <= COUNT_MAX:
            errors[name] = _("Give a number from 0 to %(max)s.") % {"max": COUNT_MAX}
    hostile, handled = values.get("hostile_messages"), values.get("messages_handled") or 0
    if "hostile_messages" not in errors and hostile is not None and handled and hostile > handled:
        errors["hostile_messages"] = hostile_error(hostile, handled)
    if len(values.get("note") or "") > NOTE_MAX:
        errors["note"] = _("Keep the note under %(max)s characters.") % {"max": NOTE_MAX}
    if errors:
        raise DomainError(errors)
    if totals:
        _check_day_totals(member, values, exclude_pk=exclude_pk)


def hostile_error(hostile: int, handled: int) -> str:
    return _(
        "Hostile messages (%(hostile)s) cannot be more than the messages handled (%(handled)s)."
    ) % {"hostile": hostile, "handled": handled}


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
                    "minutes": _(
                        "%(day)s would total %(total)s: a day holds at most 24h and "
                        "%(already)s is already logged."
                    )
                    % {
                        "day": long_day(date),
                        "total": format_duration(total),
                        "already": format_duration(already),
                    }
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
    actor: Any = None,
) -> TaskLog:
    """A new entry. `actor`: the user writing it when that is not the member (an operator
    in the admin): allowed outside the edit window and audited."""
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
    correction = _is_correction(member, actor)
    _validate(member, values, window=not correction)
    log = TaskLog.objects.create(member=member, copied_from=copied_from, **values)
    if correction:
        _audit_correction(actor, "task_log.create", log, {"entry": _snapshot(log)})
    return log


@transaction.atomic
def task_log_duplicate(*, task_log: TaskLog, date: dt.date | None = None) -> TaskLog:
    """The same work again: a new entry with the source's start, duration, category,
    channel, counts and crisis flag (not its note) on `date` (default the source's day),
    under the same rules as any new entry. Each press makes one more entry."""
    return task_log_create(
        member=task_log.member,
        date=date or task_log.date,
        started_at=task_log.started_at,
        minutes=task_log.minutes,
        category=task_log.category,
        channel=task_log.channel,
        messages_handled=task_log.messages_handled,
        hostile_messages=task_log.hostile_messages,
        crisis=task_log.crisis,
        copied_from=task_log,
    )


@transaction.atomic
def task_log_update(*, task_log: TaskLog, actor: Any = None, **changes) -> TaskLog:
    """Change an entry. `actor` other than the member (their leader, an operator) corrects
    it: the edit window does not apply and the change is audited with before and after."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise DomainError(dict.fromkeys(sorted(unknown), _("This field cannot be changed.")))
    member = _lock_member(task_log.member)
    correction = _is_correction(member, actor)
    if not correction and (closed := _window_error(member, task_log.date)) is not None:
        raise DomainError({"date": closed})
    before = _snapshot(task_log)
    # An entry can be moved within employment, but never to a future date nor to another person.
    values = {name: getattr(task_log, name) for name in EDITABLE}
    values.update(changes)
    values["note"] = values["note"] or ""
    values["messages_handled"] = values["messages_handled"] or 0
    _validate(member, values, exclude_pk=task_log.pk, window=not correction)
    for name in changes:
        setattr(task_log, name, values[name])
    if changes:
        task_log.save(update_fields=[*changes, "updated_at"])
        after = _snapshot(task_log)
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if correction and changed:
            _audit_correction(
                actor, "task_log.update", task_log, {"member": member.pk, "changed": changed}
            )
    return task_log


@transaction.atomic
def task_log_delete(*, task_log: TaskLog, actor: Any = None) -> None:
    member = _lock_member(task_log.member)
    correction = _is_correction(member, actor)
    if not correction and (closed := _window_error(member, task_log.date)) is not None:
        raise DomainError({"date": closed})
    if correction:
        _audit_correction(actor, "task_log.delete", task_log, {"entry": _snapshot(task_log)})
    task_log.delete()


@transaction.atomic
def task_logs_copy_day(*, member: Member, from_date: dt.date, to_date: dt.date) -> list[TaskLog]:
    """Copy the entries of `from_date` to `to_date` ("copy yesterday", docs/api.md copy-day):
    start, minutes, category, channel, counts and crisis, not the note; each copy remembers its
    source. Entries whose copy already stands on `to_date` are skipped, so pressing it twice
    copies nothing twice: when every entry is copied already, 409 `{existing: [ids]}`. All or
    nothing: a refusal (the day cap, a future day) creates none."""
    if from_date == to_date:
        raise DomainError({"to_date": _("Choose another day than the one copied.")})
    sources = list(
        TaskLog.objects.filter(member=member, date=from_date)
        .select_related("channel")
        .order_by("started_at", "pk")
    )
    if not sources:
        raise DomainError(
            {"from_date": _("Nothing is logged on %(day)s to copy.") % {"day": long_day(from_date)}}
        )
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
                    _("Every entry of %(from)s is already copied to %(to)s.")
                    % {"from": long_day(from_date), "to": long_day(to_date)}
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
