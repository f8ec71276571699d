"""Dashboards: the team dashboard, the organisation overview and a member's strain for
leaders (My dashboard is workload.views.me). Every table downloads as CSV; every chart has
its table.

Access (docs/privacy.md): leader pages are 403 without the leader role and 404 for a team or
member outside the teams the viewer leads; /me/ is for members. The reads live in
workload.selectors.dashboards; these views arrange them into tables and charts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from governance.selectors import scheduled_leavers
from teams.models import Channel, Member, Roles, Team, roles_for
from workload import charts
from workload.explain import BAND_LABELS, duration, fte, number
from workload.models import Category, RecomputeJob
from workload.selectors import dashboards
from workload.services import jobs
from workload.services.score_reads import score_reads_record
from workload.tasks import recompute_start
from workload.views import staffing_story
from workload.views.panels import (
    job_for,
    member_context,
    member_tables,
    score_cell,
    trend_charts,
    trend_table,
)
from workload.views.staffing_story import fte_cell, hours_cell
from workload.views.tables import (
    Cell,
    Column,
    Table,
    band_cell,
    csv_response,
    names,
    percent_cell,
    with_csv_urls,
)

CATEGORY_LABELS = dict(Category.choices)
REALTIME = {
    "realtime": gettext_lazy("Real-time inbox"),
    "deferrable": gettext_lazy("Inbox replies"),
}
SORT_COLUMNS = {"team": gettext_lazy("Team"), "gap": gettext_lazy("Gap FTE"),
                "high_risk": gettext_lazy("High or very high risk"),
                "after_hours": gettext_lazy("After-hours share")}  # fmt: skip


# ---- Access ---------------------------------------------------------------------------------


def _leader(request) -> Roles:
    roles = roles_for(request.user)
    if not roles.is_leader:
        raise PermissionDenied(_("Dashboards are for team leaders."))
    return roles


def _led_teams(roles: Roles) -> list[Team]:
    return list(Team.objects.filter(pk__in=roles.led_team_ids).order_by("name"))


def _led_team(teams: list[Team], team_id: int) -> Team:
    for team in teams:
        if team.pk == team_id:
            return team
    raise Http404(_("No such team among the teams you lead."))


def _led_member(roles: Roles, member_id: int) -> Member:
    member = (
        Member.objects.filter(pk=member_id, team_id__in=roles.led_team_ids)
        .select_related("team")
        .first()
    )
    if member is None:
        raise Http404(_("No such member in the teams you lead."))
    return member


# ---- Team dashboard ---------------------------------------------------------------------------


def _gap_label(gap: dict) -> str:
    """A backup gap's channel label (snapshots before labels stored platform and handle)."""
    if gap.get("label"):
        return gap["label"]
    platform = dict(Channel.Platform.choices).get(gap.get("platform", ""), gap.get("platform", ""))
    return f"{platform} {gap.get('handle', '')}".strip()


def _team_tables(data: dashboards.TeamDashboard) -> dict[str, Table]:
    snap = data.snapshot
    tables: dict[str, Table] = {}
    if snap is not None:
        demand = snap.demand_hours or {}
        fte = Table("fte", _("Staffing in full-time equivalents (FTE)"),
                    [Column(_("Figure")), Column(_("FTE"), True),
                     Column(_("Meaning"))])  # fmt: skip
        fte.add(_("Required"), fte_cell(float(snap.required_fte)),
                _("demand (or the seat floor, if larger) with absence allowed for"))  # fmt: skip
        fte.add(_("Demand"), fte_cell(float(snap.demand_fte)),
                _("the demand hours with absence allowed for"))  # fmt: skip
        fte.add(_("Available"), fte_cell(float(snap.available_fte)),
                _("contracted hours of counted members"))  # fmt: skip
        fte.add(_("Gap"), fte_cell(float(snap.gap_fte)),
                _("required − available; above 0 is understaffed"))  # fmt: skip
        fte.add(_("Seat floor"), fte_cell(float(snap.seat_floor_fte)),
                _("one person present whenever the team is staffed"))  # fmt: skip
        fte.add(_("Hidden overtime"), fte_cell(float(snap.hidden_overtime_fte)),
                _("hours worked beyond contracts today"))  # fmt: skip
        tables["fte"] = fte
        cat = Table("demand-by-category", _("Demand by category (hours per week, non-queue work)"),
                    [Column(_("Category")), Column(_("Hours per week"), True)],
                    empty=_("No other work logged in the 4 weeks."))  # fmt: skip
        for key, hours in sorted((demand.get("by_category") or {}).items(), key=lambda kv: -kv[1]):
            cat.add(CATEGORY_LABELS.get(key, key), hours_cell(hours))
        tables["demand-by-category"] = cat
        chan = Table("demand-by-channel", _("Demand by inbox channel (hours per week)"),
                     [Column(_("Channel")), Column(_("Kind")), Column(_("Messages per week"), True),
                      Column(_("Handling time (min)"), True), Column(_("Reply within (min)"), True),
                      Column(_("Hours per week"), True)],
                     empty=_("No channel with a response time target."))  # fmt: skip
        channels = sorted((demand.get("queue_channels") or {}).values(), key=lambda c: -c["hours"])
        for c in channels:
            chan.add(c.get("label") or c["name"], str(REALTIME.get(c["kind"], c["kind"])),
                     number(c["weekly_messages"], 0), number(c["aht_minutes"]),
                     c["sla_minutes"], hours_cell(c["hours"]))  # fmt: skip
        tables["demand-by-channel"] = chan
        backup = Table("backup-gaps", _("Channels without enough people who can act on them"),
                       [Column(_("Channel")), Column(_("People who can act"), True),
                        Column(_("Needed"), True)],
                       empty=_("Every channel has its backup."))  # fmt: skip
        for g in snap.backup_gaps or []:
            backup.add(_gap_label(g), g["actors"], g["min_backup"])
        tables["backup-gaps"] = backup
        unreach = Table("unreachable", _("Reply targets the staffed hours cannot meet"),
                        [Column(_("Channel")), Column(_("Reply within (min)"), True),
                         Column(_("Longest unstaffed stretch (min)"), True)],
                        empty=_("Every reply target fits the staffed hours."))  # fmt: skip
        for u in snap.unreachable_channels or []:
            unreach.add(u.get("label") or u["name"], u["sla_minutes"],
                        number(u["longest_unstaffed_minutes"], 0))  # fmt: skip
        tables["unreachable"] = unreach
        tables |= staffing_story.story(snap, team_name=data.team.name).tables
    if data.summary is not None:
        bands = Table("bands", _("Workload strain bands (objective, all scored members)"),
                      [Column(_("Band")), Column(_("Members"), True)])  # fmt: skip
        for key, count in data.summary["wsi_bands"].items():
            bands.add(band_cell(key), count)
        tables["bands"] = bands
        pulse = data.summary["pulse"]
        if not pulse["withheld"]:
            pb = Table("pulse-bands", _("Burnout risk bands of pulse respondents (blended)"),
                       [Column(_("Band")), Column(_("Respondents"), True)])  # fmt: skip
            for key, count in pulse["bands"].items():
                pb.add(band_cell(key), count)
            tables["pulse-bands"] = pb
    members = Table(
        "members",
        _("Members by risk, highest first"),
        [Column(_("Member")), Column(_("Strain (WSI)"), True), Column(_("Strain band")),
         Column(_("What drives it")), Column(_("Blended risk"), True), Column(_("Risk band"))],
        empty=_("No member has a score for this date."),
    )  # fmt: skip
    for s in data.strains:
        href = reverse("dashboard-member", args=[s.member.pk])
        members.add(
            Cell(s.member.full_name, href=href), score_cell(s.wsi), band_cell(s.score.wsi_band),
            s.in_words,
            score_cell(s.risk) if s.pulse_visible else _("not shared"),
            band_cell(s.band) if s.pulse_visible else Cell(_("not shared")),
        )  # fmt: skip
    tables["members"] = members
    thin = Table("insufficient", _("Members without a score"),
                 [Column(_("Member")), Column(_("Why"))],
                 empty=_("Every member has enough logged work to score."))  # fmt: skip
    for s in data.insufficient:
        thin.add(Cell(s.member.full_name, href=reverse("dashboard-member", args=[s.member.pk])),
                 s.reason)  # fmt: skip
    tables["insufficient"] = thin
    tables["trend"] = trend_table(data.trend)
    gov = data.governance
    departed = Table("departed-grants", _("Access still held by people who have left"),
                     [Column(_("Person")), Column(_("Channel")), Column(_("Role")),
                      Column(_("Granted"))],
                     empty=_("No one who has left still holds access."))  # fmt: skip
    for g in gov["departed_holders"]:
        departed.add(g.member.full_name, str(g.channel), g.get_role_display(),
                     g.granted_at.date().isoformat())  # fmt: skip
    tables["departed-grants"] = departed
    rot = Table("overdue-rotations", _("Shared passwords overdue for rotation"),
                [Column(_("Channel")), Column(_("Because of")), Column(_("Required since"))],
                empty=_("No shared password is overdue for rotation."))  # fmt: skip
    for r in gov["overdue_rotations"]:
        rot.add(str(r.channel), str(r.member or "—"), r.required_since.date().isoformat())
    tables["overdue-rotations"] = rot
    rev = Table("overdue-reviews", _("Access review items past their deadline"),
                [Column(_("Review")), Column(_("Deadline")), Column(_("Person")),
                 Column(_("Channel")), Column(_("Reviewer"))],
                empty=_("No access review item is overdue."))  # fmt: skip
    for item in gov["overdue_reviews"]:
        rev.add(item.review.name, item.review.deadline.isoformat(), str(item.grant.member),
                str(item.grant.channel), str(item.reviewer or _("any admin")))  # fmt: skip
    tables["overdue-reviews"] = rev
    return with_csv_urls(tables, "dashboard-team-csv", data.team.pk)


def _team_charts(data: dashboards.TeamDashboard) -> dict[str, str]:
    out: dict[str, str] = {}
    snap = data.snapshot
    if snap is not None:
        demand = snap.demand_hours or {}
        out["fte"] = charts.bar_chart(
            title=_("Required against available FTE"),
            bars=[
                charts.Bar(_("Required"), float(snap.required_fte), fte(snap.required_fte)),
                charts.Bar(
                    _("Available"), float(snap.available_fte), fte(snap.available_fte), "ok"
                ),  # fmt: skip
                charts.Bar(
                    _("Seat floor"), float(snap.seat_floor_fte), fte(snap.seat_floor_fte), "muted"
                ),  # fmt: skip
                charts.Bar(
                    _("Hidden overtime"),
                    float(snap.hidden_overtime_fte),
                    fte(snap.hidden_overtime_fte),
                    "high",
                ),  # fmt: skip
            ],
        )
        cats = sorted((demand.get("by_category") or {}).items(), key=lambda kv: -kv[1])
        out["demand-by-category"] = charts.bar_chart(
            title=_("Demand by category, hours per week"),
            bars=[
                charts.Bar(
                    str(CATEGORY_LABELS.get(k, k)), v, _("%(hours)s h") % {"hours": number(v, 0)}
                )
                for k, v in cats
            ],
        )
        chans = sorted((demand.get("queue_channels") or {}).values(), key=lambda c: -c["hours"])
        out["demand-by-channel"] = charts.bar_chart(
            title=_("Demand by inbox channel, hours per week"),
            bars=[charts.Bar(c.get("label") or c["name"], c["hours"],
                             _("%(hours)s h") % {"hours": number(c["hours"], 0)},
                             "accent" if c["kind"] == "realtime" else "muted")
                  for c in chans],
        )  # fmt: skip
        out |= staffing_story.story(snap, team_name=data.team.name).charts
    if data.summary is not None:
        out["bands"] = charts.bar_chart(
            title=_("Members per workload strain band"),
            bars=[charts.Bar(str(BAND_LABELS[k]), v, str(v), k)
                  for k, v in data.summary["wsi_bands"].items()],
        )  # fmt: skip
        pulse = data.summary["pulse"]
        if not pulse["withheld"]:
            out["pulse-bands"] = charts.bar_chart(
                title=_("Pulse respondents per blended risk band"),
                bars=[
                    charts.Bar(str(BAND_LABELS[k]), v, str(v), k) for k, v in pulse["bands"].items()
                ],
            )
    return {k: mark_safe(v) for k, v in out.items()}


def _render_team(request, roles: Roles, teams: list[Team], team: Team | None):
    viewer = roles.member
    context: dict[str, Any] = {
        "teams": teams,
        "team": team,
        "viewer_tz": viewer.tz if viewer else dt.UTC,
    }
    if team is None:
        return render(request, "workload/dashboard_team.html", context)
    data = dashboards.team_dashboard(team=team, viewer=viewer, as_of_fallback=jobs.default_as_of())
    score_reads_record(
        user=request.user, via="team_dashboard",
        member_ids=[s.member.pk for s in data.strains + data.insufficient
                    if viewer is None or s.member.pk != viewer.pk],
    )  # fmt: skip
    context |= {
        "data": data,
        "tables": names(_team_tables(data)),
        "charts": names(_team_charts(data)),
        "trend_charts": [(c, mark_safe(svg)) for c, svg in trend_charts(data.trend, team.name)],
        "job": job_for(request),
        "recompute_url": reverse("dashboard-recompute", args=[team.pk]),
        "unreachable_text": _unreachable_text(data.snapshot),
        "story": (
            staffing_story.story(data.snapshot, team_name=team.name) if data.snapshot else None
        ),
        "leavers": scheduled_leavers(team_ids=[team.pk]),
    }
    return render(request, "workload/dashboard_team.html", context)


def _unreachable_text(snapshot) -> str:
    items = (snapshot.unreachable_channels or []) if snapshot is not None else []
    if not items:
        return ""
    names = ", ".join(u.get("label") or u["name"] for u in items)
    longest = max(u["longest_unstaffed_minutes"] for u in items)
    shortest_sla = min(u["sla_minutes"] for u in items)
    return _(
        "%(channels)s. Nobody is on shift for up to %(longest)s at a stretch, against reply "
        "targets from %(shortest)s: extend the staffed hours or relax the targets."
    ) % {"channels": names, "longest": duration(longest), "shortest": duration(shortest_sla)}


@login_required
def dashboard(request):
    """A leader's landing: the first team they lead (the switcher lists the others)."""
    roles = _leader(request)
    teams = _led_teams(roles)
    return _render_team(request, roles, teams, teams[0] if teams else None)


@login_required
def dashboard_team(request, team_id: int):
    roles = _leader(request)
    teams = _led_teams(roles)
    return _render_team(request, roles, teams, _led_team(teams, team_id))


@login_required
def dashboard_team_csv(request, team_id: int, table: str):
    roles = _leader(request)
    team = _led_team(_led_teams(roles), team_id)
    data = dashboards.team_dashboard(
        team=team, viewer=roles.member, as_of_fallback=jobs.default_as_of()
    )
    tables = _team_tables(data)
    if table not in tables:
        raise Http404(_("No such table."))
    if table in ("members", "insufficient"):
        rows = data.strains if table == "members" else data.insufficient
        score_reads_record(
            user=request.user,
            via="team_csv",
            member_ids=[s.member.pk for s in rows if s.member != roles.member],
        )
    return csv_response(tables[table], f"{slugify(team.name)}-{table}-{data.as_of or 'none'}")


@login_required
@require_POST
def dashboard_recompute(request, team_id: int):
    """Recompute now: works without JavaScript (POST, then the dashboard with ?job=<id>)."""
    roles = _leader(request)
    team = _led_team(_led_teams(roles), team_id)
    job = recompute_start(as_of=jobs.default_as_of(), team_ids=[team.pk], requested_by=request.user)
    return redirect(f"{reverse('dashboard-team', args=[team.pk])}?job={job.pk}#recompute")


@login_required
def job_progress(request, job_id):
    """The recompute progress partial htmx polls every second; when the job is over, htmx
    reloads the page (HX-Refresh) so the new figures and computed-at show."""
    job = RecomputeJob.objects.filter(pk=job_id, requested_by=request.user).first()
    if job is None:
        raise Http404(_("No such job."))
    job = jobs.job_refresh(job=job)
    response = render(request, "workload/_job_progress.html", {"job": job, "polled": True})
    if request.htmx and job.state in (RecomputeJob.State.DONE, RecomputeJob.State.FAILED):
        response["HX-Refresh"] = "true"
    return response


# ---- Organisation overview ---------------------------------------------------------------------


def _org_sort(request) -> str:
    sort = request.GET.get("sort", "-gap")
    return sort if sort.lstrip("-") in SORT_COLUMNS else "-gap"


def _org_table(rows: list[dashboards.OrgRow], sort: str) -> Table:
    table = Table(
        "teams",
        _("Teams you lead"),
        [Column(_("Team"), sort="team"), Column(_("Gap FTE"), True, sort="gap"),
         Column(_("Required FTE"), True), Column(_("Available FTE"), True),
         Column(_("High or very high risk"), True, sort="high_risk"),
         Column(_("After-hours share (4 weeks)"), True, sort="after_hours"), Column(_("As of"))],
        csv_url=reverse("dashboard-org-csv", args=["teams"]) + f"?sort={sort}",
        empty=_("You lead no team yet."),
    )  # fmt: skip
    for r in rows:
        table.add(
            Cell(r.team.name, href=reverse("dashboard-team", args=[r.team.pk])),
            fte_cell(r.gap_fte), fte_cell(r.required_fte), fte_cell(r.available_fte),
            Cell(_("withheld")) if r.withheld else percent_cell(r.high_share),
            percent_cell(r.after_hours_share),
            r.snapshot_as_of.isoformat() if r.snapshot_as_of else _("not computed yet"),
        )  # fmt: skip
    return table


@login_required
def dashboard_org(request):
    roles = _leader(request)
    sort = _org_sort(request)
    rows = dashboards.org_overview(team_ids=roles.led_team_ids, viewer=roles.member, sort=sort)
    known = [r for r in rows if r.gap_fte is not None]
    chart = charts.bar_chart(
        title=_("Staffing gap per team, in FTE (above 0: understaffed)"),
        bars=[charts.Bar(r.team.name, r.gap_fte, fte(r.gap_fte),
                         "high" if r.gap_fte > 0 else "ok") for r in known],
    )  # fmt: skip
    sort_links = [
        {"key": key, "label": label, "current": sort.lstrip("-") == key,
         "descending": sort == f"-{key}",
         "href": f"?sort={'' if sort == '-' + key else '-'}{key}"}
        for key, label in SORT_COLUMNS.items()
    ]  # fmt: skip
    return render(
        request,
        "workload/dashboard_org.html",
        {"rows": rows, "table": _org_table(rows, sort), "chart": mark_safe(chart),
         "sort": sort, "sort_links": sort_links},
    )  # fmt: skip


@login_required
def dashboard_org_csv(request, table: str):
    roles = _leader(request)
    if table != "teams":
        raise Http404(_("No such table."))
    sort = _org_sort(request)
    rows = dashboards.org_overview(team_ids=roles.led_team_ids, viewer=roles.member, sort=sort)
    return csv_response(_org_table(rows, sort), f"teams-{timezone.localdate().isoformat()}")


# ---- One member, for their leader ------------------------------------------------------------


@login_required
def dashboard_member(request, member_id: int):
    roles = _leader(request)
    member = _led_member(roles, member_id)
    data = dashboards.member_dashboard(
        member=member, viewer=roles.member, as_of_fallback=jobs.default_as_of()
    )
    if roles.member is None or member.pk != roles.member.pk:
        score_reads_record(user=request.user, via="member_dashboard", member_ids=[member.pk])
    tables = member_tables(data, "dashboard-member-csv", member.pk)
    context = (
        member_context(data, tables)
        | {
            "viewer_tz": roles.member.tz if roles.member else dt.UTC,
            "recompute_url": reverse("dashboard-recompute", args=[member.team_id]),
            "job": job_for(request),
        }
        | staffing_story.leave_gap_context(member, own=False)
        | {"leaving": next(iter(scheduled_leavers(member_ids=[member.pk])), None)}
    )
    return render(request, "workload/dashboard_member.html", context)


@login_required
def dashboard_member_csv(request, member_id: int, table: str):
    roles = _leader(request)
    member = _led_member(roles, member_id)
    data = dashboards.member_dashboard(
        member=member, viewer=roles.member, as_of_fallback=jobs.default_as_of()
    )
    tables = member_tables(data, "dashboard-member-csv", member.pk)
    if table not in tables:
        raise Http404(_("No such table."))
    if roles.member is None or member.pk != roles.member.pk:
        score_reads_record(user=request.user, via="member_csv", member_ids=[member.pk])
    return csv_response(tables[table], f"{slugify(member.full_name)}-{table}")
