"""Scores and staffing in plain words, for dashboards (docs/scoring.md: every number on a dashboard
must be explainable from its inputs).

Pure Python, no Django: fed the `aggregates` and `contributions` a BurnoutScore stores and the
figures a StaffingSnapshot stores, so the wording is unit-testable on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# The factor order of burnout.FACTORS: also the tie-break between equal contributions.
FACTOR_LABELS = {
    "long_hours": gettext_lazy("Long hours"),
    "after_hours": gettext_lazy("After-hours work"),
    "rest_day_work": gettext_lazy("Work on rest days"),
    "recovery": gettext_lazy("Too little recovery"),
    "on_call": gettext_lazy("On call"),
    "emotional_load": gettext_lazy("Hostile messages and crises"),
    "leave_deficit": gettext_lazy("Too little time off"),
}
FACTOR_ORDER = tuple(FACTOR_LABELS)

BAND_LABELS = {
    "low": gettext_lazy("Low"),
    "moderate": gettext_lazy("Moderate"),
    "high": gettext_lazy("High"),
    "very_high": gettext_lazy("Very high"),
}

REASON_WORDS = {
    "too_few_workdays": gettext_lazy(
        "too few available workdays in the 4 weeks to score (fewer than 10)"
    ),
    # xgettext:no-python-format
    "low_coverage": gettext_lazy("work logged on fewer than 70 % of available workdays"),
    "missing_factors": gettext_lazy("too few strain factors could be measured"),
}

SHORT_REST_HOURS = 11  # EU Working Time Directive daily rest (docs/scoring.md 1.2 anchors)


def _local(text: str) -> str:
    """The active language's decimal separator ("1,5" in Italian); English keeps "1.5"."""
    separator = str(get_format("DECIMAL_SEPARATOR"))
    return text if separator == "." else text.replace(".", separator)


def number(value: float | int | Decimal | None, digits: int = 1, *, l10n: bool = True) -> str:
    """52.0 → "52", 6.6 → "6.6", 1.9333 → "1.9" (no trailing ".0"); None → "—".
    ``l10n=False`` keeps the dot whatever the language (CSV files)."""
    if value is None:
        return "—"
    text = f"{float(value):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = "0" if text in ("-0", "") else text
    return _local(text) if l10n else text


def fte(value: float | int | Decimal | None) -> str:
    """FTE to one decimal, always (product convention): 2.0 → "2.0", 1.9333 → "1.9"."""
    if value is None:
        return "—"
    text = f"{float(value):.1f}"
    return _local("0.0" if text == "-0.0" else text)


def percent(share: float | None, digits: int = 0) -> str:
    return "—" if share is None else f"{number(share * 100, digits)} %"


def duration(minutes: float | None) -> str:
    """90 → "90 min", 3780 → "63 h" (hours from two hours up)."""
    if minutes is None:
        return "—"
    return f"{number(minutes, 0)} min" if minutes < 120 else f"{number(minutes / 60)} h"


def _n(count: float) -> int:
    """The count ngettext picks a plural form by: 1 only for exactly one (as English reads
    "1.5 days")."""
    return int(count) if float(count).is_integer() else 2


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
            parts.append(_("%(hours)s h/week") % {"hours": number(per_week)})
    elif factor == "after_hours":
        parts.append(
            _("%(hours)s h after hours") % {"hours": number(a.get("after_hours_hours", 0))}
        )
    elif factor == "rest_day_work":
        worked, rest = a.get("rest_days_worked", 0), a.get("rest_days", 0)
        parts.append(
            ngettext(
                "%(worked)s of %(n)s rest day worked",
                "%(worked)s of %(n)s rest days worked",
                _n(rest),
            )
            % {"worked": number(worked), "n": number(rest)}
        )
    elif factor == "recovery":
        if a.get("max_consecutive_days", 0) > 6:
            parts.append(_("%(days)s days in a row") % {"days": number(a["max_consecutive_days"])})
        if a.get("quick_returns", 0):
            parts.append(short_rests(a["quick_returns"]))
        if not parts:
            days = a.get("max_consecutive_days", 0)
            parts.append(
                ngettext("at most %(n)s day in a row", "at most %(n)s days in a row", _n(days))
                % {"n": number(days)}
            )
    elif factor == "on_call":
        days = a.get("on_call_days", 0)
        parts.append(
            ngettext("%(n)s on-call day", "%(n)s on-call days", _n(days)) % {"n": number(days)}
        )
    elif factor == "emotional_load":
        if a.get("hostile_messages") is not None:
            hostile = a["hostile_messages"]
            parts.append(
                ngettext("%(n)s hostile message", "%(n)s hostile messages", _n(hostile))
                % {"n": number(hostile)}
            )
        if a.get("crisis_hours"):
            parts.append(_("%(hours)s h of crisis work") % {"hours": number(a["crisis_hours"])})
        if not parts:
            parts.append(_("no hostile messages recorded"))
    elif factor == "leave_deficit":
        if a.get("days_since_week_off", 0) > 90:
            since = a["days_since_week_off"]
            on_record = a.get("history_days") is not None and since >= recorded_days(a)
            parts.append(
                no_week_off_on_record(since)
                if on_record
                else _("no week off for %(days)s days") % {"days": number(since)}
            )
        entitlement = a.get("annual_entitlement")
        taken = a.get("leave_days_365")
        recorded = recorded_days(a)
        if entitlement and taken is not None and recorded >= 180:
            k = a.get("contracted_weekdays") or 5
            due = entitlement * k / 5 * min(1.0, recorded / 365)
            if due and taken / due < 0.75:
                parts.append(
                    _("%(taken)s of %(due)s leave days taken in a year")
                    % {"taken": number(taken), "due": number(due)}
                )
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
        Factor(name, str(FACTOR_LABELS[name]), points[name], factor_words(name, aggregates))
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
        return _("Nothing in the logged work adds strain.")
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
        values = {
            "total": number(a.get("total_hours")),
            "per_week": number(per_week),
            "contract": number(contract),
        }
        out.append(
            _(
                "Worked %(total)s h in 4 weeks: %(per_week)s h a week against a "
                "%(contract)s h contract."
            )
            % values
            if contract
            else _("Worked %(total)s h in 4 weeks: %(per_week)s h a week.") % values
        )
    weekly = a.get("weekly_hours") or []
    if weekly:
        # The score's 7-day blocks end on as_of: never shown as calendar weeks.
        out.append(
            _("Over the four 7-day stretches ending on the score's date: %(hours)s.")
            % {"hours": ", ".join(_("%(hours)s h") % {"hours": number(h, 0)} for h in weekly)}
        )
    out.append(
        _("%(hours)s h outside working hours (evenings, rest days and leave).")
        % {"hours": number(a.get("after_hours_hours", 0))}
    )
    rest, run, quick = (
        a.get("rest_days", 0),
        a.get("max_consecutive_days", 0),
        a.get("quick_returns", 0),
    )
    out.append(
        _("%(rest_days)s; %(run)s; %(short_rests)s.")
        % {
            "rest_days": ngettext(
                "Worked %(worked)s of %(n)s rest day",
                "Worked %(worked)s of %(n)s rest days",
                _n(rest),
            )
            % {"worked": number(a.get("rest_days_worked", 0)), "n": number(rest)},
            "run": ngettext(
                "longest run %(n)s day in a row", "longest run %(n)s days in a row", _n(run)
            )
            % {"n": number(run)},
            "short_rests": ngettext(
                "%(n)s short rest (under %(hours)s h between one day's end and the next "
                "day's start)",
                "%(n)s short rests (under %(hours)s h between one day's end and the next "
                "day's start)",
                _n(quick),
            )
            % {"n": number(quick), "hours": SHORT_REST_HOURS},
        }
    )
    out.append(
        _("On call on %(days)s of %(window)s days.")
        % {"days": number(a.get("on_call_days", 0)), "window": a.get("window_days", 0)}
    )
    hostile = a.get("hostile_messages")
    crisis = number(a.get("crisis_hours", 0))
    out.append(
        _("Hostile messages not recorded; %(hours)s h of crisis work.") % {"hours": crisis}
        if hostile is None
        else ngettext(
            "Handled %(n)s hostile message; %(hours)s h of crisis work.",
            "Handled %(n)s hostile messages; %(hours)s h of crisis work.",
            _n(hostile),
        )
        % {"n": number(hostile), "hours": crisis}
    )
    out.append(
        _("%(days)s days of vacation in the last year%(history)s; %(week_off)s.")
        % {
            "days": number(a.get("leave_days_365", 0)),
            "history": history_words(a),
            "week_off": week_off_words(a),
        }
    )
    return out


def short_rests(count: float) -> str:
    return ngettext("%(n)s short rest", "%(n)s short rests", _n(count)) % {"n": number(count)}


def no_week_off_on_record(days: float) -> str:
    return ngettext(
        "no week off in the %(n)s day on record",
        "no week off in the %(n)s days on record",
        _n(days),
    ) % {"n": number(days)}


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
    return ngettext(
        " (socialops has records for the last %(n)s day)",
        " (socialops has records for the last %(n)s days)",
        _n(recorded),
    ) % {"n": number(recorded)}


def week_off_words(aggregates: Mapping) -> str:
    """ "last week off 40 days ago", or, with no week off in the recorded history, "no week
    off in the 30 days on record" (never a tenure socialops has not seen)."""
    since = aggregates.get("days_since_week_off", 0)
    if aggregates.get("history_days") is not None and since >= recorded_days(aggregates):
        return no_week_off_on_record(since)
    return _("last week off %(days)s days ago") % {"days": number(since)}


def reason_in_words(reason: str, coverage: float | None = None) -> str:
    words = str(REASON_WORDS.get(reason, reason.replace("_", " ")))
    if reason == "low_coverage" and coverage is not None:
        words = _("%(reason)s (logged on %(share)s)") % {
            "reason": words,
            "share": percent(coverage),
        }
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
        parts.append(
            _("%(hours)s h of real-time inbox seats") % {"hours": number(realtime_hours, 0)}
        )
    if deferrable_hours >= 0.05:
        parts.append(_("%(hours)s h of inbox replies") % {"hours": number(deferrable_hours, 0)})
    parts.append(_("%(hours)s h of other work") % {"hours": number(other_hours, 0)})
    demand = _("demand is %(hours)s h a week (%(parts)s)") % {
        "hours": number(demand_total, 0),
        "parts": ", ".join(parts),
    }
    absence = _("%(share)s %% absence") % {"share": number(shrinkage * 100, 0)}
    floor_binds = seat_floor_fte >= required_fte - 1e-9 and seat_floor_fte > 0
    if floor_binds and staffed_hours_per_week:
        needs = _(
            "but keeping one person present for the %(hours)s staffed hours a week takes "
            "%(fte)s FTE once %(absence)s is allowed for"
        ) % {
            "hours": number(staffed_hours_per_week, 0),
            "fte": fte(seat_floor_fte),
            "absence": absence,
        }
    else:
        needs = _("which takes %(fte)s FTE once %(absence)s is allowed for") % {
            "fte": fte(required_fte),
            "absence": absence,
        }
    overtime = hidden_overtime_fte >= 0.05
    values = {
        "team": team,
        "gap": fte(gap_fte),
        "demand": demand,
        "needs": needs,
        "available": fte(available_fte),
        "overtime": fte(hidden_overtime_fte),
        "headroom": fte(-gap_fte),
    }
    if gap_fte >= 0.05:
        if overtime:
            return (
                _(
                    "%(team)s needs %(gap)s more FTE: %(demand)s, %(needs)s, against "
                    "%(available)s FTE available; %(overtime)s FTE of it is absorbed today as "
                    "unpaid overtime."
                )
                % values
            )
        return (
            _(
                "%(team)s needs %(gap)s more FTE: %(demand)s, %(needs)s, against %(available)s "
                "FTE available."
            )
            % values
        )
    headroom = -gap_fte
    if headroom >= 0.05:
        sentence = (
            _(
                "%(team)s has enough people: %(demand)s, %(needs)s, and %(available)s FTE are "
                "available (%(headroom)s FTE of headroom)"
            )
            % values
        )
    else:
        sentence = (
            _(
                "%(team)s has enough people: %(demand)s, %(needs)s, and %(available)s FTE "
                "are available"
            )
            % values
        )
    if overtime:
        return _(
            "%(sentence)s; even so, %(overtime)s FTE is worked today as unpaid overtime: look at "
            "how the work is spread."
        ) % {"sentence": sentence, "overtime": values["overtime"]}
    return sentence + "."


# ---- Explaining the staffing figure (docs/scoring.md Part 3) ----------------------------------


def target_words(sla_minutes: float | None, always_on: bool = False) -> str:
    """60 → "one-hour reply target", 30 → "30-minute …", 240 → "4-hour …"; "24/7 " first
    for an always-on channel."""
    if sla_minutes is None:
        return _("reply target")
    minutes = float(sla_minutes)
    if minutes == 60:
        span = _("one-hour")
    elif minutes % 60 == 0:
        span = _("%(hours)s-hour") % {"hours": number(minutes / 60, 0)}
    else:
        span = _("%(minutes)s-minute") % {"minutes": number(minutes, 0)}
    if always_on:
        return _("24/7 %(span)s reply target") % {"span": span}
    return _("%(span)s reply target") % {"span": span}


def driver_words(row: Mapping) -> str:
    """ "X @HalcyonHelp's 24/7 one-hour reply target", or a category in lower case."""
    if row.get("channel"):
        return _("%(channel)s's %(target)s") % {
            "channel": row["label"],
            "target": target_words(row.get("sla_minutes"), bool(row.get("always_on"))),
        }
    label = str(row.get("label", ""))
    return label[:1].lower() + label[1:]


def drivers_sentence(drivers: list[Mapping], required_fte: float, binding: str,
                     seat_floor_fte: float, limit: int = 2) -> str:  # fmt: skip
    """ "Of the 18.7 FTE required, 7.5 FTE is X @HalcyonHelp's 24/7 one-hour reply target and
    3.1 FTE is community management." — the largest drivers with their share of the demand."""
    top = [r for r in drivers if float(r.get("fte") or 0) >= 0.05][:limit]
    if not top:
        return ""
    parts = [_("%(fte)s FTE is %(driver)s") % {"fte": fte(r["fte"]), "driver": driver_words(r)}
             for r in top]  # fmt: skip
    listed = (
        parts[0]
        if len(parts) == 1
        else _("%(items)s and %(last)s") % {"items": ", ".join(parts[:-1]), "last": parts[-1]}
    )
    if binding == "seat_floor":
        return _(
            "The seat floor (%(fte)s FTE) is larger than the demand; of the demand, %(listed)s."
        ) % {"fte": fte(seat_floor_fte), "listed": listed}
    return _("Of the %(fte)s FTE required, %(listed)s.") % {
        "fte": fte(required_fte),
        "listed": listed,
    }


WHAT_IF_WORDS = {
    "sla_x4": gettext_lazy("a reply target four times as long"),
    "staffed_window_only": gettext_lazy("answering only inside the staffed hours"),
}


def span_words(minutes: float) -> str:
    """60 → "1 hour", 240 → "4 hours", 30 → "30 minutes"."""
    if minutes % 60 == 0:
        hours = minutes / 60
        return ngettext("%(n)s hour", "%(n)s hours", _n(hours)) % {"n": number(hours, 0)}
    return _("%(n)s minutes") % {"n": number(minutes, 0)}


def what_if_words(row: Mapping) -> str:
    """ "X @HalcyonHelp answered within 4 hours instead of 1 hour", or "… answered only inside
    the staffed hours"."""
    label = row["channel"]["label"]
    if row["change"] == "sla_x4":
        after = float(row.get("sla_minutes") or 0)
        return _("%(channel)s answered within %(after)s instead of %(before)s") % {
            "channel": label,
            "after": span_words(after),
            "before": span_words(after / 4),
        }
    return _("%(channel)s answered only inside the staffed hours") % {"channel": label}


def what_if_sentence(what_if: list[Mapping], required_fte: float) -> str:
    """The single change that saves the most, if it saves anything."""
    best = next((r for r in what_if if float(r.get("fte_saved") or 0) >= 0.05), None)
    if best is None:
        return ""
    return _(
        "Relaxing one target saves the most with %(change)s: %(fte)s FTE instead of "
        "%(required)s (%(saved)s FTE less)."
    ) % {
        "change": what_if_words(best),
        "fte": fte(best["required_fte"]),
        "required": fte(required_fte),
        "saved": fte(best["fte_saved"]),
    }


def delivered_sentence(delivered: Mapping, uncovered_hours: int) -> str:
    """ "Today someone covers 38 % of the seat-hours X @HalcyonHelp's target needs; nobody is
    on that inbox for 96 h of the week." """
    ratio = delivered.get("ratio")
    if ratio is None:
        return ""
    label = delivered["channel"]["label"]
    values = {"share": percent(ratio), "channel": label, "hours": uncovered_hours}
    if uncovered_hours:
        return (
            _(
                "Today someone covers %(share)s of the seat-hours %(channel)s's target needs; "
                "nobody is on that inbox for %(hours)s h of the week."
            )
            % values
        )
    return (
        _("Today someone covers %(share)s of the seat-hours %(channel)s's target needs.") % values
    )


def absence_sentence(measured: float | None, shrinkage: float,
                     required_at_measured: float | None, required_fte: float) -> str:  # fmt: skip
    """One line comparing the absence allowance with the absence the team really takes."""
    allowance = percent(shrinkage)
    if measured is None:
        return _(
            "The %(allowance)s absence allowance cannot be checked yet: socialops holds under "
            "60 contracted workdays of records for the team."
        ) % {"allowance": allowance}
    gap = measured - shrinkage
    values = {
        "measured": percent(measured),
        "allowance": allowance,
        "at_measured": fte(required_at_measured),
        "required": fte(required_fte),
    }
    if abs(gap) < 0.02:
        return _("Measured absence (%(measured)s) matches the %(allowance)s allowance.") % values
    if gap < 0:
        sentence = (
            _(
                "Measured absence over the last 12 months is %(measured)s, below the "
                "%(allowance)s allowance"
            )
            % values
        )
    else:
        sentence = (
            _(
                "Measured absence over the last 12 months is %(measured)s, above the "
                "%(allowance)s allowance"
            )
            % values
        )
    if required_at_measured is not None:
        return _(
            "%(sentence)s: at the measured rate the team would need %(at_measured)s FTE instead of "
            "%(required)s."
        ) % {**values, "sentence": sentence}
    return sentence + "."
