"""Reads of staffing snapshots for pages other than the team dashboard."""

from __future__ import annotations

from workload.models import StaffingSnapshot


def latest_team_snapshot(team_id: int | None) -> StaffingSnapshot | None:
    """The team's latest staffing snapshot (one query; none without a team)."""
    if team_id is None:
        return None
    return StaffingSnapshot.objects.filter(team_id=team_id).order_by("-as_of").first()
