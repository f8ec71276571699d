"""Reads behind the leader and member dashboards: set-based, a fixed number of queries per
page whatever the team size or history length (each function says how many).

Privacy tiers (docs/privacy.md) are applied here, once: a leader sees a member's objective strain
(WSI, factors, wsi_band); the pulse-derived parts (WRB, blended risk, band, overrides) only
when `score_pulse_visible`; pulse aggregates only for groups of at least pulse_min_group.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import FloatField, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from governance.reviews import review_items_overdue
from governance.selectors import governance_health
from teams.models import Member, Team
from teams.selectors import leave_dates_for
from workload import explain
from workload.hours import after_hours, is_available_workday, monday_of
from workload.models import BurnoutScore, PulseResponse, StaffingSnapshot, TaskLog
from workload.selectors.aggregates import WORKED_DAY_MINUTES, day_sums
from workload.selectors.scores import pulse_visible, score_pulse_visible, team_score_summary

TREND_WEEKS = 12
DAY = dt.timedelta(days=1)
HIGH_BANDS = ("high", "very_high")


# ---- Weekly trends -------------------------------------------------------------------------


@dataclass
class TrendWeek:
    """One ISO week, Monday `first` to Sunday, counted up to `last`: the Sunday, or as_of in
    the week that holds it (then the week is `partial`). Hours are the logged minutes of
    entries split at local midnight (docs/scoring.md); after-hours follows docs/scoring.md 1.1:
    on an available workday the minutes outside the member's working window, on a rest day or
    a leave day all of them. Rest days worked: days that are neither a contracted weekday nor
    leave, with at least 15 logged minutes. Contract: Σ weekly_hours of the members employed
    in the week; in a partial week each member's share of it, by their contracted weekdays up
    to `last` (a Wednesday as_of with Monday–Friday workdays: 3/5), so hours against contract
    stay fair. These are calendar weeks for people to read; the burnout score's 7-day blocks,
    which end on as_of, are another thing and never shown as weeks."""

    first: dt.date
    last: dt.date
    minutes: int = 0
    after_hours_minutes: int = 0
    rest_days_worked: int = 0
    hostile_messages: int = 0
    contract_hours: float = 0.0

    @property
    def sunday(self) -> dt.date:
        return self.first + 6 * DAY

    @property
    def partial(self) -> bool:
        return self.last < self.sunday

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def after_hours(self) -> float:
        return self.after_hours_minutes / 60

    @property
    def after_hours_share(self) -> float | None:
        return self.after_hours_minutes / self.minutes if self.minutes else None

    @property
    def hours_vs_contract(self) -> float | None:
        return self.hours / self.contract_hours if self.contract_hours else None


def _contract_share(member: Member, week: TrendWeek) -> float:
    """The part of a member's weekly contract that falls in the week's counted days."""
    if member.started_on > week.last or (
        member.ended_on is not None and member.ended_on < week.first
    ):
        return 0.0
    if not week.partial:
        return 1.0
    workdays = set(member.workdays)
    if not workdays:
        return 0.0
    # The week starts on a Monday, so its i-th day is weekday i.
    elapsed = sum(i in workdays for i in range((week.last - week.first).days + 1))
    return elapsed / len(workdays)


def trend_weeks(*, members: list[Member], as_of: dt.date) -> list[TrendWeek]:
    """The 12 ISO weeks (Monday to Sunday) ending with the one that holds as_of, for these
    members (one team, or one person); the last counts only the days up to as_of. One grouped
    query over their task logs (per member-day sums, `aggregates.day_sums`) and one over their
    leave. No query when there are no members."""
    first = monday_of(as_of) - (TREND_WEEKS - 1) * 7 * DAY
    weeks = [
        TrendWeek(first=first + 7 * i * DAY, last=min(first + (7 * i + 6) * DAY, as_of))
        for i in range(TREND_WEEKS)
    ]
    if not members:
        return weeks
    by_id = {m.pk: m for m in members}
    for week in weeks:
        week.contract_hours = sum(float(m.weekly_hours) * _contract_share(m, week) for m in members)
    if len(members) == 1:
        logs = TaskLog.objects.filter(member_id=members[0].pk)
    else:
        # `__in` drops None in SQL anyway; members without a team add no team id.
        team_ids = {m.team_id for m in members if m.team_id is not None}
        logs = TaskLog.objects.filter(member__team_id__in=team_ids, member__role_member=True)
    # (member, date) → [minutes, inside-window minutes, hostile]: an entry's part past
    # midnight belongs to the next date, as everywhere in the scoring.
    days: dict[tuple[int, dt.date], list[int]] = {}
    for row in day_sums(logs.filter(date__range=(first - DAY, as_of))):
        if row["member_id"] not in by_id:
            continue
        for day, minutes, inside, hostile in (
            (row["date"], row["same"], row["inside_same"], row["hostile"] or 0),
            (row["date"] + DAY, row["spill"], row["inside_spill"], 0),
        ):
            if first <= day <= as_of and (minutes or hostile):
                totals = days.setdefault((row["member_id"], day), [0, 0, 0])
                totals[0] += minutes or 0
                totals[1] += inside or 0
                totals[2] += hostile
    leave = leave_dates_for(member_ids=list(by_id), start=first, end=as_of)
    for (member_id, day), (minutes, inside, hostile) in days.items():
        member = by_id[member_id]
        week = weeks[(day - first).days // 7]
        contracted = day.weekday() in set(member.workdays)
        on_leave = day in leave[member_id]
        week.minutes += minutes
        week.after_hours_minutes += after_hours(
            minutes,
            inside,
            available_workday=is_available_workday(day, member.workdays, leave[member_id]),
        )
        week.hostile_messages += hostile
        if not contracted and not on_leave and minutes >= WORKED_DAY_MINUTES:
            week.rest_days_worked += 1
    return weeks


# ---- One member's strain, as a viewer may see it ---------------------------------------------


@dataclass
class MemberStrain:
    member: Member
    score: BurnoutScore
    pulse_visible: bool

    @property
    def ok(self) -> bool:
        return self.score.status == BurnoutScore.Status.OK

    @property
    def wsi(self) -> float | None:
        return None if self.score.wsi is None else float(self.score.wsi)

    @property
    def wrb(self) -> float | None:
        if not self.pulse_visible or self.score.wrb is None:
            return None
        return float(self.score.wrb)

    @property
    def risk(self) -> float | None:
        """The blended (or objective-only) risk, for the member and those they share with."""
        if not self.pulse_visible or self.score.risk is None:
            return None
        return float(self.score.risk)

    @property
    def band(self) -> str:
        """The band this viewer sees: the full band when visible, else wsi_band."""
        return (self.score.band if self.pulse_visible else self.score.wsi_band) or ""

    @property
    def band_overrides(self) -> list[str]:
        return list(self.score.band_overrides or []) if self.pulse_visible else []

    @property
    def visible_risk(self) -> float:
        """What a list is sorted by: the risk where visible, else the WSI."""
        value = self.risk if self.risk is not None else self.wsi
        return -1.0 if value is None else value

    @property
    def factors(self) -> list[explain.Factor]:
        return explain.factors(self.score.contributions or {}, self.score.aggregates or {})

    @property
    def top_factors(self) -> list[explain.Factor]:
        return explain.top_factors(self.score.contributions or {}, self.score.aggregates or {})

    @property
    def in_words(self) -> str:
        return explain.strain_in_words(self.score.contributions or {}, self.score.aggregates or {})

    @property
    def aggregates_in_words(self) -> list[str]:
        return explain.aggregates_in_words(self.score.aggregates or {})

    @property
    def reason(self) -> str:
        coverage = None if self.score.coverage is None else float(self.score.coverage)
        return explain.reason_in_words(self.score.reason, coverage) if self.score.reason else ""


# ---- The team dashboard --------------------------------------------------------------------


@dataclass
class TeamDashboard:
    team: Team
    as_of: dt.date | None
    snapshot: StaffingSnapshot | None
    strains: list[MemberStrain] = field(default_factory=list)  # scored, highest risk first
    insufficient: list[MemberStrain] = field(default_factory=list)
    summary: dict | None = None
    trend: list[TrendWeek] = field(default_factory=list)
    governance: dict = field(default_factory=dict)
    scores_computed_at: dt.datetime | None = None

    @property
    def sentence(self) -> str:
        return staffing_sentence(self.team, self.snapshot) if self.snapshot else ""


def staffing_sentence(team: Team, snapshot: StaffingSnapshot) -> str:
    demand = snapshot.demand_hours or {}
    channels = (demand.get("queue_channels") or {}).values()
    details = snapshot.details or {}
    return explain.staffing_sentence(
        team=team.name,
        gap_fte=float(snapshot.gap_fte),
        required_fte=float(snapshot.required_fte),
        available_fte=float(snapshot.available_fte),
        hidden_overtime_fte=float(snapshot.hidden_overtime_fte),
        seat_floor_fte=float(snapshot.seat_floor_fte),
        shrinkage=float(details.get("shrinkage", team.shrinkage)),
        demand_total=float(demand.get("total", 0)),
        realtime_hours=sum(c["hours"] for c in channels if c.get("kind") == "realtime"),
        deferrable_hours=sum(c["hours"] for c in channels if c.get("kind") != "realtime"),
        other_hours=float(demand.get("non_queue", 0)),
        staffed_hours_per_week=details.get("staffed_hours_per_week"),
    )


def team_dashboard(*, team: Team, viewer: Member | None, as_of_fallback: dt.date) -> TeamDashboard:
    """Fourteen queries (twelve with no data at all): the latest snapshot (1; without one,
    the latest score date, 1), the scores for that date with their members (1), the privacy-
    aware score summary (1), the trend (members, logs, leave: 3), governance health (5) and
    overdue review items (1). The governance panel is where workload meets governance:
    workload owns it, through governance's selectors (docs/architecture.md)."""
    snapshot = StaffingSnapshot.objects.filter(team=team).order_by("-as_of").first()
    as_of: dt.date | None
    if snapshot is not None:
        as_of = snapshot.as_of
    else:
        as_of = (
            BurnoutScore.objects.filter(member__team=team)
            .order_by("-as_of")
            .values_list("as_of", flat=True)
            .first()
        )
    data = TeamDashboard(team=team, as_of=as_of, snapshot=snapshot)
    if as_of is not None:
        scores = BurnoutScore.objects.filter(member__team=team, as_of=as_of).select_related(
            "member"
        )
        strains = [
            MemberStrain(s.member, s, score_pulse_visible(score=s, viewer=viewer)) for s in scores
        ]
        data.strains = sorted(
            (s for s in strains if s.ok), key=lambda s: (-s.visible_risk, s.member.full_name)
        )
        data.insufficient = sorted(
            (s for s in strains if not s.ok), key=lambda s: s.member.full_name
        )
        data.scores_computed_at = max((s.score.computed_at for s in strains), default=None)
        data.summary = team_score_summary(team=team, as_of=as_of)
    members = list(Member.objects.filter(team=team, role_member=True))
    data.trend = trend_weeks(members=members, as_of=as_of or as_of_fallback)
    today = timezone.localdate()
    health = governance_health(team_ids=[team.pk], today=today)
    overdue_items = list(
        review_items_overdue(today=today)
        .filter(grant__channel__team_id=team.pk)
        .select_related("review", "grant__member", "grant__channel", "reviewer")
        .order_by("review__deadline", "pk")
    )
    data.governance = {
        "backup_gaps": health["backup_gaps"],
        "departed_holders": [
            g for g in health["absent_holders"]
            if g.member.status == Member.Status.DEPARTED
            or (g.member.ended_on is not None and g.member.ended_on < today)
        ],
        "overdue_rotations": health["overdue_rotations"],
        "overdue_reviews": overdue_items,
    }  # fmt: skip
    return data


# ---- One member (the leader's drill-down and the member's own page) -----------------------------


@dataclass
class MemberDashboard:
    member: Member
    strain: MemberStrain | None
    trend: list[TrendWeek]


def member_dashboard(*, member: Member, viewer: Member | None, as_of_fallback) -> MemberDashboard:
    """Three queries: the latest score, then the trend's logs and leave."""
    score = BurnoutScore.objects.filter(member=member).order_by("-as_of").first()
    strain = None
    if score is not None:
        score.member = member  # already loaded: no query behind score_pulse_visible
        strain = MemberStrain(member, score, score_pulse_visible(score=score, viewer=viewer))
    as_of = score.as_of if score is not None else as_of_fallback
    return MemberDashboard(member, strain, trend_weeks(members=[member], as_of=as_of))


def latest_pulse(*, member: Member) -> PulseResponse | None:
    """The member's own latest pulse (one query). Raw answers: the member's eyes only."""
    return PulseResponse.objects.filter(member=member).order_by("-week").first()


# ---- The organisation overview ---------------------------------------------------------------


@dataclass
class OrgRow:
    team: Team
    snapshot_as_of: dt.date | None
    gap_fte: float | None
    required_fte: float | None
    available_fte: float | None
    scored: int = 0
    high: int = 0
    withheld: bool = True
    total_hours: float = 0.0
    after_hours_hours: float = 0.0

    @property
    def high_share(self) -> float | None:
        return None if self.withheld or not self.scored else self.high / self.scored

    @property
    def after_hours_share(self) -> float | None:
        return self.after_hours_hours / self.total_hours if self.total_hours else None


ORG_SORTS = {
    "team": lambda r: (r.team.name.lower(),),
    "gap": lambda r: (r.gap_fte is None, r.gap_fte or 0),
    "high_risk": lambda r: (r.high_share is None, r.high_share or 0),
    "after_hours": lambda r: (r.after_hours_share is None, r.after_hours_share or 0),
}


def org_overview(*, team_ids, viewer: Member | None, sort: str = "-gap") -> list[OrgRow]:
    """One row per team: two queries whatever the number of teams, members or history (the
    teams with their latest snapshot and score date; the latest scores of their members).

    The high-risk share uses, per member, the band the viewer may see (wsi_band unless the
    member shares their pulse) and is withheld below the team's pulse_min_group scored
    members, because shared bands are pulse-derived. After-hours share: Σ after-hours hours
    over Σ logged hours of the 28-day window behind those scores (docs/scoring.md 1.1)."""
    latest = StaffingSnapshot.objects.filter(team=OuterRef("pk")).order_by("-as_of")
    teams = list(
        Team.objects.filter(pk__in=list(team_ids))
        .annotate(
            snapshot_as_of=Subquery(latest.values("as_of")[:1]),
            gap=Subquery(latest.values("gap_fte")[:1]),
            required=Subquery(latest.values("required_fte")[:1]),
            available=Subquery(latest.values("available_fte")[:1]),
            score_as_of=Subquery(
                BurnoutScore.objects.filter(member__team_id=OuterRef("pk"))
                .order_by("-as_of")
                .values("as_of")[:1]
            ),
        )
        .order_by("name")
    )
    rows = {
        t.pk: OrgRow(
            team=t,
            snapshot_as_of=t.snapshot_as_of,
            gap_fte=None if t.gap is None else float(t.gap),
            required_fte=None if t.required is None else float(t.required),
            available_fte=None if t.available is None else float(t.available),
        )
        for t in teams
    }
    latest_scores = Q()
    for t in teams:
        if t.score_as_of is not None:
            latest_scores |= Q(member__team_id=t.pk, as_of=t.score_as_of)
    if latest_scores:
        for team_id, member_id, status, wsi_band, band, shares, total, after in (
            BurnoutScore.objects.filter(latest_scores)
            .annotate(
                total=Cast(KT("aggregates__total_hours"), FloatField()),
                after=Cast(KT("aggregates__after_hours_hours"), FloatField()),
            )
            .values_list(
                "member__team_id",
                "member_id",
                "status",
                "wsi_band",
                "band",
                "member__share_pulse_with_leader",
                "total",
                "after",
            )  # fmt: skip
        ):
            row = rows[team_id]
            row.total_hours += total or 0
            row.after_hours_hours += after or 0
            if status != BurnoutScore.Status.OK:
                continue
            row.scored += 1
            shown = pulse_visible(member_id=member_id, shares_pulse=shares, viewer=viewer)
            visible = band if shown else wsi_band
            row.high += visible in HIGH_BANDS
    for row in rows.values():
        row.withheld = row.scored < row.team.pulse_min_group
    key = sort.lstrip("-")
    ordered = sorted(rows.values(), key=ORG_SORTS.get(key, ORG_SORTS["gap"]))
    if sort.startswith("-"):
        # Descending, but teams without a figure stay last.
        known = [r for r in ordered if ORG_SORTS[key](r)[0] is not True]
        unknown = [r for r in ordered if ORG_SORTS[key](r)[0] is True]
        ordered = list(reversed(known)) + unknown
    return ordered
