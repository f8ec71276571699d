"""Reads of burnout scores under the privacy tiers: what a viewer may see of whom."""

from __future__ import annotations

import datetime as dt
from typing import Any

from teams.models import Member, Team
from workload.models import BurnoutScore


def pulse_visible(*, member_id: int, shares_pulse: bool, viewer: Member | None) -> bool:
    """The privacy rule for pulse-derived figures (WRB, blended risk and band, band
    overrides; docs/privacy.md): the member's own, and a leader's only when the member shares
    their pulse. The one definition, for one score or a grouped read."""
    return (viewer is not None and viewer.pk == member_id) or shares_pulse


def score_pulse_visible(*, score: BurnoutScore, viewer: Member | None) -> bool:
    """`pulse_visible` for a loaded score (its member loaded too: no query)."""
    return pulse_visible(
        member_id=score.member_id, shares_pulse=score.member.share_pulse_with_leader, viewer=viewer
    )


def team_score_summary(*, team: Team, as_of: dt.date | None = None) -> dict[str, Any]:
    """A team's objective-strain distribution, and its pulse aggregates only when at least
    `pulse_min_group` members have a pulse counting for as_of (docs/privacy.md).
    Two queries."""
    scores = BurnoutScore.objects.filter(member__team=team)
    if as_of is None:
        as_of = scores.order_by("-as_of").values_list("as_of", flat=True).first()
    # With no score at all as_of stays None, and the read finds nothing (as_of IS NULL).
    dated = scores.filter(as_of__isnull=True) if as_of is None else scores.filter(as_of=as_of)
    rows = list(dated.values("status", "wsi_band", "band", "wrb"))
    bands = ("low", "moderate", "high", "very_high")
    scored = [r for r in rows if r["status"] == BurnoutScore.Status.OK]
    # A pulse counts for the aggregate even when the work data is too thin to score.
    with_pulse = [r for r in rows if r["wrb"] is not None]
    summary: dict[str, Any] = {
        "team": team.pk,
        "as_of": as_of,
        "members_scored": len(scored),
        "insufficient_data": len(rows) - len(scored),
        "wsi_bands": {b: sum(1 for r in scored if r["wsi_band"] == b) for b in bands},
        "pulse": {"withheld": True, "min_group": team.pulse_min_group},
    }
    if len(with_pulse) >= team.pulse_min_group:
        wrbs = [float(wrb) for r in with_pulse if (wrb := r["wrb"]) is not None]
        summary["pulse"] = {
            "withheld": False,
            "min_group": team.pulse_min_group,
            "respondents": len(with_pulse),
            "mean_wrb": round(sum(wrbs) / len(wrbs), 2),
            "share_wrb_50_or_more": round(sum(1 for w in wrbs if w >= 50) / len(wrbs), 4),
            "bands": {b: sum(1 for r in with_pulse if r["band"] == b) for b in bands},
        }
    return summary
