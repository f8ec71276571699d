"""What several pages show: the twelve-week trend (chart and table), a member's strain
factors (chart and table), and the recompute job a page was asked about."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.utils.safestring import mark_safe

from workload import burnout, charts
from workload.explain import number, percent
from workload.models import RecomputeJob
from workload.selectors import dashboards
from workload.services import jobs
from workload.views.tables import Column, Table, names, with_csv_urls


def job_for(request: HttpRequest) -> RecomputeJob | None:
    if not request.user.is_authenticated:  # the pages asking are all login_required
        return None
    try:
        job_id = uuid.UUID(request.GET.get("job", ""))
    except ValueError:
        return None
    job = RecomputeJob.objects.filter(pk=job_id, requested_by=request.user).first()
    return None if job is None else jobs.job_refresh(job=job)


def week_label(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def trend_charts(trend: list[dashboards.TrendWeek], who: str) -> list[tuple[str, str]]:
    """(caption, SVG) per series; the trend table holds the same numbers."""
    labels = [week_label(w.last) for w in trend]
    return [
        (
            "Hours logged against contracted hours",
            charts.column_chart(
                title=f"Hours logged per week by {who}, against contracted hours",
                labels=labels,
                values=[w.hours for w in trend],
                texts=[number(w.hours, 0) for w in trend],
                reference=[w.contract_hours for w in trend],
                reference_label="contracted hours",
            ),
        ),
        (
            "After-hours share of the hours",
            charts.line_chart(
                title=f"Share of {who}'s hours worked after hours, per week",
                labels=labels,
                values=[w.after_hours_share for w in trend],
                texts=[percent(w.after_hours_share) for w in trend],
            ),
        ),
        (
            "Rest days worked",
            charts.column_chart(
                title=f"Rest days worked per week by {who}",
                labels=labels,
                values=[w.rest_days_worked for w in trend],
                texts=[str(w.rest_days_worked) for w in trend],
                tone="moderate",
                height=170,
            ),
        ),
        (
            "Hostile messages handled",
            charts.column_chart(
                title=f"Hostile messages handled per week by {who}",
                labels=labels,
                values=[w.hostile_messages for w in trend],
                texts=[str(w.hostile_messages) for w in trend],
                tone="high",
                height=170,
            ),
        ),
    ]


def trend_table(trend: list[dashboards.TrendWeek]) -> Table:
    table = Table(
        "trend",
        "Twelve weeks, week by week",
        [Column("Week ending"), Column("Hours logged", True), Column("Contracted hours", True),
         Column("Hours vs contract", True), Column("After-hours hours", True),
         Column("After-hours share", True), Column("Rest days worked", True),
         Column("Hostile messages", True)],
    )  # fmt: skip
    for w in trend:
        table.add(
            w.last.isoformat(), number(w.hours), number(w.contract_hours),
            percent(w.hours_vs_contract), number(w.after_hours), percent(w.after_hours_share),
            w.rest_days_worked, w.hostile_messages,
        )  # fmt: skip
    return table


def factor_table(strain: dashboards.MemberStrain) -> Table:
    table = Table(
        "factors",
        "What makes up the strain score (WSI)",
        [Column("Factor"), Column("Points of WSI", True), Column("Weight", True),
         Column("What was measured")],
        empty="No factor could be measured.",
    )  # fmt: skip
    for f in strain.factors:
        table.add(f.label, number(f.points, 2), percent(burnout.WEIGHTS[f.name]), f.words)
    return table


def factor_chart(strain: dashboards.MemberStrain) -> str:
    return mark_safe(
        charts.bar_chart(
            title=f"Contributions to {strain.member}'s strain score, in points of WSI",
            bars=[charts.Bar(f.label, f.points, number(f.points, 2)) for f in strain.factors],
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
