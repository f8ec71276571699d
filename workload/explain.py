"""Scores and staffing in plain words, for dashboards (docs/scoring.md: every number on a dashboard
must be explainable from its inputs).

Pure Python, no Django: fed the `aggregates` and `contributions` a BurnoutScore stores and the
figures a StaffingSnapshot stores, so the wording is unit-testable on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

# The factor order of burnout.FACTORS: also the tie-break between equal contributions.
FACTOR_LABELS = {
    "long_hours": "Long hours",
    "after_hours": "After-hours work",
    "rest_day_work": "Work on rest days",
    "recovery": "Too little recovery",
    "on_call": "On call",
    "emotional_load": "Hostile messages and crises",
    "leave_deficit": "Too little time off",
}
FACTOR_ORDER = tuple(FACTOR_LABELS)

BAND_LABELS = {"low": "Low", "moderate": "Moderate", "high": "High", "very_high": "Very high"}

REASON_WORDS = {
    "too_few_workdays": "too few available workdays in the 4 weeks to score (fewer than 10)",
    "low_coverage": "work logged on fewer than 70 % of available workdays",
    "missing_factors": "too few strain factors could be measured",
}

SHORT_REST_HOURS = 11  # EU Working Time Directive daily rest (docs/scoring.md 1.2 anchors)


def number(value: float | int | Decimal | None, digits: int = 1) -> str:
    """52.0 → "52", 6.6 → "6.6", 1.9333 → "1.9" (no trailing ".0"); None → "—"."""
    if value is None:
        return "—"
    text = f"{float(value):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fte(value: float | int | Decimal | None) -> str:
    """FTE to one decimal, always (product convention): 2.0 → "2.0", 1.9333 → "1.9"."""
    if value is None:
        return "—"
    text = f"{float(value):.1f}"
    return "0.0" if text == "-0.0" else text


def percent(share: float | None, digits: int = 0) -> str:
    return "—" if share is None else f"{number(share * 100, digits)} %"


def duration(minutes: float | None) -> str:
    """90 → "90 min", 3780 → "63 h" (hours from two hours up)."""
    if minutes is None:
        return "—"
    return f"{number(minutes, 0)} min" if minutes < 120 else f"{number(minutes / 60)} h"


def _plural(count: float, one: str, many: str | None = None) -> str:
    word = one if count == 1 else (many or one + "s")
    return f"{number(count)} {word}"


def weeks_equivalent(aggregates: Mapping) -> float | None:
    """Available workdays / contracted weekdays: the weeks the per-week rates divide by."""
    k = aggregates.get("contracted_weekdays") or 0
    available = (aggregates.get("contracted_workdays") or 0) - (
        aggregates.get("leave_workdays") or 0
    )
    return available / k if k and available > 0 else None


def hours_per_week(aggregates: Mapping) -> float | None:
    weeks = weeks_equivalent(aggregates)
    total = aggregates.get("total_hours")
    return None if weeks is None or total is None else total / weeks


def factor_words(factor: str, aggregates: Mapping) -> str:
    """What a factor measured, in words a leader can act on: "52 h/week",
    "11 days in a row, 3 short rests", "no week off for 200 days"."""
    a = aggregates
    parts: list[str] = []
    if factor == "long_hours":
        per_week = hours_per_week(a)
        if per_week is not None:
            parts.append(f"{number(per_week)} h/week")
    elif factor == "after_hours":
        parts.append(f"{number(a.get('after_hours_hours', 0))} h after hours")
    elif factor == "rest_day_work":
        worked, rest = a.get("rest_days_worked", 0), a.get("rest_days", 0)
        parts.append(f"{number(worked)} of {_plural(rest, 'rest day')} worked")
    elif factor == "recovery":
        if a.get("max_consecutive_days", 0) > 6:
            parts.append(f"{number(a['max_consecutive_days'])} days in a row")
        if a.get("quick_returns", 0):
            parts.append(_plural(a["quick_returns"], "short rest"))
        if not parts:
            parts.append(f"at most {_plural(a.get('max_consecutive_days', 0), 'day')} in a row")
    elif factor == "on_call":
        parts.append(_plural(a.get("on_call_days", 0), "on-call day"))
    elif factor == "emotional_load":
        if a.get("hostile_messages") is not None:
            parts.append(_plural(a["hostile_messages"], "hostile message"))
        if a.get("crisis_hours"):
            parts.append(f"{number(a['crisis_hours'])} h of crisis work")
        if not parts:
            parts.append("no hostile messages recorded")
    elif factor == "leave_deficit":
        if a.get("days_since_week_off", 0) > 90:
            since = a["days_since_week_off"]
            on_record = a.get("history_days") is not None and since >= recorded_days(a)
            parts.append(
                f"no week off in the {number(since)} days on record"
                if on_record
                else f"no week off for {number(since)} days"
            )
        entitlement = a.get("annual_entitlement")
        taken = a.get("leave_days_365")
        recorded = recorded_days(a)
        if entitlement and taken is not None and recorded >= 180:
            k = a.get("contracted_weekdays") or 5
            due = entitlement * k / 5 * min(1.0, recorded / 365)
            if due and taken / due < 0.75:
                parts.append(f"{number(taken)} of {number(due)} leave days taken in a year")
        if not parts:
            parts.append(week_off_words(a))
    else:
        raise ValueError(f"unknown factor {factor!r}")
    return ", ".join(parts)


@dataclass(frozen=True)
class Factor:
    name: str
    label: str
    points: float  # the factor's contribution to the WSI (0..100 scale)
    words: str


def factors(contributions: Mapping, aggregates: Mapping) -> list[Factor]:
    """Every measured factor, largest contribution first (ties in the model's order)."""
    # Missing factors (None) are left out, never shown as zero.
    present = [name for name in FACTOR_ORDER if contributions.get(name) is not None]
    present.sort(key=lambda name: -float(contributions[name]))
    points = {name: float(contributions[name]) for name in present}
    return [
        Factor(name, FACTOR_LABELS[name], points[name], factor_words(name, aggregates))
        for name in present
    ]


def top_factors(contributions: Mapping, aggregates: Mapping, limit: int = 3) -> list[Factor]:
    """The factors that drive the WSI: the `limit` largest contributions above zero."""
    return [f for f in factors(contributions, aggregates) if f.points > 0][:limit]


def strain_in_words(contributions: Mapping, aggregates: Mapping, limit: int = 3) -> str:
    """ "52 h/week, 11 days in a row, 3 short rests, 4 of 8 rest days worked" — or a
    reassurance when nothing adds strain."""
    top = top_factors(contributions, aggregates, limit)
    if not top:
        return "Nothing in the logged work adds strain."
    return ", ".join(f.words for f in top)


def aggregates_in_words(aggregates: Mapping) -> list[str]:
    """The four-week window behind a score, one plain sentence per fact."""
    a = aggregates
    if not a:
        return []
    out = []
    per_week = hours_per_week(a)
    contract = a.get("contracted_hours")
    if per_week is not None:
        out.append(
            f"Worked {number(a.get('total_hours'))} h in 4 weeks: {number(per_week)} h a week"
            + (f" against a {number(contract)} h contract." if contract else ".")
        )
    weekly = a.get("weekly_hours") or []
    if weekly:
        # The score's 7-day blocks end on as_of: never shown as calendar weeks.
        out.append(
            "Over the four 7-day stretches ending on the score's date: "
            + ", ".join(f"{number(h, 0)} h" for h in weekly)
            + "."
        )
    out.append(
        f"{number(a.get('after_hours_hours', 0))} h outside working hours (evenings, rest days "
        "and leave)."
    )
    out.append(
        f"Worked {number(a.get('rest_days_worked', 0))} of "
        f"{_plural(a.get('rest_days', 0), 'rest day')}; longest run "
        f"{_plural(a.get('max_consecutive_days', 0), 'day')} in a row; "
        f"{_plural(a.get('quick_returns', 0), 'short rest')} (under {SHORT_REST_HOURS} h "
        "between one day's end and the next day's start)."
    )
    out.append(f"On call on {number(a.get('on_call_days', 0))} of {a.get('window_days', 0)} days.")
    hostile = a.get("hostile_messages")
    out.append(
        ("Hostile messages not recorded" if hostile is None
         else f"Handled {_plural(hostile, 'hostile message')}")
        + f"; {number(a.get('crisis_hours', 0))} h of crisis work."
    )  # fmt: skip
    out.append(
        f"{number(a.get('leave_days_365', 0))} days of vacation in the last year"
        f"{history_words(a)}; {week_off_words(a)}."
    )
    return out


def recorded_days(aggregates: Mapping) -> int:
    """Days of recorded history behind a score (docs/scoring.md 1.1); scores stored before
    history was tracked fall back to the tenure."""
    a = aggregates
    return int(a["history_days"] if a.get("history_days") is not None else a.get("tenure_days", 0))


def history_words(aggregates: Mapping) -> str:
    """ " (records since 4 Sep 2026)" when socialops has held records for under a year."""
    recorded = recorded_days(aggregates)
    start = aggregates.get("history_start")
    if start is None or recorded >= 365:
        return ""
    return f" (socialops has records for the last {_plural(recorded, 'day')})"


def week_off_words(aggregates: Mapping) -> str:
    """ "last week off 40 days ago", or, with no week off in the recorded history, "no week
    off in the 30 days on record" (never a tenure socialops has not seen)."""
    since = aggregates.get("days_since_week_off", 0)
    if aggregates.get("history_days") is not None and since >= recorded_days(aggregates):
        return f"no week off in the {_plural(since, 'day')} on record"
    return f"last week off {number(since)} days ago"


def reason_in_words(reason: str, coverage: float | None = None) -> str:
    words = REASON_WORDS.get(reason, reason.replace("_", " "))
    if reason == "low_coverage" and coverage is not None:
        words += f" (logged on {percent(coverage)})"
    return words[:1].upper() + words[1:] + "."


def staffing_sentence(
    *,
    team: str,
    gap_fte: float,
    required_fte: float,
    available_fte: float,
    hidden_overtime_fte: float,
    seat_floor_fte: float,
    shrinkage: float,
    demand_total: float,
    realtime_hours: float,
    deferrable_hours: float,
    other_hours: float,
    staffed_hours_per_week: float | None = None,
) -> str:
    """One sentence a leader can paste into a headcount request, composed from a snapshot.

    "Community needs 1.9 more FTE: demand is 240 h a week (140 h of real-time inbox seats,
    100 h of other work), which takes 8.5 FTE once 25 % absence is allowed for, against
    6.6 FTE available; 0.5 FTE of it is absorbed today as unpaid overtime."
    """
    parts = []
    if realtime_hours >= 0.05:
        parts.append(f"{number(realtime_hours, 0)} h of real-time inbox seats")
    if deferrable_hours >= 0.05:
        parts.append(f"{number(deferrable_hours, 0)} h of inbox replies")
    parts.append(f"{number(other_hours, 0)} h of other work")
    demand = f"demand is {number(demand_total, 0)} h a week ({', '.join(parts)})"
    absence = f"{number(shrinkage * 100, 0)} % absence"
    floor_binds = seat_floor_fte >= required_fte - 1e-9 and seat_floor_fte > 0
    if floor_binds and staffed_hours_per_week:
        needs = (
            f"but keeping one person present for the {number(staffed_hours_per_week, 0)} "
            f"staffed hours a week takes {fte(seat_floor_fte)} FTE once {absence} is "
            "allowed for"
        )
    else:
        needs = f"which takes {fte(required_fte)} FTE once {absence} is allowed for"
    overtime = hidden_overtime_fte >= 0.05
    if gap_fte >= 0.05:
        sentence = (
            f"{team} needs {fte(gap_fte)} more FTE: {demand}, {needs}, against "
            f"{fte(available_fte)} FTE available"
        )
        if overtime:
            return sentence + (
                f"; {fte(hidden_overtime_fte)} FTE of it is absorbed today as unpaid overtime."
            )
        return sentence + "."
    headroom = -gap_fte
    sentence = f"{team} has enough people: {demand}, {needs}, and {fte(available_fte)}"
    sentence += " FTE are available" + (
        f" ({fte(headroom)} FTE of headroom)" if headroom >= 0.05 else ""
    )
    if overtime:
        return sentence + (
            f"; even so, {fte(hidden_overtime_fte)} FTE is worked today as unpaid overtime: "
            "look at how the work is spread."
        )
    return sentence + "."


# ---- Explaining the staffing figure (docs/scoring.md Part 3) ----------------------------------


def target_words(sla_minutes: float | None, always_on: bool = False) -> str:
    """60 → "one-hour reply target", 30 → "30-minute …", 240 → "4-hour …"; "24/7 " first
    for an always-on channel."""
    if sla_minutes is None:
        return "reply target"
    minutes = float(sla_minutes)
    if minutes == 60:
        span = "one-hour"
    elif minutes % 60 == 0:
        span = f"{number(minutes / 60, 0)}-hour"
    else:
        span = f"{number(minutes, 0)}-minute"
    return ("24/7 " if always_on else "") + f"{span} reply target"


def driver_words(row: Mapping) -> str:
    """ "X @HalcyonHelp's 24/7 one-hour reply target", or a category in lower case."""
    if row.get("channel"):
        return (
            f"{row['label']}'s {target_words(row.get('sla_minutes'), bool(row.get('always_on')))}"
        )
    label = str(row.get("label", ""))
    return label[:1].lower() + label[1:]


def drivers_sentence(drivers: list[Mapping], required_fte: float, binding: str,
                     seat_floor_fte: float, limit: int = 2) -> str:  # fmt: skip
    """ "Of the 18.7 FTE required, 7.5 FTE is X @HalcyonHelp's 24/7 one-hour reply target and
    3.1 FTE is community management." — the largest drivers with their share of the demand."""
    top = [r for r in drivers if float(r.get("fte") or 0) >= 0.05][:limit]
    if not top:
        return ""
    parts = [f"{fte(r['fte'])} FTE is {driver_words(r)}" for r in top]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if binding == "seat_floor":
        return (
            f"The seat floor ({fte(seat_floor_fte)} FTE) is larger than the demand; of the "
            f"demand, {listed}."
        )
    return f"Of the {fte(required_fte)} FTE required, {listed}."


WHAT_IF_WORDS = {
    "sla_x4": "a reply target four times as long",
    "staffed_window_only": "answering only inside the staffed hours",
}


def span_words(minutes: float) -> str:
    """60 → "1 hour", 240 → "4 hours", 30 → "30 minutes"."""
    if minutes % 60 == 0:
        hours = minutes / 60
        return f"{number(hours, 0)} hour" + ("" if hours == 1 else "s")
    return f"{number(minutes, 0)} minutes"


def what_if_words(row: Mapping) -> str:
    """ "X @HalcyonHelp answered within 4 hours instead of 1 hour", or "… answered only inside
    the staffed hours"."""
    label = row["channel"]["label"]
    if row["change"] == "sla_x4":
        after = float(row.get("sla_minutes") or 0)
        return f"{label} answered within {span_words(after)} instead of {span_words(after / 4)}"
    return f"{label} answered only inside the staffed hours"


def what_if_sentence(what_if: list[Mapping], required_fte: float) -> str:
    """The single change that saves the most, if it saves anything."""
    best = next((r for r in what_if if float(r.get("fte_saved") or 0) >= 0.05), None)
    if best is None:
        return ""
    return (
        f"Relaxing one target saves the most with {what_if_words(best)}: "
        f"{fte(best['required_fte'])} FTE instead of {fte(required_fte)} "
        f"({fte(best['fte_saved'])} FTE less)."
    )


def delivered_sentence(delivered: Mapping, uncovered_hours: int) -> str:
    """ "Today someone covers 38 % of the seat-hours X @HalcyonHelp's target needs; nobody is
    on that inbox for 96 h of the week." """
    ratio = delivered.get("ratio")
    if ratio is None:
        return ""
    label = delivered["channel"]["label"]
    sentence = f"Today someone covers {percent(ratio)} of the seat-hours {label}'s target needs"
    if uncovered_hours:
        sentence += f"; nobody is on that inbox for {uncovered_hours} h of the week"
    return sentence + "."


def absence_sentence(measured: float | None, shrinkage: float,
                     required_at_measured: float | None, required_fte: float) -> str:  # fmt: skip
    """One line comparing the absence allowance with the absence the team really takes."""
    allowance = percent(shrinkage)
    if measured is None:
        return (
            f"The {allowance} absence allowance cannot be checked yet: socialops holds under "
            "60 contracted workdays of records for the team."
        )
    gap = measured - shrinkage
    if abs(gap) < 0.02:
        return f"Measured absence ({percent(measured)}) matches the {allowance} allowance."
    direction = "below" if gap < 0 else "above"
    sentence = (
        f"Measured absence over the last 12 months is {percent(measured)}, {direction} the "
        f"{allowance} allowance"
    )
    if required_at_measured is not None:
        sentence += (
            f": at the measured rate the team would need {fte(required_at_measured)} FTE "
            f"instead of {fte(required_fte)}"
        )
    return sentence + "."
