"""Writes of burnout scores and staffing snapshots: the recompute services the Celery tasks,
the API and `manage.py recompute` call. Idempotent: recomputing an as_of rewrites the same
rows with the same values; only computed_at changes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from teams.models import Team
from workload import burnout, staffing
from workload.models import BurnoutScore, StaffingSnapshot
from workload.selectors.aggregates import member_windows, staffing_inputs, window_aggregates

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
    "computed_at",
]  # fmt: skip
WEEKS = 4
DEFAULT_AHT_MINUTES = 3.0  # docs/scoring.md 2.2: when a queue channel has no messages logged
OCCUPANCY_CAP = 0.85


def _fte(value: float) -> Decimal:
    return Decimal(str(burnout.round_half_up(value, 4)))


def team_staffing(inputs, *, as_of: dt.date) -> StaffingSnapshot:
    """docs/scoring.md Part 2 for one team, from its set-based inputs (no queries)."""
    team = inputs.team
    team_slots = staffing.staffed_slots(
        team.staffed_window_start, team.staffed_window_end, team.staffed_weekdays
    )
    has_always_on = any(c.always_on for c in inputs.channels)
    staffed_hours = (
        float(staffing.HOURS_PER_WEEK)
        if has_always_on
        else staffing.staffed_hours_per_week(
            team.staffed_window_start, team.staffed_window_end, team.staffed_weekdays
        )
    )
    queue_hours: dict[str, dict] = {}
    queue_total = 0.0
    unreachable = []
    for channel in inputs.channels:
        if channel.response_sla_minutes is None:
            continue
        slots = staffing.staffed_slots(
            team.staffed_window_start,
            team.staffed_window_end,
            team.staffed_weekdays,
            always_on=channel.always_on,
        )
        messages, minutes = inputs.queue_volume.get(channel.pk, (0, 0))
        volume = max(messages / WEEKS, float(channel.expected_weekly_messages))
        aht = minutes / messages if messages else DEFAULT_AHT_MINUTES
        sla = channel.response_sla_minutes
        hours: float
        if sla <= 60:
            profile = staffing.scale_profile(
                staffing.arrival_profile(inputs.queue_entries.get(channel.pk, []), slots, WEEKS),
                slots,
                volume,
            )
            hours, per_slot = staffing.realtime_seat_hours(
                profile, slots, aht, sla, float(channel.service_level_target), OCCUPANCY_CAP
            )
            kind = "realtime"
        else:
            hours = staffing.deferrable_hours(volume, aht, OCCUPANCY_CAP)
            kind = "deferrable"
        if staffing.is_unreachable(slots, sla):
            unreachable.append(
                {
                    "channel": channel.pk,
                    "name": str(channel),
                    "sla_minutes": sla,
                    "longest_unstaffed_minutes": staffing.longest_unstaffed_gap_minutes(slots),
                }
            )
        queue_total += float(hours)
        queue_hours[str(channel.pk)] = {
            "name": str(channel),
            "kind": kind,
            "hours": round(float(hours), 2),
            "weekly_messages": round(volume, 2),
            "aht_minutes": round(aht, 2),
            "sla_minutes": sla,
        }
    by_category = {
        category: round(minutes / 60 / WEEKS, 2)
        for category, minutes in sorted(inputs.minutes_by_category.items())
    }
    non_queue = sum(inputs.minutes_by_category.values()) / 60 / WEEKS
    demand = non_queue + queue_total
    gap = staffing.team_gap(
        demand_hours=demand,
        staffed_hours_per_week=staffed_hours,
        fte_hours=float(team.fte_hours),
        shrinkage=float(team.shrinkage),
        contracted_hours=inputs.contracted_hours,
        logged_hours_4w=inputs.logged_hours_4w,
    )
    backup_gaps = [
        {"channel": c.pk, "name": c.name, "platform": c.platform, "handle": c.handle,
         "actors": inputs.actors.get(c.pk, 0), "min_backup": c.min_backup}
        for c in inputs.channels
        if inputs.actors.get(c.pk, 0) < c.min_backup
    ]  # fmt: skip
    return StaffingSnapshot(
        team_id=team.pk,
        as_of=as_of,
        demand_hours={
            "total": round(demand, 2),
            "non_queue": round(non_queue, 2),
            "queue": round(queue_total, 2),
            "by_category": by_category,
            "queue_channels": queue_hours,
        },
        required_fte=_fte(gap.required_fte_final),
        available_fte=_fte(gap.available_fte),
        gap_fte=_fte(gap.gap_fte),
        hidden_overtime_fte=_fte(gap.hidden_overtime_fte),
        seat_floor_fte=_fte(gap.seat_floor_fte),
        rotation_gap=staffing.rotation_gap(has_always_on, inputs.rotation_size),
        backup_gaps=backup_gaps,
        unreachable_channels=unreachable,
        details={
            "demand_fte": float(_fte(gap.required_fte)),
            "staffed_hours_per_week": round(staffed_hours, 2),
            "always_on": has_always_on,
            "counted_members": len(inputs.contracted_hours),
            "rotation_size": inputs.rotation_size,
            "fte_hours": float(team.fte_hours),
            "shrinkage": float(team.shrinkage),
            "team_staffed_slots": len(team_slots),
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
