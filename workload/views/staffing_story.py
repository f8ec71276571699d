"""The team dashboard's explanation of the staffing figure (docs/scoring.md Part 3): what the
demand is made of, what relaxing a target saves, what the team delivers today, measured
absence against the allowance, and coverage ahead. Tables (each with its CSV) and charts
from the stored snapshot; no query here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teams.models import Member
from workload import charts, explain
from workload.dates import day_label, days_label
from workload.explain import number
from workload.models import StaffingSnapshot
from workload.selectors.staffing import latest_team_snapshot
from workload.staffing_explained import slot_ranges
from workload.views.tables import Cell, Column, Table, percent_cell, whole

KIND_WORDS = {
    "realtime_queue": gettext_lazy("Real-time inbox (seat-hours)"),
    "deferrable_queue": gettext_lazy("Inbox replies"),
    "other_work": gettext_lazy("Other work"),
}
CHANGE_WORDS = {
    "sla_x4": gettext_lazy("Reply target × 4"),
    "staffed_window_only": gettext_lazy("Answer only in the staffed hours"),
}
REASON_WORDS = {
    "leave": gettext_lazy("on leave"),
    "ended": gettext_lazy("has left"),
    "long_absence": gettext_lazy("on long absence"),
    "not_started": gettext_lazy("not started yet"),
}


def _label(row: Mapping) -> str:
    """A driver's label: the channel's, or the category's in the active language (the snapshot
    stores the category's English label, a message of the catalogue)."""
    label = str(row.get("label", ""))
    return _(label) if row.get("category") and label else label


def _dates(values: list[str]) -> list[dt.date]:
    return [dt.date.fromisoformat(v) for v in values]


def fte_cell(value: float | None) -> Cell:
    """FTE to one decimal on the page; 4 decimals in the CSV (as stored)."""
    return Cell(explain.fte(value), csv="" if value is None else value)


def hours_cell(value: float | None) -> Cell:
    """Whole hours on the page (dashboards, rounded half-up like every whole figure); 4
    decimals in the CSV."""
    return Cell("—" if value is None else str(whole(value)), csv="" if value is None else value)


def required_at(snapshot: StaffingSnapshot, absence: float | None) -> float | None:
    """The required FTE were the absence allowance `absence` instead of the configured one:
    max(demand, staffed hours) / (fte_hours × (1 − absence))."""
    details = snapshot.details or {}
    fte_hours = details.get("fte_hours")
    if absence is None or not fte_hours or absence >= 1:
        return None
    demand = float((snapshot.demand_hours or {}).get("total", 0))
    staffed = float(details.get("staffed_hours_per_week", 0))
    return max(demand, staffed) / (float(fte_hours) * (1 - absence))


@dataclass
class Story:
    """Everything the page needs: sentences, tables and charts."""

    sentences: list[str]
    tables: dict[str, Table]
    charts: dict[str, str]
    absence_reading: str
    team_of_one: bool
    uncovered: dict[int, list[str]]  # channel id → readable stretches nobody covers


def story(snapshot: StaffingSnapshot, *, team_name: str, today: dt.date | None = None) -> Story:
    today = today or timezone.localdate()
    drivers = [r | {"label": _label(r)} for r in snapshot.drivers or []]
    what_if = snapshot.what_if or []
    delivered = snapshot.delivered_coverage or []
    ahead = snapshot.coverage_ahead or []
    required = float(snapshot.required_fte)
    demand_hours = sum(float(r["hours_per_week"]) for r in drivers)

    tables: dict[str, Table] = {}
    out_charts: dict[str, str] = {}

    # Drivers.
    t = Table("drivers", _("What the demand is made of (largest first)"),
              [Column(_("Source")), Column(_("Kind")), Column(_("Hours per week"), True),
               Column(_("FTE"), True), Column(_("Share of demand"), True)],
              empty=_("No demand: nothing logged and no reply target."))  # fmt: skip
    for r in drivers:
        kind = str(KIND_WORDS.get(r["kind"], r["kind"]))
        if r.get("unreachable"):
            kind = _("%(kind)s — target unreachable in the staffed hours") % {"kind": kind}
        share = float(r["hours_per_week"]) / demand_hours if demand_hours else None
        label = explain.driver_words(r) if r.get("channel") else r["label"]
        t.add(label[:1].upper() + label[1:], kind, hours_cell(r["hours_per_week"]),
              fte_cell(r["fte"]), percent_cell(share))  # fmt: skip
    tables["drivers"] = t
    out_charts["drivers"] = charts.bar_chart(
        title=_("What the demand is made of, in FTE"),
        bars=[charts.Bar(r["label"], float(r["fte"]),
                         _("%(fte)s FTE") % {"fte": explain.fte(r["fte"])},
                         "accent" if r.get("channel") else "muted") for r in drivers],
    )  # fmt: skip

    # What relaxing a target saves.
    t = Table("what-if", _("What relaxing one target saves (everything else equal)"),
              [Column(_("Channel")), Column(_("Change")), Column(_("FTE required"), True),
               Column(_("FTE saved"), True)],
              empty=_("No real-time inbox: no reply target to relax."))  # fmt: skip
    for r in what_if:
        change = str(CHANGE_WORDS.get(r["change"], r["change"]))
        if r["change"] == "sla_x4":
            change = _("%(change)s (%(span)s)") % {
                "change": change,
                "span": explain.span_words(float(r["sla_minutes"])),
            }
            if r.get("becomes_deferrable"):
                change = _("%(change)s, answered as replies") % {"change": change}
        t.add(r["channel"]["label"], change, fte_cell(r["required_fte"]),
              fte_cell(r["fte_saved"]))  # fmt: skip
    tables["what-if"] = t
    out_charts["what-if"] = charts.bar_chart(
        title=_("FTE saved by relaxing one target"),
        bars=[charts.Bar(f"{r['channel']['label']} · {str(CHANGE_WORDS[r['change']]).lower()}",
                         float(r["fte_saved"]),
                         _("%(fte)s FTE") % {"fte": explain.fte(r["fte_saved"])}, "ok")
              for r in what_if],
    )  # fmt: skip

    # Delivered today against implied by the targets.
    uncovered = {d["channel"]["id"]: slot_ranges(d["uncovered_slots"]) for d in delivered}
    t = Table("delivered", _("Real-time inboxes: delivered today against implied by the targets"),
              [Column(_("Channel")), Column(_("Seat-hours required per week"), True),
               Column(_("Seat-hours covered per week"), True), Column(_("Delivered"), True),
               Column(_("Staffed hours nobody covers"), True), Column(_("When nobody covers"))],
              empty=_("No real-time inbox."))  # fmt: skip
    bars = []
    for d in delivered:
        ranges = uncovered[d["channel"]["id"]]
        t.add(d["channel"]["label"], hours_cell(d["required_seat_hours"]),
              hours_cell(d["covered_seat_hours"]), percent_cell(d["ratio"]),
              len(d["uncovered_slots"]), "; ".join(ranges) or "—")  # fmt: skip
        bars += [
            charts.Bar(_("%(channel)s required") % {"channel": d["channel"]["label"]},
                       float(d["required_seat_hours"]),
                       _("%(hours)s h") % {"hours": number(d["required_seat_hours"], 0)}, "muted"),
            charts.Bar(_("%(channel)s covered") % {"channel": d["channel"]["label"]},
                       float(d["covered_seat_hours"]),
                       _("%(hours)s h") % {"hours": number(d["covered_seat_hours"], 0)}, "high"
                       if (d["ratio"] or 0) < 0.8 else "ok"),
        ]  # fmt: skip
    tables["delivered"] = t
    out_charts["delivered"] = charts.bar_chart(
        title=_("Seat-hours per week: implied by the targets against covered today"),
        bars=bars,
    )  # fmt: skip

    # Measured absence against the allowance.
    shrinkage = float(snapshot.shrinkage)
    measured = None if snapshot.measured_absence is None else float(snapshot.measured_absence)
    workdays = (snapshot.details or {}).get("measured_absence_workdays") or {}
    t = Table("absence", _("Absence: the allowance against what the team takes"),
              [Column(_("Figure")), Column(_("Share of workdays"), True),
               Column(_("Meaning"))])  # fmt: skip
    t.add(_("Configured allowance"), percent_cell(shrinkage),
          _("the team setting the required FTE divides by"))  # fmt: skip
    t.add(_("Measured, last 12 months"), percent_cell(measured),
          _("%(leave)s leave days of %(contracted)s contracted workdays of the counted members, "
            "since socialops has their records")
          % {"leave": workdays.get("leave", 0),
             "contracted": workdays.get("contracted", 0)})  # fmt: skip
    tables["absence"] = t
    at_measured = required_at(snapshot, measured)
    absence_reading = explain.absence_sentence(measured, shrinkage, at_measured, required)
    out_charts["absence"] = charts.bar_chart(
        title=_("Absence: configured allowance against measured"),
        bars=[charts.Bar(_("Allowance"), shrinkage * 100, explain.percent(shrinkage), "muted")]
        + ([charts.Bar(_("Measured"), measured * 100, explain.percent(measured), "accent")]
           if measured is not None else []),
    )  # fmt: skip

    # Coverage ahead.
    t = Table("coverage-ahead", _("Coverage ahead: the next four weeks"),
              [Column(_("Channel")), Column(_("Days nobody can act"), True),
               Column(_("Which days")),
               Column(_("Days below backup"), True), Column(_("Which days"), False),
               Column(_("Because"))],
              empty=_("Every channel keeps its backups for the next four weeks."))  # fmt: skip
    for row in ahead:
        without, below = _dates(row["days_without_actor"]), _dates(row["days_below_backup"])
        because = "; ".join(
            _("%(name)s %(reasons)s (%(days)s)")
            % {
                "name": c["member"]["name"],
                "reasons": " / ".join(str(REASON_WORDS.get(x, x)) for x in c["reasons"]),
                "days": days_label(_dates(c["dates"]), today),
            }
            for c in row["causes"]
        ) or _("not enough people hold access")
        t.add(row["channel"]["label"], len(without), days_label(without, today) or "—",
              len(below), days_label(below, today) or "—", because)  # fmt: skip
    tables["coverage-ahead"] = t
    out_charts["coverage-ahead"] = charts.bar_chart(
        title=_("Days in the next four weeks with nobody, or too few, who can act"),
        bars=[charts.Bar(row["channel"]["label"], len(row["days_without_actor"]) +
                         len(row["days_below_backup"]),
                         _("%(nobody)s with nobody, %(below)s below backup") % {
                             "nobody": len(row["days_without_actor"]),
                             "below": len(row["days_below_backup"]),
                         },
                         "high" if row["days_without_actor"] else "moderate")
              for row in ahead],
    )  # fmt: skip

    sentences = [
        s for s in (
            explain.drivers_sentence(drivers, required, snapshot.binding,
                                     float(snapshot.seat_floor_fte)),
            explain.what_if_sentence(what_if, required),
            _delivered_for_top(drivers, delivered, uncovered),
        ) if s
    ]  # fmt: skip
    return Story(
        sentences=sentences,
        tables=tables,
        charts=out_charts,
        absence_reading=absence_reading,
        team_of_one=(snapshot.details or {}).get("counted_members") == 1,
        uncovered=uncovered,
    )


def _delivered_for_top(drivers: list, delivered: list, uncovered: Mapping) -> str:
    """What the team delivers on the real-time inbox that drives the demand most."""
    by_id = {d["channel"]["id"]: d for d in delivered}
    top = next((r for r in drivers if r["kind"] == "realtime_queue"), None)
    if top is None or top["channel"]["id"] not in by_id:
        return ""
    d = by_id[top["channel"]["id"]]
    return explain.delivered_sentence(d, len(d["uncovered_slots"]))


def member_ahead(snapshot: StaffingSnapshot | None, member_id: int,
                 today: dt.date | None = None) -> list[dict]:  # fmt: skip
    """The coverage-ahead rows a member's absence causes: [{channel label, dates text, nobody
    (bool)}] for the member's own page and their leader's view of them."""
    if snapshot is None:
        return []
    today = today or timezone.localdate()
    out = []
    for row in snapshot.coverage_ahead or []:
        for cause in row["causes"]:
            if cause["member"]["id"] != member_id:
                continue
            dates = _dates(cause["dates"])
            without = set(_dates(row["days_without_actor"]))
            out.append({
                "channel": row["channel"]["label"],
                "when": days_label(dates, today),
                "first": day_label(min(dates), today),
                "nobody": any(d in without for d in dates),
                "days": len(dates),
            })  # fmt: skip
    return out


def leave_gap_context(member: Member, *, own: bool) -> dict:
    """What `_leave_gap.html` needs for a member's page: the channels their absence leaves
    short in the next four weeks, and whether they are a team of one (one query)."""
    snapshot = latest_team_snapshot(member.team_id)
    details = (snapshot.details or {}) if snapshot is not None else {}
    return {
        "leave_gap": member_ahead(snapshot, member.pk),
        "team_of_one": details.get("counted_members") == 1,
        "person": member.full_name,
        "team_name": member.team.name if member.team is not None else "",
        "own": own,
    }
