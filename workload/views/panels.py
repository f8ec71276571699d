"""What several pages show: the twelve-week trend (chart and table), a member's strain
factors (chart and table), and the recompute job a page was asked about."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from workload import burnout, charts, dates
from workload.explain import number, percent
from workload.models import RecomputeJob
from workload.selectors import dashboards
from workload.services import jobs
from workload.views.tables import (
    Cell,
    Column,
    Table,
    names,
    percent_cell,
    whole,
    with_csv_urls,
)


def job_for(request: HttpRequest) -> RecomputeJob | None:
    if not request.user.is_authenticated:  # the pages asking are all login_required
        return None
    try:
        job_id = uuid.UUID(request.GET.get("job", ""))
    except ValueError:
        return None
    job = RecomputeJob.objects.filter(pk=job_id, requested_by=request.user).first()
    return None if job is None else jobs.job_refresh(job=job)


def week_label(week: dashboards.TrendWeek, today: dt.date) -> str:
    """ "W48 · 23 Nov": the ISO week and its Monday; a week counted only up to as_of says
    so: "W49 · 30 Nov (to Wed 2 Dec)". Outside today's year the dates carry the year."""
    text = f"{chart_label_week(week)} · {dates.short_date(week.first, today)}"
    if not week.partial:
        return text
    return _("%(week)s (to %(day)s)") % {"week": text, "day": dates.day_label(week.last, today)}


def chart_label_week(week: dashboards.TrendWeek) -> str:
    """ "W48": the ISO week number."""
    return _("W%(number)s") % {"number": f"{week.first.isocalendar().week:02d}"}


def chart_label(week: dashboards.TrendWeek) -> str:
    """What fits under a column: "W48"; "W49*" for a partial week (the hint explains it)."""
    return chart_label_week(week) + ("*" if week.partial else "")


def whole_hours(hours: float | None) -> str:
    """Hours on a dashboard: whole hours, half-up."""
    return "—" if hours is None else str(whole(hours))


def _two_decimals(value: float | None) -> str:
    """What a CSV writes for hours and scores: half-up to two decimals, "25" not "25.00"."""
    return "" if value is None else number(burnout.round_half_up(value), 2, l10n=False)


def hours_cell(hours: float | None) -> Cell:
    """Whole hours on the page; two decimals in the CSV."""
    return Cell(whole_hours(hours), csv=_two_decimals(hours))


def score_cell(points: float | None) -> Cell:
    """A score (or points of one) as a whole number on the page; two decimals in the CSV,
    as the API gives them."""
    if points is None:
        return Cell("—", csv="")
    return Cell(str(whole(points)), csv=_two_decimals(points))


def trend_charts(trend: list[dashboards.TrendWeek], who: str) -> list[tuple[str, str]]:
    """(caption, SVG) per series; the trend table holds the same numbers."""
    labels = [chart_label(w) for w in trend]
    return [
        (
            _("Hours logged against contracted hours"),
            charts.column_chart(
                title=_("Hours logged per week by %(who)s, against contracted hours")
                % {"who": who},
                labels=labels,
                values=[w.hours for w in trend],
                texts=[whole_hours(w.hours) for w in trend],
                reference=[w.contract_hours for w in trend],
                reference_label=_("contracted hours"),
            ),
        ),
        (
            _("After-hours share of the hours"),
            charts.line_chart(
                title=_("Share of %(who)s's hours worked after hours, per week") % {"who": who},
                labels=labels,
                values=[w.after_hours_share for w in trend],
                texts=[percent(w.after_hours_share) for w in trend],
            ),
        ),
        (
            _("Rest days worked"),
            charts.column_chart(
                title=_("Rest days worked per week by %(who)s") % {"who": who},
                labels=labels,
                values=[w.rest_days_worked for w in trend],
                texts=[str(w.rest_days_worked) for w in trend],
                tone="moderate",
                height=170,
            ),
        ),
        (
            _("Hostile messages handled"),
            charts.column_chart(
                title=_("Hostile messages handled per week by %(who)s") % {"who": who},
                labels=labels,
                values=[w.hostile_messages for w in trend],
                texts=[str(w.hostile_messages) for w in trend],
                tone="high",
                height=170,
            ),
        ),
    ]


def trend_table(trend: list[dashboards.TrendWeek], today: dt.date | None = None) -> Table:
    """One row per ISO week. The page names the week ("W48 · 23 Nov"); the CSV writes its
    Monday and the last day counted as ISO dates, hours to two decimals, shares as whole
    numbers without the "%"."""
    today = today or timezone.localdate()
    table = Table(
        "trend",
        _("Twelve weeks, week by week (Monday to Sunday)"),
        [Column(_("Week")), Column(_("To")), Column(_("Hours logged"), True),
         Column(_("Contracted hours"), True), Column(_("Hours vs contract"), True),
         Column(_("After-hours hours"), True), Column(_("After-hours share"), True),
         Column(_("Rest days worked"), True), Column(_("Hostile messages"), True)],
    )  # fmt: skip
    for w in trend:
        table.add(
            Cell(week_label(w, today), csv=w.first.isoformat()),
            Cell(dates.day_label(w.last, today), csv=w.last.isoformat()),
            hours_cell(w.hours), hours_cell(w.contract_hours),
            percent_cell(w.hours_vs_contract), hours_cell(w.after_hours),
            percent_cell(w.after_hours_share), w.rest_days_worked, w.hostile_messages,
        )  # fmt: skip
    return table


def factor_table(strain: dashboards.MemberStrain) -> Table:
    """Points of WSI as whole numbers on the page, like the score itself (two decimals in the
    CSV, as in the API); weights as percentages."""
    table = Table(
        "factors",
        _("What makes up the strain score (WSI)"),
        [Column(_("Factor")), Column(_("Points of WSI"), True), Column(_("Weight"), True),
         Column(_("What was measured"))],
        empty=_("No factor could be measured."),
    )  # fmt: skip
    for f in strain.factors:
        table.add(f.label, score_cell(f.points), percent_cell(burnout.WEIGHTS[f.name]), f.words)
    return table


def factor_chart(strain: dashboards.MemberStrain) -> str:
    return mark_safe(
        charts.bar_chart(
            title=_("Contributions to %(member)s's strain score, in points of WSI")
            % {"member": strain.member},
            bars=[charts.Bar(f.label, f.points, str(whole(f.points))) for f in strain.factors],
        )
    )


def member_tables(data: dashboards.MemberDashboard, url_name: str, *args) -> dict[str, Table]:
    tables = {"trend": trend_table(data.trend)}
    if data.strain is not None and data.strain.ok:
        tables = {"factors": factor_table(data.strain)} | tables
    return with_csv_urls(tables, url_name, *args)


def member_context(data: dashboards.MemberDashboard, tables) -> dict:
    strain = data.strain
    return {
        "data": data,
        "strain": strain,
        "tables": names(tables),
        "factor_chart": factor_chart(strain) if strain is not None and strain.ok else "",
        "trend_charts": [
            (c, mark_safe(svg)) for c, svg in trend_charts(data.trend, data.member.full_name)
        ],
    }
