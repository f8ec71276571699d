"""Staffing-gap arithmetic (docs/scoring.md 2.2–2.3) on plain data. Pure Python, no Django: a
service feeds these functions from SQL aggregates.

Time is the team's local wall clock. A **slot** is an hour of the week, 0..167, slot 0 being
Monday 00:00–01:00 (slot = weekday × 24 + hour, weekday as ``date.weekday()``). DST is
ignored, as everywhere else in the project.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from workload.erlang import required_agents

HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7
HOURS_PER_WEEK = 168
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = HOURS_PER_WEEK * 60
DEFERRABLE_OCCUPANCY = 0.85

# (weekday 0–6, start minute after local midnight or None, minutes, messages)
Entry = tuple[int, int | None, float, float]


# ---- The staffed window ----


def _seconds(t: dt.time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def _check_weekdays(weekdays: Iterable[int]) -> frozenset[int]:
    days = frozenset(weekdays)
    if any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d < 7 for d in days):
        raise ValueError("weekdays are integers 0 (Monday) to 6 (Sunday)")
    return days


def _check_window(window_start: dt.time, window_end: dt.time) -> tuple[float, float]:
    start, end = _seconds(window_start), _seconds(window_end)
    if not end > start:
        raise ValueError("the staffed window must end after it starts (no midnight crossing)")
    return start, end


def staffed_slots(
    window_start: dt.time,
    window_end: dt.time,
    weekdays: Iterable[int],
    always_on: bool = False,
) -> frozenset[int]:
    """The hour slots of the week the team is staffed: ``always_on`` → all 168.

    An hour counts as staffed when any part of it is inside the window (08:30–17:00 staffs
    08:00–17:00 on the clock: slots 8..16), so arrivals in a partly staffed hour stay in
    that hour and it gets its agents. :func:`staffed_hours_per_week` gives the exact hours.
    """
    if always_on:
        return frozenset(range(HOURS_PER_WEEK))
    start, end = _check_window(window_start, window_end)
    hours = [h for h in range(HOURS_PER_DAY) if h * 3600 < end and (h + 1) * 3600 > start]
    return frozenset(d * HOURS_PER_DAY + h for d in _check_weekdays(weekdays) for h in hours)


def staffed_hours_per_week(
    window_start: dt.time,
    window_end: dt.time,
    weekdays: Iterable[int],
    always_on: bool = False,
) -> float:
    """Exact staffed hours per week: (end − start) × the number of staffed weekdays
    (08:30–17:00 on five days is 42.5); ``always_on`` → 168."""
    if always_on:
        return float(HOURS_PER_WEEK)
    start, end = _check_window(window_start, window_end)
    return (end - start) / 3600 * len(_check_weekdays(weekdays))


# ---- The arrival profile ----


def _spread(profile: list[float], start: float, minutes: float, messages: float) -> None:
    """Add ``messages`` pro rata by minutes over the slots of [start, start + minutes),
    ``start`` being a minute of the week; wraps Sunday → Monday."""
    if minutes <= 0:
        profile[int(start // 60) % HOURS_PER_WEEK] += messages
        return
    remaining = minutes
    weeks = math.floor(minutes / MINUTES_PER_WEEK)
    if weeks:  # whole weeks put 60 minutes in every slot each
        share = messages * 60 * weeks / minutes
        for slot in range(HOURS_PER_WEEK):
            profile[slot] += share
        remaining = minutes - weeks * MINUTES_PER_WEEK
    position = start % MINUTES_PER_WEEK
    while remaining > 1e-9:
        slot = int(position // 60) % HOURS_PER_WEEK
        slot_end = (math.floor(position / 60) + 1) * 60
        take = min(remaining, slot_end - position)
        profile[slot] += messages * take / minutes
        remaining -= take
        position = slot_end % MINUTES_PER_WEEK


def move_to_staffed(profile: Sequence[float], staffed: frozenset[int]) -> list[float]:
    """Arrivals in an unstaffed slot move to the next staffed slot, wrapping around the week
    (Sunday night's go to Monday morning). With no staffed slot, nothing moves."""
    moved = list(profile)
    if not staffed or len(staffed) == HOURS_PER_WEEK:
        return moved
    # Walk backwards from a staffed slot so each unstaffed slot knows the next staffed one.
    anchor = max(staffed)
    target = anchor
    for step in range(1, HOURS_PER_WEEK + 1):
        slot = (anchor - step) % HOURS_PER_WEEK
        if slot in staffed:
            target = slot
        elif moved[slot]:
            moved[target] += moved[slot]
            moved[slot] = 0.0
    return moved


def arrival_profile(
    entries: Iterable[Entry], staffed: frozenset[int], weeks: int = 4
) -> list[float]:
    """Mean messages per hour slot (a list of 168) from ``weeks`` weeks of entries.

    Each entry is ``(weekday, start_minute, minutes, messages)`` on the local clock:

    - with a start, its messages spread pro rata by minutes over the clock hours it spans;
      one that passes midnight continues into the next weekday (Sunday → Monday); one of 0
      minutes lands in the hour it starts in;
    - without one (``start_minute`` None), evenly over the staffed slots of its weekday;
      if that weekday has none, evenly over all staffed slots of the week; if the team has
      no staffed slot at all, evenly over the 24 hours of its weekday.

    Then arrivals in an unstaffed slot move to the next staffed slot (wrapping around the
    week) and everything is divided by ``weeks``.
    """
    if isinstance(weeks, bool) or not weeks > 0:
        raise ValueError("weeks must be positive")
    staffed = frozenset(staffed)
    profile = [0.0] * HOURS_PER_WEEK
    for weekday, start_minute, minutes, messages in entries:
        if not 0 <= weekday < DAYS_PER_WEEK:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        if minutes < 0 or messages < 0:
            raise ValueError("minutes and messages cannot be negative")
        if not messages:
            continue
        if start_minute is not None:
            if not 0 <= start_minute < MINUTES_PER_DAY:
                raise ValueError("start_minute must be in [0, 1440)")
            _spread(profile, weekday * MINUTES_PER_DAY + start_minute, minutes, messages)
            continue
        day = range(weekday * HOURS_PER_DAY, (weekday + 1) * HOURS_PER_DAY)
        slots = [s for s in day if s in staffed] or sorted(staffed) or list(day)
        share = messages / len(slots)
        for slot in slots:
            profile[slot] += share
    return [x / weeks for x in move_to_staffed(profile, staffed)]


def scale_profile(
    profile: Sequence[float], staffed: frozenset[int], weekly_volume: float
) -> list[float]:
    """Scale ``profile`` so it sums to ``weekly_volume``; when it is all zero, spread the
    volume uniformly over the staffed slots (over all 168 when none is staffed)."""
    if len(profile) != HOURS_PER_WEEK:
        raise ValueError("a profile has 168 slots")
    total = math.fsum(profile)
    if total > 0:
        return [x * weekly_volume / total for x in profile]
    slots = staffed or frozenset(range(HOURS_PER_WEEK))
    share = weekly_volume / len(slots)
    return [share if slot in slots else 0.0 for slot in range(HOURS_PER_WEEK)]


# ---- Demand ----


def realtime_seat_hours(
    profile: Sequence[float],
    staffed: frozenset[int],
    aht_minutes: float,
    sla_minutes: float,
    service_level_target: float,
    cap: float = 0.85,
) -> tuple[int, dict[int, int]]:
    """Seat-hours per week of a real-time queue channel (interval-based Erlang C).

    For each staffed slot, ``profile[slot]`` arrivals in the hour give A = arrivals × AHT/60;
    N_h = the Erlang C agents answering ``service_level_target`` within ``sla_minutes``
    under the occupancy ``cap``, at least 1 (also for an hour without arrivals).
    Returns (Σ N_h, {slot: N_h}).
    """
    per_slot: dict[int, int] = {}
    known: dict[float, int] = {}
    for slot in sorted(staffed):
        load = profile[slot] * aht_minutes / 60.0
        if load not in known:
            known[load] = max(
                1, required_agents(load, aht_minutes, sla_minutes, service_level_target, cap)
            )
        per_slot[slot] = known[load]
    return sum(per_slot.values()), per_slot


def deferrable_hours(
    weekly_volume: float, aht_minutes: float, cap: float = DEFERRABLE_OCCUPANCY
) -> float:
    """Hours per week of a deferrable queue channel: volume × AHT / 60 / 0.85."""
    return weekly_volume * aht_minutes / 60.0 / cap


def longest_unstaffed_gap_minutes(staffed_slots: Iterable[int]) -> int:
    """The longest run of unstaffed hour slots, wrapping around the week, in minutes: 0
    when always staffed, 168 × 60 when never. Partly staffed hours count as staffed (see
    :func:`staffed_slots`), so this can be shorter than the window's exact gap
    (:func:`window_unstaffed_gap_minutes`)."""
    staffed = frozenset(staffed_slots)
    if not staffed:
        return MINUTES_PER_WEEK
    ordered = sorted(staffed)
    gaps = [(b - a - 1) for a, b in zip(ordered, ordered[1:], strict=False)]
    gaps.append(ordered[0] + HOURS_PER_WEEK - ordered[-1] - 1)
    return max(gaps) * 60


def window_unstaffed_gap_minutes(
    window_start: dt.time, window_end: dt.time, weekdays: Iterable[int]
) -> float:
    """The exact longest unstaffed stretch of the week from the window itself, in minutes
    (e.g. 08:30–17:00 on weekdays: Friday 17:00 → Monday 08:30 = 3,810)."""
    start, end = _check_window(window_start, window_end)
    days = sorted(_check_weekdays(weekdays))
    if not days:
        return float(MINUTES_PER_WEEK)
    gaps = []
    for i, day in enumerate(days):
        following = days[(i + 1) % len(days)]
        apart = (following - day) % DAYS_PER_WEEK or DAYS_PER_WEEK
        gaps.append((apart * 86400 - (end - start)) / 60)
    return max(gaps)


def is_unreachable(staffed_slots: Iterable[int], sla_minutes: float) -> bool:
    """A deferrable channel is unreachable when the longest unstaffed gap exceeds its SLA."""
    return longest_unstaffed_gap_minutes(staffed_slots) > sla_minutes


# ---- Supply, gap and floors ----


@dataclass(frozen=True)
class TeamGap:
    demand_hours: float
    staffed_hours_per_week: float
    fte_hours: float
    shrinkage: float
    required_fte: float
    seat_floor_fte: float
    required_fte_final: float
    available_fte: float
    gap_fte: float  # > 0: understaffed
    hidden_overtime_fte: float


def team_gap(
    *,
    demand_hours: float,
    staffed_hours_per_week: float,
    fte_hours: float,
    shrinkage: float,
    contracted_hours: Sequence[float],
    logged_hours_4w: Sequence[float],
) -> TeamGap:
    """The FTE gap of docs/scoring.md 2.3. ``contracted_hours`` and ``logged_hours_4w`` are
    aligned, one per counted member (weekly contract; hours logged over the 4 weeks).
    Shrinkage divides (÷ (1 − s)), never multiplies by (1 + s)."""
    if not fte_hours > 0:
        raise ValueError("fte_hours must be positive")
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    if len(contracted_hours) != len(logged_hours_4w):
        raise ValueError("contracted_hours and logged_hours_4w must be aligned")
    productive = fte_hours * (1 - shrinkage)
    required = demand_hours / productive
    seat_floor = staffed_hours_per_week / productive
    final = max(required, seat_floor)
    available = math.fsum(contracted_hours) / fte_hours
    hidden = (
        math.fsum(
            max(0.0, logged / 4 - contracted)
            for contracted, logged in zip(contracted_hours, logged_hours_4w, strict=True)
        )
        / fte_hours
    )
    return TeamGap(
        demand_hours=demand_hours,
        staffed_hours_per_week=staffed_hours_per_week,
        fte_hours=fte_hours,
        shrinkage=shrinkage,
        required_fte=required,
        seat_floor_fte=seat_floor,
        required_fte_final=final,
        available_fte=available,
        gap_fte=final - available,
        hidden_overtime_fte=hidden,
    )


def rotation_gap(has_always_on: bool, rotation_size: int, minimum: int = 4) -> int:
    """Members missing from the on-call rotation of a team with an always-on channel
    (nobody on call more than 1/``minimum`` of the time): max(0, minimum − n); else 0."""
    return max(0, minimum - rotation_size) if has_always_on else 0


# ---- One queue channel's demand, and the team's required FTE (also for what-ifs) ----


@dataclass(frozen=True)
class QueueChannel:
    """A queue channel as the demand maths sees it (docs/scoring.md 2.2): plain data."""

    id: int
    label: str
    always_on: bool
    sla_minutes: float
    service_level_target: float
    weekly_volume: float  # max(logged weekly mean, expected weekly messages)
    aht_minutes: float
    entries: tuple[Entry, ...] = ()  # the arrival profile's input (4 weeks)
    # What-if "staffed_window_only" (Part 3.2): an always-on channel answered only inside
    # the team's staffed window; its slots outside the window are dropped, not moved.
    window_only: bool = False

    @property
    def realtime(self) -> bool:
        return self.sla_minutes <= 60


@dataclass(frozen=True)
class ChannelDemand:
    channel: QueueChannel
    hours: float  # seat-hours (real-time) or hours (deferrable) per week
    per_slot: dict[int, int]  # real-time: N_h per staffed slot; deferrable: empty
    unreachable: bool
    longest_unstaffed_minutes: int

    @property
    def kind(self) -> str:
        return "realtime" if self.channel.realtime else "deferrable"


@dataclass(frozen=True)
class TeamWindow:
    start: dt.time
    end: dt.time
    weekdays: frozenset[int]

    def slots(self, always_on: bool = False) -> frozenset[int]:
        return staffed_slots(self.start, self.end, self.weekdays, always_on=always_on)

    def hours_per_week(self) -> float:
        return staffed_hours_per_week(self.start, self.end, self.weekdays)


def channel_demand(
    channel: QueueChannel, window: TeamWindow, weeks: int = 4, cap: float = 0.85
) -> ChannelDemand:
    """A queue channel's weekly demand (docs/scoring.md 2.2): interval-based Erlang C seat-hours
    for a real-time channel, volume × AHT / 60 / 0.85 for a deferrable one; an always-on channel
    is staffed 24 × 7 (unless ``window_only``) and never unreachable."""
    always_on = channel.always_on and not channel.window_only
    slots = window.slots(always_on=always_on)
    per_slot: dict[int, int] = {}
    if channel.realtime:
        if channel.window_only and channel.always_on:
            # The profile as answered around the clock, then only the window's slots kept.
            every = window.slots(always_on=True)
            profile = scale_profile(
                arrival_profile(channel.entries, every, weeks), every, channel.weekly_volume
            )
        else:
            profile = scale_profile(
                arrival_profile(channel.entries, slots, weeks), slots, channel.weekly_volume
            )
        seat_hours, per_slot = realtime_seat_hours(
            profile, slots, channel.aht_minutes, channel.sla_minutes,
            channel.service_level_target, cap,
        )  # fmt: skip
        hours = float(seat_hours)
    else:
        hours = deferrable_hours(channel.weekly_volume, channel.aht_minutes, cap)
    return ChannelDemand(
        channel=channel,
        hours=hours,
        per_slot=per_slot,
        unreachable=is_unreachable(slots, channel.sla_minutes),
        longest_unstaffed_minutes=longest_unstaffed_gap_minutes(slots),
    )


@dataclass(frozen=True)
class Requirement:
    demand_hours: float
    staffed_hours_per_week: float  # what the seat floor keeps covered
    demand_fte: float
    seat_floor_fte: float
    required_fte: float  # max(demand_fte, seat_floor_fte)

    @property
    def binding(self) -> str:
        return "seat_floor" if self.seat_floor_fte > self.demand_fte else "demand"


def requirement(
    *,
    channels: Sequence[ChannelDemand],
    other_hours: float,
    window: TeamWindow,
    always_on: bool,
    fte_hours: float,
    shrinkage: float,
) -> Requirement:
    """demand_fte, seat floor and required FTE (docs/scoring.md 2.3, 3.1): ``always_on`` when
    any channel of the team is answered 24 × 7 (the seat floor is then 168 h a week)."""
    if not fte_hours > 0:
        raise ValueError("fte_hours must be positive")
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be in [0, 1)")
    productive = fte_hours * (1 - shrinkage)
    demand = math.fsum(c.hours for c in channels) + other_hours
    staffed = float(HOURS_PER_WEEK) if always_on else window.hours_per_week()
    demand_fte, floor = demand / productive, staffed / productive
    return Requirement(demand, staffed, demand_fte, floor, max(demand_fte, floor))
