"""Writes of burnout scores and staffing snapshots: the recompute services the Celery tasks,
the API and `manage.py recompute` call. Idempotent: recomputing an as_of rewrites the same
rows with the same values; only computed_at changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone, translation

from teams.models import Channel, Team
from workload import burnout, staffing, staffing_explained
from workload.models import BurnoutScore, Category, StaffingSnapshot
from workload.selectors.aggregates import (
    AHEAD_DAYS,
    member_windows,
    staffing_inputs,
    window_aggregates,
)

SCORE_UPDATE_FIELDS = [
    "status", "reason", "risk", "wsi", "wrb", "band", "wsi_band", "mode", "contributions",
    "band_overrides", "coverage", "aggregates", "computed_at",
]  # fmt: skip


AGGREGATE_FIELDS = frozenset(f.name for f in dataclasses.fields(burnout.Aggregates))


def _decimal(value: float | None, digits: int = 2) -> Decimal | None:
    rounded = burnout.round_half_up(value, digits)
    return None if rounded is None else Decimal(str(rounded))


def score_row(*, member_id: int, as_of: dt.date, aggregates: dict, pulse, now) -> BurnoutScore:
    # The stored aggregates also carry facts that are not model inputs (history_start).
    inputs = {k: v for k, v in aggregates.items() if k in AGGREGATE_FIELDS}
    result = burnout.score(burnout.Aggregates(**inputs), pulse)
    shown = dict(aggregates, weekly_hours=[round(h, 2) for h in aggregates["weekly_hours"]])
    return BurnoutScore(
        member_id=member_id,
        as_of=as_of,
        status=result.status,
        reason=result.reason or "",
        risk=_decimal(result.risk),
        wsi=_decimal(result.wsi),
        wrb=_decimal(result.wrb),
        band=result.band or "",
        wsi_band=result.wsi_band or "",
        mode=result.mode,
        contributions={k: burnout.round_half_up(v) for k, v in result.contributions.items()},
        band_overrides=list(result.band_overrides),
        coverage=_decimal(result.coverage, 4),
        aggregates={k: round(v, 4) if isinstance(v, float) else v for k, v in shown.items()},
        computed_at=now,
    )


@transaction.atomic
def scores_recompute(*, as_of: dt.date, team_ids: Iterable[int] | None = None) -> int:
    """Compute every scored member's burnout score for as_of (one team, several, or all) and
    upsert them. A fixed number of queries whatever the team size or history length."""
    team_ids = None if team_ids is None else list(team_ids)
    now = timezone.now()
    rows = [
        score_row(
            member_id=window.member.pk,
            as_of=as_of,
            aggregates=window_aggregates(window, as_of=as_of),
            pulse=window.pulse,
            now=now,
        )
        for window in member_windows(as_of=as_of, team_ids=team_ids)
    ]
    BurnoutScore.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["member", "as_of"],
        update_fields=SCORE_UPDATE_FIELDS,
    )
    return len(rows)


@transaction.atomic
def team_recompute(*, team_id: int, as_of: dt.date) -> int:
    """One team's scores then its staffing snapshot, in one transaction (a missing team is a
    logged no-op)."""
    if not Team.objects.filter(pk=team_id).exists():
        return 0
    count = scores_recompute(as_of=as_of, team_ids=[team_id])
    staffing_recompute(as_of=as_of, team_ids=[team_id])
    return count


STAFFING_UPDATE_FIELDS = [
    "demand_hours", "required_fte", "available_fte", "gap_fte", "hidden_overtime_fte",
    "seat_floor_fte", "rotation_gap", "backup_gaps", "unreachable_channels", "details",
    "demand_fte", "binding", "shrinkage", "drivers", "what_if", "logged_hours_per_week",
    "contracted_hours_per_week", "delivered_coverage", "measured_absence", "coverage_ahead",
    "computed_at",
]  # fmt: skip
WEEKS = 4
DEFAULT_AHT_MINUTES = 3.0  # docs/scoring.md 2.2: when a queue channel has no messages logged
OCCUPANCY_CAP = 0.85
CATEGORY_LABELS = dict(Category.choices)


def _stored_labels() -> dict[str, str]:
    """Category labels as the snapshot stores them: English, whatever language is active
    (the pages translate them again from the category key)."""
    with translation.override("en"):
        return {key: str(label) for key, label in CATEGORY_LABELS.items()}


def _fte(value: float) -> Decimal:
    return Decimal(str(burnout.round_half_up(value, 4)))


def _r4(value: float | None) -> float | None:
    return burnout.round_half_up(value, 4)


def _queue_channel(channel: Channel, inputs) -> staffing.QueueChannel:
    messages, minutes = inputs.queue_volume.get(channel.pk, (0, 0))
    assert channel.response_sla_minutes is not None
    return staffing.QueueChannel(
        id=channel.pk,
        label=str(channel),
        always_on=channel.always_on,
        sla_minutes=channel.response_sla_minutes,
        service_level_target=float(channel.service_level_target),
        weekly_volume=max(messages / WEEKS, float(channel.expected_weekly_messages)),
        aht_minutes=minutes / messages if messages else DEFAULT_AHT_MINUTES,
        entries=tuple(inputs.queue_entries.get(channel.pk, ())),
    )


def _noon(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=zone)


def _iso_dates(rows: list[dict]) -> list[dict]:
    """coverage_ahead rows with their dates as ISO strings, for the JSON column."""
    return [
        row | {
            "days_without_actor": [d.isoformat() for d in row["days_without_actor"]],
            "days_below_backup": [d.isoformat() for d in row["days_below_backup"]],
            "causes": [c | {"dates": [d.isoformat() for d in c["dates"]]} for c in row["causes"]],
        }
        for row in rows
    ]  # fmt: skip


def _rounded(rows: list[dict], *names: str) -> list[dict]:
    return [row | {n: _r4(row[n]) for n in names if row.get(n) is not None} for row in rows]


def team_staffing(inputs, *, as_of: dt.date) -> StaffingSnapshot:
    """docs/scoring.md Parts 2 and 3 for one team, from its set-based inputs (no queries)."""
    team = inputs.team
    window = staffing.TeamWindow(
        team.staffed_window_start, team.staffed_window_end, frozenset(team.staffed_weekdays)
    )
    fte_hours, shrinkage = float(team.fte_hours), float(team.shrinkage)
    always_on_ids = [c.pk for c in inputs.channels if c.always_on]
    queue = [_queue_channel(c, inputs) for c in inputs.channels
             if c.response_sla_minutes is not None]  # fmt: skip
    other_by_category = {
        category: minutes / 60 / WEEKS
        for category, minutes in sorted(inputs.minutes_by_category.items())
    }
    non_queue = math.fsum(other_by_category.values())
    now, what_if = staffing_explained.what_if(
        channels=queue, window=window, other_hours=non_queue,
        always_on_channel_ids=always_on_ids, fte_hours=fte_hours, shrinkage=shrinkage,
        weeks=WEEKS, cap=OCCUPANCY_CAP,
    )  # fmt: skip
    demands = [staffing.channel_demand(c, window, WEEKS, OCCUPANCY_CAP) for c in queue]
    queue_total = math.fsum(d.hours for d in demands)
    gap = staffing.team_gap(
        demand_hours=now.demand_hours,
        staffed_hours_per_week=now.staffed_hours_per_week,
        fte_hours=fte_hours,
        shrinkage=shrinkage,
        contracted_hours=inputs.contracted_hours,
        logged_hours_4w=inputs.logged_hours_4w,
    )
    drivers = staffing_explained.drivers(
        channels=demands, other_hours_by_category=other_by_category,
        category_labels=_stored_labels(), productive_hours=fte_hours * (1 - shrinkage),
    )  # fmt: skip
    first = as_of - dt.timedelta(days=WEEKS * 7 - 1)
    delivered = [
        staffing_explained.delivered_coverage(
            d,
            [staffing_explained.CoverEntry(*e) for e in inputs.cover_entries.get(d.channel.id, ())],
            first_weekday=first.weekday(),
            weeks=WEEKS,
        )  # fmt: skip
        for d in demands
        if d.channel.realtime
    ]
    year_first = as_of - dt.timedelta(days=364)
    absence_leave, absence_days, absence = staffing_explained.measured_absence(
        staffing_explained.AbsencePeriod(
            workdays=frozenset(c.member.workdays),
            first=max(year_first, c.member.started_on, c.history_start),
            last=min(as_of, c.member.ended_on or as_of),
            leave_dates=c.leave_dates,
        )
        for c in inputs.counted
    )
    zone = ZoneInfo(team.timezone)
    days = [as_of + dt.timedelta(days=i) for i in range(1, AHEAD_DAYS + 1)]
    ahead = staffing_explained.coverage_ahead(
        channels=[staffing_explained.AheadChannel(c.pk, str(c), c.min_backup)
                  for c in inputs.channels],
        holders=[
            staffing_explained.Holder(
                channel_id=g.channel_id, member_id=g.member_id, name=g.member.full_name,
                started_on=g.member.started_on, ended_on=g.member.ended_on,
                long_absent=g.member.status in ("on_leave", "departed"), expires_at=g.expires_at,
            )
            for g, _ in inputs.holders
        ],
        leave={g.member_id: leave for g, leave in inputs.holders},
        days=days,
        noon={d: _noon(d, zone) for d in days},
    )  # fmt: skip
    backup_gaps = [
        {"channel": c.pk, "label": str(c), "name": c.name, "platform": c.platform,
         "handle": c.handle, "actors": inputs.actors.get(c.pk, 0), "min_backup": c.min_backup}
        for c in inputs.channels
        if inputs.actors.get(c.pk, 0) < c.min_backup
    ]  # fmt: skip
    unreachable = [
        {"channel": d.channel.id, "label": d.channel.label, "name": d.channel.label,
         "sla_minutes": d.channel.sla_minutes,
         "longest_unstaffed_minutes": d.longest_unstaffed_minutes}
        for d in demands
        if d.unreachable
    ]  # fmt: skip
    queue_hours = {
        str(d.channel.id): {
            "label": d.channel.label, "name": d.channel.label, "kind": d.kind,
            "hours": round(d.hours, 2), "weekly_messages": round(d.channel.weekly_volume, 2),
            "aht_minutes": round(d.channel.aht_minutes, 2), "sla_minutes": d.channel.sla_minutes,
            "always_on": d.channel.always_on,
        }
        for d in demands
    }  # fmt: skip
    return StaffingSnapshot(
        team_id=team.pk,
        as_of=as_of,
        demand_hours={
            "total": round(now.demand_hours, 2),
            "non_queue": round(non_queue, 2),
            "queue": round(queue_total, 2),
            "by_category": {k: round(v, 2) for k, v in other_by_category.items()},
            "queue_channels": queue_hours,
        },
        required_fte=_fte(gap.required_fte_final),
        available_fte=_fte(gap.available_fte),
        gap_fte=_fte(gap.gap_fte),
        hidden_overtime_fte=_fte(gap.hidden_overtime_fte),
        seat_floor_fte=_fte(gap.seat_floor_fte),
        rotation_gap=staffing.rotation_gap(bool(always_on_ids), inputs.rotation_size),
        backup_gaps=backup_gaps,
        unreachable_channels=unreachable,
        demand_fte=_fte(now.demand_fte),
        binding=now.binding,
        shrinkage=_fte(shrinkage),
        drivers=_rounded(drivers, "hours_per_week", "fte"),
        what_if=_rounded(what_if, "required_fte", "fte_saved"),
        logged_hours_per_week=_fte(math.fsum(inputs.logged_hours_4w) / WEEKS),
        contracted_hours_per_week=_fte(math.fsum(inputs.contracted_hours)),
        delivered_coverage=_rounded(
            delivered, "required_seat_hours", "covered_seat_hours", "ratio"
        ),
        measured_absence=None if absence is None else _fte(absence),
        coverage_ahead=_iso_dates(ahead),
        details={
            "demand_fte": float(_fte(now.demand_fte)),
            "staffed_hours_per_week": round(now.staffed_hours_per_week, 2),
            "always_on": bool(always_on_ids),
            "counted_members": len(inputs.counted),
            "rotation_size": inputs.rotation_size,
            "fte_hours": fte_hours,
            "shrinkage": shrinkage,
            "team_staffed_slots": len(window.slots()),
            "measured_absence_workdays": {"leave": absence_leave, "contracted": absence_days},
        },
        computed_at=timezone.now(),
    )


@transaction.atomic
def staffing_recompute(*, as_of: dt.date, team_ids: Iterable[int] | None = None) -> int:
    rows = [
        team_staffing(inputs, as_of=as_of)
        for inputs in staffing_inputs(as_of=as_of, team_ids=team_ids)
    ]
    StaffingSnapshot.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["team", "as_of"],
        update_fields=STAFFING_UPDATE_FIELDS,
    )
    return len(rows)
