"""Explaining the staffing figure (docs/scoring.md Part 3) on plain data: what the demand is
made of (drivers), what relaxing one reply target saves (what-if), what the team delivers
today (delivered coverage, measured absence) and the days ahead when a channel has too few
people who can act on it (coverage ahead).

Pure Python, no Django: the recompute service (workload.services.scoring) feeds these from
set-based queries and stores the results on the staffing snapshot.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.dates import WEEKDAYS_ABBR

from workload.staffing import (
    HOURS_PER_DAY,
    HOURS_PER_WEEK,
    MINUTES_PER_DAY,
    ChannelDemand,
    QueueChannel,
    Requirement,
    TeamWindow,
    channel_demand,
    requirement,
)

# Django's own abbreviations ("Mon" … "Sun"), in the active language.
WEEKDAY_NAMES = tuple(WEEKDAYS_ABBR[i] for i in range(7))
MIN_ABSENCE_WORKDAYS = 60  # measured_absence is null below this many contracted workdays


def channel_ref(channel_id: int, label: str) -> dict:
    return {"id": channel_id, "label": label}


# ---- 3.1 Drivers ----------------------------------------------------------------------------


def drivers(
    *,
    channels: Sequence[ChannelDemand],
    other_hours_by_category: Mapping[str, float],
    category_labels: Mapping[str, str],
    productive_hours: float,
) -> list[dict[str, Any]]:
    """One row per source of demand, largest first (ties by label). ``productive_hours`` is
    fte_hours × (1 − shrinkage): each row's ``fte`` is its share of the demand in FTE."""
    rows: list[dict[str, Any]] = []
    for demand in channels:
        c = demand.channel
        rows.append({
            "kind": "realtime_queue" if c.realtime else "deferrable_queue",
            "channel": channel_ref(c.id, c.label),
            "category": None,
            "label": c.label,
            "hours_per_week": demand.hours,
            "fte": demand.hours / productive_hours,
            "unreachable": demand.unreachable,
            "sla_minutes": c.sla_minutes,
            "always_on": c.always_on,
        })  # fmt: skip
    for category, hours in other_hours_by_category.items():
        label = str(category_labels.get(category, category))
        rows.append({
            "kind": "other_work", "channel": None, "category": category, "label": label,
            "hours_per_week": hours, "fte": hours / productive_hours, "unreachable": False,
            "sla_minutes": None, "always_on": False,
        })  # fmt: skip
    rows.sort(key=lambda r: (-r["hours_per_week"], r["label"]))
    return rows


# ---- 3.2 What relaxing a target saves ----------------------------------------------------------


def what_if(
    *,
    channels: Sequence[QueueChannel],
    window: TeamWindow,
    other_hours: float,
    always_on_channel_ids: Iterable[int],
    fte_hours: float,
    shrinkage: float,
    weeks: int = 4,
    cap: float = 0.85,
) -> tuple[Requirement, list[dict[str, Any]]]:
    """The team's requirement now, and for each real-time queue channel the FTE required if
    only that channel changed: ``sla_x4`` (its reply target × 4; past 60 minutes it is
    deferrable) and, for an always-on channel, ``staffed_window_only`` (answered only inside
    the team's staffed window; the seat floor follows unless another always-on channel
    remains). ``always_on_channel_ids`` are every always-on channel of the team, queue or not.
    """
    always_on_ids = set(always_on_channel_ids)
    demands = [channel_demand(c, window, weeks, cap) for c in channels]

    def required(changed: Sequence[ChannelDemand], always_on: bool) -> Requirement:
        return requirement(
            channels=changed, other_hours=other_hours, window=window, always_on=always_on,
            fte_hours=fte_hours, shrinkage=shrinkage,
        )  # fmt: skip

    now = required(demands, bool(always_on_ids))
    rows: list[dict[str, Any]] = []
    for i, channel in enumerate(channels):
        if not channel.realtime:
            continue
        changes = [("sla_x4", dataclasses.replace(channel, sla_minutes=channel.sla_minutes * 4))]
        if channel.always_on:
            changes.append(("staffed_window_only", dataclasses.replace(channel, window_only=True)))
        for change, changed_channel in changes:
            changed = list(demands)
            changed[i] = channel_demand(changed_channel, window, weeks, cap)
            # Relaxing the target keeps the channel always-on; answering it only in the window
            # leaves the seat floor 24 × 7 only if another always-on channel remains.
            still_always_on = bool(
                always_on_ids if change == "sla_x4" else always_on_ids - {channel.id}
            )
            result = required(changed, still_always_on)
            rows.append({
                "channel": channel_ref(channel.id, channel.label),
                "change": change,
                "required_fte": result.required_fte,
                "fte_saved": max(0.0, now.required_fte - result.required_fte),
                "sla_minutes": changed_channel.sla_minutes,
                "becomes_deferrable": change == "sla_x4" and not changed_channel.realtime,
                "unreachable": changed[i].unreachable,
            })  # fmt: skip
    rows.sort(key=lambda r: (-round(r["fte_saved"], 9), r["channel"]["label"], r["change"]))
    return now, rows


# ---- 3.3 What the team delivers today -----------------------------------------------------------


@dataclass(frozen=True)
class CoverEntry:
    """A community-management entry on a real-time channel, with a start time: who, which
    day of the 4-week window (0 = its first day) and the wall-clock span."""

    member_id: int
    day_index: int
    start_minute: int
    minutes: int


def delivered_coverage(
    demand: ChannelDemand,
    entries: Iterable[CoverEntry],
    *,
    first_weekday: int,
    weeks: int = 4,
) -> dict:
    """Share of required seat-hours someone was on the inbox (docs/scoring.md 3.3).

    Each week and staffed slot h with N_h agents required is covered by min(N_h, n) where n is
    the number of distinct members with an entry overlapping that clock hour; the result is
    the 4-week mean, the ratio to the required seat-hours, and the staffed slots with no
    cover in at least 3 of the 4 weeks (weeks − 1, at least 1), in week order.
    """
    horizon = weeks * HOURS_PER_WEEK
    present: dict[tuple[int, int], set[int]] = defaultdict(set)  # (week, slot) → members
    for e in entries:
        if e.minutes <= 0:
            continue
        start = e.day_index * MINUTES_PER_DAY + e.start_minute
        end = start + e.minutes
        for hour in range(start // 60, math.ceil(end / 60)):
            if not 0 <= hour < horizon:
                continue
            weekday = (first_weekday + hour // HOURS_PER_DAY) % 7
            slot = weekday * HOURS_PER_DAY + hour % HOURS_PER_DAY
            present[(hour // HOURS_PER_WEEK, slot)].add(e.member_id)
    required = sum(demand.per_slot.values())
    covered_per_week = [
        sum(min(n, len(present.get((week, slot), ()))) for slot, n in demand.per_slot.items())
        for week in range(weeks)
    ]
    covered = math.fsum(covered_per_week) / weeks
    threshold = max(1, weeks - 1)
    uncovered = [
        {"weekday": slot // HOURS_PER_DAY, "hour": slot % HOURS_PER_DAY}
        for slot in sorted(demand.per_slot)
        if sum(1 for week in range(weeks) if not present.get((week, slot))) >= threshold
    ]
    return {
        "channel": channel_ref(demand.channel.id, demand.channel.label),
        "required_seat_hours": float(required),
        "covered_seat_hours": covered,
        "ratio": covered / required if required else None,
        "uncovered_slots": uncovered,
    }


def slot_ranges(slots: Iterable[Mapping[str, int]]) -> list[str]:
    """Uncovered slots as readable stretches of the week: ["Mon 00:00–09:00", "Sat–Sun all
    day"] would be ["Mon 00:00–09:00", "Sat 00:00–Mon 00:00"]; consecutive slots merge,
    across midnight too."""
    ordered = sorted(s["weekday"] * HOURS_PER_DAY + s["hour"] for s in slots)
    runs: list[list[int]] = []
    for slot in ordered:
        if runs and slot == runs[-1][1]:
            runs[-1][1] = slot + 1
        else:
            runs.append([slot, slot + 1])

    def at(slot: int) -> str:
        slot %= HOURS_PER_WEEK
        return f"{WEEKDAY_NAMES[slot // HOURS_PER_DAY]} {slot % HOURS_PER_DAY:02d}:00"

    out = []
    for start, end in runs:
        same_day = start // HOURS_PER_DAY == (end - 1) // HOURS_PER_DAY
        end_text = f"{end % HOURS_PER_DAY:02d}:00" if same_day else at(end)
        if same_day and end % HOURS_PER_DAY == 0:
            end_text = "24:00"
        out.append(f"{at(start)}–{end_text}")
    return out


@dataclass(frozen=True)
class AbsencePeriod:
    """One counted member's part of the trailing year: their contracted weekdays, the period
    (clipped to employment and recorded history) and their leave dates (any kind)."""

    workdays: frozenset[int]
    first: dt.date
    last: dt.date
    leave_dates: frozenset[dt.date]


def contracted_days(first: dt.date, last: dt.date, workdays: frozenset[int]) -> int:
    """Days in [first, last] on one of ``workdays``, counted arithmetically."""
    if last < first:
        return 0
    total = (last - first).days + 1
    weeks, rest = divmod(total, 7)
    count = weeks * len(workdays)
    start = first.weekday()
    count += sum(1 for i in range(rest) if (start + i) % 7 in workdays)
    return count


def measured_absence(periods: Iterable[AbsencePeriod]) -> tuple[int, int, float | None]:
    """(leave workdays, contracted workdays, their ratio): the absence the team really takes
    over the trailing year, beside the configured shrinkage; the ratio is None under 60
    contracted workdays (too little to compare)."""
    leave = contracted = 0
    for p in periods:
        contracted += contracted_days(p.first, p.last, p.workdays)
        leave += sum(
            1 for d in p.leave_dates if p.first <= d <= p.last and d.weekday() in p.workdays
        )
    ratio = leave / contracted if contracted >= MIN_ABSENCE_WORKDAYS else None
    return leave, contracted, ratio


# ---- 3.4 Coverage ahead -----------------------------------------------------------------------


@dataclass(frozen=True)
class Holder:
    """An approved, unrevoked actor-role grant on a channel, with what decides whether its
    holder can act on a given day."""

    channel_id: int
    member_id: int
    name: str
    started_on: dt.date
    ended_on: dt.date | None
    long_absent: bool  # status on_leave (or departed)
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class AheadChannel:
    id: int
    label: str
    min_backup: int


def _why_not(holder: Holder, day: dt.date, leave: Mapping[int, frozenset[dt.date]]) -> str | None:
    if holder.started_on > day:
        return "not_started"
    if holder.ended_on is not None and holder.ended_on < day:
        return "ended"
    if holder.long_absent:
        return "long_absence"
    if day in leave.get(holder.member_id, ()):
        return "leave"
    return None


def coverage_ahead(
    *,
    channels: Sequence[AheadChannel],
    holders: Iterable[Holder],
    leave: Mapping[int, frozenset[dt.date]],
    days: Sequence[dt.date],
    noon: Mapping[dt.date, dt.datetime],
) -> list[dict]:
    """For each channel and day, the actors that day (employed, not long absent, not on leave,
    a grant active at 12:00 in the team's zone); one row per channel with a day below its
    min_backup: the days without anyone, the days below backup, and the grant holders who
    cannot act on those days (the causes), rows ordered by first such date, then label."""
    by_channel: dict[int, list[Holder]] = defaultdict(list)
    for holder in holders:
        by_channel[holder.channel_id].append(holder)
    rows: list[dict[str, Any]] = []
    for channel in channels:
        without: list[dt.date] = []
        below: list[dt.date] = []
        causes: dict[int, dict[str, Any]] = {}
        for day in days:
            effective = {
                h.member_id: h
                for h in by_channel.get(channel.id, ())
                if h.expires_at is None or h.expires_at > noon[day]
            }
            reasons = {m: _why_not(h, day, leave) for m, h in effective.items()}
            actors = sum(1 for reason in reasons.values() if reason is None)
            if actors >= channel.min_backup:
                continue
            (without if actors == 0 else below).append(day)
            for member_id, reason in reasons.items():
                if reason is None:
                    continue
                cause = causes.setdefault(member_id, {
                    "member": {"id": member_id, "name": effective[member_id].name},
                    "dates": [], "reasons": [],
                })  # fmt: skip
                cause["dates"].append(day)
                if reason not in cause["reasons"]:
                    cause["reasons"].append(reason)
        if without or below:
            ordered = sorted(causes.values(), key=lambda c: (c["dates"][0], c["member"]["name"]))
            rows.append({
                "channel": channel_ref(channel.id, channel.label),
                "min_backup": channel.min_backup,
                "days_without_actor": without,
                "days_below_backup": below,
                "causes": ordered,
            })  # fmt: skip
    rows.sort(key=lambda r: (min(r["days_without_actor"] + r["days_below_backup"]),
                             r["channel"]["label"]))  # fmt: skip
    return rows
